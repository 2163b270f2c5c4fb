// MERGE INTO target USING source ON condition WHEN ... (Spark's MergeIntoCommand semantics;
// PROTOCOL.md "Add File and Remove File", "Deletion Vectors", "Change Data Files").
//
// Clauses are evaluated in the order given, per kind: for a target row matched by a source row
// the first WHEN MATCHED clause whose condition is TRUE applies (none: the row is kept); for a
// source row without a match the first WHEN NOT MATCHED [BY TARGET] clause applies; for a
// target row without a match the first WHEN NOT MATCHED BY SOURCE clause applies. A target row
// matched by more than one source row is an error (kMergeCardinality), as in Spark, unless
// the MERGE only inserts or its one MATCHED clause is an unconditional DELETE. Of several
// clauses of one kind only the last may omit its condition (kInvalidArgument otherwise, as
// Spark's parser). NULL keys never match. The ON condition needs at least one equality
// between a target and a source expression (the hash-join keys).
//
// Expressions (condition, clause conditions, assigned values) are of the expression language
// (delta/expression.h); columns are qualified by the aliases (`t.id`, `s.id`) or unqualified
// when the name is unambiguous. UPDATE SET * / INSERT * assign every target column from the
// source column of the same name (case-insensitive, as Spark); with merge_schema, source
// columns the target lacks are added to the table (Spark's schema evolution in MERGE).
//
// Only target files that can hold a matching row are read: partition pruning and stats
// skipping with the condition's target-only conjuncts and with the source's key ranges on
// equality conjuncts (t.k = s.k). With NOT MATCHED BY SOURCE clauses every target file the
// clauses may touch is read. Deletion vectors (delta.enableDeletionVectors) mark the changed
// target rows instead of rewriting files; change data (delta.enableChangeDataFeed) records
// insert / delete / update_preimage / update_postimage rows.
//
// Concurrency: the files read and the target-side predicate are recorded in the transaction,
// as for DELETE and UPDATE (delta/operations/delete.h). Nothing is committed when nothing changes.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "delta/expression.h"
#include "delta/operations/row_level.h"
#include "delta/transaction.h"

namespace delta {

enum class MergeClauseKind {
  kMatchedUpdate,             ///< WHEN MATCHED [AND c] THEN UPDATE SET ... | UPDATE SET *
  kMatchedDelete,             ///< WHEN MATCHED [AND c] THEN DELETE
  kNotMatchedInsert,          ///< WHEN NOT MATCHED [BY TARGET] [AND c] THEN INSERT ... | INSERT *
  kNotMatchedBySourceUpdate,  ///< WHEN NOT MATCHED BY SOURCE [AND c] THEN UPDATE SET ...
  kNotMatchedBySourceDelete,  ///< WHEN NOT MATCHED BY SOURCE [AND c] THEN DELETE
};

struct MergeClause {
  MergeClauseKind kind = MergeClauseKind::kMatchedUpdate;
  /// Clause condition; null: unconditional.
  ExprPtr condition;
  /// (target column, value) for UPDATE SET / INSERT (column list + VALUES). Target columns are
  /// top-level names, optionally qualified by the target alias.
  std::vector<std::pair<std::string, ExprPtr>> assignments;
  /// UPDATE SET * / INSERT *: assignments must be empty.
  bool star = false;
};

struct MergeOptions {
  /// The ON condition; required.
  ExprPtr condition;
  std::string source_alias = "source";
  std::string target_alias = "target";
  std::vector<MergeClause> clauses;
  /// Add source columns the target lacks (UPDATE SET * / INSERT * only), as Spark's
  /// spark.databricks.delta.schema.autoMerge.enabled / withSchemaEvolution().
  bool merge_schema = false;
  /// Use deletion vectors; default: the table property delta.enableDeletionVectors.
  std::optional<bool> use_deletion_vectors;
  /// See DeleteOptions::inline_dv_max_bytes.
  int32_t inline_dv_max_bytes = 0;
  TransactionOptions transaction;
};

/// Spark's MERGE metrics (commitInfo.operationMetrics, names as delta-spark writes them).
struct MergeMetrics : RowLevelMetrics {
  int64_t num_source_rows = 0;
  int64_t num_target_rows_inserted = 0;
  int64_t num_target_rows_updated = 0;
  int64_t num_target_rows_matched_updated = 0;
  int64_t num_target_rows_not_matched_by_source_updated = 0;
  int64_t num_target_rows_deleted = 0;
  int64_t num_target_rows_matched_deleted = 0;
  int64_t num_target_rows_not_matched_by_source_deleted = 0;
  int64_t num_output_rows = 0;
  int64_t num_target_files_before_skipping = 0;
  int64_t num_target_files_after_skipping = 0;
  int64_t materialize_source_time_ms = 0;

