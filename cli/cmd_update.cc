// deltactl update TABLE --set "col = expr" [--set ...] [--where EXPR] [--dv | --no-dv] [--json]
#include <nlohmann/json.hpp>

#include "common.h"
#include "delta/operations/update.h"

namespace deltactl {

void RegisterUpdate(CLI::App& app, int* exit_code) {
  struct Args {
    std::string table, where;
    std::vector<std::string> sets;
    bool dv = false, no_dv = false, json = false;
    int32_t inline_max = 0;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("update", "Set columns of the rows matching --where (all rows without it)");
  cmd->add_option("table", args->table, "Table path or URI")->required();
  cmd->add_option("--set", args->sets, "\"column = expression\" (repeatable)")->required();
  cmd->add_option("--where", args->where, "SQL predicate; rows where it is NULL are not updated");
  auto* dv = cmd->add_flag("--dv", args->dv, "Use deletion vectors (default: delta.enableDeletionVectors)");
  cmd->add_flag("--no-dv", args->no_dv, "Rewrite files instead of using deletion vectors")->excludes(dv);
  cmd->add_option("--inline-dv-max-bytes", args->inline_max,
                  "Store deletion vectors up to this size inline in the log (default 0: files)");
  cmd->add_flag("--json", args->json, "Machine-readable output");
  cmd->callback([args, exit_code] {
    delta::UpdateOptions options;
    for (const auto& s : args->sets) {
      auto a = delta::ParseAssignment(s);
      if (!a.ok()) {
        *exit_code = ReportError(a.status());
        return;
      }
      options.assignments.push_back(*a);
    }
    if (!args->where.empty()) {
      auto predicate = delta::ParseExpression(args->where);
      if (!predicate.ok()) {
        *exit_code = ReportError(predicate.status());
        return;
      }
      options.predicate = *predicate;
    }
    if (args->dv) options.use_deletion_vectors = true;
    if (args->no_dv) options.use_deletion_vectors = false;
    options.inline_dv_max_bytes = args->inline_max;
    auto m = delta::UpdateRows(args->table, options);
    if (!m.ok()) {
      *exit_code = ReportError(m.status());
      return;
    }
    if (args->json) {
      nlohmann::json out(m->SparkMetrics());
      out["version"] = m->version;
      out["committed"] = m->committed;
      std::cout << out.dump() << std::endl;
    } else if (m->committed) {
      std::cout << "updated " << m->num_updated_rows << " rows: committed version " << m->version << "\n";
    } else {
      std::cout << "no rows matched: nothing committed (version " << m->version << ")\n";
    }
    *exit_code = kExitOk;
  });
}

}  // namespace deltactl
