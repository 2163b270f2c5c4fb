#include "delta/operations/doctor.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include <arrow/filesystem/localfs.h>
#include <arrow/type.h>
#include <nlohmann/json.hpp>
#include <parquet/arrow/schema.h>
#include <parquet/exception.h>
#include <parquet/file_reader.h>
#include <parquet/metadata.h>

#include "delta/error.h"
#include "delta/expression.h"
#include "delta/operations/optimize.h"
#include "delta/scan.h"
#include "delta/schema.h"
#include "log/log_file_names.h"
#include "ops/vacuum_plan.h"
#include "protocol/table_features.h"
#include "scan/deletion_vector.h"
#include "storage/table_location.h"
#include "table/snapshot_loader.h"
#include "util/strings.h"
#include "write/footer_stats.h"

namespace delta {
namespace {

constexpr int64_t kHourMs = 3600LL * 1000;
constexpr int64_t kDefaultSmallFileBytes = 32LL << 20;

std::string Percent(double share) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.0f%%", share * 100.0);
  return buf;
}

std::string Bytes(int64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024.0 && u < 4) {
    v /= 1024.0;
    ++u;
  }
  char buf[32];
  if (u == 0) {
    std::snprintf(buf, sizeof(buf), "%lld B", static_cast<long long>(n));
  } else {
    std::snprintf(buf, sizeof(buf), "%.1f %s", v, units[u]);
  }
  return buf;
}

std::string Hours(int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", static_cast<double>(ms) / static_cast<double>(kHourMs));
  return buf;
}

// The table-relative, decoded path of a log path; empty when it lies outside the table root.
// Absolute URIs: file:///t/x (or file:/t/x, file://host/t/x) is /t/x; s3://bucket/t/x is
// bucket/t/x within the filesystem (Arrow's convention); other forms do not match the root.
std::string RelativeLogPath(const std::string& log_path, const std::string& root) {
  std::string decoded = storage::UriDecode(log_path);
  if (decoded.starts_with("file:")) {
    std::string rest = decoded.substr(5);
    if (rest.starts_with("//")) {
      const size_t slash = rest.find('/', 2);
      rest = slash == std::string::npos ? std::string() : rest.substr(slash);
    }
    return ops::RelativeToRoot(rest, root);
  }
  if (auto pos = decoded.find("://"); pos != std::string::npos) {
    return ops::RelativeToRoot(decoded.substr(pos + 3), root);
  }
  if (decoded.starts_with("/")) return ops::RelativeToRoot(decoded, root);
  return decoded;
}

std::string RelativeDvPath(const DeletionVectorDescriptor& dv, const std::string& root) {
  if (dv.storage_type != "u" && dv.storage_type != "p") return {};
  static const arrow::fs::LocalFileSystem kLocal;  // 'u' paths need no filesystem
  auto p = scan::DeletionVectorPath(root, kLocal, dv);
  if (!p.ok()) return {};
  if (p->starts_with("/") || dv.storage_type == "p") return ops::RelativeToRoot(*p, root);
  return *p;
}

// A partition column's value in a file (partitionValues are keyed by physical name); empty for
// NULL.
std::optional<std::string> PartitionValueOf(const AddFile& f, const std::string& column, const Snapshot& snap) {
  auto field = snap.schema()->GetFieldByName(column);
  const std::string key = field ? PhysicalName(*field, snap.column_mapping_mode()) : column;
  auto it = f.partition_values.find(key);
  if (it == f.partition_values.end()) return std::nullopt;
  return it->second;
}

std::string PartitionKey(const AddFile& f, const Snapshot& snap) {
  std::string key;
  for (const auto& c : snap.partition_columns()) {
    if (!key.empty()) key += "/";
    key += c + "=" + PartitionValueOf(f, c, snap).value_or("__HIVE_DEFAULT_PARTITION__");
  }
  return key;
}

bool HasMinMaxType(const arrow::DataType& t) {
  return arrow::is_integer(t.id()) || arrow::is_floating(t.id()) || arrow::is_decimal(t.id()) ||
         arrow::is_string(t.id()) || t.id() == arrow::Type::DATE32 || t.id() == arrow::Type::DATE64 ||
         t.id() == arrow::Type::TIMESTAMP;
}

int CountLeaves(const arrow::DataType& t) {
  if (t.id() != arrow::Type::STRUCT) return 1;
  int n = 0;
  for (const auto& f : t.fields()) n += CountLeaves(*f->type());
  return n;
}

bool IsKeyLikeName(const std::string& name) {
  const std::string l = util::ToLower(name);
  if (l == "id" || l == "key" || l == "uuid" || l.ends_with("_id") || l.ends_with("_key") ||
      l.ends_with("_uuid")) {
    return true;
  }
  // camelCase: userId, orderKey.
  return (name.size() > 2 && name.ends_with("Id")) || (name.size() > 3 && name.ends_with("Key"));
}

