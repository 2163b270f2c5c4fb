// The table doctor: checks a Delta table against the red lines of production use and returns
// findings, each with what was measured, why it matters, and the deltactl command that fixes it.
//
// Two halves, as every operation:
//  - AnalyzeTable (pure, no I/O, thread-safe): takes the snapshot (with its tombstones), the
//    table's recent history (commitInfos), one recursive listing of the table directory, some
//    files' footer schemas and the thresholds, and returns the findings. Unit-tested on constructed snapshots.
//  - Doctor (I/O): lists the log once, loads the latest snapshot with tombstones and the file
//    statistics, reads the last `history_limit` commitInfos, lists the table directory once
//    (recursively, as VACUUM's full mode does), reads the footers of the newest `max_footers`
//    live files and calls AnalyzeTable. It reads only; it never writes or deletes anything.
//
// Findings (id: condition; severity; fix):
//  - missing-data-files: live files (inside the table root) absent from the listing: every read
//    of them fails; error; no fix command (restore a version whose files exist).
//  - unreadable-data-files / file-schema-mismatch: a footer Doctor read is not Parquet, or a
//    file's column has a type of another family than the table's (number / string-binary /
//    boolean / date-timestamp / struct / list / map; widening within a family is legal) or
//    lacks a NOT NULL column: schema enforcement was bypassed; error; no fix command.
//  - small-files: partitions holding >= 2 files under the small-file size (delta.targetFileSize
//    / 4 when set, else 32 MiB) together hold >= min_small_files such files; warning;
//    `deltactl optimize T` (OPTIMIZE compacts exactly these, so the finding goes away).
//  - large-files: files over 1 GiB (and over 2x delta.targetFileSize when set); warning;
//    `deltactl optimize T --zorder-by C --target-size 256MB` (C: the first data column with stats).
//  - vacuum-backlog: files in the table directory that VACUUM (full mode, the table's own
//    retention) would delete now: removed files whose removal expired and files never
//    referenced by the log, older than the retention; warning when they exceed
//    vacuum_backlog_share of the live bytes, else hint; `deltactl vacuum T`. Removed files still
//    within the retention are reported in the metrics, not as a finding (VACUUM keeps them).
//  - checkpoint-overdue: versions since the last checkpoint (or since version 0) >=
//    delta.checkpointInterval (default 10); warning; `deltactl checkpoint T`.
//  - last-checkpoint-missing: a checkpoint exists but _delta_log/_last_checkpoint does not;
//    warning; `deltactl checkpoint T`.
//  - files-without-stats: a column filtered often (as for stats-not-collected, below) is
//    configured for stats but some live files carry no min/max for it (written without stats); warning; `deltactl optimize T --zorder-by C`.
//  - stats-not-collected: a data column used in the predicates (operationParameters.predicate)
//    of >= min_predicate_uses DELETE / UPDATE / MERGE / OPTIMIZE / WRITE (replaceWhere)
//    commits is outside delta.dataSkippingNumIndexedCols / delta.dataSkippingStatsColumns;
//    warning; `deltactl alter T set-properties delta.dataSkippingStatsColumns=<cols>` (the
//    columns with stats now, plus it; new files get its stats).
//  - too-many-partitions (> max_partitions) and partitions-too-small (>=
//    min_partitions_for_size_check partitions whose median size is under the small-file size):
//    warning; single-value-partition-column (a partition column with one value over >= 2
//    files): hint. No single command repartitions a table: fix is empty.
//  - key-column-unconstrained: an id-like column (id, *_id, *Id, key, *_key, uuid) that is
//    nullable and named by no CHECK constraint; hint; `deltactl alter T add-constraint
//    C_not_null 'C IS NOT NULL'`.
//  - file-retention-short: delta.deletedFileRetentionDuration < 1 hour (error: VACUUM may delete
//    files that running readers and writers still need) or < 168 hours (warning);
//    log-retention-short: delta.logRetentionDuration < 168 hours (warning);
//    log-retention-shorter-than-file-retention (warning). Fix: `deltactl alter T
//    set-properties ...` with the defaults (interval 7 days / interval 30 days).
//  - deletion-vector-backlog: rows deleted by deletion vectors >= dv_deleted_share of the rows
//    of the files that carry stats; warning; `deltactl optimize T` (purges them).
//  - reader-features: the table needs reader version >= 2 or reader features; hint (older
//    readers cannot read it); no fix.
// Findings are ordered errors first, then warnings, then hints, each group in the order above.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <arrow/result.h>
#include <arrow/type_fwd.h>

