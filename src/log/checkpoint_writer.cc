// Checkpoint files are written in chunks of rows. Each chunk's action columns are assembled as
// Arrow's JSON array notation and converted with arrow::json::ArrayFromJSONString, which builds
// the nested struct/map columns of the checkpoint schema without a hand-written builder per
// field; the typed add.stats_parsed / add.partitionValues_parsed columns are built with Arrow
// builders straight from the stats JSON and partition strings. Column types follow Spark's
// checkpoint schema (int for versions/sizes of DVs, long for sizes and times).
#include "delta/checkpoint.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include <arrow/array/builder_nested.h>
#include <arrow/array/builder_primitive.h>
#include <arrow/array/builder_binary.h>
#include <arrow/json/from_string.h>
#include <arrow/table.h>
#include <nlohmann/json.hpp>
#include <parquet/arrow/writer.h>
#include <parquet/exception.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "delta/error.h"
#include "delta/log_store.h"
#include "delta/schema.h"
#include "log/action_json.h"
#include "log/log_cleanup.h"
#include "log/log_file_names.h"
#include "log/wire_names.h"
#include "protocol/table_features.h"
#include "scan/partition_values.h"
#include "storage/table_location.h"
#include "table/snapshot_loader.h"
#include "util/compute_init.h"
#include "util/spark_hash.h"
#include "util/strings.h"
#include "util/uuid.h"

