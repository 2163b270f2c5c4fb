// Every name in _delta_log/ is built and parsed here, and nowhere else
// (PROTOCOL.md "Delta Log Entries", "Checkpoints", "Log Compaction Files").
//
//   00000000000000000010.json                                  commit of version 10
//   00000000000000000010.checkpoint.parquet                    classic checkpoint
//   00000000000000000010.checkpoint.0000000001.0000000003.parquet   part 1 of 3
//   00000000000000000010.checkpoint.<uuid>.json|parquet         V2 checkpoint
//   00000000000000000004.00000000000000000010.compacted.json    log compaction (4..10)
//   00000000000000000010.crc                                   version checksum
//   _last_checkpoint                                            checkpoint hint
//   _sidecars/<uuid>.parquet                                    V2 checkpoint sidecars
//
// Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace delta::log {

inline constexpr char kLogDirName[] = "_delta_log";
inline constexpr char kLastCheckpointName[] = "_last_checkpoint";
inline constexpr char kSidecarDirName[] = "_sidecars";
inline constexpr char kChangeDataDirName[] = "_change_data";

enum class LogFileType {
  kCommit,
  kCheckpointClassic,
  kCheckpointMultiPart,
  kCheckpointV2Json,
  kCheckpointV2Parquet,
  kCompaction,
  kChecksum,
};

/// A parsed log file name.
struct LogFileName {
  LogFileType type = LogFileType::kCommit;
  int64_t version = 0;      ///< commit/checkpoint version; end version for compactions
  int64_t start_version = 0;  ///< compactions only
  int32_t part = 0;         ///< multi-part checkpoints: 1-based part number
  int32_t num_parts = 0;    ///< multi-part checkpoints: number of parts
  std::string uuid;         ///< V2 checkpoints
};

/// Parses a file name (no directory). std::nullopt for names that are not log files
/// (temporary files, _last_checkpoint, anything unknown).
std::optional<LogFileName> ParseLogFileName(std::string_view name);

std::string CommitFileName(int64_t version);
std::string ClassicCheckpointFileName(int64_t version);
std::string MultiPartCheckpointFileName(int64_t version, int32_t part, int32_t num_parts);
/// UUID-named V2 checkpoint; `json` picks the .json form over .parquet.
std::string V2CheckpointFileName(int64_t version, const std::string& uuid, bool json);
/// A sidecar's file name (inside _delta_log/_sidecars/).
std::string SidecarFileName(const std::string& uuid);
/// Temporary names while a checkpoint file is written: never parsed as log files.
std::string TempCheckpointFileName(const std::string& uuid);
std::string ChecksumFileName(int64_t version);

}  // namespace delta::log
