// deltactl sql "STATEMENT[; ...]" | -f FILE [--json]
#include <fstream>
#include <sstream>

#include <arrow/table.h>

#include "common.h"
#include "delta/sql.h"
#include "input.h"

namespace deltactl {

void RegisterSql(CLI::App& app, int* exit_code) {
  struct Args {
    std::string statement, file;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "sql",
      "Run Delta SQL statements (SELECT, INSERT, UPDATE, DELETE, MERGE INTO, CREATE TABLE, ALTER TABLE, "
      "DESCRIBE HISTORY/DETAIL, "
      "RESTORE, OPTIMIZE, VACUUM) on tables named delta.`path`; sources parquet.`f`, csv.`f`, json.`f`");
  auto* text = cmd->add_option("statement", args->statement, "Statements separated by ';'");
  cmd->add_option("-f,--file", args->file, "Read the statements from this file")->excludes(text);
  cmd->add_flag("--json", args->json, "Print each result as JSON lines (one object per row)");
  cmd->callback([args, exit_code] {
    std::string script = args->statement;
    if (!args->file.empty()) {
      std::ifstream in(args->file);
      if (!in) {
        std::cerr << "deltactl: error [InvalidArgument]: cannot read " << args->file << "\n";
        *exit_code = kExitError;
        return;
      }
      std::stringstream ss;
      ss << in.rdbuf();
      script = ss.str();
    }
    const auto statements = delta::sql::SplitStatements(script);
    if (statements.empty()) {
      std::cerr << "deltactl sql: give a statement or -f FILE\n";
      *exit_code = kExitUsage;
      return;
    }
    delta::sql::SqlOptions options;
    options.open_source = [](const std::string& format, const std::string& path,
                             const std::shared_ptr<arrow::Schema>& hint, delta::sql::SourceUse use) {
      return OpenInput(path, format, hint, /*whole_row_groups=*/use == delta::sql::SourceUse::kMaterialize);
    };
    for (size_t i = 0; i < statements.size(); ++i) {
      auto r = delta::sql::Execute(statements[i], options);
      if (!r.ok()) {
        if (statements.size() > 1) std::cerr << "deltactl: statement " << (i + 1) << " of " << statements.size() << "\n";
        *exit_code = ReportError(r.status());
        return;
      }
      if (r->rows->num_columns() == 0) {
        if (!args->json) std::cout << r->statement << ": done\n";
        continue;
      }
      arrow::TableBatchReader reader(*r->rows);
      auto written = WriteRows(reader, args->json ? OutputFormat::kJson : OutputFormat::kTable, "");
      if (!written.ok()) {
        *exit_code = ReportError(written.status());
        return;
      }
    }
    *exit_code = kExitOk;
  });
}

}  // namespace deltactl
