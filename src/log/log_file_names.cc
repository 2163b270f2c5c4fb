#include "log/log_file_names.h"

#include <cstdio>

namespace delta::log {
namespace {

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int64_t ToInt(std::string_view s) {
  int64_t v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

std::string Pad(int64_t v, int width) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%0*lld", width, static_cast<long long>(v));
  return buf;
}

}  // namespace

std::optional<LogFileName> ParseLogFileName(std::string_view name) {
  // Every log file starts with a 20-digit version.
  if (name.size() < 21 || !AllDigits(name.substr(0, 20)) || name[20] != '.') return std::nullopt;
  LogFileName out;
  out.version = ToInt(name.substr(0, 20));
  std::string_view rest = name.substr(21);
  if (rest == "json") {
    out.type = LogFileType::kCommit;
    return out;
  }
  if (rest == "crc") {
    out.type = LogFileType::kChecksum;
    return out;
  }
  if (rest == "checkpoint.parquet") {
    out.type = LogFileType::kCheckpointClassic;
    return out;
  }
  // <start>.<end>.compacted.json
  if (rest.size() == 20 + std::string_view(".compacted.json").size() && AllDigits(rest.substr(0, 20)) &&
      rest.substr(20) == ".compacted.json") {
    out.type = LogFileType::kCompaction;
    out.start_version = out.version;
    out.version = ToInt(rest.substr(0, 20));
    return out;
  }
  constexpr std::string_view kCp = "checkpoint.";
  if (rest.substr(0, kCp.size()) != kCp) return std::nullopt;
  rest.remove_prefix(kCp.size());
  // multi-part: 10 digits . 10 digits .parquet
  if (rest.size() == 10 + 1 + 10 + 8 && AllDigits(rest.substr(0, 10)) && rest[10] == '.' &&
      AllDigits(rest.substr(11, 10)) && rest.substr(21) == ".parquet") {
    out.type = LogFileType::kCheckpointMultiPart;
    out.part = static_cast<int32_t>(ToInt(rest.substr(0, 10)));
    out.num_parts = static_cast<int32_t>(ToInt(rest.substr(11, 10)));
    if (out.part < 1 || out.num_parts < 1 || out.part > out.num_parts) return std::nullopt;
    return out;
  }
  // V2: <uuid>.json | <uuid>.parquet
  auto dot = rest.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  std::string_view ext = rest.substr(dot + 1);
  out.uuid = std::string(rest.substr(0, dot));
  if (out.uuid.find('.') != std::string::npos) return std::nullopt;
  if (ext == "json") {
    out.type = LogFileType::kCheckpointV2Json;
    return out;
  }
  if (ext == "parquet") {
    out.type = LogFileType::kCheckpointV2Parquet;
    return out;
  }
  return std::nullopt;
}

std::string CommitFileName(int64_t version) { return Pad(version, 20) + ".json"; }

std::string ClassicCheckpointFileName(int64_t version) {
  return Pad(version, 20) + ".checkpoint.parquet";
}

std::string MultiPartCheckpointFileName(int64_t version, int32_t part, int32_t num_parts) {
  return Pad(version, 20) + ".checkpoint." + Pad(part, 10) + "." + Pad(num_parts, 10) + ".parquet";
}

std::string V2CheckpointFileName(int64_t version, const std::string& uuid, bool json) {
  return Pad(version, 20) + ".checkpoint." + uuid + (json ? ".json" : ".parquet");
}

std::string SidecarFileName(const std::string& uuid) { return uuid + ".parquet"; }

std::string TempCheckpointFileName(const std::string& uuid) {
  return ".tmp-checkpoint-" + uuid;
}

std::string ChecksumFileName(int64_t version) { return Pad(version, 20) + ".crc"; }

}  // namespace delta::log
