// Writing data: create tables, append, overwrite, overwrite by predicate (replaceWhere).
//
// Data arrives as an Arrow stream. It is checked against the table schema (enforcement: a
// missing non-nullable column, an extra column, an incompatible type or a null in a NOT NULL
// column is refused before anything is committed, with every difference listed; safe casts
// such as int32→int64 or large_string→string are applied), split by partition values into
// Hive-style directories (Spark's escaping, __HIVE_DEFAULT_PARTITION__ for null), written as
// Parquet files with per-file statistics, and committed in one transaction.
//
// Concurrency: an append is a blind append and never conflicts with other appends; overwrite
// and replaceWhere read the table (or the predicate's part of it) and conflict with
// concurrent changes there, as Spark's rules say (delta/transaction.h).
// PROTOCOL.md: "Add File and Remove File", "Partition Value Serialization", "Per-file
// Statistics", "Writer Requirements".
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "delta/transaction.h"

namespace delta {

enum class WriteMode {
  kAppend,
  kOverwrite,
  kErrorIfExists,
  kIgnore,
};

enum class SchemaMode {
  kEnforce,    ///< the data must fit the table schema
  kMerge,      ///< new columns are added to the table schema
  kOverwrite,  ///< with kOverwrite: the data's schema replaces the table's
};

struct WriteOptions {
  WriteMode mode = WriteMode::kAppend;
  SchemaMode schema_mode = SchemaMode::kEnforce;
  /// Partition columns when the write creates the table (must match an existing table's).
  std::vector<std::string> partition_by;
  /// Overwrite only the rows matching this predicate (requires mode kOverwrite). Every new
  /// row must match it.
  ExprPtr replace_where;
  /// Dynamic partition overwrite (Spark's partitionOverwriteMode=dynamic; requires mode
  /// kOverwrite, not with replace_where): only the partitions the new data writes to are
  /// replaced, the others are kept. On an unpartitioned table it overwrites the whole table.
  bool dynamic_partition_overwrite = false;
  /// Table properties, name and description when the write creates the table.
  std::map<std::string, std::string> configuration;
  std::optional<std::string> name;
  std::optional<std::string> description;
  /// Target size of data files in bytes; default: table property delta.targetFileSize, else
  /// 128 MiB.
  std::optional<int64_t> target_file_size;
  int64_t max_rows_per_file = 10'000'000;
  /// "snappy" (Spark's default) or "zstd".
  std::string compression = "snappy";
  /// Idempotent writes: skip the write if (app_id, version) is already committed.
  std::optional<std::pair<std::string, int64_t>> app_transaction;
  TransactionOptions transaction;
  /// A snapshot of this table from an earlier read or write: the write brings it up to date by
  /// reading only newer commits (Table::UpdateSnapshot) instead of loading the whole log.
  std::shared_ptr<const Snapshot> snapshot;
  /// Return the table after the write in WriteMetrics::snapshot: a writer loop passes it as
  /// `snapshot` to its next write and never reloads the log.
  bool return_snapshot = false;
  /// Auto compaction after the commit (Spark's delta.autoOptimize.autoCompact); default: that
  /// table property ("true"/"auto"). The partitions this write added files to are compacted
  /// by a separate OPTIMIZE commit (operationParameters.auto = true) when one holds at least
  /// auto_compact_min_files files smaller than auto_compact_max_file_size (Spark's
  /// spark.databricks.delta.autoCompact.minNumFiles / maxFileSize: 50, 128 MiB), into files of
  /// that size. A failed compaction (e.g. a lost race) never fails the write: see
  /// WriteMetrics::auto_compact_error.
  std::optional<bool> auto_compact;
  int auto_compact_min_files = 50;
  int64_t auto_compact_max_file_size = 128LL << 20;
};

struct WriteMetrics {
  int64_t version = -1;  ///< the committed version; when skipped, the table's current version
  bool skipped = false;  ///< kIgnore on an existing table, or an already-applied app txn
  int64_t num_files_added = 0;
  int64_t num_files_removed = 0;
  int64_t num_output_rows = 0;
  int64_t num_output_bytes = 0;
  int64_t num_removed_bytes = 0;
  int commit_attempts = 0;
  /// The table after this write (built from the read snapshot and the committed actions, no
  /// log reads), when WriteOptions::return_snapshot asked for it.
  std::shared_ptr<const Snapshot> snapshot;
  /// Auto compaction (WriteOptions::auto_compact): the OPTIMIZE version it committed, the
  /// files it replaced, or why it did not run to the end (the write stands either way).
  std::optional<int64_t> auto_compact_version;
  int64_t auto_compact_files_removed = 0;
  int64_t auto_compact_files_added = 0;
  std::string auto_compact_error;
};

/// Writes `data` to the table at `uri`, creating it if needed (and allowed by the mode).
arrow::Result<WriteMetrics> WriteTable(const std::string& uri,
                                       std::shared_ptr<arrow::RecordBatchReader> data,
                                       const WriteOptions& options);

/// Creates an empty table with `schema`. kInvalidArgument if a table exists there, unless
/// `ignore_if_exists` (then the existing table is left alone and its version returned).
arrow::Result<int64_t> CreateTable(const std::string& uri, const std::shared_ptr<arrow::Schema>& schema,
                                   const WriteOptions& options, bool ignore_if_exists = false);

}  // namespace delta
