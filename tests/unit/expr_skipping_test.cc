// Specification of data skipping (MayMatch): which files may be skipped from statistics, with
// NULLs, lossy Delta statistics (truncated strings, millisecond timestamps) and exact partition
// values, plus randomized checks that skipping never drops a file holding a matching row.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <set>
#include <thread>

#include <arrow/api.h>
#include <arrow/compute/api.h>

#include "delta/expression.h"

namespace delta {
namespace {

namespace cp = arrow::compute;
using ScalarPtr = std::shared_ptr<arrow::Scalar>;

constexpr int64_t kTenOClock = 1577872800000000LL;  // 2020-01-01 10:00:00 UTC in µs

std::shared_ptr<arrow::Schema> TableSchema() {
  return arrow::schema({
      arrow::field("x", arrow::int32()),
      arrow::field("s", arrow::utf8()),
      arrow::field("d", arrow::date32()),
      arrow::field("ts", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")),
      arrow::field("f", arrow::float64()),
      arrow::field("dec", arrow::decimal128(10, 2)),
      arrow::field("flag", arrow::boolean()),
      arrow::field("p", arrow::utf8()),
      arrow::field("part", arrow::int32()),
      arrow::field("st", arrow::struct_({arrow::field("y", arrow::int64())})),
  });
}

ScalarPtr Int(int32_t v) { return std::make_shared<arrow::Int32Scalar>(v); }
ScalarPtr Str(std::string v) { return std::make_shared<arrow::StringScalar>(std::move(v)); }
ScalarPtr Ts(int64_t us) {
  return std::make_shared<arrow::TimestampScalar>(
      us, arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"));
}

ColumnStats Range(ScalarPtr min, ScalarPtr max, std::optional<int64_t> nulls = 0) {
  ColumnStats s;
  s.min = std::move(min);
  s.max = std::move(max);
  s.null_count = nulls;
  return s;
}

ColumnStats Exact(ScalarPtr value) {
  ColumnStats s;
  s.min = value;
  s.max = value;
  s.null_count = 0;
  s.exact = true;
  return s;
}

ColumnStats ExactNull() {
  ColumnStats s;
  s.exact = true;
  s.all_null = true;
  return s;
}

FileStatistics File(std::map<std::string, ColumnStats> columns, int64_t rows = 100) {
  FileStatistics f;
  f.num_records = rows;
  f.columns = std::move(columns);
  return f;
}

// MayMatch's verdict; the prepared SkippingPredicate must give the same one, on first use and
// again from its cached literal conversions.
bool May(std::string_view sql, const FileStatistics& stats) {
  auto e = ParseExpression(sql);
  EXPECT_TRUE(e.ok()) << sql << ": " << e.status().ToString();
  if (!e.ok()) return true;
  const bool verdict = MayMatch(**e, stats, *TableSchema());
  SkippingPredicate prepared(*e, TableSchema());
  EXPECT_EQ(prepared.MayMatch(stats), verdict) << sql;
  EXPECT_EQ(prepared.MayMatch(stats), verdict) << sql << " (second file)";
  return verdict;
}

// ---- comparisons ----

TEST(ExprSkipping, ComparisonsAgainstMinMax) {
  auto f = File({{"x", Range(Int(10), Int(20))}});
  EXPECT_FALSE(May("x = 5", f));
  EXPECT_TRUE(May("x = 15", f));
  EXPECT_TRUE(May("x = 10", f));
  EXPECT_TRUE(May("x = 20", f));
  EXPECT_FALSE(May("x = 25", f));
  EXPECT_FALSE(May("x < 10", f));
  EXPECT_TRUE(May("x <= 10", f));
  EXPECT_FALSE(May("x > 20", f));
  EXPECT_TRUE(May("x >= 20", f));
  EXPECT_TRUE(May("x != 15", f));
}

TEST(ExprSkipping, NullSafeEquality) {
  auto f = File({{"x", Range(Int(10), Int(20), 0)}});
  EXPECT_FALSE(May("x <=> 5", f));
  EXPECT_TRUE(May("x <=> 15", f));
  EXPECT_FALSE(May("x <=> NULL", f));     // no NULLs in the file
  EXPECT_TRUE(May("NOT (x <=> 15)", f));  // other values
  EXPECT_TRUE(May("NOT (x <=> 5)", f));
  auto g = File({{"x", Range(Int(10), Int(20), 3)}});
  EXPECT_TRUE(May("x <=> NULL", g));
  EXPECT_TRUE(May("5 <=> x", File({{"x", Range(Int(5), Int(5), 0)}})));
  EXPECT_FALSE(May("5 <=> x", f));
}

TEST(ExprSkipping, LiteralOnTheLeftIsFlipped) {
  auto f = File({{"x", Range(Int(10), Int(20))}});
  EXPECT_FALSE(May("5 = x", f));
  EXPECT_FALSE(May("10 > x", f));
  EXPECT_TRUE(May("25 > x", f));
  EXPECT_FALSE(May("21 <= x", f));
}

TEST(ExprSkipping, NotIsPushedIntoComparisons) {
  auto f = File({{"x", Range(Int(10), Int(20))}});
  EXPECT_TRUE(May("NOT x < 10", f));
  EXPECT_FALSE(May("NOT x >= 10", f));
  EXPECT_FALSE(May("NOT (x > 5 AND x < 30)", f));
  EXPECT_FALSE(May("NOT (x > 15 OR x < 30)", f));
  EXPECT_TRUE(May("NOT x = 15", f));
  EXPECT_FALSE(May("NOT NOT x = 5", f));
  EXPECT_FALSE(May("NOT x BETWEEN 0 AND 30", f));
  auto single = File({{"x", Range(Int(15), Int(15))}});
  EXPECT_FALSE(May("NOT x = 15", single));
  EXPECT_FALSE(May("x != 15", single));
}

TEST(ExprSkipping, AndOrCombine) {
  auto f = File({{"x", Range(Int(10), Int(20))}});
  EXPECT_TRUE(May("x = 5 OR x = 15", f));
  EXPECT_FALSE(May("x = 5 OR x = 25", f));
  EXPECT_FALSE(May("x > 5 AND x < 8", f));
  EXPECT_TRUE(May("x > 5 AND x < 12", f));
  EXPECT_FALSE(May("x BETWEEN 21 AND 30", f));
  EXPECT_TRUE(May("x BETWEEN 0 AND 10", f));
}

TEST(ExprSkipping, ConstantPredicates) {
  auto f = File({{"x", Range(Int(10), Int(20))}});
  EXPECT_TRUE(May("TRUE", f));
  EXPECT_FALSE(May("FALSE", f));
  EXPECT_FALSE(May("NULL", f));
  EXPECT_TRUE(May("NOT FALSE", f));
  EXPECT_FALSE(May("NOT NULL", f));
  EXPECT_FALSE(May("x = NULL", f));
  EXPECT_FALSE(May("NOT x = NULL", f));
}

// ---- nulls ----

TEST(ExprSkipping, AllNullColumnMatchesOnlyIsNull) {
  ColumnStats all_null;
  all_null.null_count = 100;
  auto f = File({{"x", all_null}}, 100);
  EXPECT_FALSE(May("x = 5", f));
  EXPECT_FALSE(May("NOT x = 5", f));
  EXPECT_FALSE(May("x IN (1, 2)", f));
  EXPECT_FALSE(May("x IS NOT NULL", f));
  EXPECT_TRUE(May("x IS NULL", f));
  EXPECT_TRUE(May("NOT x IS NOT NULL", f));
}

TEST(ExprSkipping, IsNullUsesNullCount) {
  EXPECT_FALSE(May("x IS NULL", File({{"x", Range(Int(1), Int(2), 0)}})));
  EXPECT_TRUE(May("x IS NULL", File({{"x", Range(Int(1), Int(2), 3)}})));
  EXPECT_TRUE(May("x IS NULL", File({{"x", Range(Int(1), Int(2), std::nullopt)}})));
  EXPECT_TRUE(May("x IS NOT NULL", File({{"x", Range(Int(1), Int(2), 3)}})));
  EXPECT_FALSE(May("NOT x IS NULL", File({{"x", Range(nullptr, nullptr, 100)}})));
}

TEST(ExprSkipping, UnknownStatsOrFunctionsMayMatch) {
  auto f = File({{"x", Range(Int(10), Int(20))}});
  EXPECT_TRUE(May("s = 'a'", f));                 // no stats for s
  EXPECT_TRUE(May("x + 1 = 100", f));             // not a column-vs-literal comparison
  EXPECT_TRUE(May("lower(s) = 'a'", f));
  EXPECT_TRUE(May("x = 5 OR lower(s) = 'a'", f));
  EXPECT_FALSE(May("x = 5 AND lower(s) = 'a'", f));
  EXPECT_TRUE(May("x < 5", File({{"x", Range(nullptr, Int(20))}})));
  EXPECT_FALSE(May("x > 25", File({{"x", Range(nullptr, Int(20))}})));
}

TEST(ExprSkipping, EmptyFileNeverMatches) {
  EXPECT_FALSE(May("TRUE", File({}, 0)));
}

// ---- IN ----

TEST(ExprSkipping, InListMatchesIfAnyValueIsInRange) {
  auto f = File({{"x", Range(Int(10), Int(20))}});
  EXPECT_TRUE(May("x IN (1, 2, 15)", f));
  EXPECT_FALSE(May("x IN (1, 25)", f));
  EXPECT_FALSE(May("x IN (NULL)", f));
  EXPECT_TRUE(May("x NOT IN (1)", f));
  EXPECT_FALSE(May("x NOT IN (1, NULL)", f));  // never TRUE in SQL
  auto single = File({{"x", Range(Int(15), Int(15))}});
  EXPECT_FALSE(May("x NOT IN (14, 15)", single));
  EXPECT_TRUE(May("x NOT IN (14, 16)", single));
}

// ---- types ----

TEST(ExprSkipping, LiteralsMeetStatsAtTheFilterType) {
  auto dec = [](int64_t unscaled) {
    return std::make_shared<arrow::Decimal128Scalar>(arrow::Decimal128(unscaled),
                                                     arrow::decimal128(10, 2));
  };
  auto f = File({{"x", Range(Int(10), Int(20))},
                 {"dec", Range(dec(125), dec(250))},
                 {"f", Range(std::make_shared<arrow::DoubleScalar>(0.5),
                             std::make_shared<arrow::DoubleScalar>(1.5))},
                 {"d", Range(std::make_shared<arrow::Date32Scalar>(18262),
                             std::make_shared<arrow::Date32Scalar>(18263))}});
  EXPECT_FALSE(May("x > 20.5", f));
  EXPECT_TRUE(May("x > 19.5", f));
  EXPECT_TRUE(May("x = 15L", f));
  EXPECT_FALSE(May("x < '10'", f));
  EXPECT_FALSE(May("x > 2.5e1", f));
  EXPECT_TRUE(May("dec > 2", f));
  EXPECT_FALSE(May("dec > 3", f));
  EXPECT_FALSE(May("dec < 1.249", f));
  EXPECT_TRUE(May("f > 1", f));
  EXPECT_FALSE(May("f > 2", f));
  EXPECT_TRUE(May("d = '2020-01-02'", f));
  EXPECT_FALSE(May("d > DATE '2020-01-02'", f));
  EXPECT_FALSE(May("d >= TIMESTAMP '2020-01-02 00:00:01'", f));
}

TEST(ExprSkipping, StatsTypedDifferentlyFromTheSchemaAreCast) {
  // e.g. stats decoded from JSON as int64 for an int32 column.
  auto f = File({{"x", Range(std::make_shared<arrow::Int64Scalar>(10),
                             std::make_shared<arrow::Int64Scalar>(20))}});
  EXPECT_FALSE(May("x = 5", f));
  EXPECT_TRUE(May("x = 12", f));
}

TEST(ExprSkipping, PreparedPredicateDecidesEachFileAsMayMatchDoes) {
  // One SkippingPredicate over files whose stats differ, including a column the schema does not
  // type (its type comes from each file's stats, so it is not cached) and a literal that does
  // not fit the column type (compared at the common type).
  auto e = ParseExpression("(x = 15 OR x > 3000000000 OR other = 7) AND S >= 'b'").ValueOrDie();
  SkippingPredicate prepared(e, TableSchema());
  EXPECT_EQ(prepared.columns(), (std::set<std::string>{"x", "other", "s"}));
  std::vector<FileStatistics> files = {
      File({{"x", Range(Int(10), Int(20))}, {"s", Range(Str("a"), Str("c"))}}),
      File({{"x", Range(Int(30), Int(40))}, {"other", Range(Int(20), Int(30))}, {"s", Range(Str("a"), Str("c"))}}),
      File({{"x", Range(Int(30), Int(40))}, {"s", Range(Str("a"), Str("c"))}}),  // other unknown
      File({{"x", Range(Int(30), Int(40))}, {"other", Range(Int(1), Int(9))}, {"s", Range(Str("b"), Str("c"))}}),
      File({{"x", Range(Int(30), Int(40))},
            {"other", Range(std::make_shared<arrow::Int64Scalar>(8), std::make_shared<arrow::Int64Scalar>(9))},
            {"s", Range(Str("b"), Str("c"))}}),
      File({{"x", Range(Int(10), Int(20))}, {"s", Range(Str("a"), Str("a"))}}),
  };
  const std::vector<bool> expected = {true, false, true, true, false, false};
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < files.size(); ++i) {
      EXPECT_EQ(MayMatch(*e, files[i], *TableSchema()), expected[i]) << "file " << i;
      EXPECT_EQ(prepared.MayMatch(files[i]), expected[i]) << "file " << i << ", pass " << pass;
    }
  }
}

TEST(ExprSkipping, PreparedPredicateIsSharedByThreads) {
  auto e = ParseExpression("x BETWEEN 100 AND 200 OR x IN (5000, 7000)").ValueOrDie();
  SkippingPredicate prepared(e, TableSchema());
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        const int lo = ((i * 7 + t * 13) % 100) * 100;  // files [lo, lo + 50]
        auto f = File({{"x", Range(Int(lo), Int(lo + 50))}});
        const bool expected = (lo <= 200 && lo + 50 >= 100) || lo == 5000 || lo == 7000;
        if (prepared.MayMatch(f) != expected) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(ExprSkipping, FloatingNotEqualNeverSkipsOnInexactStats) {
  auto f = File({{"f", Range(std::make_shared<arrow::DoubleScalar>(1.0),
                             std::make_shared<arrow::DoubleScalar>(1.0))}});
  EXPECT_TRUE(May("f != 1.0D", f));  // NaN rows are not in the stats
  EXPECT_FALSE(May("f = 2.0D", f));
  auto nan = File({{"f", Range(std::make_shared<arrow::DoubleScalar>(1.0),
                               std::make_shared<arrow::DoubleScalar>(std::nan("")))}});
  EXPECT_TRUE(May("f > 5", nan));
}

TEST(ExprSkipping, NestedColumnsUseDottedStatsKeys) {
  auto f = File({{"st.y", Range(std::make_shared<arrow::Int64Scalar>(1),
                                std::make_shared<arrow::Int64Scalar>(3))}});
  EXPECT_FALSE(May("st.y > 3", f));
  EXPECT_TRUE(May("st.y = 2", f));
  EXPECT_FALSE(May("ST.Y = 7", f));
}

TEST(ExprSkipping, BooleanColumnAsPredicate) {
  auto all_false = File({{"flag", Range(std::make_shared<arrow::BooleanScalar>(false),
                                        std::make_shared<arrow::BooleanScalar>(false))}});
  EXPECT_FALSE(May("flag", all_false));
  EXPECT_TRUE(May("NOT flag", all_false));
}

// ---- lossy Delta statistics ----

TEST(ExprSkipping, TruncatedStringMaxIsOnlyAPrefixBound) {
  auto f = File({{"s", Range(Str("apple"), Str("banana"))}});
  EXPECT_FALSE(May("s = 'cherry'", f));
  EXPECT_FALSE(May("s = 'aardvark'", f));
  EXPECT_FALSE(May("s < 'apple'", f));
  EXPECT_TRUE(May("s = 'apple'", f));
  EXPECT_TRUE(May("s = 'bananas'", f));  // max may be a truncated "bananas..."
  EXPECT_TRUE(May("s > 'banana'", f));
  EXPECT_FALSE(May("s > 'bananb'", f));
  EXPECT_TRUE(May("s != 'apple'", File({{"s", Range(Str("apple"), Str("apple"))}})));
  auto truncated = File({{"s", Range(Str("ban"), Str("ban"))}});
  EXPECT_TRUE(May("s = 'banana'", truncated));
  EXPECT_FALSE(May("s = 'bao'", truncated));
}

TEST(ExprSkipping, LikePrefixAgainstStringStats) {
  auto f = File({{"s", Range(Str("apple"), Str("banana"))}});
  EXPECT_FALSE(May("s LIKE 'c%'", f));
  EXPECT_TRUE(May("s LIKE 'b%'", f));
  EXPECT_TRUE(May("s LIKE 'ap%'", f));
  EXPECT_TRUE(May("s LIKE 'a%'", f));
  EXPECT_FALSE(May("s LIKE 'aa%'", f));
  EXPECT_TRUE(May("s LIKE '%x'", f));
  EXPECT_TRUE(May("s LIKE 'bananas%'", f));
  EXPECT_FALSE(May("s LIKE 'zzz'", f));
  EXPECT_TRUE(May("s NOT LIKE 'a%'", f));
}

TEST(ExprSkipping, TimestampStatsAreWidenedByAMillisecond) {
  // Delta's JSON stats truncate to milliseconds: the true max may be up to .123999.
  auto f = File({{"ts", Range(Ts(kTenOClock), Ts(kTenOClock + 123000))}});
  EXPECT_TRUE(May("ts > TIMESTAMP '2020-01-01 10:00:00.1235'", f));
  EXPECT_TRUE(May("ts = TIMESTAMP '2020-01-01 10:00:00.123999'", f));
  EXPECT_FALSE(May("ts > TIMESTAMP '2020-01-01 10:00:00.124'", f));
  EXPECT_FALSE(May("ts < TIMESTAMP '2020-01-01 09:59:59.999'", f));
  EXPECT_TRUE(May("ts != TIMESTAMP '2020-01-01 10:00:00'",
                  File({{"ts", Range(Ts(kTenOClock), Ts(kTenOClock))}})));
  EXPECT_FALSE(May("ts > '2020-01-01 11:00:00'", f));
}

// ---- partition values ----

TEST(ExprSkipping, PartitionValuesAreDecidedExactly) {
  auto f = File({{"p", Exact(Str("2020"))}, {"x", Range(Int(10), Int(20))}});
  EXPECT_TRUE(May("p = '2020'", f));
  EXPECT_FALSE(May("p = '2021'", f));
  EXPECT_FALSE(May("p != '2020'", f));
  EXPECT_FALSE(May("NOT p = '2020'", f));
  EXPECT_FALSE(May("p IN ('2019', '2021')", f));
  EXPECT_TRUE(May("p > '2019' AND x = 15", f));
  EXPECT_FALSE(May("p > '2019' AND x = 25", f));
  // Anything else over partition columns is evaluated by Arrow on the partition values.
  EXPECT_TRUE(May("lower(p) = '2020'", f));
  EXPECT_FALSE(May("concat(p, '-01') = '2020-02'", f));
  EXPECT_TRUE(May("p LIKE '20%'", f));
  EXPECT_FALSE(May("p LIKE '19%'", f));
  EXPECT_FALSE(May("p NOT LIKE '20%'", f));
}

TEST(ExprSkipping, NullPartitionValueFailsEveryComparison) {
  auto f = File({{"p", ExactNull()}});
  EXPECT_FALSE(May("p = 'x'", f));
  EXPECT_FALSE(May("NOT p = 'x'", f));
  EXPECT_FALSE(May("p IS NOT NULL", f));
  EXPECT_TRUE(May("p IS NULL", f));
  EXPECT_TRUE(May("coalesce(p, 'z') = 'z'", f));
  EXPECT_FALSE(May("p LIKE '%'", f));
}

TEST(ExprSkipping, PartitionValuesGivenAsStringsAreReadAsTheColumnType) {
  auto f = File({{"part", Exact(Str("5"))}});
  EXPECT_TRUE(May("part = 5", f));
  EXPECT_FALSE(May("part > 5", f));
  EXPECT_TRUE(May("part + 1 = 6", f));
}

// ---- never wrong: randomized ----

// True when some row of `batch` satisfies `sql` (evaluated by Arrow, like a scan would).
bool AnyRowMatches(const std::string& sql, const std::shared_ptr<arrow::RecordBatch>& batch) {
  auto e = ParseExpression(sql).ValueOrDie();
  auto expr = ToArrowExpression(*e, *batch->schema()).ValueOrDie();
  expr = expr.Bind(*batch->schema()).ValueOrDie();
  auto out = cp::ExecuteScalarExpression(expr, cp::ExecBatch(*batch)).ValueOrDie();
  std::shared_ptr<arrow::Array> result =
      out.is_scalar() ? arrow::MakeArrayFromScalar(*out.scalar(), batch->num_rows()).ValueOrDie()
                      : out.make_array();
  const auto& bools = static_cast<const arrow::BooleanArray&>(*result);
  for (int64_t i = 0; i < bools.length(); ++i) {
    if (bools.IsValid(i) && bools.Value(i)) return true;
  }
  return false;
}

std::string RandomIntPredicate(std::mt19937& rng, int depth = 0) {
  auto num = [&] { return std::to_string(std::uniform_int_distribution<int>(-12, 12)(rng)); };
  static const char* kOps[] = {"=", "!=", "<", "<=", ">", ">="};
  switch (std::uniform_int_distribution<int>(0, depth < 2 ? 9 : 5)(rng)) {
    case 0: case 1: return "x " + std::string(kOps[rng() % 6]) + " " + num();
    case 2: return num() + " " + kOps[rng() % 6] + " x";
    case 3: return "x IN (" + num() + ", " + num() + (rng() % 4 == 0 ? ", NULL)" : ")");
    case 4: return "x BETWEEN " + num() + " AND " + num();
    case 5: return rng() % 2 ? "x IS NULL" : "x IS NOT NULL";
    case 6: case 7: return "NOT (" + RandomIntPredicate(rng, depth + 1) + ")";
    case 8: return "(" + RandomIntPredicate(rng, depth + 1) + ") AND (" +
                   RandomIntPredicate(rng, depth + 1) + ")";
    default: return "(" + RandomIntPredicate(rng, depth + 1) + ") OR (" +
                    RandomIntPredicate(rng, depth + 1) + ")";
  }
}

TEST(ExprSkipping, RandomIntFilesAreNeverWronglySkipped) {
  std::mt19937 rng(20240611);
  auto schema = arrow::schema({arrow::field("x", arrow::int32())});
  int skipped = 0, matched = 0;
  for (int trial = 0; trial < 1500; ++trial) {
    const int rows = std::uniform_int_distribution<int>(1, 8)(rng);
    const int lo = std::uniform_int_distribution<int>(-10, 10)(rng);
    const int span = std::uniform_int_distribution<int>(0, 6)(rng);
    const int null_pct = std::uniform_int_distribution<int>(0, 2)(rng) * 40;  // 0, 40, 80 %
    arrow::Int32Builder builder;
    ColumnStats stats;
    stats.null_count = 0;
    for (int r = 0; r < rows; ++r) {
      if (std::uniform_int_distribution<int>(0, 99)(rng) < null_pct) {
        ASSERT_TRUE(builder.AppendNull().ok());
        ++*stats.null_count;
        continue;
      }
      const int v = lo + std::uniform_int_distribution<int>(0, span)(rng);
      ASSERT_TRUE(builder.Append(v).ok());
      auto value_of = [](const ScalarPtr& s) {
        return static_cast<const arrow::Int32Scalar&>(*s).value;
      };
      if (!stats.min || v < value_of(stats.min)) stats.min = Int(v);
      if (!stats.max || v > value_of(stats.max)) stats.max = Int(v);
    }
    FileStatistics file;
    file.num_records = rows;
    if (rng() % 5 == 0 && stats.min && *stats.null_count == 0 &&
        stats.min->Equals(*stats.max)) {
      stats.exact = true;  // a partition-like file
    }
    if (rng() % 7 == 0) stats.null_count.reset();  // unknown null count
    file.columns["x"] = stats;
    auto batch = arrow::RecordBatch::Make(schema, rows, {builder.Finish().ValueOrDie()});
    const std::string sql = RandomIntPredicate(rng);
    auto predicate = ParseExpression(sql).ValueOrDie();
    const bool may = MayMatch(*predicate, file, *schema);
    const bool matches = AnyRowMatches(sql, batch);
    if (matches) {
      ++matched;
      ASSERT_TRUE(may) << "wrongly skipped: " << sql << " over " << batch->column(0)->ToString();
    }
    if (!may) ++skipped;
  }
  EXPECT_GT(skipped, 200);  // skipping is useful, not just safe
  EXPECT_GT(matched, 200);
}

TEST(ExprSkipping, RandomStringFilesWithTruncatedStatsAreNeverWronglySkipped) {
  std::mt19937 rng(7);
  auto schema = arrow::schema({arrow::field("s", arrow::utf8())});
  auto random_string = [&](int max_len) {
    std::string s;
    const int len = std::uniform_int_distribution<int>(0, max_len)(rng);
    for (int i = 0; i < len; ++i) s += "abc"[rng() % 3];
    return s;
  };
  static const char* kOps[] = {"=", "!=", "<", "<=", ">", ">="};
  int skipped = 0;
  for (int trial = 0; trial < 1500; ++trial) {
    const int rows = std::uniform_int_distribution<int>(1, 6)(rng);
    std::vector<std::string> values;
    arrow::StringBuilder builder;
    for (int r = 0; r < rows; ++r) {
      values.push_back(random_string(5));
      ASSERT_TRUE(builder.Append(values.back()).ok());
    }
    // Stats truncated to 2 characters, without Delta's tie-breaker: min is a prefix of the true
    // min (a lower bound); max is a prefix of the true max (values may extend it).
    std::string min = *std::min_element(values.begin(), values.end());
    std::string max = *std::max_element(values.begin(), values.end());
    FileStatistics file;
    file.num_records = rows;
    file.columns["s"] = Range(Str(min.substr(0, 2)), Str(max.substr(0, 2)));
    auto batch = arrow::RecordBatch::Make(schema, rows, {builder.Finish().ValueOrDie()});
    std::string sql;
    switch (rng() % 3) {
      case 0: sql = "s " + std::string(kOps[rng() % 6]) + " '" + random_string(4) + "'"; break;
      case 1: sql = "s LIKE '" + random_string(3) + "%'"; break;
      default: sql = "NOT s " + std::string(kOps[rng() % 6]) + " '" + random_string(3) + "'";
    }
    auto predicate = ParseExpression(sql).ValueOrDie();
    const bool may = MayMatch(*predicate, file, *schema);
    if (AnyRowMatches(sql, batch)) {
      ASSERT_TRUE(may) << "wrongly skipped: " << sql << " over " << batch->column(0)->ToString();
    }
    if (!may) ++skipped;
  }
  EXPECT_GT(skipped, 100);
}

TEST(ExprSkipping, RandomTimestampFilesWithMillisecondStatsAreNeverWronglySkipped) {
  std::mt19937 rng(99);
  auto type = arrow::timestamp(arrow::TimeUnit::MICRO, "UTC");
  auto schema = arrow::schema({arrow::field("ts", type)});
  static const char* kOps[] = {"=", "!=", "<", "<=", ">", ">="};
  auto floor_ms = [](int64_t us) { return us - ((us % 1000) + 1000) % 1000; };
  int skipped = 0;
  for (int trial = 0; trial < 800; ++trial) {
    const int rows = std::uniform_int_distribution<int>(1, 5)(rng);
    arrow::TimestampBuilder builder(type, arrow::default_memory_pool());
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (int r = 0; r < rows; ++r) {
      const int64_t v = kTenOClock + std::uniform_int_distribution<int64_t>(-3000, 3000)(rng);
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      ASSERT_TRUE(builder.Append(v).ok());
    }
    FileStatistics file;
    file.num_records = rows;
    file.columns["ts"] = Range(Ts(floor_ms(lo)), Ts(floor_ms(hi)));
    auto batch = arrow::RecordBatch::Make(schema, rows, {builder.Finish().ValueOrDie()});
    const int64_t literal = kTenOClock + std::uniform_int_distribution<int64_t>(-3500, 3500)(rng);
    const std::string op = kOps[rng() % 6];
    auto predicate = Expr::Call(op == "=" ? "==" : op,
                                {Expr::Column({"ts"}), Expr::Literal(Ts(literal))});
    const std::string sql = predicate->ToString();
    const bool may = MayMatch(*ParseExpression(sql).ValueOrDie(), file, *schema);
    if (AnyRowMatches(sql, batch)) {
      ASSERT_TRUE(may) << "wrongly skipped: " << sql << " over " << batch->column(0)->ToString();
    }
    if (!may) ++skipped;
  }
  EXPECT_GT(skipped, 50);
}

}  // namespace
}  // namespace delta
