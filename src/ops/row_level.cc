#include "ops/row_level.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
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
#include "util/strings.h"
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

}  // namespace

arrow::Status ParallelFor(size_t n, const std::function<arrow::Status(size_t)>& fn) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex error_mu;
  arrow::Status first_error;
  auto work = [&] {
    for (size_t i = next++; i < n && !failed; i = next++) {
      auto st = fn(i);
      if (st.ok()) continue;
      std::lock_guard<std::mutex> lock(error_mu);
      if (first_error.ok()) first_error = st;
      failed = true;
    }
  };
  const size_t threads = std::min<size_t>(n, std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  return first_error;
}

std::vector<uint64_t> Union(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  std::vector<uint64_t> out;
  out.reserve(a.size() + b.size());
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
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
  // Every file's stats are consulted (Classify): read with the checkpoint, not after it.
  ARROW_ASSIGN_OR_RAISE(w->snapshot_, table::LoadSnapshotFromListing(w->loc_, listing, std::nullopt,
                                                                     /*keep_tombstones=*/false, /*with_stats=*/true));
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
    w->skipping_.emplace(w->predicate_, schema);
    // The predicate over only the columns it reads (Match's projection).
    // Names resolve case-insensitively (as Spark's do, and as skipping matches them).
    const auto& used = w->skipping_->columns();
    arrow::FieldVector fields;
    for (int i = 0; i < schema->num_fields(); ++i) {
      if (used.count(util::ToLower(schema->field(i)->name()))) {
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
      if (path.size() != 1 || std::none_of(pcs.begin(), pcs.end(), [&](const std::string& pc) {
            return util::EqualsIgnoreCase(pc, path[0]);
          })) {
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
  const bool may = skipping_->MayMatch(GetFileStatistics(*snapshot_, file, skipping_->columns()));
  return may ? FileVerdict::kEvaluateRows : FileVerdict::kSkip;
}

namespace {
struct PartitionValuesLess {
  bool operator()(const PartitionValues* a, const PartitionValues* b) const { return *a < *b; }
};
}  // namespace

arrow::Result<std::vector<FileVerdict>> RowLevelWrite::ClassifyAll() const {
  const auto& files = snapshot_->files();
  std::vector<FileVerdict> verdicts(files.size());
  if (partition_only_) {
    // The partition values decide: once per partition.
    std::map<const PartitionValues*, FileVerdict, PartitionValuesLess> seen;
    for (size_t i = 0; i < files.size(); ++i) {
      auto it = seen.find(&files[i].partition_values);
      if (it == seen.end()) {
        ARROW_ASSIGN_OR_RAISE(auto v, Classify(files[i]));
        it = seen.emplace(&files[i].partition_values, v).first;
      }
      verdicts[i] = it->second;
    }
    return verdicts;
  }
  constexpr size_t kChunk = 256;
  ARROW_RETURN_NOT_OK(ParallelFor((files.size() + kChunk - 1) / kChunk, [&](size_t c) -> arrow::Status {
    for (size_t i = c * kChunk; i < std::min(files.size(), (c + 1) * kChunk); ++i) {
      ARROW_ASSIGN_OR_RAISE(verdicts[i], Classify(files[i]));
    }
    return arrow::Status::OK();
  }));
  return verdicts;
}

std::vector<int> RowLevelWrite::AllColumns() const {
  std::vector<int> all(static_cast<size_t>(schema_->num_fields()));
  std::iota(all.begin(), all.end(), 0);
  return all;
}

arrow::Status RowLevelWrite::MatchBatch(const arrow::RecordBatch& b, uint64_t offset,
                                        const std::vector<uint64_t>& deleted,
                                        const std::optional<arrow::compute::Expression>& bound,
                                        std::vector<uint64_t>* matched) const {
  const auto n = static_cast<uint64_t>(b.num_rows());
  std::shared_ptr<arrow::BooleanArray> mask;
  bool all_true = !bound;
  if (bound) {
    ARROW_ASSIGN_OR_RAISE(auto d, expr_internal::Evaluate(*bound, arrow::compute::ExecBatch(b),
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
  auto dead = std::lower_bound(deleted.begin(), deleted.end(), offset);
  auto emit = [&](uint64_t row) {
    while (dead != deleted.end() && *dead < row) ++dead;
    if (dead != deleted.end() && *dead == row) return;
    matched->push_back(row);
  };
  if (all_true) {
    for (uint64_t i = 0; i < n; ++i) emit(offset + i);
    return arrow::Status::OK();
  }
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
  return arrow::Status::OK();
}

std::vector<uint8_t> RowLevelWrite::Dead(const std::vector<uint64_t>& deleted, int64_t offset, int64_t n) {
  std::vector<uint8_t> dead(static_cast<size_t>(n), 0);
  auto it = std::lower_bound(deleted.begin(), deleted.end(), static_cast<uint64_t>(offset));
  for (; it != deleted.end() && *it < static_cast<uint64_t>(offset + n); ++it) {
    dead[static_cast<size_t>(*it - static_cast<uint64_t>(offset))] = 1;
  }
  return dead;
}

arrow::Result<int64_t> RowLevelWrite::WriteKept(const std::shared_ptr<arrow::RecordBatch>& b,
                                                const std::vector<uint8_t>& dead,
                                                const std::vector<uint64_t>& changed) {
  const int64_t n = b->num_rows();
  ARROW_ASSIGN_OR_RAISE(auto bits, arrow::AllocateEmptyBitmap(n));
  uint8_t* keep = bits->mutable_data();
  auto next = changed.begin();
  int64_t kept = 0;
  for (int64_t i = 0; i < n; ++i) {
    bool k = !dead[static_cast<size_t>(i)];
    if (next != changed.end() && *next == static_cast<uint64_t>(i)) {
      k = false;
      ++next;
    }
    if (k) arrow::bit_util::SetBit(keep, i);
    kept += k;
  }
  if (kept == 0) return 0;
  std::shared_ptr<arrow::RecordBatch> out = b;
  if (kept < n) {
    auto mask = std::make_shared<arrow::BooleanArray>(n, bits);
    ARROW_ASSIGN_OR_RAISE(auto d, arrow::compute::Filter(b, mask));
    out = d.record_batch();
  }
  ARROW_RETURN_NOT_OK(WriteData(out));
  return kept;
}

arrow::Result<int64_t> RowLevelWrite::CopyPrefix(const AddFile& file, int64_t end,
                                                 const std::vector<uint64_t>& deleted) {
  bool done = false;
  int64_t copied = 0;
  std::vector<uint64_t> ignored;
  auto st = StreamColumns(file, AllColumns(), &ignored, [&](const std::shared_ptr<arrow::RecordBatch>& b,
                                                             int64_t offset) -> arrow::Status {
    if (offset >= end) {
      done = true;
      return arrow::Status::Cancelled("prefix copied");
    }
    const int64_t n = std::min(b->num_rows(), end - offset);
    ARROW_ASSIGN_OR_RAISE(auto kept, WriteKept(n < b->num_rows() ? b->Slice(0, n) : b, Dead(deleted, offset, n), {}));
    copied += kept;
    return arrow::Status::OK();
  });
  if (!done) ARROW_RETURN_NOT_OK(st);
  return copied;
}

arrow::Result<RowLevelWrite::FileOutcome> RowLevelWrite::ProcessMatched(const std::vector<const AddFile*>& files,
                                                                        const OnMatched& on_matched) {
  FileOutcome total;
  std::mutex mu;
  ARROW_RETURN_NOT_OK(ParallelFor(files.size(), [&](size_t i) -> arrow::Status {
    ARROW_ASSIGN_OR_RAISE(auto outcome, ProcessMatched(*files[i], on_matched));
    std::lock_guard<std::mutex> lock(mu);
    total.matched += outcome.matched;
    total.copied += outcome.copied;
    total.read_ms += outcome.read_ms;
    total.write_ms += outcome.write_ms;
    return arrow::Status::OK();
  }));
  return total;
}

arrow::Result<RowLevelWrite::FileOutcome> RowLevelWrite::ProcessMatched(const AddFile& file,
                                                                        const OnMatched& on_matched) {
  const auto start = std::chrono::steady_clock::now();
  FileOutcome out;
  std::vector<uint64_t> deleted;  // by the file's deletion vector
  std::vector<uint64_t> changed;  // file rows matched, sorted
  bool rewriting = false;
  int64_t num_rows = 0;
  // Positions only (a DELETE marking rows in deletion vectors): just the predicate's columns.
  const bool narrow = !on_matched && use_dvs_ && bound_match_predicate_ && !match_columns_.empty();
  const auto& predicate = narrow ? bound_match_predicate_ : bound_predicate_;
  ARROW_RETURN_NOT_OK(StreamColumns(file, narrow ? match_columns_ : AllColumns(), &deleted,
                                    [&](const std::shared_ptr<arrow::RecordBatch>& b, int64_t offset) -> arrow::Status {
    num_rows = offset + b->num_rows();
    std::vector<uint64_t> local;  // this batch's matched rows, batch indexes
    const size_t before = changed.size();
    ARROW_RETURN_NOT_OK(MatchBatch(*b, static_cast<uint64_t>(offset), deleted, predicate, &changed));
    if (!on_matched && use_dvs_) return arrow::Status::OK();
    for (size_t i = before; i < changed.size(); ++i) local.push_back(changed[i] - static_cast<uint64_t>(offset));
    if (use_dvs_ || (!rewriting && local.empty())) {
      if (local.empty()) return arrow::Status::OK();
      const auto write_start = std::chrono::steady_clock::now();
      ARROW_RETURN_NOT_OK(on_matched(b, local));
      out.write_ms += MsSince(write_start);
      return arrow::Status::OK();
    }
    const auto write_start = std::chrono::steady_clock::now();
    if (!local.empty() && on_matched) ARROW_RETURN_NOT_OK(on_matched(b, local));
    if (!rewriting) {
      rewriting = true;
      if (offset > 0) {
        ARROW_ASSIGN_OR_RAISE(auto copied, CopyPrefix(file, offset, deleted));
        out.copied += copied;
      }
    }
    ARROW_ASSIGN_OR_RAISE(auto kept, WriteKept(b, Dead(deleted, offset, b->num_rows()), local));
    out.copied += kept;
    out.write_ms += MsSince(write_start);
    return arrow::Status::OK();
  }));
  out.read_ms = MsSince(start) - out.write_ms;
  out.matched = static_cast<int64_t>(changed.size());
  if (changed.empty()) return out;
  const auto stage_start = std::chrono::steady_clock::now();
  auto all_deleted = Union(deleted, changed);
  if (static_cast<int64_t>(all_deleted.size()) == num_rows) {
    Remove(file);
  } else if (use_dvs_) {
    ARROW_RETURN_NOT_OK(ReplaceDeletionVector(file, all_deleted));
  } else {
    Remove(file);  // its kept rows were written above
  }
  out.write_ms += MsSince(stage_start);
  return out;
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
  plan.low_memory = true;  // one stream per thread, plus a rewrite's second read of a prefix
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
