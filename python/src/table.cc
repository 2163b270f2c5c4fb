// Bindings of reading: Table + one loaded Snapshot (class _Table), scans and the change data
// feed as Arrow streams, history, checkpoints. Python's deltacpp.DeltaTable wraps _Table.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nanobind/stl/map.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include "bridge.h"
#include "delta/change_data_feed.h"
#include "delta/checkpoint.h"
#include "delta/expression.h"
#include "delta/scan.h"
#include "delta/table.h"

namespace deltapy {
namespace {

delta::ExprPtr ParseFilter(const std::optional<std::string>& filter) {
  if (!filter || filter->empty()) return nullptr;
  return ValueOrRaise(delta::ParseExpression(*filter));
}

/// A table and the snapshot currently loaded from it.
class PyTable {
 public:
  static PyTable Open(const std::string& uri, std::optional<int64_t> version) {
    arrow::Result<std::shared_ptr<delta::Table>> table;
    arrow::Result<std::shared_ptr<const delta::Snapshot>> snapshot;
    {
      nb::gil_scoped_release release;
      table = delta::Table::Open(uri);
      if (table.ok()) snapshot = (*table)->GetSnapshot(version);
    }
    PyTable t;
    t.table_ = ValueOrRaise(std::move(table));
    t.snapshot_ = ValueOrRaise(std::move(snapshot));
    return t;
  }

  /// Loads `version` (latest when empty): incrementally when it is newer than the current one.
  void LoadVersion(std::optional<int64_t> version) {
    std::shared_ptr<const delta::Snapshot> current = snapshot_;
    arrow::Result<std::shared_ptr<const delta::Snapshot>> snapshot;
    {
      nb::gil_scoped_release release;
      if (!version || *version >= current->version()) {
        snapshot = table_->UpdateSnapshot(current, version);
      } else {
        snapshot = table_->GetSnapshot(version);
      }
    }
    snapshot_ = ValueOrRaise(std::move(snapshot));
  }

  void LoadTimestamp(int64_t timestamp_ms) {
    arrow::Result<std::shared_ptr<const delta::Snapshot>> snapshot;
    {
      nb::gil_scoped_release release;
      snapshot = table_->GetSnapshotAtTimestamp(timestamp_ms);
    }
    snapshot_ = ValueOrRaise(std::move(snapshot));
  }

  int64_t version() const { return snapshot_->version(); }
  int64_t timestamp_ms() const { return snapshot_->timestamp_ms(); }
  const std::string& uri() const { return table_->uri(); }
  nb::object schema() const { return ExportSchemaCapsule(snapshot_->schema()); }

  nb::dict metadata() const {
    std::shared_ptr<const delta::Snapshot> snapshot = snapshot_;  // kept alive while converting
    const delta::Metadata& m = snapshot->metadata();
    nb::dict d;
    d["id"] = m.id;
    d["name"] = m.name;
    d["description"] = m.description;
    d["partition_columns"] = m.partition_columns;
    d["configuration"] = m.configuration;
    d["created_time"] = m.created_time;
    d["schema_string"] = m.schema_string;
    return d;
  }

  nb::dict protocol() const {
    std::shared_ptr<const delta::Snapshot> snapshot = snapshot_;
    const delta::Protocol& p = snapshot->protocol();
    nb::dict d;
    d["min_reader_version"] = p.min_reader_version;
    d["min_writer_version"] = p.min_writer_version;
    d["reader_features"] = p.reader_features;
    d["writer_features"] = p.writer_features;
    return d;
  }

  std::vector<std::string> files(const std::optional<std::string>& filter) const {
    // Copied under the GIL: another thread may load a new version meanwhile.
    std::shared_ptr<const delta::Snapshot> snapshot = snapshot_;
    std::vector<std::string> out;
    if (!filter || filter->empty()) {
      for (const delta::AddFile& f : snapshot->files()) out.push_back(f.path);
      return out;
    }
    delta::ScanOptions options;
    options.predicate = ParseFilter(filter);
    arrow::Result<std::shared_ptr<delta::Scan>> scan;
    {
      nb::gil_scoped_release release;
      scan = delta::Scan::Make(std::move(snapshot), options);
    }
    std::shared_ptr<delta::Scan> planned = ValueOrRaise(std::move(scan));
    for (const delta::AddFile* f : planned->files()) out.push_back(f->path);
    return out;
  }

