// deltactl write TABLE --input FILE [--input-format csv|json|parquet]
//                      [--mode append|overwrite|error|ignore] [--partition-by a,b]
//                      [--replace-where EXPR] [--merge-schema] [--overwrite-schema] [--json]
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "common.h"
#include "delta/write.h"
#include "input.h"

namespace deltactl {
namespace {

struct WriteArgs {
  std::string table;
  std::vector<std::string> inputs;
  std::string input_format;
  std::string mode = "append";
  std::vector<std::string> partition_by;
  std::string replace_where;
  bool merge_schema = false;
  bool overwrite_schema = false;
  std::vector<std::string> properties;
  std::string compression = "snappy";
  std::string app_id;
  std::optional<int64_t> app_version;
  bool json = false;
};

int RunWrite(const WriteArgs& args) {
  delta::WriteOptions opts;
  static const std::map<std::string, delta::WriteMode> kModes{
      {"append", delta::WriteMode::kAppend}, {"overwrite", delta::WriteMode::kOverwrite},
      {"error", delta::WriteMode::kErrorIfExists}, {"ignore", delta::WriteMode::kIgnore}};
  opts.mode = kModes.at(args.mode);
  opts.partition_by = args.partition_by;
  opts.compression = args.compression;
  if (args.merge_schema) opts.schema_mode = delta::SchemaMode::kMerge;
  if (args.overwrite_schema) opts.schema_mode = delta::SchemaMode::kOverwrite;
  for (const auto& p : args.properties) {
    auto eq = p.find('=');
    if (eq != std::string::npos) opts.configuration[p.substr(0, eq)] = p.substr(eq + 1);
  }
  if (!args.app_id.empty()) {
    if (!args.app_version) {
      std::cerr << "deltactl: --app-id needs --app-version\n";
      return kExitUsage;
    }
    opts.app_transaction = std::make_pair(args.app_id, *args.app_version);
  }
  if (!args.replace_where.empty()) {
    auto pred = delta::ParseExpression(args.replace_where);
    if (!pred.ok()) return ReportError(pred.status());
    opts.replace_where = *pred;
  }
  // Parse text inputs as the table's column types when the table exists.
  // The snapshot read here is handed to the write, which only reads commits newer than it.
  std::shared_ptr<arrow::Schema> hint;
  if (auto table = delta::Table::Open(args.table); table.ok() && !args.overwrite_schema) {
    if (auto snap = (*table)->GetSnapshot(); snap.ok()) {
      hint = (*snap)->schema();
      opts.snapshot = *snap;
    }
  }
  std::vector<std::shared_ptr<arrow::RecordBatchReader>> readers;
  for (const auto& in : args.inputs) {
    auto r = OpenInput(in, args.input_format, hint);
    if (!r.ok()) return ReportError(r.status());
    readers.push_back(*r);
  }
  // Several inputs are one write: chain them (they must share a schema).
  std::shared_ptr<arrow::RecordBatchReader> data = readers[0];
  if (readers.size() > 1) {
    auto schema = readers[0]->schema();
    std::vector<std::shared_ptr<arrow::RecordBatch>> all;
    for (auto& r : readers) {
      auto batches = r->ToRecordBatches();
      if (!batches.ok()) return ReportError(batches.status());
      for (auto& b : *batches) all.push_back(b);
    }
    auto chained = arrow::RecordBatchReader::Make(all, schema);
    if (!chained.ok()) return ReportError(chained.status());
    data = *chained;
  }
  const bool tty = ::isatty(STDERR_FILENO);
  if (tty) std::cerr << "writing " << args.table << " ..." << std::flush;
  auto m = delta::WriteTable(args.table, data, opts);
  if (tty) std::cerr << "\r\033[K";
  if (!m.ok()) return ReportError(m.status());
  if (args.json) {
    std::cout << nlohmann::json{{"version", m->version},
                                {"skipped", m->skipped},
                                {"numFilesAdded", m->num_files_added},
                                {"numFilesRemoved", m->num_files_removed},
                                {"numOutputRows", m->num_output_rows},
                                {"numOutputBytes", m->num_output_bytes},
                                {"commitAttempts", m->commit_attempts}}
                     .dump()
              << std::endl;
  } else if (m->skipped) {
    std::cout << "skipped: the table exists (mode ignore) or the transaction was already applied\n";
  } else {
    std::cout << "committed version " << m->version << ": " << m->num_output_rows << " rows in "
              << m->num_files_added << " files (" << m->num_output_bytes << " bytes)";
    if (m->num_files_removed) std::cout << ", " << m->num_files_removed << " files removed";
    std::cout << "\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterWrite(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<WriteArgs>();
  auto* cmd = app.add_subcommand("write", "Write CSV, JSON-lines or Parquet files into a table");
  cmd->add_option("table", args->table, "Table path or URI")->required();
  cmd->add_option("--input,-i", args->inputs, "Input file(s)")->required();
  cmd->add_option("--input-format", args->input_format, "csv, json or parquet (default: from the extension)")
      ->check(CLI::IsMember({"csv", "json", "parquet"}));
  cmd->add_option("--mode", args->mode, "append, overwrite, error or ignore")
      ->check(CLI::IsMember({"append", "overwrite", "error", "ignore"}));
  cmd->add_option("--partition-by", args->partition_by, "Partition columns (new tables)")->delimiter(',');
  cmd->add_option("--replace-where", args->replace_where,
                  "With --mode overwrite: replace only rows matching this predicate");
  auto* merge = cmd->add_flag("--merge-schema", args->merge_schema, "Add new columns to the table schema");
  auto* over = cmd->add_flag("--overwrite-schema", args->overwrite_schema,
                             "With --mode overwrite: replace the table schema");
  merge->excludes(over);
  cmd->add_option("--property", args->properties, "Table property key=value for a new table");
  cmd->add_option("--compression", args->compression, "snappy or zstd")->check(CLI::IsMember({"snappy", "zstd"}));
  cmd->add_option("--app-id", args->app_id,
                  "Idempotent write: application id recorded with --app-version (a txn action)");
  cmd->add_option("--app-version", args->app_version,
                  "Skip the write if this application already committed this version or a later one");
  cmd->add_flag("--json", args->json, "Machine-readable output");
  cmd->callback([args, exit_code] { *exit_code = RunWrite(*args); });
}

}  // namespace deltactl