// Removes Spark's expression ids ("id#123L") from a predicate string.
std::string StripExprIds(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '#' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
      ++i;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      if (i < s.size() && s[i] == 'L') ++i;
      --i;
      continue;
    }
    out.push_back(s[i]);
  }
  return out;
}

// The predicate strings of a commitInfo's operationParameters.predicate: a JSON array of SQL
// strings (DELETE, UPDATE, OPTIMIZE) or one SQL string (WRITE replaceWhere, MERGE).
std::vector<std::string> PredicatesOf(const nlohmann::json& params) {
  std::vector<std::string> out;
  auto it = params.find("predicate");
  if (it == params.end() || !it->is_string()) return out;
  const std::string text = it->get<std::string>();
  if (text.starts_with("[")) {
    auto arr = nlohmann::json::parse(text, nullptr, false);
    if (!arr.is_discarded() && arr.is_array()) {
      for (const auto& e : arr) {
        if (e.is_string()) out.push_back(e.get<std::string>());
      }
      return out;
    }
  }
  out.push_back(text);
  return out;
}

// The top-level data column a referenced path names (dropping a MERGE alias such as "t."),
// or empty when it names none.
std::string ResolveColumn(const std::vector<std::string>& path, const arrow::Schema& schema) {
  for (size_t skip = 0; skip < path.size() && skip < 2; ++skip) {
    if (schema.GetFieldByName(path[skip])) return path[skip];
  }
  return {};
}

template <typename T>
DoctorMetricValue M(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    return DoctorMetricValue(static_cast<double>(v));
  } else if constexpr (std::is_integral_v<T>) {
    return DoctorMetricValue(static_cast<int64_t>(v));
  } else {
    return DoctorMetricValue(std::string(v));
  }
}

class Analyzer {
 public:
  Analyzer(const DoctorInput& in, const DoctorThresholds& t) : in_(in), t_(t), snap_(*in.snapshot) {
    quoted_ = ShellQuote(in.table);
    const auto& conf = snap_.metadata().configuration;
    if (auto it = conf.find("delta.targetFileSize"); it != conf.end()) {
      auto size = ParseByteSize(it->second);
      if (size.ok() && *size > 0) target_ = *size;
    }
    small_ = t.small_file_bytes > 0 ? t.small_file_bytes : (target_ ? *target_ / 4 : kDefaultSmallFileBytes);
    for (const auto& f : snap_.files()) live_bytes_ += f.size;
  }

  std::vector<DoctorFinding> Run() {
    MissingFiles();
    FileSchemas();
    SmallFiles();
    LargeFiles();
    VacuumBacklog();
    Checkpoints();
    Stats();
    Partitions();
    KeyColumns();
    Retention();
    DeletionVectors();
    ReaderFeatures();
    std::stable_sort(out_.begin(), out_.end(),
                     [](const auto& a, const auto& b) { return a.severity < b.severity; });
    return std::move(out_);
  }

 private:
  void Add(std::string id, DoctorSeverity sev, std::string message,
           std::vector<std::pair<std::string, DoctorMetricValue>> metrics, std::string fix) {
    out_.push_back({std::move(id), sev, std::move(message), std::move(metrics), std::move(fix)});
  }
  std::string Cmd(const std::string& rest) const { return "deltactl " + rest; }

  void MissingFiles() {
    std::set<std::string> listed;
    for (const auto& e : in_.listing) {
      if (!e.is_dir) listed.insert(e.path);
    }
    int64_t missing = 0;
    std::string first;
    for (const auto& f : snap_.files()) {
      const std::string rel = RelativeLogPath(f.path, snap_.table_root());
      if (rel.empty() || listed.count(rel)) continue;
      if (missing++ == 0) first = rel;
    }
    if (missing == 0) return;
    Add("missing-data-files", DoctorSeverity::kError,
        std::to_string(missing) + " of " + std::to_string(snap_.files().size()) +
            " files of the current version are not in the table directory (first: " + first +
            "): every query reading them fails. They were deleted outside Delta (or by a VACUUM with the "
            "retention check disabled); restore a version whose files exist.",
        {{"missing_files", M(missing)}, {"first_missing_file", M(first)}}, "");
  }

  static std::string TypeFamily(const arrow::DataType& t) {
    if (arrow::is_integer(t.id()) || arrow::is_floating(t.id()) || arrow::is_decimal(t.id())) return "number";
    if (arrow::is_string(t.id()) || arrow::is_binary(t.id()) || t.id() == arrow::Type::FIXED_SIZE_BINARY) {
      return "string";
    }
    if (t.id() == arrow::Type::DATE32 || t.id() == arrow::Type::DATE64 || t.id() == arrow::Type::TIMESTAMP) {
      return "temporal";
    }
    if (t.id() == arrow::Type::LIST || t.id() == arrow::Type::LARGE_LIST) return "list";
    return t.name();
  }

