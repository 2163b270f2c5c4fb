// deltactl restore TABLE (--version N | --timestamp TS) [--json]
#include <nlohmann/json.hpp>

#include "common.h"
#include "delta/operations/restore.h"
#include "delta/table.h"

namespace deltactl {

void RegisterRestore(CLI::App& app, int* exit_code) {
  struct Args {
    std::string table, timestamp;
    int64_t version = -1;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "restore",
      "Restore the table to an earlier version (RESTORE TABLE ... TO VERSION/TIMESTAMP AS OF): one commit makes "
      "its files, schema and properties those of that version; refused if VACUUM deleted files it needs");
  cmd->add_option("table", args->table, "Table path or URI")->required();
  auto* v = cmd->add_option("--version", args->version, "The version to restore");
  auto* ts = cmd->add_option("--timestamp", args->timestamp,
                             "Restore the version in effect at this time (\"2024-01-02 10:00:00\", UTC unless a "
                             "zone is given, or ms since the epoch)");
  v->excludes(ts);
  cmd->add_flag("--json", args->json, "Machine-readable output (Spark's metrics, version, restoredVersion)");
  cmd->callback([args, exit_code, v, ts] {
    if (!*v && !*ts) {
      std::cerr << "deltactl restore: give --version or --timestamp\n";
      *exit_code = kExitUsage;
      return;
    }
    delta::RestoreOptions options;
    if (*v) options.version = args->version;
    if (*ts) {
      auto ms = delta::ParseTimestampMs(args->timestamp);
      if (!ms.ok()) {
        *exit_code = ReportError(ms.status());
        return;
      }
      options.timestamp_ms = *ms;
    }
    auto m = delta::Restore(args->table, options);
    if (!m.ok()) {
      *exit_code = ReportError(m.status());
      return;
    }
    if (args->json) {
      nlohmann::json out(m->SparkMetrics());
      out["version"] = m->version;
      out["restoredVersion"] = m->restored_version;
      out["committed"] = m->committed;
      std::cout << out.dump() << std::endl;
    } else if (m->committed) {
      std::cout << "restored version " << m->restored_version << ": committed version " << m->version << " ("
                << m->num_restored_files << " files restored, " << m->num_removed_files << " removed; "
                << m->num_of_files_after_restore << " files, " << m->table_size_after_restore << " bytes)\n";
    } else {
      std::cout << "the table is already as of version " << m->restored_version << ": nothing committed (version "
                << m->version << ")\n";
    }
    *exit_code = kExitOk;
  });
}

}  // namespace deltactl
