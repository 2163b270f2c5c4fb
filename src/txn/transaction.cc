#include "delta/transaction.h"

#include <chrono>

#include <nlohmann/json.hpp>

#include "delta/checkpoint.h"
#include "delta/error.h"
#include "log/action_json.h"
#include "log/log_file_names.h"
#include "storage/table_location.h"
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
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  txns_.push_back({std::move(app_id), version, now});
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

ActionBatch Transaction::BuildActions(int64_t version, int64_t now_ms) const {
  ActionBatch a;
  a.protocol = protocol_;
  a.metadata = metadata_;
  a.adds = adds_;
  a.removes = removes_;
  a.cdcs = cdcs_;
  a.txns = txns_;
  a.domain_metadata = domains_;
  // commitInfo as Spark writes it.
  nlohmann::ordered_json ci;
  ci["timestamp"] = now_ms;
  ci["operation"] = operation_;
  nlohmann::ordered_json params = nlohmann::ordered_json::object();
  for (const auto& [k, v] : parameters_) {
    auto j = nlohmann::ordered_json::parse(v, nullptr, false);
    // Spark stores parameter values as JSON-encoded strings.
    params[k] = j.is_discarded() ? v : (j.is_string() ? j.get<std::string>() : j.dump());
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
  info.operation = operation_;
  info.raw_json = ci.dump();
  a.commit_info = std::move(info);
  return a;
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
  for (int attempt = 1; attempt <= impl.options.max_attempts; ++attempt) {
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    const std::string path = impl.loc.LogDir() + "/" + log::CommitFileName(version);
    ARROW_ASSIGN_OR_RAISE(PutResult put,
                          impl.store->PutIfAbsent(path, log::SerializeActions(BuildActions(version, now))));
    if (put == PutResult::kCreated) {
      MaybeCheckpoint(version);
      return CommitResult{version, attempt};
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
    ++version;  // rebase over the winner and try the next version
  }
  return DELTA_ERROR(kCommitConflict, "gave up committing to ", impl.loc.uri, " after ",
                     impl.options.max_attempts, " attempts");
}

}  // namespace delta
