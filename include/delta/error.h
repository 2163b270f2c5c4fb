// Error kinds of deltacpp.
//
// Every fallible function returns arrow::Status or arrow::Result<T>; no exception crosses the
// public API. A Status produced by deltacpp carries a DeltaErrorDetail naming the Delta error
// kind, so the CLI (exit codes, --json) and the Python package (exception classes) can map
// failures precisely. Messages name the table, version, file or column concerned.
//
// Thread safety: all functions here are pure and thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <sstream>

#include <arrow/status.h>

namespace delta {

/// The kind of a deltacpp failure. Stable: the CLI prints these names in --json output.
enum class ErrorCode {
  kOk = 0,
  kTableNotFound,        ///< no _delta_log with commits at the location
  kVersionNotFound,      ///< the requested version does not exist (or its log was cleaned up)
  kTimestampOutOfRange,  ///< time travel to a timestamp before the first / after the last commit
  kCorruptLog,           ///< the log violates the protocol (gap in versions, bad JSON, ...)
  kMissingProtocolOrMetadata,  ///< no protocol or metaData action reconstructs the table state
  kUnsupportedFeature,   ///< a reader/writer feature or protocol version we do not implement
  kSchemaMismatch,       ///< data does not fit the table schema
  kParseError,           ///< a predicate or statement does not parse
  kInvalidArgument,      ///< the caller asked for something malformed
  kDeletionVectorError,  ///< a deletion vector is missing, corrupt or fails its checksum
  kIoError,              ///< the storage layer failed
  kCommitConflict,       ///< a concurrent commit conflicts with this transaction
  kConstraintViolation,  ///< a row violates a CHECK constraint (delta.constraints.*)
  kMergeCardinality,     ///< MERGE: a target row matched by several source rows would be changed
  kEvaluation,           ///< an expression failed on a row's values (overflow, invalid cast, ...)
  kInternal,
};

/// Stable name of an error kind, e.g. "VersionNotFound".
std::string_view ErrorCodeName(ErrorCode code);

/// Status detail attached to every error deltacpp creates.
class DeltaErrorDetail : public arrow::StatusDetail {
 public:
  explicit DeltaErrorDetail(ErrorCode code) : code_(code) {}
  const char* type_id() const override { return "delta::DeltaErrorDetail"; }
  std::string ToString() const override { return std::string(ErrorCodeName(code_)); }
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

/// Makes an error Status of the given kind. The arrow StatusCode is chosen to match
/// (IOError for kIoError, Invalid for most others, NotImplemented for unsupported features).
arrow::Status MakeError(ErrorCode code, std::string message);

/// The Delta error kind of a Status: kOk for OK, the attached kind if deltacpp made it,
/// kIoError for arrow IOErrors, kInternal otherwise.
ErrorCode GetErrorCode(const arrow::Status& status);

/// Concatenates streamable values into a string (for error messages).
template <typename... Args>
std::string StrCat(Args&&... args) {
  std::ostringstream os;
  (os << ... << std::forward<Args>(args));
  return os.str();
}

}  // namespace delta

/// Returns a deltacpp error built from streamed parts: DELTA_ERROR(kCorruptLog, "version ", v).
#define DELTA_ERROR(code, ...) \
  ::delta::MakeError(::delta::ErrorCode::code, ::delta::StrCat(__VA_ARGS__))
