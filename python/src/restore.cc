// Binding of RESTORE (delta/operations/restore.h). Built only when the library has
// src/ops/restore.cc (see python/CMakeLists.txt).
#include <optional>
#include <string>

#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>

#include "bridge.h"
#include "delta/operations/restore.h"

namespace deltapy {
namespace {

nb::dict Restore(const std::string& uri, std::optional<int64_t> version,
                 std::optional<int64_t> timestamp_ms) {
  delta::RestoreOptions options;
  options.version = version;
  options.timestamp_ms = timestamp_ms;
  arrow::Result<delta::RestoreMetrics> metrics;
  {
    nb::gil_scoped_release release;
    metrics = delta::Restore(uri, options);
  }
  delta::RestoreMetrics m = ValueOrRaise(std::move(metrics));
  nb::dict d;
  d["version"] = m.version;
  d["restored_version"] = m.restored_version;
  d["committed"] = m.committed;
  for (const auto& [name, value] : m.SparkMetrics()) d[name.c_str()] = value;
  // delta-rs's names (its RestoreMetrics).
  d["numRemovedFile"] = m.num_removed_files;
  d["numRestoredFile"] = m.num_restored_files;
  return d;
}

}  // namespace

void BindRestore(nb::module_& m) {
  m.def("restore", &Restore, nb::arg("uri"), nb::arg("version").none(),
        nb::arg("timestamp_ms").none());
}

}  // namespace deltapy
