// deltactl files TABLE [--version N | --timestamp TS] [--json]
#include <nlohmann/json.hpp>

#include "common.h"
#include "delta/scan.h"

namespace deltactl {
namespace {

struct FilesArgs {
  std::string table;
  VersionFlags version;
  bool json = false;
};

int RunFiles(const FilesArgs& args) {
  auto table = delta::Table::Open(args.table);
  if (!table.ok()) return ReportError(table.status());
  auto snap_r = LoadSnapshot(**table, args.version);
  if (!snap_r.ok()) return ReportError(snap_r.status());
  const auto& snap = **snap_r;
  nlohmann::json out = nlohmann::json::array();
  for (const auto& f : snap.files()) {
    auto stats = delta::GetFileStatistics(snap, f);
    nlohmann::json pv = nlohmann::json::object();
    for (const auto& [k, v] : f.partition_values) pv[k] = v ? nlohmann::json(*v) : nlohmann::json(nullptr);
    out.push_back({{"path", f.path},
                   {"size", f.size},
                   {"partitionValues", pv},
                   {"numRecords", stats.num_records ? nlohmann::json(*stats.num_records) : nlohmann::json(nullptr)},
                   {"deletionVectorCardinality",
                    f.deletion_vector ? nlohmann::json(f.deletion_vector->cardinality) : nlohmann::json(nullptr)},
                   {"modificationTime", f.modification_time},
                   {"dataChange", f.data_change}});
  }
  if (args.json) {
    std::cout << out.dump(2) << std::endl;
    return kExitOk;
  }
  for (const auto& f : out) {
    std::cout << f["path"].get<std::string>() << "  " << f["size"].get<int64_t>() << " bytes";
    if (!f["numRecords"].is_null()) std::cout << "  " << f["numRecords"].get<int64_t>() << " rows";
    if (!f["deletionVectorCardinality"].is_null()) {
      std::cout << "  dv:" << f["deletionVectorCardinality"].get<int64_t>() << " deleted";
    }
    if (!f["partitionValues"].empty()) std::cout << "  " << f["partitionValues"].dump();
    std::cout << "\n";
  }
  std::cout << out.size() << (out.size() == 1 ? " file" : " files") << " at version "
            << snap.version() << "\n";
  return kExitOk;
}

}  // namespace

void RegisterFiles(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<FilesArgs>();
  auto* cmd = app.add_subcommand("files", "List the live data files of a version");
  cmd->add_option("table", args->table, "Table path or URI")->required();
  args->version.Add(cmd);
  cmd->add_flag("--json", args->json, "Machine-readable output");
  cmd->callback([args, exit_code] { *exit_code = RunFiles(*args); });
}

}  // namespace deltactl
