// Tokenizer for the SQL expression language (see lexer.h).
//
// Literal syntax follows Spark SQL so predicates copied from Spark work unchanged: both quote
// styles delimit strings, quotes double or take a backslash, \% and \_ keep their backslash
// (they are LIKE escapes), numbers take Spark's type suffixes, X'..' is binary.
#include "expr/lexer.h"

#include <cctype>

#include "delta/error.h"

namespace delta::expr_internal {
namespace {

bool IsIdentStart(unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; }
bool IsIdentChar(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }
bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

class Lexer {
 public:
  explicit Lexer(std::string_view sql) : s_(sql) {
    // Character position of every byte offset (UTF-8 continuation bytes do not count).
    char_pos_.resize(s_.size() + 1);
    size_t chars = 0;
    for (size_t i = 0; i < s_.size(); ++i) {
      if ((static_cast<unsigned char>(s_[i]) & 0xC0) != 0x80) ++chars;
      char_pos_[i] = chars;
    }
    char_pos_[s_.size()] = chars + 1;
  }

  arrow::Result<std::vector<Token>> Run() {
    std::vector<Token> out;
    while (true) {
      while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
      if (i_ >= s_.size()) break;
      ARROW_ASSIGN_OR_RAISE(Token t, Next(out.empty() ? nullptr : &out.back()));
      out.push_back(std::move(t));
    }
    out.push_back(Token{TokenKind::kEnd, "", "", char_pos_[s_.size()]});
    return out;
  }

 private:
  Token Make(TokenKind kind, std::string text, size_t start) const {
    return Token{kind, std::move(text), std::string(s_.substr(start, i_ - start)),
                 char_pos_[start]};
  }

  arrow::Result<Token> Next(const Token* previous) {
    const size_t start = i_;
    const char c = s_[i_];
    const char next = i_ + 1 < s_.size() ? s_[i_ + 1] : '\0';
    if ((c == 'x' || c == 'X') && next == '\'') return HexString(start);
    if (IsIdentStart(static_cast<unsigned char>(c))) {
      while (i_ < s_.size() && IsIdentChar(static_cast<unsigned char>(s_[i_]))) ++i_;
      return Make(TokenKind::kIdentifier, std::string(s_.substr(start, i_ - start)), start);
    }
    // ".5" is a number, but "a.5" would be a path; only the former starts a number here.
    const bool after_path = previous && (previous->kind == TokenKind::kIdentifier ||
                                         previous->kind == TokenKind::kQuotedIdentifier);
    if (IsDigit(c) || (c == '.' && IsDigit(next) && !after_path)) return Number(start);
    if (c == '\'' || c == '"') return String(start, c);
    if (c == '`') return QuotedIdentifier(start);
    if (s_.substr(i_, 3) == "<=>") {
      i_ += 3;
      return Make(TokenKind::kSymbol, "<=>", start);
    }
    static constexpr std::string_view kTwoChar[] = {"==", "!=", "<>", "<=", ">=", "||"};
    for (std::string_view sym : kTwoChar) {
      if (s_.substr(i_, 2) == sym) {
        i_ += 2;
        return Make(TokenKind::kSymbol, std::string(sym), start);
      }
    }
    if (std::string_view("(),.:=<>+-*/%").find(c) != std::string_view::npos) {
      ++i_;
      return Make(TokenKind::kSymbol, std::string(1, c), start);
    }
    return DELTA_ERROR(kParseError, "at position ", char_pos_[start], ": unexpected character '",
                       CharAt(start), "'");
  }

  std::string CharAt(size_t at) const {
    size_t end = at + 1;
    while (end < s_.size() && (static_cast<unsigned char>(s_[end]) & 0xC0) == 0x80) ++end;
    return std::string(s_.substr(at, end - at));
  }

  arrow::Result<Token> Number(size_t start) {
    while (i_ < s_.size() && IsDigit(s_[i_])) ++i_;
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      while (i_ < s_.size() && IsDigit(s_[i_])) ++i_;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      size_t j = i_ + 1;
      if (j < s_.size() && (s_[j] == '+' || s_[j] == '-')) ++j;
      if (j < s_.size() && IsDigit(s_[j])) {
        i_ = j;
        while (i_ < s_.size() && IsDigit(s_[i_])) ++i_;
      }
    }
    size_t suffix_start = i_;
    while (i_ < s_.size() && IsIdentChar(static_cast<unsigned char>(s_[i_]))) ++i_;
    std::string suffix(s_.substr(suffix_start, i_ - suffix_start));
    for (char& ch : suffix) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (!(suffix.empty() || suffix == "L" || suffix == "S" || suffix == "Y" || suffix == "D" ||
          suffix == "F" || suffix == "BD")) {
      return DELTA_ERROR(kParseError, "at position ", char_pos_[start], ": invalid number '",
                         s_.substr(start, i_ - start), "'");
    }
    return Make(TokenKind::kNumber, std::string(s_.substr(start, i_ - start)), start);
  }

  arrow::Result<Token> String(size_t start, char quote) {
    ++i_;
    std::string value;
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == quote) {
        if (i_ + 1 < s_.size() && s_[i_ + 1] == quote) {
          value += quote;
          i_ += 2;
          continue;
        }
        ++i_;
        return Make(TokenKind::kString, std::move(value), start);
      }
      if (c == '\\' && i_ + 1 < s_.size()) {
        char e = s_[i_ + 1];
        i_ += 2;
        switch (e) {
          case 'n': value += '\n'; break;
          case 't': value += '\t'; break;
          case 'r': value += '\r'; break;
          case 'b': value += '\b'; break;
          case '0': value += '\0'; break;
          case 'Z': value += '\x1A'; break;
          case '%': value += "\\%"; break;  // LIKE escapes keep their backslash (as Spark)
          case '_': value += "\\_"; break;
          default: value += e;
        }
        continue;
      }
      value += c;
      ++i_;
    }
    return DELTA_ERROR(kParseError, "at position ", char_pos_[start],
                       ": unterminated string literal");
  }

  arrow::Result<Token> QuotedIdentifier(size_t start) {
    ++i_;
    std::string name;
    while (i_ < s_.size()) {
      if (s_[i_] == '`') {
        if (i_ + 1 < s_.size() && s_[i_ + 1] == '`') {
          name += '`';
          i_ += 2;
          continue;
        }
        ++i_;
        return Make(TokenKind::kQuotedIdentifier, std::move(name), start);
      }
      name += s_[i_++];
    }
    return DELTA_ERROR(kParseError, "at position ", char_pos_[start],
                       ": unterminated back-quoted identifier");
  }

  arrow::Result<Token> HexString(size_t start) {
    i_ += 2;
    std::string digits;
    while (i_ < s_.size() && s_[i_] != '\'') {
      if (!std::isxdigit(static_cast<unsigned char>(s_[i_]))) {
        return DELTA_ERROR(kParseError, "at position ", char_pos_[i_],
                           ": invalid hexadecimal digit '", CharAt(i_), "' in binary literal");
      }
      digits += s_[i_++];
    }
    if (i_ >= s_.size()) {
      return DELTA_ERROR(kParseError, "at position ", char_pos_[start],
                         ": unterminated binary literal");
    }
    ++i_;
    return Make(TokenKind::kHexString, std::move(digits), start);
  }

  std::string_view s_;
  size_t i_ = 0;
  std::vector<size_t> char_pos_;
};

}  // namespace

arrow::Result<std::vector<Token>> Tokenize(std::string_view sql) { return Lexer(sql).Run(); }

}  // namespace delta::expr_internal
