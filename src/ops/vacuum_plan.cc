#include "ops/vacuum_plan.h"

#include <algorithm>
#include <sstream>

namespace delta::ops {

void ValidPaths::Add(std::string_view relative) {
  while (!relative.empty()) {
    if (!paths_.emplace(relative).second) return;  // its parents are in already
    auto slash = relative.rfind('/');
    if (slash == std::string_view::npos) return;
    relative = relative.substr(0, slash);
  }
}

bool IsHiddenName(std::string_view name, const std::vector<std::string>& partition_columns) {
  if (name == "metadata") return true;  // reserved for UniForm's Iceberg metadata
  if (name.empty() || (name[0] != '.' && name[0] != '_')) return false;
  if (name.starts_with("_delta_index") || name.starts_with("_change_data")) return false;
  for (const auto& c : partition_columns) {
    if (name.size() > c.size() && name.starts_with(c) && name[c.size()] == '=') return false;
  }
  return true;
}

bool IsHiddenPath(std::string_view relative, const std::vector<std::string>& partition_columns) {
  size_t start = 0;
  while (start <= relative.size()) {
    size_t end = relative.find('/', start);
    if (end == std::string_view::npos) end = relative.size();
    if (IsHiddenName(relative.substr(start, end - start), partition_columns)) return true;
    start = end + 1;
  }
  return false;
}

std::string RelativeToRoot(std::string_view path, std::string_view root) {
  if (path.size() <= root.size() + 1 || !path.starts_with(root) || path[root.size()] != '/') return {};
  return std::string(path.substr(root.size() + 1));
}

VacuumSelection SelectFromListing(std::vector<ListedEntry> listing, const ValidPaths& valid,
                                  int64_t delete_before_ms,
                                  const std::vector<std::string>& partition_columns) {
  VacuumSelection out;
  out.num_dirs_listed = 1;  // the root
  for (auto& e : listing) {
    if (e.relative.empty() || IsHiddenPath(e.relative, partition_columns)) continue;
    if (e.is_dir) ++out.num_dirs_listed;
    if (valid.Contains(e.relative) || e.mtime_ms >= delete_before_ms) continue;
    (e.is_dir ? out.dirs : out.files).push_back(std::move(e));
  }
  std::sort(out.files.begin(), out.files.end(),
            [](const auto& a, const auto& b) { return a.relative < b.relative; });
  auto depth = [](const std::string& p) { return std::count(p.begin(), p.end(), '/'); };
  std::sort(out.dirs.begin(), out.dirs.end(), [&](const auto& a, const auto& b) {
    const auto da = depth(a.relative), db = depth(b.relative);
    return da != db ? da > db : a.relative < b.relative;
  });
  return out;
}

std::string RetentionCheckMessage(int64_t retention_ms, int64_t table_retention_ms) {
  if (retention_ms >= table_retention_ms) return {};
  std::ostringstream s;
  s << "Are you sure you would like to vacuum files with such a low retention period? If you have "
       "writers that are currently writing to this table, there is a risk that you may corrupt the "
       "state of your Delta table. If you are certain that there are no operations being performed "
       "on this table, such as insert/upsert/delete/optimize, then you may turn off this check "
       "(deltactl vacuum --no-retention-check; Spark: "
       "spark.databricks.delta.retentionDurationCheck.enabled = false). If you are not sure, "
       "please use a value not less than \""
    << table_retention_ms / 3600000 << " hours\".";
  return s.str();
}

}  // namespace delta::ops
