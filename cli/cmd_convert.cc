// deltactl convert DIR [--partition-by "a STRING, b INT"] [--no-statistics] [--property k=v ...]
//                      [--json]
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>

#include <nlohmann/json.hpp>

#include "common.h"
#include "delta/operations/convert.h"
#include "delta/schema.h"

namespace deltactl {
namespace {

struct ConvertArgs {
  std::string table;
  std::string partition_by;
  bool no_statistics = false;
  std::vector<std::string> properties;
  bool json = false;
};

// Footer-reading progress on a terminal, at most every 100 ms, for conversions of many files.
class Progress {
 public:
  void Update(int64_t done, int64_t total) {
    if (total < kMinFiles) return;
    std::lock_guard<std::mutex> lock(mu_);
    auto now = std::chrono::steady_clock::now();
    if (done != total && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    std::cerr << "\rreading Parquet footers: " << done << "/" << total << std::flush;
    shown_ = true;
  }
  void Clear() {
    if (shown_) std::cerr << "\r\033[K" << std::flush;
  }

 private:
  static constexpr int64_t kMinFiles = 50;
  std::mutex mu_;
  std::chrono::steady_clock::time_point last_{};
  bool shown_ = false;
};

int RunConvert(const ConvertArgs& args) {
  delta::ConvertOptions opts;
  if (!args.partition_by.empty()) {
    auto schema = delta::ParseSchemaDdl(args.partition_by);
    if (!schema.ok()) return ReportError(schema.status());
    opts.partition_schema = *schema;
  }
  opts.collect_stats = !args.no_statistics;
  if (!ParseProperties(args.properties, "--property", &opts.configuration)) return kExitUsage;
  Progress progress;
  if (::isatty(STDERR_FILENO)) {
    opts.progress = [&progress](int64_t done, int64_t total) { progress.Update(done, total); };
  }
  auto m = delta::ConvertToDelta(args.table, opts);
  progress.Clear();
  if (!m.ok()) return ReportError(m.status());
  if (args.json) {
    std::cout << nlohmann::json{{"version", m->version},
                                {"skipped", m->skipped},
                                {"numFiles", m->num_files},
                                {"numRows", m->num_rows},
                                {"numBytes", m->num_bytes},
                                {"numPartitions", m->num_partitions}}
                     .dump()
              << std::endl;
  } else if (m->skipped) {
    std::cout << args.table << " is already a Delta table (version " << m->version << "): nothing to convert\n";
  } else {
    std::cout << "converted " << args.table << " to a Delta table (version " << m->version << "): "
              << m->num_files << " files, " << m->num_rows << " rows";
    if (m->num_partitions) std::cout << " in " << m->num_partitions << " partitions";
    std::cout << "\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterConvert(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<ConvertArgs>();
  auto* cmd = app.add_subcommand(
      "convert", "Convert a directory of Parquet files into a Delta table in place (CONVERT TO DELTA)");
  cmd->add_option("table", args->table, "Directory path or URI")->required();
  cmd->add_option("--partition-by", args->partition_by,
                  "Partition columns of the Hive-style directories with their types, in directory order, "
                  "e.g. \"date DATE, country STRING\"");
  cmd->add_flag("--no-statistics", args->no_statistics, "Do not collect per-file statistics from the footers");
  cmd->add_option("--property", args->properties, "Table property key=value (repeatable)");
  cmd->add_flag("--json", args->json, "Machine-readable output");
  cmd->callback([args, exit_code] { *exit_code = RunConvert(*args); });
}

}  // namespace deltactl
