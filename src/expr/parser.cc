// Recursive-descent parser for deltacpp's SQL expression language (Spark SQL flavour).
//
// Hand-written rather than generated so that errors can say exactly where and what was
// expected ("at position 7: expected an expression after 'AND'"), which matters because users
// type these predicates on the command line. One function per precedence level, loosest first:
//   or → and → not → comparison/predicates (= != < IS NULL IN BETWEEN LIKE)
//      → additive (+ - ||) → multiplicative (* / %) → unary minus → primary.
// Spark's literal typing is reproduced (1 → INT, 3000000000 → BIGINT, 1.25 → DECIMAL(3,2),
// 1e3 → DOUBLE, suffixes Y S L F D BD), and a minus sign directly before a number belongs to the
// literal, as in Spark's grammar, so -2147483648 is an INT. CAST of a non-null literal is folded
// into a literal of the target type when the cast is valid; this is what lets Expr::ToString
// render literals without a literal syntax (e.g. DECIMAL(10,2)) and still round-trip.
#include <cctype>
#include <charconv>
#include <limits>

#include "delta/error.h"
#include "delta/expression.h"
#include "expr/lexer.h"
#include "expr/parser_internal.h"
#include "expr/sql_semantics.h"

namespace delta {

using expr_internal::Token;
using expr_internal::TokenKind;

namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

class Parser : private expr_internal::TokenCursor {
 public:
  explicit Parser(const std::vector<Token>& tokens, size_t start = 0) : TokenCursor(tokens, start) {}

  // One expression from the current token on, leaving the position after it (statement parsers).
  arrow::Result<ExprPtr> ParsePrefix(size_t* end) {
    ARROW_ASSIGN_OR_RAISE(ExprPtr e, ParseOr());
    *end = i_;
    return e;
  }

  arrow::Result<ExprPtr> ParseAll() {
    ARROW_ASSIGN_OR_RAISE(ExprPtr e, ParseOr());
    if (Cur().kind != TokenKind::kEnd) {
      return Error(Cur(), "expected an operator or the end of the expression, found '" +
                              Cur().raw + "'");
    }
    return e;
  }

 private:
  static arrow::Status Error(const Token& at, const std::string& what) {
    return DELTA_ERROR(kParseError, "at position ", at.position, ": ", what);
  }

  // ---- precedence levels ----
  arrow::Result<ExprPtr> ParseOr() {
    ARROW_ASSIGN_OR_RAISE(ExprPtr left, ParseAnd());
    while (AcceptKeyword("OR")) {
      ARROW_ASSIGN_OR_RAISE(ExprPtr right, ParseAnd());
      left = Expr::Call("or", {left, right});
    }
    return left;
  }

  arrow::Result<ExprPtr> ParseAnd() {
    ARROW_ASSIGN_OR_RAISE(ExprPtr left, ParseNot());
    while (AcceptKeyword("AND")) {
      ARROW_ASSIGN_OR_RAISE(ExprPtr right, ParseNot());
      left = Expr::Call("and", {left, right});
    }
    return left;
  }

  arrow::Result<ExprPtr> ParseNot() {
    if (AcceptKeyword("NOT")) {
      ARROW_ASSIGN_OR_RAISE(ExprPtr operand, ParseNot());
      return Expr::Call("not", {operand});
    }
    return ParseComparison();
  }

  static const char* ComparisonFunction(const Token& t) {
    if (t.kind != TokenKind::kSymbol) return nullptr;
    if (t.text == "=" || t.text == "==") return "==";
    if (t.text == "!=" || t.text == "<>") return "!=";
    if (t.text == "<") return "<";
    if (t.text == "<=") return "<=";
    if (t.text == "<=>") return "<=>";
    if (t.text == ">") return ">";
    if (t.text == ">=") return ">=";
    return nullptr;
  }

