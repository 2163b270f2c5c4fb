// A Delta table: a location with a _delta_log, from which snapshots are loaded.
//
// Table::Open resolves the location (local path or URI) and checks that a log exists. Every
// read goes through an immutable Snapshot: the latest version, a given version, or the version
// in effect at a timestamp (time travel). History reads commitInfo of each commit.
//
// Thread safety: a Table may be shared between threads; each call lists the log afresh.
// PROTOCOL.md: "Delta Table Specification", "Delta Log Entries", "Commit Provenance
// Information", "In-Commit Timestamps".
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/filesystem/filesystem.h>
#include <arrow/result.h>

#include "delta/snapshot.h"

namespace delta {

struct TableOptions {
  /// The filesystem to read the table through instead of one resolved from the URI (which is
  /// then a path within it): wrappers that count or fail I/O in tests, custom stores.
  std::shared_ptr<arrow::fs::FileSystem> filesystem;
};

/// One commit as history shows it.
struct CommitSummary {
  int64_t version = 0;
  int64_t timestamp_ms = 0;      ///< in-commit timestamp when enabled, else the file time
  std::optional<std::string> operation;
  std::string commit_info_json;  ///< the whole commitInfo object ("{}" when absent)
};

class Table {
 public:
  /// Opens the table at `uri` (a path or file://, s3://, gs://, abfss:// URI).
  /// kTableNotFound if there is no _delta_log directory there; a log without commits fails
  /// with kTableNotFound at the first snapshot load.
  static arrow::Result<std::shared_ptr<Table>> Open(const std::string& uri,
                                                    const TableOptions& options = {});

  /// The latest snapshot, or the one at `version` (kVersionNotFound if it does not exist or
  /// its log was cleaned up).
  arrow::Result<std::shared_ptr<const Snapshot>> GetSnapshot(
      std::optional<int64_t> version = std::nullopt) const;

  /// `snapshot` (of this table) brought to `version` (latest when empty) by reading only the
  /// commits after it and replaying them onto its state; `snapshot` itself when nothing is
  /// newer. Falls back to a full load when those commits are no longer all in the log. The
  /// result's load_metrics() says which happened and what was read. kInvalidArgument for an
  /// older version or a snapshot of another table.
  arrow::Result<std::shared_ptr<const Snapshot>> UpdateSnapshot(
      const std::shared_ptr<const Snapshot>& snapshot,
      std::optional<int64_t> version = std::nullopt) const;

  /// The snapshot in effect at `timestamp_ms` (milliseconds since the epoch, UTC): the newest
  /// version committed at or before it. kTimestampOutOfRange if it precedes the first commit
  /// still in the log; a timestamp after the newest commit gives the newest version.
  arrow::Result<std::shared_ptr<const Snapshot>> GetSnapshotAtTimestamp(int64_t timestamp_ms) const;

  /// The version in effect at `timestamp_ms` (see GetSnapshotAtTimestamp). Reads the log
  /// listing, the protocol and metadata (not the file list) and, on tables with in-commit
  /// timestamps, O(log n) commit files: in-commit timestamps increase strictly with versions.
  arrow::Result<int64_t> VersionAtTimestamp(int64_t timestamp_ms) const;

  /// Commits newest first; at most `limit` of them when given.
  arrow::Result<std::vector<CommitSummary>> History(std::optional<int64_t> limit = std::nullopt) const;

  const std::string& uri() const;

  ~Table();

  struct Impl;
  explicit Table(std::unique_ptr<Impl> impl);
  const Impl& impl() const { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

/// Parses a user timestamp ("2024-01-02", "2024-01-02 10:00:00[.fff][Z|+hh:mm]", ISO-8601 with
/// 'T', or integer milliseconds since the epoch) to milliseconds since the epoch, UTC.
arrow::Result<int64_t> ParseTimestampMs(const std::string& text);

}  // namespace delta
