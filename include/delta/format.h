// Rendering Arrow values for people and scripts: JSON values and plain text.
//
// Timestamps render as ISO-8601 (UTC with a trailing Z for zoned timestamps), dates as
// YYYY-MM-DD, decimals exactly, binary as base64 in JSON. Thread-safe.
#pragma once

#include <string>

#include <arrow/record_batch.h>
#include <arrow/scalar.h>

namespace delta {

/// The value as JSON text ("null" for nulls).
std::string ScalarToJsonText(const arrow::Scalar& value);

/// The value as display text ("NULL" for nulls; strings unquoted).
std::string ScalarToDisplayText(const arrow::Scalar& value);

/// One row of a batch as a JSON object text, keyed by column name.
std::string RowToJsonText(const arrow::RecordBatch& batch, int64_t row);

}  // namespace delta
