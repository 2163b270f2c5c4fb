#include "txn/conflict_checker.h"

#include "delta/scan.h"
#include "storage/table_location.h"

namespace delta::txn {
namespace {

// Each check looks at one aspect; they run in Spark's order.

std::optional<Conflict> CheckProtocol(const TransactionFootprint&, const ActionBatch& w) {
  if (w.protocol) return Conflict{ConflictKind::kProtocolChanged, "the protocol was changed"};
  return std::nullopt;
}

std::optional<Conflict> CheckMetadata(const TransactionFootprint&, const ActionBatch& w) {
  if (w.metadata) return Conflict{ConflictKind::kMetadataChanged, "the metadata was changed"};
  return std::nullopt;
}

bool IsBlindAppend(const ActionBatch& w) {
  if (!w.commit_info) return false;
  return w.commit_info->raw_json.find("\"isBlindAppend\":true") != std::string::npos;
}

// A file the winner added that our reads could have seen.
std::optional<Conflict> CheckAppends(const TransactionFootprint& ours, const ActionBatch& w,
                                     const std::shared_ptr<arrow::Schema>& schema) {
  if (!ours.read_whole_table && ours.read_predicates.empty()) return std::nullopt;
  // Under WriteSerializable, a concurrent blind append may be serialized after us.
  if (ours.isolation == IsolationLevel::kWriteSerializable && IsBlindAppend(w)) return std::nullopt;
  for (const auto& add : w.adds) {
    if (!add.data_change) continue;
    if (ours.read_whole_table) {
      return Conflict{ConflictKind::kConcurrentAppend, "file " + add.path + " was added"};
    }
    // Only partition values are known for sure about a new file here; evaluate the read
    // predicates on them (files of other partitions do not conflict).
    FileStatistics stats;
    for (const auto& pc : ours.partition_columns) {
      auto field = schema ? schema->GetFieldByName(pc) : nullptr;
      auto it = add.partition_values.find(pc);
      if (!field || it == add.partition_values.end()) continue;
      ColumnStats cs;
      cs.exact = true;
      if (!it->second) {
        cs.all_null = true;
      } else {
        auto v = arrow::Scalar::Parse(field->type(), *it->second);
        if (!v.ok()) continue;
        cs.min = cs.max = *v;
        cs.null_count = 0;
      }
      stats.columns[pc] = cs;
    }
    for (const auto& p : ours.read_predicates) {
      if (!schema || MayMatch(*p, stats, *schema)) {
        return Conflict{ConflictKind::kConcurrentAppend,
                        "file " + add.path + " was added in a partition this transaction read"};
      }
    }
  }
  return std::nullopt;
}

std::optional<Conflict> CheckDeletes(const TransactionFootprint& ours, const ActionBatch& w) {
  // Every remove counts, dataChange or not (as Spark's removedFiles): a file compacted away by
  // a concurrent OPTIMIZE is gone for us too, and rewriting it again would duplicate its rows.
  for (const auto& r : w.removes) {
    std::string path = storage::UriDecode(r.path);
    if (ours.removed_files.count(path)) {
      return Conflict{ConflictKind::kConcurrentDeleteDelete, "file " + r.path + " was removed by both"};
    }
    if (ours.read_files.count(path) || ours.read_whole_table) {
      return Conflict{ConflictKind::kConcurrentDeleteRead,
                      "file " + r.path + " that this transaction read was removed"};
    }
  }
  return std::nullopt;
}

std::optional<Conflict> CheckAppIds(const TransactionFootprint& ours, const ActionBatch& w) {
  for (const auto& t : w.txns) {
    if (ours.app_ids.count(t.app_id)) {
      return Conflict{ConflictKind::kConcurrentTransaction,
                      "application " + t.app_id + " committed concurrently"};
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<Conflict> CheckConflict(const TransactionFootprint& ours, const ActionBatch& winner,
                                      const std::shared_ptr<arrow::Schema>& schema) {
  if (auto c = CheckProtocol(ours, winner)) return c;
  if (auto c = CheckMetadata(ours, winner)) return c;
  if (auto c = CheckAppends(ours, winner, schema)) return c;
  if (auto c = CheckDeletes(ours, winner)) return c;
  if (auto c = CheckAppIds(ours, winner)) return c;
  return std::nullopt;
}

}  // namespace delta::txn
