#include "table/snapshot_loader.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include <arrow/buffer.h>

#include "delta/error.h"
#include "log/action_json.h"
#include "log/checkpoint_reader.h"
#include "log/log_file_names.h"
#include "log/log_replay.h"
#include "log/wire_names.h"
#include "protocol/table_features.h"

namespace delta::table {
namespace {

// Runs fn(i) for i in [0, n) on up to hardware_concurrency threads; first error wins.
arrow::Status ParallelFor(size_t n, const std::function<arrow::Status(size_t)>& fn) {
  size_t threads = std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()), (n + 7) / 8);
  if (threads <= 1) {
    for (size_t i = 0; i < n; ++i) ARROW_RETURN_NOT_OK(fn(i));
    return arrow::Status::OK();
  }
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::vector<arrow::Status> errors(threads);
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      while (!failed.load()) {
        size_t i = next.fetch_add(1);
        if (i >= n) break;
        auto st = fn(i);
        if (!st.ok()) {
          errors[t] = std::move(st);
          failed = true;
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  for (auto& e : errors) ARROW_RETURN_NOT_OK(e);
  return arrow::Status::OK();
}

// The checkpoint's actions. Without `with_stats`, the stats of Parquet parts are left out and
// those parts' paths added to `deferred_stats` (read on first need: Snapshot::EnsureStats).
arrow::Result<std::vector<ActionBatch>> ReadCheckpoint(const storage::TableLocation& loc,
                                                       const log::LogSegment& seg,
                                                       bool include_removes, bool with_stats,
                                                       std::vector<std::string>* deferred_stats) {
  std::vector<ActionBatch> parts(seg.checkpoint_files.size());
  log::CheckpointReadOptions opts;
  opts.include_removes = include_removes;
  opts.skip_stats = !with_stats;
  for (const auto& f : seg.checkpoint_files) {
    if (!with_stats && f.name.type != log::LogFileType::kCheckpointV2Json) deferred_stats->push_back(f.path);
  }
  ARROW_RETURN_NOT_OK(ParallelFor(parts.size(), [&](size_t i) -> arrow::Status {
    const auto& f = seg.checkpoint_files[i];
    if (f.name.type == log::LogFileType::kCheckpointV2Json) {
      ARROW_ASSIGN_OR_RAISE(auto text, storage::ReadWholeFile(*loc.fs, f.path));
      ARROW_ASSIGN_OR_RAISE(parts[i], log::ParseActions(text, f.path));
    } else {
      ARROW_ASSIGN_OR_RAISE(parts[i], log::ReadParquetCheckpoint(*loc.fs, f.path, opts));
    }
    return arrow::Status::OK();
  }));
  // Sidecars (V2 checkpoints) hold the file actions.
  std::vector<Sidecar> sidecars;
  for (auto& p : parts) {
    for (auto& s : p.sidecars) sidecars.push_back(s);
  }
  std::vector<std::string> sidecar_paths;
  for (const auto& sc : sidecars) {
    std::string path = sc.path;
    if (path.find("://") == std::string::npos && (path.empty() || path[0] != '/')) {
      path = loc.LogDir() + "/" + log::kSidecarDirName + "/" + storage::UriDecode(path);
    } else {
      ARROW_ASSIGN_OR_RAISE(path, loc.ResolveDataPath(path));
    }
    sidecar_paths.push_back(std::move(path));
  }
  std::vector<ActionBatch> side(sidecar_paths.size());
  ARROW_RETURN_NOT_OK(ParallelFor(side.size(), [&](size_t i) -> arrow::Status {
    ARROW_ASSIGN_OR_RAISE(side[i], log::ReadParquetCheckpoint(*loc.fs, sidecar_paths[i], opts));
    return arrow::Status::OK();
  }));
  if (!with_stats) {
    for (auto& p : sidecar_paths) deferred_stats->push_back(std::move(p));
  }
  for (auto& s : side) parts.push_back(std::move(s));
  return parts;
}

}  // namespace

arrow::Result<std::vector<ActionBatch>> ReadCommits(const storage::TableLocation& loc,
                                                    const std::vector<log::LogFile>& commits) {
  std::vector<ActionBatch> out(commits.size());
  ARROW_RETURN_NOT_OK(ParallelFor(commits.size(), [&](size_t i) -> arrow::Status {
    ARROW_ASSIGN_OR_RAISE(auto text, storage::ReadWholeFile(*loc.fs, commits[i].path));
    ARROW_ASSIGN_OR_RAISE(out[i], log::ParseActions(text, commits[i].path));
    return arrow::Status::OK();
  }));
  return out;
}

arrow::Result<std::optional<int64_t>> ReadInCommitTimestamp(const storage::TableLocation& loc,
                                                            const log::LogFile& commit) {
  auto file = loc.fs->OpenInputFile(commit.path);
  if (!file.ok()) {
    return DELTA_ERROR(kIoError, "cannot open ", commit.path, ": ", file.status().message());
  }
  ARROW_ASSIGN_OR_RAISE(int64_t size, (*file)->GetSize());
  std::string head;
  for (int64_t chunk = 4096, pos = 0; pos < size; pos += chunk, chunk *= 4) {
    ARROW_ASSIGN_OR_RAISE(auto buf, (*file)->ReadAt(pos, std::min(chunk, size - pos)));
    head += buf->ToString();
    if (head.find('\n') != std::string::npos) break;
  }
  const size_t nl = head.find('\n');
  if (nl != std::string::npos) head.resize(nl);
  ARROW_ASSIGN_OR_RAISE(auto first, log::ParseActions(head, commit.path));
  if (!first.commit_info) {
    ARROW_ASSIGN_OR_RAISE(auto all, ReadCommits(loc, {commit}));
    if (!all[0].commit_info) return std::optional<int64_t>{};
    return all[0].commit_info->in_commit_timestamp;
  }
  return first.commit_info->in_commit_timestamp;
}

int64_t CommitTimestamp(const ActionBatch& commit, bool use_ict, int64_t fallback) {
  if (use_ict && commit.commit_info && commit.commit_info->in_commit_timestamp) {
    return *commit.commit_info->in_commit_timestamp;
  }
  return fallback;
}

arrow::Result<std::shared_ptr<const Snapshot>> LoadSnapshot(const storage::TableLocation& loc,
                                                            std::optional<int64_t> version) {
  ARROW_ASSIGN_OR_RAISE(auto listing, storage::ListLog(loc, /*with_times=*/false));
  return LoadSnapshotFromListing(loc, std::move(listing), version);
}

namespace {

// Validates a replayed state and builds the snapshot around it (full loads and updates).
arrow::Result<std::shared_ptr<Snapshot>> SnapshotFromState(const storage::TableLocation& loc,
                                                           int64_t version, log::TableState state) {
  if (!state.protocol) {
    return DELTA_ERROR(kMissingProtocolOrMetadata, "table ", loc.uri, " at version ", version,
                       " has no protocol action in its log");
  }
  if (!state.metadata) {
    return DELTA_ERROR(kMissingProtocolOrMetadata, "table ", loc.uri, " at version ", version,
                       " has no metaData action in its log");
  }
  ARROW_RETURN_NOT_OK(protocol::CheckReadSupported(*state.protocol, loc.uri));
  auto snap = std::make_shared<Snapshot>();
  snap->version_ = version;
  snap->protocol_ = std::move(*state.protocol);
  snap->metadata_ = std::move(*state.metadata);
  auto schema = SchemaFromDeltaJson(snap->metadata_.schema_string);
  if (!schema.ok()) {
    return DELTA_ERROR(kCorruptLog, "table ", loc.uri, " version ", version, ": ",
                       schema.status().message());
  }
  snap->schema_ = *schema;
  ARROW_ASSIGN_OR_RAISE(snap->column_mapping_mode_, protocol::GetColumnMappingMode(snap->metadata_));
  for (const auto& pc : snap->metadata_.partition_columns) {
    if (snap->schema_->GetFieldIndex(pc) < 0) {
      return DELTA_ERROR(kCorruptLog, "table ", loc.uri, ": partition column '", pc,
                         "' is not in the schema");
    }
  }
  snap->files_ = std::move(state.files);
  snap->txns_ = std::move(state.txns);
  snap->tombstones_ = std::move(state.tombstones);
  snap->domains_ = std::move(state.domains);
  snap->table_uri_ = loc.uri;
  snap->table_root_ = loc.root;
  snap->fs_ = loc.fs;
  return snap;
}

bool InCommitTimestampsEnabled(const Metadata& md) {
  return protocol::BoolProperty(md, wire::kEnableInCommitTimestamps, false);
}

// The state a snapshot holds, as replay input. Stats may be filled in concurrently by
// EnsureStats: the copy of the file list is taken under its lock.
log::TableState StateOf(const Snapshot& s, size_t extra_files,
                        std::vector<std::string>* deferred_stats) {
  log::TableState st;
  st.protocol = s.protocol_;
  st.metadata = s.metadata_;
  {
    std::lock_guard<std::mutex> lock(s.stats_mu_);
    st.files.reserve(s.files_.size() + extra_files);
    st.files.insert(st.files.end(), s.files_.begin(), s.files_.end());
    if (!s.stats_filled_) *deferred_stats = s.deferred_stats_files_;
  }
  st.txns = s.txns_;
  st.domains = s.domains_;
  st.tombstones = s.tombstones_;
  return st;
}

}  // namespace

arrow::Result<std::shared_ptr<const Snapshot>> LoadSnapshotFromListing(
    const storage::TableLocation& loc, std::vector<log::LogFile> listing,
    std::optional<int64_t> version, bool keep_tombstones, bool with_stats) {
  ARROW_ASSIGN_OR_RAISE(auto seg, log::BuildLogSegment(std::move(listing), version, loc.uri));
  log::LogReplayer replayer(keep_tombstones);
  std::vector<std::string> deferred_stats;
  SnapshotLoadMetrics metrics;
  // Newest first: commits (newest to oldest), then the checkpoint.
  ARROW_ASSIGN_OR_RAISE(auto commits, ReadCommits(loc, seg.commits));
  metrics.commit_files_read = static_cast<int64_t>(seg.commits.size());
  std::optional<CommitInfo> last_commit_info;
  if (!commits.empty()) last_commit_info = commits.back().commit_info;
  for (auto it = commits.rbegin(); it != commits.rend(); ++it) replayer.ApplyCommit(std::move(*it));
  bool checkpoint_has_protocol = true, checkpoint_has_metadata = true;
  if (seg.checkpoint_version) {
    ARROW_ASSIGN_OR_RAISE(auto parts, ReadCheckpoint(loc, seg, keep_tombstones, with_stats, &deferred_stats));
    metrics.checkpoint_files_read = static_cast<int64_t>(parts.size());
    checkpoint_has_protocol = checkpoint_has_metadata = false;
    for (auto& p : parts) {
      checkpoint_has_protocol |= p.protocol.has_value();
      checkpoint_has_metadata |= p.metadata.has_value();
      replayer.ApplyCheckpoint(std::move(p));
    }
  }
  log::TableState state = replayer.Finish();
  if (seg.checkpoint_version && (!checkpoint_has_protocol || !checkpoint_has_metadata)) {
    return DELTA_ERROR(kMissingProtocolOrMetadata, "checkpoint of version ",
                       *seg.checkpoint_version, " of ", loc.uri, " has no ",
                       checkpoint_has_protocol ? "metaData" : "protocol", " action");
  }
  ARROW_ASSIGN_OR_RAISE(auto snap, SnapshotFromState(loc, seg.version, std::move(state)));
  snap->has_tombstones_ = keep_tombstones;
  snap->deferred_stats_files_ = std::move(deferred_stats);
  snap->checkpoint_version_ = seg.checkpoint_version;
  const bool ict = InCommitTimestampsEnabled(snap->metadata_);
  if (!seg.commits.empty()) {
    ARROW_RETURN_NOT_OK(storage::EnsureModificationTime(loc, &seg.commits.back()));
    ActionBatch last;
    last.commit_info = last_commit_info;
    snap->timestamp_ms_ = CommitTimestamp(last, ict, seg.commits.back().modification_time_ms);
  } else if (!seg.checkpoint_files.empty()) {
    ARROW_RETURN_NOT_OK(storage::EnsureModificationTime(loc, &seg.checkpoint_files.back()));
    snap->timestamp_ms_ = seg.checkpoint_files.back().modification_time_ms;
    if (ict) {
      // The checkpoint has no commitInfo: the in-commit timestamp is in the commit file of the
      // checkpoint's version, when the log still has it (writers need it to stay monotonic).
      log::LogFile commit;
      commit.path = loc.LogDir() + "/" + log::CommitFileName(seg.version);
      if (auto read = ReadCommits(loc, {commit}); read.ok()) {
        ++metrics.commit_files_read;
        snap->timestamp_ms_ = CommitTimestamp(read->front(), true, snap->timestamp_ms_);
      }
    }
  }
  snap->load_metrics_ = metrics;
  return snap;
}

namespace {

// Only the lines that can hold a protocol or metaData action (one action per line; a line
// mentioning either word elsewhere is parsed too, which is harmless).
std::string ProtocolAndMetadataLines(const std::string& text) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + pos, end - pos);
    if (line.find("\"protocol\"") != std::string_view::npos ||
        line.find("\"metaData\"") != std::string_view::npos) {
      out.append(line);
      out.push_back('\n');
    }
    pos = end + 1;
  }
  return out;
}

}  // namespace

