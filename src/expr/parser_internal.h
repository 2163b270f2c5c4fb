// The expression parser as a building block of statement parsers (deltactl sql, MERGE clauses):
// they tokenize a statement once (expr/lexer.h) and parse the expressions inside it in place,
// so that every error reports its position in the whole statement. TokenCursor is the walk over
// the tokens all of these parsers share.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/result.h>
#include <arrow/status.h>

#include "delta/expression.h"
#include "expr/lexer.h"
#include "util/strings.h"

namespace delta::expr_internal {

/// Parses one expression starting at tokens[*index] (tokens as Tokenize returns them, ending
/// with kEnd). On success *index is the first token after the expression, which may be any
/// token that cannot continue it (a keyword such as THEN, a ',', kEnd); the caller checks it.
/// Errors are kParseError with the position in the tokenized text.
arrow::Result<ExprPtr> ParseExpressionAt(const std::vector<Token>& tokens, size_t* index);

/// A position in a token list (as Tokenize returns it, ending with kEnd; the list must outlive
/// the cursor) and the helpers of a recursive-descent parser over it. Keywords are identifiers
/// compared case-insensitively; symbols compare exactly. Reading past the end stays on kEnd.
class TokenCursor {
 public:
  /// `end_name`: how Expected names the end of input when it is found there ("the end of the
  /// statement"); empty: it says nothing of what it found.
  TokenCursor(const std::vector<Token>& tokens, size_t start, std::string_view end_name = {})
      : tokens_(tokens), i_(start), end_name_(end_name) {}

  const Token& Cur() const { return tokens_[i_]; }
  /// The token `k` places after the current one.
  const Token& Ahead(size_t k) const { return At(i_ + k); }
  /// The token at index `k` of the list.
  const Token& At(size_t k) const { return tokens_[std::min(k, tokens_.size() - 1)]; }
  size_t index() const { return i_; }
  void set_index(size_t i) { i_ = i; }
  bool AtEnd() const { return Cur().kind == TokenKind::kEnd; }

  static bool IsKeyword(const Token& t, std::string_view word) {
    return t.kind == TokenKind::kIdentifier && util::EqualsIgnoreCase(t.text, word);
  }
  static bool IsSymbol(const Token& t, std::string_view sym) { return t.kind == TokenKind::kSymbol && t.text == sym; }
  bool IsKeyword(std::string_view word, size_t ahead = 0) const { return IsKeyword(Ahead(ahead), word); }
  bool IsSymbol(std::string_view sym, size_t ahead = 0) const { return IsSymbol(Ahead(ahead), sym); }

  bool AcceptKeyword(std::string_view word) {
    if (!IsKeyword(Cur(), word)) return false;
    ++i_;
    return true;
  }
  bool AcceptSymbol(std::string_view sym) {
    if (!IsSymbol(Cur(), sym)) return false;
    ++i_;
    return true;
  }

  /// kParseError "at position P: expected WHAT after 'previous', found 'current'" at the
  /// current token (at the end: "found <end_name>", or nothing when end_name is empty).
  arrow::Status Expected(const std::string& what) const;
  arrow::Status ExpectKeyword(std::string_view word) {
    return AcceptKeyword(word) ? arrow::Status::OK() : Expected(std::string(word));
  }
  arrow::Status ExpectSymbol(std::string_view sym) {
    return AcceptSymbol(sym) ? arrow::Status::OK() : Expected("'" + std::string(sym) + "'");
  }

 protected:
  const std::vector<Token>& tokens_;
  size_t i_;

 private:
  std::string_view end_name_;
};

}  // namespace delta::expr_internal
