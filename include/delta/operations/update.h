// UPDATE table SET col = expr [, ...] [WHERE predicate] (PROTOCOL.md "Add File and Remove
// File", "Deletion Vectors", "Change Data Files").
//
// Values are expressions of the expression language (delta/expression.h: arithmetic, CASE,
// COALESCE, CAST, ...) over the row's old values, cast to the column's type. Rows where the
// predicate is TRUE are updated (NULL: kept as they are). Files are pruned by partition values
// and statistics; each touched file is read once. With delta.enableDeletionVectors=true the
// old rows are marked deleted in the file's deletion vector (remove + add of the same path
// with the new DV) and the updated rows go to new files; otherwise the touched files are
// rewritten (copied rows + updated rows). New rows pass the table's CHECK and NOT NULL
// constraints; generated columns not assigned are recomputed from the new values, assigned
// ones are checked. With delta.enableChangeDataFeed=true the commit carries cdc files with
// the old (update_preimage) and new (update_postimage) rows.
//
// Concurrency: as DELETE (delta/operations/delete.h): the predicate and the files read are
// recorded, so concurrent changes to what the update read fail it with kCommitConflict, and
// appends elsewhere do not. Nothing is committed when no row matches.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <arrow/result.h>

#include "delta/expression.h"
#include "delta/operations/row_level.h"
#include "delta/transaction.h"

namespace delta {

struct UpdateOptions {
  /// (column, value) pairs; columns are top-level logical names, each at most once.
  std::vector<std::pair<std::string, ExprPtr>> assignments;
  /// Rows to update; null updates every row.
  ExprPtr predicate;
  /// Use deletion vectors; default: the table property delta.enableDeletionVectors.
  std::optional<bool> use_deletion_vectors;
  /// See DeleteOptions::inline_dv_max_bytes.
  int32_t inline_dv_max_bytes = 0;
  TransactionOptions transaction;
};

/// Spark's UPDATE metrics (commitInfo.operationMetrics).
struct UpdateMetrics : RowLevelMetrics {
  int64_t num_updated_rows = 0;

  std::map<std::string, int64_t> SparkMetrics() const {
    auto m = RowLevelMetrics::SparkMetrics();
    m["numUpdatedRows"] = num_updated_rows;
    return m;
  }
};

/// Parses "col = expr" (the CLI's --set) into an assignment.
arrow::Result<std::pair<std::string, ExprPtr>> ParseAssignment(const std::string& text);

/// Updates the rows matching options.predicate in the table at `uri`.
arrow::Result<UpdateMetrics> UpdateRows(const std::string& uri, const UpdateOptions& options);

}  // namespace delta
