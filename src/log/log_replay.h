// Log replay: reconciling actions into table state (PROTOCOL.md "Action Reconciliation").
//
// Applies a checkpoint and then commits in ascending version order. A file is identified by
// (path, deletion vector unique id); within one commit removes apply before adds, so a commit
// that swaps a file's deletion vector (remove old DV, add new DV) leaves the new one. The
// newest protocol and metaData win; txn and domainMetadata keep the newest per key.
// Pure: actions in, state out. Not thread-safe (one replayer per snapshot load).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "delta/actions.h"

namespace delta::log {

struct TableState {
  std::optional<Protocol> protocol;
  std::optional<Metadata> metadata;
  std::vector<AddFile> files;  ///< live files, ordered by path
  std::map<std::string, SetTransaction> txns;
  std::map<std::string, DomainMetadata> domains;  ///< live (not removed) domains
  std::vector<RemoveFile> tombstones;  ///< removes seen (only when tracking is enabled)
};

class LogReplayer {
 public:
  explicit LogReplayer(bool keep_tombstones = false) : keep_tombstones_(keep_tombstones) {}

  /// Applies one batch of actions (a checkpoint, or one commit).
  void Apply(ActionBatch&& batch);

  /// Ends replay and returns the state; the replayer is empty afterwards.
  TableState Finish();

 private:
  static std::string FileKey(const std::string& path, const std::optional<DeletionVectorDescriptor>& dv);

  bool keep_tombstones_;
  std::optional<Protocol> protocol_;
  std::optional<Metadata> metadata_;
  std::unordered_map<std::string, AddFile> files_;
  std::map<std::string, SetTransaction> txns_;
  std::map<std::string, DomainMetadata> domains_;
  std::unordered_map<std::string, RemoveFile> tombstones_;
};

}  // namespace delta::log
