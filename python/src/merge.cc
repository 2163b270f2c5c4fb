// Binding of MERGE (delta/operations/merge.h): the Python TableMerger collects the clauses and
// calls merge() once from execute(). Built only when the library has src/ops/merge.cc (see
// python/CMakeLists.txt).
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include "bridge.h"
#include "delta/error.h"
#include "delta/operations/merge.h"

namespace deltapy {

void PutRowLevelMetrics(const delta::RowLevelMetrics& m, nb::dict& d);

namespace {

using Assignments = std::vector<std::pair<std::string, std::string>>;
/// (kind, condition, assignments, star); kind is the Python method's name without "when_".
using Clause = std::tuple<std::string, std::string, Assignments, bool>;

nb::dict Merge(const std::string& uri, nb::handle source_capsule, const std::string& predicate,
               const std::optional<std::string>& source_alias,
               const std::optional<std::string>& target_alias, bool merge_schema,
               const std::vector<Clause>& clauses, std::optional<bool> use_deletion_vectors) {
  std::shared_ptr<arrow::RecordBatchReader> source = ImportStreamCapsule(source_capsule);
  delta::MergeBuilder builder(uri, std::move(source), predicate);
  if (source_alias) builder.WithSourceAlias(*source_alias);
  if (target_alias) builder.WithTargetAlias(*target_alias);
  builder.WithSchemaEvolution(merge_schema);
  if (use_deletion_vectors) builder.WithDeletionVectors(*use_deletion_vectors);
  for (const auto& [kind, condition, assignments, star] : clauses) {
    if (kind == "matched_update") {
      if (star) {
        builder.WhenMatchedUpdateAll(condition);
      } else {
        builder.WhenMatchedUpdate(assignments, condition);
      }
    } else if (kind == "matched_delete") {
      builder.WhenMatchedDelete(condition);
    } else if (kind == "not_matched_insert") {
      if (star) {
        builder.WhenNotMatchedInsertAll(condition);
      } else {
        builder.WhenNotMatchedInsert(assignments, condition);
      }
    } else if (kind == "not_matched_by_source_update") {
      builder.WhenNotMatchedBySourceUpdate(assignments, condition);
    } else if (kind == "not_matched_by_source_delete") {
      builder.WhenNotMatchedBySourceDelete(condition);
    } else {
      RaiseIfError(DELTA_ERROR(kInvalidArgument, "unknown MERGE clause kind '", kind, "'"));
    }
  }
  arrow::Result<delta::MergeMetrics> metrics;
  {
    // The source may be produced by Python code; pyarrow's producers take the GIL themselves.
    nb::gil_scoped_release release;
    metrics = builder.Execute();
  }
  delta::MergeMetrics m = ValueOrRaise(std::move(metrics));
  nb::dict d;
  PutRowLevelMetrics(m, d);
  // delta-rs's names (its MergeMetrics) ...
  d["num_source_rows"] = m.num_source_rows;
  d["num_target_rows_inserted"] = m.num_target_rows_inserted;
  d["num_target_rows_updated"] = m.num_target_rows_updated;
  d["num_target_rows_deleted"] = m.num_target_rows_deleted;
  d["num_target_rows_copied"] = m.num_copied_rows;
  d["num_output_rows"] = m.num_output_rows;
  d["num_target_files_added"] = m.num_added_files;
  d["num_target_files_removed"] = m.num_removed_files;
  d["num_target_files_scanned"] = m.num_target_files_after_skipping;
  d["num_target_files_skipped_during_scan"] =
      m.num_target_files_before_skipping - m.num_target_files_after_skipping;
  // ... and the finer ones of Spark.
  d["num_target_rows_matched_updated"] = m.num_target_rows_matched_updated;
  d["num_target_rows_not_matched_by_source_updated"] =
      m.num_target_rows_not_matched_by_source_updated;
  d["num_target_rows_matched_deleted"] = m.num_target_rows_matched_deleted;
  d["num_target_rows_not_matched_by_source_deleted"] =
      m.num_target_rows_not_matched_by_source_deleted;
  d["num_target_files_before_skipping"] = m.num_target_files_before_skipping;
  d["num_target_files_after_skipping"] = m.num_target_files_after_skipping;
  d["materialize_source_time_ms"] = m.materialize_source_time_ms;
  return d;
}

}  // namespace

void BindMerge(nb::module_& m) {
  m.def("merge", &Merge, nb::arg("uri"), nb::arg("source"), nb::arg("predicate"),
        nb::arg("source_alias").none(), nb::arg("target_alias").none(),
        nb::arg("merge_schema"), nb::arg("clauses"), nb::arg("use_deletion_vectors").none());
}

}  // namespace deltapy