  arrow::Result<ExprPtr> ParseComparison() {
    ARROW_ASSIGN_OR_RAISE(ExprPtr left, ParseAdditive());
    while (true) {
      if (const char* fn = ComparisonFunction(Cur())) {
        ++i_;
        ARROW_ASSIGN_OR_RAISE(ExprPtr right, ParseAdditive());
        left = Expr::Call(fn, {left, right});
        continue;
      }
      if (AcceptKeyword("IS")) {
        bool negated = AcceptKeyword("NOT");
        if (!AcceptKeyword("NULL")) return Expected(negated ? "NULL" : "NULL or NOT NULL");
        left = Expr::Call(negated ? "is_not_null" : "is_null", {left});
        continue;
      }
      bool negated = false;
      if (IsKeyword(Cur(), "NOT") &&
          (IsKeyword(Ahead(1), "IN") || IsKeyword(Ahead(1), "BETWEEN") ||
           IsKeyword(Ahead(1), "LIKE"))) {
        negated = true;
        ++i_;
      }
      ExprPtr predicate;
      if (AcceptKeyword("IN")) {
        ARROW_RETURN_NOT_OK(ExpectSymbol("("));
        std::vector<ExprPtr> args = {left};
        do {
          ARROW_ASSIGN_OR_RAISE(ExprPtr item, ParseOr());
          args.push_back(item);
        } while (AcceptSymbol(","));
        ARROW_RETURN_NOT_OK(ExpectSymbol(")"));
        predicate = Expr::Call("in", std::move(args));
      } else if (AcceptKeyword("BETWEEN")) {
        ARROW_ASSIGN_OR_RAISE(ExprPtr lo, ParseAdditive());
        ARROW_RETURN_NOT_OK(ExpectKeyword("AND"));
        ARROW_ASSIGN_OR_RAISE(ExprPtr hi, ParseAdditive());
        predicate = Expr::Call("and", {Expr::Call(">=", {left, lo}), Expr::Call("<=", {left, hi})});
      } else if (AcceptKeyword("LIKE")) {
        ARROW_ASSIGN_OR_RAISE(ExprPtr pattern, ParseAdditive());
        predicate = Expr::Call("like", {left, pattern});
      } else {
        return left;
      }
      left = negated ? Expr::Call("not", {predicate}) : predicate;
    }
  }

  arrow::Result<ExprPtr> ParseAdditive() {
    ARROW_ASSIGN_OR_RAISE(ExprPtr left, ParseMultiplicative());
    while (true) {
      std::string fn;
      if (AcceptSymbol("+")) fn = "+";
      else if (AcceptSymbol("-")) fn = "-";
      else if (AcceptSymbol("||")) fn = "concat";
      else return left;
      ARROW_ASSIGN_OR_RAISE(ExprPtr right, ParseMultiplicative());
      left = Expr::Call(fn, {left, right});
    }
  }

  arrow::Result<ExprPtr> ParseMultiplicative() {
    ARROW_ASSIGN_OR_RAISE(ExprPtr left, ParseUnary());
    while (true) {
      std::string fn;
      if (AcceptSymbol("*")) fn = "*";
      else if (AcceptSymbol("/")) fn = "/";
      else if (AcceptSymbol("%")) fn = "%";
      else return left;
      ARROW_ASSIGN_OR_RAISE(ExprPtr right, ParseUnary());
      left = Expr::Call(fn, {left, right});
    }
  }

  arrow::Result<ExprPtr> ParseUnary() {
    if (IsSymbol(Cur(), "-")) {
      const Token& minus = Cur();
      ++i_;
      if (Cur().kind == TokenKind::kNumber) {
        const Token& number = Cur();
        ++i_;
        return NumberLiteral(number, /*negative=*/true, minus.position);
      }
      ARROW_ASSIGN_OR_RAISE(ExprPtr operand, ParseUnary());
      return Expr::Call("negate", {operand});
    }
    if (AcceptSymbol("+")) return ParseUnary();
    return ParsePrimary();
  }

  arrow::Result<ExprPtr> ParsePrimary() {
    const Token& t = Cur();
    switch (t.kind) {
      case TokenKind::kNumber:
        ++i_;
        return NumberLiteral(t, /*negative=*/false, t.position);
      case TokenKind::kString:
        ++i_;
        return Expr::Literal(std::make_shared<arrow::StringScalar>(t.text));
      case TokenKind::kHexString: {
        ++i_;
        std::string hex = t.text.size() % 2 ? "0" + t.text : t.text;
        std::string bytes;
        for (size_t k = 0; k < hex.size(); k += 2) {
          bytes += static_cast<char>(std::stoi(hex.substr(k, 2), nullptr, 16));
        }
        return Expr::Literal(std::make_shared<arrow::BinaryScalar>(bytes));
      }
      case TokenKind::kQuotedIdentifier:
        return ColumnPath();
      case TokenKind::kSymbol:
        if (AcceptSymbol("(")) {
          ARROW_ASSIGN_OR_RAISE(ExprPtr inner, ParseOr());
          ARROW_RETURN_NOT_OK(ExpectSymbol(")"));
          return inner;
        }
        return Expected("an expression");
      case TokenKind::kEnd:
        return Expected("an expression");
      case TokenKind::kIdentifier:
        break;
    }
    if (AcceptKeyword("TRUE")) return Expr::Literal(std::make_shared<arrow::BooleanScalar>(true));
    if (AcceptKeyword("FALSE")) {
      return Expr::Literal(std::make_shared<arrow::BooleanScalar>(false));
    }
    if (AcceptKeyword("NULL")) return Expr::Literal(std::make_shared<arrow::NullScalar>());
    if (IsKeyword(t, "CASE")) return CaseExpression();
    if (IsKeyword(t, "CAST") && IsSymbol(Ahead(1), "(")) return CastExpression();
    if (Ahead(1).kind == TokenKind::kString &&
        (IsKeyword(t, "DATE") || IsKeyword(t, "TIMESTAMP") || IsKeyword(t, "TIMESTAMP_LTZ") ||
         IsKeyword(t, "TIMESTAMP_NTZ"))) {
      return TypedLiteral();
    }
    if (expr_internal::IsReservedWord(t.text)) return Expected("an expression");
    if (IsSymbol(Ahead(1), "(")) return FunctionCall();
    return ColumnPath();
  }

