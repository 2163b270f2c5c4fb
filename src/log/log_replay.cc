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

void LogReplayer::Apply(ActionBatch&& batch) {
  if (batch.protocol) protocol_ = std::move(batch.protocol);
  if (batch.metadata) metadata_ = std::move(batch.metadata);
  for (auto& r : batch.removes) {
    std::string key = FileKey(r.path, r.deletion_vector);
    files_.erase(key);
    if (keep_tombstones_) tombstones_[key] = std::move(r);
  }
  for (auto& a : batch.adds) {
    std::string key = FileKey(a.path, a.deletion_vector);
    if (keep_tombstones_) tombstones_.erase(key);
    files_.insert_or_assign(std::move(key), std::move(a));
  }
  for (auto& t : batch.txns) txns_[t.app_id] = std::move(t);
  for (auto& d : batch.domain_metadata) {
    if (d.removed) {
      domains_.erase(d.domain);
    } else {
      domains_[d.domain] = std::move(d);
    }
  }
}

TableState LogReplayer::Finish() {
  TableState s;
  s.protocol = std::move(protocol_);
  s.metadata = std::move(metadata_);
  s.files.reserve(files_.size());
  for (auto& [_, f] : files_) s.files.push_back(std::move(f));
  std::sort(s.files.begin(), s.files.end(),
            [](const AddFile& a, const AddFile& b) { return a.path < b.path; });
  s.txns = std::move(txns_);
  s.domains = std::move(domains_);
  for (auto& [_, r] : tombstones_) s.tombstones.push_back(std::move(r));
  files_.clear();
  tombstones_.clear();
  return s;
}

}  // namespace log
}  // namespace delta
