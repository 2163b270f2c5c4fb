// Loading snapshots: the I/O half of log replay.
//
// Lists _delta_log, selects the log segment, reads the checkpoint (with sidecars) and the
// commits after it (in parallel: each commit file is parsed independently, then applied in
// version order), reconciles them with the pure LogReplayer, and validates the result
// (protocol and metadata present, reader gate, schema). Errors name the table and version.
//
// Updates are incremental: a snapshot of version B becomes one of version V > B by reading
// only the commits B+1..V and replaying them onto B's state (log::ReplayOnto), whether or not
// a newer checkpoint exists. When those commits are no longer all in the log (cleaned up),
// the update falls back to a full load.
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
/// snapshot also holds the remove actions still in the log state (checkpoints, VACUUM). A
/// checkpoint's per-file stats are read when first needed (Snapshot::EnsureStats), or with the
/// file list when `with_stats` (callers that consult every file's stats, as DML does: one
/// read of the checkpoint instead of two).
arrow::Result<std::shared_ptr<const Snapshot>> LoadSnapshotFromListing(
    const storage::TableLocation& loc, std::vector<log::LogFile> listing,
    std::optional<int64_t> version, bool keep_tombstones = false, bool with_stats = false);

/// Updates `base` to `version` (latest when empty) reading only newer commits; `base` itself
/// when it is already at that version. kInvalidArgument for an older version or a snapshot of
/// another table.
arrow::Result<std::shared_ptr<const Snapshot>> UpdateSnapshot(
    const storage::TableLocation& loc, const std::shared_ptr<const Snapshot>& base,
    std::optional<int64_t> version);

/// The snapshot that `commits` (whole commits of versions base+1, base+2, ... ascending) lead
/// to from `base` (null: an empty table, the commits start at version 0). No I/O beyond a stat
/// when `last_file_time_ms` is unknown (< 0) and in-commit timestamps are off. `metrics`
/// records what the caller read to get the commits.
arrow::Result<std::shared_ptr<const Snapshot>> SnapshotAfterCommits(
    const storage::TableLocation& loc, const std::shared_ptr<const Snapshot>& base,
    std::vector<ActionBatch> commits, int64_t last_file_time_ms, SnapshotLoadMetrics metrics);

/// The protocol and metadata of the latest version in `listing`, without the file list:
/// commits newest first (only their protocol/metaData lines are parsed) until both are found,
/// then the checkpoint's protocol and metaData columns.
arrow::Result<std::pair<Protocol, Metadata>> ReadProtocolAndMetadata(
    const storage::TableLocation& loc, std::vector<log::LogFile> listing);

/// Reads and parses the commit files, in parallel, preserving order.
arrow::Result<std::vector<ActionBatch>> ReadCommits(const storage::TableLocation& loc,
                                                    const std::vector<log::LogFile>& commits);

/// The inCommitTimestamp of a commit, read from its first line (where writers MUST put
/// commitInfo when in-commit timestamps are on), so the cost does not grow with the commit;
/// the whole commit is parsed only when the first line is not commitInfo. Empty when the
/// commit has none.
arrow::Result<std::optional<int64_t>> ReadInCommitTimestamp(const storage::TableLocation& loc,
                                                            const log::LogFile& commit);

/// The commit timestamp of a commit: its in-commit timestamp when `use_ict`, else `fallback`.
int64_t CommitTimestamp(const ActionBatch& commit, bool use_ict, int64_t fallback);

}  // namespace delta::table
