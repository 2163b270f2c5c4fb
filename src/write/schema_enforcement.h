// Schema enforcement and evolution for writes.
//
// The Delta type of incoming Arrow data: large/view strings and binaries narrow to their
// plain forms, dictionaries to their values, timestamps of any unit to microseconds (zoned →
// timestamp, naive → timestamp_ntz), unsigned integers widen to the next signed type.
// Enforcement compares the data with the table schema and lists every difference; evolution
// (merge) adds new columns and new nested fields.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>
#include <arrow/type.h>

namespace delta::write {

/// Whether data of type `from` can be written into a column of type `to` without loss (same
/// type, integer/float widening, decimal with room for every value, timestamp units).
bool SafelyCastable(const arrow::DataType& from, const arrow::DataType& to);

/// The Delta-compatible form of an Arrow type; kSchemaMismatch naming `column` if none exists.
arrow::Result<std::shared_ptr<arrow::DataType>> NormalizeType(const std::shared_ptr<arrow::DataType>& type,
                                                              const std::string& column);

/// The Delta-compatible form of a whole schema (nullability and metadata kept).
arrow::Result<std::shared_ptr<arrow::Schema>> NormalizeSchema(const arrow::Schema& schema);

/// Checks that data with schema `data` can be written into `table`, with schema evolution when
/// `merge` is set. Returns the schema the table will have after the write (== table unless
/// merged). With `widen` (merge on a table with type widening enabled) a column the data has
/// in a wider type the protocol allows is widened (the caller records delta.typeChanges).
/// kSchemaMismatch listing every difference otherwise.
arrow::Result<std::shared_ptr<arrow::Schema>> ReconcileSchemas(const arrow::Schema& table,
                                                               const arrow::Schema& data, bool merge,
                                                               bool widen = false);

/// Conforms a batch to `target`: reorders and casts columns by name, fills absent nullable
/// columns with nulls, and refuses nulls in non-nullable columns (kSchemaMismatch naming the
/// column).
arrow::Result<std::shared_ptr<arrow::RecordBatch>> ConformBatch(const arrow::RecordBatch& batch,
                                                                const std::shared_ptr<arrow::Schema>& target);

}  // namespace delta::write
