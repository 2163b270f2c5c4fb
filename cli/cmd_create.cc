// deltactl create TABLE --schema "id BIGINT NOT NULL, name STRING" [--partition-by a,b]
//                       [--property k=v ...] [--name N] [--description D] [--if-not-exists]
#include <nlohmann/json.hpp>

#include "common.h"
#include "delta/schema.h"
#include "delta/write.h"

namespace deltactl {
namespace {

struct CreateArgs {
  std::string table;
  std::string schema;
  std::vector<std::string> partition_by;
  std::vector<std::string> properties;
  std::string name, description;
  bool if_not_exists = false;
  bool json = false;
};

int RunCreate(const CreateArgs& args) {
  auto schema = delta::ParseSchemaDdl(args.schema);
  if (!schema.ok()) return ReportError(schema.status());
  delta::WriteOptions opts;
  opts.partition_by = args.partition_by;
  if (!ParseProperties(args.properties, "--property", &opts.configuration)) return kExitUsage;
  if (!args.name.empty()) opts.name = args.name;
  if (!args.description.empty()) opts.description = args.description;
  auto version = delta::CreateTable(args.table, *schema, opts, args.if_not_exists);
  if (!version.ok()) return ReportError(version.status());
  if (args.json) {
    std::cout << nlohmann::json{{"table", args.table}, {"version", *version}}.dump() << std::endl;
  } else {
    std::cout << "created " << args.table << " at version " << *version << "\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterCreate(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<CreateArgs>();
  auto* cmd = app.add_subcommand("create", "Create an empty Delta table");
  cmd->add_option("table", args->table, "Table path or URI")->required();
  cmd->add_option("--schema", args->schema,
                  "Columns, e.g. \"id BIGINT NOT NULL, name STRING, ts TIMESTAMP\"")->required();
  cmd->add_option("--partition-by", args->partition_by, "Partition columns, comma-separated")->delimiter(',');
  cmd->add_option("--property", args->properties, "Table property key=value (repeatable)");
  cmd->add_option("--name", args->name, "Table name");
  cmd->add_option("--description", args->description, "Table description");
  cmd->add_flag("--if-not-exists", args->if_not_exists, "Succeed without change if the table exists");
  cmd->add_flag("--json", args->json, "Machine-readable output");
  cmd->callback([args, exit_code] { *exit_code = RunCreate(*args); });
}

}  // namespace deltactl
