// Partition value (de)serialization (PROTOCOL.md "Partition Value Serialization").
//
// The log stores partition values as strings keyed by physical column name; null is a JSON
// null (and an empty string is treated as null, as Spark writes it). Dates are YYYY-MM-DD;
// timestamps "YYYY-MM-DD HH:MM:SS[.ffffff]" (UTC for timestamp, wall clock for timestamp_ntz)
// or ISO-8601 with a zone; decimals and numbers in plain text; binary as the raw bytes.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <arrow/result.h>
#include <arrow/scalar.h>

namespace delta::scan {

/// Parses a serialized partition value into a scalar of `type` (a null scalar for null).
/// kCorruptLog naming the column when the text does not parse as the type.
arrow::Result<std::shared_ptr<arrow::Scalar>> ParsePartitionValue(
    const std::optional<std::string>& value, const std::shared_ptr<arrow::DataType>& type,
    const std::string& column);

}  // namespace delta::scan
