// The pure halves of OPTIMIZE (include/delta/operations/optimize.h): bin packing of a
// partition's files, and the Z-order (Morton) key of rows.
//
// Pure functions, no I/O, thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <arrow/array.h>
#include <arrow/result.h>

namespace delta::ops {

/// One file of a partition, as bin packing sees it.
struct BinPackFile {
  int64_t size = 0;
  bool has_deletion_vector = false;
};

/// Packs the files of one partition into bins (indices into `files`, in file order). Candidates
/// are files smaller than `target_size` and files with a deletion vector; they are taken in
/// order and a file that would push the current bin over `target_size` starts a new one (so a
/// bin exceeds the target only when it holds one file). Bins with fewer than `min_files` files
/// are dropped unless one of their files has a deletion vector (it must be purged).
std::vector<std::vector<size_t>> PackBins(const std::vector<BinPackFile>& files, int64_t target_size,
                                          int min_files);

/// Interleaves the low `bits` bits of each value, most significant bit first and values in
/// order within each bit position: for values (a, b) and bits 2 the key is a1 b1 a0 b0.
/// values.size() * bits must be at most 64.
uint64_t InterleaveBits(const std::vector<uint32_t>& values, int bits);

/// Bits per column of the Morton key of `num_columns` columns (all fitting in 64 bits, at most
/// 32 each).
int ZOrderBitsPerColumn(size_t num_columns);

/// Maps each value of `column` to its rank bucket: values sorted ascending (nulls first, equal
/// values sharing a rank), rank r of n rows becomes floor(r * 2^bits / n). Order preserving:
/// a < b implies bucket(a) <= bucket(b); equal values get equal buckets.
arrow::Result<std::vector<uint32_t>> RankBuckets(const std::shared_ptr<arrow::Array>& column, int bits);

/// The Morton key of every row over `columns` (equal lengths; at least one column).
arrow::Result<std::shared_ptr<arrow::UInt64Array>> ZOrderKeys(
    const std::vector<std::shared_ptr<arrow::Array>>& columns);

}  // namespace delta::ops