arrow::Result<std::pair<Protocol, Metadata>> ReadProtocolAndMetadata(
    const storage::TableLocation& loc, std::vector<log::LogFile> listing) {
  ARROW_ASSIGN_OR_RAISE(auto seg, log::BuildLogSegment(std::move(listing), std::nullopt, loc.uri));
  std::optional<Protocol> protocol;
  std::optional<Metadata> metadata;
  auto take = [&](ActionBatch& b) {
    if (!protocol && b.protocol) protocol = std::move(b.protocol);
    if (!metadata && b.metadata) metadata = std::move(b.metadata);
  };
  // Newest first, a few commits at a time (read in parallel).
  constexpr size_t kChunk = 16;
  size_t remaining = seg.commits.size();
  while (remaining > 0 && (!protocol || !metadata)) {
    const size_t n = std::min(kChunk, remaining);
    std::vector<ActionBatch> batches(n);
    ARROW_RETURN_NOT_OK(ParallelFor(n, [&](size_t i) -> arrow::Status {
      const auto& f = seg.commits[remaining - 1 - i];
      ARROW_ASSIGN_OR_RAISE(auto text, storage::ReadWholeFile(*loc.fs, f.path));
      ARROW_ASSIGN_OR_RAISE(batches[i], log::ParseActions(ProtocolAndMetadataLines(text), f.path));
      return arrow::Status::OK();
    }));
    for (auto& b : batches) take(b);
    remaining -= n;
  }
  if ((!protocol || !metadata) && seg.checkpoint_version) {
    log::CheckpointReadOptions opts;
    opts.only_protocol_and_metadata = true;
    for (const auto& f : seg.checkpoint_files) {
      ActionBatch b;
      if (f.name.type == log::LogFileType::kCheckpointV2Json) {
        ARROW_ASSIGN_OR_RAISE(auto text, storage::ReadWholeFile(*loc.fs, f.path));
        ARROW_ASSIGN_OR_RAISE(b, log::ParseActions(ProtocolAndMetadataLines(text), f.path));
      } else {
        ARROW_ASSIGN_OR_RAISE(b, log::ReadParquetCheckpoint(*loc.fs, f.path, opts));
      }
      take(b);
    }
  }
  if (!protocol || !metadata) {
    return DELTA_ERROR(kMissingProtocolOrMetadata, "table ", loc.uri, " at version ", seg.version,
                       " has no ", protocol ? "metaData" : "protocol", " action in its log");
  }
  return std::make_pair(std::move(*protocol), std::move(*metadata));
}

