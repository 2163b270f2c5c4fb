#include "write/partition_path.h"

#include <cstdio>

#include "delta/format.h"

namespace delta::write {

std::optional<std::string> SerializePartitionValue(const arrow::Scalar& value) {
  if (!value.is_valid) return std::nullopt;
  switch (value.type->id()) {
    case arrow::Type::STRING:
    case arrow::Type::LARGE_STRING:
    case arrow::Type::STRING_VIEW:
    case arrow::Type::BINARY:
    case arrow::Type::LARGE_BINARY: {
      // Spark stores an empty partition value as null.
      auto view = static_cast<const arrow::BaseBinaryScalar&>(value).view();
      if (view.empty()) return std::nullopt;
      return std::string(view);
    }
    case arrow::Type::TIMESTAMP: {
      std::string text = ScalarToDisplayText(value);  // ISO: YYYY-MM-DDTHH:MM:SS.ffffff[Z]
      if (text.size() > 10 && text[10] == 'T') text[10] = ' ';
      if (!text.empty() && text.back() == 'Z') text.pop_back();
      if (text.find('.') == std::string::npos) text += ".000000";
      return text;
    }
    case arrow::Type::BOOL:
      return std::string(static_cast<const arrow::BooleanScalar&>(value).value ? "true" : "false");
    default: return value.ToString();  // integers, floats, decimals, dates (YYYY-MM-DD)
  }
}

std::string EscapePathComponent(const std::string& value) {
  std::string out;
  for (unsigned char c : value) {
    const bool escape = c < 0x20 || c == 0x7F || c == '"' || c == '#' || c == '%' || c == '\'' ||
                        c == '*' || c == '/' || c == ':' || c == '=' || c == '?' || c == '\\' ||
                        c == '{' || c == '[' || c == ']' || c == '^';
    if (escape) {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

std::string UriEncodePath(const std::string& path) {
  std::string out;
  for (unsigned char c : path) {
    const bool keep = std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~' ||
                      c == '=' || c == ':' || c == '@' || c == '!' || c == '$' || c == '&' ||
                      c == '(' || c == ')' || c == '*' || c == '+' || c == ',' || c == ';' ||
                      c == '\'';
    if (keep) {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace delta::write
