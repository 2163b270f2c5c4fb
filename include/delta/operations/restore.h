// RESTORE TABLE t TO VERSION AS OF n | TIMESTAMP AS OF ts (Spark's RestoreTableCommand).
//
// One commit makes the table's live files those of the chosen version: files live now but not
// then are removed (dataChange=true), files live then but not now are added back (with their
// stats, partition values and deletion vectors as they were). Metadata (schema, properties,
// partitioning) becomes that version's; the protocol never downgrades (the result is the
// union of both versions' features). Refused with kIoError naming a file when a file the
// restored version needs has been vacuumed (nothing is committed). Restoring to the current
// version commits nothing. commitInfo: operation "RESTORE", parameters version / timestamp,
// Spark's metrics (tableSizeAfterRestore, numOfFilesAfterRestore, numRemovedFiles,
// numRestoredFiles, removedFilesSize, restoredFilesSize).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <arrow/result.h>

#include "delta/transaction.h"

namespace delta {

struct RestoreOptions {
  /// Exactly one of version / timestamp (ms since the epoch, resolved as time travel does:
  /// the latest version committed at or before it).
  std::optional<int64_t> version;
  std::optional<int64_t> timestamp_ms;
  TransactionOptions transaction;
};

struct RestoreMetrics {
  int64_t version = -1;            ///< the version committed (the current one when nothing changed)
  int64_t restored_version = -1;   ///< the version restored to
  bool committed = false;
  int64_t table_size_after_restore = 0;
  int64_t num_of_files_after_restore = 0;
  int64_t num_removed_files = 0;
  int64_t num_restored_files = 0;
  int64_t removed_files_size = 0;
  int64_t restored_files_size = 0;

  std::map<std::string, int64_t> SparkMetrics() const {
    return {{"tableSizeAfterRestore", table_size_after_restore},
            {"numOfFilesAfterRestore", num_of_files_after_restore},
            {"numRemovedFiles", num_removed_files},
            {"numRestoredFiles", num_restored_files},
            {"removedFilesSize", removed_files_size},
            {"restoredFilesSize", restored_files_size}};
  }
};

arrow::Result<RestoreMetrics> Restore(const std::string& uri, const RestoreOptions& options);

}  // namespace delta
