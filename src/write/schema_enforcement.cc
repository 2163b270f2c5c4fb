#include "write/schema_enforcement.h"

#include <arrow/array/util.h>
#include <arrow/compute/api.h>

#include "delta/error.h"
#include "delta/schema.h"
#include "protocol/type_widening.h"
#include "util/strings.h"

namespace delta::write {

bool SafelyCastable(const arrow::DataType& from, const arrow::DataType& to) {
  if (from.Equals(to)) return true;
  const auto rank = protocol::IntegerRank;
  if (rank(from.id()) && rank(to.id())) return rank(from.id()) <= rank(to.id());
  if (from.id() == arrow::Type::FLOAT && to.id() == arrow::Type::DOUBLE) return true;
  if (rank(from.id()) && rank(from.id()) <= 3 && to.id() == arrow::Type::DOUBLE) return true;
  if (from.id() == arrow::Type::DECIMAL128 && to.id() == arrow::Type::DECIMAL128) {
    const auto& a = static_cast<const arrow::Decimal128Type&>(from);
    const auto& b = static_cast<const arrow::Decimal128Type&>(to);
    return b.scale() >= a.scale() && (b.precision() - b.scale()) >= (a.precision() - a.scale());
  }
  if (from.id() == arrow::Type::TIMESTAMP && to.id() == arrow::Type::TIMESTAMP) {
    // Same kind (zoned or not); units differ only.
    return static_cast<const arrow::TimestampType&>(from).timezone().empty() ==
           static_cast<const arrow::TimestampType&>(to).timezone().empty();
  }
  if (from.id() == arrow::Type::NA) return true;
  return false;
}

namespace {

void Compare(const arrow::Field& table, const arrow::Field& data, const std::string& path, bool merge,
             bool widen, std::vector<std::string>* problems, std::shared_ptr<arrow::Field>* merged);

std::shared_ptr<arrow::DataType> CompareStruct(const arrow::DataType& table, const arrow::DataType& data,
                                               const std::string& path, bool merge, bool widen,
                                               std::vector<std::string>* problems) {
  arrow::FieldVector out;
  auto tschema = arrow::schema(table.fields());
  auto dschema = arrow::schema(data.fields());
  for (const auto& tf : table.fields()) {
    int idx = FindFieldIndex(*dschema, tf->name());
    std::string p = path.empty() ? tf->name() : path + "." + tf->name();
    if (idx < 0) {
      if (!tf->nullable()) problems->push_back("column " + p + " is NOT NULL but missing from the data");
      out.push_back(tf);
      continue;
    }
    std::shared_ptr<arrow::Field> merged;
    Compare(*tf, *data.field(idx), p, merge, widen, problems, &merged);
    out.push_back(merged);
  }
  for (const auto& df : data.fields()) {
    if (FindFieldIndex(*tschema, df->name()) >= 0) continue;
    std::string p = path.empty() ? df->name() : path + "." + df->name();
    if (merge) {
      out.push_back(df->WithNullable(true));
    } else {
      problems->push_back("column " + p + " (" + df->type()->ToString() +
                          ") is not in the table schema (use schema merging to add it)");
    }
  }
  return arrow::struct_(out);
}

void Compare(const arrow::Field& table, const arrow::Field& data, const std::string& path, bool merge,
             bool widen, std::vector<std::string>* problems, std::shared_ptr<arrow::Field>* merged) {
  *merged = table.Copy();
  const auto& tt = *table.type();
  const auto& dt = *data.type();
  if (tt.id() == arrow::Type::STRUCT && dt.id() == arrow::Type::STRUCT) {
    *merged = table.WithType(CompareStruct(tt, dt, path, merge, widen, problems));
    return;
  }
  if (tt.id() == arrow::Type::LIST && dt.id() == arrow::Type::LIST) {
    std::shared_ptr<arrow::Field> elem;
    Compare(*tt.field(0), *dt.field(0), path + ".element", merge, widen, problems, &elem);
    *merged = table.WithType(arrow::list(elem));
    return;
  }
  if (tt.id() == arrow::Type::MAP && dt.id() == arrow::Type::MAP) {
    std::shared_ptr<arrow::Field> k, v;
    Compare(*tt.field(0)->type()->field(0), *dt.field(0)->type()->field(0), path + ".key", merge, widen, problems, &k);
    Compare(*tt.field(0)->type()->field(1), *dt.field(0)->type()->field(1), path + ".value", merge, widen, problems, &v);
    *merged = table.WithType(std::make_shared<arrow::MapType>(k, v));
    return;
  }
  if (widen && protocol::IsAutomaticTypeChange(tt, dt)) {
    *merged = table.WithType(data.type());
    return;
  }
  if (!SafelyCastable(dt, tt)) {
    auto tn = DeltaTypeName(tt);
    auto dn = DeltaTypeName(dt);
    problems->push_back("column " + path + " has type " + (dn.ok() ? *dn : dt.ToString()) +
                        " in the data but " + (tn.ok() ? *tn : tt.ToString()) + " in the table");
  }
}

}  // namespace

arrow::Result<std::shared_ptr<arrow::DataType>> NormalizeType(const std::shared_ptr<arrow::DataType>& type,
                                                              const std::string& column) {
  switch (type->id()) {
    case arrow::Type::LARGE_STRING:
    case arrow::Type::STRING_VIEW: return arrow::utf8();
    case arrow::Type::LARGE_BINARY:
    case arrow::Type::BINARY_VIEW:
    case arrow::Type::FIXED_SIZE_BINARY: return arrow::binary();
    case arrow::Type::UINT8: return arrow::int16();
    case arrow::Type::UINT16: return arrow::int32();
    case arrow::Type::UINT32: return arrow::int64();
    case arrow::Type::HALF_FLOAT: return arrow::float32();
    case arrow::Type::DATE64: return arrow::date32();
    case arrow::Type::DICTIONARY:
      return NormalizeType(static_cast<const arrow::DictionaryType&>(*type).value_type(), column);
    case arrow::Type::TIMESTAMP: {
      const auto& ts = static_cast<const arrow::TimestampType&>(*type);
      return arrow::timestamp(arrow::TimeUnit::MICRO, ts.timezone().empty() ? "" : "UTC");
    }
    case arrow::Type::DECIMAL32:
    case arrow::Type::DECIMAL64: {
      const auto& d = static_cast<const arrow::DecimalType&>(*type);
      return arrow::decimal128(d.precision(), d.scale());
    }
    case arrow::Type::STRUCT: {
      arrow::FieldVector fields;
      for (const auto& f : type->fields()) {
        ARROW_ASSIGN_OR_RAISE(auto t, NormalizeType(f->type(), column + "." + f->name()));
        fields.push_back(f->WithType(t));
      }
      return arrow::struct_(fields);
    }
    case arrow::Type::LIST:
    case arrow::Type::LARGE_LIST:
    case arrow::Type::LIST_VIEW:
    case arrow::Type::FIXED_SIZE_LIST: {
      auto elem = type->field(0);
      ARROW_ASSIGN_OR_RAISE(auto t, NormalizeType(elem->type(), column + ".element"));
      return arrow::list(arrow::field("element", t, elem->nullable()));
    }
    case arrow::Type::MAP: {
      const auto& m = static_cast<const arrow::MapType&>(*type);
      ARROW_ASSIGN_OR_RAISE(auto k, NormalizeType(m.key_type(), column + ".key"));
      ARROW_ASSIGN_OR_RAISE(auto v, NormalizeType(m.item_type(), column + ".value"));
      return std::make_shared<arrow::MapType>(arrow::field("key", k, false),
                                              arrow::field("value", v, m.item_field()->nullable()));
    }
    default: break;
  }
  if (type->id() == arrow::Type::NA) return type;
  if (!DeltaTypeName(*type).ok()) {
    return DELTA_ERROR(kSchemaMismatch, "column ", column, " has type ", type->ToString(),
                       ", which Delta cannot store");
  }
  return type;
}

arrow::Result<std::shared_ptr<arrow::Schema>> NormalizeSchema(const arrow::Schema& schema) {
  arrow::FieldVector fields;
  for (int i = 0; i < schema.num_fields(); ++i) {
    for (int j = 0; j < i; ++j) {
      if (util::EqualsIgnoreCase(schema.field(i)->name(), schema.field(j)->name())) {
        return DELTA_ERROR(kSchemaMismatch, "column ", schema.field(i)->name(),
                           " appears twice in the data (Delta column names are case-insensitive)");
      }
    }
  }
  for (const auto& f : schema.fields()) {
    ARROW_ASSIGN_OR_RAISE(auto t, NormalizeType(f->type(), f->name()));
    fields.push_back(f->WithType(t));
  }
  return arrow::schema(fields);
}

arrow::Result<std::shared_ptr<arrow::Schema>> ReconcileSchemas(const arrow::Schema& table,
                                                               const arrow::Schema& data, bool merge,
                                                               bool widen) {
  ARROW_ASSIGN_OR_RAISE(auto normalized, NormalizeSchema(data));
  std::vector<std::string> problems;
  auto merged = CompareStruct(*arrow::struct_(table.fields()), *arrow::struct_(normalized->fields()), "",
                              merge, widen, &problems);
  if (!problems.empty()) {
    std::string msg = "the data does not match the table schema:";
    for (const auto& p : problems) msg += "\n  - " + p;
    return MakeError(ErrorCode::kSchemaMismatch, msg);
  }
  // Keep the table's field metadata (column mapping etc.) on existing fields.
  return arrow::schema(merged->fields(), table.metadata());
}

arrow::Result<std::shared_ptr<arrow::RecordBatch>> ConformBatch(const arrow::RecordBatch& batch,
                                                                const std::shared_ptr<arrow::Schema>& target) {
  arrow::ArrayVector columns;
  for (const auto& tf : target->fields()) {
    int idx = FindFieldIndex(*batch.schema(), tf->name());
    std::shared_ptr<arrow::Array> col;
    if (idx < 0) {
      ARROW_ASSIGN_OR_RAISE(col, arrow::MakeArrayOfNull(tf->type(), batch.num_rows()));
    } else {
      col = batch.column(idx);
      if (!col->type()->Equals(*tf->type())) {
        auto cast = arrow::compute::Cast(*col, tf->type());
        if (!cast.ok()) {
          return DELTA_ERROR(kSchemaMismatch, "column ", tf->name(), " cannot be converted from ",
                             col->type()->ToString(), " to ", tf->type()->ToString(), ": ",
                             cast.status().message());
        }
        col = *cast;
      }
    }
    if (!tf->nullable() && col->null_count() > 0) {
      return DELTA_ERROR(kSchemaMismatch, "column ", tf->name(), " is NOT NULL but the data has ",
                         col->null_count(), " null value(s)");
    }
    columns.push_back(std::move(col));
  }
  return arrow::RecordBatch::Make(target, batch.num_rows(), std::move(columns));
}

}  // namespace delta::write
