// Scans: reading a snapshot's rows as a stream of Arrow record batches.
//
// Planning (pure): the snapshot's files are pruned by the predicate against partition values
// and per-file statistics (min/max/nullCount/numRecords). Execution reads the remaining
// Parquet files with Arrow, maps physical to logical columns (column mapping by name or id,
// type widening, timestamp units), materializes partition columns, drops rows marked in
// deletion vectors, applies the predicate as a row filter and projects the requested columns.
// Memory stays bounded: files are read batch by batch, a few files ahead.
// PROTOCOL.md: "Column Mapping", "Deletion Vectors", "Per-file Statistics", "Partition Value
// Serialization".
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "delta/expression.h"
#include "delta/snapshot.h"

namespace delta {

struct ScanOptions {
  /// Logical top-level columns to return, in this order; empty: all columns in schema order.
  std::vector<std::string> columns;
  /// Row filter; also used for file skipping. Null: all rows.
  ExprPtr predicate;
  /// Stop after this many rows.
  std::optional<int64_t> limit;
  /// Rows per output batch (upper bound).
  int64_t batch_size = 64 * 1024;
  /// Files read ahead concurrently.
  int readahead_files = 4;
};

struct ScanMetrics {
  int64_t files_total = 0;
  int64_t files_skipped_by_partition = 0;  ///< pruned by partition values
  int64_t files_skipped_by_stats = 0;      ///< pruned by min/max/null-count statistics
  int64_t files_to_read = 0;
};

class Scan : public std::enable_shared_from_this<Scan> {
 public:
  /// Plans a scan of `snapshot`. Fails with kInvalidArgument naming an unknown column.
  static arrow::Result<std::shared_ptr<Scan>> Make(std::shared_ptr<const Snapshot> snapshot,
                                                   ScanOptions options);

  /// The files that will be read, after pruning.
  const std::vector<const AddFile*>& files() const { return files_; }
  const ScanMetrics& metrics() const { return metrics_; }
  /// Schema of the batches Execute() yields.
  const std::shared_ptr<arrow::Schema>& output_schema() const { return output_schema_; }

  /// Streams the rows. The reader keeps the snapshot alive.
  arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> Execute() const;

  std::shared_ptr<const Snapshot> snapshot_;
  ScanOptions options_;
  std::vector<const AddFile*> files_;
  ScanMetrics metrics_;
  std::shared_ptr<arrow::Schema> output_schema_;
};

/// Per-file statistics as deltacpp's skipping sees them: the JSON stats of `file` parsed and
/// typed by the table schema, plus its partition values as exact stats.
FileStatistics GetFileStatistics(const Snapshot& snapshot, const AddFile& file);

/// The same for only the top-level columns in `columns` (lower-cased names, as
/// SkippingPredicate::columns gives them): what a predicate reads, without typing the stats
/// of every other column.
FileStatistics GetFileStatistics(const Snapshot& snapshot, const AddFile& file,
                                 const std::set<std::string>& columns);

}  // namespace delta
