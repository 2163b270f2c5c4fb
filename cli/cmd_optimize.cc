// deltactl optimize TABLE [--where EXPR] [--zorder-by a,b] [--target-size SIZE] [--json]
#include <unistd.h>

#include <chrono>

#include <nlohmann/json.hpp>

#include "common.h"
#include "delta/expression.h"
#include "delta/operations/optimize.h"

namespace deltactl {
namespace {

struct OptimizeArgs {
  std::string table;
  std::string where;
  std::vector<std::string> zorder_by;
  std::string target_size;
  int min_files = 2;
  bool json = false;
};

nlohmann::json SizeJson(const delta::FileSizeMetrics& m) {
  nlohmann::json j{{"avg", m.avg}, {"totalFiles", m.total_files}, {"totalSize", m.total_size}};
  j["min"] = m.min ? nlohmann::json(*m.min) : nlohmann::json(nullptr);
  j["max"] = m.max ? nlohmann::json(*m.max) : nlohmann::json(nullptr);
  return j;
}

int RunOptimize(const OptimizeArgs& args) {
  delta::OptimizeOptions opts;
  if (!args.where.empty()) {
    auto e = delta::ParseExpression(args.where);
    if (!e.ok()) return ReportError(e.status());
    opts.where = *e;
  }
  opts.zorder_by = args.zorder_by;
  if (!args.target_size.empty()) {
    auto size = delta::ParseByteSize(args.target_size);
    if (!size.ok()) {
      std::cerr << "deltactl: usage: --target-size: " << size.status().message() << "\n";
      return kExitUsage;
    }
    opts.target_file_size = *size;
  }
  opts.min_files_per_bin = args.min_files;
  bool shown = false;
  if (::isatty(STDERR_FILENO)) {
    auto last = std::chrono::steady_clock::time_point{};
    opts.progress = [&shown, last](int64_t done, int64_t total) mutable {
      auto now = std::chrono::steady_clock::now();
      if (done != total && now - last < std::chrono::milliseconds(100)) return;
      last = now;
      std::cerr << "\rrewriting: " << done << "/" << total << (total == 1 ? " group" : " groups") << std::flush;
      shown = true;
    };
  }
  auto m = delta::Optimize(args.table, opts);
  if (shown) std::cerr << "\r\033[K" << std::flush;
  if (!m.ok()) return ReportError(m.status());
  if (args.json) {
    nlohmann::json j{{"version", m->version},
                     {"numFilesAdded", m->num_files_added},
                     {"numFilesRemoved", m->num_files_removed},
                     {"filesAdded", SizeJson(m->files_added)},
                     {"filesRemoved", SizeJson(m->files_removed)},
                     {"partitionsOptimized", m->partitions_optimized},
                     {"zOrderBy", m->zorder_by},
                     {"numBins", m->num_bins},
                     {"numBatches", m->num_batches},
                     {"totalConsideredFiles", m->total_considered_files},
                     {"totalFilesSkipped", m->total_files_skipped},
                     {"preserveInsertionOrder", m->preserve_insertion_order},
                     {"numDeletionVectorsRemoved", m->num_deletion_vectors_removed},
                     {"numDeletionVectorRowsRemoved", m->num_deletion_vector_rows_removed},
                     {"numTableColumns", m->num_table_columns},
                     {"numTableColumnsWithStats", m->num_table_columns_with_stats},
                     {"numOutputRows", m->num_output_rows},
                     {"startTimeMs", m->start_time_ms},
                     {"endTimeMs", m->end_time_ms}};
    std::cout << j.dump() << std::endl;
  } else if (m->num_files_removed == 0) {
    std::cout << "nothing to optimize in " << args.table << " (version " << m->version << ", "
              << m->total_considered_files << " files considered)\n";
  } else {
    std::cout << (m->zorder_by.empty() ? "compacted " : "z-ordered ") << args.table << " (version "
              << m->version << "): " << m->num_files_removed << " files (" << m->files_removed.total_size
              << " bytes) -> " << m->num_files_added << " files (" << m->files_added.total_size
              << " bytes) in " << m->partitions_optimized
              << (m->partitions_optimized == 1 ? " partition" : " partitions");
    if (m->num_deletion_vectors_removed) {
      std::cout << ", " << m->num_deletion_vectors_removed << " deletion vectors purged";
    }
    std::cout << "\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterOptimize(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<OptimizeArgs>();
  auto* cmd = app.add_subcommand(
      "optimize", "Compact small files (bin-packing) or cluster them with --zorder-by (OPTIMIZE)");
  cmd->add_option("table", args->table, "Table path or URI")->required();
  cmd->add_option("--where", args->where, "Only the partitions matching this predicate on partition columns");
  cmd->add_option("--zorder-by", args->zorder_by, "Z-order the rows of each partition by these columns")
      ->delimiter(',');
  cmd->add_option("--target-size", args->target_size,
                  "Target size of the files written, e.g. 256MB (default: delta.targetFileSize, else 1GB)");
  cmd->add_option("--min-files", args->min_files, "Compact only groups of at least this many files (default 2)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--json", args->json, "Machine-readable metrics (Spark's OptimizeMetrics names)");
  cmd->callback([args, exit_code] { *exit_code = RunOptimize(*args); });
}

}  // namespace deltactl
