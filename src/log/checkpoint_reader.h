// Reading checkpoints (PROTOCOL.md "Checkpoints", "V2 Spec", "Sidecar Files").
//
// Classic and multi-part checkpoints are Parquet files whose rows each hold one action in a
// struct column (add, remove, metaData, protocol, txn, domainMetadata, ...). V2 checkpoints
// are JSON or Parquet files holding the non-file actions and `sidecar` actions that point to
// Parquet files under _delta_log/_sidecars/ with the add/remove actions.
//
// Only the columns needed are read. When an add carries `stats_parsed` instead of a JSON
// `stats` string, the struct is rendered to the JSON stats form so the rest of deltacpp sees
// one representation.
#pragma once

#include <memory>
#include <string>

#include <arrow/filesystem/filesystem.h>
#include <arrow/result.h>

#include "delta/actions.h"

namespace delta::log {

struct CheckpointReadOptions {
  bool include_removes = false;  ///< tombstones are only needed by VACUUM and conflict checks
  /// Skip add.stats / add.stats_parsed (the bulk of a checkpoint): snapshots load them lazily,
  /// only when a scan, a count or a checkpoint needs them.
  bool skip_stats = false;
  /// Read only the protocol and metaData columns (timestamp resolution needs nothing else).
  bool only_protocol_and_metadata = false;
};

/// Reads one checkpoint Parquet file (classic, one part, a V2 top-level file, or a sidecar).
arrow::Result<ActionBatch> ReadParquetCheckpoint(arrow::fs::FileSystem& fs, const std::string& path,
                                                 const CheckpointReadOptions& options);

}  // namespace delta::log
