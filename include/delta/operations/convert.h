// CONVERT TO DELTA: turns a directory of Parquet files into a Delta table in place, as Spark's
// `CONVERT TO DELTA parquet.`dir` [PARTITIONED BY (...)]` does. No data file is read or
// rewritten: the files stay where they are and version 0 of a new _delta_log describes them.
//
//  - Files: every file under the directory, recursively, except hidden ones (a file or
//    directory whose name starts with '_' or '.', e.g. _SUCCESS, .crc files, _delta_log; a
//    directory `_col=value` of a declared partition column is not hidden). Each must be Parquet.
//  - Schema: the files' schemas (read from their footers, in parallel) merged by column name,
//    structs field by field, in file path order; a column whose type differs between two files
//    is kSchemaMismatch naming the column and both files. Every column becomes nullable. The
//    partition columns follow the data columns.
//  - Partitions: Hive-style `col=value` directories, typed by `partition_schema` (Spark's
//    PARTITIONED BY), in that order. A file whose directories do not name exactly the declared
//    columns, or whose value does not parse as the column's type, is kInvalidArgument naming
//    the file; so is a partitioned directory converted without PARTITIONED BY.
//  - Stats: numRecords, min/max and null counts from each file's footer
//    (src/write/footer_stats.h), unless `collect_stats` is off.
//  - Commit: protocol (the lowest the schema needs), metaData, one add per file (relative,
//    URI-encoded path; size and modification time from the filesystem; dataChange true) and
//    commitInfo operation "CONVERT" with Spark's parameters (numFiles, partitionedBy,
//    collectStats, sourceFormat) and metric numConvertedFiles.
//  - A directory that already is a Delta table is left alone (`skipped`, as Spark does).
//    A directory without Parquet files is kInvalidArgument: there is no schema to infer.
//
// Concurrency: the commit is version 0 with put-if-absent, so of two conversions (or a
// conversion and a table creation) racing on one directory exactly one wins; the other fails
// with kCommitConflict and leaves no trace. Files added to the directory while it is being
// converted are not part of the table unless they were listed. PROTOCOL.md "Add File and
// Remove File", "Per-file Statistics", "Partition Value Serialization".
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <arrow/result.h>
#include <arrow/type_fwd.h>

#include "delta/transaction.h"

namespace delta {

struct ConvertOptions {
  /// The partition columns and their types, in directory order (e.g. ParseSchemaDdl("a STRING,
  /// b INT")). Null or empty: the directory is not partitioned.
  std::shared_ptr<arrow::Schema> partition_schema;
  /// Per-file statistics from the Parquet footers (Spark's default; NO STATISTICS turns it off).
  bool collect_stats = true;
  /// Table properties of the new table (e.g. delta.dataSkippingNumIndexedCols).
  std::map<std::string, std::string> configuration;
  /// Footers read at once.
  int parallelism = 8;
  /// Called as footers are read (done, total), from the reading threads; must be thread-safe.
  std::function<void(int64_t done, int64_t total)> progress;
  TransactionOptions transaction;
};

struct ConvertMetrics {
  int64_t version = -1;   ///< 0, or the existing table's version when skipped
  bool skipped = false;   ///< the directory already is a Delta table
  int64_t num_files = 0;  ///< data files converted
  int64_t num_rows = 0;   ///< from the footers
  int64_t num_bytes = 0;
  int64_t num_partitions = 0;  ///< distinct partition directories
};

/// Converts the Parquet directory at `uri` into a Delta table (see above).
arrow::Result<ConvertMetrics> ConvertToDelta(const std::string& uri, const ConvertOptions& options = {});

}  // namespace delta
