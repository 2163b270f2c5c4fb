// Scan planning and the streaming reader.
//
// Planning is pure: it prunes the snapshot's files with MayMatch, first on partition values
// alone (so metrics can tell partition pruning from stats skipping), then on full stats.
// Execution keeps up to `readahead_files` file reads in flight on Arrow's CPU thread pool and
// yields their batches in file order, so output order is deterministic and memory is bounded
// by the read-ahead window.
#include "delta/scan.h"

#include <deque>

#include <arrow/compute/api.h>
#include <arrow/util/future.h>
#include <arrow/util/thread_pool.h>

#include "delta/error.h"
#include "scan/file_reader.h"

namespace delta {
namespace {

using FileBatches = std::vector<std::shared_ptr<arrow::RecordBatch>>;

class ScanReader : public arrow::RecordBatchReader {
 public:
  ScanReader(std::shared_ptr<const Scan> scan, scan::ReadPlan plan)
      : scan_(std::move(scan)), plan_(std::move(plan)) {}

  std::shared_ptr<arrow::Schema> schema() const override { return plan_.output_schema; }

  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* out) override {
    *out = nullptr;
    const auto& limit = scan_->options_.limit;
    while (true) {
      if (limit && emitted_ >= *limit) return Close();
      if (current_pos_ < current_.size()) {
        auto batch = std::move(current_[current_pos_++]);
        if (limit && emitted_ + batch->num_rows() > *limit) {
          batch = batch->Slice(0, *limit - emitted_);
        }
        emitted_ += batch->num_rows();
        *out = std::move(batch);
        return arrow::Status::OK();
      }
      Fill();
      if (inflight_.empty()) return arrow::Status::OK();  // end of stream
      auto fut = std::move(inflight_.front());
      inflight_.pop_front();
      ARROW_ASSIGN_OR_RAISE(current_, fut.result());
      current_pos_ = 0;
    }
  }

  arrow::Status Close() override {
    // Wait for reads in flight: they reference the snapshot.
    for (auto& f : inflight_) f.Wait();
    inflight_.clear();
    next_file_ = scan_->files().size();
    return arrow::Status::OK();
  }

  ~ScanReader() override { (void)Close(); }

 private:
  void Fill() {
    const auto& files = scan_->files();
    const size_t window = static_cast<size_t>(std::max(1, scan_->options_.readahead_files));
    while (inflight_.size() < window && next_file_ < files.size()) {
      const AddFile* file = files[next_file_++];
      auto snapshot = scan_->snapshot_;
      const scan::ReadPlan* plan = &plan_;
      auto fut = arrow::DeferNotOk(arrow::internal::GetCpuThreadPool()->Submit(
          [snapshot, file, plan]() { return scan::ReadDataFile(*snapshot, *file, *plan); }));
      inflight_.push_back(std::move(fut));
    }
  }

  std::shared_ptr<const Scan> scan_;
  scan::ReadPlan plan_;
  size_t next_file_ = 0;
  std::deque<arrow::Future<FileBatches>> inflight_;
  FileBatches current_;
  size_t current_pos_ = 0;
  int64_t emitted_ = 0;
};

// A top-level field by exact name, else case-insensitively (as Spark resolves columns).
std::shared_ptr<arrow::Field> FindField(const arrow::Schema& schema, const std::string& name) {
  int idx = FindFieldIndex(schema, name);
  return idx < 0 ? nullptr : schema.field(idx);
}

}  // namespace

arrow::Result<std::shared_ptr<Scan>> Scan::Make(std::shared_ptr<const Snapshot> snapshot,
                                                ScanOptions options) {
  auto scan = std::make_shared<Scan>();
  const auto& schema = snapshot->schema();
  arrow::FieldVector out_fields;
  if (options.columns.empty()) {
    out_fields = schema->fields();
  } else {
    for (const auto& c : options.columns) {
      auto f = FindField(*schema, c);
      if (!f) {
        std::string names;
        for (const auto& g : schema->fields()) names += (names.empty() ? "" : ", ") + g->name();
        return DELTA_ERROR(kInvalidArgument, "column '", c, "' is not in the schema of ",
                           snapshot->table_uri(), " (columns: ", names, ")");
      }
      out_fields.push_back(f);
    }
  }
  scan->output_schema_ = arrow::schema(out_fields);
  if (options.predicate) {
    // Validate the predicate against the schema now, so errors come before any I/O.
    ARROW_RETURN_NOT_OK(ToArrowExpression(*options.predicate, *schema).status());
  }
  scan->metrics_.files_total = static_cast<int64_t>(snapshot->files().size());
  std::optional<SkippingPredicate> skipping;
  if (options.predicate) skipping.emplace(options.predicate, schema);
  for (const auto& f : snapshot->files()) {
    if (skipping) {
      FileStatistics stats = GetFileStatistics(*snapshot, f, skipping->columns());
      FileStatistics partition_only;
      for (const auto& pc : snapshot->partition_columns()) {
        auto it = stats.columns.find(pc);
        if (it != stats.columns.end()) partition_only.columns.insert(*it);
      }
      if (!snapshot->partition_columns().empty() &&
          !skipping->MayMatch(partition_only)) {
        ++scan->metrics_.files_skipped_by_partition;
        continue;
      }
      if (!skipping->MayMatch(stats)) {
        ++scan->metrics_.files_skipped_by_stats;
        continue;
      }
    }
    scan->files_.push_back(&f);
  }
  scan->metrics_.files_to_read = static_cast<int64_t>(scan->files_.size());
  scan->snapshot_ = std::move(snapshot);
  scan->options_ = std::move(options);
  return scan;
}

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> Scan::Execute() const {
  scan::ReadPlan plan;
  const auto& schema = snapshot_->schema();
  // Read the output columns plus those the predicate needs.
  arrow::FieldVector read_fields = output_schema_->fields();
  if (options_.predicate) {
    for (const auto& path : options_.predicate->ReferencedColumns()) {
      if (path.empty()) continue;
      auto f = FindField(*schema, path[0]);
      if (f && std::find(read_fields.begin(), read_fields.end(), f) == read_fields.end()) {
        read_fields.push_back(f);
      }
    }
  }
  plan.read_schema = arrow::schema(read_fields);
  if (options_.predicate) {
    ARROW_ASSIGN_OR_RAISE(auto expr, ToArrowExpression(*options_.predicate, *plan.read_schema));
    ARROW_ASSIGN_OR_RAISE(expr, expr.Bind(*plan.read_schema));
    plan.filter = std::move(expr);
  }
  for (int i = 0; i < output_schema_->num_fields(); ++i) plan.output_columns.push_back(i);
  plan.output_schema = output_schema_;
  plan.batch_size = options_.batch_size;
  return std::make_shared<ScanReader>(shared_from_this(), std::move(plan));
}

}  // namespace delta
