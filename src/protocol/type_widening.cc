#include "protocol/type_widening.h"

#include <arrow/util/key_value_metadata.h>
#include <nlohmann/json.hpp>

#include "delta/error.h"
#include "delta/schema.h"
#include "log/wire_names.h"

namespace delta::protocol {

int IntegerRank(arrow::Type::type t) {
  switch (t) {
    case arrow::Type::INT8: return 1;
    case arrow::Type::INT16: return 2;
    case arrow::Type::INT32: return 3;
    case arrow::Type::INT64: return 4;
    default: return 0;
  }
}

namespace {

bool DecimalWidening(const arrow::DataType& from, const arrow::DataType& to) {
  const auto& a = static_cast<const arrow::Decimal128Type&>(from);
  const auto& b = static_cast<const arrow::Decimal128Type&>(to);
  const int k1 = b.precision() - a.precision();
  const int k2 = b.scale() - a.scale();
  return k2 >= 0 && k1 >= k2 && (k1 > 0 || k2 > 0);
}

std::string TypeName(const arrow::DataType& t) {
  auto n = DeltaTypeName(t);
  return n.ok() ? *n : t.ToString();
}

using Changes = std::vector<nlohmann::json>;

// Collects the changes inside one top-level or nested struct field: the field's own type and,
// for arrays and maps, their element / key / value (fieldPath); nested structs record their
// own changes on their own fields (recursively rebuilt into *out).
arrow::Status Walk(const std::shared_ptr<arrow::DataType>& before, const std::shared_ptr<arrow::DataType>& after,
                   const std::string& column, const std::string& field_path, Changes* changes,
                   std::shared_ptr<arrow::DataType>* out);

arrow::Result<std::shared_ptr<arrow::Field>> WalkField(const arrow::Field& before, const arrow::Field& after,
                                                       const std::string& column) {
  Changes changes;
  std::shared_ptr<arrow::DataType> type;
  ARROW_RETURN_NOT_OK(Walk(before.type(), after.type(), column, "", &changes, &type));
  auto field = after.WithType(type);
  if (changes.empty()) return field;
  nlohmann::json history = nlohmann::json::array();
  if (auto existing = FieldMetadataString(after, wire::kTypeChanges)) {
    auto parsed = nlohmann::json::parse(*existing, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_array()) history = parsed;
  }
  for (auto& c : changes) history.push_back(std::move(c));
  auto md = after.metadata() ? after.metadata()->Copy() : std::make_shared<arrow::KeyValueMetadata>();
  ARROW_RETURN_NOT_OK(md->Set(wire::kTypeChanges, history.dump()));
  return field->WithMetadata(md);
}

arrow::Result<std::shared_ptr<arrow::DataType>> WalkStruct(const arrow::DataType& before, const arrow::DataType& after,
                                                           const std::string& column) {
  arrow::FieldVector fields;
  auto before_schema = arrow::schema(before.fields());
  for (const auto& f : after.fields()) {
    const int idx = FindFieldIndex(*before_schema, f->name());
    const std::string path = column.empty() ? f->name() : column + "." + f->name();
    if (idx < 0) {
      fields.push_back(f);
      continue;
    }
    ARROW_ASSIGN_OR_RAISE(auto field, WalkField(*before.field(idx), *f, path));
    fields.push_back(field);
  }
  return arrow::struct_(fields);
}

arrow::Status Walk(const std::shared_ptr<arrow::DataType>& before, const std::shared_ptr<arrow::DataType>& after,
                   const std::string& column, const std::string& field_path, Changes* changes,
                   std::shared_ptr<arrow::DataType>* out) {
  auto sub = [&](const char* part) { return field_path.empty() ? std::string(part) : field_path + "." + part; };
  if (before->id() == arrow::Type::STRUCT && after->id() == arrow::Type::STRUCT) {
    ARROW_ASSIGN_OR_RAISE(*out, WalkStruct(*before, *after, column));
    return arrow::Status::OK();
  }
  if (before->id() == arrow::Type::LIST && after->id() == arrow::Type::LIST) {
    std::shared_ptr<arrow::DataType> elem;
    ARROW_RETURN_NOT_OK(Walk(before->field(0)->type(), after->field(0)->type(), column + ".element",
                             sub("element"), changes, &elem));
    *out = arrow::list(after->field(0)->WithType(elem));
    return arrow::Status::OK();
  }
  if (before->id() == arrow::Type::MAP && after->id() == arrow::Type::MAP) {
    const auto& b = static_cast<const arrow::MapType&>(*before);
    const auto& a = static_cast<const arrow::MapType&>(*after);
    std::shared_ptr<arrow::DataType> k, v;
    ARROW_RETURN_NOT_OK(Walk(b.key_type(), a.key_type(), column + ".key", sub("key"), changes, &k));
    ARROW_RETURN_NOT_OK(Walk(b.item_type(), a.item_type(), column + ".value", sub("value"), changes, &v));
    *out = std::make_shared<arrow::MapType>(a.key_field()->WithType(k), a.item_field()->WithType(v));
    return arrow::Status::OK();
  }
  *out = after;
  if (before->Equals(*after)) return arrow::Status::OK();
  if (!IsSupportedTypeChange(*before, *after)) {
    return DELTA_ERROR(kSchemaMismatch, "column ", column, " cannot change type from ", TypeName(*before),
                       " to ", TypeName(*after), ": not a type widening the Delta protocol allows");
  }
  nlohmann::json change = {{"fromType", TypeName(*before)}, {"toType", TypeName(*after)}};
  if (!field_path.empty()) change["fieldPath"] = field_path;
  changes->push_back(std::move(change));
  return arrow::Status::OK();
}

}  // namespace

bool IsSupportedTypeChange(const arrow::DataType& from, const arrow::DataType& to) {
  if (from.Equals(to)) return false;
  const int rf = IntegerRank(from.id()), rt = IntegerRank(to.id());
  if (rf && rt) return rf < rt;
  if (from.id() == arrow::Type::FLOAT && to.id() == arrow::Type::DOUBLE) return true;
  if (rf && rf <= 3 && to.id() == arrow::Type::DOUBLE) return true;
  if (from.id() == arrow::Type::DATE32 && to.id() == arrow::Type::TIMESTAMP) {
    return static_cast<const arrow::TimestampType&>(to).timezone().empty();
  }
  if (from.id() == arrow::Type::DECIMAL128 && to.id() == arrow::Type::DECIMAL128) return DecimalWidening(from, to);
  if (rf && to.id() == arrow::Type::DECIMAL128) {
    const auto& d = static_cast<const arrow::Decimal128Type&>(to);
    const int k1 = d.precision() - (rf == 4 ? 20 : 10);
    return d.scale() >= 0 && k1 >= d.scale();
  }
  return false;
}

bool IsAutomaticTypeChange(const arrow::DataType& from, const arrow::DataType& to) {
  if (!IsSupportedTypeChange(from, to)) return false;
  if (IntegerRank(from.id()) && !IntegerRank(to.id())) return false;  // int -> double/decimal
  return true;
}

arrow::Result<std::shared_ptr<arrow::Schema>> RecordTypeChanges(const arrow::Schema& previous,
                                                                 const arrow::Schema& updated) {
  ARROW_ASSIGN_OR_RAISE(auto merged, WalkStruct(*arrow::struct_(previous.fields()),
                                                *arrow::struct_(updated.fields()), ""));
  return arrow::schema(merged->fields(), updated.metadata());
}

}  // namespace delta::protocol
