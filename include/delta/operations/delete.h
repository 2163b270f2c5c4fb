// DELETE FROM table [WHERE predicate] (PROTOCOL.md "Add File and Remove File", "Deletion
// Vectors", "Change Data Files").
//
// Files are pruned by partition values and skipped by statistics (MayMatch). A file whose rows
// all match is removed whole: without reading it when the predicate names only partition
// columns (Spark's metadata-only delete), or after reading it when every live row matches.
// Other touched files, when the table has delta.enableDeletionVectors=true (and the
// deletionVectors feature), keep their data: the matching rows are added to the file's
// deletion vector (union with the old one) and the commit holds remove(old add) + add(same
// path, new DV, the same stats with tightBounds=false), as Spark writes it. Otherwise the file
// is rewritten without the matching rows. Rows where the predicate is NULL are kept (SQL).
// With delta.enableChangeDataFeed=true and no deletion vectors, the deleted rows are written to
// _change_data/ as cdc actions (_change_type "delete"; whole files are then read too, since a
// commit with cdc files is read only through them); deletion-vector deletes need none
// (readers derive the deleted rows from the DV difference and from whole-file removes).
//
// Concurrency: the transaction records the predicate and the files it read (MarkRead,
// MarkFilesRead), so a concurrent commit that adds rows the predicate matches
// (ConcurrentAppend) or removes a file this delete read (ConcurrentDeleteRead/-Delete) makes
// it fail with kCommitConflict; appends to partitions the predicate excludes do not conflict.
// Nothing is committed when no row matches.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <arrow/result.h>

#include "delta/expression.h"
#include "delta/operations/row_level.h"
#include "delta/transaction.h"

namespace delta {

struct DeleteOptions {
  /// Rows to delete; null deletes every row (all files are removed).
  ExprPtr predicate;
  /// Use deletion vectors; default: the table property delta.enableDeletionVectors.
  /// true on a table without the deletionVectors feature is kUnsupportedFeature.
  std::optional<bool> use_deletion_vectors;
  /// Serialized deletion vectors up to this many bytes are stored inline in the log;
  /// larger ones in a deletion_vector_<uuid>.bin file. 0: always in a file (as Spark does).
  int32_t inline_dv_max_bytes = 0;
  TransactionOptions transaction;
};

/// Spark's DELETE metrics (commitInfo.operationMetrics).
struct DeleteMetrics : RowLevelMetrics {
  int64_t num_deleted_rows = 0;
  int64_t num_files_before_skipping = 0;
  int64_t num_files_after_skipping = 0;

  std::map<std::string, int64_t> SparkMetrics() const {
    auto m = RowLevelMetrics::SparkMetrics();
    m["numDeletedRows"] = num_deleted_rows;
    m["numFilesBeforeSkipping"] = num_files_before_skipping;
    m["numFilesAfterSkipping"] = num_files_after_skipping;
    return m;
  }
};

/// Deletes the rows matching options.predicate from the table at `uri`.
arrow::Result<DeleteMetrics> DeleteRows(const std::string& uri, const DeleteOptions& options);

}  // namespace delta
