// Lazy statistics of checkpoint files. A checkpoint's `stats` strings are most of its bytes and
// most snapshot loads never look at them (listing, time travel, unfiltered scans), so the load
// skips them and the first reader of stats fetches them here, once.
#include <unordered_map>

#include "delta/error.h"
#include "delta/snapshot.h"
#include "log/checkpoint_reader.h"
#include "storage/table_location.h"

namespace delta {
namespace {

std::string StatsKey(const AddFile& f) {
  std::string key = f.path.find('%') == std::string::npos ? f.path : storage::UriDecode(f.path);
  if (f.deletion_vector) {
    key.push_back('\0');
    key += f.deletion_vector->UniqueId();
  }
  return key;
}

}  // namespace

arrow::Status Snapshot::EnsureStats() const {
  std::call_once(stats_once_, [this] {
    if (deferred_stats_files_.empty()) return;
    std::unordered_map<std::string, std::string> stats;
    log::CheckpointReadOptions opts;  // stats included
    for (const auto& path : deferred_stats_files_) {
      auto part = log::ReadParquetCheckpoint(*fs_, path, opts);
      if (!part.ok()) {
        stats_status_ = part.status();
        return;
      }
      for (auto& a : part->adds) {
        if (a.stats) stats.emplace(StatsKey(a), std::move(*a.stats));
      }
    }
    // Only the stats members are written, each before any reader of stats returns from
    // EnsureStats (std::call_once orders them); other members are untouched.
    std::lock_guard<std::mutex> lock(stats_mu_);
    auto& files = const_cast<std::vector<AddFile>&>(files_);
    for (auto& f : files) {
      if (f.stats) continue;
      auto it = stats.find(StatsKey(f));
      if (it != stats.end()) f.stats = std::move(it->second);
    }
    stats_filled_ = true;
  });
  return stats_status_;
}

}  // namespace delta
