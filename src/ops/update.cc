#include "delta/operations/update.h"

#include <set>

#include <arrow/array/util.h>
#include <arrow/compute/api.h>
#include <arrow/util/key_value_metadata.h>
#include <nlohmann/json.hpp>

#include "delta/error.h"
#include "expr/sql_semantics.h"
#include "log/wire_names.h"
#include "ops/row_level.h"
#include "protocol/table_features.h"
#include "write/constraints.h"
#include "write/generated_columns.h"

namespace delta {
namespace {

std::string Trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\n");
  const auto e = s.find_last_not_of(" \t\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

bool IsGenerated(const arrow::Field& f) {
  return f.metadata() && f.metadata()->Contains(wire::kGenerationExpression);
}

struct CompiledAssignment {
  int index;
  arrow::compute::Expression value;  // bound to the table schema, of the column's type
};

arrow::Result<UpdateMetrics> Run(ops::RowLevelWrite& w, const UpdateOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const auto& schema = w.schema();
  if (options.assignments.empty()) return DELTA_ERROR(kInvalidArgument, "UPDATE needs at least one SET");
  std::vector<CompiledAssignment> assignments;
  std::set<int> assigned;
  for (const auto& [column, value] : options.assignments) {
    const int i = schema->GetFieldIndex(column);
    if (i < 0) return DELTA_ERROR(kInvalidArgument, "UPDATE sets unknown column '", column, "'");
    if (!assigned.insert(i).second) {
      return DELTA_ERROR(kInvalidArgument, "UPDATE sets column '", column, "' more than once");
    }
    ARROW_ASSIGN_OR_RAISE(auto e, ToArrowExpression(*Expr::Cast(value, schema->field(i)->type()), *schema));
    ARROW_ASSIGN_OR_RAISE(e, e.Bind(*schema));
    assignments.push_back({i, std::move(e)});
  }
  // Generated columns not assigned are recomputed from the new values: left out of the new
  // rows, GeneratedColumns::Conform computes them (and checks the assigned ones).
  std::vector<int> kept_fields;
  for (int i = 0; i < schema->num_fields(); ++i) {
    if (!IsGenerated(*schema->field(i)) || assigned.count(i)) kept_fields.push_back(i);
  }
  ARROW_ASSIGN_OR_RAISE(auto generated,
                        write::GeneratedColumns::Make(schema, protocol::SupportsWriterFeature(
                                                                  w.snapshot().protocol(), "generatedColumns")));
  ARROW_ASSIGN_OR_RAISE(auto constraints,
                        write::ConstraintChecker::Make(w.snapshot().metadata().configuration, schema));

  UpdateMetrics m;
  std::vector<const AddFile*> todo;
  ARROW_ASSIGN_OR_RAISE(const auto verdicts, w.ClassifyAll());
  for (size_t i = 0; i < verdicts.size(); ++i) {
    if (verdicts[i] == ops::FileVerdict::kSkip) continue;
    const AddFile& f = w.snapshot().files()[i];
    w.MarkRead(f);
    todo.push_back(&f);
  }
  // The new version of a batch's matched rows: the assignments evaluated on them, generated
  // columns recomputed, constraints checked; written with its change rows.
  auto update = [&](const std::shared_ptr<arrow::RecordBatch>& batch, const std::vector<uint64_t>& rows) -> arrow::Status {
    ARROW_ASSIGN_OR_RAISE(auto b, ops::TakeRows(batch, rows));
    auto columns = b->columns();
    arrow::compute::ExecBatch exec(*b);
    for (const auto& a : assignments) {
      ARROW_ASSIGN_OR_RAISE(auto d, expr_internal::Evaluate(a.value, exec, "UPDATE SET " + schema->field(a.index)->name()));
      if (d.is_scalar()) {
        ARROW_ASSIGN_OR_RAISE(columns[a.index], arrow::MakeArrayFromScalar(*d.scalar(), b->num_rows()));
      } else {
        columns[a.index] = d.make_array();
      }
    }
    arrow::FieldVector fields;
    arrow::ArrayVector kept;
    for (int i : kept_fields) {
      fields.push_back(schema->field(i));
      kept.push_back(columns[i]);
    }
    auto updated = arrow::RecordBatch::Make(arrow::schema(fields), b->num_rows(), kept);
    ARROW_ASSIGN_OR_RAISE(auto conformed, generated.Conform(*updated, schema));
    ARROW_RETURN_NOT_OK(constraints.Check(*conformed));
    ARROW_RETURN_NOT_OK(w.WriteData(conformed));
    ARROW_RETURN_NOT_OK(w.WriteChange(b, "update_preimage"));
    return w.WriteChange(conformed, "update_postimage");
  };
  // Files in parallel, each streamed (RowLevelWrite::ProcessMatched).
  ARROW_ASSIGN_OR_RAISE(auto outcome, w.ProcessMatched(todo, update));
  m.num_updated_rows = outcome.matched;
  m.num_copied_rows = outcome.copied;
  m.scan_time_ms = outcome.read_ms;
  m.rewrite_time_ms = outcome.write_ms;
  nlohmann::json list = nlohmann::json::array();
  if (options.predicate) list.push_back(options.predicate->ToString());
  ARROW_RETURN_NOT_OK(ops::CommitRowLevel(w, "UPDATE", {{"predicate", nlohmann::json(list.dump()).dump()}}, &m, start,
                                          options.transaction));
  return m;
}

}  // namespace

arrow::Result<std::pair<std::string, ExprPtr>> ParseAssignment(const std::string& text) {
  size_t eq = std::string::npos;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '=') continue;
    const bool compound = (i > 0 && std::string_view("<>!=").find(text[i - 1]) != std::string_view::npos) ||
                          (i + 1 < text.size() && text[i + 1] == '=');
    if (!compound) {
      eq = i;
      break;
    }
  }
  if (eq == std::string::npos) {
    return DELTA_ERROR(kInvalidArgument, "assignment '", text, "' is not of the form column = expression");
  }
  std::string column = Trim(text.substr(0, eq));
  if (column.size() >= 2 && column.front() == '`' && column.back() == '`') {
    column = column.substr(1, column.size() - 2);
  }
  if (column.empty()) return DELTA_ERROR(kInvalidArgument, "assignment '", text, "' has no column");
  ARROW_ASSIGN_OR_RAISE(auto value, ParseExpression(Trim(text.substr(eq + 1))));
  return std::make_pair(column, value);
}

arrow::Result<UpdateMetrics> UpdateRows(const std::string& uri, const UpdateOptions& options) {
  ARROW_ASSIGN_OR_RAISE(auto w, ops::RowLevelWrite::Begin(uri, options.use_deletion_vectors,
                                                          options.inline_dv_max_bytes, options.predicate));
  auto result = Run(*w, options);
  if (!result.ok()) w->Cleanup();
  return result;
}

}  // namespace delta
