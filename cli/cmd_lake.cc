// deltactl lake list DIR [--json] [--recursive DEPTH]
// deltactl lake maintain DIR [--dry-run] [--json] [--recursive DEPTH]
#include <unistd.h>

#include <chrono>
#include <iomanip>
#include <mutex>

#include <nlohmann/json.hpp>

#include "common.h"
#include "delta/error.h"
#include "delta/operations/lake.h"

namespace deltactl {
namespace {

struct LakeArgs {
  std::string dir;
  int depth = 1;
  bool json = false;
  bool dry_run = false;
};

// "tables: done/total" on a terminal, at most every 100 ms.
class Progress {
 public:
  void Update(int64_t done, int64_t total) {
    std::lock_guard<std::mutex> lock(mu_);
    auto now = std::chrono::steady_clock::now();
    if (done != total && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    std::cerr << "\r\033[Ktables: " << done << "/" << total << std::flush;
    shown_ = true;
  }
  void Clear() {
    if (shown_) std::cerr << "\r\033[K" << std::flush;
  }

 private:
  std::mutex mu_;
  std::chrono::steady_clock::time_point last_{};
  bool shown_ = false;
};

delta::LakeOptions Options(const LakeArgs& args, Progress* progress) {
  delta::LakeOptions o;
  o.max_depth = args.depth;
  o.dry_run = args.dry_run;
  if (!args.json && ::isatty(STDERR_FILENO)) {
    o.progress = [progress](int64_t done, int64_t total) { progress->Update(done, total); };
  }
  return o;
}

std::string ErrorText(const arrow::Status& st) {
  return "[" + std::string(delta::ErrorCodeName(delta::GetErrorCode(st))) + "] " + st.message();
}

void PrintTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> w(header.size());
  for (size_t i = 0; i < header.size(); ++i) w[i] = header[i].size();
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size() && i < w.size(); ++i) w[i] = std::max(w[i], r[i].size());
  }
  auto line = [&](const std::vector<std::string>& r) {
    for (size_t i = 0; i < r.size(); ++i) {
      if (i + 1 == r.size()) {
        std::cout << r[i];
      } else {
        std::cout << std::left << std::setw(static_cast<int>(w[i]) + 2) << r[i];
      }
    }
    std::cout << "\n";
  };
  line(header);
  for (const auto& r : rows) line(r);
}

int RunList(const LakeArgs& args) {
  Progress progress;
  auto tables = delta::ListLake(args.dir, Options(args, &progress));
  progress.Clear();
  if (!tables.ok()) return ReportError(tables.status());
  if (args.json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& t : *tables) {
      nlohmann::ordered_json row{{"path", t.path}};
      if (t.error.ok()) {
        row["version"] = t.version;
        row["numFiles"] = t.num_files;
        row["sizeInBytes"] = t.size_bytes;
        row["lastOperation"] = t.last_operation ? nlohmann::ordered_json(*t.last_operation) : nullptr;
        row["lastOperationTime"] = FormatTimestampMs(t.last_operation_time_ms);
        row["error"] = nullptr;
      } else {
        row["error"] = ErrorText(t.error);
      }
      out.push_back(row);
    }
    std::cout << out.dump(2) << std::endl;
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : *tables) {
    if (t.error.ok()) {
      rows.push_back({t.path, std::to_string(t.version), std::to_string(t.num_files), std::to_string(t.size_bytes),
                      t.last_operation.value_or("-"), FormatTimestampMs(t.last_operation_time_ms)});
    } else {
      rows.push_back({t.path, "-", "-", "-", "error", ErrorText(t.error)});
    }
  }
  PrintTable({"PATH", "VERSION", "FILES", "BYTES", "LAST OPERATION", "AT"}, rows);
  std::cout << tables->size() << " table(s)\n";
  return kExitOk;
}

std::string JoinActions(const std::vector<std::string>& actions) {
  std::string s;
  for (const auto& a : actions) s += (s.empty() ? "" : ",") + a;
  return s.empty() ? "-" : s;
}

int RunMaintain(const LakeArgs& args) {
  Progress progress;
  auto results = delta::MaintainLake(args.dir, Options(args, &progress));
  progress.Clear();
  if (!results.ok()) return ReportError(results.status());
  bool failed = false;
  for (const auto& r : *results) failed |= !r.error.ok();
  if (args.json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& r : *results) {
      out.push_back(nlohmann::ordered_json{{"path", r.path},
                                           {"dryRun", args.dry_run},
                                           {"actions", r.actions},
                                           {"filesCompacted", r.files_compacted},
                                           {"filesWritten", r.files_written},
                                           {"filesVacuumed", r.files_vacuumed},
                                           {"bytesVacuumed", r.bytes_vacuumed},
                                           {"checkpointVersion", r.checkpoint_version},
                                           {"skipped", r.skipped},
                                           {"error", r.error.ok() ? nlohmann::ordered_json(nullptr)
                                                                  : nlohmann::ordered_json(ErrorText(r.error))}});
    }
    std::cout << out.dump(2) << std::endl;
    return failed ? kExitError : kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : *results) {
    rows.push_back({r.path, JoinActions(r.actions), std::to_string(r.files_compacted), std::to_string(r.bytes_vacuumed),
                    r.error.ok() ? "-" : ErrorText(r.error)});
  }
  PrintTable({"TABLE", args.dry_run ? "WOULD DO" : "ACTIONS DONE", "FILES COMPACTED", "BYTES VACUUMED", "ERROR"},
             rows);
  for (const auto& r : *results) {
    for (const auto& why : r.skipped) std::cout << r.path << ": skipped " << why << "\n";
  }
  std::cout << results->size() << " table(s)" << (args.dry_run ? " (dry run: nothing changed)" : "") << "\n";
  return failed ? kExitError : kExitOk;
}

}  // namespace

void RegisterLake(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<LakeArgs>();
  auto* cmd = app.add_subcommand("lake", "Work on every Delta table under a folder");
  cmd->require_subcommand(1);
  auto add_common = [&](CLI::App* sub) {
    sub->add_option("dir", args->dir, "Folder (path or URI) holding tables")->required();
    sub->add_option("--recursive", args->depth,
                    "How many folder levels below DIR to search (default 1: DIR's children; 0: DIR itself). "
                    "A table's own folder is never searched")
        ->check(CLI::NonNegativeNumber);
    sub->add_flag("--json", args->json, "Machine-readable output");
  };
  auto* list = cmd->add_subcommand(
      "list",
      "List the Delta tables (folders whose _delta_log has commits) with version, files, size and last "
      "operation; unreadable tables are listed with their error. Exit status 0 when DIR could be listed");
  add_common(list);
  list->callback([args, exit_code] { *exit_code = RunList(*args); });

  auto* maintain = cmd->add_subcommand(
      "maintain",
      "For each table, by its properties: OPTIMIZE when the doctor finds compactable small files (or "
      "delta.autoOptimize.autoCompact is set and some exist), VACUUM with the table's own retention when "
      "files are vacuumable, a checkpoint when delta.checkpointInterval versions have passed. Prints a "
      "summary. Exit status 1 when a table failed");
  add_common(maintain);
  maintain->add_flag("--dry-run", args->dry_run, "Print what would be done; change nothing");
  maintain->callback([args, exit_code] { *exit_code = RunMaintain(*args); });
}

}  // namespace deltactl