  void FileSchemas() {
    int64_t unreadable = 0, mismatched = 0, checked = 0;
    std::string first_unreadable, unreadable_error, first_mismatch, detail;
    for (const auto& fs : in_.file_schemas) {
      ++checked;
      if (!fs.error.empty() || !fs.schema) {
        if (unreadable++ == 0) {
          first_unreadable = fs.path;
          unreadable_error = fs.error;
        }
        continue;
      }
      std::string problem;
      for (const auto& field : snap_.schema()->fields()) {
        if (IsPartition(field->name())) continue;
        auto in_file = fs.schema->GetFieldByName(PhysicalName(*field, snap_.column_mapping_mode()));
        if (!in_file) {
          if (!field->nullable()) problem = "lacks NOT NULL column " + field->name();
        } else if (in_file->type()->id() != arrow::Type::NA &&
                   TypeFamily(*in_file->type()) != TypeFamily(*field->type())) {
          problem = "stores column " + field->name() + " as " + in_file->type()->ToString() + ", the table declares " +
                    field->type()->ToString();
        }
        if (!problem.empty()) break;
      }
      if (!problem.empty() && mismatched++ == 0) {
        first_mismatch = fs.path;
        detail = problem;
      }
    }
    if (unreadable > 0) {
      Add("unreadable-data-files", DoctorSeverity::kError,
          std::to_string(unreadable) + " of " + std::to_string(checked) + " data files checked have no readable Parquet footer (first: " +
              first_unreadable + ": " + unreadable_error + "): every query reading them fails.",
          {{"unreadable_files", M(unreadable)}, {"files_checked", M(checked)}, {"first_unreadable_file", M(first_unreadable)}},
          "");
    }
    if (mismatched > 0) {
      Add("file-schema-mismatch", DoctorSeverity::kError,
          std::to_string(mismatched) + " of " + std::to_string(checked) +
              " data files checked disagree with the table schema (first: " + first_mismatch + " " + detail +
              "): they were written around schema enforcement and reading them fails or returns wrong values.",
          {{"mismatched_files", M(mismatched)}, {"files_checked", M(checked)}, {"first_mismatched_file", M(first_mismatch)}},
          "");
    }
  }

  void SmallFiles() {
    std::map<std::string, int64_t> per_partition;
    int64_t small = 0;
    for (const auto& f : snap_.files()) {
      if (f.size >= small_) continue;
      ++small;
      ++per_partition[PartitionKey(f, snap_)];
    }
    int64_t compactable = 0, partitions = 0;
    std::string worst;
    int64_t worst_count = 0;
    for (const auto& [key, n] : per_partition) {
      if (n < 2) continue;
      compactable += n;
      ++partitions;
      if (n > worst_count) {
        worst_count = n;
        worst = key;
      }
    }
    if (compactable < t_.min_small_files || compactable == 0) return;
    const int64_t total = static_cast<int64_t>(snap_.files().size());
    const double share = static_cast<double>(small) / static_cast<double>(total);
    std::string msg = std::to_string(small) + " of " + std::to_string(total) + " files (" + Percent(share) +
                      ") are smaller than " + Bytes(small_) + "; " + std::to_string(compactable) + " of them in " +
                      std::to_string(partitions) + " partition(s) can be compacted";
    if (!worst.empty()) msg += " (most in " + worst + ": " + std::to_string(worst_count) + ")";
    msg += ". Every file costs a listing entry, a footer read and a task: many small files make every query slow.";
    std::vector<std::pair<std::string, DoctorMetricValue>> m = {
        {"small_files", M(small)},
        {"compactable_small_files", M(compactable)},
        {"total_files", M(total)},
        {"small_file_share", M(share)},
        {"small_file_threshold_bytes", M(small_)},
        {"partitions_with_small_files", M(partitions)}};
    if (!worst.empty()) {
      m.push_back({"worst_partition", M(worst)});
      m.push_back({"worst_partition_small_files", M(worst_count)});
    }
    Add("small-files", DoctorSeverity::kWarning, std::move(msg), std::move(m), Cmd("optimize " + quoted_));
  }

  // The first top-level data column that gets min/max stats (Z-ORDER needs one), or empty.
  std::string FirstStatsColumn() const {
    for (const auto& f : snap_.schema()->fields()) {
      if (IsPartition(f->name()) || !HasMinMaxType(*f->type())) continue;
      if (ColumnHasStatsConfigured(f->name())) return f->name();
    }
    return {};
  }

