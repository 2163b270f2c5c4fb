// Bindings of the row-level and maintenance operations: DELETE, UPDATE, OPTIMIZE (compaction,
// Z-ORDER), VACUUM. Each runs with the GIL released and returns its metrics as a dict; the
// Python side (deltacpp/table.py) gives them delta-rs's argument names and defaults.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "bridge.h"
#include "delta/error.h"
#include "delta/expression.h"
#include "delta/operations/delete.h"
#include "delta/operations/optimize.h"
#include "delta/operations/update.h"
#include "delta/operations/vacuum.h"

namespace deltapy {

delta::ExprPtr ParseOptionalExpression(const std::optional<std::string>& text) {
  if (!text || text->empty()) return nullptr;
  return ValueOrRaise(delta::ParseExpression(*text));
}

void PutRowLevelMetrics(const delta::RowLevelMetrics& m, nb::dict& d) {
  d["version"] = m.version;
  d["committed"] = m.committed;
  d["num_copied_rows"] = m.num_copied_rows;
  d["num_removed_files"] = m.num_removed_files;
  d["num_added_files"] = m.num_added_files;
  d["num_added_change_files"] = m.num_added_change_files;
  d["num_removed_bytes"] = m.num_removed_bytes;
  d["num_added_bytes"] = m.num_added_bytes;
  d["num_deletion_vectors_added"] = m.num_deletion_vectors_added;
  d["num_deletion_vectors_removed"] = m.num_deletion_vectors_removed;
  d["num_deletion_vectors_updated"] = m.num_deletion_vectors_updated;
  d["execution_time_ms"] = m.execution_time_ms;
  d["scan_time_ms"] = m.scan_time_ms;
  d["rewrite_time_ms"] = m.rewrite_time_ms;
  d["commit_attempts"] = m.commit_attempts;
}

namespace {

nb::dict Delete(const std::string& uri, const std::optional<std::string>& predicate,
                std::optional<bool> use_deletion_vectors) {
  delta::DeleteOptions options;
  options.predicate = ParseOptionalExpression(predicate);
  options.use_deletion_vectors = use_deletion_vectors;
  arrow::Result<delta::DeleteMetrics> metrics;
  {
    nb::gil_scoped_release release;
    metrics = delta::DeleteRows(uri, options);
  }
  delta::DeleteMetrics m = ValueOrRaise(std::move(metrics));
  nb::dict d;
  PutRowLevelMetrics(m, d);
  d["num_deleted_rows"] = m.num_deleted_rows;
  d["num_files_before_skipping"] = m.num_files_before_skipping;
  d["num_files_after_skipping"] = m.num_files_after_skipping;
  return d;
}

nb::dict Update(const std::string& uri,
                const std::vector<std::pair<std::string, std::string>>& assignments,
                const std::optional<std::string>& predicate,
                std::optional<bool> use_deletion_vectors) {
  delta::UpdateOptions options;
  for (const auto& [column, value] : assignments) {
    delta::ExprPtr expr = ValueOrRaise(delta::ParseExpression(value));
    options.assignments.emplace_back(column, std::move(expr));
  }
  options.predicate = ParseOptionalExpression(predicate);
  options.use_deletion_vectors = use_deletion_vectors;
  arrow::Result<delta::UpdateMetrics> metrics;
  {
    nb::gil_scoped_release release;
    metrics = delta::UpdateRows(uri, options);
  }
  delta::UpdateMetrics m = ValueOrRaise(std::move(metrics));
  nb::dict d;
  PutRowLevelMetrics(m, d);
  d["num_updated_rows"] = m.num_updated_rows;
  return d;
}

nb::dict FileSizes(const delta::FileSizeMetrics& f) {
  nb::dict d;
  d["avg"] = f.avg;
  d["max"] = f.max;
  d["min"] = f.min;
  d["totalFiles"] = f.total_files;
  d["totalSize"] = f.total_size;
  return d;
}

/// delta-rs's optimize metrics (camelCase, as its Python API returns them), plus the version.
nb::dict Optimize(const std::string& uri, const std::optional<std::string>& where,
                  const std::vector<std::string>& zorder_by, std::optional<int64_t> target_size,
                  std::optional<int> max_concurrent_tasks, const std::string& compression) {
  delta::OptimizeOptions options;
  options.where = ParseOptionalExpression(where);
  options.zorder_by = zorder_by;
  options.target_file_size = target_size;
  if (max_concurrent_tasks) options.max_concurrent_reads = std::max(1, *max_concurrent_tasks);
  options.compression = compression;
  arrow::Result<delta::OptimizeMetrics> metrics;
  {
    nb::gil_scoped_release release;
    metrics = delta::Optimize(uri, options);
  }
  delta::OptimizeMetrics m = ValueOrRaise(std::move(metrics));
  nb::dict d;
  d["version"] = m.version;
  d["numFilesAdded"] = m.num_files_added;
  d["numFilesRemoved"] = m.num_files_removed;
  d["filesAdded"] = FileSizes(m.files_added);
  d["filesRemoved"] = FileSizes(m.files_removed);
  d["partitionsOptimized"] = m.partitions_optimized;
  d["numBatches"] = m.num_batches;
  d["totalConsideredFiles"] = m.total_considered_files;
  d["totalFilesSkipped"] = m.total_files_skipped;
  d["preserveInsertionOrder"] = m.preserve_insertion_order;
  d["numDeletionVectorsRemoved"] = m.num_deletion_vectors_removed;
  d["numOutputRows"] = m.num_output_rows;
  d["zOrderBy"] = m.zorder_by;
  return d;
}

nb::dict Vacuum(const std::string& uri, std::optional<double> retention_hours, bool dry_run,
                bool enforce_retention_duration, bool full) {
  delta::VacuumOptions options;
  options.retention_hours = retention_hours;
  options.dry_run = dry_run;
  options.enforce_retention_duration = enforce_retention_duration;
  options.mode = full ? delta::VacuumMode::kFull : delta::VacuumMode::kLite;
  arrow::Result<delta::VacuumMetrics> metrics;
  {
    nb::gil_scoped_release release;
    metrics = delta::Vacuum(uri, options);
  }
  delta::VacuumMetrics m = ValueOrRaise(std::move(metrics));
  std::vector<std::string> files;
  files.reserve(m.files.size());
  for (const delta::VacuumFile& f : m.files) files.push_back(f.path);
  nb::dict d;
  d["files"] = std::move(files);
  d["read_version"] = m.read_version;
  d["start_version"] = m.start_version;
  d["end_version"] = m.end_version;
  d["num_files_to_delete"] = m.num_files_to_delete;
  d["size_of_data_to_delete"] = m.size_of_data_to_delete;
  d["num_deleted_files"] = m.num_deleted_files;
  d["retention_ms"] = m.retention_ms;
  return d;
}

}  // namespace

void BindMaintenance(nb::module_& m) {
  m.def("delete", &Delete, nb::arg("uri"), nb::arg("predicate").none(),
        nb::arg("use_deletion_vectors").none());
  m.def("update", &Update, nb::arg("uri"), nb::arg("assignments"), nb::arg("predicate").none(),
        nb::arg("use_deletion_vectors").none());
  m.def("optimize", &Optimize, nb::arg("uri"), nb::arg("where").none(), nb::arg("zorder_by"),
        nb::arg("target_size").none(), nb::arg("max_concurrent_tasks").none(),
        nb::arg("compression"));
  m.def("vacuum", &Vacuum, nb::arg("uri"), nb::arg("retention_hours").none(),
        nb::arg("dry_run"), nb::arg("enforce_retention_duration"), nb::arg("full"));
}

}  // namespace deltapy
