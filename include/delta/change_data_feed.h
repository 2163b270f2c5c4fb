// Change data feed: the row-level changes between two versions (PROTOCOL.md "Change Data
// Files", "Add CDC File").
//
// Each change row carries the table's columns plus _change_type ("insert", "delete",
// "update_preimage", "update_postimage"), _commit_version and _commit_timestamp. A commit with
// `cdc` actions contributes the rows of its change files; a commit without them contributes
// its data-changing adds as inserts and removes as deletes, and a file whose deletion vector
// changed contributes exactly the rows the new vector adds (deletes) or drops (inserts).
// Commits with dataChange=false (compaction) contribute nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "delta/expression.h"
#include "delta/table.h"

namespace delta {

struct ChangeDataOptions {
  int64_t start_version = 0;
  std::optional<int64_t> end_version;  ///< inclusive; latest when empty
  /// Row filter over the change rows (may name _change_type etc.).
  ExprPtr predicate;
};

/// Reads the change data feed. kVersionNotFound if a version in the range is not in the log;
/// kInvalidArgument if start > end.
arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> ReadChangeDataFeed(
    const Table& table, const ChangeDataOptions& options);

}  // namespace delta
