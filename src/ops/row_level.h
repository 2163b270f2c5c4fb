// Shared machinery of the row-level operations (DELETE, UPDATE): loading the table, deciding
// per file whether a predicate skips it, matches it whole or must be evaluated row by row,
// reading a file's physical rows with their row indexes, and staging the actions that replace
// a file (deletion vector or rewrite) plus its change data. PROTOCOL.md "Deletion Vectors",
// "Change Data Files". Not thread-safe: one operation uses one RowLevelWrite.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <arrow/array/builder_primitive.h>
#include <arrow/compute/api_vector.h>
#include <arrow/compute/expression.h>
#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "delta/actions.h"
#include "delta/expression.h"
#include "delta/snapshot.h"
#include "delta/transaction.h"
#include "scan/deletion_vector.h"
#include "storage/table_location.h"
#include "write/data_file_writer.h"

#include "delta/operations/row_level.h"

namespace delta::ops {

/// How a predicate relates to one file.
enum class FileVerdict { kSkip, kMatchesAll, kEvaluateRows };

/// Runs fn(0) .. fn(n - 1) on one thread per core (the caller's among them), items taken in
/// order as threads free up; after an error no new item starts, and the first error is returned.
arrow::Status ParallelFor(size_t n, const std::function<arrow::Status(size_t)>& fn);

/// The rows `rows` (batch row indexes, int64_t or uint64_t) of `batch`, in that order.
template <typename Index>
arrow::Result<std::shared_ptr<arrow::RecordBatch>> TakeRows(const std::shared_ptr<arrow::RecordBatch>& batch,
                                                            const std::vector<Index>& rows) {
  arrow::NumericBuilder<typename arrow::CTypeTraits<Index>::ArrowType> b;
  ARROW_RETURN_NOT_OK(b.AppendValues(rows));
  ARROW_ASSIGN_OR_RAISE(auto indices, b.Finish());
  ARROW_ASSIGN_OR_RAISE(auto taken, arrow::compute::Take(batch, indices));
  return taken.record_batch();
}

/// Sorted union of two sorted, distinct lists.
std::vector<uint64_t> Union(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b);

/// One DELETE, UPDATE or MERGE in progress: the table, its writers, and the actions staged so
/// far. The reads and the staging calls (WriteData, WriteChange, Remove, ReplaceDeletionVector,
/// MarkRead) may be called from several threads; Begin, AddColumns and Commit from one.
class RowLevelWrite {
 public:
  static arrow::Result<std::unique_ptr<RowLevelWrite>> Begin(const std::string& uri,
                                                             std::optional<bool> use_dvs,
                                                             int32_t inline_dv_max_bytes,
                                                             ExprPtr predicate);
  /// As Begin, for an operation that knows its predicate only after looking at the snapshot
  /// (MERGE: the source's key ranges). `predicate` sees the snapshot; null: every file whole.
  static arrow::Result<std::unique_ptr<RowLevelWrite>> Begin(
      const std::string& uri, std::optional<bool> use_dvs, int32_t inline_dv_max_bytes,
      const std::function<arrow::Result<ExprPtr>(const Snapshot&)>& predicate);
  ~RowLevelWrite();

  const Snapshot& snapshot() const { return *snapshot_; }
  /// The table schema rows are read and written in (the snapshot's, plus AddColumns).
  const std::shared_ptr<arrow::Schema>& schema() const { return schema_; }
  bool use_dvs() const { return use_dvs_; }
  bool cdf() const { return cdf_; }

  /// Partition pruning (a predicate over partition columns only decides the whole file) and
  /// statistics skipping. A null predicate matches every file whole.
  arrow::Result<FileVerdict> Classify(const AddFile& file) const;
  /// Classify of every file of the snapshot, in its order (files in parallel: parsing each
  /// file's stats dominates on tables of many files).
  arrow::Result<std::vector<FileVerdict>> ClassifyAll() const;

  /// Streams the physical rows of a file (deletion vector not applied) as batches of the table
  /// columns `columns`, each with the file row index of its first row; `deleted` receives the
  /// rows the file's deletion vector deletes before the first batch. One batch in memory at a
  /// time. Thread-safe (several files may stream at once).
  arrow::Status StreamColumns(
      const AddFile& file, const std::vector<int>& columns, std::vector<uint64_t>* deleted,
      const std::function<arrow::Status(const std::shared_ptr<arrow::RecordBatch>&, int64_t)>& sink) const;

