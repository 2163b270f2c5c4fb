// deltactl write TABLE --input FILE [--input-format csv|json|parquet]
//                      [--mode append|overwrite|error|ignore] [--partition-by a,b]
//                      [--replace-where EXPR | --partition-overwrite-mode dynamic] [--merge-schema] [--overwrite-schema] [--json]
#include <unistd.h>

#include <chrono>

#include <nlohmann/json.hpp>

#include "common.h"
#include "delta/error.h"
#include "delta/write.h"
#include "input.h"

namespace deltactl {
namespace {

// The inputs of one write as one stream. On a terminal it shows a progress line (rows read,
// current input) at most five times a second.
class InputStream : public arrow::RecordBatchReader {
 public:
  InputStream(std::vector<std::shared_ptr<arrow::RecordBatchReader>> readers,
              std::vector<std::string> names, std::string table, bool progress)
      : readers_(std::move(readers)), names_(std::move(names)), table_(std::move(table)),
        progress_(progress) {}

  std::shared_ptr<arrow::Schema> schema() const override { return readers_[0]->schema(); }

  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) override {
    while (index_ < readers_.size()) {
      if (index_ > 0 && !checked_[index_]) {
        checked_[index_] = true;
        if (!readers_[index_]->schema()->Equals(*schema(), /*check_metadata=*/false)) {
          return delta::MakeError(delta::ErrorCode::kSchemaMismatch,
                                  "input " + names_[index_] + " has columns " +
                                      readers_[index_]->schema()->ToString() +
                                      " but " + names_[0] + " has " + schema()->ToString());
        }
      }
      ARROW_RETURN_NOT_OK(readers_[index_]->ReadNext(batch));
      if (*batch) {
        rows_ += (*batch)->num_rows();
        ShowProgress();
        return arrow::Status::OK();
      }
      ++index_;
    }
    *batch = nullptr;
    return arrow::Status::OK();
  }

  void EndProgress() {
    if (shown_) std::cerr << "\r\033[K" << std::flush;
  }

 private:
  void ShowProgress() {
    if (!progress_) return;
    auto now = std::chrono::steady_clock::now();
    if (shown_ && now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    shown_ = true;
    std::cerr << "\r\033[Kwriting " << table_ << ": " << rows_ << " rows read";
    if (readers_.size() > 1) std::cerr << " (input " << index_ + 1 << "/" << readers_.size() << ")";
    std::cerr << std::flush;
  }

  std::vector<std::shared_ptr<arrow::RecordBatchReader>> readers_;
  std::vector<std::string> names_;
  std::string table_;
  bool progress_;
  size_t index_ = 0;
  std::vector<bool> checked_ = std::vector<bool>(readers_.size(), false);
  int64_t rows_ = 0;
  bool shown_ = false;
  std::chrono::steady_clock::time_point last_;
};

struct WriteArgs {
  std::string table;
  std::vector<std::string> inputs;
  std::string input_format;
  std::string mode = "append";
  std::vector<std::string> partition_by;
  std::string replace_where;
  std::string partition_overwrite_mode = "static";
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
  if (!ParseProperties(args.properties, "--property", &opts.configuration)) return kExitUsage;
  if (!args.app_id.empty()) {
    if (!args.app_version) {
      std::cerr << "deltactl: --app-id needs --app-version\n";
      return kExitUsage;
    }
    opts.app_transaction = std::make_pair(args.app_id, *args.app_version);
  }
  opts.dynamic_partition_overwrite = args.partition_overwrite_mode == "dynamic";
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
  // Several inputs are one write: streamed one after the other (they must share a schema),
  // counting rows for the progress line.
  auto data = std::make_shared<InputStream>(std::move(readers), args.inputs, args.table,
                                            ::isatty(STDERR_FILENO) != 0);
  auto m = delta::WriteTable(args.table, data, opts);
  data->EndProgress();
  if (!m.ok()) return ReportError(m.status());
  if (args.json) {
    nlohmann::json out{{"version", m->version},
                       {"skipped", m->skipped},
                       {"numFilesAdded", m->num_files_added},
                       {"numFilesRemoved", m->num_files_removed},
                       {"numOutputRows", m->num_output_rows},
                       {"numOutputBytes", m->num_output_bytes},
                       {"commitAttempts", m->commit_attempts}};
    if (m->auto_compact_version) {
      out["autoCompact"] = {{"version", *m->auto_compact_version},
                            {"numFilesRemoved", m->auto_compact_files_removed},
                            {"numFilesAdded", m->auto_compact_files_added}};
    }
    if (!m->auto_compact_error.empty()) out["autoCompactError"] = m->auto_compact_error;
    std::cout << out.dump() << std::endl;
  } else if (m->skipped) {
    std::cout << "skipped: the table exists (mode ignore) or the transaction was already applied\n";
  } else {
    std::cout << "committed version " << m->version << ": " << m->num_output_rows << " rows in "
              << m->num_files_added << " files (" << m->num_output_bytes << " bytes)";
    if (m->num_files_removed) std::cout << ", " << m->num_files_removed << " files removed";
    std::cout << "\n";
    if (m->auto_compact_version) {
      std::cout << "auto compaction: committed version " << *m->auto_compact_version << ": "
                << m->auto_compact_files_removed << " small files compacted into " << m->auto_compact_files_added
                << "\n";
    }
    if (!m->auto_compact_error.empty()) {
      std::cerr << "deltactl: warning: auto compaction did not run to the end (the write is committed): "
                << m->auto_compact_error << "\n";
    }
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
  cmd->add_option("--partition-overwrite-mode", args->partition_overwrite_mode,
                  "With --mode overwrite: static replaces the table, dynamic only the partitions "
                  "the input writes to (Spark's partitionOverwriteMode)")
      ->check(CLI::IsMember({"static", "dynamic"}));
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