  /// (version, timestamp_ms, commitInfo JSON) newest first.
  std::vector<std::tuple<int64_t, int64_t, std::string>> history(
      std::optional<int64_t> limit) const {
    arrow::Result<std::vector<delta::CommitSummary>> commits;
    {
      nb::gil_scoped_release release;
      commits = table_->History(limit);
    }
    std::vector<std::tuple<int64_t, int64_t, std::string>> out;
    for (const auto& c : ValueOrRaise(std::move(commits))) {
      out.emplace_back(c.version, c.timestamp_ms, c.commit_info_json);
    }
    return out;
  }

  nb::object scan(const std::vector<std::string>& columns, const std::optional<std::string>& filter,
                  std::optional<int64_t> limit) const {
    delta::ScanOptions options;
    options.columns = columns;
    options.predicate = ParseFilter(filter);
    options.limit = limit;
    std::shared_ptr<const delta::Snapshot> snapshot = snapshot_;  // see files()
    arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> reader;
    {
      nb::gil_scoped_release release;
      auto scan = delta::Scan::Make(std::move(snapshot), std::move(options));
      reader = scan.ok() ? (*scan)->Execute() : scan.status();
    }
    return ExportStreamCapsule(ValueOrRaise(std::move(reader)));
  }

  nb::object cdf(int64_t start, std::optional<int64_t> end,
                 const std::optional<std::string>& filter) const {
    delta::ChangeDataOptions options;
    options.start_version = start;
    options.end_version = end;
    options.predicate = ParseFilter(filter);
    arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> reader;
    {
      nb::gil_scoped_release release;
      reader = delta::ReadChangeDataFeed(*table_, options);
    }
    return ExportStreamCapsule(ValueOrRaise(std::move(reader)));
  }

 private:
  std::shared_ptr<delta::Table> table_;
  std::shared_ptr<const delta::Snapshot> snapshot_;
};

nb::dict CreateCheckpoint(const std::string& uri, std::optional<int64_t> version) {
  arrow::Result<delta::CheckpointMetrics> metrics;
  {
    nb::gil_scoped_release release;
    metrics = delta::CreateCheckpoint(uri, version);
  }
  delta::CheckpointMetrics m = ValueOrRaise(std::move(metrics));
  static const char* kKinds[] = {"classic", "multi_part", "v2"};
  nb::dict d;
  d["version"] = m.version;
  d["kind"] = kKinds[static_cast<int>(m.kind)];
  d["num_actions"] = m.num_actions;
  d["num_add_files"] = m.num_add_files;
  d["num_parts"] = m.num_parts;
  d["num_sidecars"] = m.num_sidecars;
  d["size_in_bytes"] = m.size_in_bytes;
  d["path"] = m.path;
  return d;
}

}  // namespace

void BindTable(nb::module_& m) {
  nb::class_<PyTable>(m, "_Table")
      .def_static("open", &PyTable::Open, nb::arg("uri"), nb::arg("version").none())
      .def("load_version", &PyTable::LoadVersion, nb::arg("version").none())
      .def("load_timestamp", &PyTable::LoadTimestamp, nb::arg("timestamp_ms"))
      .def("version", &PyTable::version)
      .def("timestamp_ms", &PyTable::timestamp_ms)
      .def("uri", &PyTable::uri)
      .def("schema", &PyTable::schema)
      .def("metadata", &PyTable::metadata)
      .def("protocol", &PyTable::protocol)
      .def("files", &PyTable::files, nb::arg("filter").none())
      .def("history", &PyTable::history, nb::arg("limit").none())
      .def("scan", &PyTable::scan, nb::arg("columns"), nb::arg("filter").none(),
           nb::arg("limit").none())
      .def("cdf", &PyTable::cdf, nb::arg("start"), nb::arg("end").none(),
           nb::arg("filter").none());
  m.def("create_checkpoint", &CreateCheckpoint, nb::arg("uri"), nb::arg("version").none());
  m.def("parse_timestamp_ms", [](const std::string& text) {
    return ValueOrRaise(delta::ParseTimestampMs(text));
  });
}

}  // namespace deltapy