namespace delta {
namespace {

using json = nlohmann::ordered_json;

constexpr int64_t kRowsPerRowGroup = 50'000;
// Rows built at a time (batches are appended to the open row group): small enough that a
// chunk's JSON text and arrays are reused memory, not fresh pages.
constexpr int64_t kRowsPerChunk = 5'000;
constexpr char kV2CheckpointFeature[] = "v2Checkpoint";
constexpr char kDeletionVectorsFeature[] = "deletionVectors";

// ------------------------------------------------------------------ checkpoint schema

std::shared_ptr<arrow::DataType> StringMap() { return arrow::map(arrow::utf8(), arrow::utf8()); }

std::shared_ptr<arrow::DataType> DvType() {
  return arrow::struct_({arrow::field(wire::kStorageType, arrow::utf8()),
                         arrow::field(wire::kPathOrInlineDv, arrow::utf8()),
                         arrow::field(wire::kOffset, arrow::int32()),
                         arrow::field(wire::kSizeInBytes, arrow::int32()),
                         arrow::field(wire::kCardinality, arrow::int64())});
}

std::shared_ptr<arrow::DataType> TxnType() {
  return arrow::struct_({arrow::field(wire::kAppId, arrow::utf8()),
                         arrow::field(wire::kVersion, arrow::int64()),
                         arrow::field(wire::kLastUpdated, arrow::int64())});
}

std::shared_ptr<arrow::DataType> RemoveType() {
  return arrow::struct_({arrow::field(wire::kPath, arrow::utf8()),
                         arrow::field(wire::kDeletionTimestamp, arrow::int64()),
                         arrow::field(wire::kDataChange, arrow::boolean()),
                         arrow::field(wire::kExtendedFileMetadata, arrow::boolean()),
                         arrow::field(wire::kPartitionValues, StringMap()),
                         arrow::field(wire::kSize, arrow::int64()),
                         arrow::field(wire::kDeletionVector, DvType()),
                         arrow::field(wire::kBaseRowId, arrow::int64()),
                         arrow::field(wire::kDefaultRowCommitVersion, arrow::int64())});
}

std::shared_ptr<arrow::DataType> MetadataType() {
  return arrow::struct_(
      {arrow::field(wire::kId, arrow::utf8()), arrow::field(wire::kName, arrow::utf8()),
       arrow::field(wire::kDescription, arrow::utf8()),
       arrow::field(wire::kFormat, arrow::struct_({arrow::field(wire::kProvider, arrow::utf8()),
                                                   arrow::field(wire::kOptions, StringMap())})),
       arrow::field(wire::kSchemaString, arrow::utf8()),
       arrow::field(wire::kPartitionColumns, arrow::list(arrow::utf8())),
       arrow::field(wire::kConfiguration, StringMap()),
       arrow::field(wire::kCreatedTime, arrow::int64())});
}

std::shared_ptr<arrow::DataType> ProtocolType() {
  return arrow::struct_({arrow::field(wire::kMinReaderVersion, arrow::int32()),
                         arrow::field(wire::kMinWriterVersion, arrow::int32()),
                         arrow::field(wire::kReaderFeatures, arrow::list(arrow::utf8())),
                         arrow::field(wire::kWriterFeatures, arrow::list(arrow::utf8()))});
}

std::shared_ptr<arrow::DataType> DomainMetadataType() {
  return arrow::struct_({arrow::field(wire::kDomain, arrow::utf8()),
                         arrow::field(wire::kConfiguration, arrow::utf8()),
                         arrow::field(wire::kRemoved, arrow::boolean())});
}

std::shared_ptr<arrow::DataType> CheckpointMetadataType() {
  return arrow::struct_({arrow::field(wire::kVersion, arrow::int64()),
                         arrow::field(wire::kTags, StringMap())});
}

std::shared_ptr<arrow::DataType> SidecarType() {
  return arrow::struct_({arrow::field(wire::kPath, arrow::utf8()),
                         arrow::field(wire::kSizeInBytes, arrow::int64()),
                         arrow::field(wire::kModificationTime, arrow::int64()),
                         arrow::field(wire::kTags, StringMap())});
}

// Spark collects min/max for these types (PROTOCOL.md "Per-file Statistics").
bool HasMinMax(const arrow::DataType& t) {
  switch (t.id()) {
    case arrow::Type::INT8:
    case arrow::Type::INT16:
    case arrow::Type::INT32:
    case arrow::Type::INT64:
    case arrow::Type::FLOAT:
    case arrow::Type::DOUBLE:
    case arrow::Type::DECIMAL128:
    case arrow::Type::DATE32:
    case arrow::Type::TIMESTAMP:
    case arrow::Type::STRING:
      return true;
    default:
      return false;
  }
}

// The struct of per-column stats values keyed by physical name: the column's own type for
// min/max (orderable leaves only), long for null counts (every leaf). Structs recurse; empty
// structs are dropped (Parquet cannot store them).
std::shared_ptr<arrow::DataType> StatsValuesType(const arrow::FieldVector& fields,
                                                 ColumnMappingMode mode, bool null_counts,
                                                 const std::vector<std::string>& skip) {
  arrow::FieldVector out;
  for (const auto& f : fields) {
    if (std::find(skip.begin(), skip.end(), f->name()) != skip.end()) continue;
    const std::string name = PhysicalName(*f, mode);
    if (f->type()->id() == arrow::Type::STRUCT) {
      auto child = StatsValuesType(f->type()->fields(), mode, null_counts, {});
      if (child->num_fields() > 0) out.push_back(arrow::field(name, child));
    } else if (null_counts) {
      out.push_back(arrow::field(name, arrow::int64()));
    } else if (HasMinMax(*f->type())) {
      out.push_back(arrow::field(name, f->type()));
    }
  }
  return arrow::struct_(out);
}

// What the add column carries beyond the fixed fields, decided once per checkpoint.
struct AddLayout {
  bool stats_json = true;
  std::shared_ptr<arrow::DataType> stats_parsed;             ///< null: not written
  std::shared_ptr<arrow::DataType> partition_values_parsed;  ///< null: not written
  /// (physical key in partitionValues, logical name, type) per partition column.
  struct PartitionColumn {
    std::string physical, logical;
    std::shared_ptr<arrow::DataType> type;
  };
  std::vector<PartitionColumn> partition_columns;
};

AddLayout MakeAddLayout(const Snapshot& snap) {
  AddLayout layout;
  const Metadata& m = snap.metadata();
  layout.stats_json = protocol::BoolProperty(m, "delta.checkpoint.writeStatsAsJson", true);
  if (!protocol::BoolProperty(m, "delta.checkpoint.writeStatsAsStruct", true)) return layout;
  const auto& schema = *snap.schema();
  const ColumnMappingMode mode = snap.column_mapping_mode();
  arrow::FieldVector stats{arrow::field(wire::kNumRecords, arrow::int64())};
  auto minmax = StatsValuesType(schema.fields(), mode, false, m.partition_columns);
  if (minmax->num_fields() > 0) {
    stats.push_back(arrow::field(wire::kMinValues, minmax));
    stats.push_back(arrow::field(wire::kMaxValues, minmax));
  }
  auto nulls = StatsValuesType(schema.fields(), mode, true, m.partition_columns);
  if (nulls->num_fields() > 0) stats.push_back(arrow::field(wire::kNullCount, nulls));
  if (snap.protocol().HasWriterFeature(kDeletionVectorsFeature)) {
    stats.push_back(arrow::field(wire::kTightBounds, arrow::boolean()));
  }
  layout.stats_parsed = arrow::struct_(stats);
  arrow::FieldVector pv;
  for (const auto& pc : m.partition_columns) {
    const int i = FindFieldIndex(schema, pc);
    if (i < 0) continue;  // validated at load; be defensive
    const auto& f = schema.field(i);
    layout.partition_columns.push_back({PhysicalName(*f, mode), f->name(), f->type()});
    pv.push_back(arrow::field(PhysicalName(*f, mode), f->type()));
  }
  if (!pv.empty()) layout.partition_values_parsed = arrow::struct_(pv);
  return layout;
}

// The add struct as the JSON converter builds it (no *_parsed fields).
std::shared_ptr<arrow::DataType> AddJsonType(const AddLayout& layout) {
  arrow::FieldVector f{arrow::field(wire::kPath, arrow::utf8()),
                       arrow::field(wire::kPartitionValues, StringMap()),
                       arrow::field(wire::kSize, arrow::int64()),
                       arrow::field(wire::kModificationTime, arrow::int64()),
                       arrow::field(wire::kDataChange, arrow::boolean())};
  if (layout.stats_json) f.push_back(arrow::field(wire::kStats, arrow::utf8()));
  f.push_back(arrow::field(wire::kTags, StringMap()));
  f.push_back(arrow::field(wire::kDeletionVector, DvType()));
  f.push_back(arrow::field(wire::kBaseRowId, arrow::int64()));
  f.push_back(arrow::field(wire::kDefaultRowCommitVersion, arrow::int64()));
  f.push_back(arrow::field(wire::kClusteringProvider, arrow::utf8()));
  return arrow::struct_(f);
}

std::shared_ptr<arrow::DataType> AddType(const AddLayout& layout) {
  arrow::FieldVector f = AddJsonType(layout)->fields();
  if (layout.partition_values_parsed) {
    f.push_back(arrow::field(wire::kPartitionValuesParsed, layout.partition_values_parsed));
  }
  if (layout.stats_parsed) f.push_back(arrow::field(wire::kStatsParsed, layout.stats_parsed));
  return arrow::struct_(f);
}

// ------------------------------------------------------------------ rows

// Which action columns a file has.
enum class FileKind {
  kFull,     ///< classic or one part: every action
  kV2Top,    ///< V2 top-level: non-file actions, checkpointMetadata, sidecars (adds/removes null)
  kSidecar,  ///< V2 sidecar: add and remove only
};

enum class RowKind { kTxn, kAdd, kRemove, kMetaData, kProtocol, kDomain, kCheckpointMetadata, kSidecar };

const char* ColumnName(RowKind k) {
  switch (k) {
    case RowKind::kTxn: return wire::kTxn;
    case RowKind::kAdd: return wire::kAdd;
    case RowKind::kRemove: return wire::kRemove;
    case RowKind::kMetaData: return wire::kMetaData;
    case RowKind::kProtocol: return wire::kProtocol;
    case RowKind::kDomain: return wire::kDomainMetadata;
    case RowKind::kCheckpointMetadata: return wire::kCheckpointMetadata;
    case RowKind::kSidecar: return wire::kSidecar;
  }
  return "";
}

std::vector<RowKind> Columns(FileKind kind) {
  switch (kind) {
    case FileKind::kFull:
      return {RowKind::kTxn, RowKind::kAdd, RowKind::kRemove, RowKind::kMetaData, RowKind::kProtocol,
              RowKind::kDomain};
    case FileKind::kV2Top:
      return {RowKind::kCheckpointMetadata, RowKind::kTxn, RowKind::kAdd, RowKind::kRemove,
              RowKind::kMetaData, RowKind::kProtocol, RowKind::kDomain, RowKind::kSidecar};
    case FileKind::kSidecar:
      return {RowKind::kAdd, RowKind::kRemove};
  }
  return {};
}

struct Row {
  RowKind kind;
  const void* action;  // the action struct of `kind`
};

// The rows of one output file, in order: non-file actions, then adds, then removes.
struct FileRows {
  std::vector<Row> rows;
  int64_t num_adds = 0;
};

json MapJson(const std::map<std::string, std::string>& m) {
  json a = json::array();
  for (const auto& [k, v] : m) a.push_back(json::array({k, v}));
  return a;
}

json PartitionJson(const PartitionValues& m) {
  json a = json::array();
  for (const auto& [k, v] : m) a.push_back(json::array({k, v ? json(*v) : json(nullptr)}));
  return a;
}

json DvJson(const std::optional<DeletionVectorDescriptor>& dv) {
  if (!dv) return nullptr;
  return json{{wire::kStorageType, dv->storage_type},
              {wire::kPathOrInlineDv, dv->path_or_inline_dv},
              {wire::kOffset, dv->offset ? json(*dv->offset) : json(nullptr)},
              {wire::kSizeInBytes, dv->size_in_bytes},
              {wire::kCardinality, dv->cardinality}};
}

template <typename T>
json Opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

json RowJson(const Row& row, const AddLayout& layout) {
  switch (row.kind) {
    case RowKind::kProtocol: {
      const auto& p = *static_cast<const Protocol*>(row.action);
      return json{{wire::kMinReaderVersion, p.min_reader_version},
                  {wire::kMinWriterVersion, p.min_writer_version},
                  {wire::kReaderFeatures, Opt(p.reader_features)},
                  {wire::kWriterFeatures, Opt(p.writer_features)}};
    }
    case RowKind::kMetaData: {
      const auto& m = *static_cast<const Metadata*>(row.action);
      return json{{wire::kId, m.id},
                  {wire::kName, Opt(m.name)},
                  {wire::kDescription, Opt(m.description)},
                  {wire::kFormat, json{{wire::kProvider, m.format.provider},
                                       {wire::kOptions, MapJson(m.format.options)}}},
                  {wire::kSchemaString, m.schema_string},
                  {wire::kPartitionColumns, json(m.partition_columns)},
                  {wire::kConfiguration, MapJson(m.configuration)},
                  {wire::kCreatedTime, Opt(m.created_time)}};
    }
    case RowKind::kTxn: {
      const auto& t = *static_cast<const SetTransaction*>(row.action);
      return json{{wire::kAppId, t.app_id}, {wire::kVersion, t.version}, {wire::kLastUpdated, Opt(t.last_updated)}};
    }
    case RowKind::kDomain: {
      const auto& d = *static_cast<const DomainMetadata*>(row.action);
      return json{{wire::kDomain, d.domain}, {wire::kConfiguration, d.configuration}, {wire::kRemoved, d.removed}};
    }
    case RowKind::kCheckpointMetadata: {
      const auto& c = *static_cast<const CheckpointMetadata*>(row.action);
      return json{{wire::kVersion, c.version}, {wire::kTags, c.tags.empty() ? json(nullptr) : MapJson(c.tags)}};
    }
    case RowKind::kSidecar: {
      const auto& s = *static_cast<const Sidecar*>(row.action);
      return json{{wire::kPath, s.path},
                  {wire::kSizeInBytes, s.size_in_bytes},
                  {wire::kModificationTime, s.modification_time},
                  {wire::kTags, nullptr}};
    }
    case RowKind::kAdd: {
      const auto& f = *static_cast<const AddFile*>(row.action);
      json a{{wire::kPath, f.path},
             {wire::kPartitionValues, PartitionJson(f.partition_values)},
             {wire::kSize, f.size},
             {wire::kModificationTime, f.modification_time},
             {wire::kDataChange, false}};
      if (layout.stats_json) a[wire::kStats] = Opt(f.stats);
      a[wire::kTags] = f.tags.empty() ? json(nullptr) : MapJson(f.tags);
      a[wire::kDeletionVector] = DvJson(f.deletion_vector);
      a[wire::kBaseRowId] = Opt(f.base_row_id);
      a[wire::kDefaultRowCommitVersion] = Opt(f.default_row_commit_version);
      a[wire::kClusteringProvider] = Opt(f.clustering_provider);
      return a;
    }
    case RowKind::kRemove: {
      const auto& r = *static_cast<const RemoveFile*>(row.action);
      return json{{wire::kPath, r.path},
                  {wire::kDeletionTimestamp, Opt(r.deletion_timestamp)},
                  {wire::kDataChange, false},
                  {wire::kExtendedFileMetadata, Opt(r.extended_file_metadata)},
                  {wire::kPartitionValues, r.partition_values ? PartitionJson(*r.partition_values) : json(nullptr)},
                  {wire::kSize, Opt(r.size)},
                  {wire::kDeletionVector, DvJson(r.deletion_vector)},
                  {wire::kBaseRowId, Opt(r.base_row_id)},
                  {wire::kDefaultRowCommitVersion, Opt(r.default_row_commit_version)}};
    }
  }
  return nullptr;
}

std::shared_ptr<arrow::DataType> ColumnType(RowKind k, const AddLayout& layout) {
  switch (k) {
    case RowKind::kTxn: return TxnType();
    case RowKind::kAdd: return AddJsonType(layout);
    case RowKind::kRemove: return RemoveType();
    case RowKind::kMetaData: return MetadataType();
    case RowKind::kProtocol: return ProtocolType();
    case RowKind::kDomain: return DomainMetadataType();
    case RowKind::kCheckpointMetadata: return CheckpointMetadataType();
    case RowKind::kSidecar: return SidecarType();
  }
  return nullptr;
}

// ------------------------------------------------------------------ typed stats

using JsonValue = rapidjson::Value;

const JsonValue* Member(const JsonValue* obj, const std::string& key) {
  if (!obj || !obj->IsObject()) return nullptr;
  auto it = obj->FindMember(rapidjson::StringRef(key.data(), key.size()));
  return it == obj->MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
}

// Appends one stats leaf. Values that do not fit the column's type (old stats after a type
// change, NaN spelled as a string) become null: a missing stat never skips a file.
arrow::Status AppendLeaf(arrow::ArrayBuilder* b, const arrow::DataType& type, const JsonValue* v) {
  if (!v) return b->AppendNull();
  switch (type.id()) {
    case arrow::Type::INT64:
      if (v->IsInt64()) return static_cast<arrow::Int64Builder*>(b)->Append(v->GetInt64());
      break;
    case arrow::Type::INT32:
      if (v->IsInt()) return static_cast<arrow::Int32Builder*>(b)->Append(v->GetInt());
      break;
    case arrow::Type::DOUBLE:
      if (v->IsNumber()) return static_cast<arrow::DoubleBuilder*>(b)->Append(v->GetDouble());
      break;
    case arrow::Type::FLOAT:
      if (v->IsNumber()) return static_cast<arrow::FloatBuilder*>(b)->Append(static_cast<float>(v->GetDouble()));
      break;
    case arrow::Type::STRING:
      if (v->IsString()) return static_cast<arrow::StringBuilder*>(b)->Append(v->GetString(), v->GetStringLength());
      return b->AppendNull();
    case arrow::Type::BOOL:
      if (v->IsBool()) return static_cast<arrow::BooleanBuilder*>(b)->Append(v->GetBool());
      return b->AppendNull();
    default:
      break;
  }
  std::string text;
  if (v->IsString()) {
    text.assign(v->GetString(), v->GetStringLength());
  } else if (v->IsNumber()) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    v->Accept(w);
    text.assign(sb.GetString(), sb.GetSize());
  } else {
    return b->AppendNull();
  }
  auto type_ptr = b->type();
  auto s = scan::ParsePartitionValue(text, type_ptr, "");
  if (!s.ok()) {
    // Integral-valued doubles ("5.0") for integer columns.
    auto d = arrow::Scalar::Parse(arrow::float64(), text);
    if (!d.ok()) return b->AppendNull();
    s = (*d)->CastTo(type_ptr);
    if (!s.ok()) return b->AppendNull();
  }
  return b->AppendScalar(**s);
}

// Appends `v` (an object or absent) to a struct builder typed like the stats values struct.
arrow::Status AppendStatsStruct(arrow::StructBuilder* b, const arrow::DataType& type, const JsonValue* v) {
  if (!v || !v->IsObject()) return b->AppendNull();
  ARROW_RETURN_NOT_OK(b->Append());
  for (int i = 0; i < type.num_fields(); ++i) {
    const auto& f = type.field(i);
    const JsonValue* child = Member(v, f->name());
    if (f->type()->id() == arrow::Type::STRUCT) {
      ARROW_RETURN_NOT_OK(
          AppendStatsStruct(static_cast<arrow::StructBuilder*>(b->field_builder(i)), *f->type(), child));
    } else {
      ARROW_RETURN_NOT_OK(AppendLeaf(b->field_builder(i), *f->type(), child));
    }
  }
  return arrow::Status::OK();
}

arrow::Status AppendStatsParsed(arrow::StructBuilder* b, const arrow::DataType& type,
                                const std::optional<std::string>& stats) {
  if (!stats) return b->AppendNull();
  rapidjson::Document doc;
  doc.Parse(stats->data(), stats->size());
  if (doc.HasParseError() || !doc.IsObject()) return b->AppendNull();
  return AppendStatsStruct(b, type, &doc);
}

arrow::Status AppendPartitionParsed(arrow::StructBuilder* b, const AddLayout& layout, const AddFile& f) {
  ARROW_RETURN_NOT_OK(b->Append());
  for (size_t i = 0; i < layout.partition_columns.size(); ++i) {
    const auto& pc = layout.partition_columns[i];
    auto* child = b->field_builder(static_cast<int>(i));
    auto it = f.partition_values.find(pc.physical);
    if (it == f.partition_values.end()) {
      ARROW_RETURN_NOT_OK(child->AppendNull());
      continue;
    }
    auto s = scan::ParsePartitionValue(it->second, pc.type, pc.logical);
    ARROW_RETURN_NOT_OK(s.ok() ? child->AppendScalar(**s) : child->AppendNull());
  }
  return arrow::Status::OK();
}

// ------------------------------------------------------------------ writing one file

struct WrittenFile {
  std::string tmp_path, final_path;
  int64_t rows = 0;
  int64_t num_adds = 0;
};

// Builds one chunk [begin, end) of `rows` as a record batch of `schema`.
arrow::Result<std::shared_ptr<arrow::RecordBatch>> BuildChunk(const std::vector<Row>& rows, size_t begin,
                                                              size_t end, FileKind kind,
                                                              const AddLayout& layout,
                                                              const std::shared_ptr<arrow::Schema>& schema) {
  const auto columns = Columns(kind);
  std::vector<json> arrays(columns.size(), json::array());
  for (size_t r = begin; r < end; ++r) {
    json value = RowJson(rows[r], layout);
    bool placed = false;
    for (size_t c = 0; c < columns.size(); ++c) {
      if (columns[c] == rows[r].kind) {
        arrays[c].push_back(std::move(value));
        value = nullptr;
        placed = true;
      } else {
        arrays[c].push_back(nullptr);
      }
    }
    if (!placed) return DELTA_ERROR(kInternal, "checkpoint row of kind ", ColumnName(rows[r].kind), " has no column");
  }
  arrow::ArrayVector out;
  for (size_t c = 0; c < columns.size(); ++c) {
    ARROW_ASSIGN_OR_RAISE(auto arr, arrow::json::ArrayFromJSONString(ColumnType(columns[c], layout), arrays[c].dump()));
    arrays[c] = json();  // free early: the add column's text is most of a chunk
    if (columns[c] == RowKind::kAdd && (layout.stats_parsed || layout.partition_values_parsed)) {
      auto base = std::static_pointer_cast<arrow::StructArray>(arr);
      arrow::ArrayVector children = base->fields();
      arrow::FieldVector fields = base->struct_type()->fields();
      auto build = [&](const std::shared_ptr<arrow::DataType>& type, const char* name,
                       const std::function<arrow::Status(arrow::StructBuilder*, const AddFile&)>& append)
          -> arrow::Status {
        std::unique_ptr<arrow::ArrayBuilder> builder;
        ARROW_RETURN_NOT_OK(arrow::MakeBuilder(arrow::default_memory_pool(), type, &builder));
        auto* sb = static_cast<arrow::StructBuilder*>(builder.get());
        for (size_t r = begin; r < end; ++r) {
          if (rows[r].kind == RowKind::kAdd) {
            ARROW_RETURN_NOT_OK(append(sb, *static_cast<const AddFile*>(rows[r].action)));
          } else {
            ARROW_RETURN_NOT_OK(sb->AppendNull());
          }
        }
        ARROW_ASSIGN_OR_RAISE(auto parsed, builder->Finish());
        children.push_back(parsed);
        fields.push_back(arrow::field(name, type));
        return arrow::Status::OK();
      };
      if (layout.partition_values_parsed) {
        ARROW_RETURN_NOT_OK(build(layout.partition_values_parsed, wire::kPartitionValuesParsed,
                                  [&](arrow::StructBuilder* b, const AddFile& f) {
                                    return AppendPartitionParsed(b, layout, f);
                                  }));
      }
      if (layout.stats_parsed) {
        ARROW_RETURN_NOT_OK(build(layout.stats_parsed, wire::kStatsParsed,
                                  [&](arrow::StructBuilder* b, const AddFile& f) {
                                    return AppendStatsParsed(b, *layout.stats_parsed, f.stats);
                                  }));
      }
      ARROW_ASSIGN_OR_RAISE(arr, arrow::StructArray::Make(children, fields, base->null_bitmap(), base->null_count()));
    }
    out.push_back(std::move(arr));
  }
  return arrow::RecordBatch::Make(schema, static_cast<int64_t>(end - begin), std::move(out));
}

std::shared_ptr<arrow::Schema> FileSchema(FileKind kind, const AddLayout& layout) {
  arrow::FieldVector fields;
  for (RowKind k : Columns(kind)) {
    fields.push_back(arrow::field(ColumnName(k), k == RowKind::kAdd ? AddType(layout) : ColumnType(k, layout)));
  }
  return arrow::schema(fields);
}

// Writes `rows` as Parquet to `tmp_path` (the caller renames it into place).
arrow::Status WriteParquetFile(arrow::fs::FileSystem& fs, const std::string& tmp_path,
                               const std::vector<Row>& rows, FileKind kind, const AddLayout& layout) {
  auto schema = FileSchema(kind, layout);
  try {
    ARROW_ASSIGN_OR_RAISE(auto out, fs.OpenOutputStream(tmp_path));
    auto props = parquet::WriterProperties::Builder()
                     .compression(arrow::Compression::SNAPPY)
                     ->max_row_group_length(kRowsPerRowGroup)
                     ->build();
    ARROW_ASSIGN_OR_RAISE(auto writer, parquet::arrow::FileWriter::Open(*schema, arrow::default_memory_pool(), out, props));
    if (rows.empty()) {
      ARROW_ASSIGN_OR_RAISE(auto batch, BuildChunk(rows, 0, 0, kind, layout, schema));
      ARROW_ASSIGN_OR_RAISE(auto table, arrow::Table::FromRecordBatches(schema, {batch}));
      ARROW_RETURN_NOT_OK(writer->WriteTable(*table, 1));
    }
    for (size_t begin = 0; begin < rows.size(); begin += kRowsPerChunk) {
      const size_t end = std::min(rows.size(), begin + static_cast<size_t>(kRowsPerChunk));
      ARROW_ASSIGN_OR_RAISE(auto batch, BuildChunk(rows, begin, end, kind, layout, schema));
      ARROW_RETURN_NOT_OK(writer->WriteRecordBatch(*batch));  // buffered row groups of kRowsPerRowGroup
    }
    ARROW_RETURN_NOT_OK(writer->Close());
    ARROW_RETURN_NOT_OK(out->Close());
  } catch (const parquet::ParquetException& e) {
    return DELTA_ERROR(kIoError, "cannot write checkpoint file ", tmp_path, ": ", e.what());
  }
  return arrow::Status::OK();
}

arrow::Status WriteTextFile(arrow::fs::FileSystem& fs, const std::string& path, const std::string& text) {
  ARROW_ASSIGN_OR_RAISE(auto out, fs.OpenOutputStream(path));
  ARROW_RETURN_NOT_OK(out->Write(text.data(), static_cast<int64_t>(text.size())));
  return out->Close();
}

// Runs fn(i) for i in [0, n) on up to hardware_concurrency threads; the first error wins.
arrow::Status ParallelFor(size_t n, const std::function<arrow::Status(size_t)>& fn) {
  const size_t threads = std::min<size_t>(n, std::max(1u, std::thread::hardware_concurrency()));
  if (threads <= 1) {
    for (size_t i = 0; i < n; ++i) ARROW_RETURN_NOT_OK(fn(i));
    return arrow::Status::OK();
  }
  std::atomic<size_t> next{0};
  std::vector<arrow::Status> errors(n);
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) errors[i] = fn(i);
    });
  }
  for (auto& th : pool) th.join();
  for (auto& e : errors) ARROW_RETURN_NOT_OK(e);
  return arrow::Status::OK();
}

