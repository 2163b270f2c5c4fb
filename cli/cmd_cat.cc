// deltactl cat TABLE [--version N | --timestamp TS] [--columns a,b] [--where EXPR] [--limit N]
//                    [--format table|csv|json|parquet] [--output FILE]
#include "common.h"
#include "delta/scan.h"

namespace deltactl {
namespace {

struct CatArgs {
  std::string table;
  VersionFlags version;
  std::vector<std::string> columns;
  std::string where;
  std::optional<int64_t> limit;
  OutputFormat format = OutputFormat::kTable;
  std::string output;
  bool explain = false;
};

int RunCat(const CatArgs& args) {
  auto table = delta::Table::Open(args.table);
  if (!table.ok()) return ReportError(table.status());
  auto snap = LoadSnapshot(**table, args.version);
  if (!snap.ok()) return ReportError(snap.status());
  delta::ScanOptions opts;
  opts.columns = args.columns;
  opts.limit = args.limit;
  if (!args.where.empty()) {
    auto pred = delta::ParseExpression(args.where);
    if (!pred.ok()) return ReportError(pred.status());
    opts.predicate = *pred;
  }
  auto scan = delta::Scan::Make(*snap, opts);
  if (!scan.ok()) return ReportError(scan.status());
  if (args.explain) {
    const auto& m = (*scan)->metrics();
    std::cerr << "files: " << m.files_total << " total, " << m.files_skipped_by_partition
              << " pruned by partition, " << m.files_skipped_by_stats << " skipped by stats, "
              << m.files_to_read << " to read\n";
  }
  auto reader = (*scan)->Execute();
  if (!reader.ok()) return ReportError(reader.status());
  auto rows = WriteRows(**reader, args.format, args.output);
  if (!rows.ok()) return ReportError(rows.status());
  return kExitOk;
}

}  // namespace

void RegisterCat(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<CatArgs>();
  auto* cmd = app.add_subcommand("cat", "Print or export the rows of a table version");
  cmd->add_option("table", args->table, "Table path or URI")->required();
  args->version.Add(cmd);
  cmd->add_option("--columns", args->columns, "Columns to return, comma-separated")->delimiter(',');
  cmd->add_option("--where", args->where, "SQL predicate, e.g. \"year = 2024 AND amount > 10\"");
  cmd->add_option("--limit", args->limit, "Return at most N rows")->check(CLI::NonNegativeNumber);
  AddOutputOptions(cmd, &args->format, &args->output);
  cmd->add_flag("--explain", args->explain, "Print file pruning figures to stderr");
  cmd->callback([args, exit_code] { *exit_code = RunCat(*args); });
}

}  // namespace deltactl
