#include "delta/operations/delete.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <mutex>

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
  std::vector<const AddFile*> evaluate;  // files whose rows the predicate decides
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
    evaluate.push_back(&f);
  }
  // With deletion vectors only the matched positions matter (DV deletes write no change data:
  // readers derive it from the DV difference): the files are matched in parallel reading just
  // the predicate's columns (results are kept as positions only), then applied in log order.
  // Without them every file is streamed and rewritten by RowLevelWrite::ProcessMatched, files
  // in parallel; with change data the deleted rows go to cdc files as they stream.
  std::mutex mu;
  const auto scan_start = std::chrono::steady_clock::now();
  if (w.use_dvs()) {
    std::vector<ops::FileRows> matched(evaluate.size());
    ARROW_RETURN_NOT_OK(ops::ParallelFor(evaluate.size(), [&](size_t i) -> arrow::Status {
      ARROW_ASSIGN_OR_RAISE(matched[i], w.Match(*evaluate[i]));
      return arrow::Status::OK();
    }));
    scan_ms += ops::MsSince(scan_start);
    const auto rewrite_start = std::chrono::steady_clock::now();
    for (size_t fi = 0; fi < evaluate.size(); ++fi) {
      const ops::FileRows& rows = matched[fi];
      if (rows.matched.empty()) continue;
      m.num_deleted_rows += static_cast<int64_t>(rows.matched.size());
      auto deleted = ops::Union(rows.deleted, rows.matched);
      if (static_cast<int64_t>(deleted.size()) == rows.num_rows) {
        w.Remove(*evaluate[fi]);
      } else {
        ARROW_RETURN_NOT_OK(w.ReplaceDeletionVector(*evaluate[fi], deleted));
      }
    }
    rewrite_ms += ops::MsSince(rewrite_start);
  } else {
    ARROW_RETURN_NOT_OK(ops::ParallelFor(evaluate.size(), [&](size_t i) -> arrow::Status {
      ARROW_ASSIGN_OR_RAISE(
          auto outcome, w.ProcessMatched(*evaluate[i], [&](const std::shared_ptr<arrow::RecordBatch>& b,
                                                           const std::vector<uint64_t>& rows) -> arrow::Status {
            if (!w.cdf()) return arrow::Status::OK();
            ARROW_ASSIGN_OR_RAISE(auto gone, ops::TakeRows(b, rows));
            return w.WriteChange(gone, "delete");
          }));
      std::lock_guard<std::mutex> lock(mu);
      m.num_deleted_rows += outcome.matched;
      m.num_copied_rows += outcome.copied;
      scan_ms += outcome.read_ms;  // per file, summed over the threads (as MERGE counts)
      rewrite_ms += outcome.write_ms;
      return arrow::Status::OK();
    }));
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
