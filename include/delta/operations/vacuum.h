// VACUUM: deletes the files of a Delta table that no version within the retention period
// references, as Spark's `VACUUM delta.`path` [RETAIN n HOURS] [DRY RUN] [LITE|FULL]` does.
// PROTOCOL.md "Add File and Remove File" (tombstones expire after
// delta.deletedFileRetentionDuration), "Deletion Vectors" (file names), "VACUUM Protocol Check".
//
//  - Retention: `retention_hours`, or the table's delta.deletedFileRetentionDuration (default 7
//    days; "interval 7 days" forms accepted). A retention shorter than the table's is refused
//    with kInvalidArgument unless `enforce_retention_duration` is off. Files are deleted only if
//    older than now - retention ("delete before" horizon).
//  - Kept (the valid set): every live file of the latest version and every tombstone whose
//    deletionTimestamp is at or after the horizon (a version within the retention still reads
//    it), each with its deletion-vector file (`[prefix/]deletion_vector_<uuid>.bin` of 'u'
//    descriptors, or the 'p' path when inside the table), and every directory above them.
//  - Full mode (default): the table directory is listed recursively; every file not in the
//    valid set whose modification time is before the horizon is deleted, then the directories
//    left empty that were also older than the horizon. Lite mode lists nothing: the candidates
//    are the remove actions of the log (the latest state's tombstones plus the removes of every
//    commit file still in the log) whose deletionTimestamp is before the horizon, and their
//    deletion-vector files; files written but never committed are not found, nor are removes
//    whose commit files were cleaned up after their tombstones expired from the checkpoints
//    (Spark's LITE refuses then; here a full run finds them).
//  - Never touched: _delta_log, hidden files and directories (a path component starting with
//    '_' or '.', or "metadata"; except `_change_data` and `_delta_index` directories and
//    Hive-style partition directories `col=value` of a partition column, as Spark), and
//    anything outside the table root (absolute paths in the log elsewhere are ignored).
//    `_change_data` files are never in the table state, so they go once older than the horizon.
//  - numFilesToDelete counts files only (Spark's count also includes the empty directories
//    it removes); directories emptied by the deletes are removed afterwards.
//  - Commits (not in a dry run): "VACUUM START" (parameters retentionCheckEnabled,
//    defaultRetentionMillis, specifiedRetentionMillis; metrics numFilesToDelete,
//    sizeOfDataToDelete) before deleting and "VACUUM END" (parameter status COMPLETED or
//    FAILED; metrics numDeletedFiles, numVacuumedDirectories) after, commitInfo only, as Spark.
//
// Concurrency: VACUUM never conflicts with writers: its two commits carry no actions and read
// nothing, so they rebase over any concurrent commit. What keeps concurrent operations safe is
// the horizon, as in Spark: a writer's files not yet committed are newer than the horizon, and
// a commit can re-reference (e.g. RESTORE) only files whose removal is within the retention,
// which stay in the valid set. A retention shorter than every concurrent operation's duration
// breaks this, hence the retention check. Deletes run in parallel; a file already gone counts as
// not deleted, not as an error. Thread safety: Vacuum may run from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/result.h>

#include "delta/transaction.h"

namespace delta {

enum class VacuumMode { kFull, kLite };

struct VacuumOptions {
  /// The retention in hours; empty: the table's delta.deletedFileRetentionDuration.
  std::optional<double> retention_hours;
  /// List what would be deleted; delete nothing and commit nothing.
  bool dry_run = false;
  VacuumMode mode = VacuumMode::kFull;
  /// Refuse a retention shorter than the table's (Spark's
  /// spark.databricks.delta.retentionDurationCheck.enabled).
  bool enforce_retention_duration = true;
  /// Files stat-ed or deleted at once.
  int parallelism = 16;
  /// The clock, ms since the epoch (default: the system clock).
  std::function<int64_t()> clock;
  /// Called as work proceeds: phase ("listing", "deleting"), done, total (-1 when unknown).
  /// From the working threads: must be thread-safe.
  std::function<void(std::string_view phase, int64_t done, int64_t total)> progress;
  TransactionOptions transaction;
};

/// A file VACUUM deletes (or would delete): its path relative to the table root (decoded, '/'
/// separated) and size in bytes.
struct VacuumFile {
  std::string path;
  int64_t size = 0;
};

struct VacuumMetrics {
  int64_t read_version = -1;      ///< the version whose state decided what is kept
  int64_t start_version = -1;     ///< the VACUUM START commit (-1 in a dry run)
  int64_t end_version = -1;       ///< the VACUUM END commit (-1 in a dry run)
  bool dry_run = false;
  VacuumMode mode = VacuumMode::kFull;
  int64_t retention_ms = 0;          ///< in effect
  int64_t default_retention_ms = 0;  ///< the table's
  int64_t delete_before_ms = 0;      ///< the horizon: files older than this may go
  std::vector<VacuumFile> files;     ///< deleted (or to delete), sorted by path
  int64_t num_files_to_delete = 0;
  int64_t size_of_data_to_delete = 0;
  int64_t num_deleted_files = 0;
  int64_t num_deleted_directories = 0;
  int64_t num_vacuumed_directories = 0;  ///< directories listed, the root included (Spark)
};

/// Vacuums the table at `uri` (see above). kTableNotFound without a table; kInvalidArgument
/// for a negative retention or one below the table's with the check on; kUnsupportedFeature
/// when the table needs a writer feature deltacpp does not support.
arrow::Result<VacuumMetrics> Vacuum(const std::string& uri, const VacuumOptions& options = {});

}  // namespace delta
