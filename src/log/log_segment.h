// Log segment selection (PROTOCOL.md "Action Reconciliation", "Checkpoints").
//
// Given the listing of _delta_log/ and an optional target version, a LogSegment names exactly
// the files that reconstruct the table at that version: the newest complete checkpoint at or
// below the target (classic, all parts of a multi-part one, or a V2 checkpoint) and every
// commit after it up to the target, contiguous. Pure: it takes a listing, never lists.
//
// Errors: no commits and no checkpoint → kTableNotFound; a target beyond the newest commit or
// below the oldest reconstructable version (log cleaned up) → kVersionNotFound; a gap between
// versions → kCorruptLog.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <arrow/result.h>

#include "log/log_file_names.h"

namespace delta::log {

/// One file of the log listing.
struct LogFile {
  LogFileName name;
  std::string path;  ///< full path within the table's filesystem
  int64_t size = 0;
  int64_t modification_time_ms = 0;
};

struct LogSegment {
  int64_t version = -1;                      ///< the version this segment reconstructs
  std::optional<int64_t> checkpoint_version;  ///< empty: replay from version 0
  std::vector<LogFile> checkpoint_files;     ///< parts in order (one file unless multi-part)
  std::vector<LogFile> commits;              ///< ascending, checkpoint_version+1 .. version
};

/// Selects the segment for `target_version` (latest when empty) from a listing of log files
/// (unordered; non-log entries must already be dropped). `table` names the table in errors.
arrow::Result<LogSegment> BuildLogSegment(std::vector<LogFile> listing,
                                          std::optional<int64_t> target_version,
                                          const std::string& table);

/// Every commit version in the listing, ascending (for history and timestamp resolution).
std::vector<LogFile> CommitFiles(const std::vector<LogFile>& listing);

}  // namespace delta::log