  void LargeFiles() {
    int64_t limit = t_.large_file_bytes;
    if (target_) limit = std::max(limit, 2 * *target_);
    int64_t n = 0, bytes = 0, largest = 0;
    for (const auto& f : snap_.files()) {
      if (f.size <= limit) continue;
      ++n;
      bytes += f.size;
      largest = std::max(largest, f.size);
    }
    if (n == 0) return;
    std::string col = FirstStatsColumn();
    Add("large-files", DoctorSeverity::kWarning,
        std::to_string(n) + " files are larger than " + Bytes(limit) + " (largest " + Bytes(largest) +
            "). Large files cannot be skipped in part, parallelise badly and make every DELETE, UPDATE and MERGE "
            "that touches them rewrite gigabytes.",
        {{"large_files", M(n)}, {"large_file_bytes", M(bytes)}, {"largest_file_bytes", M(largest)},
         {"large_file_threshold_bytes", M(limit)}},
        col.empty() ? std::string() : Cmd("optimize " + quoted_ + " --zorder-by " + ShellQuote(col) + " --target-size 256MB"));
  }

  void VacuumBacklog() {
    const std::string& root = snap_.table_root();
    const int64_t retention = protocol::DurationPropertyMs(snap_.metadata(), "delta.deletedFileRetentionDuration",
                                                           protocol::kWeekMs);
    const int64_t horizon = in_.now_ms - retention;
    ops::ValidPaths valid;
    auto add_valid = [&](const std::string& path, const std::optional<DeletionVectorDescriptor>& dv) {
      if (auto rel = RelativeLogPath(path, root); !rel.empty()) valid.Add(rel);
      if (dv) {
        if (auto rel = RelativeDvPath(*dv, root); !rel.empty()) valid.Add(rel);
      }
    };
    std::set<std::string> live;
    for (const auto& f : snap_.files()) {
      add_valid(f.path, f.deletion_vector);
      live.insert(RelativeLogPath(f.path, root));
      if (f.deletion_vector) live.insert(RelativeDvPath(*f.deletion_vector, root));
    }
    std::set<std::string> removed;
    std::optional<int64_t> oldest_removal;
    for (const auto& r : snap_.tombstones()) {
      removed.insert(RelativeLogPath(r.path, root));
      if (r.deletion_timestamp) {
        oldest_removal = std::min(oldest_removal.value_or(*r.deletion_timestamp), *r.deletion_timestamp);
      }
      if (r.deletion_timestamp.value_or(0) >= horizon) add_valid(r.path, r.deletion_vector);
    }
    std::vector<ops::ListedEntry> entries;
    int64_t retained_files = 0, retained_bytes = 0;
    for (const auto& e : in_.listing) {
      entries.push_back({e.path, e.size, e.mtime_ms, e.is_dir});
      if (e.is_dir || ops::IsHiddenPath(e.path, snap_.partition_columns())) continue;
      if (!live.count(e.path) && valid.Contains(e.path)) {
        ++retained_files;
        retained_bytes += e.size;
      }
    }
    auto selection = ops::SelectFromListing(std::move(entries), valid, horizon, snap_.partition_columns());
    int64_t removed_files = 0, removed_bytes = 0, orphan_files = 0, orphan_bytes = 0;
    for (const auto& f : selection.files) {
      if (removed.count(f.relative)) {
        ++removed_files;
        removed_bytes += f.size;
      } else {
        ++orphan_files;
        orphan_bytes += f.size;
      }
    }
    const int64_t files = removed_files + orphan_files, bytes = removed_bytes + orphan_bytes;
    if (files == 0) return;
    const double share = live_bytes_ > 0 ? static_cast<double>(bytes) / static_cast<double>(live_bytes_) : 1.0;
    std::vector<std::pair<std::string, DoctorMetricValue>> m = {
        {"vacuumable_files", M(files)},
        {"vacuumable_bytes", M(bytes)},
        {"removed_expired_files", M(removed_files)},
        {"removed_expired_bytes", M(removed_bytes)},
        {"never_referenced_files", M(orphan_files)},
        {"never_referenced_bytes", M(orphan_bytes)},
        {"retained_files", M(retained_files)},
        {"retained_bytes", M(retained_bytes)},
        {"live_bytes", M(live_bytes_)},
        {"share_of_live_bytes", M(share)},
        {"retention_hours", M(static_cast<double>(retention) / static_cast<double>(kHourMs))}};
    if (oldest_removal) m.push_back({"oldest_removal_age_hours", M(static_cast<double>(in_.now_ms - *oldest_removal) / static_cast<double>(kHourMs))});
    Add("vacuum-backlog", share >= t_.vacuum_backlog_share ? DoctorSeverity::kWarning : DoctorSeverity::kHint,
        std::to_string(files) + " files (" + Bytes(bytes) + ", " + Percent(share) +
            " of the live data) are referenced by no version within the retention of " + Hours(retention) +
            " hours: " + std::to_string(removed_files) + " removed (" + Bytes(removed_bytes) + "), " +
            std::to_string(orphan_files) + " never referenced (" + Bytes(orphan_bytes) +
            "). They cost storage and slow every listing; VACUUM deletes them.",
        std::move(m), Cmd("vacuum " + quoted_));
  }