arrow::Result<std::shared_ptr<const Snapshot>> SnapshotAfterCommits(
    const storage::TableLocation& loc, const std::shared_ptr<const Snapshot>& base,
    std::vector<ActionBatch> commits, int64_t last_file_time_ms, SnapshotLoadMetrics metrics) {
  if (commits.empty()) {
    if (base) return base;
    return DELTA_ERROR(kInvalidArgument, "no commits to build a snapshot of ", loc.uri, " from");
  }
  const int64_t version = (base ? base->version() : -1) + static_cast<int64_t>(commits.size());
  std::optional<CommitInfo> last_commit_info = commits.back().commit_info;
  const bool keep_tombstones = base && base->has_tombstones_;
  std::vector<std::string> deferred_stats;
  size_t new_adds = 0;
  for (const auto& c : commits) new_adds += c.adds.size();
  log::TableState state = base ? StateOf(*base, new_adds, &deferred_stats) : log::TableState{};
  state = log::ReplayOnto(std::move(state), std::move(commits), keep_tombstones);
  ARROW_ASSIGN_OR_RAISE(auto snap, SnapshotFromState(loc, version, std::move(state)));
  snap->has_tombstones_ = keep_tombstones;
  snap->deferred_stats_files_ = std::move(deferred_stats);
  if (base) snap->checkpoint_version_ = base->checkpoint_version_;
  ActionBatch last;
  last.commit_info = std::move(last_commit_info);
  const bool ict = InCommitTimestampsEnabled(snap->metadata_);
  if (last_file_time_ms < 0 && !(ict && last.commit_info && last.commit_info->in_commit_timestamp)) {
    log::LogFile f;
    f.path = loc.LogDir() + "/" + log::CommitFileName(version);
    f.modification_time_ms = -1;
    ARROW_RETURN_NOT_OK(storage::EnsureModificationTime(loc, &f));
    last_file_time_ms = f.modification_time_ms;
  }
  snap->timestamp_ms_ = CommitTimestamp(last, ict, last_file_time_ms);
  if (base) metrics.base_version = base->version();
  snap->load_metrics_ = metrics;
  return snap;
}

