// Checkpoint rows are assembled as Arrow's JSON array notation and converted with
// arrow::json::ArrayFromJSONString, which builds the nested struct/map columns of the
// checkpoint schema without a hand-written builder per field. Column types follow Spark's
// checkpoint schema (int for versions/sizes of DVs, long for sizes and times).
#include "delta/checkpoint.h"

#include <chrono>

#include <arrow/json/from_string.h>
#include <arrow/table.h>
#include <nlohmann/json.hpp>
#include <parquet/arrow/writer.h>

#include "delta/error.h"
#include "delta/log_store.h"
#include "log/log_cleanup.h"
#include "log/log_file_names.h"
#include "log/wire_names.h"
#include "protocol/table_features.h"
#include "storage/table_location.h"
#include "table/snapshot_loader.h"
#include "util/compute_init.h"
#include "util/uuid.h"

namespace delta {
namespace {

using json = nlohmann::ordered_json;

std::shared_ptr<arrow::DataType> StringMap() {
  return arrow::map(arrow::utf8(), arrow::utf8());
}

std::shared_ptr<arrow::DataType> DvType() {
  return arrow::struct_({arrow::field("storageType", arrow::utf8()),
                         arrow::field("pathOrInlineDv", arrow::utf8()),
                         arrow::field("offset", arrow::int32()),
                         arrow::field("sizeInBytes", arrow::int32()),
                         arrow::field("cardinality", arrow::int64())});
}

std::shared_ptr<arrow::Schema> CheckpointSchema() {
  return arrow::schema({
      arrow::field(wire::kTxn, arrow::struct_({arrow::field("appId", arrow::utf8()),
                                               arrow::field("version", arrow::int64()),
                                               arrow::field("lastUpdated", arrow::int64())})),
      arrow::field(wire::kAdd,
                   arrow::struct_({arrow::field("path", arrow::utf8()),
                                   arrow::field("partitionValues", StringMap()),
                                   arrow::field("size", arrow::int64()),
                                   arrow::field("modificationTime", arrow::int64()),
                                   arrow::field("dataChange", arrow::boolean()),
                                   arrow::field("stats", arrow::utf8()),
                                   arrow::field("tags", StringMap()),
                                   arrow::field("deletionVector", DvType()),
                                   arrow::field("baseRowId", arrow::int64()),
                                   arrow::field("defaultRowCommitVersion", arrow::int64())})),
      arrow::field(wire::kRemove,
                   arrow::struct_({arrow::field("path", arrow::utf8()),
                                   arrow::field("deletionTimestamp", arrow::int64()),
                                   arrow::field("dataChange", arrow::boolean()),
                                   arrow::field("extendedFileMetadata", arrow::boolean()),
                                   arrow::field("partitionValues", StringMap()),
                                   arrow::field("size", arrow::int64()),
                                   arrow::field("deletionVector", DvType())})),
      arrow::field(wire::kMetaData,
                   arrow::struct_({arrow::field("id", arrow::utf8()),
                                   arrow::field("name", arrow::utf8()),
                                   arrow::field("description", arrow::utf8()),
                                   arrow::field("format", arrow::struct_({arrow::field("provider", arrow::utf8()),
                                                                          arrow::field("options", StringMap())})),
                                   arrow::field("schemaString", arrow::utf8()),
                                   arrow::field("partitionColumns", arrow::list(arrow::utf8())),
                                   arrow::field("configuration", StringMap()),
                                   arrow::field("createdTime", arrow::int64())})),
      arrow::field(wire::kProtocol,
                   arrow::struct_({arrow::field("minReaderVersion", arrow::int32()),
                                   arrow::field("minWriterVersion", arrow::int32()),
                                   arrow::field("readerFeatures", arrow::list(arrow::utf8())),
                                   arrow::field("writerFeatures", arrow::list(arrow::utf8()))})),
      arrow::field(wire::kDomainMetadata,
                   arrow::struct_({arrow::field("domain", arrow::utf8()),
                                   arrow::field("configuration", arrow::utf8()),
                                   arrow::field("removed", arrow::boolean())})),
  });
}

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
  return json{{"storageType", dv->storage_type},
              {"pathOrInlineDv", dv->path_or_inline_dv},
              {"offset", dv->offset ? json(*dv->offset) : json(nullptr)},
              {"sizeInBytes", dv->size_in_bytes},
              {"cardinality", dv->cardinality}};
}

template <typename T>
json Opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

}  // namespace

