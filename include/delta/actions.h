// Delta log actions (PROTOCOL.md, "Actions").
//
// Plain value types for the actions a commit or checkpoint holds: protocol, metaData, add,
// remove, txn, commitInfo, cdc, domainMetadata, checkpointMetadata and sidecar. Fields keep
// Delta's semantics; optional JSON fields are std::optional. Unknown actions and fields are
// ignored by the parsers. The wire names of every field live in src/log/wire_names.h.
//
// Thread safety: value types, no shared state.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace delta {

/// Partition values as the log stores them: column (physical) name → serialized value,
/// std::nullopt for a null partition value.
using PartitionValues = std::map<std::string, std::optional<std::string>>;

struct Protocol {
  int32_t min_reader_version = 1;
  int32_t min_writer_version = 2;
  /// Present only for reader version 3 / writer version 7 (table features).
  std::optional<std::vector<std::string>> reader_features;
  std::optional<std::vector<std::string>> writer_features;

  bool HasReaderFeature(const std::string& f) const;
  bool HasWriterFeature(const std::string& f) const;
};

struct Format {
  std::string provider = "parquet";
  std::map<std::string, std::string> options;
};

struct Metadata {
  std::string id;
  std::optional<std::string> name;
  std::optional<std::string> description;
  Format format;
  std::string schema_string;  ///< the table schema as Delta schema JSON
  std::vector<std::string> partition_columns;
  std::map<std::string, std::string> configuration;
  std::optional<int64_t> created_time;
};

/// Deletion vector descriptor (PROTOCOL.md, "Deletion Vector Descriptor Schema").
struct DeletionVectorDescriptor {
  std::string storage_type;  ///< "u" (relative path), "i" (inline), "p" (absolute path)
  std::string path_or_inline_dv;
  std::optional<int32_t> offset;
  int32_t size_in_bytes = 0;
  int64_t cardinality = 0;

  /// Unique id of the DV: storage type + path + offset ("" when no DV).
  std::string UniqueId() const;
};

struct AddFile {
  std::string path;  ///< URI-encoded, relative to the table root or absolute
  PartitionValues partition_values;
  int64_t size = 0;
  int64_t modification_time = 0;
  bool data_change = true;
  std::optional<std::string> stats;  ///< JSON statistics
  std::map<std::string, std::string> tags;
  std::optional<DeletionVectorDescriptor> deletion_vector;
  std::optional<int64_t> base_row_id;
  std::optional<int64_t> default_row_commit_version;
  std::optional<std::string> clustering_provider;
};

struct RemoveFile {
  std::string path;
  std::optional<int64_t> deletion_timestamp;
  bool data_change = true;
  std::optional<bool> extended_file_metadata;
  std::optional<PartitionValues> partition_values;
  std::optional<int64_t> size;
  std::optional<std::string> stats;
  std::optional<DeletionVectorDescriptor> deletion_vector;
  std::optional<int64_t> base_row_id;
  std::optional<int64_t> default_row_commit_version;
};

/// The remove action that retires `file` (keeping its partition values, size, stats, deletion
/// vector and row tracking fields, as Spark's AddFile.remove does).
inline RemoveFile RemoveOf(const AddFile& file, int64_t deletion_timestamp, bool data_change) {
  RemoveFile r;
  r.path = file.path;
  r.deletion_timestamp = deletion_timestamp;
  r.data_change = data_change;
  r.extended_file_metadata = true;
  r.partition_values = file.partition_values;
  r.size = file.size;
  r.stats = file.stats;
  r.deletion_vector = file.deletion_vector;
  r.base_row_id = file.base_row_id;
  r.default_row_commit_version = file.default_row_commit_version;
  return r;
}

struct AddCDCFile {
  std::string path;
  PartitionValues partition_values;
  int64_t size = 0;
  bool data_change = false;
  std::map<std::string, std::string> tags;
};

/// Application transaction id (the `txn` action).
struct SetTransaction {
  std::string app_id;
  int64_t version = 0;
  std::optional<int64_t> last_updated;
};

struct DomainMetadata {
  std::string domain;
  std::string configuration;
  bool removed = false;
};

/// commitInfo is free-form; we keep the raw JSON plus the fields deltacpp reads.
struct CommitInfo {
  std::optional<int64_t> timestamp;
  std::optional<int64_t> in_commit_timestamp;
  std::optional<std::string> operation;
  std::string raw_json;  ///< the whole commitInfo object
};

struct CheckpointMetadata {
  int64_t version = 0;
  std::map<std::string, std::string> tags;
};

struct Sidecar {
  std::string path;  ///< relative to _delta_log/_sidecars/ or absolute
  int64_t size_in_bytes = 0;
  int64_t modification_time = 0;
};

/// The actions of one commit file (or of a checkpoint), in file order per kind.
struct ActionBatch {
  std::optional<Protocol> protocol;
  std::optional<Metadata> metadata;
  std::optional<CommitInfo> commit_info;
  std::vector<AddFile> adds;
  std::vector<RemoveFile> removes;
  std::vector<AddCDCFile> cdcs;
  std::vector<SetTransaction> txns;
  std::vector<DomainMetadata> domain_metadata;
  std::optional<CheckpointMetadata> checkpoint_metadata;
  std::vector<Sidecar> sidecars;
};

}  // namespace delta
