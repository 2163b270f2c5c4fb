// Bindings of writing: write_deltalake (WriteTable over an imported Arrow stream) and ALTER
// TABLE's add-columns / set-properties.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nanobind/stl/map.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "bridge.h"
#include "delta/error.h"
#include "delta/expression.h"
#include "delta/operations/alter.h"
#include "delta/write.h"

namespace deltapy {
namespace {

delta::WriteMode ParseMode(const std::string& mode) {
  if (mode == "append") return delta::WriteMode::kAppend;
  if (mode == "overwrite") return delta::WriteMode::kOverwrite;
  if (mode == "error") return delta::WriteMode::kErrorIfExists;
  if (mode == "ignore") return delta::WriteMode::kIgnore;
  RaiseIfError(DELTA_ERROR(kInvalidArgument, "mode must be 'error', 'append', 'overwrite' or ",
                           "'ignore', not '", mode, "'"));
  return delta::WriteMode::kAppend;
}

delta::SchemaMode ParseSchemaMode(const std::optional<std::string>& mode) {
  if (!mode) return delta::SchemaMode::kEnforce;
  if (*mode == "merge") return delta::SchemaMode::kMerge;
  if (*mode == "overwrite") return delta::SchemaMode::kOverwrite;
  RaiseIfError(DELTA_ERROR(kInvalidArgument, "schema_mode must be None, 'merge' or 'overwrite', ",
                           "not '", *mode, "'"));
  return delta::SchemaMode::kEnforce;
}

nb::dict Write(const std::string& uri, nb::handle stream_capsule, const std::string& mode,
               const std::vector<std::string>& partition_by,
               const std::optional<std::string>& schema_mode,
               const std::optional<std::string>& predicate,
               const std::optional<std::string>& partition_overwrite_mode,
               const std::map<std::string, std::string>& configuration,
               const std::optional<std::string>& name,
               const std::optional<std::string>& description,
               std::optional<int64_t> target_file_size, const std::string& compression) {
  delta::WriteOptions options;
  options.mode = ParseMode(mode);
  options.schema_mode = ParseSchemaMode(schema_mode);
  options.partition_by = partition_by;
  if (predicate && !predicate->empty()) {
    options.replace_where = ValueOrRaise(delta::ParseExpression(*predicate));
  }
  if (partition_overwrite_mode) {
    if (*partition_overwrite_mode == "dynamic") {
      options.dynamic_partition_overwrite = true;
    } else if (*partition_overwrite_mode != "static") {
      RaiseIfError(DELTA_ERROR(kInvalidArgument, "partition_overwrite_mode must be 'static' or ",
                               "'dynamic', not '", *partition_overwrite_mode, "'"));
    }
  }
  options.configuration = configuration;
  options.name = name;
  options.description = description;
  options.target_file_size = target_file_size;
  options.compression = compression;
  std::shared_ptr<arrow::RecordBatchReader> data = ImportStreamCapsule(stream_capsule);
  arrow::Result<delta::WriteMetrics> metrics;
  {
    // The reader may pull batches from a Python producer; C Stream producers that need the
    // GIL (pyarrow's wrappers of Python iterators) take it themselves.
    nb::gil_scoped_release release;
    metrics = delta::WriteTable(uri, std::move(data), options);
  }
  delta::WriteMetrics m = ValueOrRaise(std::move(metrics));
  nb::dict d;
  d["version"] = m.version;
  d["skipped"] = m.skipped;
  d["num_files_added"] = m.num_files_added;
  d["num_files_removed"] = m.num_files_removed;
  d["num_output_rows"] = m.num_output_rows;
  d["num_output_bytes"] = m.num_output_bytes;
  d["num_removed_bytes"] = m.num_removed_bytes;
  d["commit_attempts"] = m.commit_attempts;
  return d;
}

int64_t AddColumns(const std::string& uri, nb::handle schema_capsule) {
  std::shared_ptr<arrow::Schema> schema = ImportSchemaCapsule(schema_capsule);
  arrow::Result<int64_t> version;
  {
    nb::gil_scoped_release release;
    version = delta::AddColumns(uri, schema->fields());
  }
  return ValueOrRaise(std::move(version));
}

int64_t SetProperties(const std::string& uri, const std::map<std::string, std::string>& props) {
  arrow::Result<int64_t> version;
  {
    nb::gil_scoped_release release;
    version = delta::SetProperties(uri, props);
  }
  return ValueOrRaise(std::move(version));
}

int64_t AddConstraint(const std::string& uri, const std::string& name,
                      const std::string& expression) {
  arrow::Result<int64_t> version;
  {
    nb::gil_scoped_release release;
    version = delta::AddConstraint(uri, name, expression);
  }
  return ValueOrRaise(std::move(version));
}

/// Runs one ALTER operation with the GIL released; returns the committed version.
template <typename Fn>
int64_t Alter(Fn&& fn) {
  arrow::Result<int64_t> version;
  {
    nb::gil_scoped_release release;
    version = fn();
  }
  return ValueOrRaise(std::move(version));
}

}  // namespace

void BindWrite(nb::module_& m) {
  m.def("write", &Write, nb::arg("uri"), nb::arg("stream"), nb::arg("mode"),
        nb::arg("partition_by"), nb::arg("schema_mode").none(), nb::arg("predicate").none(),
        nb::arg("partition_overwrite_mode").none(), nb::arg("configuration"),
        nb::arg("name").none(), nb::arg("description").none(),
        nb::arg("target_file_size").none(), nb::arg("compression"));
  m.def("add_columns", &AddColumns, nb::arg("uri"), nb::arg("schema"));
  m.def("add_constraint", &AddConstraint, nb::arg("uri"), nb::arg("name"),
        nb::arg("expression"));
  m.def("drop_constraint", [](const std::string& uri, const std::string& name, bool if_exists) {
    return Alter([&] { return delta::DropConstraint(uri, name, if_exists); });
  }, nb::arg("uri"), nb::arg("name"), nb::arg("if_exists"));
  m.def("rename_column", [](const std::string& uri, const std::string& from,
                            const std::string& to) {
    return Alter([&] { return delta::RenameColumn(uri, from, to); });
  }, nb::arg("uri"), nb::arg("from_"), nb::arg("to"));
  m.def("drop_column", [](const std::string& uri, const std::string& column) {
    return Alter([&] { return delta::DropColumn(uri, column); });
  }, nb::arg("uri"), nb::arg("column"));
  m.def("unset_properties", [](const std::string& uri, const std::vector<std::string>& keys,
                               bool if_exists) {
    return Alter([&] { return delta::UnsetProperties(uri, keys, if_exists); });
  }, nb::arg("uri"), nb::arg("keys"), nb::arg("if_exists"));
  m.def("set_properties", &SetProperties, nb::arg("uri"), nb::arg("properties"));
}

}  // namespace deltapy
