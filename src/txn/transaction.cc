#include "delta/transaction.h"

#include <algorithm>
#include <chrono>
#include <limits>

#include <nlohmann/json.hpp>

#include "delta/checkpoint.h"
#include "delta/error.h"
#include "log/action_json.h"
#include "log/log_file_names.h"
#include "log/wire_names.h"
#include "protocol/table_features.h"
#include "storage/table_location.h"
#include "table/snapshot_loader.h"
#include "txn/conflict_checker.h"

namespace delta {

std::string_view ConflictKindName(ConflictKind kind) {
  switch (kind) {
    case ConflictKind::kConcurrentAppend: return "ConcurrentAppend";
    case ConflictKind::kConcurrentDeleteRead: return "ConcurrentDeleteRead";
    case ConflictKind::kConcurrentDeleteDelete: return "ConcurrentDeleteDelete";
    case ConflictKind::kMetadataChanged: return "MetadataChanged";
    case ConflictKind::kProtocolChanged: return "ProtocolChanged";
    case ConflictKind::kConcurrentTransaction: return "ConcurrentTransaction";
  }
  return "Unknown";
}

struct Transaction::Impl {
  storage::TableLocation loc;
  std::shared_ptr<const Snapshot> snapshot;
  TransactionOptions options;
  std::shared_ptr<LogStore> store;
  txn::TransactionFootprint footprint;
  // Filled by Commit, for PostCommitSnapshot.
  std::vector<ActionBatch> winners;  // commits that won races, ascending
  std::optional<ActionBatch> committed;
  int64_t committed_version = -1;
  int64_t committed_at_ms = -1;
  SnapshotLoadMetrics winner_reads;

