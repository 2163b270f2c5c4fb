// The pure half of VACUUM: which paths are kept, which are hidden, and which listed files and
// directories go. No I/O; paths are relative to the table root, decoded, '/' separated.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace delta::ops {

/// A path VACUUM must keep, with every directory above it.
class ValidPaths {
 public:
  void Add(std::string_view relative);
  bool Contains(std::string_view relative) const { return paths_.count(std::string(relative)) > 0; }
  size_t size() const { return paths_.size(); }

 private:
  std::unordered_set<std::string> paths_;
};

/// Spark's DeltaTableUtils.isHiddenDirectory for one path component: a name starting with '.'
/// or '_' (or "metadata") is hidden, except `_delta_index*`, `_change_data*` and `col=...` of a
/// partition column.
bool IsHiddenName(std::string_view name, const std::vector<std::string>& partition_columns);

/// Whether any component of `relative` is hidden.
bool IsHiddenPath(std::string_view relative, const std::vector<std::string>& partition_columns);

/// `path` (within the filesystem) relative to `root`; empty when it is not inside the root.
std::string RelativeToRoot(std::string_view path, std::string_view root);

struct ListedEntry {
  std::string relative;
  int64_t size = 0;
  int64_t mtime_ms = 0;
  bool is_dir = false;
};

struct VacuumSelection {
  std::vector<ListedEntry> files;  ///< sorted by path
  std::vector<ListedEntry> dirs;   ///< deepest first: delete (when empty) in this order
  int64_t num_dirs_listed = 0;     ///< non-hidden directories, the root included
};

/// Full mode: from a recursive listing, the files that are not hidden, not valid and older
/// than `delete_before_ms`; and the non-hidden directories holding no valid path, also older.
VacuumSelection SelectFromListing(std::vector<ListedEntry> listing, const ValidPaths& valid,
                                  int64_t delete_before_ms,
                                  const std::vector<std::string>& partition_columns);

/// The retention check's message (Spark's), or empty when `retention_ms` is allowed.
std::string RetentionCheckMessage(int64_t retention_ms, int64_t table_retention_ms);

}  // namespace delta::ops
