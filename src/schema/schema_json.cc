// nlohmann::json is used for schemas (small, written as well as read); RapidJSON is kept for the
// hot path of log replay.
#include <nlohmann/json.hpp>

#include <arrow/util/key_value_metadata.h>

#include "delta/error.h"
#include "delta/schema.h"
#include "log/wire_names.h"
#include "util/strings.h"

namespace delta {
namespace {

using nlohmann::json;


arrow::Result<std::shared_ptr<arrow::Field>> FieldFromJson(const json& j, const std::string& ctx);

arrow::Result<std::shared_ptr<arrow::DataType>> TypeFromJson(const json& t, const std::string& ctx,
                                                             bool* is_variant) {
  if (t.is_string()) {
    auto name = t.get<std::string>();
    if (util::ToLower(name) == "variant") {
      *is_variant = true;
      // Children are nullable in Arrow so a null variant inside a list/map/struct round-trips.
      return arrow::struct_({arrow::field("metadata", arrow::binary()),
                             arrow::field("value", arrow::binary())});
    }
    auto r = ParseDeltaTypeName(name);
    if (!r.ok()) return DELTA_ERROR(kCorruptLog, "unknown type '", name, "' of field ", ctx);
    return r;
  }
  if (!t.is_object() || !t.contains(wire::kType)) {
    return DELTA_ERROR(kCorruptLog, "malformed type of field ", ctx, ": ", t.dump());
  }
  const std::string kind = t[wire::kType].get<std::string>();
  bool unused = false;
  if (kind == "struct") {
    arrow::FieldVector fields;
    for (const auto& f : t.value(wire::kFields, json::array())) {
      ARROW_ASSIGN_OR_RAISE(auto field, FieldFromJson(f, ctx));
      fields.push_back(std::move(field));
    }
    return arrow::struct_(std::move(fields));
  }
  if (kind == "array") {
    ARROW_ASSIGN_OR_RAISE(auto elem, TypeFromJson(t.at(wire::kElementType), ctx + ".element", &unused));
    return arrow::list(arrow::field("element", elem, t.value(wire::kContainsNull, true)));
  }
  if (kind == "map") {
    ARROW_ASSIGN_OR_RAISE(auto key, TypeFromJson(t.at(wire::kKeyType), ctx + ".key", &unused));
    ARROW_ASSIGN_OR_RAISE(auto value, TypeFromJson(t.at(wire::kValueType), ctx + ".value", &unused));
    return std::make_shared<arrow::MapType>(
        arrow::field("key", key, false),
        arrow::field("value", value, t.value(wire::kValueContainsNull, true)));
  }
  return DELTA_ERROR(kCorruptLog, "unknown type '", kind, "' of field ", ctx);
}

arrow::Result<std::shared_ptr<arrow::Field>> FieldFromJson(const json& j, const std::string& ctx) {
  if (!j.is_object() || !j.contains(wire::kName) || !j.contains(wire::kType)) {
    return DELTA_ERROR(kCorruptLog, "malformed schema field in ", ctx.empty() ? "schema" : ctx,
                       ": ", j.dump());
  }
  std::string name = j[wire::kName].get<std::string>();
  std::string path = ctx.empty() ? name : ctx + "." + name;
  bool is_variant = false;
  ARROW_ASSIGN_OR_RAISE(auto type, TypeFromJson(j[wire::kType], path, &is_variant));
  auto md = std::make_shared<arrow::KeyValueMetadata>();
  if (j.contains(wire::kMetadata) && j[wire::kMetadata].is_object()) {
    for (auto& [k, v] : j[wire::kMetadata].items()) md->Append(k, v.dump());
  }
  if (is_variant) md->Append(kVariantMarkerKey, "true");
  auto field = arrow::field(name, type, j.value(wire::kNullable, true));
  if (md->size() > 0) field = field->WithMetadata(md);
  return field;
}

arrow::Result<json> TypeToJson(const arrow::Field& field);

json MetadataToJson(const arrow::Field& field) {
  json md = json::object();
  if (auto m = field.metadata()) {
    for (int64_t i = 0; i < m->size(); ++i) {
      if (m->key(i) == kVariantMarkerKey || m->key(i) == wire::kParquetFieldId) continue;
      auto parsed = json::parse(m->value(i), nullptr, /*allow_exceptions=*/false);
      md[m->key(i)] = parsed.is_discarded() ? json(m->value(i)) : parsed;
    }
  }
  return md;
}

arrow::Result<json> FieldToJson(const arrow::Field& field) {
  json j;
  j[wire::kName] = field.name();
  ARROW_ASSIGN_OR_RAISE(j[wire::kType], TypeToJson(field));
  j[wire::kNullable] = field.nullable();
  j[wire::kMetadata] = MetadataToJson(field);
  return j;
}

arrow::Result<json> DataTypeToJson(const std::shared_ptr<arrow::DataType>& type) {
  switch (type->id()) {
    case arrow::Type::STRUCT: {
      json fields = json::array();
      for (const auto& f : type->fields()) {
        ARROW_ASSIGN_OR_RAISE(auto fj, FieldToJson(*f));
        fields.push_back(std::move(fj));
      }
      return json{{wire::kType, "struct"}, {wire::kFields, std::move(fields)}};
    }
    case arrow::Type::LIST:
    case arrow::Type::LARGE_LIST: {
      auto elem = type->field(0);
      ARROW_ASSIGN_OR_RAISE(auto et, TypeToJson(*elem));
      return json{{wire::kType, "array"}, {wire::kElementType, et},
                  {wire::kContainsNull, elem->nullable()}};
    }
    case arrow::Type::MAP: {
      const auto& m = static_cast<const arrow::MapType&>(*type);
      ARROW_ASSIGN_OR_RAISE(auto kt, TypeToJson(*m.key_field()));
      ARROW_ASSIGN_OR_RAISE(auto vt, TypeToJson(*m.item_field()));
      return json{{wire::kType, "map"}, {wire::kKeyType, kt}, {wire::kValueType, vt},
                  {wire::kValueContainsNull, m.item_field()->nullable()}};
    }
    default: {
      ARROW_ASSIGN_OR_RAISE(auto name, DeltaTypeName(*type));
      return json(name);
    }
  }
}

arrow::Result<json> TypeToJson(const arrow::Field& field) {
  if (field.metadata() && field.metadata()->Contains(kVariantMarkerKey)) return json("variant");
  return DataTypeToJson(field.type());
}

}  // namespace

arrow::Result<std::shared_ptr<arrow::DataType>> ParseDeltaTypeName(std::string_view name) {
  std::string n = util::ToLower(name);
  // Trim spaces.
  while (!n.empty() && n.back() == ' ') n.pop_back();
  while (!n.empty() && n.front() == ' ') n.erase(n.begin());
  if (n == "string" || n.rfind("varchar", 0) == 0 || n.rfind("char", 0) == 0) return arrow::utf8();
  if (n == "long" || n == "bigint") return arrow::int64();
  if (n == "integer" || n == "int") return arrow::int32();
  if (n == "short" || n == "smallint") return arrow::int16();
  if (n == "byte" || n == "tinyint") return arrow::int8();
  if (n == "float" || n == "real") return arrow::float32();
  if (n == "double") return arrow::float64();
  if (n == "boolean" || n == "bool") return arrow::boolean();
  if (n == "binary") return arrow::binary();
  if (n == "date") return arrow::date32();
  if (n == "timestamp") return arrow::timestamp(arrow::TimeUnit::MICRO, "UTC");
  if (n == "timestamp_ntz") return arrow::timestamp(arrow::TimeUnit::MICRO);
  if (n == "void") return arrow::null();  // Spark's NullType: every value is NULL
  if (n.rfind("decimal", 0) == 0 || n.rfind("numeric", 0) == 0 || n.rfind("dec", 0) == 0) {
    auto open = n.find('(');
    if (open == std::string::npos) return arrow::decimal128(10, 0);
    int p = 0, s = 0;
    if (std::sscanf(n.c_str() + open, "(%d,%d)", &p, &s) == 2 ||
        std::sscanf(n.c_str() + open, "( %d , %d )", &p, &s) == 2) {
      if (p < 1 || p > 38 || s < 0 || s > p) {
        return DELTA_ERROR(kInvalidArgument, "invalid decimal type '", name, "'");
      }
      return arrow::decimal128(p, s);
    }
    if (std::sscanf(n.c_str() + open, "(%d)", &p) == 1) return arrow::decimal128(p, 0);
  }
  return DELTA_ERROR(kInvalidArgument, "unknown type '", name, "'");
}

arrow::Result<std::string> DeltaTypeName(const arrow::DataType& type) {
  switch (type.id()) {
    case arrow::Type::STRING:
    case arrow::Type::LARGE_STRING:
    case arrow::Type::STRING_VIEW: return "string";
    case arrow::Type::INT64: return "long";
    case arrow::Type::INT32: return "integer";
    case arrow::Type::INT16: return "short";
    case arrow::Type::INT8: return "byte";
    case arrow::Type::FLOAT: return "float";
    case arrow::Type::DOUBLE: return "double";
    case arrow::Type::BOOL: return "boolean";
    case arrow::Type::BINARY:
    case arrow::Type::LARGE_BINARY:
    case arrow::Type::BINARY_VIEW:
    case arrow::Type::FIXED_SIZE_BINARY: return "binary";
    case arrow::Type::DATE32: return "date";
    case arrow::Type::NA: return "void";
    case arrow::Type::TIMESTAMP: {
      const auto& ts = static_cast<const arrow::TimestampType&>(type);
      return ts.timezone().empty() ? "timestamp_ntz" : "timestamp";
    }
    case arrow::Type::DECIMAL128:
    case arrow::Type::DECIMAL256: {
      const auto& d = static_cast<const arrow::DecimalType&>(type);
      return "decimal(" + std::to_string(d.precision()) + "," + std::to_string(d.scale()) + ")";
    }
    default:
      return DELTA_ERROR(kSchemaMismatch, "type ", type.ToString(), " has no Delta equivalent");
  }
}

arrow::Result<std::shared_ptr<arrow::Schema>> SchemaFromDeltaJson(std::string_view text) {
  auto j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return DELTA_ERROR(kCorruptLog, "table schema is not valid JSON: ", text.substr(0, 200));
  }
  if (j.value(wire::kType, "") != "struct") {
    return DELTA_ERROR(kCorruptLog, "table schema must be a struct: ", text.substr(0, 200));
  }
  arrow::FieldVector fields;
  for (const auto& f : j.value(wire::kFields, json::array())) {
    ARROW_ASSIGN_OR_RAISE(auto field, FieldFromJson(f, ""));
    fields.push_back(std::move(field));
  }
  return arrow::schema(std::move(fields));
}

