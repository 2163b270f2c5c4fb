// OPTIMIZE: the pure pieces (bin packing, bit interleaving, rank buckets, Z-order keys, sizes),
// and, on a temporary directory, its concurrency contract: a commit that lands between
// OPTIMIZE's read and its commit (injected by a LogStore wrapper) is an append, which must not
// conflict, or a removal of a file OPTIMIZE rewrote, which must.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <arrow/api.h>

#include "delta/error.h"
#include "delta/log_store.h"
#include "delta/operations/optimize.h"
#include "delta/table.h"
#include "delta/transaction.h"
#include "delta/write.h"
#include "ops/optimize_plan.h"

namespace delta {
namespace {

using ops::BinPackFile;
using ops::PackBins;

TEST(PackBins, SmallFilesFillBinsUpToTheTargetInFileOrder) {
  std::vector<BinPackFile> files{{40, false}, {40, false}, {40, false}, {40, false}, {40, false}};
  auto bins = PackBins(files, 100, 2);
  ASSERT_EQ(bins.size(), 2u);
  EXPECT_EQ(bins[0], (std::vector<size_t>{0, 1}));
  EXPECT_EQ(bins[1], (std::vector<size_t>{2, 3}));  // file 4 alone is dropped
}

TEST(PackBins, FilesAtTheTargetAreLeftAlone) {
  std::vector<BinPackFile> files{{100, false}, {10, false}, {150, false}, {10, false}};
  auto bins = PackBins(files, 100, 2);
  ASSERT_EQ(bins.size(), 1u);
  EXPECT_EQ(bins[0], (std::vector<size_t>{1, 3}));
}

TEST(PackBins, ASingleSmallFileIsNotRewritten) {
  EXPECT_TRUE(PackBins({{10, false}}, 100, 2).empty());
  EXPECT_TRUE(PackBins({}, 100, 2).empty());
}

TEST(PackBins, AFileWithADeletionVectorIsRewrittenEvenAloneOrLarge) {
  auto bins = PackBins({{500, true}}, 100, 2);
  ASSERT_EQ(bins.size(), 1u);
  EXPECT_EQ(bins[0], (std::vector<size_t>{0}));
}

TEST(PackBins, MinFilesRaisesTheBar) {
  std::vector<BinPackFile> files{{10, false}, {10, false}, {10, false}};
  EXPECT_TRUE(PackBins(files, 100, 4).empty());
  EXPECT_EQ(PackBins(files, 100, 3).size(), 1u);
}

TEST(InterleaveBits, AlternatesBitsMostSignificantFirst) {
  // a = 0b10, b = 0b01 → a1 b1 a0 b0 = 1 0 0 1.
  EXPECT_EQ(ops::InterleaveBits({0b10, 0b01}, 2), 0b1001u);
  EXPECT_EQ(ops::InterleaveBits({0xFFFFFFFFu, 0}, 32), 0xAAAAAAAAAAAAAAAAull);
  EXPECT_EQ(ops::InterleaveBits({0, 0xFFFFFFFFu}, 32), 0x5555555555555555ull);
  EXPECT_EQ(ops::InterleaveBits({5}, 3), 5u);
  EXPECT_EQ(ops::InterleaveBits({1, 1, 1}, 21), 7u);
}

TEST(ZOrderBitsPerColumn, FitsSixtyFourBits) {
  EXPECT_EQ(ops::ZOrderBitsPerColumn(1), 32);
  EXPECT_EQ(ops::ZOrderBitsPerColumn(2), 32);
  EXPECT_EQ(ops::ZOrderBitsPerColumn(3), 21);
  EXPECT_EQ(ops::ZOrderBitsPerColumn(5), 12);
}

TEST(RankBuckets, PreserveOrderShareTiesAndPutNullsFirst) {
  arrow::Int64Builder b;
  ASSERT_TRUE(b.AppendValues({30, 10, 20, 10}).ok());
  ASSERT_TRUE(b.AppendNull().ok());
  auto array = *b.Finish();
  auto buckets = *ops::RankBuckets(array, 4);  // 16 buckets over 5 rows
  // ranks (min tiebreak, null first): null 1, 10 → 2, 10 → 2, 20 → 4, 30 → 5
  EXPECT_EQ(buckets, (std::vector<uint32_t>{4 * 16 / 5, 1 * 16 / 5, 3 * 16 / 5, 1 * 16 / 5, 0}));
}

TEST(RankBuckets, StringsRankLexicographically) {
  arrow::StringBuilder b;
  ASSERT_TRUE(b.AppendValues({"b", "a", "c"}).ok());
  auto buckets = *ops::RankBuckets(*b.Finish(), 2);
  EXPECT_EQ(buckets, (std::vector<uint32_t>{1, 0, 2}));
}

TEST(ZOrderKeys, SortingByKeyClustersBothColumns) {
  // A 4x4 grid: the four quadrants must be contiguous in key order.
  arrow::Int32Builder xb, yb;
  for (int x = 0; x < 4; ++x) {
    for (int y = 0; y < 4; ++y) {
      ASSERT_TRUE(xb.Append(x).ok());
      ASSERT_TRUE(yb.Append(y).ok());
    }
  }
  auto keys = *ops::ZOrderKeys({*xb.Finish(), *yb.Finish()});
  ASSERT_EQ(keys->length(), 16);
  std::vector<std::pair<uint64_t, int>> order;
  for (int i = 0; i < 16; ++i) order.push_back({keys->Value(i), i});
  std::sort(order.begin(), order.end());
  for (int q = 0; q < 4; ++q) {
    std::set<int> quadrants;
    for (int k = 0; k < 4; ++k) {
      int i = order[static_cast<size_t>(q * 4 + k)].second;
      quadrants.insert((i / 4) / 2 * 2 + (i % 4) / 2);
    }
    EXPECT_EQ(quadrants.size(), 1u) << "group " << q;
  }
  EXPECT_FALSE(ops::ZOrderKeys({}).ok());
}

TEST(ParseByteSize, UnitsArePowersOf1024) {
  EXPECT_EQ(*ParseByteSize("1048576"), 1048576);
  EXPECT_EQ(*ParseByteSize("256MB"), 256LL << 20);
  EXPECT_EQ(*ParseByteSize("1g"), 1LL << 30);
  EXPECT_EQ(*ParseByteSize("4 KiB"), 4096);
  EXPECT_EQ(*ParseByteSize("2tb"), 2LL << 40);
  EXPECT_FALSE(ParseByteSize("MB").ok());
  EXPECT_FALSE(ParseByteSize("12 parsecs").ok());
  EXPECT_FALSE(ParseByteSize("").ok());
}
class OptimizeConcurrency : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("deltacpp-optimize-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    uri_ = dir_.string();
    for (int i = 0; i < 3; ++i) Append(i);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Append(int64_t id) {
    auto schema = arrow::schema({arrow::field("id", arrow::int64())});
    arrow::Int64Builder b;
    ASSERT_TRUE(b.Append(id).ok());
    auto batch = arrow::RecordBatch::Make(schema, 1, {*b.Finish()});
    auto reader = *arrow::RecordBatchReader::Make({batch}, schema);
    auto written = WriteTable(uri_, reader, {});
    ASSERT_TRUE(written.ok()) << written.status();
  }

  OptimizeOptions WithRival(std::function<void()> rival) {
    OptimizeOptions o;
    auto fs = (*Table::Open(uri_))->GetSnapshot(std::nullopt).ValueOrDie()->filesystem();
    o.transaction.log_store = MakeRivalFirstLogStore(*MakeLogStore(fs), std::move(rival));
    return o;
  }

  int64_t NumRows() {
    auto snap = *(*Table::Open(uri_))->GetSnapshot(std::nullopt);
    return *snap->NumRecords();
  }

  std::filesystem::path dir_;
  std::string uri_;
};

TEST_F(OptimizeConcurrency, AConcurrentAppendDoesNotConflict) {
  auto m = Optimize(uri_, WithRival([&] { Append(100); }));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->version, 4);  // the append took 3
  EXPECT_EQ(m->num_files_removed, 3);
  EXPECT_EQ(m->num_files_added, 1);
  auto snap = *(*Table::Open(uri_))->GetSnapshot(std::nullopt);
  EXPECT_EQ(snap->files().size(), 2u);  // the compacted file and the appended one
  EXPECT_EQ(NumRows(), 4);
}

TEST_F(OptimizeConcurrency, AConcurrentRemovalOfARewrittenFileConflicts) {
  // The rival overwrites the table: it removes the files OPTIMIZE read.
  auto rival = [&] {
    auto schema = arrow::schema({arrow::field("id", arrow::int64())});
    arrow::Int64Builder b;
    ASSERT_TRUE(b.Append(7).ok());
    auto batch = arrow::RecordBatch::Make(schema, 1, {*b.Finish()});
    auto reader = *arrow::RecordBatchReader::Make({batch}, schema);
    WriteOptions wo;
    wo.mode = WriteMode::kOverwrite;
    ASSERT_TRUE(WriteTable(uri_, reader, wo).ok());
  };
  auto m = Optimize(uri_, WithRival(rival));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(GetErrorCode(m.status()), ErrorCode::kCommitConflict);
  EXPECT_NE(m.status().message().find("ConcurrentDelete"), std::string::npos) << m.status();
  EXPECT_EQ(NumRows(), 1);
  // The file OPTIMIZE wrote was deleted: 3 originals + the rival's one remain on disk.
  int parquet = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_)) parquet += e.path().extension() == ".parquet";
  EXPECT_EQ(parquet, 4);
}

TEST_F(OptimizeConcurrency, TwoOptimizesOfTheSameFilesConflict) {
  // The rival is a whole OPTIMIZE (dataChange=false removes): ours must not re-add the rows.
  auto m = Optimize(uri_, WithRival([&] { ASSERT_TRUE(Optimize(uri_).ok()); }));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(GetErrorCode(m.status()), ErrorCode::kCommitConflict);
  EXPECT_NE(m.status().message().find("ConcurrentDelete"), std::string::npos) << m.status();
  EXPECT_EQ(NumRows(), 3);
}

}  // namespace
}  // namespace delta
