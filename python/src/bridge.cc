#include "bridge.h"

#include <cstdlib>
#include <string>

#include <arrow/c/abi.h>
#include <arrow/c/bridge.h>
#include <nanobind/stl/string.h>

#include "delta/error.h"

namespace deltapy {

void RaiseIfError(const arrow::Status& status) {
  if (status.ok()) return;
  const delta::ErrorCode code = delta::GetErrorCode(status);
  // The Python side owns the kind -> class table (deltacpp/exceptions.py).
  nb::object make = nb::module_::import_("deltacpp.exceptions").attr("_from_code");
  nb::object exc = make(std::string(delta::ErrorCodeName(code)), status.message());
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.ptr())), exc.ptr());
  throw nb::python_error();
}

namespace {

void ReleaseStreamCapsule(PyObject* capsule) {
  auto* stream =
      static_cast<ArrowArrayStream*>(PyCapsule_GetPointer(capsule, "arrow_array_stream"));
  if (stream == nullptr) return;
  if (stream->release != nullptr) stream->release(stream);
  std::free(stream);
}

void ReleaseSchemaCapsule(PyObject* capsule) {
  auto* schema = static_cast<ArrowSchema*>(PyCapsule_GetPointer(capsule, "arrow_schema"));
  if (schema == nullptr) return;
  if (schema->release != nullptr) schema->release(schema);
  std::free(schema);
}

template <typename T>
T* CapsulePointer(nb::handle capsule, const char* name) {
  if (!PyCapsule_IsValid(capsule.ptr(), name)) {
    throw nb::type_error((std::string("expected a PyCapsule named '") + name + "'").c_str());
  }
  return static_cast<T*>(PyCapsule_GetPointer(capsule.ptr(), name));
}

}  // namespace

std::shared_ptr<arrow::RecordBatchReader> ImportStreamCapsule(nb::handle capsule) {
  auto* stream = CapsulePointer<ArrowArrayStream>(capsule, "arrow_array_stream");
  if (stream->release == nullptr) throw nb::value_error("the Arrow stream was already consumed");
  // Moves the stream out; the capsule's destructor then sees a released stream.
  return ValueOrRaise(arrow::ImportRecordBatchReader(stream));
}

nb::object ExportStreamCapsule(std::shared_ptr<arrow::RecordBatchReader> reader) {
  auto* stream = static_cast<ArrowArrayStream*>(std::malloc(sizeof(ArrowArrayStream)));
  stream->release = nullptr;
  arrow::Status st = arrow::ExportRecordBatchReader(std::move(reader), stream);
  if (!st.ok()) {
    std::free(stream);
    RaiseIfError(st);
  }
  PyObject* capsule = PyCapsule_New(stream, "arrow_array_stream", ReleaseStreamCapsule);
  if (capsule == nullptr) {
    stream->release(stream);
    std::free(stream);
    throw nb::python_error();
  }
  return nb::steal(capsule);
}

std::shared_ptr<arrow::Schema> ImportSchemaCapsule(nb::handle capsule) {
  auto* c_schema = CapsulePointer<ArrowSchema>(capsule, "arrow_schema");
  if (c_schema->release == nullptr) throw nb::value_error("the Arrow schema was already consumed");
  // Moves the schema out; the capsule's destructor then sees a released struct.
  return ValueOrRaise(arrow::ImportSchema(c_schema));
}

nb::object ExportSchemaCapsule(const std::shared_ptr<arrow::Schema>& schema) {
  auto* c_schema = static_cast<ArrowSchema*>(std::malloc(sizeof(ArrowSchema)));
  c_schema->release = nullptr;
  arrow::Status st = arrow::ExportSchema(*schema, c_schema);
  if (!st.ok()) {
    std::free(c_schema);
    RaiseIfError(st);
  }
  PyObject* capsule = PyCapsule_New(c_schema, "arrow_schema", ReleaseSchemaCapsule);
  if (capsule == nullptr) {
    c_schema->release(c_schema);
    std::free(c_schema);
    throw nb::python_error();
  }
  return nb::steal(capsule);
}

}  // namespace deltapy

NB_MODULE(_core, m) {
  m.doc() = "deltacpp's native core (use the deltacpp package, not this module).";
  deltapy::BindTable(m);
  deltapy::BindWrite(m);
  deltapy::BindMaintenance(m);
#ifdef DELTAPY_HAVE_RESTORE
  deltapy::BindRestore(m);
#endif
#ifdef DELTAPY_HAVE_MERGE
  deltapy::BindMerge(m);
#endif
}
