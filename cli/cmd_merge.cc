// deltactl merge TABLE --source FILE --on COND --when "WHEN MATCHED ... THEN ..." [--when ...]
//                [--source-format csv|json|parquet] [--source-alias s] [--target-alias t]
//                [--merge-schema] [--deletion-vectors | --no-deletion-vectors] [--json]
#include <nlohmann/json.hpp>

#include "common.h"
#include "delta/operations/merge.h"
#include "input.h"

namespace deltactl {

void RegisterMerge(CLI::App& app, int* exit_code) {
  struct Args {
    std::string table, source, source_format, on, source_alias = "source", target_alias = "target";
    std::vector<std::string> whens;
    bool merge_schema = false, dv = false, no_dv = false, json = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "merge", "MERGE a source file into the table: update, delete and insert rows by the WHEN clauses");
  cmd->add_option("table", args->table, "Table path or URI")->required();
  cmd->add_option("--source", args->source, "Source rows: a CSV, JSON-lines or Parquet file")->required();
  cmd->add_option("--source-format", args->source_format, "csv, json or parquet (default: from the extension)");
  cmd->add_option("--on", args->on, "Merge condition, e.g. \"target.id = source.id\"")->required();
  cmd->add_option("--source-alias", args->source_alias, "Name of the source in expressions (default: source)");
  cmd->add_option("--target-alias", args->target_alias, "Name of the target in expressions (default: target)");
  cmd->add_option("--when", args->whens,
                  "One or more clauses, in order: \"WHEN MATCHED [AND cond] THEN UPDATE SET c = e, ... | UPDATE SET * "
                  "| DELETE\", \"WHEN NOT MATCHED [AND cond] THEN INSERT (c, ...) VALUES (e, ...) | INSERT *\", "
                  "\"WHEN NOT MATCHED BY SOURCE [AND cond] THEN UPDATE SET ... | DELETE\" (repeatable)")
      ->required();
  cmd->add_flag("--merge-schema", args->merge_schema, "Add source columns the table lacks (UPDATE SET * / INSERT *)");
  auto* dv = cmd->add_flag("--deletion-vectors", args->dv,
                           "Mark changed rows in deletion vectors (default: delta.enableDeletionVectors)");
  cmd->add_flag("--no-deletion-vectors", args->no_dv, "Rewrite the changed files")->excludes(dv);
  cmd->add_flag("--json", args->json, "Machine-readable output (the operation metrics)");
  cmd->callback([args, exit_code] {
    delta::MergeOptions options;
    auto on = delta::ParseExpression(args->on);
    if (!on.ok()) {
      *exit_code = ReportError(on.status().WithMessage("--on: ", on.status().message()));
      return;
    }
    options.condition = *on;
    for (const auto& w : args->whens) {
      auto clauses = delta::ParseMergeClauses(w);
      if (!clauses.ok()) {
        *exit_code = ReportError(clauses.status().WithMessage("--when \"", w, "\": ", clauses.status().message()));
        return;
      }
      for (auto& c : *clauses) options.clauses.push_back(std::move(c));
    }
    options.source_alias = args->source_alias;
    options.target_alias = args->target_alias;
    options.merge_schema = args->merge_schema;
    if (args->dv) options.use_deletion_vectors = true;
    if (args->no_dv) options.use_deletion_vectors = false;
    // Text sources (CSV, JSON) are typed with the table's schema; Parquet carries its own types.
    std::shared_ptr<arrow::Schema> hint;
    const bool parquet_source = args->source_format == "parquet" ||
                                (args->source_format.empty() && args->source.size() >= 8 &&
                                 args->source.compare(args->source.size() - 8, 8, ".parquet") == 0);
    if (!parquet_source) {
      if (auto table = delta::Table::Open(args->table); table.ok()) {
        if (auto snap = (*table)->GetSnapshot(); snap.ok()) hint = (*snap)->schema();
      }
    }
    auto source = OpenInput(args->source, args->source_format, hint, /*whole_row_groups=*/true);
    if (!source.ok()) {
      *exit_code = ReportError(source.status());
      return;
    }
    auto m = delta::Merge(args->table, *source, options);
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
      std::cout << "merged " << m->num_source_rows << " source rows: " << m->num_target_rows_updated << " updated, "
                << m->num_target_rows_deleted << " deleted, " << m->num_target_rows_inserted
                << " inserted; committed version " << m->version << "\n";
    } else {
      std::cout << "nothing to change: nothing committed (version " << m->version << ")\n";
    }
    *exit_code = kExitOk;
  });
}

}  // namespace deltactl
