#include "delta/operations/vacuum.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "delta/error.h"
#include "delta/transaction.h"
#include "log/log_file_names.h"
#include "ops/vacuum_plan.h"
#include "protocol/table_features.h"
#include "scan/deletion_vector.h"
#include "storage/table_location.h"
#include "table/snapshot_loader.h"

namespace delta {
namespace {

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t ToMs(arrow::fs::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// Runs fn(i) for i in [0, n), `parallelism` at a time, reporting progress per item.
template <typename Fn>
void ParallelFor(int64_t n, int parallelism, const VacuumOptions& options, std::string_view phase,
                 Fn fn) {
  std::atomic<int64_t> next{0}, done{0};
  auto work = [&] {
    for (int64_t i = next++; i < n; i = next++) {
      fn(i);
      const int64_t d = ++done;
      if (options.progress) options.progress(phase, d, n);
    }
  };
  const int threads = static_cast<int>(std::min<int64_t>(std::max(1, parallelism), n));
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  if (n > 0) work();
  for (auto& t : pool) t.join();
}

// The table-relative path of a log path or deletion vector; empty when outside the table.
std::string RelativeDataPath(const storage::TableLocation& loc, const std::string& log_path) {
  auto p = loc.ResolveDataPath(log_path);
  return p.ok() ? ops::RelativeToRoot(*p, loc.root) : std::string();
}

std::string RelativeDvPath(const storage::TableLocation& loc, const DeletionVectorDescriptor& dv) {
  if (dv.storage_type != "u" && dv.storage_type != "p") return {};  // inline: no file
  auto p = scan::DeletionVectorPath(loc.root, *loc.fs, dv);
  return p.ok() ? ops::RelativeToRoot(*p, loc.root) : std::string();
}

void AddValid(const storage::TableLocation& loc, const std::string& path,
              const std::optional<DeletionVectorDescriptor>& dv, ops::ValidPaths* valid) {
  if (auto rel = RelativeDataPath(loc, path); !rel.empty()) valid->Add(rel);
  if (dv) {
    if (auto rel = RelativeDvPath(loc, *dv); !rel.empty()) valid->Add(rel);
  }
}

std::string Json(const std::string& s) { return nlohmann::json(s).dump(); }

// Commits a commitInfo-only `operation` on top of *snapshot and advances it to the new version.
arrow::Result<int64_t> CommitOperation(const std::string& uri, std::shared_ptr<const Snapshot>* snapshot,
                                       const VacuumOptions& options, std::string operation,
                                       std::map<std::string, std::string> parameters,
                                       std::map<std::string, std::string> metrics) {
  ARROW_ASSIGN_OR_RAISE(auto txn, Transaction::Begin(uri, *snapshot, options.transaction));
  txn->SetOperation(std::move(operation), std::move(parameters), std::move(metrics));
  ARROW_ASSIGN_OR_RAISE(auto committed, txn->Commit());
  ARROW_ASSIGN_OR_RAISE(*snapshot, txn->PostCommitSnapshot());
  return committed.version;
}

// Lite mode: removes of the log (the state's tombstones and every commit still in the log)
// that expired before the horizon and are not valid, with their DV files.
arrow::Result<std::vector<std::string>> LiteCandidates(const storage::TableLocation& loc,
                                                       const std::vector<log::LogFile>& listing,
                                                       const Snapshot& snap, int64_t delete_before,
                                                       const ops::ValidPaths& valid) {
  std::vector<log::LogFile> commits;
  for (const auto& f : listing) {
    if (f.name.type == log::LogFileType::kCommit && f.name.version <= snap.version()) commits.push_back(f);
  }
  std::sort(commits.begin(), commits.end(),
            [](const auto& a, const auto& b) { return a.name.version < b.name.version; });
  ARROW_ASSIGN_OR_RAISE(auto batches, table::ReadCommits(loc, commits));
  std::set<std::string> out;
  auto consider = [&](const RemoveFile& r) {
    if (r.deletion_timestamp.value_or(0) >= delete_before) return;
    for (auto rel : {RelativeDataPath(loc, r.path),
                     r.deletion_vector ? RelativeDvPath(loc, *r.deletion_vector) : std::string()}) {
      if (!rel.empty() && !valid.Contains(rel) && !ops::IsHiddenPath(rel, snap.partition_columns())) {
        out.insert(rel);
      }
    }
  };
  for (const auto& r : snap.tombstones()) consider(r);
  for (const auto& b : batches) {
    for (const auto& r : b.removes) consider(r);
  }
  return std::vector<std::string>(out.begin(), out.end());
}

}  // namespace

arrow::Result<VacuumMetrics> Vacuum(const std::string& uri, const VacuumOptions& options) {
  VacuumMetrics m;
  m.dry_run = options.dry_run;
  m.mode = options.mode;
  const int64_t now = options.clock ? options.clock() : SystemNowMs();
  ARROW_ASSIGN_OR_RAISE(auto loc, storage::ResolveTableLocation(uri));
  ARROW_ASSIGN_OR_RAISE(auto listing, storage::ListLog(loc, /*with_times=*/false));
  ARROW_ASSIGN_OR_RAISE(auto snap, table::LoadSnapshotFromListing(loc, listing, std::nullopt,
                                                                  /*keep_tombstones=*/true));
  ARROW_RETURN_NOT_OK(protocol::CheckWriteSupported(snap->protocol(), uri));
  m.read_version = snap->version();

  // Retention and the horizon.
  m.default_retention_ms = protocol::DurationPropertyMs(snap->metadata(), "delta.deletedFileRetentionDuration",
                                                        protocol::kWeekMs);
  std::optional<int64_t> specified_ms;
  if (options.retention_hours) {
    if (!std::isfinite(*options.retention_hours) || *options.retention_hours < 0) {
      return DELTA_ERROR(kInvalidArgument, "VACUUM retention must be a non-negative number of hours, got ",
                         *options.retention_hours);
    }
    specified_ms = static_cast<int64_t>(std::llround(*options.retention_hours * 3600.0 * 1000.0));
  }
  m.retention_ms = specified_ms.value_or(m.default_retention_ms);
  if (options.enforce_retention_duration) {
    std::string message = ops::RetentionCheckMessage(m.retention_ms, m.default_retention_ms);
    if (!message.empty()) return DELTA_ERROR(kInvalidArgument, message);
  }
  m.delete_before_ms = now - m.retention_ms;

  // What the retention window still references.
  ops::ValidPaths valid;
  for (const auto& f : snap->files()) AddValid(loc, f.path, f.deletion_vector, &valid);
  for (const auto& r : snap->tombstones()) {
    if (r.deletion_timestamp.value_or(0) >= m.delete_before_ms) AddValid(loc, r.path, r.deletion_vector, &valid);
  }

  // Candidates.
  ops::VacuumSelection selection;
  if (options.mode == VacuumMode::kFull) {
    if (options.progress) options.progress("listing", 0, -1);
    arrow::fs::FileSelector selector;
    selector.base_dir = loc.root;
    selector.recursive = true;
    ARROW_ASSIGN_OR_RAISE(auto infos, loc.fs->GetFileInfo(selector));
    std::vector<ops::ListedEntry> entries;
    entries.reserve(infos.size());
    for (const auto& info : infos) {
      const bool is_dir = info.type() == arrow::fs::FileType::Directory;
      if (!is_dir && info.type() != arrow::fs::FileType::File) continue;
      std::string rel = ops::RelativeToRoot(info.path(), loc.root);
      if (rel.empty()) continue;
      entries.push_back({std::move(rel), is_dir ? 0 : info.size(), ToMs(info.mtime()), is_dir});
    }
    if (options.progress) options.progress("listing", static_cast<int64_t>(entries.size()), -1);
    selection = ops::SelectFromListing(std::move(entries), valid, m.delete_before_ms, snap->partition_columns());
  } else {
    ARROW_ASSIGN_OR_RAISE(auto candidates, LiteCandidates(loc, listing, *snap, m.delete_before_ms, valid));
    // Stat them: files already gone are not listed, sizes are the real ones.
    std::vector<std::optional<ops::ListedEntry>> stat(candidates.size());
    ParallelFor(static_cast<int64_t>(candidates.size()), options.parallelism, options, "checking",
                [&](int64_t i) {
                  auto info = loc.fs->GetFileInfo(loc.root + "/" + candidates[i]);
                  if (info.ok() && info->type() == arrow::fs::FileType::File) {
                    stat[i] = ops::ListedEntry{candidates[i], info->size(), ToMs(info->mtime()), false};
                  }
                });
    for (auto& s : stat) {
      if (s) selection.files.push_back(std::move(*s));
    }
  }
  for (const auto& f : selection.files) {
    m.files.push_back({f.relative, f.size});
    m.size_of_data_to_delete += f.size;
  }
  m.num_files_to_delete = static_cast<int64_t>(m.files.size());
  m.num_vacuumed_directories = selection.num_dirs_listed;
  if (options.dry_run) return m;

  const bool check = options.enforce_retention_duration;
  std::map<std::string, std::string> start_params = {
      {"retentionCheckEnabled", check ? "true" : "false"},
      {"defaultRetentionMillis", std::to_string(m.default_retention_ms)}};
  if (specified_ms) start_params["specifiedRetentionMillis"] = std::to_string(*specified_ms);
  ARROW_ASSIGN_OR_RAISE(
      m.start_version,
      CommitOperation(uri, &snap, options, "VACUUM START", std::move(start_params),
                      {{"numFilesToDelete", std::to_string(m.num_files_to_delete)},
                       {"sizeOfDataToDelete", std::to_string(m.size_of_data_to_delete)}}));

  // Delete files in parallel; a file already gone is not an error.
  std::vector<arrow::Status> results(selection.files.size());
  std::atomic<int64_t> deleted{0};
  ParallelFor(static_cast<int64_t>(selection.files.size()), options.parallelism, options, "deleting",
              [&](int64_t i) {
                const std::string path = loc.root + "/" + selection.files[i].relative;
                auto st = loc.fs->DeleteFile(path);
                if (st.ok()) {
                  ++deleted;
                } else {
                  auto info = loc.fs->GetFileInfo(path);
                  if (!(info.ok() && info->type() == arrow::fs::FileType::NotFound)) results[i] = st;
                }
              });
  // Then directories left empty, deepest first (never recursively: a directory that still
  // holds anything, hidden files included, stays).
  for (const auto& d : selection.dirs) {
    arrow::fs::FileSelector sel;
    sel.base_dir = loc.root + "/" + d.relative;
    auto children = loc.fs->GetFileInfo(sel);
    if (!children.ok() || !children->empty()) continue;
    if (loc.fs->DeleteDir(sel.base_dir).ok()) ++m.num_deleted_directories;
  }
  m.num_deleted_files = deleted.load();
  arrow::Status failure;
  for (size_t i = 0; i < results.size() && failure.ok(); ++i) {
    if (!results[i].ok()) {
      failure = DELTA_ERROR(kIoError, "VACUUM could not delete ", selection.files[i].relative, " of ", uri,
                            ": ", results[i].message());
    }
  }
  ARROW_ASSIGN_OR_RAISE(
      m.end_version,
      CommitOperation(uri, &snap, options, "VACUUM END", {{"status", Json(failure.ok() ? "COMPLETED" : "FAILED")}},
                      {{"numDeletedFiles", std::to_string(m.num_deleted_files)},
                       {"numVacuumedDirectories", std::to_string(m.num_vacuumed_directories)}}));
  ARROW_RETURN_NOT_OK(failure);
  return m;
}

}  // namespace delta