arrow::Result<std::string> SchemaToDeltaJson(const arrow::Schema& schema) {
  json fields = json::array();
  for (const auto& f : schema.fields()) {
    ARROW_ASSIGN_OR_RAISE(auto fj, FieldToJson(*f));
    fields.push_back(std::move(fj));
  }
  return json{{wire::kType, "struct"}, {wire::kFields, std::move(fields)}}.dump();
}

int FindFieldIndex(const arrow::Schema& schema, std::string_view name) {
  int idx = schema.GetFieldIndex(std::string(name));
  if (idx >= 0) return idx;
  for (int i = 0; i < schema.num_fields(); ++i) {
    if (util::EqualsIgnoreCase(schema.field(i)->name(), name)) return i;
  }
  return -1;
}

std::optional<std::string> FieldMetadataString(const arrow::Field& field, const std::string& key) {
  auto md = field.metadata();
  if (!md) return std::nullopt;
  auto idx = md->FindKey(key);
  if (idx < 0) return std::nullopt;
  const std::string& raw = md->value(idx);
  auto j = json::parse(raw, nullptr, false);
  if (!j.is_discarded() && j.is_string()) return j.get<std::string>();
  return raw;
}

std::string PhysicalName(const arrow::Field& field, ColumnMappingMode mode) {
  if (mode == ColumnMappingMode::kNone) return field.name();
  return FieldMetadataString(field, wire::kColumnMappingPhysicalName).value_or(field.name());
}

std::optional<int64_t> ColumnMappingId(const arrow::Field& field) {
  auto s = FieldMetadataString(field, wire::kColumnMappingId);
  if (!s) return std::nullopt;
  try {
    return std::stoll(*s);
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace delta
