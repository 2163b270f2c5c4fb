// Tokens of deltacpp's SQL expression language.
//
// The lexer is separate from the parser so that positions are computed once: every token
// carries the 1-based *character* (UTF-8 code point) position where it starts, which is what
// parse errors report. Keywords are not distinguished here: the parser decides from context
// whether an identifier is a keyword (DATE is a column name unless a string follows it).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/result.h>

namespace delta::expr_internal {

enum class TokenKind {
  kIdentifier,        ///< text: the identifier as written
  kQuotedIdentifier,  ///< text: the name inside back-quotes, `` unescaped
  kNumber,            ///< text: digits, '.', exponent and suffix as written (no sign)
  kString,            ///< text: the decoded value of '...' or "..."
  kHexString,         ///< text: the hex digits of X'...'
  kSymbol,            ///< text: one of ( ) , . : = == != <> < <= > >= + - * / % || (":" in STRUCT<a: INT>)
  kEnd,               ///< end of input
};

struct Token {
  TokenKind kind;
  std::string text;
  std::string raw;  ///< the source text of the token, for error messages
  size_t position;  ///< 1-based character position of the token's first character
};

/// Splits `sql` into tokens, ending with one kEnd token (positioned one past the last
/// character). Fails with kParseError on an unterminated string or identifier, an invalid
/// number or an unexpected character.
arrow::Result<std::vector<Token>> Tokenize(std::string_view sql);

}  // namespace delta::expr_internal
