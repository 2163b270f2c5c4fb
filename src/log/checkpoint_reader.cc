// Columnar → action conversion walks Arrow arrays directly: checkpoints of large tables hold
// hundreds of thousands of adds, so no per-value Scalar boxing on the common fields.
#include "log/checkpoint_reader.h"

#include <thread>

#include <arrow/array.h>
#include <arrow/scalar.h>
#include <arrow/io/interfaces.h>
#include <arrow/table.h>
#include <arrow/util/key_value_metadata.h>
#include <nlohmann/json.hpp>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/schema.h>
#include <parquet/exception.h>

#include "delta/error.h"
#include "log/wire_names.h"
#include "util/json_values.h"
#include "util/parquet_util.h"

namespace delta::log {
namespace {

// Accessor over one struct column of a checkpoint chunk. Children are resolved once (by a
// linear scan over a handful of names), not per value: checkpoints have 100k+ rows.
// One child column, its type resolved once: per-row reads in hot loops (100k add rows) skip
// the lookup by name.
class ColumnView {
 public:
  ColumnView() = default;
  explicit ColumnView(const std::shared_ptr<arrow::Array>& c)
      : c_(c.get()), type_(c ? c->type_id() : arrow::Type::NA) {}

  std::optional<std::string> String(int64_t i) const {
    if (!c_ || c_->IsNull(i)) return std::nullopt;
    switch (type_) {
      case arrow::Type::STRING: case arrow::Type::BINARY:
        return static_cast<const arrow::BinaryArray&>(*c_).GetString(i);
      case arrow::Type::LARGE_STRING: case arrow::Type::LARGE_BINARY:
        return static_cast<const arrow::LargeBinaryArray&>(*c_).GetString(i);
      default: return std::nullopt;
    }
  }
  std::optional<int64_t> Int(int64_t i) const {
    if (!c_ || c_->IsNull(i)) return std::nullopt;
    switch (type_) {
      case arrow::Type::INT64: return static_cast<const arrow::Int64Array&>(*c_).Value(i);
      case arrow::Type::INT32: return static_cast<const arrow::Int32Array&>(*c_).Value(i);
      case arrow::Type::INT16: return static_cast<const arrow::Int16Array&>(*c_).Value(i);
      case arrow::Type::INT8: return static_cast<const arrow::Int8Array&>(*c_).Value(i);
      default: return std::nullopt;
    }
  }
  std::optional<bool> Bool(int64_t i) const {
    if (!c_ || type_ != arrow::Type::BOOL || c_->IsNull(i)) return std::nullopt;
    return static_cast<const arrow::BooleanArray&>(*c_).Value(i);
  }

 private:
  const arrow::Array* c_ = nullptr;
  arrow::Type::type type_ = arrow::Type::NA;
};

class StructView {
 public:
  StructView() = default;
  explicit StructView(std::shared_ptr<arrow::Array> array) {
    if (array && array->type_id() == arrow::Type::STRUCT) {
      array_ = std::static_pointer_cast<arrow::StructArray>(std::move(array));
      for (int k = 0; k < array_->num_fields(); ++k) {
        // An all-null child reads as absent: per-row lookups then fail fast (most checkpoint
        // columns such as tags, deletionVector or baseRowId are entirely null).
        const auto& child = array_->field(k);
        if (child->null_count() == child->length()) continue;
        children_.emplace_back(array_->type()->field(k)->name(), child);
      }
    }
  }
  bool valid() const { return array_ != nullptr; }
  bool IsValid(int64_t i) const { return array_ && array_->IsValid(i); }

  const std::shared_ptr<arrow::Array>& Child(std::string_view name) const {
    static const std::shared_ptr<arrow::Array> kNone;
    for (const auto& [n, c] : children_) {
      if (n == name) return c;
    }
    return kNone;
  }
  StructView Sub(std::string_view name) const { return StructView(Child(name)); }

