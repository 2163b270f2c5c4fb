// Specification of ToArrowExpression: SQL semantics (NULLs, Kleene logic, Spark coercions) by
// evaluating translated predicates and values over a small batch with NULLs.
#include <gtest/gtest.h>

#include <arrow/api.h>
#include <arrow/compute/api.h>
#include <arrow/json/from_string.h>

#include "delta/error.h"
#include "delta/expression.h"

namespace delta {
namespace {

namespace cp = arrow::compute;

constexpr int64_t kTenOClock = 1577872800000000LL;  // 2020-01-01 10:00:00 UTC in µs

std::shared_ptr<arrow::RecordBatch> TestBatch() {
  auto inner =
      arrow::struct_({arrow::field("x", arrow::int32()), arrow::field("Inner", arrow::utf8())});
  auto schema = arrow::schema({
      arrow::field("i", arrow::int32()),
      arrow::field("l", arrow::int64()),
      arrow::field("d", arrow::decimal128(10, 2)),
      arrow::field("f", arrow::float64()),
      arrow::field("s", arrow::utf8()),
      arrow::field("dt", arrow::date32()),
      arrow::field("ts", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")),
      arrow::field("b", arrow::boolean()),
      arrow::field("st", inner),
  });
  auto json = [](const std::shared_ptr<arrow::DataType>& t, const std::string& text) {
    return arrow::json::ArrayFromJSONString(t, text).ValueOrDie();
  };
  const std::string t0 = std::to_string(kTenOClock);
  const std::string t1 = std::to_string(kTenOClock + 1);
  const std::string t2 = std::to_string(kTenOClock + 86400000000LL);
  return arrow::RecordBatch::Make(
      schema, 4,
      {json(arrow::int32(), "[1, 2, null, 4]"),
       json(arrow::int64(), "[10, 20, 30, null]"),
       json(arrow::decimal128(10, 2), R"(["1.25", "2.50", null, "10.00"])"),
       json(arrow::float64(), "[0.5, 1.5, null, -2.5]"),
       json(arrow::utf8(), R"(["apple", "Banana", null, " cherry "])"),
       json(arrow::date32(), "[18262, 18263, null, 18628]"),  // 2020-01-01, -02, null, 2021-01-01
       json(arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"),
            "[" + t0 + ", " + t1 + ", null, " + t2 + "]"),
       json(arrow::boolean(), "[true, null, false, null]"),
       json(inner, R"([{"x": 1, "Inner": "p"}, {"x": 2, "Inner": "q"}, null,
                      {"x": null, "Inner": "q"}])")});
}

arrow::Result<std::shared_ptr<arrow::Array>> Eval(std::string_view sql) {
  auto batch = TestBatch();
  ARROW_ASSIGN_OR_RAISE(ExprPtr e, ParseExpression(sql));
  ARROW_ASSIGN_OR_RAISE(cp::Expression expr, ToArrowExpression(*e, *batch->schema()));
  ARROW_ASSIGN_OR_RAISE(expr, expr.Bind(*batch->schema()));
  ARROW_ASSIGN_OR_RAISE(arrow::Datum out, cp::ExecuteScalarExpression(expr, cp::ExecBatch(*batch)));
  if (out.is_scalar()) return arrow::MakeArrayFromScalar(*out.scalar(), batch->num_rows());
  return out.make_array();
}

void ExpectEval(std::string_view sql, const std::shared_ptr<arrow::DataType>& type,
                const std::string& expected_json) {
  SCOPED_TRACE(std::string(sql));
  auto result = Eval(sql);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  auto expected = arrow::json::ArrayFromJSONString(type, expected_json).ValueOrDie();
  EXPECT_TRUE((*result)->Equals(*expected))
      << "got " << (*result)->type()->ToString() << " " << (*result)->ToString()
      << "\nexpected " << type->ToString() << " " << expected->ToString();
}

void ExpectBool(std::string_view sql, const std::string& expected_json) {
  ExpectEval(sql, arrow::boolean(), expected_json);
}

std::string TranslationError(std::string_view sql, ErrorCode code = ErrorCode::kInvalidArgument) {
  auto batch = TestBatch();
  auto e = ParseExpression(sql);
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  if (!e.ok()) return "";
  auto t = ToArrowExpression(**e, *batch->schema());
  if (t.ok()) return "translated: " + t->ToString();
  EXPECT_EQ(GetErrorCode(t.status()), code) << t.status().ToString();
  return t.status().message();
}

// ---- predicates ----

TEST(ExprToArrow, ComparisonsYieldNullForNullRows) {
  ExpectBool("i > 1", "[false, true, null, true]");
  ExpectBool("1 < i", "[false, true, null, true]");
  ExpectBool("i = 2", "[false, true, null, false]");
  ExpectBool("i != 2", "[true, false, null, true]");
  ExpectBool("i <= 2", "[true, true, null, false]");
  ExpectBool("i = NULL", "[null, null, null, null]");
}

TEST(ExprToArrow, NullSafeEqualityIsNeverNull) {
  ExpectBool("i <=> 2", "[false, true, false, false]");
  ExpectBool("i <=> NULL", "[false, false, true, false]");
  ExpectBool("NULL <=> NULL", "[true, true, true, true]");
  ExpectBool("i <=> l / 10", "[true, true, false, false]");  // 3 vs NULL, NULL vs 3: both false
  ExpectBool("NOT (i <=> 2)", "[true, false, true, true]");
  auto e = ParseExpression("a <=> b");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->ToString(), "a <=> b");
}

TEST(ExprToArrow, IsNullAndIsNotNull) {
  ExpectBool("i IS NULL", "[false, false, true, false]");
  ExpectBool("s IS NOT NULL", "[true, true, false, true]");
}

TEST(ExprToArrow, AndOrNotFollowKleeneLogic) {
  ExpectBool("i > 1 OR b", "[true, true, null, true]");
  ExpectBool("i > 1 AND b", "[false, null, false, null]");
  ExpectBool("NOT i > 1", "[true, false, null, false]");
  ExpectBool("NOT b", "[false, null, true, null]");
  ExpectBool("b OR NULL", "[true, null, null, null]");
}

TEST(ExprToArrow, BetweenIsInclusive) {
  ExpectBool("i BETWEEN 2 AND 4", "[false, true, null, true]");
  ExpectBool("i NOT BETWEEN 2 AND 4", "[true, false, null, false]");
}

TEST(ExprToArrow, InListUsesSqlNullSemantics) {
  ExpectBool("i IN (1, 4)", "[true, false, null, true]");
  ExpectBool("i NOT IN (1, 4)", "[false, true, null, false]");
  ExpectBool("i IN (1, NULL)", "[true, null, null, null]");
  ExpectBool("i NOT IN (1, NULL)", "[false, null, null, null]");
  ExpectBool("s IN ('apple', 'cherry')", "[true, false, null, false]");
  ExpectBool("i IN (1.0, 2.5)", "[true, false, null, false]");  // common type: decimal
  ExpectBool("i IN (l / 10, 4)", "[true, true, null, true]");    // non-literal items
  ExpectBool("dt IN ('2020-01-02', DATE '2021-01-01')", "[false, true, null, true]");
}

TEST(ExprToArrow, LikeMatchesSqlPatterns) {
  ExpectBool("s LIKE 'a%'", "[true, false, null, false]");
  ExpectBool("s LIKE '_anana'", "[false, true, null, false]");
  ExpectBool("s NOT LIKE '%e%'", "[false, true, null, false]");
  ExpectBool("s LIKE 'APPLE'", "[false, false, null, false]");
  ExpectBool("s LIKE NULL", "[null, null, null, null]");
}

// ---- coercions ----

TEST(ExprToArrow, StringLiteralsAreReadAsTheColumnsType) {
  ExpectBool("dt >= '2020-01-02'", "[false, true, null, true]");
  ExpectBool("dt = DATE '2020-01-01'", "[true, false, null, false]");
  ExpectBool("ts = '2020-01-01 10:00:00'", "[true, false, null, false]");
  ExpectBool("ts > TIMESTAMP '2020-01-01 11:00:00+01:00'", "[false, true, null, true]");
  ExpectBool("ts < TIMESTAMP_NTZ '2020-01-01 10:00:00.000001'", "[true, false, null, false]");
  ExpectBool("i = '2'", "[false, true, null, false]");
  ExpectBool("d = '2.5'", "[false, true, null, false]");
}

TEST(ExprToArrow, DateAgainstTimestampComparesAsTimestamp) {
  ExpectBool("dt < TIMESTAMP '2020-01-01 00:00:01'", "[true, false, null, false]");
  ExpectBool("ts >= DATE '2020-01-02'", "[false, false, null, true]");
}

TEST(ExprToArrow, NumericWideningBetweenIntegersDecimalsAndFloats) {
  ExpectBool("d > 2", "[false, true, null, true]");
  ExpectBool("d > 1.255", "[false, true, null, true]");  // literal does not fit DECIMAL(10,2)
  ExpectBool("d < 2.0D", "[true, false, null, false]");
  ExpectBool("i > 1.5", "[false, true, null, true]");
  ExpectBool("i = 2L", "[false, true, null, false]");
  ExpectBool("l > i * 10", "[false, false, null, null]");
  ExpectBool("f > i", "[false, false, null, false]");
  ExpectBool("i < 3000000000", "[true, true, null, true]");
}

TEST(ExprToArrow, ArithmeticFollowsSparkResultTypes) {
  ExpectEval("i + 1", arrow::int32(), "[2, 3, null, 5]");
  ExpectEval("i - l", arrow::int64(), "[-9, -18, null, null]");
  ExpectEval("i * 2", arrow::int32(), "[2, 4, null, 8]");
  ExpectEval("i / 2", arrow::float64(), "[0.5, 1, null, 2]");  // integer division is DOUBLE
  ExpectEval("i % 3", arrow::int32(), "[1, 2, null, 1]");
  ExpectEval("-i", arrow::int32(), "[-1, -2, null, -4]");
  ExpectEval("f * 2", arrow::float64(), "[1, 3, null, -5]");
  ExpectEval("d + 1", arrow::decimal128(11, 2), R"(["2.25", "3.50", null, "11.00"])");
}

// `x % <integer literal>` runs deltacpp's multiply-and-shift kernel (util/compute_init.h); its
// results must be Arrow's remainder (Spark's `%`: truncating, the sign of the dividend) for
// every dividend, extremes included, and divisors of either sign.
TEST(ExprToArrow, RemainderByAConstantAgreesWithArrowsRemainder) {
  std::vector<int64_t> values = {0, 1, -1, 7, -7, 99, 100, 101, -100, -101, INT64_MAX, INT64_MIN,
                                 INT64_MAX - 1, INT64_MIN + 1, INT32_MAX, INT32_MIN};
  uint64_t state = 0x9E3779B97F4A7C15ULL;
  for (int i = 0; i < 2000; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    values.push_back(static_cast<int64_t>(state) >> (i % 60));
  }
  arrow::Int64Builder lb;
  arrow::Int32Builder ib;
  for (int64_t v : values) {
    ASSERT_TRUE(lb.Append(v).ok());
    ASSERT_TRUE(ib.Append(static_cast<int32_t>(v)).ok());
  }
  ASSERT_TRUE(lb.AppendNull().ok());
  ASSERT_TRUE(ib.AppendNull().ok());
  auto schema = arrow::schema({arrow::field("l", arrow::int64()), arrow::field("i", arrow::int32())});
  auto batch = arrow::RecordBatch::Make(schema, static_cast<int64_t>(values.size()) + 1,
                                        {lb.Finish().ValueOrDie(), ib.Finish().ValueOrDie()});
  for (int64_t d : std::initializer_list<int64_t>{2, -2, 3, 7, -7, 10, 100, -100, 1000003, 2147483647,
                                                   -2147483647, 4294967296, INT64_MAX}) {
    for (const char* column : {"l", "i"}) {
      if (std::string(column) == "i" && (d > INT32_MAX || d < INT32_MIN)) continue;
      const std::string sql = std::string(column) + " % " + std::to_string(d);
      SCOPED_TRACE(sql);
      auto e = ParseExpression(sql);
      ASSERT_TRUE(e.ok()) << e.status().ToString();
      auto translated = ToArrowExpression(**e, *schema);
      ASSERT_TRUE(translated.ok()) << translated.status().ToString();
      auto bound = translated->Bind(*schema);
      ASSERT_TRUE(bound.ok());
      auto got = cp::ExecuteScalarExpression(*bound, cp::ExecBatch(*batch));
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      auto divisor = arrow::MakeScalar(d);
      auto expected = cp::CallFunction(
          "remainder", {batch->GetColumnByName(column),
                        std::string(column) == "i" ? arrow::Datum(std::make_shared<arrow::Int32Scalar>(
                                                         static_cast<int32_t>(d)))
                                                   : arrow::Datum(divisor)});
      ASSERT_TRUE(expected.ok()) << expected.status().ToString();
      EXPECT_TRUE(got->make_array()->Equals(*expected->make_array()))
          << "got " << got->make_array()->ToString().substr(0, 400);
    }
  }
  // The translation picks the kernel only for such divisors; a zero divisor stays an error.
  EXPECT_NE(ToArrowExpression(**ParseExpression("l % 100"), *schema)->ToString().find("delta_remainder_by_constant"),
            std::string::npos);
  EXPECT_NE(ToArrowExpression(**ParseExpression("l % -1"), *schema)->ToString().find("remainder_checked"),
            std::string::npos);
  EXPECT_FALSE(Eval("i % 0").ok());
}

TEST(ExprToArrow, IntegerOverflowIsAnError) {
  auto r = Eval("i * 2147483647");
  EXPECT_FALSE(r.ok());
}

// ---- columns ----

TEST(ExprToArrow, NestedFieldsAndCaseInsensitiveNames) {
  ExpectBool("st.x > 1", "[false, true, null, null]");
  ExpectBool("ST.inner = 'q'", "[false, true, null, true]");
  ExpectBool("I = 1", "[true, false, null, false]");
  ExpectBool("`st`.`Inner` = 'p'", "[true, false, null, false]");
}

TEST(ExprToArrow, UnknownColumnNamesAvailableColumns) {
  EXPECT_EQ(TranslationError("nope > 1"),
            "column 'nope' not found in schema (available: i, l, d, f, s, dt, ts, b, st)");
  EXPECT_EQ(TranslationError("st.y > 1"),
            "column 'st.y' not found in schema (available: x, Inner)");
  EXPECT_EQ(TranslationError("i.x > 1"),
            "column 'i' is of type int32, not a struct; cannot select 'x'");
}

TEST(ExprToArrow, UnknownFunctionIsNamed) {
  EXPECT_EQ(TranslationError("frobnicate(i) > 1"),
            "unknown function 'frobnicate' in frobnicate(i)");
  EXPECT_EQ(TranslationError("lower(s, i) = 'a'"), "function 'lower' takes 1 argument, got 2");
  EXPECT_EQ(TranslationError("s LIKE s"),
            "the pattern of LIKE must be a string literal in s LIKE s");
  EXPECT_EQ(TranslationError("dt = 'yesterday'"),
            "cannot use 'yesterday' as DATE: 'yesterday' is not a valid date");
}

// ---- functions ----

TEST(ExprToArrow, StringFunctions) {
  ExpectEval("lower(s)", arrow::utf8(), R"(["apple", "banana", null, " cherry "])");
  ExpectEval("UPPER(s)", arrow::utf8(), R"(["APPLE", "BANANA", null, " CHERRY "])");
  ExpectEval("length(s)", arrow::int32(), "[5, 6, null, 8]");
  ExpectEval("trim(s)", arrow::utf8(), R"(["apple", "Banana", null, "cherry"])");
  ExpectEval("substring(s, 2, 3)", arrow::utf8(), R"(["ppl", "ana", null, "che"])");
  ExpectEval("substr(s, -3)", arrow::utf8(), R"(["ple", "ana", null, "ry "])");
  ExpectEval("substring(s, 0, 2)", arrow::utf8(), R"(["ap", "Ba", null, " c"])");
  ExpectEval("s || '!'", arrow::utf8(), R"(["apple!", "Banana!", null, " cherry !"])");
  ExpectEval("concat(s, '-', i)", arrow::utf8(), R"(["apple-1", "Banana-2", null, " cherry -4"])");
  ExpectBool("startswith(s, 'app')", "[true, false, null, false]");
}

TEST(ExprToArrow, CoalesceCaseWhenAndCast) {
  ExpectEval("coalesce(i, 0)", arrow::int32(), "[1, 2, 0, 4]");
  ExpectEval("coalesce(i, l)", arrow::int64(), "[1, 2, 30, 4]");
  ExpectEval("CASE WHEN i > 2 THEN 'big' WHEN i > 0 THEN 'small' END", arrow::utf8(),
             R"(["small", "small", null, "big"])");
  ExpectEval("CASE WHEN i > 2 THEN 1 ELSE 0.5 END", arrow::decimal128(11, 1),
             R"(["0.5", "0.5", "0.5", "1.0"])");
  ExpectEval("CAST(i AS STRING)", arrow::utf8(), R"(["1", "2", null, "4"])");
  ExpectEval("CAST(i AS DOUBLE) / 4", arrow::float64(), "[0.25, 0.5, null, 1]");
  ExpectEval("abs(f)", arrow::float64(), "[0.5, 1.5, null, 2.5]");
}

TEST(ExprToArrow, DateParts) {
  ExpectEval("year(dt)", arrow::int32(), "[2020, 2020, null, 2021]");
  ExpectEval("month(dt)", arrow::int32(), "[1, 1, null, 1]");
  ExpectEval("day(dt)", arrow::int32(), "[1, 2, null, 1]");
  ExpectEval("hour(ts)", arrow::int32(), "[10, 10, null, 10]");
}

}  // namespace
}  // namespace delta
