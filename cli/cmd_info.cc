// deltactl info TABLE [--version N | --timestamp TS] [--json]
#include <nlohmann/json.hpp>

#include "common.h"
#include "delta/schema.h"

namespace deltactl {
namespace {

struct InfoArgs {
  std::string table;
  VersionFlags version;
  bool json = false;
};

nlohmann::json ProtocolJson(const delta::Protocol& p) {
  nlohmann::json j{{"minReaderVersion", p.min_reader_version},
                   {"minWriterVersion", p.min_writer_version}};
  if (p.reader_features) j["readerFeatures"] = *p.reader_features;
  if (p.writer_features) j["writerFeatures"] = *p.writer_features;
  return j;
}

int RunInfo(const InfoArgs& args) {
  auto table = delta::Table::Open(args.table);
  if (!table.ok()) return ReportError(table.status());
  auto snap_r = LoadSnapshot(**table, args.version);
  if (!snap_r.ok()) return ReportError(snap_r.status());
  const auto& snap = **snap_r;
  const auto& md = snap.metadata();
  auto records = snap.NumRecords();
  if (args.json) {
    nlohmann::json j;
    j["table"] = snap.table_uri();
    j["version"] = snap.version();
    j["timestamp"] = FormatTimestampMs(snap.timestamp_ms());
    j["id"] = md.id;
    j["name"] = md.name ? nlohmann::json(*md.name) : nlohmann::json(nullptr);
    j["description"] = md.description ? nlohmann::json(*md.description) : nlohmann::json(nullptr);
    j["createdTime"] = md.created_time ? nlohmann::json(*md.created_time) : nlohmann::json(nullptr);
    j["protocol"] = ProtocolJson(snap.protocol());
    j["partitionColumns"] = md.partition_columns;
    j["configuration"] = md.configuration;
    j["numFiles"] = snap.files().size();
    j["sizeInBytes"] = snap.SizeInBytes();
    j["numRecords"] = records ? nlohmann::json(*records) : nlohmann::json(nullptr);
    j["checkpointVersion"] =
        snap.checkpoint_version() ? nlohmann::json(*snap.checkpoint_version()) : nlohmann::json(nullptr);
    j["schema"] = nlohmann::json::parse(md.schema_string, nullptr, false);
    std::cout << j.dump(2) << std::endl;
    return kExitOk;
  }
  const auto& p = snap.protocol();
  std::cout << "table:        " << snap.table_uri() << "\n"
            << "version:      " << snap.version() << " (" << FormatTimestampMs(snap.timestamp_ms())
            << ")\n";
  if (md.name) std::cout << "name:         " << *md.name << "\n";
  if (md.description) std::cout << "description:  " << *md.description << "\n";
  std::cout << "protocol:     reader " << p.min_reader_version << ", writer " << p.min_writer_version
            << "\n";
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  };
  if (p.reader_features) std::cout << "reader features: " << join(*p.reader_features) << "\n";
  if (p.writer_features) std::cout << "writer features: " << join(*p.writer_features) << "\n";
  std::cout << "partitioned by: " << (md.partition_columns.empty() ? "(none)" : join(md.partition_columns))
            << "\n"
            << "files:        " << snap.files().size() << "\n"
            << "size:         " << snap.SizeInBytes() << " bytes\n"
            << "rows:         " << (records ? std::to_string(*records) : "unknown (no stats)") << "\n";
  if (!md.configuration.empty()) {
    std::cout << "properties:\n";
    for (const auto& [k, v] : md.configuration) std::cout << "  " << k << " = " << v << "\n";
  }
  std::cout << "schema:\n";
  for (const auto& f : snap.schema()->fields()) {
    auto name = delta::DeltaTypeName(*f->type());
    std::cout << "  " << f->name() << ": "
              << (name.ok() ? *name : f->type()->ToString()) << (f->nullable() ? "" : " NOT NULL")
              << "\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterInfo(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<InfoArgs>();
  auto* cmd = app.add_subcommand("info", "Show a table's version, protocol, schema, partitioning, "
                                         "properties, and file/byte/row counts");
  cmd->add_option("table", args->table, "Table path or URI")->required();
  args->version.Add(cmd);
  cmd->add_flag("--json", args->json, "Machine-readable output");
  cmd->callback([args, exit_code] { *exit_code = RunInfo(*args); });
}

}  // namespace deltactl