  std::optional<std::string> String(std::string_view name, int64_t i) const {
    return ColumnView(Child(name)).String(i);
  }
  std::optional<int64_t> Int(std::string_view name, int64_t i) const {
    return ColumnView(Child(name)).Int(i);
  }
  std::optional<bool> Bool(std::string_view name, int64_t i) const {
    return ColumnView(Child(name)).Bool(i);
  }
  std::optional<std::vector<std::string>> StringList(std::string_view name, int64_t i) const {
    const auto& c = Child(name);
    if (!c || c->IsNull(i) || c->type_id() != arrow::Type::LIST) return std::nullopt;
    const auto& list = static_cast<const arrow::ListArray&>(*c);
    auto values = list.values();
    std::vector<std::string> out;
    for (int64_t j = list.value_offset(i); j < list.value_offset(i + 1); ++j) {
      if (values->IsValid(j)) out.push_back(static_cast<const arrow::StringArray&>(*values).GetString(j));
    }
    return out;
  }
  // map<string,string>; null values as nullopt.
  template <typename Fn>
  void ForEachMapEntry(std::string_view name, int64_t i, Fn&& fn) const {
    const auto& c = Child(name);
    if (!c || c->IsNull(i) || c->type_id() != arrow::Type::MAP) return;
    const auto& map = static_cast<const arrow::MapArray&>(*c);
    const int64_t begin = map.value_offset(i), end = map.value_offset(i + 1);
    if (begin == end) return;
    const auto& keys = static_cast<const arrow::StringArray&>(*map.keys());
    const auto& items = static_cast<const arrow::StringArray&>(*map.items());
    for (int64_t j = begin; j < end; ++j) {
      fn(keys.GetString(j), items.IsValid(j) ? std::optional<std::string>(items.GetString(j))
                                             : std::nullopt);
    }
  }

