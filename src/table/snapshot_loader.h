// Loading snapshots: the I/O half of log replay.
//
// Lists _delta_log, selects the log segment, reads the checkpoint (with sidecars) and the
// commits after it (in parallel: each commit file is parsed independently, then applied in
// version order), reconciles them with the pure LogReplayer, and validates the result
// (protocol and metadata present, reader gate, schema). Errors name the table and version.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include <arrow/result.h>

#include "delta/snapshot.h"
#include "log/log_segment.h"
#include "storage/table_location.h"

namespace delta::table {

/// Loads the snapshot at `version` (latest when empty) from a fresh listing.
arrow::Result<std::shared_ptr<const Snapshot>> LoadSnapshot(const storage::TableLocation& loc,
                                                            std::optional<int64_t> version);

/// Loads from an existing listing (avoids listing twice). With `keep_tombstones`, the
/// snapshot also holds the remove actions still in the log state (checkpoints, VACUUM).
arrow::Result<std::shared_ptr<const Snapshot>> LoadSnapshotFromListing(
    const storage::TableLocation& loc, std::vector<log::LogFile> listing,
    std::optional<int64_t> version, bool keep_tombstones = false);

/// Reads and parses the commit files, in parallel, preserving order.
arrow::Result<std::vector<ActionBatch>> ReadCommits(const storage::TableLocation& loc,
                                                    const std::vector<log::LogFile>& commits);

/// The commit timestamp of a commit: its in-commit timestamp when `use_ict`, else `fallback`.
int64_t CommitTimestamp(const ActionBatch& commit, bool use_ict, int64_t fallback);

}  // namespace delta::table
