// RESTORE (see delta/operations/restore.h). Plan: the live files of the target version and of
// the latest version, keyed by (path, deletion vector id), differ in what to add back and what
// to remove; nothing else is read. Execution: check that every file to add back (and its
// deletion vector file) still exists, then one commit.
#include "delta/operations/restore.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "delta/error.h"
#include "delta/table.h"
#include "scan/deletion_vector.h"
#include "storage/table_location.h"

namespace delta {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string FileKey(const AddFile& f) {
  return f.path + '\n' + (f.deletion_vector ? f.deletion_vector->UniqueId() : std::string());
}

// "2024-01-02 10:00:00.000" (UTC), as the timestamp parameter of commitInfo.
std::string FormatTimestampMs(int64_t ms) {
  const std::time_t secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%03d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(((ms % 1000) + 1000) % 1000));
  return buf;
}

bool SameMetadata(const Metadata& a, const Metadata& b) {
  return a.id == b.id && a.name == b.name && a.description == b.description && a.format.provider == b.format.provider &&
         a.format.options == b.format.options && a.schema_string == b.schema_string &&
         a.partition_columns == b.partition_columns && a.configuration == b.configuration;
}

std::optional<std::vector<std::string>> UnionFeatures(const std::optional<std::vector<std::string>>& a,
                                                      const std::optional<std::vector<std::string>>& b) {
  if (!a && !b) return std::nullopt;
  std::vector<std::string> out = a.value_or(std::vector<std::string>{});
  for (const auto& f : b.value_or(std::vector<std::string>{})) {
    if (std::find(out.begin(), out.end(), f) == out.end()) out.push_back(f);
  }
  return out;
}

// The protocol that supports both versions' features: restoring never downgrades.
Protocol MergedProtocol(const Protocol& now, const Protocol& then) {
  Protocol p;
  p.min_reader_version = std::max(now.min_reader_version, then.min_reader_version);
  p.min_writer_version = std::max(now.min_writer_version, then.min_writer_version);
  if (p.min_reader_version >= 3) p.reader_features = UnionFeatures(now.reader_features, then.reader_features);
  if (p.min_writer_version >= 7) p.writer_features = UnionFeatures(now.writer_features, then.writer_features);
  return p;
}

bool SameProtocol(const Protocol& a, const Protocol& b) {
  auto sorted = [](std::optional<std::vector<std::string>> v) {
    if (v) std::sort(v->begin(), v->end());
    return v;
  };
  return a.min_reader_version == b.min_reader_version && a.min_writer_version == b.min_writer_version &&
         sorted(a.reader_features) == sorted(b.reader_features) &&
         sorted(a.writer_features) == sorted(b.writer_features);
}

// Every file the restored version needs that is gone (data files and deletion vector files).
arrow::Status CheckFilesExist(const storage::TableLocation& loc, const std::vector<const AddFile*>& files,
                              int64_t target_version) {
  std::vector<std::string> paths;
  std::vector<std::string> names;
  for (const auto* f : files) {
    ARROW_ASSIGN_OR_RAISE(auto p, loc.ResolveDataPath(f->path));
    paths.push_back(std::move(p));
    names.push_back(f->path);
    if (f->deletion_vector && f->deletion_vector->storage_type != "i") {
      ARROW_ASSIGN_OR_RAISE(auto dv, scan::DeletionVectorPath(loc.root, *loc.fs, *f->deletion_vector));
      paths.push_back(std::move(dv));
      names.push_back("the deletion vector of " + f->path);
    }
  }
  if (paths.empty()) return arrow::Status::OK();
  ARROW_ASSIGN_OR_RAISE(auto infos, loc.fs->GetFileInfo(paths));
  std::vector<std::string> missing;
  for (size_t i = 0; i < infos.size(); ++i) {
    if (infos[i].type() == arrow::fs::FileType::NotFound) missing.push_back(names[i]);
  }
  if (missing.empty()) return arrow::Status::OK();
  std::string list;
  for (size_t i = 0; i < missing.size() && i < 5; ++i) list += (i ? ", " : "") + missing[i];
  if (missing.size() > 5) list += ", ... (" + std::to_string(missing.size()) + " in all)";
  return DELTA_ERROR(kIoError, "cannot restore table ", loc.uri, " to version ", target_version, ": ",
                     missing.size(), " file(s) it needs no longer exist (deleted by VACUUM?): ", list,
                     "; nothing was committed");
}

}  // namespace

