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
  std::vector<const AddFile*> evaluate;  // files whose rows the predicate decides
  ARROW_ASSIGN_OR_RAISE(const auto verdicts, w.ClassifyAll());
  for (size_t i = 0; i < verdicts.size(); ++i) {
    const AddFile& f = w.snapshot().files()[i];
    const auto verdict = verdicts[i];
    ++m.num_files_before_skipping;
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
  // Files in parallel, each streamed by RowLevelWrite::ProcessMatched. With deletion vectors
  // only the matched positions matter (DV deletes write no change data: readers derive it from
  // the DV difference), so just the predicate's columns are read; without them files are
  // rewritten, and with change data the deleted rows go to cdc files as they stream.
  ops::RowLevelWrite::OnMatched write_cdc;
  if (w.cdf() && !w.use_dvs()) {
    write_cdc = [&](const std::shared_ptr<arrow::RecordBatch>& b, const std::vector<uint64_t>& rows) -> arrow::Status {
      ARROW_ASSIGN_OR_RAISE(auto gone, ops::TakeRows(b, rows));
      return w.WriteChange(gone, "delete");
    };
  }
  ARROW_ASSIGN_OR_RAISE(auto outcome, w.ProcessMatched(evaluate, write_cdc));
  m.num_deleted_rows += outcome.matched;
  m.num_copied_rows = outcome.copied;
  for (const auto* f : whole) {
    w.Remove(*f);
    // Spark's metadata-only delete counts rows from the statistics.
    auto records = GetFileStatistics(w.snapshot(), *f).num_records;
    if (records) {
      m.num_deleted_rows += *records - (f->deletion_vector ? f->deletion_vector->cardinality : 0);
    }
  }
  m.scan_time_ms = outcome.read_ms;
  m.rewrite_time_ms = outcome.write_ms;
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
