#include "log/log_replay.h"

#include <algorithm>

#include "storage/table_location.h"

namespace delta {

std::string DeletionVectorDescriptor::UniqueId() const {
  std::string id = storage_type + path_or_inline_dv;
  if (offset) id += "@" + std::to_string(*offset);
  return id;
}

namespace log {

std::string LogReplayer::FileKey(const std::string& path,
                                 const std::optional<DeletionVectorDescriptor>& dv) {
  // Paths are URI-encoded in the log; writers differ in which characters they escape, so the
  // key uses the decoded form.
  std::string key = path.find('%') == std::string::npos ? path : storage::UriDecode(path);
  if (dv) {
    key.push_back('\0');
    key += dv->UniqueId();
  }
  return key;
}

bool LogReplayer::Seen(const std::string& path,
                       const std::optional<DeletionVectorDescriptor>& dv) const {
  if (!dv && path.find('%') == std::string::npos) return seen_.find(std::string_view(path)) != seen_.end();
  return seen_.count(FileKey(path, dv)) > 0;
}

void LogReplayer::ApplyNonFileActions(ActionBatch& batch) {
  // Newest first: only the first protocol/metaData/txn/domain seen counts.
  if (!protocol_ && batch.protocol) protocol_ = std::move(batch.protocol);
  if (!metadata_ && batch.metadata) metadata_ = std::move(batch.metadata);
  for (auto& t : batch.txns) txns_.try_emplace(t.app_id, std::move(t));
  for (auto& d : batch.domain_metadata) {
    if (!seen_domains_.insert(d.domain).second) continue;
    if (!d.removed) domains_.emplace(d.domain, std::move(d));
  }
}

void LogReplayer::ApplyCommit(ActionBatch&& batch) {
  ApplyNonFileActions(batch);
  // Within one commit a key has at most one action, so order inside the commit is free.
  for (auto& r : batch.removes) {
    if (seen_.insert(FileKey(r.path, r.deletion_vector)).second && keep_tombstones_) {
      tombstones_.push_back(std::move(r));
    }
  }
  for (auto it = batch.adds.rbegin(); it != batch.adds.rend(); ++it) {
    if (seen_.insert(FileKey(it->path, it->deletion_vector)).second) {
      commit_files_.push_back(std::move(*it));
    }
  }
}

void LogReplayer::ApplyCheckpoint(ActionBatch&& part) {
  ApplyNonFileActions(part);
  const bool filter = !seen_.empty();
  if (checkpoint_files_.empty()) {
    // Filter in place and keep the vector (and its spare capacity): no file is moved unless an
    // earlier one was dropped.
    if (filter) {
      part.adds.erase(std::remove_if(part.adds.begin(), part.adds.end(),
                                     [&](const AddFile& a) { return Seen(a.path, a.deletion_vector); }),
                      part.adds.end());
    }
    checkpoint_files_ = std::move(part.adds);
  } else {
    checkpoint_files_.reserve(checkpoint_files_.size() + part.adds.size());
    for (auto& a : part.adds) {
      if (filter && Seen(a.path, a.deletion_vector)) continue;
      checkpoint_files_.push_back(std::move(a));
    }
  }
  if (keep_tombstones_) {
    for (auto& r : part.removes) {
      if (filter && Seen(r.path, r.deletion_vector)) continue;
      tombstones_.push_back(std::move(r));
    }
  }
}

TableState LogReplayer::Finish() {
  TableState s;
  s.protocol = std::move(protocol_);
  // (The files vector grows here unless its capacity was reserved: ReplayOnto's callers do.)
  s.metadata = std::move(metadata_);
  s.files = std::move(checkpoint_files_);
  s.files.reserve(s.files.size() + commit_files_.size());
  for (auto it = commit_files_.rbegin(); it != commit_files_.rend(); ++it) s.files.push_back(std::move(*it));
  s.txns = std::move(txns_);
  s.domains = std::move(domains_);
  s.tombstones = std::move(tombstones_);
  seen_.clear();
  commit_files_.clear();
  return s;
}

TableState ReplayOnto(TableState base, std::vector<ActionBatch> commits, bool keep_tombstones) {
  LogReplayer replayer(keep_tombstones);
  for (auto it = commits.rbegin(); it != commits.rend(); ++it) replayer.ApplyCommit(std::move(*it));
  // The base state plays the checkpoint: it holds exactly what a checkpoint of its version
  // would (live files in order, tombstones, txns, live domains, protocol, metadata).
  ActionBatch as_checkpoint;
  as_checkpoint.protocol = std::move(base.protocol);
  as_checkpoint.metadata = std::move(base.metadata);
  as_checkpoint.adds = std::move(base.files);
  as_checkpoint.removes = std::move(base.tombstones);
  as_checkpoint.txns.reserve(base.txns.size());
  for (auto& [_, t] : base.txns) as_checkpoint.txns.push_back(std::move(t));
  as_checkpoint.domain_metadata.reserve(base.domains.size());
  for (auto& [_, d] : base.domains) as_checkpoint.domain_metadata.push_back(std::move(d));
  replayer.ApplyCheckpoint(std::move(as_checkpoint));
  return replayer.Finish();
}

}  // namespace log
}  // namespace delta
