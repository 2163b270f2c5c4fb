// Generated columns on write (PROTOCOL.md "Generated Columns").
//
// A generated column carries its SQL expression in the field metadata
// `delta.generationExpression`. When the table's protocol supports the generatedColumns writer
// feature (writer version 4..6, or the feature listed under 7), every row written must satisfy
// `(column <=> expression) IS TRUE`. deltacpp computes a generated column the input does not
// provide and checks one it does (kConstraintViolation naming the column, its expression and a
// row). An expression deltacpp's expression language cannot evaluate refuses the write with
// kUnsupportedFeature: a wrong value is never written.
//
// Expressions may refer only to top-level non-generated columns of the table; they are
// evaluated as Spark does with the session time zone UTC. Pure, thread-safe once built.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <arrow/compute/expression.h>
#include <arrow/record_batch.h>
#include <arrow/result.h>
#include <arrow/type.h>

namespace delta::write {

/// Checks the generation expressions of a schema about to become a table's: each parses
/// (kParseError), refers only to existing non-generated top-level columns (kInvalidArgument),
/// is evaluable by deltacpp (kUnsupportedFeature) and yields a type that fits its column
/// (kInvalidArgument). All name the column and its expression.
arrow::Status ValidateGenerationExpressions(const arrow::Schema& schema);

/// `data` plus the generated fields of `table` it lacks (they will be computed), for schema
/// reconciliation.
std::shared_ptr<arrow::Schema> WithGeneratedFields(const arrow::Schema& table, const arrow::Schema& data);

class GeneratedColumns {
 public:
  /// Compiles the generation expressions of `table_schema` (the schema the write produces; none when `enforce` is false, i.e.
  /// the protocol does not support generatedColumns). kUnsupportedFeature for an expression
  /// deltacpp cannot evaluate.
  static arrow::Result<GeneratedColumns> Make(const std::shared_ptr<arrow::Schema>& table_schema,
                                              bool enforce);

  bool empty() const { return columns_.empty(); }

  /// Conforms an input batch to `target` (ConformBatch), computing the generated columns the
  /// batch lacks and checking those it has.
  arrow::Result<std::shared_ptr<arrow::RecordBatch>> Conform(
      const arrow::RecordBatch& input, const std::shared_ptr<arrow::Schema>& target) const;

 private:
  struct Column {
    std::string name;
    std::string text;
    arrow::compute::Expression value;  // bound to source_schema_
  };
  std::vector<Column> columns_;
  std::shared_ptr<arrow::Schema> source_schema_;  // the non-generated columns
};

}  // namespace delta::write
