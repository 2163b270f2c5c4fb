// The SQL column-definition parser (schema_ddl.cc) for statement parsers that find a column's
// type inside a larger statement (deltactl sql's ALTER TABLE): they hand over the text of one
// type or one column definition and receive, on failure, the offset inside that text, so that
// they can report the position in the whole statement.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <arrow/result.h>
#include <arrow/type_fwd.h>

namespace delta::schema_internal {

/// Where a parse failed: byte offset in the text handed over, and what was expected there
/// ("a type name (e.g. ...)", "')'", ...).
struct DdlError {
  size_t offset = 0;
  std::string expected;
};

/// Parses what follows a column's name in a column list: its type and options
/// ("DECIMAL(10,2) NOT NULL COMMENT 'x'", "STRUCT<a: INT, b: STRING>"); the whole text must be
/// used. On kParseError, *error says where and what.
arrow::Result<std::shared_ptr<arrow::Field>> ParseColumnDefinition(const std::string& name, std::string_view text,
                                                                   DdlError* error);

/// Parses a type alone ("BIGINT", "ARRAY<MAP<STRING, INT>>"); the whole text must be used.
arrow::Result<std::shared_ptr<arrow::DataType>> ParseTypeDdl(std::string_view text, DdlError* error);

}  // namespace delta::schema_internal
