// Expressions: deltacpp's SQL predicate and value language.
//
// One expression tree serves three consumers:
//   - row filtering and value computation, by translation to arrow::compute::Expression;
//   - data skipping, by conservative evaluation against per-file statistics and partition
//     values (see MayMatch);
//   - the CLI's --where flag and the Python filter= argument (SQL strings, ParseExpression).
//
// Column references name *logical* columns (as the table schema shows them to users); nested
// fields are dotted paths (`a.b.c`, or back-quoted parts: `a`.`b.c`). Literals are Arrow
// scalars. Expression trees are immutable and shared (ExprPtr); all functions here are pure and
// thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/compute/expression.h>
#include <arrow/result.h>
#include <arrow/scalar.h>
#include <arrow/type_fwd.h>

namespace delta {

class Expr;
using ExprPtr = std::shared_ptr<const Expr>;

/// A node of an expression tree.
///  - kColumn: `column` is the path of a logical column (one element per nesting level).
///  - kLiteral: `literal` is a non-null scalar, or a NullScalar (type null) for SQL NULL.
///  - kCall: `function` applied to `args`. Function names are lower-case; the set produced by
///    the parser: "and" "or" "not" "==" "!=" "<" "<=" ">" ">=" "<=>" (null-safe equality)
///    "is_null" "is_not_null" "in"
///    (args[0] is the value, the rest the list) "like" (args: value, pattern literal)
///    "+" "-" "*" "/" "%" "negate" "cast" (target type in `cast_type`) and named SQL functions
///    (e.g. "coalesce", "lower", "upper", "abs").
///    BETWEEN is parsed as (x >= lo AND x <= hi); NOT IN / NOT LIKE as not(...).
class Expr {
 public:
  enum class Kind { kColumn, kLiteral, kCall };

  static ExprPtr Column(std::vector<std::string> path);
  static ExprPtr Literal(std::shared_ptr<arrow::Scalar> value);
  static ExprPtr Call(std::string function, std::vector<ExprPtr> args);
  static ExprPtr Cast(ExprPtr arg, std::shared_ptr<arrow::DataType> type);

  Kind kind() const { return kind_; }
  const std::vector<std::string>& column() const { return column_; }
  const std::shared_ptr<arrow::Scalar>& literal() const { return literal_; }
  const std::string& function() const { return function_; }
  const std::vector<ExprPtr>& args() const { return args_; }
  const std::shared_ptr<arrow::DataType>& cast_type() const { return cast_type_; }

  /// SQL-like rendering, parseable again by ParseExpression.
  std::string ToString() const;

  /// Every column path the expression refers to (deduplicated, in first-use order).
  std::vector<std::vector<std::string>> ReferencedColumns() const;

  Kind kind_ = Kind::kLiteral;
  std::vector<std::string> column_;
  std::shared_ptr<arrow::Scalar> literal_;
  std::string function_;
  std::vector<ExprPtr> args_;
  std::shared_ptr<arrow::DataType> cast_type_;
};

/// Parses a SQL boolean or value expression: comparisons, AND/OR/NOT, IN, BETWEEN,
/// IS [NOT] NULL, LIKE, arithmetic, parentheses, literals of every Delta type (integers,
/// decimals 1.5 / 1.5BD, doubles 1e3 / 1.5D, 'strings', TRUE/FALSE, NULL, DATE '2020-01-01',
/// TIMESTAMP '2020-01-01 00:00:00[+zone]', TIMESTAMP_NTZ '...', X'0A0B'), CAST(x AS type)
/// with Delta/Spark type names, and function calls.
/// Fails with ErrorCode::kParseError and a message giving the 1-based character position
/// and what was expected, e.g. "at position 7: expected an expression after 'AND'".
arrow::Result<ExprPtr> ParseExpression(std::string_view sql);

/// Translates to an Arrow compute expression over a batch whose schema is `schema` (logical
/// column names; nested fields as struct children). Literals are cast to the type of the
/// column they are compared with (e.g. '2020-01-01' against a date32 column); an unknown
/// column is an error naming it (ErrorCode::kInvalidArgument). SQL semantics: comparisons with
/// NULL yield NULL; a row filter keeps only rows where the predicate is TRUE.
arrow::Result<arrow::compute::Expression> ToArrowExpression(const Expr& expr,
                                                            const arrow::Schema& schema);

/// Statistics of one column in one file, typed like the column (Arrow scalars).
struct ColumnStats {
  std::shared_ptr<arrow::Scalar> min;     ///< null pointer: unknown
  std::shared_ptr<arrow::Scalar> max;     ///< null pointer: unknown
  std::optional<int64_t> null_count;      ///< empty: unknown
  /// True when every value in the file equals `min` (partition columns): min == max, and if
  /// all_null is set too, every value is NULL.
  bool exact = false;
  bool all_null = false;
};

/// What is known about one data file: its row count and per-column stats, keyed by the dotted
/// logical column path ("a.b"). Partition columns appear as exact stats.
struct FileStatistics {
  std::optional<int64_t> num_records;
  std::map<std::string, ColumnStats> columns;
};

/// Data skipping: returns false only when `predicate` is certainly not TRUE for every row of a
/// file described by `stats` (the file can be skipped); true when it may match or when the
/// predicate cannot be evaluated on statistics (unknown function, missing stats, type
/// mismatch). Never wrong in the "false" direction: a skipped file holds no matching row.
/// `schema` is the logical table schema (for literal typing).
bool MayMatch(const Expr& predicate, const FileStatistics& stats, const arrow::Schema& schema);

/// MayMatch for the many files of one table: the same verdicts, with what does not depend on
/// the file (each literal's column type, the type it is compared at and its value there: Arrow
/// casts of several microseconds each) worked out on first use and reused for every file.
/// Thread-safe.
class SkippingPredicate {
 public:
  /// `schema`: the logical table schema, as for MayMatch.
  SkippingPredicate(ExprPtr predicate, std::shared_ptr<arrow::Schema> schema);
  ~SkippingPredicate();
  SkippingPredicate(SkippingPredicate&&) noexcept;
  SkippingPredicate& operator=(SkippingPredicate&&) noexcept;

  bool MayMatch(const FileStatistics& stats) const;
  const ExprPtr& predicate() const { return predicate_; }
  /// The top-level columns the predicate reads, lower-cased (skipping matches names
  /// case-insensitively): the only stats MayMatch looks at.
  const std::set<std::string>& columns() const { return columns_; }

  struct Conversions;  ///< skipping.cc

 private:
  ExprPtr predicate_;
  std::shared_ptr<arrow::Schema> schema_;
  std::set<std::string> columns_;
  std::unique_ptr<Conversions> conversions_;
};

}  // namespace delta