arrow::Result<CheckpointMetrics> CreateCheckpoint(const std::string& uri, std::optional<int64_t> version) {
  ARROW_RETURN_NOT_OK(util::EnsureComputeInitialized());
  ARROW_ASSIGN_OR_RAISE(auto loc, storage::ResolveTableLocation(uri));
  ARROW_ASSIGN_OR_RAISE(auto listing, storage::ListLog(loc, /*with_times=*/false));
  ARROW_ASSIGN_OR_RAISE(auto snap, table::LoadSnapshotFromListing(loc, std::move(listing), version,
                                                                  /*keep_tombstones=*/true));
  ARROW_RETURN_NOT_OK(snap->EnsureStats());  // the checkpoint carries every file's stats
  // One JSON array per column; each row holds exactly one action.
  json txn = json::array(), add = json::array(), remove = json::array(), md = json::array(),
       proto = json::array(), dom = json::array();
  auto row = [&](json* which, json value) {
    for (json* col : {&txn, &add, &remove, &md, &proto, &dom}) col->push_back(col == which ? value : json(nullptr));
  };
  const Protocol& p = snap->protocol();
  row(&proto, json{{"minReaderVersion", p.min_reader_version},
                   {"minWriterVersion", p.min_writer_version},
                   {"readerFeatures", Opt(p.reader_features)},
                   {"writerFeatures", Opt(p.writer_features)}});
  const Metadata& m = snap->metadata();
  json pcs = m.partition_columns;
  row(&md, json{{"id", m.id},
                {"name", Opt(m.name)},
                {"description", Opt(m.description)},
                {"format", json{{"provider", m.format.provider}, {"options", MapJson(m.format.options)}}},
                {"schemaString", m.schema_string},
                {"partitionColumns", pcs},
                {"configuration", MapJson(m.configuration)},
                {"createdTime", Opt(m.created_time)}});
  for (const auto& [_, t] : snap->app_transactions()) {
    row(&txn, json{{"appId", t.app_id}, {"version", t.version}, {"lastUpdated", Opt(t.last_updated)}});
  }
  for (const auto& [_, d] : snap->domain_metadata()) {
    row(&dom, json{{"domain", d.domain}, {"configuration", d.configuration}, {"removed", d.removed}});
  }
  CheckpointMetrics metrics;
  for (const auto& f : snap->files()) {
    row(&add, json{{"path", f.path},
                   {"partitionValues", PartitionJson(f.partition_values)},
                   {"size", f.size},
                   {"modificationTime", f.modification_time},
                   {"dataChange", false},
                   {"stats", Opt(f.stats)},
                   {"tags", f.tags.empty() ? json(nullptr) : MapJson(f.tags)},
                   {"deletionVector", DvJson(f.deletion_vector)},
                   {"baseRowId", Opt(f.base_row_id)},
                   {"defaultRowCommitVersion", Opt(f.default_row_commit_version)}});
    ++metrics.num_add_files;
  }
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const int64_t horizon = now - protocol::DurationPropertyMs(m, "delta.deletedFileRetentionDuration", protocol::kWeekMs);
  for (const auto& r : snap->tombstones()) {
    if (r.deletion_timestamp.value_or(0) < horizon) continue;  // expired: VACUUM may delete it
    row(&remove, json{{"path", r.path},
                      {"deletionTimestamp", Opt(r.deletion_timestamp)},
                      {"dataChange", false},
                      {"extendedFileMetadata", Opt(r.extended_file_metadata)},
                      {"partitionValues", r.partition_values ? PartitionJson(*r.partition_values) : json(nullptr)},
                      {"size", Opt(r.size)},
                      {"deletionVector", DvJson(r.deletion_vector)}});
  }
  auto schema = CheckpointSchema();
  arrow::ArrayVector columns;
  json* cols[] = {&txn, &add, &remove, &md, &proto, &dom};
  for (int i = 0; i < schema->num_fields(); ++i) {
    ARROW_ASSIGN_OR_RAISE(auto arr, arrow::json::ArrayFromJSONString(schema->field(i)->type(), cols[i]->dump()));
    columns.push_back(std::move(arr));
  }
  const int64_t rows = static_cast<int64_t>(add.size());
  auto table = arrow::Table::Make(schema, columns, rows);

  const std::string final_path = loc.LogDir() + "/" + log::ClassicCheckpointFileName(snap->version());
  const std::string tmp = loc.LogDir() + "/.tmp-checkpoint-" + util::NewUuid() + ".parquet";
  {
    ARROW_ASSIGN_OR_RAISE(auto out, loc.fs->OpenOutputStream(tmp));
    auto props = parquet::WriterProperties::Builder().compression(arrow::Compression::SNAPPY)->build();
    ARROW_RETURN_NOT_OK(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), out,
                                                   /*chunk_size=*/1 << 20, props));
    ARROW_RETURN_NOT_OK(out->Close());
  }
  ARROW_RETURN_NOT_OK(loc.fs->Move(tmp, final_path));
  ARROW_ASSIGN_OR_RAISE(auto info, loc.fs->GetFileInfo(final_path));
  metrics.version = snap->version();
  metrics.num_actions = rows;
  metrics.size_in_bytes = info.size();
  json last{{"version", metrics.version},
            {"size", rows},
            {"sizeInBytes", metrics.size_in_bytes},
            {"numOfAddFiles", metrics.num_add_files}};
  const std::string hint = loc.LogDir() + "/" + log::kLastCheckpointName;
  if (auto store = MakeLogStore(loc.fs); store.ok()) {
    ARROW_RETURN_NOT_OK((*store)->Overwrite(hint, last.dump()));
  } else {  // object stores: a single PUT is atomic
    ARROW_ASSIGN_OR_RAISE(auto out, loc.fs->OpenOutputStream(hint));
    std::string text = last.dump();
    ARROW_RETURN_NOT_OK(out->Write(text.data(), static_cast<int64_t>(text.size())));
    ARROW_RETURN_NOT_OK(out->Close());
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
