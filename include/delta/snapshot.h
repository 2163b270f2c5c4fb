// A Snapshot: the state of a Delta table at one version.
//
// Immutable once built: version, protocol, metadata, logical schema, the live files, app
// transaction versions and domain metadata. Shared as shared_ptr<const Snapshot>; safe to use
// from many threads. Scans are planned from a snapshot (delta/scan.h).
// PROTOCOL.md: "Action Reconciliation", "Table Features".
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <arrow/filesystem/filesystem.h>
#include <arrow/status.h>
#include <arrow/type_fwd.h>

#include "delta/actions.h"
#include "delta/schema.h"

namespace delta {

/// The log I/O a snapshot took to build: a full load reads a checkpoint and the commits after
/// it; an incremental update (Table::UpdateSnapshot, Transaction::PostCommitSnapshot) reads
/// only commits newer than its base, and a post-commit snapshot none it did not already read.
struct SnapshotLoadMetrics {
  /// The version of the snapshot this one was built from; empty for a full load.
  std::optional<int64_t> base_version;
  int64_t commit_files_read = 0;
  int64_t checkpoint_files_read = 0;  ///< checkpoint parts, V2 checkpoint files and sidecars
};

class Snapshot {
 public:
  int64_t version() const { return version_; }
  /// Commit timestamp of this version (ms since epoch): in-commit timestamp when enabled,
  /// else the commit file's modification time.
  int64_t timestamp_ms() const { return timestamp_ms_; }
  const Protocol& protocol() const { return protocol_; }
  const Metadata& metadata() const { return metadata_; }
  /// Logical schema: all columns, partition columns included, in schema order.
  const std::shared_ptr<arrow::Schema>& schema() const { return schema_; }
  const std::vector<std::string>& partition_columns() const { return metadata_.partition_columns; }
  ColumnMappingMode column_mapping_mode() const { return column_mapping_mode_; }
  /// Live data files: the checkpoint's in checkpoint order, then those added by later commits,
  /// oldest first. Deterministic for a given log.
  const std::vector<AddFile>& files() const { return files_; }
  const std::map<std::string, SetTransaction>& app_transactions() const { return txns_; }
  const std::map<std::string, DomainMetadata>& domain_metadata() const { return domains_; }
  /// Remove actions still in the table state (loaded only on request: checkpoints, VACUUM).
  const std::vector<RemoveFile>& tombstones() const { return tombstones_; }
  /// Version of the checkpoint the snapshot was loaded from, if any (for an incrementally
  /// updated snapshot: the checkpoint its base was loaded from).
  std::optional<int64_t> checkpoint_version() const { return checkpoint_version_; }
  /// How this snapshot was built (full load or incremental update) and what it read.
  const SnapshotLoadMetrics& load_metrics() const { return load_metrics_; }

  const std::string& table_uri() const { return table_uri_; }
  const std::string& table_root() const { return table_root_; }
  const std::shared_ptr<arrow::fs::FileSystem>& filesystem() const { return fs_; }

  /// Loads the statistics of files that came from a checkpoint: a snapshot load skips them
  /// (most of a checkpoint's bytes) and they are read on first need. Thread-safe, once.
  /// Functions that read AddFile::stats of a snapshot's files call it first.
  arrow::Status EnsureStats() const;

  /// Sum of numRecords over files whose stats have it (minus deletion-vector cardinalities);
  /// empty when some file lacks numRecords.
  std::optional<int64_t> NumRecords() const;
  int64_t SizeInBytes() const;

  // Built by the table loader.
  int64_t version_ = -1;
  int64_t timestamp_ms_ = 0;
  Protocol protocol_;
  Metadata metadata_;
  std::shared_ptr<arrow::Schema> schema_;
  ColumnMappingMode column_mapping_mode_ = ColumnMappingMode::kNone;
  std::vector<AddFile> files_;
  std::map<std::string, SetTransaction> txns_;
  std::vector<RemoveFile> tombstones_;
  bool has_tombstones_ = false;  ///< tombstones_ was loaded (else it is empty, not unknown)
  std::map<std::string, DomainMetadata> domains_;
  std::optional<int64_t> checkpoint_version_;
  std::string table_uri_;
  std::string table_root_;
  std::shared_ptr<arrow::fs::FileSystem> fs_;
  /// Checkpoint Parquet files (and sidecars) whose stats were not read yet.
  std::vector<std::string> deferred_stats_files_;
  SnapshotLoadMetrics load_metrics_;
  mutable std::once_flag stats_once_;
  mutable arrow::Status stats_status_;
  /// Held while EnsureStats writes stats into files_ and while an update copies files_.
  mutable std::mutex stats_mu_;
  mutable bool stats_filled_ = false;  ///< guarded by stats_mu_
};

}  // namespace delta
