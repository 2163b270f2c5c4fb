// MERGE WHEN-clause parser (see merge_parse.h). Recursive descent over the expression lexer's
// tokens; expressions are parsed in place by the expression parser, so positions in errors are
// positions in the whole text the caller tokenized.
#include "ops/merge_parse.h"

#include <string>

#include "delta/error.h"
#include "expr/parser_internal.h"

namespace delta::ops {

using expr_internal::Token;
using expr_internal::TokenKind;

namespace {

class ClauseParser : private expr_internal::TokenCursor {
 public:
  ClauseParser(const std::vector<Token>& tokens, size_t start)
      : TokenCursor(tokens, start, "the end of the statement") {}

  arrow::Result<std::vector<MergeClause>> ParseClauses(size_t* end) {
    std::vector<MergeClause> clauses;
    if (!IsKeyword(Cur(), "WHEN")) return Expected("WHEN");
    while (IsKeyword(Cur(), "WHEN")) {
      ARROW_ASSIGN_OR_RAISE(auto clause, ParseClause());
      clauses.push_back(std::move(clause));
    }
    *end = i_;
    return clauses;
  }

 private:
  enum class Match { kMatched, kNotMatchedByTarget, kNotMatchedBySource };

  arrow::Result<ExprPtr> Expression(const std::string& what) {
    if (Cur().kind == TokenKind::kEnd || IsKeyword(Cur(), "THEN") || IsKeyword(Cur(), "WHEN")) {
      return Expected(what);
    }
    return expr_internal::ParseExpressionAt(tokens_, &i_);
  }

  // A target column of SET or of an INSERT column list: name or alias.name (back-quotes allowed).
  arrow::Result<std::string> ColumnName() {
    auto part = [&]() -> arrow::Result<std::string> {
      if (Cur().kind != TokenKind::kIdentifier && Cur().kind != TokenKind::kQuotedIdentifier) {
        return Expected("a column name");
      }
      return tokens_[i_++].text;
    };
    ARROW_ASSIGN_OR_RAISE(std::string name, part());
    if (AcceptSymbol(".")) {
      ARROW_ASSIGN_OR_RAISE(std::string field, part());
      name += "." + field;
      if (IsSymbol(Cur(), ".")) {
        return DELTA_ERROR(kParseError, "at position ", Cur().position,
                           ": MERGE assigns top-level columns only (alias.column), found a nested field after '",
                           name, "'");
      }
    }
    return name;
  }

  arrow::Result<std::vector<std::pair<std::string, ExprPtr>>> Assignments() {
    std::vector<std::pair<std::string, ExprPtr>> out;
    do {
      ARROW_ASSIGN_OR_RAISE(auto column, ColumnName());
      ARROW_RETURN_NOT_OK(ExpectSymbol("="));
      ARROW_ASSIGN_OR_RAISE(auto value, Expression("an expression for column '" + column + "'"));
      out.emplace_back(std::move(column), std::move(value));
    } while (AcceptSymbol(","));
    return out;
  }