  // ---- primaries ----
  arrow::Result<ExprPtr> ColumnPath() {
    std::vector<std::string> path;
    while (true) {
      const Token& part = Cur();
      if (part.kind != TokenKind::kIdentifier && part.kind != TokenKind::kQuotedIdentifier) {
        return Expected("a field name");
      }
      path.push_back(part.text);
      ++i_;
      if (!AcceptSymbol(".")) break;
    }
    return Expr::Column(std::move(path));
  }

  arrow::Result<ExprPtr> FunctionCall() {
    std::string name = Lower(Cur().text);
    i_ += 2;  // name and '('
    std::vector<ExprPtr> args;
    if (!AcceptSymbol(")")) {
      do {
        ARROW_ASSIGN_OR_RAISE(ExprPtr arg, ParseOr());
        args.push_back(arg);
      } while (AcceptSymbol(","));
      ARROW_RETURN_NOT_OK(ExpectSymbol(")"));
    }
    return Expr::Call(std::move(name), std::move(args));
  }

  arrow::Result<ExprPtr> CaseExpression() {
    ++i_;  // CASE
    ExprPtr operand;  // CASE x WHEN v THEN ... compares x = v
    if (!IsKeyword(Cur(), "WHEN")) {
      ARROW_ASSIGN_OR_RAISE(operand, ParseOr());
    }
    std::vector<ExprPtr> args;
    while (AcceptKeyword("WHEN")) {
      ARROW_ASSIGN_OR_RAISE(ExprPtr cond, ParseOr());
      ARROW_RETURN_NOT_OK(ExpectKeyword("THEN"));
      ARROW_ASSIGN_OR_RAISE(ExprPtr value, ParseOr());
      args.push_back(operand ? Expr::Call("==", {operand, cond}) : cond);
      args.push_back(value);
    }
    if (args.empty()) return Expected("WHEN");
    if (AcceptKeyword("ELSE")) {
      ARROW_ASSIGN_OR_RAISE(ExprPtr otherwise, ParseOr());
      args.push_back(otherwise);
    }
    if (!AcceptKeyword("END")) return Expected("WHEN, ELSE or END");
    return Expr::Call("case_when", std::move(args));
  }

  arrow::Result<ExprPtr> CastExpression() {
    i_ += 2;  // CAST (
    ARROW_ASSIGN_OR_RAISE(ExprPtr arg, ParseOr());
    ARROW_RETURN_NOT_OK(ExpectKeyword("AS"));
    ARROW_ASSIGN_OR_RAISE(auto type, ParseType());
    ARROW_RETURN_NOT_OK(ExpectSymbol(")"));
    if (arg->kind() == Expr::Kind::kLiteral && arg->literal()->is_valid) {
      auto folded = expr_internal::CastLiteral(arg->literal(), type);
      if (folded.ok()) return Expr::Literal(*folded);
    }
    return Expr::Cast(arg, type);
  }

  arrow::Result<int> TypeParameter() {
    const Token& t = Cur();
    int value = 0;
    auto res = std::from_chars(t.text.data(), t.text.data() + t.text.size(), value);
    if (t.kind != TokenKind::kNumber || res.ec != std::errc() ||
        res.ptr != t.text.data() + t.text.size()) {
      return Expected("an integer type parameter");
    }
    ++i_;
    return value;
  }

