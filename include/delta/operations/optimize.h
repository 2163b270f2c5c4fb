// OPTIMIZE: bin-packing compaction of small files, and Z-ORDER BY clustering, as Spark's
// `OPTIMIZE delta.`path` [WHERE partition_predicate] [ZORDER BY (cols)]` does.
//
//  - Scope: the live files of the partitions matching `where` (a predicate on partition
//    columns only; another column is kInvalidArgument), all files without it.
//  - Compaction (no zorder columns): per partition, the files smaller than the target size, and
//    files with a deletion vector whatever their size, are packed in file order into bins of at
//    most the target size (a file larger than what is left starts a new bin). A bin is rewritten
//    when it holds at least `min_files_per_bin` files (default 2, as Spark) or a file with a
//    deletion vector; its rows are written in file order without the deleted rows, so the new
//    files carry no deletion vector. A partition with one small file, or only files at the
//    target, is left alone: running OPTIMIZE twice rewrites nothing the second time.
//  - Z-ORDER BY: per partition, every file is read (one partition in memory at a time), each
//    row gets a Morton key (each column's value mapped to its rank bucket over the partition,
//    the buckets' bits interleaved), rows are sorted by the key and written into target-size
//    files. Zorder columns must be data columns (a partition column is kInvalidArgument) with
//    statistics (within delta.dataSkippingNumIndexedCols / dataSkippingStatsColumns) and of an
//    orderable type (numbers, decimals, dates, timestamps, strings, binary, booleans). New files
//    carry the tag `deltacpp.zOrderBy` (the columns, a JSON array; not Databricks' ZCUBE_* tags,
//    which come with cube ids deltacpp does not maintain). A partition whose files all carry the
//    tag with the same columns and no deletion vector is skipped: re-running Z-ORDER on a
//    clustered table rewrites nothing, while a partition that received new (untagged) files is
//    clustered again as a whole, as Spark does.
//  - Commit: one remove (dataChange=false, extended metadata) per rewritten file and one add
//    (dataChange=false, stats from the footer) per new file, commitInfo operation "OPTIMIZE"
//    with Spark's parameters (predicate: JSON array of predicate strings; zOrderBy: JSON array;
//    clusterBy: "[]"; auto: false) and operationMetrics (numRemovedFiles, numAddedFiles,
//    numRemovedBytes, numAddedBytes, min/p25/p50/p75/maxFileSize of the added files,
//    numDeletionVectorsRemoved). Nothing to rewrite: no commit (`version` stays the read one).
//
// Target size: `target_file_size`, else the table's delta.targetFileSize, else 1 GiB — Spark's
// spark.databricks.delta.optimize.maxFileSize (delta-rs uses 100 MiB; Spark's number is the
// one a Delta user expects from OPTIMIZE, and fewer, larger files is the point of compaction).
//
// Concurrency: only the rewritten files are marked read, so concurrent appends (blind or not,
// to any partition) never conflict; a concurrent commit that removes a file this OPTIMIZE
// rewrites (DELETE, UPDATE, another OPTIMIZE) is ConcurrentDeleteRead / ConcurrentDeleteDelete
// and the new files are deleted. Optimize runs on the calling thread; files are read ahead on
// Arrow's CPU pool and encoded by the writer's background encoders.
//
// Memory: compaction streams one file at a time into the writer. Z-ORDER holds one partition
// (all its rows) in memory: a partition larger than memory fails with an allocation error;
// restrict such tables with `where`.
// PROTOCOL.md "Add File and Remove File", "Deletion Vectors".
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <arrow/result.h>

#include "delta/expression.h"
#include "delta/transaction.h"

namespace delta {

struct OptimizeOptions {
  /// Restricts OPTIMIZE to the partitions matching this predicate on partition columns.
  ExprPtr where;
  /// Empty: bin-packing compaction. Otherwise Z-ORDER BY these (top-level data) columns.
  std::vector<std::string> zorder_by;
  /// Target size of the files written (bytes); see the header comment for the default.
  std::optional<int64_t> target_file_size;
  /// Bins with fewer files are left alone (unless a file of theirs has a deletion vector).
  int min_files_per_bin = 2;
  /// Only files of these partitions (partition values exactly as the log stores them); empty:
  /// every partition `where` admits. Auto compaction passes the partitions a write touched.
  std::vector<PartitionValues> partitions;
  /// Only files smaller than this many bytes are compacted (auto compaction's maxFileSize).
  std::optional<int64_t> max_input_file_size;
  /// Recorded as commitInfo.operationParameters.auto (Spark's auto compaction writes true).
  bool auto_compact = false;
  /// Files of a bin read at once (on Arrow's CPU pool); rows are still written in file order.
  int max_concurrent_reads = 8;
  /// Z-ORDER of a partition bigger than one target file clusters in bounded memory through
  /// spill files (Arrow IPC) in this local directory; empty: the system's temporary directory
  /// ($TMPDIR). They are deleted when the partition is written.
  std::string spill_dir;
  /// Compression of the new files.
  std::string compression = "snappy";
  /// Called after each bin (or Z-ORDER partition) is written: (done, total). Same thread.
  std::function<void(int64_t done, int64_t total)> progress;
  TransactionOptions transaction;
};

/// Spark's FileSizeMetrics.
struct FileSizeMetrics {
  std::optional<int64_t> min;
  std::optional<int64_t> max;
  double avg = 0;
  int64_t total_files = 0;
  int64_t total_size = 0;
};

/// Spark's OptimizeMetrics (the DataFrame OPTIMIZE returns), plus the commit version.
struct OptimizeMetrics {
  int64_t version = -1;  ///< the committed version, or the read version when nothing changed
  int64_t num_files_added = 0;
  int64_t num_files_removed = 0;
  FileSizeMetrics files_added;
  FileSizeMetrics files_removed;
  int64_t partitions_optimized = 0;
  int64_t num_bins = 0;
  int64_t num_batches = 0;  ///< 1 when something was committed, as Spark's single batch
  int64_t total_considered_files = 0;  ///< files in the partitions in scope
  int64_t total_files_skipped = 0;     ///< of those, files left alone
  bool preserve_insertion_order = false;
  int64_t num_deletion_vectors_removed = 0;
  int64_t num_deletion_vector_rows_removed = 0;
  int64_t num_table_columns = 0;
  int64_t num_table_columns_with_stats = 0;
  int64_t start_time_ms = 0;
  int64_t end_time_ms = 0;
  std::vector<std::string> zorder_by;
  int64_t num_output_rows = 0;
};

/// Compacts (or Z-orders) the table at `uri`; see the header comment.
arrow::Result<OptimizeMetrics> Optimize(const std::string& uri, const OptimizeOptions& options = {});

/// Parses a size such as "256MB", "1GiB", "1048576" (k/m/g/t, with or without "B"/"iB",
/// powers of 1024). kInvalidArgument when malformed.
arrow::Result<int64_t> ParseByteSize(const std::string& text);

}  // namespace delta
