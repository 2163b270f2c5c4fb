// Bounded-memory Z-ORDER (src/ops/zorder_external.h): order-preserving codes per type, and the
// spill-and-sort clustering (every row once; exact order when the sample holds every row).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <random>

#include <arrow/api.h>
#include <arrow/json/from_string.h>

#include "ops/zorder_external.h"

namespace delta::ops {
namespace {

std::vector<uint64_t> Codes(const std::shared_ptr<arrow::DataType>& type, const std::string& json) {
  auto a = *arrow::json::ArrayFromJSONString(type, json);
  auto r = OrderPreservingCodes(*a);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : std::vector<uint64_t>{};
}

void ExpectStrictlyIncreasing(const std::vector<uint64_t>& v) {
  for (size_t i = 1; i < v.size(); ++i) EXPECT_LT(v[i - 1], v[i]) << "at " << i;
}

TEST(ZOrderExternal, CodesPreserveOrderPerType) {
  ExpectStrictlyIncreasing(Codes(arrow::int64(), "[-9223372036854775807, -5, -1, 0, 1, 9223372036854775807]"));
  ExpectStrictlyIncreasing(Codes(arrow::int32(), "[-2147483648, -1, 0, 7]"));
  ExpectStrictlyIncreasing(Codes(arrow::float64(), "[-Inf, -1e300, -1.5, -1e-300, 0.0, 1e-300, 2.5, Inf]"));
  ExpectStrictlyIncreasing(Codes(arrow::utf8(), R"(["", "a", "ab", "b", "ba", "zzzzzzzz"])"));
  ExpectStrictlyIncreasing(Codes(arrow::date32(), "[-1, 0, 18262]"));
  ExpectStrictlyIncreasing(Codes(arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"), "[-1, 0, 1577872800000000]"));
  ExpectStrictlyIncreasing(Codes(arrow::decimal128(10, 2), R"(["-1.50", "0.00", "0.01", "99.99"])"));
  ExpectStrictlyIncreasing(Codes(arrow::boolean(), "[false, true]"));
  auto z = Codes(arrow::float64(), "[-0.0, 0.0]");
  EXPECT_EQ(z[0], z[1]);
  auto n = Codes(arrow::int64(), "[null, -9223372036854775807]");
  EXPECT_LE(n[0], n[1]);  // NULL first
  auto s = Codes(arrow::utf8(), R"(["abcdefgh1", "abcdefgh2"])");
  EXPECT_EQ(s[0], s[1]);  // an 8-byte prefix: ties, never inversions
  auto bad = *arrow::json::ArrayFromJSONString(arrow::list(arrow::int32()), "[[1]]");
  EXPECT_FALSE(OrderPreservingCodes(*bad).ok());
}

// Three "files" of shuffled (a, b) rows; returns the rows ExternalZOrder writes.
std::vector<std::pair<int64_t, int64_t>> Cluster(int64_t num_ranges, int64_t sample_rows, bool one_column) {
  auto schema = arrow::schema({arrow::field("a", arrow::int64()), arrow::field("b", arrow::int64())});
  std::mt19937_64 rng(1);
  std::vector<BatchVector> files(3);
  for (int f = 0; f < 3; ++f) {
    for (int b = 0; b < 2; ++b) {
      arrow::Int64Builder ab, bb;
      for (int i = 0; i < 500; ++i) {
        (void)ab.Append(static_cast<int64_t>(rng() % 1000));
        (void)bb.Append(static_cast<int64_t>(rng() % 1000) - 500);
      }
      files[f].push_back(arrow::RecordBatch::Make(schema, 500, {*ab.Finish(), *bb.Finish()}));
    }
  }
  ExternalZOrderOptions o;
  o.columns = one_column ? std::vector<std::string>{"a"} : std::vector<std::string>{"a", "b"};
  o.num_ranges = num_ranges;
  o.sample_rows = sample_rows;
  o.spill_dir = ::testing::TempDir();
  std::vector<std::pair<int64_t, int64_t>> out;
  auto st = ExternalZOrder(
      3, [&](int64_t i, bool) -> arrow::Result<BatchVector> { return files[static_cast<size_t>(i)]; },
      [&](const std::shared_ptr<arrow::RecordBatch>& b) {
        auto a = std::static_pointer_cast<arrow::Int64Array>(b->column(0));
        auto c = std::static_pointer_cast<arrow::Int64Array>(b->column(1));
        for (int64_t i = 0; i < b->num_rows(); ++i) out.emplace_back(a->Value(i), c->Value(i));
        EXPECT_EQ(b->num_columns(), 2);  // the spill key column is not written
        return arrow::Status::OK();
      },
      o);
  EXPECT_TRUE(st.ok()) << st;
  return out;
}

TEST(ZOrderExternal, OneColumnWithAFullSampleIsASort) {
  auto rows = Cluster(4, 1 << 20, /*one_column=*/true);
  ASSERT_EQ(rows.size(), 3000u);
  EXPECT_TRUE(std::is_sorted(rows.begin(), rows.end(),
                             [](const auto& x, const auto& y) { return x.first < y.first; }));
}

TEST(ZOrderExternal, EveryRowOnceAndRangesCluster) {
  auto rows = Cluster(4, 256, /*one_column=*/false);
  ASSERT_EQ(rows.size(), 3000u);
  auto again = Cluster(1, 1 << 20, false);
  auto a = rows, b = again;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  EXPECT_EQ(a, b);  // same multiset of rows whatever the ranges and sample
  // Clustering: each quarter of the output spans a much smaller (a, b) box than the table.
  int64_t area = 0;
  for (int q = 0; q < 4; ++q) {
    int64_t lo_a = 1 << 30, hi_a = -(1 << 30), lo_b = 1 << 30, hi_b = -(1 << 30);
    for (size_t i = static_cast<size_t>(q) * 750; i < static_cast<size_t>(q + 1) * 750; ++i) {
      lo_a = std::min(lo_a, rows[i].first), hi_a = std::max(hi_a, rows[i].first);
      lo_b = std::min(lo_b, rows[i].second), hi_b = std::max(hi_b, rows[i].second);
    }
    area += (hi_a - lo_a) * (hi_b - lo_b);
  }
  EXPECT_LT(area, 2 * 1000 * 1000);  // four unclustered quarters would cover ~4 * 10^6
  // Spill files are gone.
  for (const auto& e : std::filesystem::directory_iterator(::testing::TempDir())) {
    EXPECT_EQ(e.path().filename().string().rfind("deltacpp-zorder-", 0), std::string::npos) << e.path();
  }
}

}  // namespace
}  // namespace delta::ops