  arrow::Result<std::shared_ptr<arrow::DataType>> ParseType() {
    const Token& t = Cur();
    if (t.kind != TokenKind::kIdentifier) return Expected("a type name");
    const std::string name = Upper(t.text);
    ++i_;
    if (name == "BOOLEAN" || name == "BOOL") return arrow::boolean();
    if (name == "TINYINT" || name == "BYTE") return arrow::int8();
    if (name == "SMALLINT" || name == "SHORT") return arrow::int16();
    if (name == "INT" || name == "INTEGER") return arrow::int32();
    if (name == "BIGINT" || name == "LONG") return arrow::int64();
    if (name == "FLOAT" || name == "REAL") return arrow::float32();
    if (name == "DOUBLE") return arrow::float64();
    if (name == "STRING") return arrow::utf8();
    if (name == "BINARY") return arrow::binary();
    if (name == "DATE") return arrow::date32();
    if (name == "TIMESTAMP" || name == "TIMESTAMP_LTZ") {
      return arrow::timestamp(arrow::TimeUnit::MICRO, "UTC");
    }
    if (name == "TIMESTAMP_NTZ") return arrow::timestamp(arrow::TimeUnit::MICRO);
    if (name == "VARCHAR" || name == "CHAR") {
      ARROW_RETURN_NOT_OK(ExpectSymbol("("));
      ARROW_RETURN_NOT_OK(TypeParameter().status());
      ARROW_RETURN_NOT_OK(ExpectSymbol(")"));
      return arrow::utf8();
    }
    if (name == "DECIMAL" || name == "DEC" || name == "NUMERIC") {
      int precision = 10, scale = 0;  // Spark's DECIMAL without parameters
      if (AcceptSymbol("(")) {
        const Token& p_token = Cur();
        ARROW_ASSIGN_OR_RAISE(precision, TypeParameter());
        if (AcceptSymbol(",")) {
          ARROW_ASSIGN_OR_RAISE(scale, TypeParameter());
        }
        ARROW_RETURN_NOT_OK(ExpectSymbol(")"));
        if (precision < 1 || precision > 38 || scale < 0 || scale > precision) {
          return Error(p_token, "invalid DECIMAL(" + std::to_string(precision) + "," +
                                    std::to_string(scale) +
                                    "): precision must be 1 to 38 and scale 0 to precision");
        }
      }
      return arrow::decimal128(precision, scale);
    }
    return Error(t, "unknown type '" + t.raw +
                        "' (expected BOOLEAN, TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE, "
                        "DECIMAL(p,s), STRING, BINARY, DATE, TIMESTAMP or TIMESTAMP_NTZ)");
  }