  /// The rows of [offset, offset + n) that sorted `deleted` (a deletion vector) holds, as
  /// dead[i] = 1 for batch row i.
  static std::vector<uint8_t> Dead(const std::vector<uint64_t>& deleted, int64_t offset, int64_t n);
  /// Writes the rows of `batch` (all columns of schema()) that stay: neither `dead` nor in
  /// `changed` (sorted batch rows updated or deleted now). Returns how many it wrote.
  arrow::Result<int64_t> WriteKept(const std::shared_ptr<arrow::RecordBatch>& batch, const std::vector<uint8_t>& dead,
                                   const std::vector<uint64_t>& changed);
  /// Writes the live rows [0, end) of `file`, reading them again: a rewrite that starts at the
  /// file's first changed row, `end`. Returns how many it wrote.
  arrow::Result<int64_t> CopyPrefix(const AddFile& file, int64_t end, const std::vector<uint64_t>& deleted);

  /// DELETE and UPDATE of one file, streamed batch by batch (one batch in memory): the
  /// predicate picks each batch's live matched rows, `on_matched(batch, rows)` handles them
  /// (rows: sorted batch row indexes; it writes new versions or change rows; may be null), and
  /// the file gets a deletion vector (use_dvs) or is rewritten: the rewrite starts at the first
  /// matched row, from where kept rows stream to the writer, the rows before it copied on a
  /// second read (a file without a match is never written). With deletion vectors and no
  /// `on_matched` only the predicate's columns are read (positions are all that is needed).
  /// Stages the file's remove / new DV. Thread-safe when `on_matched` is (several files may
  /// run at once).
  struct FileOutcome {
    int64_t matched = 0;  ///< rows the predicate matched (live ones)
    int64_t copied = 0;   ///< kept rows written to new files
    int64_t read_ms = 0;  ///< time reading and matching (the file's part of scanTimeMs)
    int64_t write_ms = 0; ///< time in on_matched and copying (its part of rewriteTimeMs)
  };
  using OnMatched =
      std::function<arrow::Status(const std::shared_ptr<arrow::RecordBatch>&, const std::vector<uint64_t>&)>;
  arrow::Result<FileOutcome> ProcessMatched(const AddFile& file, const OnMatched& on_matched);
  /// ProcessMatched over `files` in parallel (ParallelFor); the outcomes summed (the times are
  /// per file, summed over the threads, as MERGE counts them).
  arrow::Result<FileOutcome> ProcessMatched(const std::vector<const AddFile*>& files, const OnMatched& on_matched);

  /// Writes rows (table schema) to new data files / to change data files.
  arrow::Status WriteData(const std::shared_ptr<arrow::RecordBatch>& batch);
  arrow::Status WriteChange(const std::shared_ptr<arrow::RecordBatch>& batch,
                            const std::string& change_type);

  /// Stages remove(file); a DV it carried counts as removed (numDeletionVectorsRemoved).
  void Remove(const AddFile& file);
  /// Stages remove(file) + add(file with the DV of `deleted` rows).
  arrow::Status ReplaceDeletionVector(const AddFile& file, const std::vector<uint64_t>& deleted);
  /// Records a file that was read (for conflict detection).
  void MarkRead(const AddFile& file) {
    std::lock_guard<std::mutex> lock(mu_);
    read_files_.push_back(file);
  }

  /// Adds nullable columns at the end of the schema (MERGE's schema evolution): reads fill
  /// them with NULL, writes carry them, the commit updates the metadata. Before any write.
  arrow::Status AddColumns(const arrow::FieldVector& columns);

  bool HasChanges() const { return !removes_.empty() || wrote_data_ || new_metadata_.has_value(); }
  bool HasChangeData() const { return wrote_changes_; }

  /// Commits the staged actions with the operation's commitInfo; `metrics` maps the counts
  /// (files given a new DV are counted as neither removed nor added, as Spark does) to
  /// operationMetrics. The caller cleans up (Cleanup) when it fails.
  struct Result {
    int64_t version = -1;
    int attempts = 0;
    int64_t added_files = 0, added_bytes = 0, removed_files = 0, removed_bytes = 0;
    int64_t change_files = 0, change_bytes = 0, dvs_added = 0, dvs_removed = 0, dvs_updated = 0;
  };
  arrow::Result<Result> Commit(const std::string& operation,
                               std::map<std::string, std::string> parameters,
                               const std::function<std::map<std::string, std::string>(const Result&)>& metrics,
                               const TransactionOptions& options);