// The part (or sidecar) a file action goes to: Spark's hash partitioning of the logical file
// key, pmod(murmur3(path[, dvId]), n) (PROTOCOL.md "Multi-part checkpoint").
int32_t PartOf(const std::string& path, const std::optional<DeletionVectorDescriptor>& dv, bool dv_key, int32_t n) {
  int32_t h = util::SparkMurmur3(path, util::kSparkHashSeed);
  if (dv_key && dv) h = util::SparkMurmur3(dv->UniqueId(), h);
  return util::SparkPmod(h, n);
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

arrow::Result<CheckpointMetrics> CreateCheckpoint(const std::string& uri, std::optional<int64_t> version) {
  CheckpointOptions options;
  options.version = version;
  return CreateCheckpoint(uri, options);
}

arrow::Result<CheckpointMetrics> CreateCheckpoint(const std::string& uri, const CheckpointOptions& options) {
  if (options.part_size < 1) {
    return DELTA_ERROR(kInvalidArgument, "checkpoint part size must be at least 1, got ", options.part_size);
  }
  ARROW_RETURN_NOT_OK(util::EnsureComputeInitialized());
  ARROW_ASSIGN_OR_RAISE(auto loc, storage::ResolveTableLocation(uri));
  ARROW_ASSIGN_OR_RAISE(auto listing, storage::ListLog(loc, /*with_times=*/false));
  // The checkpoint carries every file's stats: read with the previous checkpoint's file list.
  ARROW_ASSIGN_OR_RAISE(auto snap, table::LoadSnapshotFromListing(loc, std::move(listing), options.version,
                                                                  /*keep_tombstones=*/true, /*with_stats=*/true));
  const Protocol& p = snap->protocol();
  const Metadata& m = snap->metadata();
  const bool v2_supported = p.HasReaderFeature(kV2CheckpointFeature) || p.HasWriterFeature(kV2CheckpointFeature);
  auto policy = m.configuration.find("delta.checkpointPolicy");
  const bool v2 = v2_supported && policy != m.configuration.end() && util::ToLower(policy->second) == "v2";
  if ((options.v2_json || options.v2_classic_name) && !v2) {
    return DELTA_ERROR(kInvalidArgument, "table ", uri,
                       " does not use V2 checkpoints (delta.checkpointPolicy=v2): V2 checkpoint options do not apply");
  }
  if (options.v2_json && options.v2_classic_name) {
    return DELTA_ERROR(kInvalidArgument, "a classic-named V2 checkpoint is always Parquet");
  }
  const AddLayout layout = MakeAddLayout(*snap);
  const bool dv_key = p.HasWriterFeature(kDeletionVectorsFeature);
  const int64_t now = NowMs();

  // The state's actions.
  std::vector<Row> non_file;
  non_file.push_back({RowKind::kProtocol, &p});
  non_file.push_back({RowKind::kMetaData, &m});
  for (const auto& [_, t] : snap->app_transactions()) non_file.push_back({RowKind::kTxn, &t});
  for (const auto& [_, d] : snap->domain_metadata()) non_file.push_back({RowKind::kDomain, &d});
  const int64_t horizon = now - protocol::DurationPropertyMs(m, "delta.deletedFileRetentionDuration", protocol::kWeekMs);
  std::vector<const RemoveFile*> tombstones;
  for (const auto& r : snap->tombstones()) {
    if (r.deletion_timestamp.value_or(0) >= horizon) tombstones.push_back(&r);  // else expired
  }
  const int64_t file_actions = static_cast<int64_t>(snap->files().size() + tombstones.size());
  const int64_t groups = (file_actions + options.part_size - 1) / options.part_size;

  // Distributes the file actions over `n` files by the hash of their key.
  auto distribute = [&](int32_t n, std::vector<std::vector<Row>>* files, std::vector<int64_t>* adds) {
    files->assign(n, {});
    adds->assign(n, 0);
    for (const auto& f : snap->files()) {
      const int32_t i = n == 1 ? 0 : PartOf(f.path, f.deletion_vector, dv_key, n);
      (*files)[i].push_back({RowKind::kAdd, &f});
      ++(*adds)[i];
    }
    for (const RemoveFile* r : tombstones) {
      const int32_t i = n == 1 ? 0 : PartOf(r->path, r->deletion_vector, dv_key, n);
      (*files)[i].push_back({RowKind::kRemove, r});
    }
  };

  CheckpointMetrics metrics;
  metrics.version = snap->version();
  metrics.num_add_files = static_cast<int64_t>(snap->files().size());
  const std::string log_dir = loc.LogDir();
  const std::string sidecar_dir = log_dir + "/" + log::kSidecarDirName;
  std::vector<WrittenFile> written;  // temp files to rename, in rename order
  auto cleanup_tmp = [&] {
    for (const auto& w : written) (void)loc.fs->DeleteFile(w.tmp_path);
  };
  json last{{"version", metrics.version}};

  if (v2) {
    // Sidecars first: they must exist before the checkpoint that names them.
    metrics.kind = CheckpointKind::kV2;
    std::vector<std::vector<Row>> side_rows;
    std::vector<int64_t> side_adds;
    const int32_t num_sidecars = static_cast<int32_t>(groups);
    distribute(std::max(num_sidecars, 1), &side_rows, &side_adds);
    if (num_sidecars == 0) side_rows.clear();
    if (!side_rows.empty()) ARROW_RETURN_NOT_OK(loc.fs->CreateDir(sidecar_dir, /*recursive=*/true));
    std::vector<WrittenFile> sides(side_rows.size());
    for (size_t i = 0; i < sides.size(); ++i) {
      const std::string uuid = util::NewUuid();
      sides[i] = {sidecar_dir + "/" + log::TempCheckpointFileName(uuid), sidecar_dir + "/" + log::SidecarFileName(uuid),
                  static_cast<int64_t>(side_rows[i].size()), side_adds[i]};
    }
    written = sides;
    auto st = ParallelFor(sides.size(), [&](size_t i) {
      return WriteParquetFile(*loc.fs, sides[i].tmp_path, side_rows[i], FileKind::kSidecar, layout);
    });
    if (!st.ok()) {
      cleanup_tmp();
      return st;
    }
    std::vector<Sidecar> sidecars;
    for (const auto& s : sides) {
      ARROW_RETURN_NOT_OK(loc.fs->Move(s.tmp_path, s.final_path));
      ARROW_ASSIGN_OR_RAISE(auto info, loc.fs->GetFileInfo(s.final_path));
      sidecars.push_back({s.final_path.substr(sidecar_dir.size() + 1), info.size(),
                          std::chrono::duration_cast<std::chrono::milliseconds>(info.mtime().time_since_epoch()).count()});
      metrics.size_in_bytes += info.size();
      metrics.num_actions += s.rows;
    }
    written.clear();
    metrics.num_sidecars = static_cast<int64_t>(sidecars.size());

    CheckpointMetadata cm;
    cm.version = snap->version();
    const std::string uuid = util::NewUuid();
    const std::string name = options.v2_classic_name ? log::ClassicCheckpointFileName(snap->version())
                                                     : log::V2CheckpointFileName(snap->version(), uuid, options.v2_json);
    const std::string tmp = log_dir + "/" + log::TempCheckpointFileName(uuid);
    written.push_back({tmp, log_dir + "/" + name, 0, 0});
    arrow::Status top;
    int64_t top_rows = 0;
    if (options.v2_json) {
      ActionBatch batch;
      batch.protocol = p;
      batch.metadata = m;
      for (const auto& [_, t] : snap->app_transactions()) batch.txns.push_back(t);
      for (const auto& [_, d] : snap->domain_metadata()) batch.domain_metadata.push_back(d);
      std::string text = json{{wire::kCheckpointMetadata, RowJson({RowKind::kCheckpointMetadata, &cm}, layout)}}.dump() + "\n";
      text += log::SerializeActions(batch);
      for (const auto& s : sidecars) {
        text += json{{wire::kSidecar, RowJson({RowKind::kSidecar, &s}, layout)}}.dump() + "\n";
      }
      top_rows = static_cast<int64_t>(1 + non_file.size() + sidecars.size());
      top = WriteTextFile(*loc.fs, tmp, text);
    } else {
      std::vector<Row> rows{{RowKind::kCheckpointMetadata, &cm}};
      rows.insert(rows.end(), non_file.begin(), non_file.end());
      for (const auto& s : sidecars) rows.push_back({RowKind::kSidecar, &s});
      top_rows = static_cast<int64_t>(rows.size());
      top = WriteParquetFile(*loc.fs, tmp, rows, FileKind::kV2Top, layout);
    }
    if (!top.ok()) {
      cleanup_tmp();
      return top;
    }
    metrics.num_actions += top_rows;
    metrics.path = name;
  } else {
    // Classic, or multi-part when the table is large and allows it.
    const int32_t parts = v2_supported ? 1 : static_cast<int32_t>(std::max<int64_t>(groups, 1));
    std::vector<std::vector<Row>> part_rows;
    std::vector<int64_t> part_adds;
    distribute(parts, &part_rows, &part_adds);
    // Non-file actions have a null key: Spark's hash of null is the seed.
    auto& home = part_rows[parts == 1 ? 0 : util::SparkPmod(util::kSparkHashSeed, parts)];
    home.insert(home.begin(), non_file.begin(), non_file.end());
    metrics.kind = parts > 1 ? CheckpointKind::kMultiPart : CheckpointKind::kClassic;
    metrics.num_parts = parts;
    for (int32_t i = 0; i < parts; ++i) {
      const std::string name = parts == 1 ? log::ClassicCheckpointFileName(snap->version())
                                          : log::MultiPartCheckpointFileName(snap->version(), i + 1, parts);
      written.push_back({log_dir + "/" + log::TempCheckpointFileName(util::NewUuid()), log_dir + "/" + name,
                         static_cast<int64_t>(part_rows[i].size()), part_adds[i]});
      metrics.num_actions += static_cast<int64_t>(part_rows[i].size());
    }
    metrics.path = written.front().final_path.substr(log_dir.size() + 1);
    auto st = ParallelFor(written.size(), [&](size_t i) {
      return WriteParquetFile(*loc.fs, written[i].tmp_path, part_rows[i], FileKind::kFull, layout);
    });
    if (!st.ok()) {
      cleanup_tmp();
      return st;
    }
    if (parts > 1) last["parts"] = parts;
  }
  // Every file is complete under its temporary name: rename them into place. A multi-part set
  // is complete (and used by readers) only once its last part is renamed.
  int64_t top_size = 0, top_mtime = 0;
  for (size_t i = 0; i < written.size(); ++i) {
    auto st = loc.fs->Move(written[i].tmp_path, written[i].final_path);
    if (!st.ok()) {
      for (size_t j = i; j < written.size(); ++j) (void)loc.fs->DeleteFile(written[j].tmp_path);
      return st;
    }
    ARROW_ASSIGN_OR_RAISE(auto info, loc.fs->GetFileInfo(written[i].final_path));
    metrics.size_in_bytes += info.size();
    if (i == 0) {
      top_size = info.size();
      top_mtime = std::chrono::duration_cast<std::chrono::milliseconds>(info.mtime().time_since_epoch()).count();
    }
  }
  last["size"] = metrics.num_actions;
  last["sizeInBytes"] = metrics.size_in_bytes;
  last["numOfAddFiles"] = metrics.num_add_files;
  if (v2) {
    last[wire::kV2Checkpoint] = json{{"path", metrics.path}, {"sizeInBytes", top_size}, {"modificationTime", top_mtime}};
  }
  const std::string hint = log_dir + "/" + log::kLastCheckpointName;
  if (auto store = MakeLogStore(loc.fs); store.ok()) {
    ARROW_RETURN_NOT_OK((*store)->Overwrite(hint, last.dump()));
  } else {  // object stores: a single PUT is atomic
    ARROW_RETURN_NOT_OK(WriteTextFile(*loc.fs, hint, last.dump()));
  }
  // Expired log files go once a checkpoint makes them unnecessary (Spark does this here too).
  if (protocol::BoolProperty(m, "delta.enableExpiredLogCleanup", true)) {
    auto timed = storage::ListLog(loc, /*with_times=*/true);
    if (timed.ok()) {
      const int64_t retention = protocol::DurationPropertyMs(m, "delta.logRetentionDuration", 30 * protocol::kDayMs);
      for (const auto& f : log::ExpiredLogFiles(*timed, now, retention)) (void)loc.fs->DeleteFile(f.path);
    }
  }
  return metrics;
}

}  // namespace delta