  void Checkpoints() {
    int64_t interval = 10;
    const auto& conf = snap_.metadata().configuration;
    if (auto it = conf.find("delta.checkpointInterval"); it != conf.end()) {
      try {
        interval = std::max<int64_t>(1, std::stoll(it->second));
      } catch (...) {
      }
    }
    std::optional<int64_t> cp = snap_.checkpoint_version();
    bool has_last_checkpoint = false;
    for (const auto& e : in_.listing) {
      if (e.path == std::string(log::kLogDirName) + "/" + log::kLastCheckpointName) has_last_checkpoint = true;
    }
    const int64_t since = snap_.version() - cp.value_or(0);
    if (since >= interval) {
      Add("checkpoint-overdue", DoctorSeverity::kWarning,
          std::to_string(since) + " versions since the " +
              (cp ? "last checkpoint (version " + std::to_string(*cp) + ")" : std::string("first version (no checkpoint)")) +
              ", delta.checkpointInterval is " + std::to_string(interval) +
              ". Every reader replays these commits one JSON file at a time before reading any data.",
          {{"versions_since_checkpoint", M(since)},
           {"checkpoint_interval", M(interval)},
           {"last_checkpoint_version", M(cp.value_or(-1))}},
          Cmd("checkpoint " + quoted_));
    }
    if (cp && !has_last_checkpoint) {
      Add("last-checkpoint-missing", DoctorSeverity::kWarning,
          "a checkpoint exists (version " + std::to_string(*cp) +
              ") but _delta_log/_last_checkpoint does not: readers must list the whole log to find it.",
          {{"last_checkpoint_version", M(*cp)}}, Cmd("checkpoint " + quoted_));
    }
  }

  bool IsPartition(const std::string& c) const {
    const auto& pcs = snap_.partition_columns();
    return std::find(pcs.begin(), pcs.end(), c) != pcs.end();
  }

  // The top-level data columns that get stats under the table's settings.
  std::vector<std::string> StatsColumns() const {
    auto cfg = write::StatsConfigFor(snap_.metadata().configuration, snap_.column_mapping_mode());
    std::vector<std::string> out;
    if (!cfg.stats_columns.empty()) {
      for (const auto& c : cfg.stats_columns) {
        std::string top = c.substr(0, c.find('.'));
        if (std::find(out.begin(), out.end(), top) == out.end()) out.push_back(top);
      }
      return out;
    }
    int leaves = 0;
    for (const auto& f : snap_.schema()->fields()) {
      if (IsPartition(f->name())) continue;
      if (cfg.num_indexed_cols >= 0 && leaves >= cfg.num_indexed_cols) break;
      out.push_back(f->name());
      leaves += CountLeaves(*f->type());
    }
    return out;
  }

  bool ColumnHasStatsConfigured(const std::string& c) const {
    auto cols = StatsColumns();
    return std::find(cols.begin(), cols.end(), c) != cols.end();
  }

