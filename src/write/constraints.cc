#include "write/constraints.h"

#include <arrow/array.h>
#include <arrow/compute/api.h>

#include "delta/error.h"
#include "delta/expression.h"
#include "delta/format.h"

namespace delta::write {

ExprPtr NotTrue(const ExprPtr& predicate) {
  return Expr::Call("not", {Expr::Call("coalesce", {predicate, Expr::Literal(arrow::MakeScalar(false))})});
}

arrow::Result<ConstraintChecker> ConstraintChecker::Make(
    const std::map<std::string, std::string>& configuration, const std::shared_ptr<arrow::Schema>& schema) {
  ConstraintChecker c;
  constexpr std::string_view kPrefix = "delta.constraints.";
  for (const auto& [key, text] : configuration) {
    if (key.rfind(kPrefix, 0) != 0) continue;
    std::string name = key.substr(kPrefix.size());
    auto expr = ParseExpression(text);
    if (!expr.ok()) {
      return DELTA_ERROR(kInvalidArgument, "CHECK constraint ", name, " (", text,
                         ") cannot be parsed: ", expr.status().message());
    }
    // Violated where the expression is not TRUE (FALSE or NULL).
    auto violated = NotTrue(*expr);
    ARROW_ASSIGN_OR_RAISE(auto arrow_expr, ToArrowExpression(*violated, *schema));
    ARROW_ASSIGN_OR_RAISE(arrow_expr, arrow_expr.Bind(*schema));
    c.constraints_.push_back({name, text, std::move(arrow_expr)});
  }
  return c;
}

arrow::Status ConstraintChecker::Check(const arrow::RecordBatch& batch) const {
  for (const auto& c : constraints_) {
    ARROW_ASSIGN_OR_RAISE(auto mask, arrow::compute::ExecuteScalarExpression(c.violated, arrow::compute::ExecBatch(batch)));
    if (mask.is_scalar()) {
      const auto& s = mask.scalar_as<arrow::BooleanScalar>();
      if (!(s.is_valid && s.value) || batch.num_rows() == 0) continue;
      return DELTA_ERROR(kConstraintViolation, "CHECK constraint ", c.name, " (", c.text,
                         ") is violated by every row, e.g. ", RowToJsonText(batch, 0));
    }
    auto arr = mask.make_array();
    const auto& b = static_cast<const arrow::BooleanArray&>(*arr);
    for (int64_t i = 0; i < b.length(); ++i) {
      if (b.IsValid(i) && b.Value(i)) {
        return DELTA_ERROR(kConstraintViolation, "CHECK constraint ", c.name, " (", c.text,
                           ") is violated by row ", RowToJsonText(batch, i));
      }
    }
  }
  return arrow::Status::OK();
}

}  // namespace delta::write
