// Per-file statistics from a Parquet footer (PROTOCOL.md "Per-file Statistics").
//
// Turns the column-chunk statistics a Parquet writer stored in the footer into Delta's stats
// JSON, without reading any data: numRecords from the row count, and per indexed leaf column
// nullCount (summed over row groups) and minValues/maxValues (min and max over row groups).
// The data file writer and CONVERT TO DELTA both take their stats from here. The rules: the first
// `num_indexed_cols` leaves (struct fields counted depth first) or the
// delta.dataSkippingStatsColumns list; min/max only for numbers, decimals, dates, timestamps and
// strings; strings longer than 32 characters keep a 32-character prefix as min and no max;
// timestamps at millisecond precision (floored); keys are physical column names, nested as
// objects for struct fields.
//
// A footer cannot always tell the truth, and then the value is omitted rather than guessed (a
// missing bound only costs skipping; a wrong one loses rows):
//  - a row group without statistics for the column (writer disabled them, Parquet dropped
//    them for a value too big, the writer is known to write wrong ones), an INT96 timestamp, or
//    a truncated max: no min/max for that column;
//  - float/double max: Parquet leaves NaN out of min/max while Delta orders NaN above every
//    number, so the footer's max is not an upper bound when the file has a NaN; the max is
//    written only when the caller knows the file has no NaN (`assume_no_nan`). The min is
//    always a lower bound;
//  - array and map columns: Parquet counts null elements and empty lists together with null
//    values, so their nullCount is omitted;
//  - a column the file does not have at all (an older file of an evolved schema) is all null:
//    nullCount = numRecords, no min/max.
//
// Pure functions, thread-safe.
#pragma once

#include <memory>
#include <string>

#include <arrow/result.h>
#include <arrow/type.h>
#include <parquet/metadata.h>

#include <map>
#include <vector>

#include "delta/schema.h"

namespace delta::write {

/// Which columns get statistics, and how their physical names are found.
struct StatsConfig {
  int num_indexed_cols = 32;               ///< -1: all columns
  std::vector<std::string> stats_columns;  ///< overrides num_indexed_cols when non-empty
  ColumnMappingMode mapping = ColumnMappingMode::kNone;
};

/// The table's stats settings: delta.dataSkippingNumIndexedCols (default 32) and
/// delta.dataSkippingStatsColumns (comma-separated logical paths; wins when set).
StatsConfig StatsConfigFor(const std::map<std::string, std::string>& configuration,
                           ColumnMappingMode mapping);

struct StatsOptions {
  /// Which columns get stats and their physical names .
  StatsConfig columns;
  /// The caller knows no floating-point value of the file is NaN (e.g. a writer that checked),
  /// so the footer's max of float/double columns is an upper bound.
  bool assume_no_nan = false;
};

/// The Delta stats JSON of the Parquet file described by `footer`. `table_schema` is the
/// logical schema of the table's columns stored in the file (partition columns left out); its
/// fields are matched to the file's columns by physical name. Fails only when Parquet cannot
/// decode the footer's statistics (kInternal naming the column).
arrow::Result<std::string> StatsJsonFromFooter(const parquet::FileMetaData& footer,
                                               const arrow::Schema& table_schema,
                                               const StatsOptions& options);

}  // namespace delta::write
