// What DELETE and UPDATE (and, later, MERGE) share: the metrics Spark writes for every
// row-level operation (commitInfo.operationMetrics). Plain data, no behaviour.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace delta {

struct RowLevelMetrics {
  int64_t version = -1;  ///< the committed version (the read version when nothing matched)
  bool committed = false;
  int64_t num_copied_rows = 0;
  int64_t num_removed_files = 0;
  int64_t num_added_files = 0;
  int64_t num_added_change_files = 0;
  int64_t num_added_change_file_bytes = 0;  ///< not among DELETE/UPDATE's metrics; MERGE's
  int64_t num_removed_bytes = 0;
  int64_t num_added_bytes = 0;
  int64_t num_deletion_vectors_added = 0;
  int64_t num_deletion_vectors_removed = 0;
  int64_t num_deletion_vectors_updated = 0;
  int64_t execution_time_ms = 0;
  int64_t scan_time_ms = 0;
  int64_t rewrite_time_ms = 0;
  int commit_attempts = 0;

  /// The fields above under Spark's metric names (numCopiedRows, numRemovedFiles, ...).
  std::map<std::string, int64_t> SparkMetrics() const {
    return {{"numCopiedRows", num_copied_rows},
            {"numRemovedFiles", num_removed_files},
            {"numAddedFiles", num_added_files},
            {"numAddedChangeFiles", num_added_change_files},
            {"numRemovedBytes", num_removed_bytes},
            {"numAddedBytes", num_added_bytes},
            {"numDeletionVectorsAdded", num_deletion_vectors_added},
            {"numDeletionVectorsRemoved", num_deletion_vectors_removed},
            {"numDeletionVectorsUpdated", num_deletion_vectors_updated},
            {"executionTimeMs", execution_time_ms},
            {"scanTimeMs", scan_time_ms},
            {"rewriteTimeMs", rewrite_time_ms}};
  }
};

}  // namespace delta
