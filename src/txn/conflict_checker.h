// Conflict checking between a transaction and a commit that won the race for its version
// (Spark's ConflictChecker.scala rules, as an ordered list of small pure checks).
//
// Pure: footprint and winning actions in, the first conflict (or none) out.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <arrow/type_fwd.h>

#include "delta/actions.h"
#include "delta/expression.h"
#include "delta/transaction.h"

namespace delta::txn {

/// What a transaction read and wrote.
struct TransactionFootprint {
  IsolationLevel isolation = IsolationLevel::kWriteSerializable;
  bool read_whole_table = false;             ///< read with no predicate
  std::vector<ExprPtr> read_predicates;      ///< read with these predicates
  std::set<std::string> read_files;          ///< paths of files read (decoded)
  std::set<std::string> removed_files;       ///< paths this transaction removes (decoded)
  bool changes_metadata = false;
  bool changes_protocol = false;
  std::set<std::string> app_ids;
  std::vector<std::string> partition_columns;
};

struct Conflict {
  ConflictKind kind;
  std::string detail;  ///< e.g. the file or app id concerned
};

/// The first conflict between `ours` and the winning commit `winner`, if any. `schema` is the
/// logical table schema (for evaluating read predicates against the winner's new files).
std::optional<Conflict> CheckConflict(const TransactionFootprint& ours, const ActionBatch& winner,
                                      const std::shared_ptr<arrow::Schema>& schema);

}  // namespace delta::txn
