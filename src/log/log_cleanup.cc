#include "log/log_cleanup.h"

#include <map>

namespace delta::log {

std::vector<LogFile> ExpiredLogFiles(const std::vector<LogFile>& listing, int64_t now_ms,
                                     int64_t retention_ms) {
  const int64_t threshold = now_ms - retention_ms;
  // The newest version with a checkpoint old enough: everything below it can go.
  int64_t cutoff = -1;
  std::map<int64_t, std::vector<const LogFile*>> checkpoints;
  for (const auto& f : listing) {
    switch (f.name.type) {
      case LogFileType::kCheckpointClassic:
      case LogFileType::kCheckpointMultiPart:
      case LogFileType::kCheckpointV2Json:
      case LogFileType::kCheckpointV2Parquet:
        checkpoints[f.name.version].push_back(&f);
        break;
      default: break;
    }
  }
  for (auto it = checkpoints.rbegin(); it != checkpoints.rend(); ++it) {
    bool old_enough = true;
    bool complete = false;
    int32_t parts = 0;
    for (const LogFile* f : it->second) {
      old_enough &= f->modification_time_ms >= 0 && f->modification_time_ms < threshold;
      if (f->name.type != LogFileType::kCheckpointMultiPart) complete = true;
      else parts = f->name.num_parts;
    }
    if (!complete && parts > 0) {
      complete = static_cast<int32_t>(it->second.size()) >= parts;
    }
    if (old_enough && complete) {
      cutoff = it->first;
      break;
    }
  }
  std::vector<LogFile> out;
  if (cutoff < 0) return out;
  for (const auto& f : listing) {
    if (f.name.version >= cutoff) continue;
    if (f.name.type == LogFileType::kCompaction && f.name.version >= cutoff) continue;
    if (f.modification_time_ms < 0 || f.modification_time_ms >= threshold) continue;
    out.push_back(f);
  }
  return out;
}

}  // namespace delta::log
