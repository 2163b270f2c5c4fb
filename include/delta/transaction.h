// Transactions: optimistic concurrency over the log (PROTOCOL.md "Delta Log Entries",
// "Commit Provenance Information", "Transaction Identifiers").
//
// A transaction reads one snapshot, stages actions, and commits them as the next version with
// LogStore::PutIfAbsent. If another writer took that version first, the winning commits are
// read and checked against what this transaction read and wrote (src/txn/conflict_checker.h,
// Spark's rules): when they do not conflict the transaction rebases and retries at the next
// version; otherwise Commit fails with kCommitConflict and a message naming the conflict kind
// (ConcurrentAppend, ConcurrentDeleteRead, ConcurrentDeleteDelete, MetadataChanged,
// ProtocolChanged, ConcurrentTransaction) and the winning version. Blind appends never
// conflict with each other.
//
// In-commit timestamps (PROTOCOL.md "In-Commit Timestamps"): when the table (after this
// commit) has delta.enableInCommitTimestamps=true, commitInfo is the first action and carries
// inCommitTimestamp = max(clock, previous commit's inCommitTimestamp + 1), recomputed from the
// winning commit after a lost race; the commit that enables them on an existing table also
// records delta.inCommitTimestampEnablementVersion/-Timestamp in the metadata.
//
// After a successful Commit, PostCommitSnapshot() is the table at the committed version, built
// from the read snapshot, the winning commits read during rebases and this transaction's own
// actions: a writer that commits repeatedly never reloads the log.
//
// Thread safety: a Transaction is used by one thread. Many transactions (threads or
// processes) may commit to one table concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/result.h>

#include "delta/actions.h"
#include "delta/expression.h"
#include "delta/log_store.h"
#include "delta/snapshot.h"

namespace delta {

enum class IsolationLevel { kSerializable, kWriteSerializable };

/// The kinds of commit conflict (Spark's exception names).
enum class ConflictKind {
  kConcurrentAppend,
  kConcurrentDeleteRead,
  kConcurrentDeleteDelete,
  kMetadataChanged,
  kProtocolChanged,
  kConcurrentTransaction,
};
std::string_view ConflictKindName(ConflictKind kind);

struct CommitResult {
  int64_t version = -1;
  int attempts = 1;  ///< 1 when the first try won
  /// The commit's inCommitTimestamp, when in-commit timestamps are enabled.
  std::optional<int64_t> in_commit_timestamp;
};

struct TransactionOptions {
  IsolationLevel isolation = IsolationLevel::kWriteSerializable;
  int max_attempts = 1000;
  /// Overrides the store resolved from the table location (tests: fault injection).
  std::shared_ptr<LogStore> log_store;
  /// The writer's clock, ms since the epoch (default: the system clock). Tests inject clocks
  /// that jump backwards to check that in-commit timestamps stay monotonic.
  std::function<int64_t()> clock;
};

class Transaction {
 public:
  /// Starts a transaction on the table at `uri` that read `snapshot` (null: the table does not
  /// exist yet and this transaction creates it at version 0).
  static arrow::Result<std::unique_ptr<Transaction>> Begin(const std::string& uri,
                                                           std::shared_ptr<const Snapshot> snapshot,
                                                           TransactionOptions options = {});

  void SetProtocol(Protocol protocol) { protocol_ = std::move(protocol); }
  void SetMetadata(Metadata metadata) { metadata_ = std::move(metadata); }
  void AddDataFile(delta::AddFile file) { adds_.push_back(std::move(file)); }
  void RemoveDataFile(delta::RemoveFile file) { removes_.push_back(std::move(file)); }
  void AddCdcFile(AddCDCFile file) { cdcs_.push_back(std::move(file)); }
  void SetAppTransaction(std::string app_id, int64_t version);
  void SetDomainMetadata(DomainMetadata d) { domains_.push_back(std::move(d)); }

  /// What the operation read, for conflict checks. A predicate over the table's columns (null:
  /// the whole table). Transactions that read nothing (blind appends) need not call these.
  void MarkRead(ExprPtr predicate);
  void MarkFilesRead(const std::vector<delta::AddFile>& files);

  /// The operation as commitInfo records it (e.g. "WRITE", {"mode": "\"Append\""}).
  /// Parameter and metric values are JSON texts.
  void SetOperation(std::string operation, std::map<std::string, std::string> parameters,
                    std::map<std::string, std::string> metrics = {});

  /// Parameters whose JSON values commitInfo stores as they are instead of as JSON-encoded
  /// strings (Spark's RESTORE writes {"version":1,"timestamp":null}).
  void SetRawOperationParameters(std::set<std::string> keys) { raw_parameters_ = std::move(keys); }

  /// Commits, retrying over non-conflicting concurrent commits. Every
  /// delta.checkpointInterval versions (default 10) a checkpoint is written afterwards.
  arrow::Result<CommitResult> Commit();

  /// The version this transaction read (-1 when creating the table).
  int64_t read_version() const;

  /// The table as of the version this transaction committed (valid after a successful Commit;
  /// kInvalidArgument before). Built without reading the log: the read snapshot plus the
  /// winning commits read while rebasing plus this transaction's actions (log::ReplayOnto).
  arrow::Result<std::shared_ptr<const Snapshot>> PostCommitSnapshot() const;

  ~Transaction();
  struct Impl;

 private:
  explicit Transaction(std::unique_ptr<Impl> impl);
  ActionBatch BuildActions(int64_t version, int64_t now_ms, std::optional<int64_t> ict,
                           bool enabling_ict) const;
  void MaybeCheckpoint(int64_t version) const;

  std::unique_ptr<Impl> impl_;
  std::optional<Protocol> protocol_;
  std::optional<Metadata> metadata_;
  std::vector<delta::AddFile> adds_;
  std::vector<delta::RemoveFile> removes_;
  std::vector<AddCDCFile> cdcs_;
  std::vector<SetTransaction> txns_;
  std::vector<DomainMetadata> domains_;
  std::string operation_ = "WRITE";
  std::map<std::string, std::string> parameters_;
  std::set<std::string> raw_parameters_;
  std::map<std::string, std::string> metrics_;
};

}  // namespace delta