  /// Spark's names: numSourceRows, numTargetRowsInserted, ..., numTargetRowsCopied,
  /// numTargetFilesAdded/Removed, numTargetChangeFilesAdded, numTargetBytesAdded/Removed,
  /// numTargetDeletionVectorsAdded/Removed/Updated, executionTimeMs, scanTimeMs,
  /// rewriteTimeMs, materializeSourceTimeMs: the set delta-spark 4.0 writes (checked against
  /// it; it has no numTargetChangeFileBytes). Defined in src/ops/merge.cc.
  std::map<std::string, int64_t> SparkMetrics() const;
};

/// Parses one or more WHEN clauses of Spark's MERGE grammar (e.g. "WHEN MATCHED THEN UPDATE
/// SET *"); kParseError with the position on bad input. (The CLI's --when.)
arrow::Result<std::vector<MergeClause>> ParseMergeClauses(std::string_view text);

/// Merges `source` into the table at `uri`. The source is read once (it is materialized, as
/// Spark does, so that a source changing under the merge cannot give inconsistent results).
arrow::Result<MergeMetrics> Merge(const std::string& uri, std::shared_ptr<arrow::RecordBatchReader> source,
                                  const MergeOptions& options);

/// delta-spark's builder shape: DeltaTable.merge(source, cond).whenMatchedUpdate(...)...execute().
/// Expressions are SQL strings, parsed when Execute() runs (a parse error is returned there,
/// with its position).
class MergeBuilder {
 public:
  MergeBuilder(std::string uri, std::shared_ptr<arrow::RecordBatchReader> source, std::string condition);

  MergeBuilder& WithSourceAlias(std::string alias);
  MergeBuilder& WithTargetAlias(std::string alias);
  /// Each `set`/`values` is (target column, SQL expression); `condition` "" means none.
  MergeBuilder& WhenMatchedUpdate(std::vector<std::pair<std::string, std::string>> set, std::string condition = "");
  MergeBuilder& WhenMatchedUpdateAll(std::string condition = "");
  MergeBuilder& WhenMatchedDelete(std::string condition = "");
  MergeBuilder& WhenNotMatchedInsert(std::vector<std::pair<std::string, std::string>> values,
                                     std::string condition = "");
  MergeBuilder& WhenNotMatchedInsertAll(std::string condition = "");
  MergeBuilder& WhenNotMatchedBySourceUpdate(std::vector<std::pair<std::string, std::string>> set,
                                             std::string condition = "");
  MergeBuilder& WhenNotMatchedBySourceDelete(std::string condition = "");
  MergeBuilder& WithSchemaEvolution(bool on = true);
  MergeBuilder& WithDeletionVectors(bool on);
  MergeBuilder& WithTransactionOptions(TransactionOptions options);

  /// Builds MergeOptions from what was given (parse errors name the clause and position).
  arrow::Result<MergeOptions> Options() const;
  arrow::Result<MergeMetrics> Execute();

 private:
  struct PendingClause {
    MergeClauseKind kind;
    std::string condition;
    std::vector<std::pair<std::string, std::string>> assignments;
    bool star = false;
  };
  std::string uri_;
  std::shared_ptr<arrow::RecordBatchReader> source_;
  std::string condition_;
  std::string source_alias_ = "source";
  std::string target_alias_ = "target";
  std::vector<PendingClause> clauses_;
  bool merge_schema_ = false;
  std::optional<bool> use_dvs_;
  TransactionOptions transaction_;
};

}  // namespace delta