  arrow::Result<ExprPtr> TypedLiteral() {
    const Token& keyword = Cur();
    const Token& text = Ahead(1);
    i_ += 2;
    const std::string kind = Upper(keyword.text);
    auto invalid = [&](const std::string& why) {
      return Error(text, "invalid " + kind + " literal '" + text.text + "'" + why);
    };
    if (kind == "DATE") {
      auto days = expr_internal::ParseDateText(text.text);
      if (!days) return invalid(" (expected yyyy-mm-dd)");
      return Expr::Literal(std::make_shared<arrow::Date32Scalar>(*days));
    }
    auto ts = expr_internal::ParseTimestampText(text.text);
    if (!ts) return invalid(" (expected yyyy-mm-dd[ hh:mm:ss[.ffffff]][zone])");
    if (kind == "TIMESTAMP_NTZ") {
      if (ts->has_zone) return invalid(" (TIMESTAMP_NTZ takes no time zone)");
      return Expr::Literal(std::make_shared<arrow::TimestampScalar>(
          ts->micros, arrow::timestamp(arrow::TimeUnit::MICRO)));
    }
    return Expr::Literal(std::make_shared<arrow::TimestampScalar>(
        ts->micros, arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")));
  }

  // Types a numeric token as Spark does; `position` is where the literal (its sign) starts.
  arrow::Result<ExprPtr> NumberLiteral(const Token& t, bool negative, size_t position) {
    std::string body = t.text;
    std::string suffix;
    if (body.size() >= 2 && util::EqualsIgnoreCase(body.substr(body.size() - 2), "BD")) {
      suffix = "BD";
      body.resize(body.size() - 2);
    } else if (std::isalpha(static_cast<unsigned char>(body.back()))) {
      suffix = Upper(body.substr(body.size() - 1));
      body.pop_back();
    }
    const std::string shown = (negative ? "-" : "") + t.text;
    const std::string signed_body = (negative ? "-" : "") + body;
    const bool integral = body.find_first_of(".eE") == std::string::npos;
    Token at = t;
    at.position = position;
    auto out_of_range = [&](const char* type) {
      return Error(at, "number " + shown + " is out of range for " + type);
    };

    if ((suffix == "L" || suffix == "S" || suffix == "Y") && !integral) {
      return Error(at, "invalid number '" + shown + "' (" + suffix + " needs an integer)");
    }
    if (suffix == "D" || suffix == "F" || (suffix.empty() && !integral &&
                                           body.find_first_of("eE") != std::string::npos)) {
      if (suffix == "F") {
        float v = 0;
        auto res = std::from_chars(signed_body.data(), signed_body.data() + signed_body.size(), v);
        if (res.ec == std::errc::result_out_of_range) return out_of_range("FLOAT");
        if (res.ec != std::errc() || res.ptr != signed_body.data() + signed_body.size()) {
          return Error(at, "invalid number '" + shown + "'");
        }
        return Expr::Literal(std::make_shared<arrow::FloatScalar>(v));
      }
      double v = 0;
      auto res = std::from_chars(signed_body.data(), signed_body.data() + signed_body.size(), v);
      if (res.ec == std::errc::result_out_of_range) return out_of_range("DOUBLE");
      if (res.ec != std::errc() || res.ptr != signed_body.data() + signed_body.size()) {
        return Error(at, "invalid number '" + shown + "'");
      }
      return Expr::Literal(std::make_shared<arrow::DoubleScalar>(v));
    }
    if (suffix == "BD" || !integral) {
      auto dec = expr_internal::DecimalFromLiteralText(signed_body);
      if (!dec.ok()) {
        return Error(at, "invalid decimal literal '" + shown + "' (at most 38 digits)");
      }
      return Expr::Literal(*dec);
    }
    if (body.empty()) return Error(at, "invalid number '" + shown + "'");
    // Integer: magnitude first, then the range of the type asked for.
    uint64_t magnitude = 0;
    auto res = std::from_chars(body.data(), body.data() + body.size(), magnitude);
    const bool too_big = res.ec == std::errc::result_out_of_range ||
                         magnitude > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) +
                                         (negative ? 1 : 0);
    if (res.ec != std::errc() && !too_big) return Error(at, "invalid number '" + shown + "'");
    if (too_big) {
      if (!suffix.empty()) {
        return out_of_range(suffix == "L" ? "BIGINT" : suffix == "S" ? "SMALLINT" : "TINYINT");
      }
      auto dec = expr_internal::DecimalFromLiteralText(signed_body);
      if (!dec.ok()) return out_of_range("DECIMAL(38,0)");
      return Expr::Literal(*dec);
    }
    const int64_t value =
        negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
    auto fits = [value](auto lo, auto hi) {
      return value >= static_cast<int64_t>(lo) && value <= static_cast<int64_t>(hi);
    };
    if (suffix == "Y") {
      if (!fits(INT8_MIN, INT8_MAX)) return out_of_range("TINYINT");
      return Expr::Literal(std::make_shared<arrow::Int8Scalar>(static_cast<int8_t>(value)));
    }
    if (suffix == "S") {
      if (!fits(INT16_MIN, INT16_MAX)) return out_of_range("SMALLINT");
      return Expr::Literal(std::make_shared<arrow::Int16Scalar>(static_cast<int16_t>(value)));
    }
    if (suffix == "L" || !fits(INT32_MIN, INT32_MAX)) {
      return Expr::Literal(std::make_shared<arrow::Int64Scalar>(value));
    }
    return Expr::Literal(std::make_shared<arrow::Int32Scalar>(static_cast<int32_t>(value)));
  }

};

}  // namespace

arrow::Result<ExprPtr> ParseExpression(std::string_view sql) {
  ARROW_ASSIGN_OR_RAISE(auto tokens, expr_internal::Tokenize(sql));
  return Parser(tokens).ParseAll();
}

namespace expr_internal {

arrow::Status TokenCursor::Expected(const std::string& what) const {
  std::string msg = "expected " + what;
  if (i_ > 0) msg += " after '" + tokens_[i_ - 1].raw + "'";
  if (!AtEnd()) {
    msg += ", found '" + Cur().raw + "'";
  } else if (!end_name_.empty()) {
    msg += ", found " + std::string(end_name_);
  }
  return DELTA_ERROR(kParseError, "at position ", Cur().position, ": ", msg);
}

arrow::Result<ExprPtr> ParseExpressionAt(const std::vector<Token>& tokens, size_t* index) {
  if (tokens.empty() || tokens.back().kind != TokenKind::kEnd || *index >= tokens.size()) {
    return DELTA_ERROR(kInternal, "ParseExpressionAt: token list must end with kEnd and index be inside it");
  }
  return Parser(tokens, *index).ParsePrefix(index);
}

}  // namespace expr_internal

}  // namespace delta