  void Stats() {
    const auto& schema = *snap_.schema();
    // Column -> commits whose predicate names it (in order of first appearance).
    std::vector<std::string> order;
    std::map<std::string, int64_t> uses;
    static const std::set<std::string> kOps = {"DELETE", "UPDATE", "MERGE", "OPTIMIZE", "WRITE"};
    for (const auto& c : in_.history) {
      if (!c.operation || !kOps.count(*c.operation)) continue;
      auto ci = nlohmann::json::parse(c.commit_info_json, nullptr, false);
      if (ci.is_discarded() || !ci.is_object()) continue;
      auto params = ci.value("operationParameters", nlohmann::json::object());
      if (!params.is_object()) continue;
      std::set<std::string> cols;
      for (const auto& text : PredicatesOf(params)) {
        auto expr = ParseExpression(StripExprIds(text));
        if (!expr.ok()) continue;
        for (const auto& path : (*expr)->ReferencedColumns()) {
          std::string col = ResolveColumn(path, schema);
          if (!col.empty() && !IsPartition(col)) cols.insert(col);
        }
      }
      for (const auto& col : cols) {
        if (uses[col]++ == 0) order.push_back(col);
      }
    }
    const auto stats_cols = StatsColumns();
    std::vector<std::string> missing, configured;
    for (const auto& col : order) {
      if (uses[col] < t_.min_predicate_uses) continue;
      auto field = schema.GetFieldByName(col);
      if (!field || !HasMinMaxType(*field->type())) continue;
      if (std::find(stats_cols.begin(), stats_cols.end(), col) == stats_cols.end()) {
        missing.push_back(col);
      } else {
        configured.push_back(col);
      }
    }
    // Configured columns: do the files carry min/max for them? (Each file's stats parsed once.)
    std::map<std::string, int64_t> files_without;
    if (!configured.empty()) {
      for (const auto& f : snap_.files()) {
        FileStatistics st = GetFileStatistics(snap_, f);
        for (const auto& col : configured) {
          auto it = st.columns.find(col);
          if (it != st.columns.end() && it->second.min && it->second.max) continue;
          if (it != st.columns.end() && it->second.null_count && st.num_records &&
              *it->second.null_count == *st.num_records) {
            continue;  // all NULL: no min/max to have
          }
          ++files_without[col];
        }
      }
    }
    for (const auto& col : configured) {
      const int64_t without = files_without[col];
      if (without == 0) continue;
      const int64_t total = static_cast<int64_t>(snap_.files().size());
      Add("files-without-stats", DoctorSeverity::kWarning,
          "column " + col + " is filtered by " + std::to_string(uses[col]) + " commits but " + std::to_string(without) +
              " of " + std::to_string(total) +
              " files have no min/max statistics for it (written without stats): those files are read by "
              "every such query. Rewriting them collects the statistics.",
          {{"column", M(col)},
           {"predicate_commits", M(uses[col])},
           {"files_without_stats", M(without)},
           {"total_files", M(total)}},
          Cmd("optimize " + quoted_ + " --zorder-by " + ShellQuote(col)));
    }
    for (const auto& col : missing) {
      std::vector<std::string> wanted = stats_cols;
      for (const auto& m : missing) wanted.push_back(m);
      std::string list;
      for (const auto& w : wanted) list += (list.empty() ? "" : ",") + w;
      Add("stats-not-collected", DoctorSeverity::kWarning,
          "column " + col + " is filtered by " + std::to_string(uses[col]) +
              " commits but no statistics are collected for it (outside delta.dataSkippingNumIndexedCols / "
              "delta.dataSkippingStatsColumns): no file can be skipped on it.",
          {{"column", M(col)}, {"predicate_commits", M(uses[col])}},
          Cmd("alter " + quoted_ + " set-properties " + ShellQuote("delta.dataSkippingStatsColumns=" + list)));
    }
  }

  void Partitions() {
    const auto& pcs = snap_.partition_columns();
    if (pcs.empty() || snap_.files().empty()) return;
    std::map<std::string, int64_t> bytes;
    std::map<std::string, std::set<std::string>> values;
    for (const auto& f : snap_.files()) {
      bytes[PartitionKey(f, snap_)] += f.size;
      for (const auto& c : pcs) values[c].insert(PartitionValueOf(f, c, snap_).value_or("\x01null"));
    }
    const int64_t n = static_cast<int64_t>(bytes.size());
    std::vector<int64_t> sizes;
    for (const auto& [k, b] : bytes) sizes.push_back(b);
    std::sort(sizes.begin(), sizes.end());
    const int64_t median = sizes[sizes.size() / 2];
    std::string cols;
    for (const auto& c : pcs) cols += (cols.empty() ? "" : ",") + c;
    if (n > t_.max_partitions) {
      Add("too-many-partitions", DoctorSeverity::kWarning,
          "the table has " + std::to_string(n) + " partitions (by " + cols + "), more than " +
              std::to_string(t_.max_partitions) +
              ": listing and planning cost grows with every partition and each one holds at least a file. "
              "Partition by a coarser column (recreate the table).",
          {{"partitions", M(n)}, {"median_partition_bytes", M(median)}}, "");
    } else if (n >= t_.min_partitions_for_size_check && median < small_) {
      Add("partitions-too-small", DoctorSeverity::kWarning,
          "the median partition (by " + cols + ") holds " + Bytes(median) + ", less than " + Bytes(small_) +
              " over " + std::to_string(n) +
              " partitions: the partitioning forces small files. Partition by a coarser column (recreate the table).",
          {{"partitions", M(n)}, {"median_partition_bytes", M(median)}}, "");
    }
    if (snap_.files().size() >= 2) {
      for (const auto& c : pcs) {
        if (values[c].size() != 1) continue;
        Add("single-value-partition-column", DoctorSeverity::kHint,
            "partition column " + c + " has a single value over " + std::to_string(snap_.files().size()) +
                " files: it adds a directory level and prunes nothing.",
            {{"column", M(c)}, {"distinct_values", M(1)}}, "");
      }
    }
  }

  void KeyColumns() {
    std::vector<std::vector<std::string>> constrained;
    std::vector<std::string> constraint_texts;
    for (const auto& [k, v] : snap_.metadata().configuration) {
      if (!k.starts_with("delta.constraints.")) continue;
      constraint_texts.push_back(util::ToLower(v));
      if (auto e = ParseExpression(v); e.ok()) {
        for (auto& p : (*e)->ReferencedColumns()) constrained.push_back(p);
      }
    }
    for (const auto& f : snap_.schema()->fields()) {
      if (!IsKeyLikeName(f->name()) || !f->nullable() || IsPartition(f->name())) continue;
      bool named = false;
      for (const auto& p : constrained) named |= !p.empty() && util::ToLower(p[0]) == util::ToLower(f->name());
      if (named) continue;
      const std::string cname = util::ToLower(f->name()) + "_not_null";
      Add("key-column-unconstrained", DoctorSeverity::kHint,
          "column " + f->name() +
              " looks like a key but is nullable and no CHECK constraint names it: writers can add NULL keys "
              "unchecked.",
          {{"column", M(f->name())}},
          Cmd("alter " + quoted_ + " add-constraint " + ShellQuote(cname) + " " +
              ShellQuote(f->name() + " IS NOT NULL")));
    }
  }

