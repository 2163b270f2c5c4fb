// Checkpoints (PROTOCOL.md "Checkpoints", "Checkpoint Specs", "Checkpoint Naming Scheme",
// "V2 Checkpoint Table Feature", "Last Checkpoint File", "Checkpoint Schema").
//
// A checkpoint of version N holds one row per action of the table state at N: protocol,
// metaData, txn, domainMetadata, the live add files and the remove tombstones still within
// delta.deletedFileRetentionDuration. CreateCheckpoint picks the form the table allows:
//
//   * classic      _delta_log/N.checkpoint.parquet, one file (V1 spec);
//   * multi-part   N.checkpoint.o.p.parquet, o = 1..p, when the table has more file actions
//                  than CheckpointOptions::part_size and does not support v2Checkpoint. Rows are
//                  clustered by Spark's hash partitioning of the file key (path, plus the DV id
//                  when the table supports deletion vectors), so two writers racing on the same
//                  checkpoint write identical parts. Parts are written in parallel;
//   * V2           when delta.checkpointPolicy=v2 (the table then supports v2Checkpoint): a
//                  UUID-named N.checkpoint.<uuid>.parquet (or .json) with checkpointMetadata,
//                  the non-file actions and `sidecar` actions; the add/remove rows live in
//                  _delta_log/_sidecars/<uuid>.parquet (one per part_size file actions). With
//                  CheckpointOptions::v2_classic_name the same V2-spec content is written as
//                  N.checkpoint.parquet, the compatible classic form the protocol asks writers to
//                  produce now and then for clients without v2Checkpoint. A table that supports
//                  v2Checkpoint never gets multi-part checkpoints (the protocol forbids them).
//
// Stats: add.stats (JSON) unless delta.checkpoint.writeStatsAsJson=false; add.stats_parsed
// (typed by the table schema, physical names under column mapping: numRecords, minValues,
// maxValues, nullCount, and tightBounds for tables that support deletion vectors) and, for
// partitioned tables, add.partitionValues_parsed unless delta.checkpoint.writeStatsAsStruct=false
// (Spark's default is true).
//
// Crash safety: every file is written under a temporary name and renamed. A multi-part set
// becomes complete only with its last rename, and readers ignore incomplete sets; sidecars are
// in place before the V2 file that names them appears. _last_checkpoint is written last.
// Expired log files are deleted afterwards when delta.enableExpiredLogCleanup is on (default).
//
// Thread safety: concurrent checkpoint writers of the same version write equivalent content;
// the last rename wins harmlessly. CreateCheckpoint itself may be called from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <arrow/result.h>

namespace delta {

/// Default number of file actions per checkpoint part / V2 sidecar (Spark's conf is
/// spark.databricks.delta.checkpoint.partSize): tables with up to a million files get one file.
inline constexpr int64_t kDefaultCheckpointPartSize = 1'000'000;

struct CheckpointOptions {
  /// Version to checkpoint; the latest when empty.
  std::optional<int64_t> version;
  /// Maximum file actions (adds + tombstones) per multi-part part or V2 sidecar. A table with
  /// more gets ceil(actions / part_size) parts. Must be >= 1.
  int64_t part_size = kDefaultCheckpointPartSize;
  /// V2 checkpoints: write the top-level UUID-named file as JSON instead of Parquet.
  bool v2_json = false;
  /// V2 checkpoints: write the V2-spec content under the classic name N.checkpoint.parquet
  /// (readable by clients that do not know UUID-named checkpoints).
  bool v2_classic_name = false;
};

enum class CheckpointKind { kClassic, kMultiPart, kV2 };

struct CheckpointMetrics {
  int64_t version = -1;
  CheckpointKind kind = CheckpointKind::kClassic;
  int64_t num_actions = 0;    ///< rows over all files (top-level, parts, sidecars)
  int64_t num_add_files = 0;
  int64_t num_parts = 1;      ///< multi-part: parts; otherwise 1
  int64_t num_sidecars = 0;   ///< V2 only
  int64_t size_in_bytes = 0;  ///< all files written
  std::string path;           ///< the (first) top-level checkpoint file's name in _delta_log
};

/// Writes a checkpoint of the table at `uri` at `version` (latest when empty).
arrow::Result<CheckpointMetrics> CreateCheckpoint(const std::string& uri,
                                                  std::optional<int64_t> version = std::nullopt);

/// Writes a checkpoint with explicit options. kInvalidArgument for part_size < 1 or V2 options
/// on a table that does not use V2 checkpoints.
arrow::Result<CheckpointMetrics> CreateCheckpoint(const std::string& uri,
                                                  const CheckpointOptions& options);

}  // namespace delta
