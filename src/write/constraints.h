// CHECK constraints on write (PROTOCOL.md "Check Constraints"): every row must make each
// delta.constraints.<name> expression TRUE; a row for which it is FALSE or NULL fails the
// write with kConstraintViolation naming the constraint and showing the row.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <arrow/compute/expression.h>
#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "delta/expression.h"

namespace delta::write {

/// TRUE exactly where `predicate` is not TRUE (FALSE or NULL): the rows a CHECK constraint or a
/// replaceWhere predicate does not accept.
ExprPtr NotTrue(const ExprPtr& predicate);

class ConstraintChecker {
 public:
  /// Compiles the constraints among `configuration` against `schema`.
  static arrow::Result<ConstraintChecker> Make(const std::map<std::string, std::string>& configuration,
                                               const std::shared_ptr<arrow::Schema>& schema);

  arrow::Status Check(const arrow::RecordBatch& batch) const;
  bool empty() const { return constraints_.empty(); }

 private:
  struct Compiled {
    std::string name;
    std::string text;
    arrow::compute::Expression violated;  // TRUE where the row violates
  };
  std::vector<Compiled> constraints_;
};

}  // namespace delta::write