  /// Deletes every file written so far (after a failure).
  void Cleanup();

 private:
  RowLevelWrite() = default;
  arrow::Status MakeWriters(const Metadata& md);
  void RemoveLocked(const AddFile& file);  // Remove with mu_ held
  /// Columns whose dictionary overflowed in a file read are written without one (see
  /// DataFileWriter::DisableDictionary). Thread-safe.
  void NoteEncodings(const parquet::FileMetaData& md) const;
  /// Appends to `matched` the rows of `batch` (file rows from `offset`) where `bound` (null:
  /// every row) is TRUE, skipping those sorted `deleted` holds.
  arrow::Status MatchBatch(const arrow::RecordBatch& batch, uint64_t offset, const std::vector<uint64_t>& deleted,
                           const std::optional<arrow::compute::Expression>& bound,
                           std::vector<uint64_t>* matched) const;
  std::vector<int> AllColumns() const;
  std::string uri_;
  storage::TableLocation loc_;
  std::shared_ptr<const Snapshot> snapshot_;
  ExprPtr predicate_;
  std::optional<SkippingPredicate> skipping_;  // predicate_ over the files' statistics
  std::shared_ptr<arrow::Schema> schema_;
  std::optional<Metadata> new_metadata_;
  std::optional<arrow::compute::Expression> bound_predicate_;
  std::vector<int> match_columns_;  // the columns the predicate reads, and it bound to them
  std::optional<arrow::compute::Expression> bound_match_predicate_;
  bool partition_only_ = false;
  bool use_dvs_ = false;
  bool cdf_ = false;
  std::unique_ptr<write::DataFileWriter> data_writer_;
  std::unique_ptr<write::DataFileWriter> change_writer_;
  std::shared_ptr<arrow::Schema> change_schema_;
  std::unique_ptr<scan::DeletionVectorWriter> dv_writer_;
  mutable std::set<std::string> plain_columns_;  // see NoteEncodings
  mutable std::mutex mu_;  // WriteData, WriteChange, Remove, ReplaceDeletionVector, MarkRead: callable from threads
  bool wrote_changes_ = false;
  bool wrote_data_ = false;
  std::vector<RemoveFile> removes_;
  std::vector<AddFile> dv_adds_;
  std::vector<AddFile> read_files_;
  int64_t dvs_added_ = 0, dvs_removed_ = 0, dvs_updated_ = 0;
};

/// Milliseconds since `start`.
inline int64_t MsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start)
      .count();
}

/// Copies what the commit wrote into the operation's metrics.
void RecordResult(const RowLevelWrite::Result& r, RowLevelMetrics* m);

/// Metric values as commitInfo stores them (JSON texts of the numbers).
std::map<std::string, std::string> MetricTexts(const std::map<std::string, int64_t>& metrics);

/// The end of every row-level operation: when anything changed, commits `operation` with
/// `parameters` and the operation's Spark metrics (Metrics::SparkMetrics()) and records the
/// version and attempts in `m`; otherwise records the read version. Either way the execution
/// time since `start`.
template <typename Metrics>
arrow::Status CommitRowLevel(RowLevelWrite& w, const std::string& operation,
                             std::map<std::string, std::string> parameters, Metrics* m,
                             std::chrono::steady_clock::time_point start,
                             const TransactionOptions& options) {
  if (!w.HasChanges()) {
    m->version = w.snapshot().version();
    m->execution_time_ms = MsSince(start);
    return arrow::Status::OK();
  }
  auto metrics = [&](const RowLevelWrite::Result& r) {
    RecordResult(r, m);
    m->execution_time_ms = MsSince(start);
    return MetricTexts(m->SparkMetrics());
  };
  ARROW_ASSIGN_OR_RAISE(auto r, w.Commit(operation, std::move(parameters), metrics, options));
  m->version = r.version;
  m->committed = true;
  m->commit_attempts = r.attempts;
  return arrow::Status::OK();
}

}  // namespace delta::ops
