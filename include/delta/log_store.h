// LogStore: the commit contract (PROTOCOL.md "Delta Log Entries": commits are atomic and
// never overwrite).
//
// A commit of version N is the creation of _delta_log/<N>.json if and only if it does not exist
// yet, atomically visible: readers see the whole file or none of it. That is the only
// primitive writers need; arrow::fs::FileSystem::Move replaces existing files, so it is NOT a
// commit primitive. Implementations:
//   - local disk: write a temporary file in _delta_log/, fsync, then link(2) it to the final
//     name (link fails with EEXIST if the version exists), then remove the temporary name;
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

/// The LogStore for a filesystem: local disk gets the link(2)-based store. Object stores
/// without a conditional put are refused (kUnsupportedFeature) rather than risking lost
/// commits.
arrow::Result<std::shared_ptr<LogStore>> MakeLogStore(std::shared_ptr<arrow::fs::FileSystem> fs);

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

}  // namespace delta