  void Retention() {
    const auto& md = snap_.metadata();
    const int64_t file_ms =
        protocol::DurationPropertyMs(md, "delta.deletedFileRetentionDuration", protocol::kWeekMs);
    const int64_t log_ms = protocol::DurationPropertyMs(md, "delta.logRetentionDuration", 30 * protocol::kDayMs);
    const std::string fix_file = Cmd("alter " + quoted_ + " set-properties " +
                                     ShellQuote("delta.deletedFileRetentionDuration=interval 7 days"));
    if (file_ms < protocol::kWeekMs) {
      const bool severe = file_ms < kHourMs;
      Add("file-retention-short", severe ? DoctorSeverity::kError : DoctorSeverity::kWarning,
          "delta.deletedFileRetentionDuration is " + Hours(file_ms) +
              " hours (below 168): VACUUM may delete files that " +
              (severe ? "running readers and writers still need, failing them"
                      : "time travel and long-running readers or writers still need") +
              "; time travel reaches back at most that far.",
          {{"deleted_file_retention_hours", M(static_cast<double>(file_ms) / static_cast<double>(kHourMs))}},
          fix_file);
    }
    if (log_ms < protocol::kWeekMs) {
      Add("log-retention-short", DoctorSeverity::kWarning,
          "delta.logRetentionDuration is " + Hours(log_ms) +
              " hours (below 168): history and time travel older than that disappear at the next checkpoint.",
          {{"log_retention_hours", M(static_cast<double>(log_ms) / static_cast<double>(kHourMs))}},
          Cmd("alter " + quoted_ + " set-properties " + ShellQuote("delta.logRetentionDuration=interval 30 days")));
    }
    if (log_ms < file_ms) {
      Add("log-retention-shorter-than-file-retention", DoctorSeverity::kWarning,
          "delta.logRetentionDuration (" + Hours(log_ms) + " hours) is shorter than delta.deletedFileRetentionDuration (" +
              Hours(file_ms) +
              " hours): removed files are kept for versions the log no longer reaches, so time travel stops "
              "before the data does.",
          {{"log_retention_hours", M(static_cast<double>(log_ms) / static_cast<double>(kHourMs))},
           {"deleted_file_retention_hours", M(static_cast<double>(file_ms) / static_cast<double>(kHourMs))}},
          Cmd("alter " + quoted_ + " set-properties " +
              ShellQuote("delta.logRetentionDuration=interval " +
                         std::to_string(std::max<int64_t>(30, (file_ms + protocol::kDayMs - 1) / protocol::kDayMs)) +
                         " days")));
    }
  }

  void DeletionVectors() {
    int64_t rows = 0, deleted = 0, files_with_dv = 0;
    for (const auto& f : snap_.files()) {
      if (f.deletion_vector) {
        ++files_with_dv;
        deleted += f.deletion_vector->cardinality;
      }
    }
    if (files_with_dv == 0) return;
    for (const auto& f : snap_.files()) {
      FileStatistics st = GetFileStatistics(snap_, f);
      if (st.num_records) rows += *st.num_records;
    }
    if (files_with_dv == 0 || rows == 0) return;
    const double share = static_cast<double>(deleted) / static_cast<double>(rows);
    if (share < t_.dv_deleted_share) return;
    Add("deletion-vector-backlog", DoctorSeverity::kWarning,
        std::to_string(deleted) + " of " + std::to_string(rows) + " rows (" + Percent(share) + ") in " +
            std::to_string(files_with_dv) +
            " files are deleted by deletion vectors: readers still read and then drop them. OPTIMIZE rewrites "
            "those files without them.",
        {{"rows_deleted_by_dv", M(deleted)}, {"rows_in_files", M(rows)}, {"deleted_share", M(share)},
         {"files_with_dv", M(files_with_dv)}},
        Cmd("optimize " + quoted_));
  }

  void ReaderFeatures() {
    const auto& p = snap_.protocol();
    if (p.min_reader_version < 2) return;
    std::string features;
    if (p.reader_features) {
      for (const auto& f : *p.reader_features) features += (features.empty() ? "" : ",") + f;
    } else {
      features = "columnMapping";
    }
    Add("reader-features", DoctorSeverity::kHint,
        "readers need protocol reader version " + std::to_string(p.min_reader_version) +
            (features.empty() ? std::string() : " with " + features) +
            ": older engines (e.g. Spark before Delta 2.x/3.x, other connectors) cannot read the table.",
        {{"min_reader_version", M(p.min_reader_version)},
         {"min_writer_version", M(p.min_writer_version)},
         {"reader_features", M(features)}},
        "");
  }

