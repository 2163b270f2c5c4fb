#include "delta/table.h"

#include <algorithm>
#include <cstdio>

#include <arrow/util/value_parsing.h>

#include "delta/error.h"
#include "log/action_json.h"
#include "log/wire_names.h"
#include "protocol/table_features.h"
#include "storage/table_location.h"
#include "table/snapshot_loader.h"
#include "util/civil_time.h"
#include "util/compute_init.h"

namespace delta {

struct Table::Impl {
  storage::TableLocation loc;
};

Table::Table(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Table::~Table() = default;

const std::string& Table::uri() const { return impl_->loc.uri; }

arrow::Result<std::shared_ptr<Table>> Table::Open(const std::string& uri,
                                                  const TableOptions& options) {
  ARROW_RETURN_NOT_OK(util::EnsureComputeInitialized());
  storage::TableLocation loc;
  if (options.filesystem) {
    loc.fs = options.filesystem;
    loc.uri = uri;
    loc.root = uri;
    while (loc.root.size() > 1 && loc.root.back() == '/') loc.root.pop_back();
  } else {
    ARROW_ASSIGN_OR_RAISE(loc, storage::ResolveTableLocation(uri));
  }
  // One stat, not a listing: snapshot loads list the log anyway, and a log of 10k commits
  // costs milliseconds to list. An empty _delta_log fails at the first snapshot load.
  auto info = loc.fs->GetFileInfo(loc.LogDir());
  if (!info.ok() || info->type() != arrow::fs::FileType::Directory) {
    return DELTA_ERROR(kTableNotFound, "no Delta table at ", uri, ": ", loc.LogDir(),
                       " does not exist");
  }
  auto impl = std::make_unique<Impl>();
  impl->loc = std::move(loc);
  return std::make_shared<Table>(std::move(impl));
}

arrow::Result<std::shared_ptr<const Snapshot>> Table::GetSnapshot(
    std::optional<int64_t> version) const {
  return table::LoadSnapshot(impl_->loc, version);
}

arrow::Result<std::shared_ptr<const Snapshot>> Table::UpdateSnapshot(
    const std::shared_ptr<const Snapshot>& snapshot, std::optional<int64_t> version) const {
  return table::UpdateSnapshot(impl_->loc, snapshot, version);
}

namespace {

std::optional<int64_t> Int64Property(const Metadata& md, const std::string& key) {
  auto it = md.configuration.find(key);
  if (it == md.configuration.end()) return std::nullopt;
  int64_t v = 0;
  if (!arrow::internal::ParseValue<arrow::Int64Type>(it->second.data(), it->second.size(), &v)) {
    return std::nullopt;
  }
  return v;
}

}  // namespace

arrow::Result<int64_t> Table::VersionAtTimestamp(int64_t timestamp_ms) const {
  const auto& loc = impl_->loc;
  ARROW_ASSIGN_OR_RAISE(auto listing, storage::ListLog(loc, /*with_times=*/false));
  std::vector<log::LogFile> commits = log::CommitFiles(listing);
  // Only versions that can still be reconstructed count: from the oldest checkpoint (or 0).
  int64_t oldest = commits.empty() ? 0 : commits.front().name.version;
  if (oldest > 0) {
    int64_t min_cp = -1;
    for (auto& f : listing) {
      if (f.name.type != log::LogFileType::kCommit && f.name.type != log::LogFileType::kChecksum &&
          f.name.type != log::LogFileType::kCompaction && f.name.version >= oldest - 1 &&
          (min_cp < 0 || f.name.version < min_cp)) {
        min_cp = f.name.version;
      }
    }
    commits.erase(std::remove_if(commits.begin(), commits.end(),
                                 [&](const log::LogFile& c) {
                                   return min_cp < 0 || c.name.version < min_cp;
                                 }),
                  commits.end());
  }
  if (commits.empty()) {
    return DELTA_ERROR(kTimestampOutOfRange, "table ", loc.uri, " has no commits to time travel to");
  }
  auto before_earliest = [&](int64_t earliest_ms) {
    return DELTA_ERROR(kTimestampOutOfRange, "timestamp ", timestamp_ms,
                       " ms is before the earliest available version ",
                       commits.front().name.version, " of ", loc.uri, " (committed at ",
                       earliest_ms, " ms)");
  };
  // Only the protocol and metadata matter here, not the file list.
  ARROW_ASSIGN_OR_RAISE(auto pm, table::ReadProtocolAndMetadata(loc, listing));
  const Metadata& md = pm.second;
  // PROTOCOL.md "Recommendations for Readers of Tables with In-Commit Timestamps": versions
  // from the enablement version on are ordered by their in-commit timestamps; a timestamp at
  // or after the enablement timestamp looks only there, an earlier one only before it.
  size_t first_ict = commits.size();
  if (protocol::BoolProperty(md, wire::kEnableInCommitTimestamps, false)) {
    const int64_t enabled_at = Int64Property(md, wire::kInCommitTimestampEnablementVersion).value_or(0);
    const auto enabled_ts = Int64Property(md, wire::kInCommitTimestampEnablementTimestamp);
    first_ict = std::lower_bound(commits.begin(), commits.end(), enabled_at,
                                 [](const log::LogFile& c, int64_t v) { return c.name.version < v; }) -
                commits.begin();
    if (first_ict > 0 && enabled_ts && timestamp_ms < *enabled_ts) {
      commits.resize(first_ict);  // only the file-time versions before enablement
      first_ict = commits.size();
    }
  }
  if (first_ict < commits.size()) {
    // Strictly increasing: binary search, reading O(log n) commit files.
    std::vector<std::optional<int64_t>> ict(commits.size());
    auto ict_at = [&](size_t i) -> arrow::Result<int64_t> {
      if (!ict[i]) {
        ARROW_ASSIGN_OR_RAISE(auto t, table::ReadInCommitTimestamp(loc, commits[i]));
        if (!t) {
          return DELTA_ERROR(kCorruptLog, "commit ", commits[i].name.version, " of ", loc.uri,
                             " has no inCommitTimestamp although in-commit timestamps are "
                             "enabled from version ",
                             commits[first_ict].name.version);
        }
        ict[i] = *t;
      }
      return *ict[i];
    };
    ARROW_ASSIGN_OR_RAISE(int64_t first_ts, ict_at(first_ict));
    if (timestamp_ms >= first_ts) {
      size_t lo = first_ict, hi = commits.size() - 1;  // ict(lo) <= timestamp_ms
      while (lo < hi) {
        size_t mid = lo + (hi - lo + 1) / 2;
        ARROW_ASSIGN_OR_RAISE(int64_t t, ict_at(mid));
        if (t <= timestamp_ms) {
          lo = mid;
        } else {
          hi = mid - 1;
        }
      }
      return commits[lo].name.version;
    }
    if (first_ict == 0) return before_earliest(first_ts);
    commits.resize(first_ict);  // before the enablement: file times decide
  }
  // File times, made strictly increasing as Delta does for commits written within one ms.
  std::vector<int64_t> ts(commits.size());
  for (size_t i = 0; i < commits.size(); ++i) {
    ARROW_RETURN_NOT_OK(storage::EnsureModificationTime(loc, &commits[i]));
    ts[i] = commits[i].modification_time_ms;
    if (i > 0 && ts[i] <= ts[i - 1]) ts[i] = ts[i - 1] + 1;
  }
  if (timestamp_ms < ts.front()) return before_earliest(ts.front());
  auto it = std::upper_bound(ts.begin(), ts.end(), timestamp_ms);
  return commits[(it - ts.begin()) - 1].name.version;
}

arrow::Result<std::shared_ptr<const Snapshot>> Table::GetSnapshotAtTimestamp(
    int64_t timestamp_ms) const {
  ARROW_ASSIGN_OR_RAISE(int64_t v, VersionAtTimestamp(timestamp_ms));
  return GetSnapshot(v);
}

arrow::Result<std::vector<CommitSummary>> Table::History(std::optional<int64_t> limit) const {
  const auto& loc = impl_->loc;
  ARROW_ASSIGN_OR_RAISE(auto listing, storage::ListLog(loc));
  auto commits = log::CommitFiles(listing);
  std::reverse(commits.begin(), commits.end());
  if (limit && static_cast<int64_t>(commits.size()) > *limit) commits.resize(*limit);
  ARROW_ASSIGN_OR_RAISE(auto batches, table::ReadCommits(loc, commits));
  std::vector<CommitSummary> out;
  out.reserve(commits.size());
  for (size_t i = 0; i < commits.size(); ++i) {
    CommitSummary s;
    s.version = commits[i].name.version;
    s.timestamp_ms = commits[i].modification_time_ms;
    s.commit_info_json = "{}";
    if (const auto& ci = batches[i].commit_info) {
      s.operation = ci->operation;
      s.commit_info_json = ci->raw_json;
      if (ci->in_commit_timestamp) {
        s.timestamp_ms = *ci->in_commit_timestamp;
      } else if (ci->timestamp) {
        s.timestamp_ms = *ci->timestamp;
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

arrow::Result<int64_t> ParseTimestampMs(const std::string& text) {
  std::string t = text;
  bool all_digits = !t.empty() && std::all_of(t.begin(), t.end(), ::isdigit);
  if (all_digits) return std::stoll(t);
  int y, mo, d, h = 0, mi = 0, s = 0;
  char sep = ' ';
  int consumed = 0;
  if (std::sscanf(t.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &consumed) != 3) {
    return DELTA_ERROR(kInvalidArgument, "cannot parse timestamp '", text,
                       "': expected YYYY-MM-DD[ HH:MM:SS[.fff]][Z|+hh:mm] or epoch milliseconds");
  }
  size_t pos = consumed;
  int64_t frac_ms = 0;
  if (pos < t.size() && (t[pos] == ' ' || t[pos] == 'T')) {
    sep = t[pos];
    (void)sep;
    int n = 0;
    if (std::sscanf(t.c_str() + pos + 1, "%2d:%2d%n", &h, &mi, &n) != 2) {
      return DELTA_ERROR(kInvalidArgument, "cannot parse time of day in timestamp '", text, "'");
    }
    pos += 1 + n;
    if (pos < t.size() && t[pos] == ':') {
      n = 0;
      std::sscanf(t.c_str() + pos + 1, "%2d%n", &s, &n);
      pos += 1 + n;
    }
    if (pos < t.size() && t[pos] == '.') {
      ++pos;
      int digits = 0;
      while (pos < t.size() && std::isdigit(static_cast<unsigned char>(t[pos]))) {
        if (digits < 3) frac_ms = frac_ms * 10 + (t[pos] - '0');
        ++digits;
        ++pos;
      }
      for (int k = digits; k < 3; ++k) frac_ms *= 10;
    }
  }
  int64_t offset_min = 0;
  if (pos < t.size()) {
    if (t[pos] == 'Z' || t[pos] == 'z') {
      ++pos;
    } else if (t[pos] == '+' || t[pos] == '-') {
      int oh = 0, om = 0;
      int sign = t[pos] == '-' ? -1 : 1;
      if (std::sscanf(t.c_str() + pos + 1, "%2d:%2d", &oh, &om) < 1) {
        return DELTA_ERROR(kInvalidArgument, "cannot parse zone offset in timestamp '", text, "'");
      }
      offset_min = sign * (oh * 60 + om);
      pos = t.size();
    }
  }
  if (pos != t.size()) {
    return DELTA_ERROR(kInvalidArgument, "unexpected text at position ", pos + 1,
                       " of timestamp '", text, "'");
  }
  int64_t days = util::DaysFromCivil(y, mo, d);
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + s - offset_min * 60;
  return secs * 1000 + frac_ms;
}

}  // namespace delta
