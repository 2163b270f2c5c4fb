// Reading input files for `deltactl write`: CSV, JSON lines and Parquet, as Arrow streams.
#pragma once

#include <memory>
#include <string>

#include <arrow/record_batch.h>
#include <arrow/result.h>

namespace deltactl {

/// Opens `path` as a stream of batches. `format` is csv, json or parquet ("" guesses from the
/// extension). `hint` (may be null) gives column types for CSV/JSON columns of the same name,
/// so text input is parsed as the table's types. `whole_row_groups`: a Parquet file comes as
/// one batch per row group (for a caller that holds all of it anyway, as MERGE does: one
/// chunk per column instead of many to concatenate); otherwise batches of 64Ki rows.
arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> OpenInput(
    const std::string& path, std::string format, const std::shared_ptr<arrow::Schema>& hint,
    bool whole_row_groups = false);

}  // namespace deltactl
