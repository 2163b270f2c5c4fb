// Per-file statistics while writing (PROTOCOL.md "Per-file Statistics").
//
// numRecords, and for the first `num_indexed_cols` leaf columns (struct fields included, as
// Spark counts them) or the columns named by delta.dataSkippingStatsColumns: nullCount, and
// minValues/maxValues for orderable types. Strings longer than 32 characters keep a truncated
// prefix as min and no max (a truncated max would not be an upper bound). Timestamps are
// written at millisecond precision (min floored; readers widen max by a millisecond).
// Keys are physical column names.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "delta/schema.h"

namespace delta::write {

struct StatsConfig {
  int num_indexed_cols = 32;           ///< -1: all columns
  std::vector<std::string> stats_columns;  ///< overrides num_indexed_cols when non-empty
  ColumnMappingMode mapping = ColumnMappingMode::kNone;
};

class StatsCollector {
 public:
  /// `schema` is the logical schema of the data columns written to the file.
  StatsCollector(std::shared_ptr<arrow::Schema> schema, StatsConfig config);
  ~StatsCollector();

  arrow::Status Update(const arrow::RecordBatch& batch);
  /// The stats JSON of everything seen.
  std::string ToJson() const;
  int64_t num_records() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace delta::write
