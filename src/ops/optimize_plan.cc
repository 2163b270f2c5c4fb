// Bin packing and Z-order keys (src/ops/optimize_plan.h).
#include "ops/optimize_plan.h"

#include <algorithm>

#include <arrow/builder.h>
#include <arrow/compute/api.h>

#include "delta/error.h"
#include "util/compute_init.h"

namespace delta::ops {

std::vector<std::vector<size_t>> PackBins(const std::vector<BinPackFile>& files, int64_t target_size,
                                          int min_files) {
  std::vector<std::vector<size_t>> bins;
  std::vector<size_t> current;
  int64_t current_size = 0;
  auto close = [&] {
    if (current.empty()) return;
    bool has_dv = std::any_of(current.begin(), current.end(),
                              [&](size_t i) { return files[i].has_deletion_vector; });
    if (static_cast<int>(current.size()) >= std::max(min_files, 1) || has_dv) {
      bins.push_back(std::move(current));
    }
    current.clear();
    current_size = 0;
  };
  for (size_t i = 0; i < files.size(); ++i) {
    const auto& f = files[i];
    if (f.size >= target_size && !f.has_deletion_vector) continue;
    if (!current.empty() && current_size + f.size > target_size) close();
    current.push_back(i);
    current_size += f.size;
  }
  close();
  return bins;
}

uint64_t InterleaveBits(const std::vector<uint32_t>& values, int bits) {
  uint64_t key = 0;
  for (int b = bits - 1; b >= 0; --b) {
    for (uint32_t v : values) key = (key << 1) | ((v >> b) & 1u);
  }
  return key;
}

int ZOrderBitsPerColumn(size_t num_columns) {
  if (num_columns == 0) return 32;
  return static_cast<int>(std::min<size_t>(32, 64 / num_columns));
}

arrow::Result<std::vector<uint32_t>> RankBuckets(const std::shared_ptr<arrow::Array>& column, int bits) {
  const int64_t n = column->length();
  std::vector<uint32_t> out(static_cast<size_t>(n), 0);
  if (n == 0) return out;
  ARROW_RETURN_NOT_OK(util::EnsureComputeInitialized());
  arrow::compute::RankOptions options(arrow::compute::SortOrder::Ascending,
                                      arrow::compute::NullPlacement::AtStart,
                                      arrow::compute::RankOptions::Min);
  ARROW_ASSIGN_OR_RAISE(auto ranked, arrow::compute::CallFunction("rank", {column}, &options));
  auto ranks = std::static_pointer_cast<arrow::UInt64Array>(ranked.make_array());
  const unsigned __int128 scale = static_cast<unsigned __int128>(1) << bits;
  for (int64_t i = 0; i < n; ++i) {
    // Ranks are 1-based; rank - 1 < n, so the bucket is below 2^bits.
    unsigned __int128 r = ranks->Value(i) - 1;
    out[static_cast<size_t>(i)] = static_cast<uint32_t>(r * scale / static_cast<uint64_t>(n));
  }
  return out;
}

arrow::Result<std::shared_ptr<arrow::UInt64Array>> ZOrderKeys(
    const std::vector<std::shared_ptr<arrow::Array>>& columns) {
  if (columns.empty()) return DELTA_ERROR(kInvalidArgument, "Z-order needs at least one column");
  const int bits = ZOrderBitsPerColumn(columns.size());
  const int64_t n = columns[0]->length();
  std::vector<std::vector<uint32_t>> buckets;
  for (const auto& c : columns) {
    if (c->length() != n) return DELTA_ERROR(kInternal, "Z-order columns of different lengths");
    ARROW_ASSIGN_OR_RAISE(auto b, RankBuckets(c, bits));
    buckets.push_back(std::move(b));
  }
  arrow::UInt64Builder builder;
  ARROW_RETURN_NOT_OK(builder.Reserve(n));
  std::vector<uint32_t> row(columns.size());
  for (int64_t i = 0; i < n; ++i) {
    for (size_t c = 0; c < columns.size(); ++c) row[c] = buckets[c][static_cast<size_t>(i)];
    builder.UnsafeAppend(InterleaveBits(row, bits));
  }
  std::shared_ptr<arrow::UInt64Array> keys;
  ARROW_RETURN_NOT_OK(builder.Finish(&keys));
  return keys;
}

}  // namespace delta::ops
