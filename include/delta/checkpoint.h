// Checkpoints (PROTOCOL.md "Checkpoints", "Last Checkpoint File").
//
// A classic checkpoint of version N is _delta_log/N.checkpoint.parquet: one row per action of
// the table state at N (protocol, metaData, txn, domainMetadata, live add files, and the
// remove tombstones still within delta.deletedFileRetentionDuration), plus _last_checkpoint.
// The Parquet file is written under a temporary name and renamed, so a crash never leaves a
// partial checkpoint where readers look. Writers create one every delta.checkpointInterval
// commits (default 10).
//
// Thread safety: concurrent checkpoint writers of the same version write identical content;
// the last rename wins harmlessly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <arrow/result.h>

namespace delta {

struct CheckpointMetrics {
  int64_t version = -1;
  int64_t num_actions = 0;
  int64_t num_add_files = 0;
  int64_t size_in_bytes = 0;
};

/// Writes a checkpoint of the table at `uri` at `version` (latest when empty).
arrow::Result<CheckpointMetrics> CreateCheckpoint(const std::string& uri,
                                                  std::optional<int64_t> version = std::nullopt);

}  // namespace delta
