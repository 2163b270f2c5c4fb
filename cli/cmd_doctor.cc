// deltactl doctor TABLE [--json]
#include <iomanip>

#include <nlohmann/json.hpp>

#include "common.h"
#include "delta/operations/doctor.h"

namespace deltactl {
namespace {

struct DoctorArgs {
  std::string table;
  bool json = false;
};

nlohmann::ordered_json MetricJson(const delta::DoctorMetricValue& v) {
  if (std::holds_alternative<int64_t>(v)) return std::get<int64_t>(v);
  if (std::holds_alternative<double>(v)) return std::get<double>(v);
  return std::get<std::string>(v);
}

int RunDoctor(const DoctorArgs& args) {
  auto report = delta::Doctor(args.table);
  if (!report.ok()) return ReportError(report.status());
  if (args.json) {
    nlohmann::ordered_json findings = nlohmann::ordered_json::array();
    for (const auto& f : report->findings) {
      nlohmann::ordered_json metrics = nlohmann::ordered_json::object();
      for (const auto& [k, v] : f.metrics) metrics[k] = MetricJson(v);
      findings.push_back(nlohmann::ordered_json{{"id", f.id},
                                                {"severity", delta::DoctorSeverityName(f.severity)},
                                                {"message", f.message},
                                                {"metrics", metrics},
                                                {"fix", f.fix.empty() ? nlohmann::ordered_json(nullptr)
                                                                      : nlohmann::ordered_json(f.fix)}});
    }
    std::cout << nlohmann::ordered_json{{"table", report->table}, {"version", report->version}, {"findings", findings}}
                     .dump(2)
              << std::endl;
  } else {
    int64_t counts[3] = {0, 0, 0};
    for (const auto& f : report->findings) ++counts[static_cast<int>(f.severity)];
    std::cout << "table " << report->table << " at version " << report->version << ": " << counts[0]
              << " error(s), " << counts[1] << " warning(s), " << counts[2] << " hint(s)\n";
    if (report->findings.empty()) std::cout << "no findings: the table is in good shape\n";
    size_t id_width = 2;
    for (const auto& f : report->findings) id_width = std::max(id_width, f.id.size());
    if (!report->findings.empty()) {
      std::cout << "\n" << std::left << std::setw(9) << "SEVERITY" << std::setw(static_cast<int>(id_width) + 2) << "ID"
                << "FINDING\n";
    }
    const std::string indent(9 + id_width + 2, ' ');
    for (const auto& f : report->findings) {
      std::cout << std::left << std::setw(9) << delta::DoctorSeverityName(f.severity)
                << std::setw(static_cast<int>(id_width) + 2) << f.id << f.message << "\n";
      std::cout << indent << "fix: " << (f.fix.empty() ? "(no single command; see above)" : f.fix) << "\n";
    }
  }
  return report->HasErrors() ? kExitError : kExitOk;
}

}  // namespace

void RegisterDoctor(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<DoctorArgs>();
  auto* cmd = app.add_subcommand(
      "doctor",
      "Check a table against the red lines of production Delta use (small files, vacuum backlog, "
      "checkpoints, missing stats, partitioning, constraints, retention, deletion vectors) and print "
      "each finding with the command that fixes it. Reads only. Exit status: 0 when no finding is "
      "an error (warnings and hints may remain), 1 when one is or the table cannot be read");
  cmd->add_option("table", args->table, "Table path or URI")->required();
  cmd->add_flag("--json", args->json,
                "Machine-readable output: {table, version, findings: [{id, severity, message, metrics, fix}]}");
  cmd->callback([args, exit_code] { *exit_code = RunDoctor(*args); });
}

}  // namespace deltactl