  const DoctorInput& in_;
  const DoctorThresholds& t_;
  const Snapshot& snap_;
  std::string quoted_;
  std::optional<int64_t> target_;
  int64_t small_ = kDefaultSmallFileBytes;
  int64_t live_bytes_ = 0;
  std::vector<DoctorFinding> out_;
};

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string_view DoctorSeverityName(DoctorSeverity severity) {
  switch (severity) {
    case DoctorSeverity::kError: return "error";
    case DoctorSeverity::kWarning: return "warning";
    case DoctorSeverity::kHint: return "hint";
  }
  return "hint";
}

bool DoctorReport::HasErrors() const {
  return std::any_of(findings.begin(), findings.end(),
                     [](const auto& f) { return f.severity == DoctorSeverity::kError; });
}

const DoctorFinding* DoctorReport::Find(std::string_view id) const {
  for (const auto& f : findings) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

std::string ShellQuote(std::string_view text) {
  bool plain = !text.empty();
  for (char c : text) {
    plain &= std::isalnum(static_cast<unsigned char>(c)) || std::string_view("_-./:=@%+,").find(c) != std::string_view::npos;
  }
  if (plain) return std::string(text);
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

DoctorReport AnalyzeTable(const DoctorInput& input, const DoctorThresholds& thresholds) {
  DoctorReport report;
  report.table = input.table;
  if (!input.snapshot) return report;
  report.version = input.snapshot->version();
  report.findings = Analyzer(input, thresholds).Run();
  return report;
}

arrow::Result<DoctorReport> Doctor(const std::string& uri, const DoctorOptions& options) {
  ARROW_ASSIGN_OR_RAISE(auto loc, storage::ResolveTableLocation(uri));
  ARROW_ASSIGN_OR_RAISE(auto log_listing, storage::ListLog(loc, /*with_times=*/false));
  ARROW_ASSIGN_OR_RAISE(auto snap, table::LoadSnapshotFromListing(loc, log_listing, std::nullopt,
                                                                  /*keep_tombstones=*/true));
  ARROW_RETURN_NOT_OK(snap->EnsureStats());
  DoctorInput in;
  in.table = uri;
  in.snapshot = snap;
  in.now_ms = options.clock ? options.clock() : SystemNowMs();
  ARROW_ASSIGN_OR_RAISE(auto table, Table::Open(uri));
  ARROW_ASSIGN_OR_RAISE(in.history, table->History(options.history_limit));
  arrow::fs::FileSelector selector;
  selector.base_dir = loc.root;
  selector.recursive = true;
  auto infos = loc.fs->GetFileInfo(selector);
  if (!infos.ok()) {
    return DELTA_ERROR(kIoError, "cannot list the table directory ", uri, ": ", infos.status().message());
  }
  for (const auto& info : *infos) {
    const bool is_dir = info.type() == arrow::fs::FileType::Directory;
    if (!is_dir && info.type() != arrow::fs::FileType::File) continue;
    std::string rel = ops::RelativeToRoot(info.path(), loc.root);
    if (rel.empty()) continue;
    in.listing.push_back({std::move(rel), is_dir ? 0 : info.size(),
                          std::chrono::duration_cast<std::chrono::milliseconds>(info.mtime().time_since_epoch()).count(),
                          is_dir});
  }
  // Footers of the newest live files (the physical schema check).
  const auto& files = snap->files();
  for (int64_t i = static_cast<int64_t>(files.size()) - 1, n = 0; i >= 0 && n < options.max_footers; --i, ++n) {
    DoctorFileSchema fs{files[i].path, nullptr, ""};
    auto path = loc.ResolveDataPath(files[i].path);
    auto input = path.ok() ? loc.fs->OpenInputFile(*path) : arrow::Result<std::shared_ptr<arrow::io::RandomAccessFile>>(path.status());
    if (!input.ok()) continue;  // a missing file is the missing-data-files finding
    try {
      auto footer = parquet::ReadMetaData(*input);
      std::shared_ptr<arrow::Schema> schema;
      auto st = parquet::arrow::FromParquetSchema(footer->schema(), parquet::ArrowReaderProperties(),
                                                  footer->key_value_metadata(), &schema);
      if (st.ok()) {
        fs.schema = std::move(schema);
      } else {
        fs.error = st.message();
      }
    } catch (const parquet::ParquetException& e) {
      fs.error = e.what();
    }
    in.file_schemas.push_back(std::move(fs));
  }
  return AnalyzeTable(in, options.thresholds);
}

}  // namespace delta
