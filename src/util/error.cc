#include "delta/error.h"

namespace delta {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return "Ok";
    case ErrorCode::kTableNotFound: return "TableNotFound";
    case ErrorCode::kVersionNotFound: return "VersionNotFound";
    case ErrorCode::kTimestampOutOfRange: return "TimestampOutOfRange";
    case ErrorCode::kCorruptLog: return "CorruptLog";
    case ErrorCode::kMissingProtocolOrMetadata: return "MissingProtocolOrMetadata";
    case ErrorCode::kUnsupportedFeature: return "UnsupportedFeature";
    case ErrorCode::kSchemaMismatch: return "SchemaMismatch";
    case ErrorCode::kParseError: return "ParseError";
    case ErrorCode::kInvalidArgument: return "InvalidArgument";
    case ErrorCode::kDeletionVectorError: return "DeletionVectorError";
    case ErrorCode::kIoError: return "IoError";
    case ErrorCode::kCommitConflict: return "CommitConflict";
    case ErrorCode::kConstraintViolation: return "ConstraintViolation";
    case ErrorCode::kMergeCardinality: return "MergeCardinalityViolation";
    case ErrorCode::kEvaluation: return "EvaluationError";
    case ErrorCode::kInternal: return "Internal";
  }
  return "Unknown";
}

arrow::Status MakeError(ErrorCode code, std::string message) {
  arrow::StatusCode sc = arrow::StatusCode::Invalid;
  switch (code) {
    case ErrorCode::kIoError: sc = arrow::StatusCode::IOError; break;
    case ErrorCode::kUnsupportedFeature: sc = arrow::StatusCode::NotImplemented; break;
    case ErrorCode::kTableNotFound:
    case ErrorCode::kVersionNotFound: sc = arrow::StatusCode::KeyError; break;
    case ErrorCode::kInternal: sc = arrow::StatusCode::UnknownError; break;
    default: break;
  }
  return arrow::Status(sc, std::move(message), std::make_shared<DeltaErrorDetail>(code));
}

ErrorCode GetErrorCode(const arrow::Status& status) {
  if (status.ok()) return ErrorCode::kOk;
  if (auto d = status.detail(); d && std::string_view(d->type_id()) == "delta::DeltaErrorDetail") {
    return static_cast<const DeltaErrorDetail&>(*d).code();
  }
  if (status.IsIOError()) return ErrorCode::kIoError;
  return ErrorCode::kInternal;
}

}  // namespace delta
