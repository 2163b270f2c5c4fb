#include "delta/operations/lake.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include "delta/checkpoint.h"
#include "delta/error.h"
#include "delta/operations/doctor.h"
#include "delta/operations/optimize.h"
#include "delta/operations/vacuum.h"
#include "delta/table.h"
#include "log/log_file_names.h"
#include "protocol/table_features.h"
#include "storage/table_location.h"

namespace delta {
namespace {

std::string Join(const std::string& dir, const std::string& rel) {
  if (rel.empty()) return dir;
  if (dir.ends_with("/")) return dir + rel;
  return dir + "/" + rel;
}

arrow::Result<std::vector<arrow::fs::FileInfo>> ListDir(arrow::fs::FileSystem& fs, const std::string& path) {
  arrow::fs::FileSelector sel;
  sel.base_dir = path;
  sel.recursive = false;
  return fs.GetFileInfo(sel);
}

// Whether `folder` (within fs) is a Delta table: _delta_log/ with a commit or checkpoint.
bool IsTableFolder(arrow::fs::FileSystem& fs, const std::string& folder,
                   const std::vector<arrow::fs::FileInfo>& children) {
  bool has_log = false;
  for (const auto& c : children) {
    has_log |= c.type() == arrow::fs::FileType::Directory && c.base_name() == log::kLogDirName;
  }
  if (!has_log) return false;
  auto entries = ListDir(fs, folder + "/" + log::kLogDirName);
  if (!entries.ok()) return true;  // unreadable log: a (broken) table all the same
  for (const auto& e : *entries) {
    if (e.type() != arrow::fs::FileType::File) continue;
    if (log::ParseLogFileName(e.base_name())) return true;
  }
  return false;
}

arrow::Status Discover(arrow::fs::FileSystem& fs, const std::string& folder, const std::string& rel,
                       int depth, int max_depth, std::vector<std::string>* out) {
  auto children = ListDir(fs, folder);
  if (!children.ok()) {
    if (rel.empty()) {
      return DELTA_ERROR(kIoError, "cannot list ", folder, ": ", children.status().message());
    }
    return arrow::Status::OK();  // an unreadable subfolder holds no table we can list
  }
  if (IsTableFolder(fs, folder, *children)) {
    out->push_back(rel);
    return arrow::Status::OK();
  }
  if (depth >= max_depth) return arrow::Status::OK();
  for (const auto& c : *children) {
    if (c.type() != arrow::fs::FileType::Directory) continue;
    const std::string name = c.base_name();
    if (name.empty() || name[0] == '.' || name[0] == '_') continue;
    ARROW_RETURN_NOT_OK(Discover(fs, c.path(), rel.empty() ? name : rel + "/" + name, depth + 1, max_depth, out));
  }
  return arrow::Status::OK();
}

template <typename Fn>
void ParallelFor(int64_t n, int parallelism, const std::function<void(int64_t, int64_t)>& progress, Fn fn) {
  std::atomic<int64_t> next{0}, done{0};
  auto work = [&] {
    for (int64_t i = next++; i < n; i = next++) {
      fn(i);
      const int64_t d = ++done;
      if (progress) progress(d, n);
    }
  };
  const int threads = static_cast<int>(std::min<int64_t>(std::max(1, parallelism), n));
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  if (n > 0) work();
  for (auto& t : pool) t.join();
}

int64_t IntMetric(const DoctorFinding* f, const std::string& name) {
  if (!f) return 0;
  for (const auto& [k, v] : f->metrics) {
    if (k == name && std::holds_alternative<int64_t>(v)) return std::get<int64_t>(v);
  }
  return 0;
}

int64_t CheckpointInterval(const Metadata& md) {
  auto it = md.configuration.find("delta.checkpointInterval");
  if (it == md.configuration.end()) return 10;
  try {
    return std::max<int64_t>(1, std::stoll(it->second));
  } catch (...) {
    return 10;
  }
}

arrow::Status MaintainOne(const std::string& path, const LakeOptions& options, LakeMaintenance* out) {
  ARROW_ASSIGN_OR_RAISE(auto table, Table::Open(path));
  ARROW_ASSIGN_OR_RAISE(auto snap, table->GetSnapshot());
  DoctorOptions dopts;
  dopts.clock = options.clock;
  const bool auto_compact = protocol::BoolProperty(snap->metadata(), "delta.autoOptimize.autoCompact", false);
  if (auto_compact) dopts.thresholds.min_small_files = 2;
  ARROW_ASSIGN_OR_RAISE(auto report, Doctor(path, dopts));
  const DoctorFinding* small = report.Find("small-files");
  const DoctorFinding* backlog = report.Find("vacuum-backlog");
  const int64_t interval = CheckpointInterval(snap->metadata());
  int64_t commits = 0;

  if (small) {
    out->actions.push_back("optimize");
    if (options.dry_run) {
      out->files_compacted = IntMetric(small, "compactable_small_files");
      commits += 1;
    } else {
      ARROW_ASSIGN_OR_RAISE(auto m, Optimize(path));
      out->files_compacted = m.num_files_removed;
      out->files_written = m.num_files_added;
    }
  }
  const DoctorFinding* retention = report.Find("file-retention-short");
  if (backlog && retention && retention->severity == DoctorSeverity::kError) {
    out->skipped.push_back("vacuum: " + retention->message + " Run `deltactl vacuum` explicitly if that is intended.");
    backlog = nullptr;
  }
  if (backlog) {
    out->actions.push_back("vacuum");
    if (options.dry_run) {
      out->files_vacuumed = IntMetric(backlog, "vacuumable_files");
      out->bytes_vacuumed = IntMetric(backlog, "vacuumable_bytes");
      commits += 2;
    } else {
      VacuumOptions vopts;  // the table's retention, the check on
      if (options.clock) vopts.clock = options.clock;
      ARROW_ASSIGN_OR_RAISE(auto m, Vacuum(path, vopts));
      out->files_vacuumed = m.num_deleted_files;
      out->bytes_vacuumed = m.size_of_data_to_delete;
    }
  }
  if (!options.dry_run && !out->actions.empty()) {
    // A fresh load: the commits above may have written a checkpoint already.
    ARROW_ASSIGN_OR_RAISE(snap, table->GetSnapshot());
  }
  const int64_t since = snap->version() + commits - snap->checkpoint_version().value_or(0);
  if (since >= interval) {
    out->actions.push_back("checkpoint");
    if (options.dry_run) {
      out->checkpoint_version = snap->version() + commits;
    } else {
      ARROW_ASSIGN_OR_RAISE(auto m, CreateCheckpoint(path));
      out->checkpoint_version = m.version;
    }
  }
  return arrow::Status::OK();
}

}  // namespace

arrow::Result<std::vector<std::string>> FindLakeTables(const std::string& dir, int max_depth) {
  ARROW_ASSIGN_OR_RAISE(auto loc, storage::ResolveTableLocation(dir));
  ARROW_ASSIGN_OR_RAISE(auto info, loc.fs->GetFileInfo(loc.root));
  if (info.type() != arrow::fs::FileType::Directory) {
    return DELTA_ERROR(kTableNotFound, "no folder at ", dir);
  }
  std::vector<std::string> rels;
  ARROW_RETURN_NOT_OK(Discover(*loc.fs, loc.root, "", 0, std::max(0, max_depth), &rels));
  std::sort(rels.begin(), rels.end());
  std::vector<std::string> out;
  for (const auto& r : rels) out.push_back(Join(dir, r));
  return out;
}

arrow::Result<std::vector<LakeTableInfo>> ListLake(const std::string& dir, const LakeOptions& options) {
  ARROW_ASSIGN_OR_RAISE(auto paths, FindLakeTables(dir, options.max_depth));
  std::vector<LakeTableInfo> out(paths.size());
  ParallelFor(static_cast<int64_t>(paths.size()), options.parallelism, options.progress, [&](int64_t i) {
    LakeTableInfo& t = out[i];
    t.path = paths[i];
    t.error = [&]() -> arrow::Status {
      ARROW_ASSIGN_OR_RAISE(auto table, Table::Open(t.path));
      ARROW_ASSIGN_OR_RAISE(auto snap, table->GetSnapshot());
      ARROW_ASSIGN_OR_RAISE(auto history, table->History(1));
      t.version = snap->version();
      t.num_files = static_cast<int64_t>(snap->files().size());
      t.size_bytes = snap->SizeInBytes();
      if (!history.empty()) {
        t.last_operation = history[0].operation;
        t.last_operation_time_ms = history[0].timestamp_ms;
      }
      return arrow::Status::OK();
    }();
  });
  return out;
}

arrow::Result<std::vector<LakeMaintenance>> MaintainLake(const std::string& dir, const LakeOptions& options) {
  ARROW_ASSIGN_OR_RAISE(auto paths, FindLakeTables(dir, options.max_depth));
  std::vector<LakeMaintenance> out(paths.size());
  for (size_t i = 0; i < paths.size(); ++i) {
    out[i].path = paths[i];
    out[i].error = MaintainOne(paths[i], options, &out[i]);
    if (options.progress) options.progress(static_cast<int64_t>(i + 1), static_cast<int64_t>(paths.size()));
  }
  return out;
}

}  // namespace delta
