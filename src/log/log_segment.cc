#include "log/log_segment.h"

#include <algorithm>
#include <map>

#include "delta/error.h"

namespace delta::log {
namespace {

bool IsCheckpoint(LogFileType t) {
  return t == LogFileType::kCheckpointClassic || t == LogFileType::kCheckpointMultiPart ||
         t == LogFileType::kCheckpointV2Json || t == LogFileType::kCheckpointV2Parquet;
}

// The complete checkpoint files of one version, or empty if none is complete. Prefers a V2
// checkpoint, then classic, then the multi-part set with all parts present.
std::vector<LogFile> CompleteCheckpoint(const std::vector<LogFile>& files) {
  for (const auto& f : files) {
    if (f.name.type == LogFileType::kCheckpointV2Json ||
        f.name.type == LogFileType::kCheckpointV2Parquet) {
      return {f};
    }
  }
  for (const auto& f : files) {
    if (f.name.type == LogFileType::kCheckpointClassic) return {f};
  }
  std::map<int32_t, std::map<int32_t, LogFile>> by_num_parts;
  for (const auto& f : files) {
    if (f.name.type == LogFileType::kCheckpointMultiPart) {
      by_num_parts[f.name.num_parts][f.name.part] = f;
    }
  }
  for (auto it = by_num_parts.rbegin(); it != by_num_parts.rend(); ++it) {
    if (static_cast<int32_t>(it->second.size()) == it->first) {
      std::vector<LogFile> parts;
      for (auto& [_, f] : it->second) parts.push_back(f);
      return parts;
    }
  }
  return {};
}

}  // namespace

std::vector<LogFile> CommitFiles(const std::vector<LogFile>& listing) {
  std::vector<LogFile> commits;
  for (const auto& f : listing) {
    if (f.name.type == LogFileType::kCommit) commits.push_back(f);
  }
  std::sort(commits.begin(), commits.end(),
            [](const LogFile& a, const LogFile& b) { return a.name.version < b.name.version; });
  return commits;
}

arrow::Result<LogSegment> BuildLogSegment(std::vector<LogFile> listing,
                                          std::optional<int64_t> target_version,
                                          const std::string& table) {
  std::vector<LogFile> commits = CommitFiles(listing);
  std::map<int64_t, std::vector<LogFile>> checkpoints;
  for (auto& f : listing) {
    if (IsCheckpoint(f.name.type)) checkpoints[f.name.version].push_back(f);
  }
  if (commits.empty() && checkpoints.empty()) {
    return DELTA_ERROR(kTableNotFound, "no Delta table at ", table,
                       ": _delta_log has no commit files");
  }
  if (target_version && *target_version < 0) {
    return DELTA_ERROR(kVersionNotFound, "version ", *target_version, " of ", table,
                       " does not exist: versions are non-negative");
  }
  int64_t newest = commits.empty() ? -1 : commits.back().name.version;
  for (auto& [v, _] : checkpoints) newest = std::max(newest, v);
  if (target_version && *target_version > newest) {
    return DELTA_ERROR(kVersionNotFound, "version ", *target_version, " of ", table,
                       " does not exist: the newest version is ", newest);
  }
  const int64_t target = target_version.value_or(newest);

  LogSegment seg;
  seg.version = target;
  for (auto it = checkpoints.rbegin(); it != checkpoints.rend(); ++it) {
    if (it->first > target) continue;
    auto files = CompleteCheckpoint(it->second);
    if (!files.empty()) {
      seg.checkpoint_version = it->first;
      seg.checkpoint_files = std::move(files);
      break;
    }
  }
  const int64_t first_needed = seg.checkpoint_version ? *seg.checkpoint_version + 1 : 0;
  for (auto& c : commits) {
    if (c.name.version >= first_needed && c.name.version <= target) seg.commits.push_back(c);
  }
  // Contiguity: first_needed, first_needed+1, ..., target.
  int64_t expect = first_needed;
  for (auto& c : seg.commits) {
    if (c.name.version != expect) {
      if (expect == 0 && !seg.checkpoint_version) {
        return DELTA_ERROR(kVersionNotFound, "cannot reconstruct version ", target, " of ", table,
                           ": the log starts at version ", c.name.version,
                           " (older commits were cleaned up) and no checkpoint covers it");
      }
      return DELTA_ERROR(kCorruptLog, "the log of ", table, " has a gap: version ", expect,
                         " is missing before version ", c.name.version);
    }
    ++expect;
  }
  if (expect != target + 1) {
    if (seg.commits.empty() && !seg.checkpoint_version) {
      return DELTA_ERROR(kVersionNotFound, "cannot reconstruct version ", target, " of ", table,
                         ": no checkpoint at or before it and its commits were cleaned up");
    }
    return DELTA_ERROR(kCorruptLog, "the log of ", table, " has a gap: version ", expect,
                       " is missing (newest is ", target, ")");
  }
  return seg;
}

}  // namespace delta::log
