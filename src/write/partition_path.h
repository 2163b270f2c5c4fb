// Partition directories and values as Spark writes them (PROTOCOL.md "Partition Value
// Serialization"; Spark's ExternalCatalogUtils.escapePathName).
#pragma once

#include <optional>
#include <string>

#include <arrow/scalar.h>

namespace delta::write {

inline constexpr char kNullPartitionDirValue[] = "__HIVE_DEFAULT_PARTITION__";

/// A partition value serialized for the log: numbers and decimals as plain text, dates
/// YYYY-MM-DD, timestamps "YYYY-MM-DD HH:MM:SS.ffffff" (UTC), booleans true/false; nullopt for
/// null.
std::optional<std::string> SerializePartitionValue(const arrow::Scalar& value);

/// Escapes a value for a directory name (%XX for the characters Spark escapes).
std::string EscapePathComponent(const std::string& value);

/// URI-encodes a relative path for the log's `path` field (keeps '/' and unreserved chars).
std::string UriEncodePath(const std::string& path);

}  // namespace delta::write