#include "delta/snapshot.h"
#include "delta/table.h"

namespace delta {

enum class DoctorSeverity { kError, kWarning, kHint };

/// "error", "warning", "hint".
std::string_view DoctorSeverityName(DoctorSeverity severity);

/// A measured figure: a count or size (int), a share (double), or a name (string).
using DoctorMetricValue = std::variant<int64_t, double, std::string>;

struct DoctorFinding {
  std::string id;  ///< stable identifier, e.g. "small-files"
  DoctorSeverity severity = DoctorSeverity::kHint;
  std::string message;  ///< what was measured and why it matters
  std::vector<std::pair<std::string, DoctorMetricValue>> metrics;  ///< in a stable order
  std::string fix;  ///< the deltactl command that fixes it (shell-quoted); empty when none
};

struct DoctorThresholds {
  /// Files under this size are small; 0: delta.targetFileSize / 4 when set, else 32 MiB.
  int64_t small_file_bytes = 0;
  /// small-files fires when at least this many small files can be compacted.
  int64_t min_small_files = 10;
  int64_t large_file_bytes = 1LL << 30;
  int64_t max_partitions = 10000;
  int64_t min_partitions_for_size_check = 100;
  /// A column counts as "filtered often" from this many commits with a predicate on it.
  int64_t min_predicate_uses = 2;
  /// vacuum-backlog is a warning from this share of the live bytes (else a hint).
  double vacuum_backlog_share = 0.25;
  /// deletion-vector-backlog fires from this share of rows deleted by deletion vectors.
  double dv_deleted_share = 0.10;
};

/// One entry of a recursive listing of the table directory (files and directories; paths
/// relative to the table root, decoded, '/' separated; _delta_log included).
struct DoctorListedEntry {
  std::string path;
  int64_t size = 0;
  int64_t mtime_ms = 0;
  bool is_dir = false;
};

/// The Arrow schema of one live data file's Parquet footer (or why it could not be read).
struct DoctorFileSchema {
  std::string path;  ///< as in the log
  std::shared_ptr<arrow::Schema> schema;
  std::string error;  ///< non-empty: the footer could not be read
};

struct DoctorInput {
  /// The table as the user named it: used in the fix commands.
  std::string table;
  /// The latest snapshot, loaded with its tombstones and file statistics.
  std::shared_ptr<const Snapshot> snapshot;
  /// Recent commits (any order); only commitInfo's operation and operationParameters are read.
  std::vector<CommitSummary> history;
  std::vector<DoctorListedEntry> listing;
  /// Footer schemas of some live files (Doctor reads the newest `max_footers`).
  std::vector<DoctorFileSchema> file_schemas;
  /// "Now", ms since the epoch: ages and the VACUUM horizon.
  int64_t now_ms = 0;
};

struct DoctorReport {
  std::string table;
  int64_t version = -1;
  std::vector<DoctorFinding> findings;
  bool HasErrors() const;
  /// The finding with this id, or null.
  const DoctorFinding* Find(std::string_view id) const;
};

/// The pure analysis (see the header comment).
DoctorReport AnalyzeTable(const DoctorInput& input, const DoctorThresholds& thresholds = {});

struct DoctorOptions {
  DoctorThresholds thresholds;
  /// Commits read for predicate usage (newest first).
  int64_t history_limit = 1000;
  /// Footers of the newest live files read for the physical schema check.
  int64_t max_footers = 32;
  /// The clock, ms since the epoch (default: the system clock).
  std::function<int64_t()> clock;
};

/// Examines the table at `uri`. kTableNotFound without a table; read errors name the file.
arrow::Result<DoctorReport> Doctor(const std::string& uri, const DoctorOptions& options = {});

/// `text` quoted for a POSIX shell when it needs quoting (used in fix commands).
std::string ShellQuote(std::string_view text);

}  // namespace delta
