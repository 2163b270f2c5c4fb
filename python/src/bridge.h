// Glue between deltacpp's C++ API and Python: Arrow data through the Arrow PyCapsule
// interface (C Data / C Stream structs, so no pyarrow C++ ABI is involved), and arrow::Status
// errors raised as the exception classes of deltacpp.exceptions.
//
// Thread safety: every function here touches Python objects and needs the GIL.
#pragma once

#include <memory>

#include <arrow/record_batch.h>
#include <arrow/result.h>
#include <arrow/status.h>
#include <arrow/type.h>
#include <nanobind/nanobind.h>

namespace deltapy {

namespace nb = nanobind;

/// Raises the deltacpp.exceptions class for the Status's Delta error kind (the Python side
/// maps the kind name to a class). Does nothing for OK.
void RaiseIfError(const arrow::Status& status);

template <typename T>
T ValueOrRaise(arrow::Result<T> result) {
  RaiseIfError(result.status());
  return std::move(result).ValueUnsafe();
}

/// Takes ownership of the ArrowArrayStream in a PyCapsule named "arrow_array_stream".
std::shared_ptr<arrow::RecordBatchReader> ImportStreamCapsule(nb::handle capsule);
/// Exports `reader` as a PyCapsule named "arrow_array_stream" (consumed by
/// pyarrow.RecordBatchReader._import_from_c_capsule, polars, DuckDB, ...).
nb::object ExportStreamCapsule(std::shared_ptr<arrow::RecordBatchReader> reader);
/// Reads the schema out of a PyCapsule named "arrow_schema" (the capsule keeps ownership).
std::shared_ptr<arrow::Schema> ImportSchemaCapsule(nb::handle capsule);
/// Exports `schema` as a PyCapsule named "arrow_schema".
nb::object ExportSchemaCapsule(const std::shared_ptr<arrow::Schema>& schema);

void BindTable(nb::module_& m);
void BindWrite(nb::module_& m);
void BindMaintenance(nb::module_& m);
#ifdef DELTAPY_HAVE_RESTORE
void BindRestore(nb::module_& m);
#endif
#ifdef DELTAPY_HAVE_MERGE
void BindMerge(nb::module_& m);
#endif

}  // namespace deltapy
