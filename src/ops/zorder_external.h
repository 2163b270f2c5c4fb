// Z-ORDER in bounded memory (OPTIMIZE ZORDER BY of a partition larger than one output file).
//
// The in-memory path (optimize.cc) ranks every value of the partition and sorts all its rows
// at once: memory grows with the partition. This one never holds more than one input file
// plus one output range:
//   1. keys pass: the Z-order columns only, streamed file by file, mapped to order-preserving
//      64-bit codes (OrderPreservingCodes); a uniform reservoir sample of the rows' codes
//      (sample_rows) gives per-column quantiles (rank buckets estimated from the sample) and
//      the Z-key split points of `num_ranges` ranges of equal row counts;
//   2. spill pass: every row gets its Z-key (from the sample quantiles) and its range; each
//      input batch is permuted by range and appended, with its key, to that range's Arrow IPC
//      spill file in `spill_dir`;
//   3. per range, in key order: its spill file is memory-mapped, sorted by key, written out
//      (through `write`) and deleted.
// Ranges are cut at equal row counts of the sample, so each holds about one target file.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>

namespace delta::ops {

using BatchVector = std::vector<std::shared_ptr<arrow::RecordBatch>>;

/// Order-preserving 64-bit codes of a column (nulls first, as the smallest code): integers,
/// dates, times and timestamps by value, floating point by IEEE order (-0.0 = 0.0), booleans,
/// decimals (by their double value), strings and binaries by their first 8 bytes. kInvalidArgument
/// for other types.
arrow::Result<std::vector<uint64_t>> OrderPreservingCodes(const arrow::Array& column);

struct ExternalZOrderOptions {
  std::vector<std::string> columns;  ///< Z-order columns (top-level names in the batches)
  int64_t num_ranges = 1;            ///< output ranges (about one target file each)
  int64_t sample_rows = 1 << 17;     ///< reservoir size of the keys pass
  std::string spill_dir;             ///< local directory for spill files (created, removed)
};

/// Clusters the rows of `num_files` inputs. `read(i, keys_only)` returns file i's batches:
/// with keys_only only the Z-order columns are needed (others may be missing). `write` gets
/// the rows (schema of the full batches) in Z order.
arrow::Status ExternalZOrder(int64_t num_files,
                             const std::function<arrow::Result<BatchVector>(int64_t, bool)>& read,
                             const std::function<arrow::Status(const std::shared_ptr<arrow::RecordBatch>&)>& write,
                             const ExternalZOrderOptions& options);

}  // namespace delta::ops
