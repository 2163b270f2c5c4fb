#include "table/snapshot_loader.h"

#include <atomic>
#include <thread>

#include "delta/error.h"
#include "log/action_json.h"
#include "log/checkpoint_reader.h"
#include "log/log_replay.h"
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

arrow::Result<std::vector<ActionBatch>> ReadCheckpoint(const storage::TableLocation& loc,
                                                       const log::LogSegment& seg,
                                                       bool include_removes,
                                                       std::vector<std::string>* parquet_files) {
  std::vector<ActionBatch> parts(seg.checkpoint_files.size());
  log::CheckpointReadOptions opts;
  opts.include_removes = include_removes;
  opts.skip_stats = true;  // loaded on first need: Snapshot::EnsureStats
  for (const auto& f : seg.checkpoint_files) {
    if (f.name.type != log::LogFileType::kCheckpointV2Json) parquet_files->push_back(f.path);
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
  for (auto& p : sidecar_paths) parquet_files->push_back(std::move(p));
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

arrow::Result<std::shared_ptr<const Snapshot>> LoadSnapshotFromListing(
    const storage::TableLocation& loc, std::vector<log::LogFile> listing,
    std::optional<int64_t> version, bool keep_tombstones) {
  ARROW_ASSIGN_OR_RAISE(auto seg, log::BuildLogSegment(std::move(listing), version, loc.uri));
  log::LogReplayer replayer(keep_tombstones);
  std::vector<std::string> deferred_stats;
  // Newest first: commits (newest to oldest), then the checkpoint.
  ARROW_ASSIGN_OR_RAISE(auto commits, ReadCommits(loc, seg.commits));
  std::optional<CommitInfo> last_commit_info;
  if (!commits.empty()) last_commit_info = commits.back().commit_info;
  for (auto it = commits.rbegin(); it != commits.rend(); ++it) replayer.ApplyCommit(std::move(*it));
  bool checkpoint_has_protocol = true, checkpoint_has_metadata = true;
  if (seg.checkpoint_version) {
    ARROW_ASSIGN_OR_RAISE(auto parts, ReadCheckpoint(loc, seg, keep_tombstones, &deferred_stats));
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
  if (!state.protocol) {
    return DELTA_ERROR(kMissingProtocolOrMetadata, "table ", loc.uri, " at version ", seg.version,
                       " has no protocol action in its log");
  }
  if (!state.metadata) {
    return DELTA_ERROR(kMissingProtocolOrMetadata, "table ", loc.uri, " at version ", seg.version,
                       " has no metaData action in its log");
  }
  ARROW_RETURN_NOT_OK(protocol::CheckReadSupported(*state.protocol, loc.uri));

  auto snap = std::make_shared<Snapshot>();
  snap->version_ = seg.version;
  snap->protocol_ = std::move(*state.protocol);
  snap->metadata_ = std::move(*state.metadata);
  auto schema = SchemaFromDeltaJson(snap->metadata_.schema_string);
  if (!schema.ok()) {
    return DELTA_ERROR(kCorruptLog, "table ", loc.uri, " version ", seg.version, ": ",
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
  snap->deferred_stats_files_ = std::move(deferred_stats);
  snap->domains_ = std::move(state.domains);
  snap->checkpoint_version_ = seg.checkpoint_version;
  snap->table_uri_ = loc.uri;
  snap->table_root_ = loc.root;
  snap->fs_ = loc.fs;
  const bool ict = protocol::BoolProperty(snap->metadata_, "delta.enableInCommitTimestamps", false);
  if (!seg.commits.empty()) {
    ARROW_RETURN_NOT_OK(storage::EnsureModificationTime(loc, &seg.commits.back()));
    ActionBatch last;
    last.commit_info = last_commit_info;
    snap->timestamp_ms_ = CommitTimestamp(last, ict, seg.commits.back().modification_time_ms);
  } else if (!seg.checkpoint_files.empty()) {
    ARROW_RETURN_NOT_OK(storage::EnsureModificationTime(loc, &seg.checkpoint_files.back()));
    snap->timestamp_ms_ = seg.checkpoint_files.back().modification_time_ms;
  }
  return snap;
}

}  // namespace delta::table
