// The SQL meaning of literals and types, shared by parser, renderer, Arrow translation and data
// skipping.
//
// Why this exists: Arrow's own string → timestamp cast insists on an explicit zone for
// zone-aware targets, and its implicit numeric promotion differs from Spark's (decimal vs
// integer, integer division). Delta users write Spark SQL, so we decide coercions ourselves and
// hand Arrow operands that already have the same type. Data skipping uses the very same
// decisions, so a file is skipped only if the Arrow filter would have dropped all its rows.
#include "expr/sql_semantics.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include <arrow/compute/api.h>
#include <arrow/util/decimal.h>

#include "delta/error.h"
#include "util/civil_time.h"
#include "util/compute_init.h"

namespace delta::expr_internal {

namespace cp = arrow::compute;

arrow::Status EnsureComputeInitialized() { return util::EnsureComputeInitialized(); }

// ---------------------------------------------------------------------------------------------
// Temporal text

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) { return util::DaysFromCivil(y, m, d); }

namespace {

struct Civil {
  int64_t year;
  unsigned month;
  unsigned day;
};

Civil CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// A tiny cursor over text for the fixed-format parsers below.
struct Cursor {
  std::string_view s;
  size_t i = 0;
  bool AtEnd() const { return i >= s.size(); }
  char Peek() const { return AtEnd() ? '\0' : s[i]; }
  bool Eat(char c) {
    if (Peek() != c) return false;
    ++i;
    return true;
  }
  // Reads between min and max decimal digits.
  std::optional<int64_t> Digits(size_t min, size_t max, size_t* count = nullptr) {
    size_t start = i;
    int64_t v = 0;
    while (!AtEnd() && i - start < max && std::isdigit(static_cast<unsigned char>(s[i]))) {
      v = v * 10 + (s[i] - '0');
      ++i;
    }
    if (i - start < min) {
      i = start;
      return std::nullopt;
    }
    if (count) *count = i - start;
    return v;
  }
  void SkipBlanks() {
    while (!AtEnd() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  }
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Parses the date part; leaves the cursor after it.
std::optional<int64_t> ParseDatePart(Cursor& c, bool allow_partial) {
  auto year = c.Digits(4, 6);
  if (!year) return std::nullopt;
  unsigned month = 1, day = 1;
  if (c.Eat('-')) {
    auto m = c.Digits(1, 2);
    if (!m) return std::nullopt;
    month = static_cast<unsigned>(*m);
    if (c.Eat('-')) {
      auto d = c.Digits(1, 2);
      if (!d) return std::nullopt;
      day = static_cast<unsigned>(*d);
    } else if (!allow_partial) {
      return std::nullopt;
    }
  } else if (!allow_partial) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(*year, month)) return std::nullopt;
  return DaysFromCivil(*year, month, day);
}

}  // namespace

std::optional<int32_t> ParseDateText(std::string_view text) {
  Cursor c{Trim(text)};
  auto days = ParseDatePart(c, /*allow_partial=*/true);
  if (!days || !c.AtEnd()) return std::nullopt;
  return static_cast<int32_t>(*days);
}

std::optional<ParsedTimestamp> ParseTimestampText(std::string_view text) {
  Cursor c{Trim(text)};
  auto days = ParseDatePart(c, /*allow_partial=*/false);
  if (!days) return std::nullopt;
  int64_t seconds_of_day = 0, micros = 0;
  if (c.Eat(' ') || c.Eat('T')) {
    auto hh = c.Digits(1, 2);
    if (!hh || !c.Eat(':')) return std::nullopt;
    auto mm = c.Digits(2, 2);
    if (!mm) return std::nullopt;
    int64_t ss = 0;
    if (c.Eat(':')) {
      auto s = c.Digits(2, 2);
      if (!s) return std::nullopt;
      ss = *s;
      if (c.Eat('.')) {
        size_t n = 0;
        auto frac = c.Digits(1, 9, &n);
        if (!frac) return std::nullopt;
        int64_t f = *frac;
        for (size_t k = n; k < 6; ++k) f *= 10;
        for (size_t k = 6; k < n; ++k) f /= 10;
        micros = f;
      }
    }
    if (*hh > 23 || *mm > 59 || ss > 59) return std::nullopt;
    seconds_of_day = *hh * 3600 + *mm * 60 + ss;
  }
  ParsedTimestamp out;
  out.micros = (*days * 86400 + seconds_of_day) * 1000000 + micros;
  c.SkipBlanks();
  if (c.AtEnd()) return out;
  std::string zone(c.s.substr(c.i));
  for (char& ch : zone) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  if (zone == "Z" || zone == "UTC" || zone == "GMT" || zone == "ETC/UTC") {
    out.has_zone = true;
    return out;
  }
  Cursor z{zone};
  if (zone.rfind("UTC", 0) == 0 || zone.rfind("GMT", 0) == 0) z.i = 3;
  int sign = 0;
  if (z.Eat('+')) sign = 1;
  else if (z.Eat('-')) sign = -1;
  else return std::nullopt;
  auto oh = z.Digits(1, 2);
  if (!oh) return std::nullopt;
  int64_t om = 0;
  if (z.Eat(':')) {
    auto m = z.Digits(2, 2);
    if (!m) return std::nullopt;
    om = *m;
  } else if (!z.AtEnd()) {
    auto m = z.Digits(2, 2);
    if (!m) return std::nullopt;
    om = *m;
  }
  if (!z.AtEnd() || *oh > 18 || om > 59) return std::nullopt;
  out.micros -= sign * (*oh * 3600 + om * 60) * 1000000;
  out.has_zone = true;
  return out;
}

std::string FormatDate(int64_t days) {
  Civil c = CivilFromDays(days);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02u", static_cast<long long>(c.year), c.month,
                c.day);
  return buf;
}

