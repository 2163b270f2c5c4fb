// deltactl changes TABLE --from-version N [--to-version M] [--where EXPR]
//                        [--format table|csv|json|parquet] [--output FILE]
#include "common.h"
#include "delta/change_data_feed.h"

namespace deltactl {
namespace {

struct ChangesArgs {
  std::string table;
  int64_t from_version = 0;
  std::optional<int64_t> to_version;
  std::string where;
  OutputFormat format = OutputFormat::kTable;
  std::string output;
};

int RunChanges(const ChangesArgs& args) {
  auto table = delta::Table::Open(args.table);
  if (!table.ok()) return ReportError(table.status());
  delta::ChangeDataOptions opts;
  opts.start_version = args.from_version;
  opts.end_version = args.to_version;
  if (!args.where.empty()) {
    auto pred = delta::ParseExpression(args.where);
    if (!pred.ok()) return ReportError(pred.status());
    opts.predicate = *pred;
  }
  auto reader = delta::ReadChangeDataFeed(**table, opts);
  if (!reader.ok()) return ReportError(reader.status());
  auto rows = WriteRows(**reader, args.format, args.output);
  if (!rows.ok()) return ReportError(rows.status());
  return kExitOk;
}

}  // namespace

void RegisterChanges(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<ChangesArgs>();
  auto* cmd = app.add_subcommand("changes", "Print the change data feed between two versions");
  cmd->add_option("table", args->table, "Table path or URI")->required();
  cmd->add_option("--from-version", args->from_version, "First version (inclusive)")->required();
  cmd->add_option("--to-version", args->to_version, "Last version (inclusive; default latest)");
  cmd->add_option("--where", args->where, "SQL predicate over the change rows");
  AddOutputOptions(cmd, &args->format, &args->output);
  cmd->callback([args, exit_code] { *exit_code = RunChanges(*args); });
}

}  // namespace deltactl
