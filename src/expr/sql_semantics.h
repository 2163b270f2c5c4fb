// Helpers shared by the expression parser, renderer, Arrow translation and data skipping.
//
// Three consumers must agree on the meaning of a literal and on type coercion, otherwise a file
// skipped by statistics could hold rows the Arrow filter would have kept. Everything that
// decides "what value does this text denote" and "which type do two operands meet at" therefore
// lives here, once: temporal text parsing/formatting (Spark's TIMESTAMP without a zone is taken
// as UTC), Spark type names, the common type of two operands, and literal casting.
//
// All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <arrow/compute/exec.h>
#include <arrow/compute/expression.h>
#include <arrow/result.h>
#include <arrow/scalar.h>
#include <arrow/status.h>
#include <arrow/type.h>

namespace delta::expr_internal {

/// Calls arrow::compute::Initialize() once per process (Arrow 26 registers kernels lazily).
arrow::Status EnsureComputeInitialized();

// ---- temporal text ----

/// Days since 1970-01-01 of a proleptic Gregorian civil date.
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);

/// Parses "yyyy-[m]m-[d]d" (also "yyyy" and "yyyy-[m]m", as Spark). Surrounding blanks allowed.
std::optional<int32_t> ParseDateText(std::string_view text);

struct ParsedTimestamp {
  int64_t micros = 0;      ///< microseconds since the epoch; UTC when has_zone
  bool has_zone = false;   ///< an explicit zone (Z, UTC, +hh:mm, ...) was given and applied
};

/// Parses "yyyy-mm-dd[( |T)hh:mm[:ss[.f{1,9}]]][ ][zone]"; zone is Z, UTC, GMT, +hh, +hh:mm,
/// +hhmm (or -). Fractions beyond microseconds are truncated.
std::optional<ParsedTimestamp> ParseTimestampText(std::string_view text);

/// "yyyy-mm-dd".
std::string FormatDate(int64_t days);
/// "yyyy-mm-dd hh:mm:ss[.ffffff]" (fraction only when non-zero, trailing zeros trimmed).
std::string FormatTimestampMicros(int64_t micros);

// ---- types ----

/// Spark SQL name of an Arrow type as CAST accepts it ("DECIMAL(10,2)", "TIMESTAMP_NTZ"), or
/// the nearest Spark type for Arrow types Spark lacks (large_string → STRING).
std::string SqlTypeName(const arrow::DataType& type);

/// Evaluates a bound expression on a batch. A failure on the data (Arrow's overflow, cast and
/// invalid-value errors: kInternal otherwise) becomes kEvaluation prefixed with `what` (e.g.
/// "UPDATE SET id"), so users learn which column or predicate failed.
arrow::Result<arrow::Datum> Evaluate(const arrow::compute::Expression& bound,
                                     const arrow::compute::ExecBatch& batch, std::string_view what);

/// Whether a timestamp time zone denotes UTC ("UTC", "+00:00", "Etc/UTC", "Z").
bool IsUtcZone(const std::string& tz);

bool IsStringLike(const arrow::DataType& type);
bool IsBinaryLike(const arrow::DataType& type);
bool IsNumeric(const arrow::DataType& type);
bool IsTemporal(const arrow::DataType& type);

/// The type two operands of a comparison (or arithmetic, IN, COALESCE, CASE) meet at, Spark
/// style: numeric widening (int < bigint < float < double; integers and decimals widen to a
/// decimal that holds both; decimal with floating → double), string vs date/timestamp/number/
/// boolean/binary → the non-string type, date vs timestamp → timestamp, timestamps of different
/// units → the finer unit. Null type meets anything. Returns nullptr when the types do not meet.
std::shared_ptr<arrow::DataType> CommonType(const std::shared_ptr<arrow::DataType>& a,
                                            const std::shared_ptr<arrow::DataType>& b);

/// Casts a literal scalar to `type` with SQL meaning: a null (of any type) becomes a typed null;
/// strings cast to date/timestamp with ParseDateText/ParseTimestampText (no zone → UTC);
/// everything else with Arrow's safe cast (fails on overflow or truncation).
arrow::Result<std::shared_ptr<arrow::Scalar>> CastLiteral(
    const std::shared_ptr<arrow::Scalar>& value, const std::shared_ptr<arrow::DataType>& type);

/// CastLiteral, but only when no information is lost: casting the result back to the original
/// type gives the original value (string literals are taken as intended for any type they parse
/// as). Fails otherwise.
arrow::Result<std::shared_ptr<arrow::Scalar>> CastLiteralExactly(
    const std::shared_ptr<arrow::Scalar>& value, const std::shared_ptr<arrow::DataType>& type);

/// The decimal a Spark numeric literal without exponent denotes ("1.25" → decimal(3,2) 125,
/// "0.001" → decimal(3,3)): precision = max(significant digits, scale). Fails beyond 38 digits.
arrow::Result<std::shared_ptr<arrow::Scalar>> DecimalFromLiteralText(std::string_view text);

/// Words the parser treats as keywords everywhere; a column with such a name is back-quoted
/// when rendered.
bool IsReservedWord(std::string_view word);

/// Three-way comparison of two non-null scalars of the same type: <0, 0, >0; nullopt when the
/// type is not ordered here or a value is NaN.
std::optional<int> CompareScalars(const arrow::Scalar& a, const arrow::Scalar& b);

}  // namespace delta::expr_internal