arrow::Result<std::shared_ptr<const Snapshot>> UpdateSnapshot(
    const storage::TableLocation& loc, const std::shared_ptr<const Snapshot>& base,
    std::optional<int64_t> version) {
  if (!base) return DELTA_ERROR(kInvalidArgument, "no snapshot to update");
  if (base->table_root() != loc.root) {
    return DELTA_ERROR(kInvalidArgument, "the snapshot is of table ", base->table_uri(),
                       ", not of ", loc.uri);
  }
  if (version && *version < base->version()) {
    return DELTA_ERROR(kInvalidArgument, "cannot update a snapshot of version ", base->version(),
                       " of ", loc.uri, " to the older version ", *version);
  }
  if (version && *version == base->version()) return base;
  ARROW_ASSIGN_OR_RAISE(auto listing, storage::ListLog(loc, /*with_times=*/false));
  // The commits after the base, up to the target, must all be there; else (log cleaned up,
  // a gap, a target beyond the log) a full load decides, with its errors.
  std::vector<log::LogFile> newer;
  int64_t latest = -1;
  for (const auto& f : listing) {
    if (f.name.type != log::LogFileType::kCommit) continue;
    latest = std::max(latest, f.name.version);
    if (f.name.version > base->version() && (!version || f.name.version <= *version)) {
      newer.push_back(f);
    }
  }
  const int64_t target = version.value_or(latest);
  if (target == base->version()) return base;
  std::sort(newer.begin(), newer.end(), [](const log::LogFile& a, const log::LogFile& b) {
    return a.name.version < b.name.version;
  });
  bool contiguous = target > base->version() &&
                    static_cast<int64_t>(newer.size()) == target - base->version();
  for (size_t i = 0; contiguous && i < newer.size(); ++i) {
    contiguous = newer[i].name.version == base->version() + 1 + static_cast<int64_t>(i);
  }
  if (!contiguous) {
    return LoadSnapshotFromListing(loc, std::move(listing), version, base->has_tombstones_);
  }
  ARROW_ASSIGN_OR_RAISE(auto commits, ReadCommits(loc, newer));
  SnapshotLoadMetrics metrics;
  metrics.commit_files_read = static_cast<int64_t>(newer.size());
  return SnapshotAfterCommits(loc, base, std::move(commits), -1, metrics);
}

}  // namespace delta::table
