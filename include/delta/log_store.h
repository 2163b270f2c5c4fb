// LogStore: the commit contract (PROTOCOL.md "Delta Log Entries": commits are atomic and
// never overwrite).
//
// A commit of version N is the creation of _delta_log/<N>.json if and only if it does not exist
// yet, atomically visible: readers see the whole file or none of it. That is the only
// primitive writers need; arrow::fs::FileSystem::Move replaces existing files, so it is NOT a
// commit primitive. Implementations:
//   - local disk: write a temporary file in _delta_log/, fsync, then link(2) it to the final
//     name (link fails with EEXIST if the version exists), then remove the temporary name;
//   - object stores (S3, GCS, Azure through Arrow): Arrow offers no conditional put, so the
//     only store there checks for the file and then writes it. That is safe for one writer at
//     a time only, so it is used only when the user opts in (DELTACPP_UNSAFE_OBJECT_STORE_COMMITS,
//     like delta-rs's AWS_S3_ALLOW_UNSAFE_RENAME); otherwise commits there are refused;
//   - in memory (tests), and a fault-injecting wrapper (tests of crash safety).
// Every implementation passes tests/unit/log_store_test.cc, including "two writers race for
// the same version: exactly one wins".
//
// Thread safety: implementations are thread-safe; PutIfAbsent may race from many processes.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/filesystem/filesystem.h>
#include <arrow/result.h>

namespace delta {

/// What a PutIfAbsent did.
enum class PutResult {
  kCreated,        ///< the file now exists with our content
  kAlreadyExists,  ///< another writer created it first; nothing was written
};

class LogStore {
 public:
  virtual ~LogStore() = default;

  /// Atomically creates `path` with `content` if no file exists there. MUST NOT overwrite an
  /// existing file, and MUST NOT leave a partial file at `path` on any failure.
  virtual arrow::Result<PutResult> PutIfAbsent(const std::string& path, std::string_view content) = 0;

  /// Reads a whole file.
  virtual arrow::Result<std::string> Read(const std::string& path) = 0;

  /// Creates or replaces a file that is not a commit (e.g. _last_checkpoint, checkpoints).
  virtual arrow::Status Overwrite(const std::string& path, std::string_view content) = 0;
};

/// Environment variable that opts object-store tables into the check-then-put store.
inline constexpr char kUnsafeObjectStoreCommitsEnv[] = "DELTACPP_UNSAFE_OBJECT_STORE_COMMITS";

/// The LogStore for a filesystem: local disk gets the link(2)-based store. Object stores get
/// the check-then-put store when kUnsafeObjectStoreCommitsEnv is "true" or "1"; otherwise
/// they are refused (kUnsupportedFeature, naming the variable) rather than risking lost commits.
arrow::Result<std::shared_ptr<LogStore>> MakeLogStore(std::shared_ptr<arrow::fs::FileSystem> fs);

/// Check-then-put: correct only while a single writer commits. Passes the contract suite
/// except the concurrent race.
std::shared_ptr<LogStore> MakeCheckThenPutLogStore(std::shared_ptr<arrow::fs::FileSystem> fs);

/// A LogStore held in memory: for tests of pure logic.
std::shared_ptr<LogStore> MakeInMemoryLogStore();

/// Points at which a FaultInjectingLogStore can fail a commit.
enum class FaultPoint {
  kNone,
  kBeforeCommit,  ///< fail before anything is written
  kAfterCommit,   ///< the commit file is written, then the call fails (lost acknowledgement)
};

/// Wraps a LogStore and fails the next PutIfAbsent at `point` (tests of crash safety).
std::shared_ptr<LogStore> MakeFaultInjectingLogStore(std::shared_ptr<LogStore> inner,
                                                     std::function<FaultPoint()> next_fault);

/// Wraps a LogStore and runs `rival` once, just before the first PutIfAbsent goes through
/// (tests of conflicts: a concurrent commit lands between a transaction's read and its commit).
std::shared_ptr<LogStore> MakeRivalFirstLogStore(std::shared_ptr<LogStore> inner,
                                                 std::function<void()> rival);

}  // namespace delta
