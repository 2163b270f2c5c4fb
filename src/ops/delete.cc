#include "delta/operations/delete.h"

#include <nlohmann/json.hpp>

#include "delta/error.h"
#include "delta/scan.h"
#include "ops/row_level.h"

namespace delta {
namespace {

// Spark's commitInfo.operationParameters.predicate: a JSON list of the predicate texts.
std::string PredicateParameter(const ExprPtr& predicate) {
  nlohmann::json list = nlohmann::json::array();
  if (predicate) list.push_back(predicate->ToString());
  return nlohmann::json(list.dump()).dump();
}

arrow::Result<DeleteMetrics> Run(ops::RowLevelWrite& w, const DeleteOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  DeleteMetrics m;
  std::vector<const AddFile*> whole;  // removed without a rewrite
  int64_t scan_ms = 0, rewrite_ms = 0;
  for (const auto& f : w.snapshot().files()) {
    ++m.num_files_before_skipping;
    ARROW_ASSIGN_OR_RAISE(auto verdict, w.Classify(f));
    if (verdict == ops::FileVerdict::kSkip) continue;
    ++m.num_files_after_skipping;
    w.MarkRead(f);
    // With change data and no deletion vectors, rewritten files need cdc files, and then
    // every deleted row must be in them: whole files are read too.
    if (verdict == ops::FileVerdict::kMatchesAll && !(w.cdf() && !w.use_dvs())) {
      whole.push_back(&f);
      continue;
    }
    const auto scan_start = std::chrono::steady_clock::now();
    ARROW_ASSIGN_OR_RAISE(auto rows, w.Read(f));
    scan_ms += ops::MsSince(scan_start);
    if (rows.matched.empty()) continue;
    const auto rewrite_start = std::chrono::steady_clock::now();
    m.num_deleted_rows += static_cast<int64_t>(rows.matched.size());
    auto deleted = ops::Union(rows.deleted, rows.matched);
    if (static_cast<int64_t>(deleted.size()) == rows.num_rows) {
      w.Remove(f);
      if (w.cdf() && !w.use_dvs()) {
        ARROW_ASSIGN_OR_RAISE(auto gone, ops::SelectRows(rows, rows.matched, true));
        for (const auto& b : gone) ARROW_RETURN_NOT_OK(w.WriteChange(b, "delete"));
      }
    } else if (w.use_dvs()) {
      ARROW_RETURN_NOT_OK(w.ReplaceDeletionVector(f, deleted));
    } else {
      w.Remove(f);
      ARROW_ASSIGN_OR_RAISE(auto kept, ops::SelectRows(rows, deleted, false));
      for (const auto& b : kept) {
        m.num_copied_rows += b->num_rows();
        ARROW_RETURN_NOT_OK(w.WriteData(b));
      }
      if (w.cdf()) {
        ARROW_ASSIGN_OR_RAISE(auto gone, ops::SelectRows(rows, rows.matched, true));
        for (const auto& b : gone) ARROW_RETURN_NOT_OK(w.WriteChange(b, "delete"));
      }
    }
    rewrite_ms += ops::MsSince(rewrite_start);
  }
  for (const auto* f : whole) {
    w.Remove(*f);
    // Spark's metadata-only delete counts rows from the statistics.
    auto records = GetFileStatistics(w.snapshot(), *f).num_records;
    if (records) {
      m.num_deleted_rows += *records - (f->deletion_vector ? f->deletion_vector->cardinality : 0);
    }
  }
  m.scan_time_ms = scan_ms;
  m.rewrite_time_ms = rewrite_ms;
  ARROW_RETURN_NOT_OK(ops::CommitRowLevel(w, "DELETE", {{"predicate", PredicateParameter(options.predicate)}}, &m, start,
                                          options.transaction));
  return m;
}

}  // namespace

arrow::Result<DeleteMetrics> DeleteRows(const std::string& uri, const DeleteOptions& options) {
  ARROW_ASSIGN_OR_RAISE(auto w, ops::RowLevelWrite::Begin(uri, options.use_deletion_vectors,
                                                          options.inline_dv_max_bytes, options.predicate));
  auto result = Run(*w, options);
  if (!result.ok()) w->Cleanup();
  return result;
}

}  // namespace delta
