// Per-file statistics (PROTOCOL.md "Per-file Statistics").
//
// Stats JSON is keyed by physical column names (column mapping); skipping speaks logical
// paths, so the schema walk below maps one to the other. Values are typed by the table schema.
// Timestamps in stats are millisecond-truncated ISO strings: max is widened to the end of its
// millisecond so a skip decision is never wrong.
#include <limits>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "delta/error.h"
#include "delta/scan.h"
#include "scan/partition_values.h"
#include "util/strings.h"

namespace delta {
namespace {

using Value = rapidjson::Value;

// A JSON integer as a scalar of integer type `type`, or null when it does not fit.
template <typename ArrowType>
std::shared_ptr<arrow::Scalar> IntegerScalar(int64_t v, const std::shared_ptr<arrow::DataType>& type) {
  using C = typename ArrowType::c_type;
  if (v < std::numeric_limits<C>::min() || v > std::numeric_limits<C>::max()) return nullptr;
  return std::make_shared<typename arrow::TypeTraits<ArrowType>::ScalarType>(static_cast<C>(v), type);
}

std::shared_ptr<arrow::Scalar> JsonToScalar(const Value& e,
                                            const std::shared_ptr<arrow::DataType>& type,
                                            bool is_max) {
  // The common cases straight from the parsed number (the same values as parsing its text).
  if (e.IsInt64()) {
    switch (type->id()) {
      case arrow::Type::INT64: return std::make_shared<arrow::Int64Scalar>(e.GetInt64(), type);
      case arrow::Type::INT32: return IntegerScalar<arrow::Int32Type>(e.GetInt64(), type);
      case arrow::Type::INT16: return IntegerScalar<arrow::Int16Type>(e.GetInt64(), type);
      case arrow::Type::INT8: return IntegerScalar<arrow::Int8Type>(e.GetInt64(), type);
      default: break;
    }
  }
  if (e.IsNumber() && type->id() == arrow::Type::DOUBLE) {
    return std::make_shared<arrow::DoubleScalar>(e.GetDouble(), type);
  }
  std::string text;
  if (e.IsString()) {
    text.assign(e.GetString(), e.GetStringLength());
  } else if (e.IsNumber()) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    e.Accept(w);
    text.assign(sb.GetString(), sb.GetSize());
  } else if (e.IsBool()) {
    text = e.GetBool() ? "true" : "false";
  } else {
    return nullptr;
  }
  switch (type->id()) {
    case arrow::Type::STRING: return arrow::MakeScalar(text);
    case arrow::Type::TIMESTAMP: {
      auto r = scan::ParsePartitionValue(text, type, "");
      if (!r.ok()) return nullptr;
      if (is_max) {
        // Round the millisecond-truncated max up to the end of its millisecond.
        int64_t us = static_cast<const arrow::TimestampScalar&>(**r).value;
        int64_t rem = ((us % 1000) + 1000) % 1000;
        if (rem == 0) us += 999;
        return std::make_shared<arrow::TimestampScalar>(us, type);
      }
      return *r;
    }
    case arrow::Type::FLOAT:
    case arrow::Type::DOUBLE:
    case arrow::Type::INT8:
    case arrow::Type::INT16:
    case arrow::Type::INT32:
    case arrow::Type::INT64:
    case arrow::Type::DATE32:
    case arrow::Type::DECIMAL128:
    case arrow::Type::BOOL: {
      auto r = scan::ParsePartitionValue(text, type, "");
      if (!r.ok()) {
        // Integral-valued doubles like "5.0" for an int column: go through double.
        auto d = arrow::Scalar::Parse(arrow::float64(), text);
        if (!d.ok()) return nullptr;
        auto c = (*d)->CastTo(type);
        return c.ok() ? *c : nullptr;
      }
      return *r;
    }
    default: return nullptr;  // binary, nested: no stats used
  }
}

// Walks the logical schema alongside the (physical) stats objects.
using MaybeElement = const Value*;

// The member `key` of `obj` when obj is an object that has it, else nullptr.
MaybeElement Member(MaybeElement obj, const std::string& key) {
  if (!obj || !obj->IsObject()) return nullptr;
  auto it = obj->FindMember(rapidjson::StringRef(key.data(), key.size()));
  return it == obj->MemberEnd() ? nullptr : &it->value;
}

// `only`: the top-level columns to collect (null: all).
void CollectStats(const arrow::FieldVector& fields, ColumnMappingMode mode,
                  const MaybeElement& min_obj, const MaybeElement& max_obj,
                  const MaybeElement& null_obj, const std::string& prefix,
                  const std::set<std::string>* only, FileStatistics* out) {
  for (const auto& f : fields) {
    if (only && !only->count(util::ToLower(f->name()))) continue;
    const std::string physical = PhysicalName(*f, mode);
    const std::string logical = prefix.empty() ? f->name() : prefix + "." + f->name();
    MaybeElement mn = Member(min_obj, physical), mx = Member(max_obj, physical),
                 nc = Member(null_obj, physical);
    if (f->type()->id() == arrow::Type::STRUCT) {
      CollectStats(f->type()->fields(), mode, mn, mx, nc, logical, nullptr, out);
      continue;
    }
    ColumnStats cs;
    if (mn && !mn->IsNull()) cs.min = JsonToScalar(*mn, f->type(), false);
    if (mx && !mx->IsNull()) cs.max = JsonToScalar(*mx, f->type(), true);
    if (nc && nc->IsInt64()) cs.null_count = nc->GetInt64();
    if (cs.min || cs.max || cs.null_count) out->columns.emplace(logical, std::move(cs));
  }
}

FileStatistics Collect(const Snapshot& snapshot, const AddFile& file, const std::set<std::string>* only) {
  FileStatistics out;
  // If the stats cannot be loaded the file simply has none: skipping stays conservative.
  (void)snapshot.EnsureStats();
  if (file.stats && !file.stats->empty()) {
    rapidjson::Document doc;
    doc.Parse(file.stats->data(), file.stats->size());
    if (!doc.HasParseError() && doc.IsObject()) {
      MaybeElement root = &doc;
      if (auto n = Member(root, "numRecords"); n && n->IsInt64()) out.num_records = n->GetInt64();
      // Rows deleted by a deletion vector may still be reflected in min/max: stats stay valid
      // as bounds, but null counts would then overstate; keep them (bounds are conservative).
      CollectStats(snapshot.schema()->fields(), snapshot.column_mapping_mode(),
                   Member(root, "minValues"), Member(root, "maxValues"), Member(root, "nullCount"),
                   "", only, &out);
    }
  }
  for (const auto& pc : snapshot.partition_columns()) {
    if (only && !only->count(util::ToLower(pc))) continue;
    auto field = snapshot.schema()->GetFieldByName(pc);
    if (!field) continue;
    auto it = file.partition_values.find(PhysicalName(*field, snapshot.column_mapping_mode()));
    if (it == file.partition_values.end()) continue;
    auto value = scan::ParsePartitionValue(it->second, field->type(), pc);
    if (!value.ok()) continue;
    ColumnStats cs;
    cs.exact = true;
    cs.all_null = !(*value)->is_valid;
    if (!cs.all_null) {
      cs.min = *value;
      cs.max = *value;
      cs.null_count = 0;
    } else if (out.num_records) {
      cs.null_count = out.num_records;
    }
    out.columns[pc] = std::move(cs);
  }
  return out;
}

}  // namespace

FileStatistics GetFileStatistics(const Snapshot& snapshot, const AddFile& file) {
  return Collect(snapshot, file, nullptr);
}

FileStatistics GetFileStatistics(const Snapshot& snapshot, const AddFile& file,
                                 const std::set<std::string>& columns) {
  return Collect(snapshot, file, &columns);
}

std::optional<int64_t> Snapshot::NumRecords() const {
  if (!EnsureStats().ok()) return std::nullopt;
  int64_t total = 0;
  for (const auto& f : files_) {
    if (!f.stats) return std::nullopt;
    rapidjson::Document doc;
    doc.Parse(f.stats->data(), f.stats->size());
    if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
    auto n = doc.FindMember("numRecords");
    if (n == doc.MemberEnd() || !n->value.IsInt64()) return std::nullopt;
    total += n->value.GetInt64() - (f.deletion_vector ? f.deletion_vector->cardinality : 0);
  }
  return total;
}

int64_t Snapshot::SizeInBytes() const {
  int64_t total = 0;
  for (const auto& f : files_) total += f.size;
  return total;
}

}  // namespace delta
