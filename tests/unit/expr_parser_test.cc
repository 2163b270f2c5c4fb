// Specification of the SQL expression parser and renderer: precedence, literal typing (Spark's
// rules), error messages with positions, and ToString → ParseExpression round trips.
#include <gtest/gtest.h>

#include <cmath>

#include <arrow/scalar.h>
#include <arrow/type.h>

#include "delta/error.h"
#include "delta/expression.h"

namespace delta {
namespace {

// Structure of a tree with literal types: (and (== a 1:int32) ...).
std::string Sexpr(const Expr& e) {
  switch (e.kind()) {
    case Expr::Kind::kColumn: {
      std::string out;
      for (const auto& p : e.column()) out += (out.empty() ? "" : ".") + p;
      return out;
    }
    case Expr::Kind::kLiteral:
      return e.literal()->ToString() + ":" + e.literal()->type->ToString();
    case Expr::Kind::kCall: {
      std::string out = "(" + e.function();
      if (e.cast_type()) out += "<" + e.cast_type()->ToString() + ">";
      for (const auto& a : e.args()) out += " " + Sexpr(*a);
      return out + ")";
    }
  }
  return "?";
}

std::string Tree(std::string_view sql) {
  auto parsed = ParseExpression(sql);
  if (!parsed.ok()) return "ERROR: " + parsed.status().message();
  return Sexpr(**parsed);
}

std::string ErrorOf(std::string_view sql) {
  auto parsed = ParseExpression(sql);
  if (parsed.ok()) return "parsed: " + Sexpr(**parsed);
  EXPECT_EQ(GetErrorCode(parsed.status()), ErrorCode::kParseError) << parsed.status().ToString();
  return parsed.status().message();
}

std::shared_ptr<arrow::Scalar> LiteralOf(std::string_view sql) {
  auto parsed = ParseExpression(sql);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  if (!parsed.ok()) return nullptr;
  EXPECT_EQ((*parsed)->kind(), Expr::Kind::kLiteral) << sql;
  return (*parsed)->literal();
}

// ---- precedence ----

TEST(ExprParser, AndBindsTighterThanOr) {
  EXPECT_EQ(Tree("a OR b AND c"), "(or a (and b c))");
  EXPECT_EQ(Tree("a AND b OR c"), "(or (and a b) c)");
}

TEST(ExprParser, NotBindsLooserThanComparison) {
  EXPECT_EQ(Tree("NOT a = 1"), "(not (== a 1:int32))");
  EXPECT_EQ(Tree("NOT NOT a"), "(not (not a))");
  EXPECT_EQ(Tree("NOT a AND b"), "(and (not a) b)");
}

TEST(ExprParser, ArithmeticPrecedenceAndLeftAssociativity) {
  EXPECT_EQ(Tree("a + b * c - d"), "(- (+ a (* b c)) d)");
  EXPECT_EQ(Tree("a - b - c"), "(- (- a b) c)");
  EXPECT_EQ(Tree("a / b % c"), "(% (/ a b) c)");
  EXPECT_EQ(Tree("(a + b) * c"), "(* (+ a b) c)");
  EXPECT_EQ(Tree("a + 1 > b * 2"), "(> (+ a 1:int32) (* b 2:int32))");
}

TEST(ExprParser, UnaryMinusBindsTighterThanMultiplication) {
  EXPECT_EQ(Tree("-a * b"), "(* (negate a) b)");
  EXPECT_EQ(Tree("a - -b"), "(- a (negate b))");
  EXPECT_EQ(Tree("a--1"), "(- a -1:int32)");
}

TEST(ExprParser, StringConcatenationIsAdditive) {
  EXPECT_EQ(Tree("a || 'x' = b"), "(== (concat a x:string) b)");
}

TEST(ExprParser, ComparisonOperatorsNormalize) {
  EXPECT_EQ(Tree("a = 1"), "(== a 1:int32)");
  EXPECT_EQ(Tree("a == 1"), "(== a 1:int32)");
  EXPECT_EQ(Tree("a <> 1"), "(!= a 1:int32)");
  EXPECT_EQ(Tree("a != 1"), "(!= a 1:int32)");
  EXPECT_EQ(Tree("a<=1"), "(<= a 1:int32)");
  EXPECT_EQ(Tree("a>=1"), "(>= a 1:int32)");
}

TEST(ExprParser, BetweenDesugarsToRangeConjunction) {
  EXPECT_EQ(Tree("x BETWEEN 1 AND 5"), "(and (>= x 1:int32) (<= x 5:int32))");
  EXPECT_EQ(Tree("x BETWEEN 1 AND 5 AND y"), "(and (and (>= x 1:int32) (<= x 5:int32)) y)");
  EXPECT_EQ(Tree("x NOT BETWEEN 1 AND 5"), "(not (and (>= x 1:int32) (<= x 5:int32)))");
}

TEST(ExprParser, PredicatesInListLikeIsNull) {
  EXPECT_EQ(Tree("x IN (1, 2, 3)"), "(in x 1:int32 2:int32 3:int32)");
  EXPECT_EQ(Tree("x not in ('a')"), "(not (in x a:string))");
  EXPECT_EQ(Tree("s LIKE 'ab%'"), "(like s ab%:string)");
  EXPECT_EQ(Tree("s NOT LIKE 'ab%'"), "(not (like s ab%:string))");
  EXPECT_EQ(Tree("x IS NULL"), "(is_null x)");
  EXPECT_EQ(Tree("x is not null"), "(is_not_null x)");
}

TEST(ExprParser, KeywordsAreCaseInsensitive) {
  EXPECT_EQ(Tree("a and b Or NoT c"), "(or (and a b) (not c))");
  EXPECT_EQ(Tree("true AND False"), "(and true:bool false:bool)");
}

// ---- primaries ----

TEST(ExprParser, ColumnPathsAndQuotedNames) {
  EXPECT_EQ(Tree("a.b.c = 1"), "(== a.b.c 1:int32)");
  EXPECT_EQ(Tree("`odd name`.`x.y` = 1"), "(== odd name.x.y 1:int32)");
  EXPECT_EQ(Tree("`a``b` IS NULL"), "(is_null a`b)");
  EXPECT_EQ(Tree("date = DATE '2020-01-01'"), "(== date 2020-01-01:date32[day])");
  EXPECT_EQ(Tree("timestamp > 1"), "(> timestamp 1:int32)");
}

TEST(ExprParser, FunctionNamesAreLowerCased) {
  EXPECT_EQ(Tree("LOWER(a) = 'x'"), "(== (lower a) x:string)");
  EXPECT_EQ(Tree("Coalesce(a, b, 0)"), "(coalesce a b 0:int32)");
  EXPECT_EQ(Tree("now()"), "(now)");
}

TEST(ExprParser, CaseWhenBecomesCaseWhenCall) {
  EXPECT_EQ(Tree("CASE WHEN a > 1 THEN 'big' WHEN a > 0 THEN 'small' ELSE 'none' END"),
            "(case_when (> a 1:int32) big:string (> a 0:int32) small:string none:string)");
  EXPECT_EQ(Tree("case a when 1 then 'one' end"), "(case_when (== a 1:int32) one:string)");
}

TEST(ExprParser, CastTakesSparkTypeNames) {
  EXPECT_EQ(Tree("CAST(a AS INT)"), "(cast<int32> a)");
  EXPECT_EQ(Tree("CAST(a AS bigint)"), "(cast<int64> a)");
  EXPECT_EQ(Tree("CAST(a AS LONG)"), "(cast<int64> a)");
  EXPECT_EQ(Tree("CAST(a AS BYTE)"), "(cast<int8> a)");
  EXPECT_EQ(Tree("CAST(a AS SHORT)"), "(cast<int16> a)");
  EXPECT_EQ(Tree("CAST(a AS REAL)"), "(cast<float> a)");
  EXPECT_EQ(Tree("CAST(a AS DOUBLE)"), "(cast<double> a)");
  EXPECT_EQ(Tree("CAST(a AS BOOLEAN)"), "(cast<bool> a)");
  EXPECT_EQ(Tree("CAST(a AS DECIMAL(10, 2))"), "(cast<decimal128(10, 2)> a)");
  EXPECT_EQ(Tree("CAST(a AS DECIMAL)"), "(cast<decimal128(10, 0)> a)");
  EXPECT_EQ(Tree("CAST(a AS VARCHAR(20))"), "(cast<string> a)");
  EXPECT_EQ(Tree("CAST(a AS BINARY)"), "(cast<binary> a)");
  EXPECT_EQ(Tree("CAST(a AS DATE)"), "(cast<date32[day]> a)");
  EXPECT_EQ(Tree("CAST(a AS TIMESTAMP)"), "(cast<timestamp[us, tz=UTC]> a)");
  EXPECT_EQ(Tree("CAST(a AS TIMESTAMP_NTZ)"), "(cast<timestamp[us]> a)");
  EXPECT_EQ(Tree("CAST(NULL AS INT)"), "(cast<int32> null:null)");
}

TEST(ExprParser, CastOfLiteralFoldsIntoTypedLiteral) {
  EXPECT_EQ(Tree("CAST('2020-01-02' AS DATE)"), "2020-01-02:date32[day]");
  EXPECT_EQ(Tree("CAST(1 AS BIGINT)"), "1:int64");
  EXPECT_EQ(Tree("CAST(1.25 AS DECIMAL(10,2))"), "1.25:decimal128(10, 2)");
  // An invalid cast stays a cast, to fail (or not) when evaluated.
  EXPECT_EQ(Tree("CAST('abc' AS INT)"), "(cast<int32> abc:string)");
}

// ---- literals ----

TEST(ExprParser, IntegerLiteralsTakeTheSmallestOfIntAndBigint) {
  EXPECT_EQ(Tree("2147483647"), "2147483647:int32");
  EXPECT_EQ(Tree("2147483648"), "2147483648:int64");
  EXPECT_EQ(Tree("-2147483648"), "-2147483648:int32");
  EXPECT_EQ(Tree("-9223372036854775808"), "-9223372036854775808:int64");
  EXPECT_EQ(Tree("9223372036854775808"), "9223372036854775808:decimal128(19, 0)");
}

TEST(ExprParser, IntegerSuffixesFollowSpark) {
  EXPECT_EQ(Tree("5Y"), "5:int8");
  EXPECT_EQ(Tree("-128y"), "-128:int8");
  EXPECT_EQ(Tree("5S"), "5:int16");
  EXPECT_EQ(Tree("5L"), "5:int64");
  EXPECT_EQ(Tree("100BD"), "100:decimal128(3, 0)");
}

TEST(ExprParser, DecimalLiteralsTakePrecisionAndScaleFromText) {
  EXPECT_EQ(Tree("1.25"), "1.25:decimal128(3, 2)");
  EXPECT_EQ(Tree("0.001"), "0.001:decimal128(3, 3)");
  EXPECT_EQ(Tree("100.50"), "100.50:decimal128(5, 2)");
  EXPECT_EQ(Tree("-1.5"), "-1.5:decimal128(2, 1)");
  EXPECT_EQ(Tree(".5"), "0.5:decimal128(1, 1)");
}

TEST(ExprParser, FloatingLiterals) {
  EXPECT_EQ(Tree("1e3"), "1000:double");
  EXPECT_EQ(Tree("1.5E-2"), "0.015:double");
  EXPECT_EQ(Tree("1.5D"), "1.5:double");
  EXPECT_EQ(Tree("2d"), "2:double");
  EXPECT_EQ(Tree("1.5F"), "1.5:float");
}

TEST(ExprParser, StringLiteralsAndEscapes) {
  auto s = [](std::string_view sql) {
    auto v = LiteralOf(sql);
    return v ? std::string(static_cast<const arrow::StringScalar&>(*v).view()) : "";
  };
  EXPECT_EQ(s("'it''s'"), "it's");
  EXPECT_EQ(s("'it\\'s'"), "it's");
  EXPECT_EQ(s("\"double \"\"quoted\"\"\""), "double \"quoted\"");
  EXPECT_EQ(s("'tab\\there'"), "tab\there");
  EXPECT_EQ(s("'back\\\\slash'"), "back\\slash");
  EXPECT_EQ(s("'100\\%'"), "100\\%");  // LIKE escapes keep their backslash
  EXPECT_EQ(s("'héllo'"), "héllo");
}

TEST(ExprParser, BooleanNullAndBinaryLiterals) {
  EXPECT_EQ(Tree("TRUE"), "true:bool");
  EXPECT_EQ(Tree("false"), "false:bool");
  EXPECT_EQ(Tree("NULL"), "null:null");
  auto bin = LiteralOf("X'0A0b'");
  ASSERT_TRUE(bin);
  EXPECT_TRUE(bin->type->Equals(arrow::binary()));
  EXPECT_EQ(static_cast<const arrow::BinaryScalar&>(*bin).view(), std::string("\x0A\x0B"));
}

TEST(ExprParser, DateLiteral) {
  auto d = LiteralOf("DATE '2020-01-31'");
  ASSERT_TRUE(d);
  ASSERT_TRUE(d->type->Equals(arrow::date32()));
  EXPECT_EQ(static_cast<const arrow::Date32Scalar&>(*d).value, 18292);
  EXPECT_EQ(static_cast<const arrow::Date32Scalar&>(*LiteralOf("date '1969-12-31'")).value, -1);
}

TEST(ExprParser, TimestampLiteralsWithoutZoneAreUtc) {
  auto ts = [](std::string_view sql) {
    auto v = LiteralOf(sql);
    return v ? static_cast<const arrow::TimestampScalar&>(*v).value : -1;
  };
  auto utc = LiteralOf("TIMESTAMP '2020-01-01 10:00:00'");
  ASSERT_TRUE(utc);
  EXPECT_TRUE(utc->type->Equals(arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")));
  const int64_t ten_oclock = 1577872800000000LL;
  EXPECT_EQ(ts("TIMESTAMP '2020-01-01 10:00:00'"), ten_oclock);
  EXPECT_EQ(ts("TIMESTAMP '2020-01-01T10:00:00Z'"), ten_oclock);
  EXPECT_EQ(ts("TIMESTAMP '2020-01-01 11:00:00+01:00'"), ten_oclock);
  EXPECT_EQ(ts("TIMESTAMP '2020-01-01 09:30:00-0030'"), ten_oclock);
  EXPECT_EQ(ts("TIMESTAMP '2020-01-01 10:00:00.123456'"), ten_oclock + 123456);
  EXPECT_EQ(ts("TIMESTAMP '2020-01-01 10:00:00.5'"), ten_oclock + 500000);
  EXPECT_EQ(ts("TIMESTAMP '2020-01-01'"), ten_oclock - 36000000000LL);
  auto ntz = LiteralOf("TIMESTAMP_NTZ '2020-01-01 10:00:00'");
  ASSERT_TRUE(ntz);
  EXPECT_TRUE(ntz->type->Equals(arrow::timestamp(arrow::TimeUnit::MICRO)));
  EXPECT_EQ(static_cast<const arrow::TimestampScalar&>(*ntz).value, ten_oclock);
}

// ---- errors ----

TEST(ExprParser, ErrorsGivePositionAndExpectation) {
  EXPECT_EQ(ErrorOf("a = 1 AND"), "at position 10: expected an expression after 'AND'");
  EXPECT_EQ(ErrorOf("a = 1 AND )"),
            "at position 11: expected an expression after 'AND', found ')'");
  EXPECT_EQ(ErrorOf(""), "at position 1: expected an expression");
  EXPECT_EQ(ErrorOf("a = (1"), "at position 7: expected ')' after '1'");
  EXPECT_EQ(ErrorOf("a = 1 b"),
            "at position 7: expected an operator or the end of the expression, found 'b'");
  EXPECT_EQ(ErrorOf("a = 'abc"), "at position 5: unterminated string literal");
  EXPECT_EQ(ErrorOf("a # 1"), "at position 3: unexpected character '#'");
  EXPECT_EQ(ErrorOf("a IS 5"), "at position 6: expected NULL or NOT NULL after 'IS', found '5'");
  EXPECT_EQ(ErrorOf("x BETWEEN 1 OR 2"), "at position 13: expected AND after '1', found 'OR'");
  EXPECT_EQ(ErrorOf("x IN ()"), "at position 7: expected an expression after '(', found ')'");
  EXPECT_EQ(ErrorOf("CASE END"), "at position 6: expected an expression after 'CASE', found 'END'");
  EXPECT_EQ(ErrorOf("CASE WHEN a THEN 1"), "at position 19: expected WHEN, ELSE or END after '1'");
  EXPECT_EQ(ErrorOf("x = 12abc"), "at position 5: invalid number '12abc'");
  EXPECT_EQ(ErrorOf("x = X'0G'"),
            "at position 8: invalid hexadecimal digit 'G' in binary literal");
}

TEST(ExprParser, ErrorsForTypesAndTypedLiterals) {
  EXPECT_EQ(ErrorOf("CAST(a AS FOO)"),
            "at position 11: unknown type 'FOO' (expected BOOLEAN, TINYINT, SMALLINT, INT, "
            "BIGINT, FLOAT, DOUBLE, DECIMAL(p,s), STRING, BINARY, DATE, TIMESTAMP or "
            "TIMESTAMP_NTZ)");
  EXPECT_EQ(ErrorOf("CAST(a AS DECIMAL(40,2))"),
            "at position 19: invalid DECIMAL(40,2): precision must be 1 to 38 and scale 0 to "
            "precision");
  EXPECT_EQ(ErrorOf("CAST(a INT)"), "at position 8: expected AS after 'a', found 'INT'");
  EXPECT_EQ(ErrorOf("d = DATE '2020-13-01'"),
            "at position 10: invalid DATE literal '2020-13-01' (expected yyyy-mm-dd)");
  EXPECT_EQ(ErrorOf("TIMESTAMP '2020-01-01 25:00'"),
            "at position 11: invalid TIMESTAMP literal '2020-01-01 25:00' (expected "
            "yyyy-mm-dd[ hh:mm:ss[.ffffff]][zone])");
  EXPECT_EQ(ErrorOf("TIMESTAMP_NTZ '2020-01-01 10:00Z'"),
            "at position 15: invalid TIMESTAMP_NTZ literal '2020-01-01 10:00Z' (TIMESTAMP_NTZ "
            "takes no time zone)");
}

TEST(ExprParser, ErrorsForOutOfRangeNumbers) {
  EXPECT_EQ(ErrorOf("128Y"), "at position 1: number 128Y is out of range for TINYINT");
  EXPECT_EQ(ErrorOf("x = -32769S"), "at position 5: number -32769S is out of range for SMALLINT");
  EXPECT_EQ(ErrorOf("9223372036854775808L"),
            "at position 1: number 9223372036854775808L is out of range for BIGINT");
  EXPECT_EQ(ErrorOf("1.5L"), "at position 1: invalid number '1.5L' (L needs an integer)");
}

TEST(ExprParser, ErrorPositionsCountCharactersNotBytes) {
  EXPECT_EQ(ErrorOf("`é` = 'ü' AND"), "at position 14: expected an expression after 'AND'");
}

// ---- rendering ----

TEST(ExprParser, ToStringInsertsOnlyNecessaryParentheses) {
  auto render = [](std::string_view sql) {
    auto parsed = ParseExpression(sql);
    return parsed.ok() ? (*parsed)->ToString() : parsed.status().ToString();
  };
  EXPECT_EQ(render("a=1 and (b=2 or c=3)"), "a = 1 AND (b = 2 OR c = 3)");
  EXPECT_EQ(render("(a=1 and b=2) or c=3"), "a = 1 AND b = 2 OR c = 3");
  EXPECT_EQ(render("a - (b - c)"), "a - (b - c)");
  EXPECT_EQ(render("(a - b) - c"), "a - b - c");
  EXPECT_EQ(render("NOT (a AND b)"), "NOT (a AND b)");
  EXPECT_EQ(render("x not in (1,2)"), "x NOT IN (1, 2)");
  EXPECT_EQ(render("x between 1 and 2"), "x >= 1 AND x <= 2");
  EXPECT_EQ(render("- - a"), "-(-a)");
  EXPECT_EQ(render("`my col` = 'it''s'"), "`my col` = 'it\\'s'");
  EXPECT_EQ(render("`and` = 1"), "`and` = 1");
  EXPECT_EQ(render("CAST(a AS DECIMAL(10,2)) > 1.25"), "CAST(a AS DECIMAL(10,2)) > 1.25");
}

TEST(ExprParser, ToStringRendersLiteralsWithTheirTypes) {
  auto render = [](std::shared_ptr<arrow::Scalar> s) { return Expr::Literal(s)->ToString(); };
  EXPECT_EQ(render(std::make_shared<arrow::Int8Scalar>(5)), "5Y");
  EXPECT_EQ(render(std::make_shared<arrow::Int16Scalar>(5)), "5S");
  EXPECT_EQ(render(std::make_shared<arrow::Int32Scalar>(5)), "5");
  EXPECT_EQ(render(std::make_shared<arrow::Int64Scalar>(5)), "5L");
  EXPECT_EQ(render(std::make_shared<arrow::DoubleScalar>(0.1)), "0.1D");
  EXPECT_EQ(render(std::make_shared<arrow::FloatScalar>(1.5f)), "1.5F");
  EXPECT_EQ(render(std::make_shared<arrow::Date32Scalar>(18292)), "DATE '2020-01-31'");
  EXPECT_EQ(render(std::make_shared<arrow::TimestampScalar>(
                1577872800000001LL, arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"))),
            "TIMESTAMP '2020-01-01 10:00:00.000001Z'");
  EXPECT_EQ(render(std::make_shared<arrow::TimestampScalar>(
                1577872800000LL, arrow::timestamp(arrow::TimeUnit::MILLI))),
            "TIMESTAMP_NTZ '2020-01-01 10:00:00'");
  EXPECT_EQ(render(std::make_shared<arrow::Decimal128Scalar>(arrow::Decimal128(125),
                                                             arrow::decimal128(10, 2))),
            "CAST(1.25 AS DECIMAL(10,2))");
  EXPECT_EQ(render(std::make_shared<arrow::BinaryScalar>(std::string("\x01\xff", 2))),
            "X'01FF'");
  EXPECT_EQ(render(std::make_shared<arrow::DoubleScalar>(std::nan(""))),
            "CAST('NaN' AS DOUBLE)");
}

TEST(ExprParser, ToStringRoundTripsThroughParse) {
  const char* cases[] = {
      "a = 1 AND b <> 'x' OR NOT c",
      "x BETWEEN 1 AND 10",
      "x NOT BETWEEN 1.5 AND 2.25",
      "s LIKE 'a\\\\_%' AND s NOT LIKE '%z'",
      "x IN (1, 2, NULL) OR y NOT IN ('a', 'b')",
      "a.b.c IS NULL AND `weird name`.`x``y` IS NOT NULL",
      "-a * (b + c) / 2 % 3 - -4",
      "d >= DATE '2020-02-29' AND t < TIMESTAMP '2020-01-01 00:00:00.25+02:00'",
      "n = TIMESTAMP_NTZ '1999-12-31 23:59:59.999999'",
      "bin = X'DEADBEEF'",
      "x = 5Y OR x = 5S OR x = 5L OR x = 1.5F OR x = 1.5D OR x = 1e300 OR x = 100BD",
      "x = -2147483648 OR x = 9223372036854775807 OR x = 99999999999999999999",
      "CAST(x AS DECIMAL(12,3)) = CAST(1 AS DECIMAL(12,3))",
      "CASE WHEN a > 1 THEN 'big' WHEN a IS NULL THEN NULL ELSE lower(s) END = 'big'",
      "coalesce(a, b, 0) > abs(-3)",
      "s || 'x' = concat(t, 'y')",
      "a = b = c",
      "(a = b) IS NULL",
      "NOT (x IN (1) AND y LIKE 'a%')",
      "x = 'quote\\'s and \\\\ and \\n'",
      "x = CAST(NULL AS STRING)",
  };
  for (const char* sql : cases) {
    auto first = ParseExpression(sql);
    ASSERT_TRUE(first.ok()) << sql << ": " << first.status().ToString();
    std::string text = (*first)->ToString();
    auto second = ParseExpression(text);
    ASSERT_TRUE(second.ok()) << text << ": " << second.status().ToString();
    EXPECT_EQ(Sexpr(**second), Sexpr(**first)) << sql << " rendered as " << text;
    EXPECT_EQ((*second)->ToString(), text);
  }
}

TEST(ExprParser, ReferencedColumnsAreDeduplicatedInFirstUseOrder) {
  auto e = ParseExpression("b > 1 AND a.x = b OR lower(c) = a.x");
  ASSERT_TRUE(e.ok());
  std::vector<std::vector<std::string>> expected = {{"b"}, {"a", "x"}, {"c"}};
  EXPECT_EQ((*e)->ReferencedColumns(), expected);
}

}  // namespace
}  // namespace delta
