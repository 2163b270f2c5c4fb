#include "delta/operations/delete.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>

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
  // readers derive it from the DV difference): the files are matched in parallel reading just the predicate's columns (results are kept as positions
  // only), then applied in log order.
  std::vector<std::optional<ops::FileRows>> matched(evaluate.size());
  if (w.use_dvs() && !evaluate.empty()) {
    const auto scan_start = std::chrono::steady_clock::now();
    std::vector<arrow::Status> status(evaluate.size());
    std::atomic<size_t> next{0};
    auto work = [&] {
      for (size_t i = next++; i < evaluate.size(); i = next++) {
        auto r = w.Match(*evaluate[i]);
        if (!r.ok()) {
          status[i] = r.status();
          continue;
        }
        r->batches.clear();
        matched[i] = std::move(*r);
      }
    };
    const size_t threads = std::min<size_t>(evaluate.size(), std::max(1u, std::thread::hardware_concurrency()));
    std::vector<std::thread> pool;
    for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    for (const auto& st : status) ARROW_RETURN_NOT_OK(st);
    scan_ms += ops::MsSince(scan_start);
  }
  for (size_t fi = 0; fi < evaluate.size(); ++fi) {
    const AddFile& f = *evaluate[fi];
    const auto scan_start = std::chrono::steady_clock::now();
    ops::FileRows rows;
    if (matched[fi]) {
      rows = std::move(*matched[fi]);
    } else {
      ARROW_ASSIGN_OR_RAISE(rows, w.Read(f));
      scan_ms += ops::MsSince(scan_start);
    }
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