  int64_t Now() const {
    if (options.clock) return options.clock();
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  // The file time of a commit, or `fallback` when the filesystem cannot tell (in-memory
  // stores).
  int64_t FileTime(int64_t version, int64_t fallback) const {
    auto info = loc.fs->GetFileInfo(loc.LogDir() + "/" + log::CommitFileName(version));
    if (!info.ok() || info->type() != arrow::fs::FileType::File) return fallback;
    return std::chrono::duration_cast<std::chrono::milliseconds>(info->mtime().time_since_epoch())
        .count();
  }
};

Transaction::Transaction(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Transaction::~Transaction() = default;

int64_t Transaction::read_version() const {
  return impl_->snapshot ? impl_->snapshot->version() : -1;
}

arrow::Result<std::unique_ptr<Transaction>> Transaction::Begin(
    const std::string& uri, std::shared_ptr<const Snapshot> snapshot, TransactionOptions options) {
  auto impl = std::make_unique<Impl>();
  ARROW_ASSIGN_OR_RAISE(impl->loc, storage::ResolveTableLocation(uri));
  impl->store = options.log_store;
  if (!impl->store) {
    ARROW_ASSIGN_OR_RAISE(impl->store, MakeLogStore(impl->loc.fs));
  }
  impl->footprint.isolation = options.isolation;
  if (snapshot) impl->footprint.partition_columns = snapshot->partition_columns();
  impl->snapshot = std::move(snapshot);
  impl->options = std::move(options);
  return std::unique_ptr<Transaction>(new Transaction(std::move(impl)));
}

void Transaction::SetAppTransaction(std::string app_id, int64_t version) {
  impl_->footprint.app_ids.insert(app_id);
  txns_.push_back({std::move(app_id), version, impl_->Now()});
}

void Transaction::MarkRead(ExprPtr predicate) {
  if (!predicate) {
    impl_->footprint.read_whole_table = true;
  } else {
    impl_->footprint.read_predicates.push_back(std::move(predicate));
  }
}

void Transaction::MarkFilesRead(const std::vector<delta::AddFile>& files) {
  for (const auto& f : files) impl_->footprint.read_files.insert(storage::UriDecode(f.path));
}

void Transaction::SetOperation(std::string operation, std::map<std::string, std::string> parameters,
                               std::map<std::string, std::string> metrics) {
  operation_ = std::move(operation);
  parameters_ = std::move(parameters);
  metrics_ = std::move(metrics);
}

ActionBatch Transaction::BuildActions(int64_t version, int64_t now_ms, std::optional<int64_t> ict,
                                      bool enabling_ict) const {
  ActionBatch a;
  a.protocol = protocol_;
  a.metadata = metadata_;
  if (a.metadata) {
    auto& conf = a.metadata->configuration;
    if (enabling_ict) {
      // PROTOCOL.md "Writer Requirements for In-Commit Timestamps" 4: provenance of enablement.
      conf[wire::kInCommitTimestampEnablementVersion] = std::to_string(version);
      conf[wire::kInCommitTimestampEnablementTimestamp] = std::to_string(*ict);
    } else if (!ict) {
      // Disabled (or never on): enablement provenance no longer describes the table.
      conf.erase(wire::kInCommitTimestampEnablementVersion);
      conf.erase(wire::kInCommitTimestampEnablementTimestamp);
    }
  }
  a.adds = adds_;
  a.removes = removes_;
  a.cdcs = cdcs_;
  a.txns = txns_;
  a.domain_metadata = domains_;
  // commitInfo as Spark writes it.
  nlohmann::ordered_json ci;
  if (ict) {
    ci[wire::kInCommitTimestamp] = *ict;
    now_ms = *ict;  // as Spark: the commit's timestamp is its in-commit timestamp
  }
  ci["timestamp"] = now_ms;
  ci["operation"] = operation_;
  nlohmann::ordered_json params = nlohmann::ordered_json::object();
  for (const auto& [k, v] : parameters_) {
    auto j = nlohmann::ordered_json::parse(v, nullptr, false);
    // Spark stores parameter values as JSON-encoded strings (RESTORE's as raw JSON).
    if (raw_parameters_.count(k) && !j.is_discarded()) {
      params[k] = j;
    } else {
      params[k] = j.is_discarded() ? v : (j.is_string() ? j.get<std::string>() : j.dump());
    }
  }
  ci["operationParameters"] = params;
  if (read_version() >= 0 && version > 0) ci["readVersion"] = read_version();
  ci["isolationLevel"] =
      impl_->options.isolation == IsolationLevel::kSerializable ? "Serializable" : "WriteSerializable";
  const bool blind_append = removes_.empty() && !metadata_ && !protocol_ &&
                            !impl_->footprint.read_whole_table &&
                            impl_->footprint.read_predicates.empty() &&
                            impl_->footprint.read_files.empty();
  ci["isBlindAppend"] = blind_append;
  nlohmann::ordered_json metrics = nlohmann::ordered_json::object();
  for (const auto& [k, v] : metrics_) metrics[k] = v;  // Spark writes metric values as strings
  if (!metrics.empty()) ci["operationMetrics"] = metrics;
  ci["engineInfo"] = "deltacpp/0.1.0";
  ci["txnId"] = std::to_string(now_ms) + "-" + std::to_string(version);
  CommitInfo info;
  info.timestamp = now_ms;
  info.in_commit_timestamp = ict;
  info.operation = operation_;
  info.raw_json = ci.dump();
  a.commit_info = std::move(info);
  return a;
}

arrow::Result<std::shared_ptr<const Snapshot>> Transaction::PostCommitSnapshot() const {
  const auto& impl = *impl_;
  if (!impl.committed) {
    return DELTA_ERROR(kInvalidArgument, "no post-commit snapshot of ", impl.loc.uri,
                       ": the transaction has not committed");
  }
  std::vector<ActionBatch> commits = impl.winners;
  commits.push_back(*impl.committed);
  // The commit file's time is the moment of the put (a few ms after `committed_at_ms` at
  // most); with in-commit timestamps it is not used.
  return table::SnapshotAfterCommits(impl.loc, impl.snapshot, std::move(commits),
                                     impl.committed_at_ms, impl.winner_reads);
}

void Transaction::MaybeCheckpoint(int64_t version) const {
  const Metadata* md = metadata_ ? &*metadata_ : impl_->snapshot ? &impl_->snapshot->metadata() : nullptr;
  int64_t interval = 10;
  if (md) {
    auto it = md->configuration.find("delta.checkpointInterval");
    if (it != md->configuration.end()) interval = std::max<int64_t>(1, std::atoll(it->second.c_str()));
  }
  if (version > 0 && version % interval == 0) {
    // A checkpoint is an optimization: the commit stands even if writing it fails.
    (void)CreateCheckpoint(impl_->loc.uri, version);
  }
}

arrow::Result<CommitResult> Transaction::Commit() {
  auto& impl = *impl_;
  impl.footprint.changes_metadata = metadata_.has_value();
  impl.footprint.changes_protocol = protocol_.has_value();
  for (const auto& r : removes_) impl.footprint.removed_files.insert(storage::UriDecode(r.path));
  const bool creating = !impl.snapshot;
  if (creating && (!protocol_ || !metadata_)) {
    return DELTA_ERROR(kInvalidArgument, "creating table ", impl.loc.uri,
                       " needs a protocol and a metaData action");
  }
  int64_t version = read_version() + 1;
  std::shared_ptr<arrow::Schema> schema = impl.snapshot ? impl.snapshot->schema() : nullptr;
  // In-commit timestamps: on when the table after this commit has them on. Conflicting
  // metadata changes fail the commit, so this holds across rebases.
  const Metadata* after = metadata_ ? &*metadata_ : impl.snapshot ? &impl.snapshot->metadata() : nullptr;
  const bool ict = after && protocol::BoolProperty(*after, wire::kEnableInCommitTimestamps, false);
  const bool enabling_ict =
      ict && impl.snapshot &&
      !protocol::BoolProperty(impl.snapshot->metadata(), wire::kEnableInCommitTimestamps, false);
  // The previous commit's timestamp: its in-commit timestamp, or (when this commit enables
  // them) its file time, which the first in-commit timestamp must exceed.
  int64_t previous_ts = impl.snapshot ? impl.snapshot->timestamp_ms()
                                      : std::numeric_limits<int64_t>::min() + 1;
  if (enabling_ict) previous_ts = std::max(previous_ts, impl.FileTime(read_version(), previous_ts));
  impl.winners.clear();
  impl.winner_reads = {};
  for (int attempt = 1; attempt <= impl.options.max_attempts; ++attempt) {
    const int64_t now = impl.Now();
    std::optional<int64_t> in_commit_ts;
    if (ict) in_commit_ts = std::max(now, previous_ts + 1);
    const std::string path = impl.loc.LogDir() + "/" + log::CommitFileName(version);
    ActionBatch actions = BuildActions(version, now, in_commit_ts, enabling_ict);
    ARROW_ASSIGN_OR_RAISE(PutResult put,
                          impl.store->PutIfAbsent(path, log::SerializeActions(actions)));
    if (put == PutResult::kCreated) {
      impl.committed = std::move(actions);
      impl.committed_version = version;
      impl.committed_at_ms = now;
      MaybeCheckpoint(version);
      return CommitResult{version, attempt, in_commit_ts};
    }
    // Lost the race for `version`: read the winner and decide.
    if (creating) {
      return DELTA_ERROR(kCommitConflict, "table ", impl.loc.uri,
                         " was created concurrently by another writer (version 0 exists)");
    }
    ARROW_ASSIGN_OR_RAISE(std::string text, impl.store->Read(path));
    ARROW_ASSIGN_OR_RAISE(ActionBatch winner, log::ParseActions(text, path));
    if (auto conflict = txn::CheckConflict(impl.footprint, winner, schema)) {
      return DELTA_ERROR(kCommitConflict, ConflictKindName(conflict->kind), ": ",
                         conflict->detail, " by the concurrent commit of version ", version,
                         " of ", impl.loc.uri, " (this transaction read version ", read_version(),
                         ")");
    }
    // Rebase over the winner: the next in-commit timestamp must follow the winner's.
    if (ict) {
      if (winner.commit_info && winner.commit_info->in_commit_timestamp) {
        previous_ts = std::max(previous_ts, *winner.commit_info->in_commit_timestamp);
      } else {
        previous_ts = std::max(previous_ts, impl.FileTime(version, now));
      }
    }
    ++impl.winner_reads.commit_files_read;
    impl.winners.push_back(std::move(winner));
    ++version;  // try the next version
  }
  return DELTA_ERROR(kCommitConflict, "gave up committing to ", impl.loc.uri, " after ",
                     impl.options.max_attempts, " attempts");
}

}  // namespace delta
