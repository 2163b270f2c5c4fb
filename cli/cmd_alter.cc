// deltactl alter TABLE add-columns "c INT, d STRING"
//                      rename-column OLD NEW | drop-column NAME
//                      set-properties k=v [k=v ...] | unset-properties k [k ...] [--if-exists]
//                      add-constraint NAME EXPR | drop-constraint NAME [--if-exists]
//                      change-column-type COLUMN TYPE
#include <nlohmann/json.hpp>

#include "common.h"
#include "delta/operations/alter.h"
#include "delta/schema.h"

namespace deltactl {
namespace {

struct AlterArgs {
  std::string table;
  std::string columns;
  std::string from, to, name, expression, type;
  std::vector<std::string> properties;
  bool if_exists = false;
  bool json = false;
};

int Report(const arrow::Result<int64_t>& version, const AlterArgs& args, const std::string& what) {
  if (!version.ok()) return ReportError(version.status());
  if (args.json) {
    std::cout << nlohmann::json{{"version", *version}, {"operation", what}}.dump() << std::endl;
  } else {
    std::cout << what << ": committed version " << *version << "\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterAlter(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<AlterArgs>();
  auto* cmd = app.add_subcommand("alter", "Change a table's schema, properties or constraints");
  cmd->add_option("table", args->table, "Table path or URI")->required();
  cmd->add_flag("--json", args->json, "Machine-readable output");
  cmd->require_subcommand(1);

  auto* add = cmd->add_subcommand("add-columns", "Add nullable columns, e.g. \"c INT, d STRING\"");
  add->add_option("columns", args->columns, "Column list")->required();
  add->callback([args, exit_code] {
    auto schema = delta::ParseSchemaDdl(args->columns);
    if (!schema.ok()) {
      *exit_code = ReportError(schema.status());
      return;
    }
    *exit_code = Report(delta::AddColumns(args->table, (*schema)->fields()), *args, "ADD COLUMNS");
  });

  auto* rename = cmd->add_subcommand("rename-column", "Rename a column (needs column mapping)");
  rename->add_option("old", args->from, "Current name")->required();
  rename->add_option("new", args->to, "New name")->required();
  rename->callback([args, exit_code] {
    *exit_code = Report(delta::RenameColumn(args->table, args->from, args->to), *args, "RENAME COLUMN");
  });

  auto* drop = cmd->add_subcommand("drop-column", "Drop a column (needs column mapping)");
  drop->add_option("name", args->name, "Column")->required();
  drop->callback([args, exit_code] {
    *exit_code = Report(delta::DropColumn(args->table, args->name), *args, "DROP COLUMNS");
  });

  auto* set = cmd->add_subcommand("set-properties", "Set table properties key=value");
  set->add_option("properties", args->properties, "key=value ...")->required();
  set->callback([args, exit_code] {
    std::map<std::string, std::string> props;
    if (!ParseProperties(args->properties, "set-properties", &props)) {
      *exit_code = kExitUsage;
      return;
    }
    *exit_code = Report(delta::SetProperties(args->table, props), *args, "SET TBLPROPERTIES");
  });

  auto* unset = cmd->add_subcommand("unset-properties", "Remove table properties");
  unset->add_option("keys", args->properties, "key ...")->required();
  unset->add_flag("--if-exists", args->if_exists, "Ignore keys that are not set");
  unset->callback([args, exit_code] {
    *exit_code = Report(delta::UnsetProperties(args->table, args->properties, args->if_exists), *args,
                        "UNSET TBLPROPERTIES");
  });

  auto* addc = cmd->add_subcommand("add-constraint", "Add a CHECK constraint (existing rows must satisfy it)");
  addc->add_option("name", args->name, "Constraint name")->required();
  addc->add_option("expression", args->expression, "SQL predicate, e.g. \"amount >= 0\"")->required();
  addc->callback([args, exit_code] {
    *exit_code = Report(delta::AddConstraint(args->table, args->name, args->expression), *args, "ADD CONSTRAINT");
  });

  auto* change = cmd->add_subcommand(
      "change-column-type", "Widen a column's type (needs delta.enableTypeWidening=true)");
  change->add_option("column", args->name, "Column, nested field (a.b) or tags.element / m.key / m.value")
      ->required();
  change->add_option("type", args->type, "New type, e.g. BIGINT, DOUBLE, DECIMAL(12,2), TIMESTAMP_NTZ")
      ->required();
  change->callback([args, exit_code] {
    auto type = delta::ParseDeltaTypeName(args->type);
    if (!type.ok()) {
      *exit_code = ReportError(type.status());
      return;
    }
    *exit_code = Report(delta::ChangeColumnType(args->table, args->name, *type), *args, "CHANGE COLUMN");
  });

  auto* dropc = cmd->add_subcommand("drop-constraint", "Drop a CHECK constraint");
  dropc->add_option("name", args->name, "Constraint name")->required();
  dropc->add_flag("--if-exists", args->if_exists, "Succeed if it does not exist");
  dropc->callback([args, exit_code] {
    *exit_code = Report(delta::DropConstraint(args->table, args->name, args->if_exists), *args, "DROP CONSTRAINT");
  });
}

}  // namespace deltactl
