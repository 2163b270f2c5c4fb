#include <arrow/util/key_value_metadata.h>
#include <nlohmann/json.hpp>

#include "delta/schema.h"
#include "log/wire_names.h"
#include "util/uuid.h"

namespace delta {
namespace {

std::shared_ptr<arrow::Field> AssignField(const std::shared_ptr<arrow::Field>& f, int64_t* max_id,
                                          bool keep_names) {
  std::shared_ptr<arrow::DataType> type = f->type();
  if (type->id() == arrow::Type::STRUCT) {
    arrow::FieldVector children;
    for (const auto& c : type->fields()) children.push_back(AssignField(c, max_id, keep_names));
    type = arrow::struct_(children);
  }
  auto md = f->metadata() ? f->metadata()->Copy() : std::make_shared<arrow::KeyValueMetadata>();
  if (md->FindKey(wire::kColumnMappingId) < 0) {
    md->Append(wire::kColumnMappingId, std::to_string(++*max_id));
    std::string physical = keep_names ? f->name() : "col-" + util::NewUuid();
    md->Append(wire::kColumnMappingPhysicalName, nlohmann::json(physical).dump());
  }
  return f->WithType(type)->WithMetadata(md);
}

}  // namespace

std::shared_ptr<arrow::Schema> AssignColumnMapping(const arrow::Schema& schema, int64_t* max_id,
                                                   bool keep_names) {
  arrow::FieldVector fields;
  for (const auto& f : schema.fields()) fields.push_back(AssignField(f, max_id, keep_names));
  return arrow::schema(fields, schema.metadata());
}

}  // namespace delta
