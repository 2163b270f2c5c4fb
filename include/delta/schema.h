// Delta schemas as Arrow schemas (PROTOCOL.md "Schema Serialization Format").
//
// deltacpp represents a Delta table schema as an arrow::Schema: every Delta type has one Arrow
// type (string→utf8, long→int64, integer→int32, short→int16, byte→int8, float, double,
// boolean, binary, date→date32, timestamp→timestamp[us, UTC], timestamp_ntz→timestamp[us],
// decimal(p,s)→decimal128(p,s), void→null, struct, array→list<element>, map→map<key, value>,
// variant→struct<metadata: binary, value: binary> marked by field metadata). Delta field
// metadata (column mapping ids and physical names, generation expressions, comments, ...)
// is kept verbatim in the Arrow field's metadata: key → the value's JSON text.
//
// Pure functions, thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <arrow/result.h>
#include <arrow/type.h>

namespace delta {

/// Field-metadata key marking a Delta `variant` column (its Arrow type is the struct above).
inline constexpr char kVariantMarkerKey[] = "delta.__variantType";

/// Parses Delta schema JSON (the metaData schemaString). kCorruptLog on malformed JSON or an
/// unknown type, naming the field.
arrow::Result<std::shared_ptr<arrow::Schema>> SchemaFromDeltaJson(std::string_view json);

/// Serializes to Delta schema JSON (inverse of SchemaFromDeltaJson).
arrow::Result<std::string> SchemaToDeltaJson(const arrow::Schema& schema);

/// Parses a Delta/Spark primitive type name: "long", "bigint", "decimal(10,2)", "timestamp_ntz"...
arrow::Result<std::shared_ptr<arrow::DataType>> ParseDeltaTypeName(std::string_view name);

/// The Delta name of a primitive Arrow type ("long", "decimal(10,2)", ...).
arrow::Result<std::string> DeltaTypeName(const arrow::DataType& type);

/// Parses a SQL column list: "id BIGINT NOT NULL, name STRING COMMENT 'x', tags ARRAY<STRING>,
/// props MAP<STRING, INT>, addr STRUCT<city: STRING, zip: INT>, amount DECIMAL(10,2)".
/// kParseError naming the position on malformed input.
arrow::Result<std::shared_ptr<arrow::Schema>> ParseSchemaDdl(std::string_view ddl);

/// Index of the top-level field `name`: an exact match, else a case-insensitive one (Delta
/// column names are case-insensitive); -1 if none.
int FindFieldIndex(const arrow::Schema& schema, std::string_view name);

/// Column mapping mode (table property delta.columnMapping.mode).
enum class ColumnMappingMode { kNone, kName, kId };

/// The physical name of a field under a mapping mode (its logical name for kNone or when the
/// field has no delta.columnMapping.physicalName).
std::string PhysicalName(const arrow::Field& field, ColumnMappingMode mode);

/// The column mapping id of a field, if it has one.
std::optional<int64_t> ColumnMappingId(const arrow::Field& field);

/// Gives every field without one a column mapping id (counting up from *max_id, which is
/// updated) and a physical name: a fresh "col-<uuid>" for new tables, or the current name
/// (`keep_names`) when enabling column mapping on a table whose files use logical names.
std::shared_ptr<arrow::Schema> AssignColumnMapping(const arrow::Schema& schema, int64_t* max_id,
                                                   bool keep_names);

/// A Delta field-metadata value as a plain string (JSON strings unquoted), if present.
std::optional<std::string> FieldMetadataString(const arrow::Field& field, const std::string& key);

}  // namespace delta
