// SQL column lists ("id BIGINT NOT NULL, ...") as Arrow schemas, for `deltactl create` and
// ALTER TABLE ADD COLUMNS.
#include <cctype>
#include <algorithm>
#include <cstring>

#include <arrow/util/key_value_metadata.h>
#include <nlohmann/json.hpp>

#include "delta/error.h"
#include "delta/schema.h"
#include "schema/schema_ddl.h"
#include "util/strings.h"

namespace delta {
namespace {

class DdlParser {
 public:
  explicit DdlParser(std::string_view text) : s_(text) {}

  arrow::Result<arrow::FieldVector> Columns(char terminator) {
    arrow::FieldVector fields;
    while (true) {
      Skip();
      if (AtEnd() || Peek() == terminator) break;
      ARROW_ASSIGN_OR_RAISE(auto f, Column(/*nested=*/terminator == '>'));
      fields.push_back(std::move(f));
      Skip();
      if (!AtEnd() && Peek() == ',') {
        ++pos_;
        continue;
      }
      break;
    }
    return fields;
  }

  bool AtEnd() {
    Skip();
    return pos_ >= s_.size();
  }
  size_t pos() const { return pos_; }
  // The last error's offset and "expected ..." text (schema_internal::DdlError).
  const schema_internal::DdlError& last_error() const { return last_error_; }
  arrow::Status Error(const std::string& what) {
    last_error_ = {pos_, what};
    return DELTA_ERROR(kParseError, "at position ", pos_ + 1, " of the column list: expected ", what);
  }

  char Peek() const { return s_[pos_]; }
  void Skip() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  arrow::Result<std::string> Name() {
    Skip();
    if (pos_ < s_.size() && s_[pos_] == '`') {
      size_t end = s_.find('`', pos_ + 1);
      if (end == std::string_view::npos) return Error("a closing back-quote");
      std::string n(s_.substr(pos_ + 1, end - pos_ - 1));
      pos_ = end + 1;
      return n;
    }
    size_t start = pos_;
    while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) ++pos_;
    if (start == pos_) return Error("a column name");
    return std::string(s_.substr(start, pos_ - start));
  }

