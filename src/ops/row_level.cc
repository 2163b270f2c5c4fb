#include "ops/row_level.h"

#include <algorithm>
#include <numeric>
#include <set>

#include <arrow/array/builder_primitive.h>
#include <arrow/array/util.h>
#include <arrow/compute/api.h>
#include <arrow/util/bit_run_reader.h>
#include <arrow/util/bitmap_ops.h>
#include <nlohmann/json.hpp>

#include "delta/error.h"
#include "delta/operations/optimize.h"
#include "delta/scan.h"
#include "delta/schema.h"
#include "expr/sql_semantics.h"
#include "log/wire_names.h"
#include "protocol/table_features.h"
#include "scan/file_reader.h"
#include "scan/partition_values.h"
#include "table/snapshot_loader.h"
#include "util/compute_init.h"
#include "write/footer_stats.h"
#include "write/schema_enforcement.h"

namespace delta::ops {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Spark marks the statistics of a file with a deletion vector as not tight: min/max may
// describe deleted rows.
std::optional<std::string> LooseStats(const std::optional<std::string>& stats) {
  if (!stats) return stats;
  auto j = nlohmann::json::parse(*stats, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return stats;
  j["tightBounds"] = false;
  return j.dump();
}

arrow::Result<std::vector<std::shared_ptr<arrow::RecordBatch>>> Filter(
    const std::vector<std::shared_ptr<arrow::RecordBatch>>& batches,
    const std::function<bool(uint64_t)>& keep) {
  std::vector<std::shared_ptr<arrow::RecordBatch>> out;
  uint64_t offset = 0;
  for (const auto& b : batches) {
    arrow::BooleanBuilder mask;
    ARROW_RETURN_NOT_OK(mask.Reserve(b->num_rows()));
    int64_t kept = 0;
    for (int64_t i = 0; i < b->num_rows(); ++i) {
      const bool k = keep(offset + static_cast<uint64_t>(i));
      kept += k;
      mask.UnsafeAppend(k);
    }
    offset += static_cast<uint64_t>(b->num_rows());
    if (kept == 0) continue;
    if (kept == b->num_rows()) {
      out.push_back(b);
      continue;
    }
    ARROW_ASSIGN_OR_RAISE(auto m, mask.Finish());
    ARROW_ASSIGN_OR_RAISE(auto filtered, arrow::compute::Filter(b, m));
    out.push_back(filtered.record_batch());
  }
  return out;
}

bool Contains(const std::vector<uint64_t>& sorted, uint64_t v) {
  return std::binary_search(sorted.begin(), sorted.end(), v);
}

}  // namespace

std::vector<uint64_t> Union(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  std::vector<uint64_t> out;
  out.reserve(a.size() + b.size());
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

arrow::Result<std::vector<std::shared_ptr<arrow::RecordBatch>>> SelectRows(
    const FileRows& rows, const std::vector<uint64_t>& index, bool keep) {
  return Filter(rows.batches, [&](uint64_t i) { return Contains(index, i) == keep; });
}

arrow::Result<std::unique_ptr<RowLevelWrite>> RowLevelWrite::Begin(const std::string& uri,
                                                                   std::optional<bool> use_dvs,
                                                                   int32_t inline_dv_max_bytes,
                                                                   ExprPtr predicate) {
  return Begin(uri, use_dvs, inline_dv_max_bytes,
               [&](const Snapshot&) -> arrow::Result<ExprPtr> { return predicate; });
}

arrow::Result<std::unique_ptr<RowLevelWrite>> RowLevelWrite::Begin(
    const std::string& uri, std::optional<bool> use_dvs, int32_t inline_dv_max_bytes,
    const std::function<arrow::Result<ExprPtr>(const Snapshot&)>& predicate) {
  ARROW_RETURN_NOT_OK(util::EnsureComputeInitialized());
  std::unique_ptr<RowLevelWrite> w(new RowLevelWrite());
  w->uri_ = uri;
  ARROW_ASSIGN_OR_RAISE(w->loc_, storage::ResolveTableLocation(uri));
  ARROW_ASSIGN_OR_RAISE(auto listing, storage::ListLog(w->loc_, /*with_times=*/false));
  if (listing.empty()) return DELTA_ERROR(kTableNotFound, "no Delta table at ", uri);
  ARROW_ASSIGN_OR_RAISE(w->snapshot_, table::LoadSnapshotFromListing(w->loc_, listing, std::nullopt));
  const auto& snap = *w->snapshot_;
  ARROW_RETURN_NOT_OK(protocol::CheckWriteSupported(snap.protocol(), uri));
  const bool dv_feature = protocol::SupportsWriterFeature(snap.protocol(), "deletionVectors");
  w->use_dvs_ = use_dvs.value_or(dv_feature &&
                                 protocol::BoolProperty(snap.metadata(), "delta.enableDeletionVectors", false));
  if (w->use_dvs_ && !dv_feature) {
    return DELTA_ERROR(kUnsupportedFeature, "table ", uri,
                       " does not support deletion vectors: set delta.enableDeletionVectors=true first");
  }
  w->cdf_ = protocol::BoolProperty(snap.metadata(), "delta.enableChangeDataFeed", false);
  ARROW_ASSIGN_OR_RAISE(w->predicate_, predicate(snap));
  const auto& schema = snap.schema();
  if (w->predicate_) {
    ARROW_ASSIGN_OR_RAISE(auto e, ToArrowExpression(*w->predicate_, *schema));
    ARROW_ASSIGN_OR_RAISE(w->bound_predicate_, e.Bind(*schema));
    // The predicate over only the columns it reads (Match's projection).
    std::set<std::string> used;
    for (const auto& path : w->predicate_->ReferencedColumns()) used.insert(path[0]);
    arrow::FieldVector fields;
    for (int i = 0; i < schema->num_fields(); ++i) {
      if (used.count(schema->field(i)->name())) {
        w->match_columns_.push_back(i);
        fields.push_back(schema->field(i));
      }
    }
    auto narrow = arrow::schema(fields);
    ARROW_ASSIGN_OR_RAISE(auto ne, ToArrowExpression(*w->predicate_, *narrow));
    ARROW_ASSIGN_OR_RAISE(w->bound_match_predicate_, ne.Bind(*narrow));
    const auto& pcs = snap.metadata().partition_columns;
    w->partition_only_ = !pcs.empty();
    for (const auto& path : w->predicate_->ReferencedColumns()) {
      if (path.size() != 1 || std::find(pcs.begin(), pcs.end(), path[0]) == pcs.end()) {
        w->partition_only_ = false;
      }
    }
  }

  w->schema_ = schema;
  ARROW_RETURN_NOT_OK(w->MakeWriters(snap.metadata()));
  w->dv_writer_ = std::make_unique<scan::DeletionVectorWriter>(w->loc_.fs, w->loc_.root,
                                                               inline_dv_max_bytes);
  return w;
}

RowLevelWrite::~RowLevelWrite() = default;

arrow::Status RowLevelWrite::MakeWriters(const Metadata& md) {
  ARROW_ASSIGN_OR_RAISE(auto mapping, protocol::GetColumnMappingMode(md));
  write::DataFileWriterOptions wo;
  wo.table_root = loc_.root;
  wo.schema = schema_;
  wo.partition_columns = md.partition_columns;
  wo.mapping = mapping;
  wo.stats = write::StatsConfigFor(md.configuration, mapping);
  auto conf = md.configuration;
  if (auto it = conf.find("delta.targetFileSize"); it != conf.end()) {
    // With units ("64mb"), as WRITE and OPTIMIZE read it.
    if (auto size = ParseByteSize(it->second); size.ok() && *size > 0) wo.target_file_size = *size;
  }
  wo.max_inflight_bytes = 32LL << 20;
  ARROW_ASSIGN_OR_RAISE(data_writer_, write::DataFileWriter::Make(loc_.fs, wo));
  for (const auto& path : plain_columns_) data_writer_->DisableDictionary(path);
  if (cdf_) {
    auto fields = schema_->fields();
    fields.push_back(arrow::field(wire::kChangeType, arrow::utf8()));
    change_schema_ = arrow::schema(fields);
    wo.schema = change_schema_;
    wo.directory_prefix = "_change_data";
    ARROW_ASSIGN_OR_RAISE(change_writer_, write::DataFileWriter::Make(loc_.fs, wo));
    for (const auto& path : plain_columns_) change_writer_->DisableDictionary(path);
  }
  return arrow::Status::OK();
}

arrow::Status RowLevelWrite::AddColumns(const arrow::FieldVector& columns) {
  if (columns.empty()) return arrow::Status::OK();
  if (wrote_data_ || wrote_changes_) return DELTA_ERROR(kInternal, "AddColumns after a write");
  Metadata md = snapshot_->metadata();
  arrow::FieldVector fields = schema_->fields();
  for (const auto& c : columns) {
    ARROW_ASSIGN_OR_RAISE(auto t, write::NormalizeType(c->type(), c->name()));
    fields.push_back(arrow::field(c->name(), t, /*nullable=*/true));
  }
  auto schema = arrow::schema(fields);
  if (snapshot_->column_mapping_mode() != ColumnMappingMode::kNone) {
    int64_t max_id = std::atoll(md.configuration["delta.columnMapping.maxColumnId"].c_str());
    schema = AssignColumnMapping(*schema, &max_id, /*keep_names=*/false);
    md.configuration["delta.columnMapping.maxColumnId"] = std::to_string(max_id);
  }
  ARROW_ASSIGN_OR_RAISE(md.schema_string, SchemaToDeltaJson(*schema));
  schema_ = schema;
  new_metadata_ = md;
  return MakeWriters(md);
}


arrow::Result<FileVerdict> RowLevelWrite::Classify(const AddFile& file) const {
  if (!predicate_) return FileVerdict::kMatchesAll;
  const auto& schema = *snapshot_->schema();
  if (partition_only_) {
    ARROW_ASSIGN_OR_RAISE(auto mapping, protocol::GetColumnMappingMode(snapshot_->metadata()));
    arrow::FieldVector fields;
    arrow::ArrayVector columns;
    for (const auto& pc : snapshot_->metadata().partition_columns) {
      auto field = schema.GetFieldByName(pc);
      if (!field) return DELTA_ERROR(kCorruptLog, "partition column ", pc, " is not in the schema");
      auto it = file.partition_values.find(PhysicalName(*field, mapping));
      std::optional<std::string> text;
      if (it != file.partition_values.end()) text = it->second;
      ARROW_ASSIGN_OR_RAISE(auto scalar, scan::ParsePartitionValue(text, field->type(), pc));
      ARROW_ASSIGN_OR_RAISE(auto array, arrow::MakeArrayFromScalar(*scalar, 1));
      fields.push_back(field);
      columns.push_back(array);
    }
    auto pschema = arrow::schema(fields);
    ARROW_ASSIGN_OR_RAISE(auto e, ToArrowExpression(*predicate_, *pschema));
    ARROW_ASSIGN_OR_RAISE(e, e.Bind(*pschema));
    auto batch = arrow::RecordBatch::Make(pschema, 1, columns);
    ARROW_ASSIGN_OR_RAISE(auto d, arrow::compute::ExecuteScalarExpression(e, arrow::compute::ExecBatch(*batch)));
    std::shared_ptr<arrow::Scalar> s;
    if (d.is_scalar()) {
      s = d.scalar();
    } else {
      ARROW_ASSIGN_OR_RAISE(s, d.make_array()->GetScalar(0));
    }
    const bool match = s->is_valid && std::static_pointer_cast<arrow::BooleanScalar>(s)->value;
    return match ? FileVerdict::kMatchesAll : FileVerdict::kSkip;
  }
  return MayMatch(*predicate_, GetFileStatistics(*snapshot_, file), schema) ? FileVerdict::kEvaluateRows
                                                                             : FileVerdict::kSkip;
}

arrow::Result<FileRows> RowLevelWrite::Read(const AddFile& file) const {
  std::vector<int> all(static_cast<size_t>(schema_->num_fields()));
  std::iota(all.begin(), all.end(), 0);
  return ReadAndMatch(file, all, bound_predicate_, /*keep_batches=*/true);
}

arrow::Result<FileRows> RowLevelWrite::Match(const AddFile& file) const {
  if (!bound_match_predicate_ || match_columns_.empty()) {
    ARROW_ASSIGN_OR_RAISE(auto rows, Read(file));
    rows.batches.clear();
    return rows;
  }
  return ReadAndMatch(file, match_columns_, bound_match_predicate_, /*keep_batches=*/false);
}

arrow::Result<FileRows> RowLevelWrite::ReadAndMatch(const AddFile& file, const std::vector<int>& columns,
                                                    const std::optional<arrow::compute::Expression>& bound,
                                                    bool keep_batches) const {
  FileRows rows;
  std::vector<uint64_t>::const_iterator deleted;
  bool started = false;
  // The predicate is evaluated batch by batch as the file streams: without keep_batches only
  // one batch is in memory (its buffers are reused by the next instead of touching new pages).
  ARROW_RETURN_NOT_OK(StreamColumns(file, columns, &rows.deleted, [&](const std::shared_ptr<arrow::RecordBatch>& b,
                                                                       int64_t first) -> arrow::Status {
    if (!started) deleted = rows.deleted.begin(), started = true;
    const auto offset = static_cast<uint64_t>(first);
    const auto n = static_cast<uint64_t>(b->num_rows());
    rows.num_rows += b->num_rows();
    if (keep_batches) rows.batches.push_back(b);
    std::shared_ptr<arrow::BooleanArray> mask;
    bool all_true = !bound;
    if (bound) {
      ARROW_ASSIGN_OR_RAISE(auto d, expr_internal::Evaluate(*bound, arrow::compute::ExecBatch(*b),
                                                            "predicate " + predicate_->ToString()));
      if (d.is_scalar()) {
        const auto& s = d.scalar_as<arrow::BooleanScalar>();
        all_true = s.is_valid && s.value;
        if (!all_true) return arrow::Status::OK();
      } else {
        mask = std::static_pointer_cast<arrow::BooleanArray>(d.make_array());
      }
    }
    // TRUE rows = value bits AND validity bits, visited run by run; the file's deleted rows
    // (sorted) are skipped with a moving cursor.
    auto emit = [&](uint64_t row) {
      while (deleted != rows.deleted.end() && *deleted < row) ++deleted;
      if (deleted != rows.deleted.end() && *deleted == row) return;
      rows.matched.push_back(row);
    };
    if (all_true) {
      for (uint64_t i = 0; i < n; ++i) emit(offset + i);
    } else {
      std::shared_ptr<arrow::Buffer> bits = mask->values();
      int64_t bits_offset = mask->offset();
      if (mask->null_count() > 0) {
        ARROW_ASSIGN_OR_RAISE(bits, arrow::internal::BitmapAnd(arrow::default_memory_pool(), mask->values()->data(),
                                                               mask->offset(), mask->null_bitmap_data(), mask->offset(),
                                                               mask->length(), 0));
        bits_offset = 0;
      }
      arrow::internal::VisitSetBitRunsVoid(bits->data(), bits_offset, mask->length(), [&](int64_t pos, int64_t len) {
        for (int64_t i = pos; i < pos + len; ++i) emit(offset + static_cast<uint64_t>(i));
      });
    }
    return arrow::Status::OK();
  }));
  return rows;
}

arrow::Result<FileRows> RowLevelWrite::ReadColumns(const AddFile& file, const std::vector<int>& columns) const {
  FileRows rows;
  ARROW_RETURN_NOT_OK(StreamColumns(file, columns, &rows.deleted,
                                    [&](const std::shared_ptr<arrow::RecordBatch>& b, int64_t) {
                                      rows.num_rows += b->num_rows();
                                      rows.batches.push_back(b);
                                      return arrow::Status::OK();
                                    }));
  return rows;
}

arrow::Status RowLevelWrite::StreamColumns(
    const AddFile& file, const std::vector<int>& columns, std::vector<uint64_t>* deleted,
    const std::function<arrow::Status(const std::shared_ptr<arrow::RecordBatch>&, int64_t)>& sink) const {
  deleted->clear();
  if (file.deletion_vector && file.deletion_vector->cardinality > 0) {
    ARROW_ASSIGN_OR_RAISE(*deleted, scan::LoadDeletionVector(*loc_.fs, snapshot_->table_root(),
                                                             *file.deletion_vector, file.path));
  }
  scan::ReadPlan plan;
  arrow::FieldVector fields;
  for (int c : columns) fields.push_back(schema_->field(c));
  plan.read_schema = arrow::schema(fields);
  for (int i = 0; i < plan.read_schema->num_fields(); ++i) plan.output_columns.push_back(i);
  plan.output_schema = plan.read_schema;
  plan.on_footer = [this](const parquet::FileMetaData& md) { NoteEncodings(md); };
  // Every physical row comes through (nothing excluded), so batches are contiguous.
  scan::RowSelection all{scan::RowSelection::Mode::kExclude, {}};
  int64_t offset = 0;
  return scan::StreamDataFile(*snapshot_, file, plan, all, [&](std::shared_ptr<arrow::RecordBatch> b) {
    const int64_t first = offset;
    offset += b->num_rows();
    return sink(b, first);
  });
}

void RowLevelWrite::NoteEncodings(const parquet::FileMetaData& md) const {
  if (md.num_row_groups() == 0) return;
  auto rg = md.RowGroup(0);
  std::lock_guard<std::mutex> lock(mu_);
  for (int c = 0; c < rg->num_columns(); ++c) {
    auto chunk = rg->ColumnChunk(c);
    // A data page encoded PLAIN next to a dictionary page: the writer's dictionary overflowed
    // and it fell back. (Without page encoding statistics nothing is concluded.)
    bool plain_data = false;
    for (const auto& st : chunk->encoding_stats()) {
      const bool data = st.page_type == parquet::PageType::DATA_PAGE || st.page_type == parquet::PageType::DATA_PAGE_V2;
      plain_data = plain_data || (data && st.encoding == parquet::Encoding::PLAIN && st.count > 0);
    }
    if (!plain_data || !chunk->has_dictionary_page()) continue;
    const std::string path = chunk->path_in_schema()->ToDotString();
    if (!plain_columns_.insert(path).second) continue;
    data_writer_->DisableDictionary(path);
    if (change_writer_) change_writer_->DisableDictionary(path);
  }
}

arrow::Status RowLevelWrite::WriteData(const std::shared_ptr<arrow::RecordBatch>& batch) {
  if (batch->num_rows() == 0) return arrow::Status::OK();
  std::lock_guard<std::mutex> lock(mu_);
  wrote_data_ = true;
  return data_writer_->Write(batch);
}

arrow::Status RowLevelWrite::WriteChange(const std::shared_ptr<arrow::RecordBatch>& batch,
                                         const std::string& change_type) {
  if (!change_writer_ || batch->num_rows() == 0) return arrow::Status::OK();
  auto columns = batch->columns();
  ARROW_ASSIGN_OR_RAISE(auto ct, arrow::MakeArrayFromScalar(arrow::StringScalar(change_type), batch->num_rows()));
  columns.push_back(ct);
  std::lock_guard<std::mutex> lock(mu_);
  wrote_changes_ = true;
  return change_writer_->Write(arrow::RecordBatch::Make(change_schema_, batch->num_rows(), columns));
}

void RowLevelWrite::Remove(const AddFile& file) {
  std::lock_guard<std::mutex> lock(mu_);
  RemoveLocked(file);
}

void RowLevelWrite::RemoveLocked(const AddFile& file) {
  if (file.deletion_vector) ++dvs_removed_;
  removes_.push_back(RemoveOf(file, NowMs(), /*data_change=*/true));
}

arrow::Status RowLevelWrite::ReplaceDeletionVector(const AddFile& file, const std::vector<uint64_t>& deleted) {
  std::lock_guard<std::mutex> lock(mu_);
  ARROW_ASSIGN_OR_RAISE(auto dv, dv_writer_->Add(deleted));
  const bool had_dv = file.deletion_vector.has_value();
  RemoveLocked(file);
  if (had_dv) {
    --dvs_removed_;
    ++dvs_updated_;
  } else {
    ++dvs_added_;
  }
  AddFile a = file;
  a.deletion_vector = std::move(dv);
  a.data_change = true;
  a.stats = LooseStats(file.stats);
  dv_adds_.push_back(std::move(a));
  return arrow::Status::OK();
}

arrow::Result<RowLevelWrite::Result> RowLevelWrite::Commit(
    const std::string& operation, std::map<std::string, std::string> parameters,
    const std::function<std::map<std::string, std::string>(const Result&)>& metrics,
    const TransactionOptions& options) {
  ARROW_ASSIGN_OR_RAISE(auto adds, data_writer_->Finish());
  std::vector<AddFile> changes;
  if (change_writer_) {
    ARROW_ASSIGN_OR_RAISE(changes, change_writer_->Finish());
  }
  ARROW_RETURN_NOT_OK(dv_writer_->Finish());
  Result result;
  ARROW_ASSIGN_OR_RAISE(auto txn, Transaction::Begin(uri_, snapshot_, options));
  // Spark counts a file that only got a new deletion vector as neither removed nor added.
  std::set<std::string> kept_with_dv;
  for (const auto& a : dv_adds_) kept_with_dv.insert(a.path);
  for (const auto& r : removes_) {
    if (!kept_with_dv.count(r.path)) {
      result.removed_bytes += r.size.value_or(0);
      ++result.removed_files;
    }
    txn->RemoveDataFile(r);
  }
  for (const auto& a : dv_adds_) {
    txn->AddDataFile(a);
  }
  for (auto& a : adds) {
    result.added_bytes += a.size;
    ++result.added_files;
    txn->AddDataFile(std::move(a));
  }
  for (const auto& c : changes) {
    AddCDCFile cdc;
    cdc.path = c.path;
    cdc.partition_values = c.partition_values;
    cdc.size = c.size;
    cdc.data_change = false;
    txn->AddCdcFile(std::move(cdc));
    ++result.change_files;
    result.change_bytes += c.size;
  }
  result.dvs_added = dvs_added_;
  result.dvs_removed = dvs_removed_;
  result.dvs_updated = dvs_updated_;
  if (new_metadata_) txn->SetMetadata(*new_metadata_);
  txn->MarkRead(predicate_);
  txn->MarkFilesRead(read_files_);
  txn->SetOperation(operation, std::move(parameters), metrics(result));
  ARROW_ASSIGN_OR_RAISE(auto committed, txn->Commit());
  result.version = committed.version;
  result.attempts = committed.attempts;
  return result;
}

void RowLevelWrite::Cleanup() {
  for (const auto& p : data_writer_->written_paths()) (void)loc_.fs->DeleteFile(p);
  if (change_writer_) {
    for (const auto& p : change_writer_->written_paths()) (void)loc_.fs->DeleteFile(p);
  }
  if (!dv_writer_->path().empty()) (void)loc_.fs->DeleteFile(dv_writer_->path());
}

void RecordResult(const RowLevelWrite::Result& r, RowLevelMetrics* m) {
  m->num_removed_files = r.removed_files;
  m->num_removed_bytes = r.removed_bytes;
  m->num_added_files = r.added_files;
  m->num_added_bytes = r.added_bytes;
  m->num_added_change_files = r.change_files;
  m->num_added_change_file_bytes = r.change_bytes;
  m->num_deletion_vectors_added = r.dvs_added;
  m->num_deletion_vectors_removed = r.dvs_removed;
  m->num_deletion_vectors_updated = r.dvs_updated;
}

std::map<std::string, std::string> MetricTexts(const std::map<std::string, int64_t>& metrics) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : metrics) out[k] = std::to_string(v);
  return out;
}

}  // namespace delta::ops