  arrow::Result<MergeClause> ParseClause() {
    ARROW_RETURN_NOT_OK(ExpectKeyword("WHEN"));
    Match match;
    if (AcceptKeyword("MATCHED")) {
      match = Match::kMatched;
    } else if (AcceptKeyword("NOT")) {
      ARROW_RETURN_NOT_OK(ExpectKeyword("MATCHED"));
      match = Match::kNotMatchedByTarget;
      if (AcceptKeyword("BY")) {
        if (AcceptKeyword("SOURCE")) {
          match = Match::kNotMatchedBySource;
        } else if (!AcceptKeyword("TARGET")) {
          return Expected("TARGET or SOURCE");
        }
      }
    } else {
      return Expected("MATCHED or NOT MATCHED");
    }
    MergeClause clause;
    if (AcceptKeyword("AND")) {
      ARROW_ASSIGN_OR_RAISE(clause.condition, Expression("a condition"));
    }
    ARROW_RETURN_NOT_OK(ExpectKeyword("THEN"));
    if (match == Match::kNotMatchedByTarget) {
      clause.kind = MergeClauseKind::kNotMatchedInsert;
      if (!AcceptKeyword("INSERT")) return Expected("INSERT (a NOT MATCHED clause can only insert)");
      if (AcceptSymbol("*")) {
        clause.star = true;
        return clause;
      }
      if (!IsSymbol(Cur(), "(")) return Expected("'*' or a column list '('");
      const Token& open = Cur();
      ++i_;
      std::vector<std::string> columns;
      do {
        ARROW_ASSIGN_OR_RAISE(auto column, ColumnName());
        columns.push_back(std::move(column));
      } while (AcceptSymbol(","));
      ARROW_RETURN_NOT_OK(ExpectSymbol(")"));
      ARROW_RETURN_NOT_OK(ExpectKeyword("VALUES"));
      ARROW_RETURN_NOT_OK(ExpectSymbol("("));
      std::vector<ExprPtr> values;
      do {
        ARROW_ASSIGN_OR_RAISE(auto value, Expression("a value"));
        values.push_back(std::move(value));
      } while (AcceptSymbol(","));
      ARROW_RETURN_NOT_OK(ExpectSymbol(")"));
      if (values.size() != columns.size()) {
        return DELTA_ERROR(kParseError, "at position ", open.position, ": INSERT lists ", columns.size(),
                           " column(s) but VALUES gives ", values.size(), " value(s)");
      }
      for (size_t k = 0; k < columns.size(); ++k) clause.assignments.emplace_back(columns[k], values[k]);
      return clause;
    }
    const bool by_source = match == Match::kNotMatchedBySource;
    if (AcceptKeyword("DELETE")) {
      clause.kind = by_source ? MergeClauseKind::kNotMatchedBySourceDelete : MergeClauseKind::kMatchedDelete;
      return clause;
    }
    if (!AcceptKeyword("UPDATE")) {
      return Expected(by_source ? "UPDATE or DELETE (a NOT MATCHED BY SOURCE clause)"
                                : "UPDATE or DELETE (a MATCHED clause)");
    }
    ARROW_RETURN_NOT_OK(ExpectKeyword("SET"));
    clause.kind = by_source ? MergeClauseKind::kNotMatchedBySourceUpdate : MergeClauseKind::kMatchedUpdate;
    if (IsSymbol(Cur(), "*")) {
      if (by_source) {
        return DELTA_ERROR(kParseError, "at position ", Cur().position,
                           ": UPDATE SET * is not allowed in a NOT MATCHED BY SOURCE clause (there is no "
                           "source row to take the values from)");
      }
      ++i_;
      clause.star = true;
      return clause;
    }
    ARROW_ASSIGN_OR_RAISE(clause.assignments, Assignments());
    return clause;
  }

};

}  // namespace

arrow::Result<std::vector<MergeClause>> ParseMergeClausesAt(const std::vector<expr_internal::Token>& tokens,
                                                            size_t* index) {
  if (tokens.empty() || tokens.back().kind != TokenKind::kEnd || *index >= tokens.size()) {
    return DELTA_ERROR(kInternal, "ParseMergeClausesAt: token list must end with kEnd and index be inside it");
  }
  return ClauseParser(tokens, *index).ParseClauses(index);
}

arrow::Result<std::vector<MergeClause>> ParseMergeClauses(std::string_view text) {
  ARROW_ASSIGN_OR_RAISE(auto tokens, expr_internal::Tokenize(text));
  size_t index = 0;
  ARROW_ASSIGN_OR_RAISE(auto clauses, ParseMergeClausesAt(tokens, &index));
  if (tokens[index].kind != TokenKind::kEnd) {
    const Token& t = tokens[index];
    return DELTA_ERROR(kParseError, "at position ", t.position, ": expected WHEN or the end of the clauses after '",
                       tokens[index - 1].raw, "', found '", t.raw, "'");
  }
  return clauses;
}

}  // namespace delta::ops