  bool Keyword(const char* kw) {
    Skip();
    size_t n = std::strlen(kw);
    if (s_.size() - pos_ < n) return false;
    for (size_t i = 0; i < n; ++i) {
      if (std::toupper(static_cast<unsigned char>(s_[pos_ + i])) != kw[i]) return false;
    }
    if (pos_ + n < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_ + n])) || s_[pos_ + n] == '_')) {
      return false;
    }
    pos_ += n;
    return true;
  }

  arrow::Status Expect(char c) {
    Skip();
    if (pos_ >= s_.size() || s_[pos_] != c) return Error(std::string("'") + c + "'");
    ++pos_;
    return arrow::Status::OK();
  }

  arrow::Result<std::shared_ptr<arrow::DataType>> Type() {
    Skip();
    if (Keyword("ARRAY")) {
      ARROW_RETURN_NOT_OK(Expect('<'));
      ARROW_ASSIGN_OR_RAISE(auto elem, Type());
      ARROW_RETURN_NOT_OK(Expect('>'));
      return arrow::list(arrow::field("element", elem, true));
    }
    if (Keyword("MAP")) {
      ARROW_RETURN_NOT_OK(Expect('<'));
      ARROW_ASSIGN_OR_RAISE(auto k, Type());
      ARROW_RETURN_NOT_OK(Expect(','));
      ARROW_ASSIGN_OR_RAISE(auto v, Type());
      ARROW_RETURN_NOT_OK(Expect('>'));
      return std::make_shared<arrow::MapType>(arrow::field("key", k, false), arrow::field("value", v, true));
    }
    if (Keyword("STRUCT")) {
      ARROW_RETURN_NOT_OK(Expect('<'));
      ARROW_ASSIGN_OR_RAISE(auto fields, Columns('>'));
      ARROW_RETURN_NOT_OK(Expect('>'));
      return arrow::struct_(fields);
    }
    size_t start = pos_;
    while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) ++pos_;
    if (start == pos_) return Error("a type");
    std::string name(s_.substr(start, pos_ - start));
    Skip();
    if (pos_ < s_.size() && s_[pos_] == '(') {
      size_t end = s_.find(')', pos_);
      if (end == std::string_view::npos) return Error("')'");
      name += std::string(s_.substr(pos_, end - pos_ + 1));
      pos_ = end + 1;
    }
    auto t = ParseDeltaTypeName(name);
    if (!t.ok()) {
      pos_ = start;
      return Error("a type name (e.g. BIGINT, STRING, DECIMAL(10,2)), not '" + name + "'");
    }
    return t;
  }

  arrow::Result<std::shared_ptr<arrow::Field>> Column(bool nested) {
    ARROW_ASSIGN_OR_RAISE(auto name, Name());
    return ColumnBody(name, nested);
  }

  // A column's type and options, after its name.
  arrow::Result<std::shared_ptr<arrow::Field>> ColumnBody(const std::string& name, bool nested) {
    Skip();
    if (nested && pos_ < s_.size() && s_[pos_] == ':') ++pos_;
    ARROW_ASSIGN_OR_RAISE(auto type, Type());
    bool nullable = true;
    auto md = std::make_shared<arrow::KeyValueMetadata>();
    while (true) {
      if (Keyword("NOT")) {
        if (!Keyword("NULL")) return Error("NULL after NOT");
        nullable = false;
      } else if (Keyword("COMMENT")) {
        Skip();
        if (pos_ >= s_.size() || s_[pos_] != '\'') return Error("a quoted comment");
        size_t end = s_.find('\'', pos_ + 1);
        if (end == std::string_view::npos) return Error("the end of the comment");
        std::string c(s_.substr(pos_ + 1, end - pos_ - 1));
        pos_ = end + 1;
        md->Append("comment", "\"" + c + "\"");
      } else if (Keyword("GENERATED")) {
        if (nested) return Error("no GENERATED clause on a nested field");
        if (!Keyword("ALWAYS") || !Keyword("AS")) return Error("ALWAYS AS after GENERATED");
        ARROW_ASSIGN_OR_RAISE(auto expression, Parenthesized());
        // Field metadata values are JSON texts (delta/schema.h).
        md->Append("delta.generationExpression", nlohmann::json(expression).dump());
      } else {
        break;
      }
    }
    auto f = arrow::field(name, type, nullable);
    return md->size() > 0 ? f->WithMetadata(md) : f;
  }

  // The text between a '(' and its matching ')', trimmed; parentheses inside quotes or
  // back-quotes do not count.
  arrow::Result<std::string> Parenthesized() {
    Skip();
    if (pos_ >= s_.size() || s_[pos_] != '(') return Error("'(' and an expression");
    const size_t start = ++pos_;
    int depth = 1;
    char quote = 0;
    for (; pos_ < s_.size(); ++pos_) {
      const char c = s_[pos_];
      if (quote) {
        if (c == '\\' && quote != '`') ++pos_;
        else if (c == quote) quote = 0;
      } else if (c == '\'' || c == '"' || c == '`') {
        quote = c;
      } else if (c == '(') {
        ++depth;
      } else if (c == ')' && --depth == 0) {
        std::string text(s_.substr(start, pos_ - start));
        ++pos_;
        while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
        size_t lead = 0;
        while (lead < text.size() && std::isspace(static_cast<unsigned char>(text[lead]))) ++lead;
        text.erase(0, lead);
        if (text.empty()) return Error("an expression inside GENERATED ALWAYS AS ( )");
        return text;
      }
    }
    return Error("')' closing the expression");
  }

  std::string_view s_;
  size_t pos_ = 0;
  schema_internal::DdlError last_error_;
};

}  // namespace

arrow::Result<std::shared_ptr<arrow::Schema>> ParseSchemaDdl(std::string_view ddl) {
  DdlParser p(ddl);
  ARROW_ASSIGN_OR_RAISE(auto fields, p.Columns('\0'));
  if (!p.AtEnd()) {
    return DELTA_ERROR(kParseError, "at position ", p.pos() + 1,
                       " of the column list: expected ',' or the end of the list");
  }
  if (fields.empty()) return DELTA_ERROR(kParseError, "the column list is empty");
  for (size_t i = 0; i < fields.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (util::EqualsIgnoreCase(fields[i]->name(), fields[j]->name())) {
        return DELTA_ERROR(kParseError, "column ", fields[i]->name(), " appears twice in the column list (names are case-insensitive)");
      }
    }
  }
  return arrow::schema(fields);
}

}  // namespace delta

namespace delta::schema_internal {

arrow::Result<std::shared_ptr<arrow::Field>> ParseColumnDefinition(const std::string& name, std::string_view text,
                                                                   DdlError* error) {
  DdlParser p(text);
  auto field = p.ColumnBody(name, /*nested=*/false);
  if (field.ok() && !p.AtEnd()) field = p.Error("the end of the column definition");
  if (!field.ok()) *error = p.last_error();
  return field;
}

arrow::Result<std::shared_ptr<arrow::DataType>> ParseTypeDdl(std::string_view text, DdlError* error) {
  DdlParser p(text);
  auto type = p.Type();
  if (type.ok() && !p.AtEnd()) type = p.Error("the end of the type");
  if (!type.ok()) *error = p.last_error();
  return type;
}

}  // namespace delta::schema_internal