 private:
  std::shared_ptr<arrow::StructArray> array_;
  std::vector<std::pair<std::string, std::shared_ptr<arrow::Array>>> children_;
};

std::map<std::string, std::string> StringMap(const StructView& v, std::string_view name, int64_t i) {
  std::map<std::string, std::string> out;
  v.ForEachMapEntry(name, i, [&](std::string k, std::optional<std::string> val) {
    if (val) out.emplace(std::move(k), std::move(*val));
  });
  return out;
}

PartitionValues PartitionMap(const StructView& v, int64_t i) {
  PartitionValues out;
  v.ForEachMapEntry(wire::kPartitionValues, i,
                    [&](std::string k, std::optional<std::string> val) {
                      out.emplace(std::move(k), std::move(val));
                    });
  return out;
}

std::optional<DeletionVectorDescriptor> Dv(const StructView& dv, int64_t i) {
  if (!dv.valid() || !dv.IsValid(i)) return std::nullopt;
  DeletionVectorDescriptor d;
  d.storage_type = dv.String(wire::kStorageType, i).value_or("");
  d.path_or_inline_dv = dv.String(wire::kPathOrInlineDv, i).value_or("");
  if (auto o = dv.Int(wire::kOffset, i)) d.offset = static_cast<int32_t>(*o);
  d.size_in_bytes = static_cast<int32_t>(dv.Int(wire::kSizeInBytes, i).value_or(0));
  d.cardinality = dv.Int(wire::kCardinality, i).value_or(0);
  return d;
}

// Renders a stats_parsed struct value as Delta's JSON stats form.
std::optional<std::string> StatsParsedToJson(const std::shared_ptr<arrow::Array>& stats_parsed,
                                             int64_t i) {
  if (!stats_parsed || stats_parsed->IsNull(i)) return std::nullopt;
  auto scalar = stats_parsed->GetScalar(i);
  if (!scalar.ok()) return std::nullopt;
  return util::ScalarToJson(**scalar).dump();
}

// Converts one chunk. Adds go into `add_slots` (pre-sized, filled in place) when given, else
// are appended to out->adds.
void ConvertChunk(const arrow::RecordBatch& batch, const CheckpointReadOptions& options,
                  ActionBatch* out, AddFile* add_slots = nullptr) {
  const int64_t n = batch.num_rows();
  if (auto add_col = batch.GetColumnByName(wire::kAdd)) {
    StructView add(add_col);
    StructView add_dv = add.Sub(wire::kDeletionVector);
    const auto& stats_parsed = add.Child(wire::kStatsParsed);
    const ColumnView path(add.Child(wire::kPath)), size(add.Child(wire::kSize)),
        mtime(add.Child(wire::kModificationTime)), data_change(add.Child(wire::kDataChange)),
        stats(add.Child(wire::kStats)), base_row_id(add.Child(wire::kBaseRowId)),
        row_commit_version(add.Child(wire::kDefaultRowCommitVersion)),
        clustering(add.Child(wire::kClusteringProvider));
    if (!add_slots) {
      out->adds.reserve(out->adds.size() + static_cast<size_t>(add_col->length() - add_col->null_count()));
    }
    for (int64_t i = 0; i < n; ++i) {
      if (!add.IsValid(i)) continue;
      AddFile& a = add_slots ? *add_slots++ : out->adds.emplace_back();
      a.path = path.String(i).value_or("");
      a.partition_values = PartitionMap(add, i);
      a.size = size.Int(i).value_or(0);
      a.modification_time = mtime.Int(i).value_or(0);
      a.data_change = data_change.Bool(i).value_or(false);
      a.stats = stats.String(i);
      if (!a.stats) a.stats = StatsParsedToJson(stats_parsed, i);
      a.tags = StringMap(add, wire::kTags, i);
      a.deletion_vector = Dv(add_dv, i);
      a.base_row_id = base_row_id.Int(i);
      a.default_row_commit_version = row_commit_version.Int(i);
      a.clustering_provider = clustering.String(i);
    }
  }
  if (auto col = batch.GetColumnByName(wire::kRemove); col && options.include_removes) {
    StructView rm(col);
    StructView rm_dv = rm.Sub(wire::kDeletionVector);
    for (int64_t i = 0; i < n; ++i) {
      if (!rm.IsValid(i)) continue;
      RemoveFile r;
      r.path = rm.String(wire::kPath, i).value_or("");
      r.deletion_timestamp = rm.Int(wire::kDeletionTimestamp, i);
      r.data_change = rm.Bool(wire::kDataChange, i).value_or(false);
      r.extended_file_metadata = rm.Bool(wire::kExtendedFileMetadata, i);
      if (rm.Child(wire::kPartitionValues)) r.partition_values = PartitionMap(rm, i);
      r.size = rm.Int(wire::kSize, i);
      r.deletion_vector = Dv(rm_dv, i);
      out->removes.push_back(std::move(r));
    }
  }
  if (auto col = batch.GetColumnByName(wire::kMetaData)) {
    StructView md(col);
    for (int64_t i = 0; i < n; ++i) {
      if (!md.IsValid(i)) continue;
      Metadata m;
      m.id = md.String(wire::kId, i).value_or("");
      m.name = md.String(wire::kName, i);
      m.description = md.String(wire::kDescription, i);
      StructView fmt = md.Sub(wire::kFormat);
      if (fmt.valid() && fmt.IsValid(i)) {
        m.format.provider = fmt.String(wire::kProvider, i).value_or("parquet");
        m.format.options = StringMap(fmt, wire::kOptions, i);
      }
      m.schema_string = md.String(wire::kSchemaString, i).value_or("");
      m.partition_columns = md.StringList(wire::kPartitionColumns, i).value_or(std::vector<std::string>{});
      m.configuration = StringMap(md, wire::kConfiguration, i);
      m.created_time = md.Int(wire::kCreatedTime, i);
      out->metadata = std::move(m);
    }
  }
  if (auto col = batch.GetColumnByName(wire::kProtocol)) {
    StructView p(col);
    for (int64_t i = 0; i < n; ++i) {
      if (!p.IsValid(i)) continue;
      Protocol proto;
      proto.min_reader_version = static_cast<int32_t>(p.Int(wire::kMinReaderVersion, i).value_or(1));
      proto.min_writer_version = static_cast<int32_t>(p.Int(wire::kMinWriterVersion, i).value_or(2));
      proto.reader_features = p.StringList(wire::kReaderFeatures, i);
      proto.writer_features = p.StringList(wire::kWriterFeatures, i);
      out->protocol = std::move(proto);
    }
  }
  if (auto col = batch.GetColumnByName(wire::kTxn)) {
    StructView t(col);
    for (int64_t i = 0; i < n; ++i) {
      if (!t.IsValid(i)) continue;
      out->txns.push_back({t.String(wire::kAppId, i).value_or(""), t.Int(wire::kVersion, i).value_or(0),
                           t.Int(wire::kLastUpdated, i)});
    }
  }
  if (auto col = batch.GetColumnByName(wire::kDomainMetadata)) {
    StructView d(col);
    for (int64_t i = 0; i < n; ++i) {
      if (!d.IsValid(i)) continue;
      out->domain_metadata.push_back({d.String(wire::kDomain, i).value_or(""),
                                      d.String(wire::kConfiguration, i).value_or(""),
                                      d.Bool(wire::kRemoved, i).value_or(false)});
    }
  }
  if (auto col = batch.GetColumnByName(wire::kCheckpointMetadata)) {
    StructView c(col);
    for (int64_t i = 0; i < n; ++i) {
      if (!c.IsValid(i)) continue;
      CheckpointMetadata cm;
      cm.version = c.Int(wire::kVersion, i).value_or(0);
      cm.tags = StringMap(c, wire::kTags, i);
      out->checkpoint_metadata = std::move(cm);
    }
  }
  if (auto col = batch.GetColumnByName(wire::kSidecar)) {
    StructView s(col);
    for (int64_t i = 0; i < n; ++i) {
      if (!s.IsValid(i)) continue;
      out->sidecars.push_back({s.String(wire::kPath, i).value_or(""),
                               s.Int(wire::kSizeInBytes, i).value_or(0),
                               s.Int(wire::kModificationTime, i).value_or(0)});
    }
  }
}

}  // namespace

arrow::Result<ActionBatch> ReadParquetCheckpoint(arrow::fs::FileSystem& fs, const std::string& path,
                                                 const CheckpointReadOptions& options) {
  auto file = fs.OpenInputFile(path);
  if (!file.ok()) {
    return DELTA_ERROR(kIoError, "cannot open checkpoint ", path, ": ", file.status().message());
  }
  ActionBatch out;
  try {
    parquet::ArrowReaderProperties props;
    props.set_use_threads(true);
    props.set_pre_buffer(true);
    auto reader = util::OpenParquetFile(*file, props);
    std::shared_ptr<arrow::Schema> schema;
    PARQUET_THROW_NOT_OK(reader->GetSchema(&schema));
    // Project the top-level action columns we use.
    std::vector<int> fields;
    for (int i = 0; i < schema->num_fields(); ++i) {
      const auto& name = schema->field(i)->name();
      if (name == wire::kRemove && !options.include_removes) continue;
      if (options.only_protocol_and_metadata && name != wire::kMetaData && name != wire::kProtocol) {
        continue;
      }
      if (name == wire::kAdd || name == wire::kRemove || name == wire::kMetaData ||
          name == wire::kProtocol || name == wire::kTxn || name == wire::kDomainMetadata ||
          name == wire::kCheckpointMetadata || name == wire::kSidecar) {
        fields.push_back(i);
      }
    }
    // Column indices in the Parquet schema for these top-level fields.
    std::vector<int> columns;
    const auto& manifest = reader->manifest();
    for (int fi : fields) {
      const bool is_add = schema->field(fi)->name() == wire::kAdd;
      util::CollectLeafColumns(manifest.schema_fields[fi], &columns,
                               [&](const parquet::arrow::SchemaField& f, int depth) {
                                 return options.skip_stats && is_add && depth == 1 &&
                                        (f.field->name() == wire::kStats ||
                                         f.field->name() == wire::kStatsParsed);
                               });
    }
    std::vector<int> row_groups(reader->num_row_groups());
    for (int i = 0; i < reader->num_row_groups(); ++i) row_groups[i] = i;
    std::unique_ptr<arrow::RecordBatchReader> batches;
    PARQUET_ASSIGN_OR_THROW(batches, reader->GetRecordBatchReader(row_groups, columns));
    std::vector<std::shared_ptr<arrow::RecordBatch>> chunks;
    while (true) {
      std::shared_ptr<arrow::RecordBatch> batch;
      PARQUET_THROW_NOT_OK(batches->ReadNext(&batch));
      if (!batch) break;
      chunks.push_back(std::move(batch));
    }
    // Chunks convert independently, over the cores. Their adds are built in place in one
    // pre-sized vector (each chunk owns a slice), so no AddFile is moved afterwards.
    std::vector<size_t> offsets(chunks.size() + 1, 0);
    for (size_t c = 0; c < chunks.size(); ++c) {
      auto add_col = chunks[c]->GetColumnByName(wire::kAdd);
      offsets[c + 1] = offsets[c] + (add_col ? static_cast<size_t>(add_col->length() - add_col->null_count()) : 0);
    }
    out.adds.resize(offsets.back());
    std::vector<ActionBatch> converted(chunks.size());
    const size_t threads = std::min<size_t>(chunks.size(), std::max(1u, std::thread::hardware_concurrency()));
    auto convert = [&](size_t first) {
      for (size_t c = first; c < chunks.size(); c += threads) {
        ConvertChunk(*chunks[c], options, &converted[c], out.adds.data() + offsets[c]);
      }
    };
    std::vector<std::thread> pool;
    for (size_t t = 1; t < threads; ++t) pool.emplace_back(convert, t);
    if (threads > 0) convert(0);
    for (auto& th : pool) th.join();
    chunks.clear();
    for (auto& c : converted) {
      for (auto& r : c.removes) out.removes.push_back(std::move(r));
      if (c.metadata) out.metadata = std::move(c.metadata);
      if (c.protocol) out.protocol = std::move(c.protocol);
      if (c.checkpoint_metadata) out.checkpoint_metadata = std::move(c.checkpoint_metadata);
      for (auto& t : c.txns) out.txns.push_back(std::move(t));
      for (auto& d : c.domain_metadata) out.domain_metadata.push_back(std::move(d));
      for (auto& sc : c.sidecars) out.sidecars.push_back(std::move(sc));
    }
  } catch (const std::exception& e) {
    return DELTA_ERROR(kCorruptLog, "cannot read checkpoint ", path, ": ", e.what());
  }
  return out;
}

}  // namespace delta::log