std::string FormatTimestampMicros(int64_t micros) {
  int64_t days = micros / 86400000000LL;
  int64_t rem = micros % 86400000000LL;
  if (rem < 0) {
    rem += 86400000000LL;
    --days;
  }
  int64_t secs = rem / 1000000, frac = rem % 1000000;
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%s %02lld:%02lld:%02lld", FormatDate(days).c_str(),
                static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                static_cast<long long>(secs % 60));
  std::string out = buf;
  if (frac != 0) {
    std::snprintf(buf, sizeof(buf), ".%06lld", static_cast<long long>(frac));
    std::string f = buf;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Types

bool IsUtcZone(const std::string& tz) {
  return tz == "UTC" || tz == "utc" || tz == "+00:00" || tz == "Etc/UTC" || tz == "Z" ||
         tz == "GMT";
}

arrow::Result<arrow::Datum> Evaluate(const cp::Expression& bound, const cp::ExecBatch& batch,
                                     std::string_view what) {
  auto d = cp::ExecuteScalarExpression(bound, batch);
  if (d.ok() || GetErrorCode(d.status()) != ErrorCode::kInternal) return d;
  const std::string& msg = d.status().message();
  if (msg == "overflow") {
    return DELTA_ERROR(kEvaluation, what, ": integer overflow (the result does not fit its type; CAST an operand "
                       "to BIGINT or DECIMAL first)");
  }
  return DELTA_ERROR(kEvaluation, what, ": ", msg);
}

std::string SqlTypeName(const arrow::DataType& type) {
  using arrow::Type;
  switch (type.id()) {
    case Type::BOOL: return "BOOLEAN";
    case Type::INT8: case Type::UINT8: return "TINYINT";
    case Type::INT16: case Type::UINT16: return "SMALLINT";
    case Type::INT32: case Type::UINT32: return "INT";
    case Type::INT64: case Type::UINT64: return "BIGINT";
    case Type::HALF_FLOAT: case Type::FLOAT: return "FLOAT";
    case Type::DOUBLE: return "DOUBLE";
    case Type::DECIMAL32: case Type::DECIMAL64: case Type::DECIMAL128: case Type::DECIMAL256: {
      const auto& d = static_cast<const arrow::DecimalType&>(type);
      return "DECIMAL(" + std::to_string(d.precision()) + "," + std::to_string(d.scale()) + ")";
    }
    case Type::STRING: case Type::LARGE_STRING: case Type::STRING_VIEW: return "STRING";
    case Type::BINARY: case Type::LARGE_BINARY: case Type::BINARY_VIEW:
    case Type::FIXED_SIZE_BINARY: return "BINARY";
    case Type::DATE32: case Type::DATE64: return "DATE";
    case Type::TIMESTAMP:
      return static_cast<const arrow::TimestampType&>(type).timezone().empty() ? "TIMESTAMP_NTZ"
                                                                                 : "TIMESTAMP";
    default: return type.ToString();
  }
}

bool IsStringLike(const arrow::DataType& t) {
  return t.id() == arrow::Type::STRING || t.id() == arrow::Type::LARGE_STRING ||
         t.id() == arrow::Type::STRING_VIEW;
}

bool IsBinaryLike(const arrow::DataType& t) {
  return t.id() == arrow::Type::BINARY || t.id() == arrow::Type::LARGE_BINARY ||
         t.id() == arrow::Type::BINARY_VIEW || t.id() == arrow::Type::FIXED_SIZE_BINARY;
}

bool IsNumeric(const arrow::DataType& t) {
  return arrow::is_integer(t.id()) || arrow::is_floating(t.id()) || arrow::is_decimal(t.id());
}

bool IsTemporal(const arrow::DataType& t) {
  return t.id() == arrow::Type::DATE32 || t.id() == arrow::Type::DATE64 ||
         t.id() == arrow::Type::TIMESTAMP;
}

namespace {

// Precision of the decimal that holds every value of an integer type (Spark's rule).
int IntegerDecimalDigits(arrow::Type::type id) {
  switch (id) {
    case arrow::Type::INT8: case arrow::Type::UINT8: return 3;
    case arrow::Type::INT16: case arrow::Type::UINT16: return 5;
    case arrow::Type::INT32: case arrow::Type::UINT32: return 10;
    default: return 20;
  }
}

int IntegerRank(arrow::Type::type id) {
  switch (id) {
    case arrow::Type::INT8: return 1;
    case arrow::Type::UINT8: case arrow::Type::INT16: return 2;
    case arrow::Type::UINT16: case arrow::Type::INT32: return 3;
    default: return 4;
  }
}

std::shared_ptr<arrow::DataType> SignedIntOfRank(int rank) {
  switch (rank) {
    case 1: return arrow::int8();
    case 2: return arrow::int16();
    case 3: return arrow::int32();
    default: return arrow::int64();
  }
}

std::shared_ptr<arrow::DataType> NumericCommonType(const std::shared_ptr<arrow::DataType>& a,
                                                   const std::shared_ptr<arrow::DataType>& b) {
  using arrow::Type;
  const bool af = arrow::is_floating(a->id()), bf = arrow::is_floating(b->id());
  const bool ad = arrow::is_decimal(a->id()), bd = arrow::is_decimal(b->id());
  if (af || bf) {
    if (a->id() == Type::DOUBLE || b->id() == Type::DOUBLE || ad || bd) return arrow::float64();
    return arrow::float32();
  }
  if (ad || bd) {
    auto digits = [](const std::shared_ptr<arrow::DataType>& t, int* p, int* s) {
      if (arrow::is_decimal(t->id())) {
        const auto& d = static_cast<const arrow::DecimalType&>(*t);
        *p = d.precision();
        *s = d.scale();
      } else {
        *p = IntegerDecimalDigits(t->id());
        *s = 0;
      }
    };
    int p1, s1, p2, s2;
    digits(a, &p1, &s1);
    digits(b, &p2, &s2);
    const int scale = std::max(s1, s2);
    const int whole = std::max(p1 - s1, p2 - s2);
    const int precision = whole + scale;
    if (precision > 38) {
      // Spark caps at 38 and keeps as much of the integral part as it can.
      return arrow::decimal128(38, std::max(0, 38 - whole));
    }
    return arrow::decimal128(precision, scale);
  }
  return SignedIntOfRank(std::max(IntegerRank(a->id()), IntegerRank(b->id())));
}

arrow::TimeUnit::type FinerUnit(arrow::TimeUnit::type a, arrow::TimeUnit::type b) {
  return static_cast<int>(a) > static_cast<int>(b) ? a : b;
}

}  // namespace

std::shared_ptr<arrow::DataType> CommonType(const std::shared_ptr<arrow::DataType>& a,
                                            const std::shared_ptr<arrow::DataType>& b) {
  using arrow::Type;
  if (a->Equals(*b)) return a;
  if (a->id() == Type::NA) return b;
  if (b->id() == Type::NA) return a;
  if (IsNumeric(*a) && IsNumeric(*b)) return NumericCommonType(a, b);
  if (IsStringLike(*a) && IsStringLike(*b)) {
    return a->id() == Type::LARGE_STRING || b->id() == Type::LARGE_STRING ? arrow::large_utf8()
                                                                          : arrow::utf8();
  }
  if (IsBinaryLike(*a) && IsBinaryLike(*b)) {
    return a->id() == Type::LARGE_BINARY || b->id() == Type::LARGE_BINARY ? arrow::large_binary()
                                                                          : arrow::binary();
  }
  // A string meets anything by being read as that thing.
  auto readable_from_string = [](const arrow::DataType& t) {
    return IsNumeric(t) || IsTemporal(t) || IsBinaryLike(t) || t.id() == Type::BOOL;
  };
  if (IsStringLike(*a) && readable_from_string(*b)) return b;
  if (IsStringLike(*b) && readable_from_string(*a)) return a;
  if (IsTemporal(*a) && IsTemporal(*b)) {
    if (a->id() == Type::TIMESTAMP && b->id() == Type::TIMESTAMP) {
      const auto& ta = static_cast<const arrow::TimestampType&>(*a);
      const auto& tb = static_cast<const arrow::TimestampType&>(*b);
      return arrow::timestamp(FinerUnit(ta.unit(), tb.unit()),
                              ta.timezone().empty() ? tb.timezone() : ta.timezone());
    }
    if (a->id() == Type::TIMESTAMP) return a;
    if (b->id() == Type::TIMESTAMP) return b;
    return arrow::date32();
  }
  return nullptr;
}

namespace {

// Scalar::CastTo implements only a subset of casts (not decimal → decimal, for one); the compute
// cast kernels are the ones the Arrow filter will run, so use those.
arrow::Result<std::shared_ptr<arrow::Scalar>> ComputeCast(
    const std::shared_ptr<arrow::Scalar>& value, const std::shared_ptr<arrow::DataType>& type) {
  if (value->type->Equals(*type)) return value;
  ARROW_ASSIGN_OR_RAISE(
      arrow::Datum out,
      arrow::compute::Cast(arrow::Datum(value), type, arrow::compute::CastOptions::Safe()));
  return out.scalar();
}

}  // namespace

arrow::Result<std::shared_ptr<arrow::Scalar>> CastLiteral(
    const std::shared_ptr<arrow::Scalar>& value, const std::shared_ptr<arrow::DataType>& type) {
  if (value->type->Equals(*type)) return value;
  if (!value->is_valid) return arrow::MakeNullScalar(type);
  ARROW_RETURN_NOT_OK(EnsureComputeInitialized());
  if (IsStringLike(*value->type) && IsTemporal(*type)) {
    std::string_view text = static_cast<const arrow::BaseBinaryScalar&>(*value).view();
    if (type->id() == arrow::Type::TIMESTAMP) {
      auto ts = ParseTimestampText(text);
      if (!ts) return arrow::Status::Invalid("'", text, "' is not a valid timestamp");
      auto us = std::make_shared<arrow::TimestampScalar>(
          ts->micros, arrow::timestamp(arrow::TimeUnit::MICRO,
                                       static_cast<const arrow::TimestampType&>(*type).timezone()));
      return ComputeCast(us, type);
    }
    auto days = ParseDateText(text);
    if (!days) return arrow::Status::Invalid("'", text, "' is not a valid date");
    return ComputeCast(std::make_shared<arrow::Date32Scalar>(*days), type);
  }
  if (value->type->id() == arrow::Type::TIMESTAMP && type->id() == arrow::Type::TIMESTAMP) {
    // Arrow refuses to cast between zone-aware and naive timestamps only in some versions; the
    // stored value is UTC either way, so re-label and convert the unit.
    const auto& from = static_cast<const arrow::TimestampType&>(*value->type);
    const auto& to = static_cast<const arrow::TimestampType&>(*type);
    if (from.timezone() != to.timezone()) {
      auto relabeled = std::make_shared<arrow::TimestampScalar>(
          static_cast<const arrow::TimestampScalar&>(*value).value,
          arrow::timestamp(from.unit(), to.timezone()));
      return ComputeCast(relabeled, type);
    }
  }
  return ComputeCast(value, type);
}

arrow::Result<std::shared_ptr<arrow::Scalar>> CastLiteralExactly(
    const std::shared_ptr<arrow::Scalar>& value, const std::shared_ptr<arrow::DataType>& type) {
  ARROW_ASSIGN_OR_RAISE(auto cast, CastLiteral(value, type));
  if (!value->is_valid || IsStringLike(*value->type)) return cast;
  auto back = CastLiteral(cast, value->type);
  if (!back.ok() || !(*back)->Equals(*value)) {
    return arrow::Status::Invalid("literal ", value->ToString(), " does not fit ",
                                  type->ToString());
  }
  return cast;
}

arrow::Result<std::shared_ptr<arrow::Scalar>> DecimalFromLiteralText(std::string_view text) {
  arrow::Decimal128 value;
  int32_t precision = 0, scale = 0;
  ARROW_RETURN_NOT_OK(arrow::Decimal128::FromString(text, &value, &precision, &scale));
  if (scale < 0) {
    // An exponent made the scale negative ("1E3BD"); Spark stores such values with scale 0.
    ARROW_ASSIGN_OR_RAISE(value, value.Rescale(scale, 0));
    scale = 0;
  }
  // Significant digits of the unscaled value (Arrow counts leading zeros of "0.5" as digits).
  std::string digits = arrow::Decimal128(arrow::BasicDecimal128::Abs(value)).ToIntegerString();
  precision = std::max<int32_t>(static_cast<int32_t>(digits.size()), scale);
  if (precision > 38) {
    return arrow::Status::Invalid("decimal literal ", text, " has more than 38 digits");
  }
  return std::make_shared<arrow::Decimal128Scalar>(value, arrow::decimal128(precision, scale));
}

bool IsReservedWord(std::string_view word) {
  static constexpr std::string_view kReserved[] = {
      "AND", "OR", "NOT", "IS", "NULL", "IN", "BETWEEN", "LIKE", "TRUE",
      "FALSE", "CASE", "WHEN", "THEN", "ELSE", "END", "CAST"};
  for (std::string_view r : kReserved) {
    if (r.size() == word.size() &&
        std::equal(r.begin(), r.end(), word.begin(), [](char a, char b) {
          return a == std::toupper(static_cast<unsigned char>(b));
        })) {
      return true;
    }
  }
  return false;
}

namespace {

template <typename ScalarType>
int ThreeWay(const arrow::Scalar& a, const arrow::Scalar& b) {
  const auto& x = static_cast<const ScalarType&>(a).value;
  const auto& y = static_cast<const ScalarType&>(b).value;
  return x < y ? -1 : (y < x ? 1 : 0);
}

}  // namespace

std::optional<int> CompareScalars(const arrow::Scalar& a, const arrow::Scalar& b) {
  using arrow::Type;
  if (!a.is_valid || !b.is_valid || !a.type->Equals(*b.type)) return std::nullopt;
  switch (a.type->id()) {
    case Type::BOOL: return ThreeWay<arrow::BooleanScalar>(a, b);
    case Type::INT8: return ThreeWay<arrow::Int8Scalar>(a, b);
    case Type::INT16: return ThreeWay<arrow::Int16Scalar>(a, b);
    case Type::INT32: return ThreeWay<arrow::Int32Scalar>(a, b);
    case Type::INT64: return ThreeWay<arrow::Int64Scalar>(a, b);
    case Type::UINT8: return ThreeWay<arrow::UInt8Scalar>(a, b);
    case Type::UINT16: return ThreeWay<arrow::UInt16Scalar>(a, b);
    case Type::UINT32: return ThreeWay<arrow::UInt32Scalar>(a, b);
    case Type::UINT64: return ThreeWay<arrow::UInt64Scalar>(a, b);
    case Type::DATE32: return ThreeWay<arrow::Date32Scalar>(a, b);
    case Type::DATE64: return ThreeWay<arrow::Date64Scalar>(a, b);
    case Type::TIMESTAMP: return ThreeWay<arrow::TimestampScalar>(a, b);
    case Type::TIME32: return ThreeWay<arrow::Time32Scalar>(a, b);
    case Type::TIME64: return ThreeWay<arrow::Time64Scalar>(a, b);
    case Type::DURATION: return ThreeWay<arrow::DurationScalar>(a, b);
    case Type::DECIMAL128: return ThreeWay<arrow::Decimal128Scalar>(a, b);
    case Type::DECIMAL256: return ThreeWay<arrow::Decimal256Scalar>(a, b);
    case Type::FLOAT: {
      float x = static_cast<const arrow::FloatScalar&>(a).value;
      float y = static_cast<const arrow::FloatScalar&>(b).value;
      if (std::isnan(x) || std::isnan(y)) return std::nullopt;
      return x < y ? -1 : (y < x ? 1 : 0);
    }
    case Type::DOUBLE: {
      double x = static_cast<const arrow::DoubleScalar&>(a).value;
      double y = static_cast<const arrow::DoubleScalar&>(b).value;
      if (std::isnan(x) || std::isnan(y)) return std::nullopt;
      return x < y ? -1 : (y < x ? 1 : 0);
    }
    case Type::STRING: case Type::LARGE_STRING: case Type::STRING_VIEW:
    case Type::BINARY: case Type::LARGE_BINARY: case Type::BINARY_VIEW:
    case Type::FIXED_SIZE_BINARY: {
      std::string_view x = static_cast<const arrow::BaseBinaryScalar&>(a).view();
      std::string_view y = static_cast<const arrow::BaseBinaryScalar&>(b).view();
      int c = x.compare(y);
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    default: return std::nullopt;
  }
}

}  // namespace delta::expr_internal
