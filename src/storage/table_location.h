// Where a table lives: an arrow::fs::FileSystem and the table root inside it.
//
// Resolves a user's URI or local path (file://, s3://, gs://, abfss://, or a plain path) with
// Arrow's filesystem registry, and offers the small set of reads the log needs. Data files are
// read through the same FileSystem. Thread-safe: FileSystem implementations are.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <arrow/filesystem/filesystem.h>
#include <arrow/result.h>

#include "log/log_segment.h"

namespace delta::storage {

struct TableLocation {
  std::shared_ptr<arrow::fs::FileSystem> fs;
  std::string root;  ///< table root within fs, no trailing slash
  std::string uri;   ///< as the user gave it (for messages)

  std::string LogDir() const;
  /// Resolves a path from the log (URI-encoded, relative to the root, or an absolute URI) to a
  /// path within fs. Absolute URIs on another filesystem are not supported.
  arrow::Result<std::string> ResolveDataPath(const std::string& log_path) const;
};

arrow::Result<TableLocation> ResolveTableLocation(const std::string& uri_or_path);

/// Lists _delta_log/: every parsable log file. kTableNotFound if there is no _delta_log.
/// Without `with_times`, local listings skip the per-file stat: size and
/// modification_time_ms are -1 (unknown) and callers stat the few files they need.
arrow::Result<std::vector<log::LogFile>> ListLog(const TableLocation& loc, bool with_times = true);

/// Fills in the modification time of a listed file if the listing left it unknown.
arrow::Status EnsureModificationTime(const TableLocation& loc, log::LogFile* file);

/// Reads a whole file into memory.
arrow::Result<std::string> ReadWholeFile(const arrow::fs::FileSystem& fs, const std::string& path);

/// Decodes %XX escapes of a log path (paths in add/remove actions are URI-encoded).
std::string UriDecode(std::string_view s);

}  // namespace delta::storage
