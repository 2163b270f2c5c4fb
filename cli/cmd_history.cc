// deltactl history TABLE [--limit N] [--json]
#include <nlohmann/json.hpp>

#include "common.h"

namespace deltactl {
namespace {

struct HistoryArgs {
  std::string table;
  std::optional<int64_t> limit;
  bool json = false;
};

int RunHistory(const HistoryArgs& args) {
  auto table = delta::Table::Open(args.table);
  if (!table.ok()) return ReportError(table.status());
  auto history = (*table)->History(args.limit);
  if (!history.ok()) return ReportError(history.status());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : *history) {
    auto ci = nlohmann::json::parse(c.commit_info_json, nullptr, false);
    if (ci.is_discarded() || !ci.is_object()) ci = nlohmann::json::object();
    nlohmann::json row = ci;
    row["version"] = c.version;
    row["timestamp"] = FormatTimestampMs(c.timestamp_ms);
    row["operation"] = c.operation ? nlohmann::json(*c.operation) : nlohmann::json(nullptr);
    row["operationParameters"] = ci.value("operationParameters", nlohmann::json::object());
    row["operationMetrics"] = ci.value("operationMetrics", nlohmann::json::object());
    out.push_back(std::move(row));
  }
  if (args.json) {
    std::cout << out.dump(2) << std::endl;
    return kExitOk;
  }
  for (const auto& row : out) {
    std::cout << "version " << row["version"].get<int64_t>() << "  "
              << row["timestamp"].get<std::string>() << "  "
              << (row["operation"].is_null() ? "(no commitInfo)" : row["operation"].get<std::string>())
              << "\n";
    if (!row["operationParameters"].empty()) {
      std::cout << "    parameters: " << row["operationParameters"].dump() << "\n";
    }
    if (!row["operationMetrics"].empty()) {
      std::cout << "    metrics:    " << row["operationMetrics"].dump() << "\n";
    }
  }
  return kExitOk;
}

}  // namespace

void RegisterHistory(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<HistoryArgs>();
  auto* cmd = app.add_subcommand("history", "Show the table's commits, newest first");
  cmd->add_option("table", args->table, "Table path or URI")->required();
  cmd->add_option("--limit", args->limit, "Show at most N commits")->check(CLI::PositiveNumber);
  cmd->add_flag("--json", args->json, "Machine-readable output");
  cmd->callback([args, exit_code] { *exit_code = RunHistory(*args); });
}

}  // namespace deltactl
