// deltactl checkpoint TABLE [--version N] [--json]
#include <nlohmann/json.hpp>

#include "common.h"
#include "delta/checkpoint.h"

namespace deltactl {
namespace {

struct CheckpointArgs {
  std::string table;
  std::optional<int64_t> version;
  bool json = false;
};

int RunCheckpoint(const CheckpointArgs& args) {
  auto m = delta::CreateCheckpoint(args.table, args.version);
  if (!m.ok()) return ReportError(m.status());
  if (args.json) {
    std::cout << nlohmann::json{{"version", m->version},
                                {"numActions", m->num_actions},
                                {"numAddFiles", m->num_add_files},
                                {"sizeInBytes", m->size_in_bytes}}
                     .dump()
              << std::endl;
  } else {
    std::cout << "checkpoint of version " << m->version << ": " << m->num_actions << " actions, "
              << m->num_add_files << " files, " << m->size_in_bytes << " bytes\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterCheckpoint(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<CheckpointArgs>();
  auto* cmd = app.add_subcommand("checkpoint", "Write a checkpoint of the table's state");
  cmd->add_option("table", args->table, "Table path or URI")->required();
  cmd->add_option("--version", args->version, "Version to checkpoint (default: latest)");
  cmd->add_flag("--json", args->json, "Machine-readable output");
  cmd->callback([args, exit_code] { *exit_code = RunCheckpoint(*args); });
}

}  // namespace deltactl
