// Reading one data file of a scan into logical batches.
//
// A Parquet file holds physical columns: names may be column-mapping physical names (or only
// field ids), types may be narrower than the table's (type widening), timestamps may be INT96
// or millisecond, and columns added later by schema evolution may be absent. ConformArray maps
// each physical column to its logical field recursively; absent columns read as nulls.
// Partition columns are materialized from the add action; deletion vectors drop rows by row
// index; the predicate filters rows last.
#pragma once

#include <functional>

#include <parquet/metadata.h>

#include <memory>
#include <optional>
#include <vector>

#include <arrow/compute/expression.h>
#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "delta/snapshot.h"

namespace delta::scan {

/// What to read from every file of a scan.
struct ReadPlan {
  /// Logical fields to produce, in order (data and partition columns, as in the table schema).
  std::shared_ptr<arrow::Schema> read_schema;
  /// Bound to read_schema; empty: keep all rows.
  std::optional<arrow::compute::Expression> filter;
  /// Indices into read_schema of the columns to output, in output order.
  std::vector<int> output_columns;
  std::shared_ptr<arrow::Schema> output_schema;
  int64_t batch_size = 64 * 1024;
  /// Called with each file's Parquet footer before its first batch (e.g. to learn encodings).
  std::function<void(const parquet::FileMetaData&)> on_footer;
  /// Streaming with little memory: on a local filesystem the column chunks are read page by
  /// page through a buffered stream instead of pre-buffered whole (Arrow's coalesced read,
  /// kept for object stores, where it saves requests). For readers that hold several files
  /// open at once (DML: one per thread, plus a rewrite's second read of a prefix).
  bool low_memory = false;
};

/// Maps a physical array (of file field `source`) to the logical field `target`.
arrow::Result<std::shared_ptr<arrow::Array>> ConformArray(const std::shared_ptr<arrow::Array>& array,
                                                          const arrow::Field& source,
                                                          const arrow::Field& target,
                                                          ColumnMappingMode mode);

/// Which rows of a file to keep, by row index. The default applies the file's deletion vector.
struct RowSelection {
  enum class Mode { kApplyDeletionVector, kExclude, kOnly };
  Mode mode = Mode::kApplyDeletionVector;
  std::vector<uint64_t> rows;  ///< sorted; for kExclude and kOnly
};

/// Reads a whole data file through the plan: conformed, partition-filled, row-selected
/// (deletion vector), filtered and projected batches.
arrow::Result<std::vector<std::shared_ptr<arrow::RecordBatch>>> ReadDataFile(
    const Snapshot& snapshot, const AddFile& file, const ReadPlan& plan,
    const RowSelection& selection = {});

/// As ReadDataFile, handing each batch to `sink` as soon as it is read, so that a file is never
/// held whole in memory. A sink error stops the read and is returned as is.
arrow::Status StreamDataFile(const Snapshot& snapshot, const AddFile& file, const ReadPlan& plan,
                             const RowSelection& selection,
                             const std::function<arrow::Status(std::shared_ptr<arrow::RecordBatch>)>& sink);

}  // namespace delta::scan
