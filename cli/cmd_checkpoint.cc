// deltactl checkpoint TABLE [--version N] [--part-size N] [--v2-json | --v2-classic-name] [--json]
#include <nlohmann/json.hpp>

#include "common.h"
#include "delta/checkpoint.h"

namespace deltactl {
namespace {

struct CheckpointArgs {
  std::string table;
  delta::CheckpointOptions options;
  bool json = false;
};

const char* KindName(delta::CheckpointKind k) {
  switch (k) {
    case delta::CheckpointKind::kClassic: return "classic";
    case delta::CheckpointKind::kMultiPart: return "multi-part";
    case delta::CheckpointKind::kV2: return "v2";
  }
  return "";
}

int RunCheckpoint(const CheckpointArgs& args) {
  auto m = delta::CreateCheckpoint(args.table, args.options);
  if (!m.ok()) return ReportError(m.status());
  if (args.json) {
    std::cout << nlohmann::json{{"version", m->version},
                                {"kind", KindName(m->kind)},
                                {"path", m->path},
                                {"numActions", m->num_actions},
                                {"numAddFiles", m->num_add_files},
                                {"numParts", m->num_parts},
                                {"numSidecars", m->num_sidecars},
                                {"sizeInBytes", m->size_in_bytes}}
                     .dump()
              << std::endl;
  } else {
    std::cout << KindName(m->kind) << " checkpoint of version " << m->version << ": "
              << m->num_actions << " actions, " << m->num_add_files << " files, ";
    if (m->kind == delta::CheckpointKind::kMultiPart) std::cout << m->num_parts << " parts, ";
    if (m->kind == delta::CheckpointKind::kV2) std::cout << m->num_sidecars << " sidecars, ";
    std::cout << m->size_in_bytes << " bytes (" << m->path << ")\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterCheckpoint(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<CheckpointArgs>();
  auto* cmd = app.add_subcommand(
      "checkpoint",
      "Write a checkpoint of the table's state: classic, multi-part for tables with more file "
      "actions than --part-size, or V2 (UUID-named, with sidecars) when "
      "delta.checkpointPolicy=v2");
  cmd->add_option("table", args->table, "Table path or URI")->required();
  cmd->add_option("--version", args->options.version, "Version to checkpoint (default: latest)");
  cmd->add_option("--part-size", args->options.part_size,
                  "File actions per checkpoint part or V2 sidecar (default 1000000)")
      ->check(CLI::PositiveNumber);
  auto* json_top = cmd->add_flag("--v2-json", args->options.v2_json,
                                 "V2 tables: write the UUID-named checkpoint as JSON, not Parquet");
  cmd->add_flag("--v2-classic-name", args->options.v2_classic_name,
                "V2 tables: write the V2 checkpoint as N.checkpoint.parquet (for clients that do "
                "not read UUID-named checkpoints)")
      ->excludes(json_top);
  cmd->add_flag("--json", args->json, "Machine-readable output");
  cmd->callback([args, exit_code] { *exit_code = RunCheckpoint(*args); });
}

}  // namespace deltactl
