// deltactl vacuum TABLE [--retain HOURS] [--dry-run] [--lite|--full] [--no-retention-check]
//                       [--json]
#include <unistd.h>

#include <chrono>
#include <mutex>

#include <nlohmann/json.hpp>

#include "common.h"
#include "delta/operations/vacuum.h"

namespace deltactl {
namespace {

struct VacuumArgs {
  std::string table;
  std::optional<double> retain_hours;
  bool dry_run = false;
  bool lite = false;
  bool full = false;
  bool no_retention_check = false;
  bool json = false;
};

// Listing / deleting progress on a terminal, at most every 100 ms.
class Progress {
 public:
  void Update(std::string_view phase, int64_t done, int64_t total) {
    std::lock_guard<std::mutex> lock(mu_);
    auto now = std::chrono::steady_clock::now();
    if (done != total && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    std::cerr << "\r\033[K" << phase << ": " << done;
    if (total >= 0) std::cerr << "/" << total;
    std::cerr << std::flush;
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

int RunVacuum(const VacuumArgs& args) {
  delta::VacuumOptions opts;
  opts.retention_hours = args.retain_hours;
  opts.dry_run = args.dry_run;
  opts.mode = args.lite ? delta::VacuumMode::kLite : delta::VacuumMode::kFull;
  opts.enforce_retention_duration = !args.no_retention_check;
  Progress progress;
  if (!args.json && ::isatty(STDERR_FILENO)) {
    opts.progress = [&progress](std::string_view phase, int64_t done, int64_t total) {
      progress.Update(phase, done, total);
    };
  }
  auto m = delta::Vacuum(args.table, opts);
  progress.Clear();
  if (!m.ok()) return ReportError(m.status());
  if (args.json) {
    nlohmann::json files = nlohmann::json::array();
    for (const auto& f : m->files) files.push_back({{"path", f.path}, {"size", f.size}});
    std::cout << nlohmann::json{{"dryRun", m->dry_run},
                                {"mode", m->mode == delta::VacuumMode::kLite ? "lite" : "full"},
                                {"readVersion", m->read_version},
                                {"startVersion", m->start_version},
                                {"endVersion", m->end_version},
                                {"retentionMillis", m->retention_ms},
                                {"defaultRetentionMillis", m->default_retention_ms},
                                {"deleteBeforeMillis", m->delete_before_ms},
                                {"numFilesToDelete", m->num_files_to_delete},
                                {"sizeOfDataToDelete", m->size_of_data_to_delete},
                                {"numDeletedFiles", m->num_deleted_files},
                                {"numDeletedDirectories", m->num_deleted_directories},
                                {"numVacuumedDirectories", m->num_vacuumed_directories},
                                {"files", files}}
                     .dump()
              << std::endl;
    return kExitOk;
  }
  if (m->dry_run) {
    for (const auto& f : m->files) std::cout << f.size << "\t" << f.path << "\n";
    std::cout << "dry run: " << m->num_files_to_delete << " files (" << m->size_of_data_to_delete
              << " bytes) older than " << FormatTimestampMs(m->delete_before_ms)
              << " would be deleted from " << args.table << "\n";
  } else {
    std::cout << "deleted " << m->num_deleted_files << " files (" << m->size_of_data_to_delete << " bytes) and "
              << m->num_deleted_directories << " empty directories from " << args.table << " (versions "
              << m->start_version << "-" << m->end_version << ")\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterVacuum(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<VacuumArgs>();
  auto* cmd = app.add_subcommand(
      "vacuum", "Delete files no version within the retention period references (VACUUM)");
  cmd->add_option("table", args->table, "Table path or URI")->required();
  cmd->add_option("--retain", args->retain_hours,
                  "Retention in hours (default: delta.deletedFileRetentionDuration, 7 days)");
  cmd->add_flag("--dry-run", args->dry_run, "List the files that would be deleted, with sizes; delete nothing");
  auto* lite = cmd->add_flag("--lite", args->lite, "Use only the log's remove actions (no listing)");
  auto* full = cmd->add_flag("--full", args->full,
                             "List the table directory; also delete files never referenced (default)");
  lite->excludes(full);
  cmd->add_flag("--no-retention-check", args->no_retention_check,
                "Allow a retention shorter than the table's (unsafe with concurrent writers)");
  cmd->add_flag("--json", args->json, "Machine-readable output");
  cmd->callback([args, exit_code] { *exit_code = RunVacuum(*args); });
}

}  // namespace deltactl
