// Many tables at once: finding the Delta tables under a folder ("a lake") and maintaining each
// according to its own properties.
//
//  - Discovery: a folder is a Delta table when it holds a _delta_log/ directory with at least
//    one commit or checkpoint file; discovery never descends into a table's folder (nor into
//    hidden folders: names starting with '.' or '_'). `max_depth` 0 looks at DIR itself only,
//    1 (default) also at its children, and so on. DIR itself being a table lists just it.
//  - ListLake loads the tables in parallel (latest snapshot and last commit); a table that
//    cannot be loaded is listed with its error and does not stop the others.
//  - MaintainLake, per table, one table at a time, in this order:
//      OPTIMIZE (compaction) when the doctor's small-files finding fires, or when
//        delta.autoOptimize.autoCompact is true and two small files share a partition;
//      VACUUM with the table's own retention (the retention check is never disabled) when the
//        doctor's vacuum-backlog finding fires;
//      a checkpoint when the versions since the last one reach delta.checkpointInterval
//        (counting the commits OPTIMIZE and VACUUM just made).
//    With `dry_run` nothing is written: the actions are the ones that would run, with the
//    doctor's figures (files to compact, bytes to vacuum). Errors are recorded per table; the
//    remaining actions of that table are skipped, other tables go on.
//
// Thread safety: both functions may run from any thread; they use their own worker threads.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <arrow/result.h>
#include <arrow/status.h>

namespace delta {

struct LakeOptions {
  /// How many folder levels below DIR to look for tables (0: DIR itself).
  int max_depth = 1;
  /// Tables loaded at once (ListLake).
  int parallelism = 8;
  /// MaintainLake: plan only, change nothing.
  bool dry_run = false;
  /// Called as tables are done: (done, total). From worker threads: must be thread-safe.
  std::function<void(int64_t done, int64_t total)> progress;
  /// The clock for the doctor's retention arithmetic (ms since the epoch; default: system).
  std::function<int64_t()> clock;
};

struct LakeTableInfo {
  std::string path;  ///< as found: DIR joined with the relative folder
  int64_t version = -1;
  int64_t num_files = 0;
  int64_t size_bytes = 0;
  std::optional<std::string> last_operation;
  int64_t last_operation_time_ms = 0;
  arrow::Status error;  ///< not OK: the table could not be loaded (other fields unset)
};

/// The tables under `dir`, sorted by path. kTableNotFound / kIoError when `dir` itself
/// cannot be listed.
arrow::Result<std::vector<LakeTableInfo>> ListLake(const std::string& dir, const LakeOptions& options = {});

/// The table folders under `dir` (discovery only), sorted.
arrow::Result<std::vector<std::string>> FindLakeTables(const std::string& dir, int max_depth);

struct LakeMaintenance {
  std::string path;
  std::vector<std::string> actions;  ///< "optimize", "vacuum", "checkpoint": done (or planned)
  int64_t files_compacted = 0;       ///< files OPTIMIZE removed (or would consider)
  int64_t files_written = 0;         ///< files OPTIMIZE added
  int64_t files_vacuumed = 0;
  int64_t bytes_vacuumed = 0;        ///< deleted (or would be)
  int64_t checkpoint_version = -1;
  /// Actions left out on purpose, with the reason (e.g. VACUUM of a table whose
  /// delta.deletedFileRetentionDuration is under one hour: running jobs may still need the
  /// files, so an unattended sweep leaves it to an explicit `deltactl vacuum`).
  std::vector<std::string> skipped;
  arrow::Status error;
};

/// Maintains every table under `dir` (see the header comment), sorted by path.
arrow::Result<std::vector<LakeMaintenance>> MaintainLake(const std::string& dir, const LakeOptions& options = {});

}  // namespace delta