arrow::Result<RestoreMetrics> Restore(const std::string& uri, const RestoreOptions& options) {
  if (options.version.has_value() == options.timestamp_ms.has_value()) {
    return DELTA_ERROR(kInvalidArgument, "RESTORE needs exactly one of a version and a timestamp");
  }
  ARROW_ASSIGN_OR_RAISE(auto table, Table::Open(uri));
  ARROW_ASSIGN_OR_RAISE(auto latest, table->GetSnapshot());
  int64_t target_version = 0;
  if (options.version) {
    target_version = *options.version;
    if (target_version < 0 || target_version > latest->version()) {
      return DELTA_ERROR(kVersionNotFound, "cannot restore table ", uri, " to version ", target_version,
                         ": the table's versions are up to ", latest->version());
    }
  } else {
    ARROW_ASSIGN_OR_RAISE(target_version, table->VersionAtTimestamp(*options.timestamp_ms));
  }
  ARROW_ASSIGN_OR_RAISE(auto target, table->GetSnapshot(target_version));

  RestoreMetrics m;
  m.restored_version = target_version;
  m.version = latest->version();

  std::set<std::string> live_now;
  for (const auto& f : latest->files()) live_now.insert(FileKey(f));
  std::set<std::string> live_then;
  std::vector<const AddFile*> to_add;
  for (const auto& f : target->files()) {
    const auto key = FileKey(f);
    live_then.insert(key);
    m.table_size_after_restore += f.size;
    if (!live_now.count(key)) to_add.push_back(&f);
  }
  m.num_of_files_after_restore = static_cast<int64_t>(target->files().size());
  std::vector<const AddFile*> to_remove;
  for (const auto& f : latest->files()) {
    if (!live_then.count(FileKey(f))) to_remove.push_back(&f);
  }
  const Protocol protocol = MergedProtocol(latest->protocol(), target->protocol());
  const bool metadata_changes = !SameMetadata(latest->metadata(), target->metadata());
  const bool protocol_changes = !SameProtocol(protocol, latest->protocol());
  if (to_add.empty() && to_remove.empty() && !metadata_changes && !protocol_changes) {
    return m;  // already in that state: nothing to commit
  }

  ARROW_ASSIGN_OR_RAISE(auto loc, storage::ResolveTableLocation(uri));
  ARROW_RETURN_NOT_OK(CheckFilesExist(loc, to_add, target_version));

  ARROW_ASSIGN_OR_RAISE(auto txn, Transaction::Begin(uri, latest, options.transaction));
  const int64_t now = options.transaction.clock ? options.transaction.clock() : NowMs();
  for (const auto* f : to_remove) {
    m.num_removed_files += 1;
    m.removed_files_size += f->size;
    txn->RemoveDataFile(RemoveOf(*f, now, /*data_change=*/true));
  }
  for (const auto* f : to_add) {
    m.num_restored_files += 1;
    m.restored_files_size += f->size;
    AddFile add = *f;
    add.data_change = true;
    txn->AddDataFile(std::move(add));
  }
  if (metadata_changes) txn->SetMetadata(target->metadata());
  if (protocol_changes) txn->SetProtocol(protocol);
  // RESTORE replaces the whole table state: anything committed concurrently conflicts.
  txn->MarkRead(nullptr);
  txn->MarkFilesRead(latest->files());

  // As Spark: {"version":1,"timestamp":null} or {"version":null,"timestamp":"..."}, raw JSON.
  std::map<std::string, std::string> params{{"version", "null"}, {"timestamp", "null"}};
  if (options.version) {
    params["version"] = std::to_string(target_version);
  } else {
    params["timestamp"] = nlohmann::json(FormatTimestampMs(*options.timestamp_ms)).dump();
  }
  txn->SetRawOperationParameters({"version", "timestamp"});
  std::map<std::string, std::string> metrics;
  for (const auto& [k, v] : m.SparkMetrics()) metrics[k] = std::to_string(v);
  txn->SetOperation("RESTORE", params, metrics);
  ARROW_ASSIGN_OR_RAISE(auto committed, txn->Commit());
  m.version = committed.version;
  m.committed = true;
  return m;
}

}  // namespace delta
