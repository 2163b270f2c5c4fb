// Log replay: reconciling actions into table state (PROTOCOL.md "Action Reconciliation").
//
// Replay runs newest first: commits from the newest down to the checkpoint, then the
// checkpoint itself. A file is identified by (path, deletion vector unique id); the first time
// a key is seen decides it (an add makes it live, a remove makes it a tombstone), and older
// actions on that key are ignored. The newest protocol and metaData win; txn and
// domainMetadata keep the newest per key. Going backwards means the (large) checkpoint needs
// no hashing at all when no later commit touched its files: each checkpoint add is checked
// against the (small) set of keys the commits decided.
// Incremental replay (ReplayOnto) is the same algorithm with a known state standing in for the
// checkpoint: the new commits are applied newest first, then the base state's files, txns,
// domains and tombstones are filtered by the keys those commits decided. The result equals a
// full replay of the whole log, file order included.
// Pure: actions in, state out. Not thread-safe (one replayer per snapshot load).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "delta/actions.h"

namespace delta::log {

struct TableState {
  std::optional<Protocol> protocol;
  std::optional<Metadata> metadata;
  /// Live files: the checkpoint's in checkpoint order, then later commits' oldest first.
  std::vector<AddFile> files;
  std::map<std::string, SetTransaction> txns;
  std::map<std::string, DomainMetadata> domains;  ///< live (not removed) domains
  std::vector<RemoveFile> tombstones;  ///< removes in effect (only when tracking is enabled)
};

class LogReplayer {
 public:
  explicit LogReplayer(bool keep_tombstones = false) : keep_tombstones_(keep_tombstones) {}

  /// Applies one commit. Commits MUST arrive newest first, before any checkpoint part.
  void ApplyCommit(ActionBatch&& commit);

  /// Applies one part of the checkpoint (or a sidecar), after every commit.
  void ApplyCheckpoint(ActionBatch&& part);

  /// Ends replay and returns the state; the replayer is empty afterwards.
  TableState Finish();

 private:
  static std::string FileKey(const std::string& path, const std::optional<DeletionVectorDescriptor>& dv);
  void ApplyNonFileActions(ActionBatch& batch);

  bool keep_tombstones_;
  std::optional<Protocol> protocol_;
  std::optional<Metadata> metadata_;
  // Keys decided by commits; looked up by string_view so that checkpoint files whose key is
  // their plain path (no escapes, no DV: nearly all) need no key string built.
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  bool Seen(const std::string& path, const std::optional<DeletionVectorDescriptor>& dv) const;
  std::unordered_set<std::string, KeyHash, std::equal_to<>> seen_;
  std::vector<AddFile> commit_files_;        // newest first
  std::vector<AddFile> checkpoint_files_;
  std::map<std::string, SetTransaction> txns_;
  std::map<std::string, DomainMetadata> domains_;
  std::unordered_set<std::string> seen_domains_;
  std::vector<RemoveFile> tombstones_;
};

/// The state after applying `commits` (ascending versions, each the whole commit) to `base`,
/// the state of the version just before the first of them. Equal to replaying the whole log
/// up to the last commit. With `keep_tombstones`, `base.tombstones` must hold the base
/// version's tombstones. Reserving capacity in `base.files` for the commits' adds saves moving
/// every base file once more.
TableState ReplayOnto(TableState base, std::vector<ActionBatch> commits, bool keep_tombstones);

}  // namespace delta::log
