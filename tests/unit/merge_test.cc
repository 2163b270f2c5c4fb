// MERGE (delta/operations/merge.h): exact rows after every clause kind, clause order, NULL
// keys, cardinality errors, deletion vectors, change data, file pruning and metrics.
// Uses a temporary directory (the operations resolve local paths).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include <arrow/json/from_string.h>
#include <arrow/record_batch.h>
#include <arrow/table.h>
#include <nlohmann/json.hpp>

#include "delta/change_data_feed.h"
#include "delta/error.h"
#include "delta/operations/merge.h"
#include "delta/scan.h"
#include "delta/table.h"
#include "delta/write.h"

namespace delta {
namespace {

std::shared_ptr<arrow::Schema> KV() {
  return arrow::schema({arrow::field("id", arrow::int64()), arrow::field("v", arrow::utf8())});
}

std::shared_ptr<arrow::RecordBatch> Batch(const std::string& ids, const std::string& vs) {
  auto id = *arrow::json::ArrayFromJSONString(arrow::int64(), ids);
  auto v = *arrow::json::ArrayFromJSONString(arrow::utf8(), vs);
  return arrow::RecordBatch::Make(KV(), id->length(), {id, v});
}

std::shared_ptr<arrow::RecordBatchReader> Source(const std::string& ids, const std::string& vs) {
  return *arrow::RecordBatchReader::Make({Batch(ids, vs)}, KV());
}

std::string Dir(const std::string& name) {
  auto dir = std::filesystem::path(::testing::TempDir()) / ("merge_" + name);
  std::filesystem::remove_all(dir);
  return dir.string();
}

void Append(const std::string& uri, const std::string& ids, const std::string& vs,
            std::map<std::string, std::string> conf = {}, std::vector<std::string> partition_by = {}) {
  WriteOptions o;
  o.configuration = std::move(conf);
  o.partition_by = std::move(partition_by);
  auto reader = *arrow::RecordBatchReader::Make({Batch(ids, vs)}, KV());
  auto r = WriteTable(uri, reader, o);
  ASSERT_TRUE(r.ok()) << r.status();
}

// Rows as "id|v" strings, sorted.
std::vector<std::string> Rows(const std::string& uri) {
  auto table = *Table::Open(uri);
  auto snap = *table->GetSnapshot();
  auto scan = *Scan::Make(snap, {});
  auto t = *(*scan->Execute())->ToTable();
  auto b = *t->CombineChunksToBatch();
  std::vector<std::string> out;
  for (int64_t i = 0; i < b->num_rows(); ++i) {
    std::string row;
    for (int c = 0; c < b->num_columns(); ++c) {
      auto s = *b->column(c)->GetScalar(i);
      row += (c ? "|" : "") + (s->is_valid ? s->ToString() : std::string("NULL"));
    }
    out.push_back(row);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> Changes(const std::string& uri, int64_t version) {
  auto table = *Table::Open(uri);
  ChangeDataOptions o;
  o.start_version = version;
  o.end_version = version;
  auto t = *(*ReadChangeDataFeed(*table, o))->ToTable();
  auto b = *t->CombineChunksToBatch();
  std::vector<std::string> out;
  for (int64_t i = 0; i < b->num_rows(); ++i) {
    auto id = *b->GetColumnByName("id")->GetScalar(i);
    auto v = *b->GetColumnByName("v")->GetScalar(i);
    auto ct = *b->GetColumnByName("_change_type")->GetScalar(i);
    out.push_back(ct->ToString() + ":" + id->ToString() + "|" + (v->is_valid ? v->ToString() : "NULL"));
  }
  std::sort(out.begin(), out.end());
  return out;
}

nlohmann::json LastCommitInfo(const std::string& uri) {
  auto table = *Table::Open(uri);
  auto h = *table->History(1);
  return nlohmann::json::parse(h[0].commit_info_json);
}

MergeBuilder Upsert(const std::string& uri, std::shared_ptr<arrow::RecordBatchReader> src) {
  MergeBuilder b(uri, std::move(src), "t.id = s.id");
  b.WithTargetAlias("t").WithSourceAlias("s");
  return b;
}

using Strings = std::vector<std::string>;

TEST(Merge, UpsertUpdatesMatchedAndInsertsUnmatched) {
  auto uri = Dir("upsert");
  Append(uri, "[1, 2, 3]", R"(["a", "b", "c"])");
  auto m = Upsert(uri, Source("[2, 4]", R"(["B", "D"])")).WhenMatchedUpdateAll().WhenNotMatchedInsertAll().Execute();
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->version, 1);
  EXPECT_EQ(Rows(uri), (Strings{"1|a", "2|B", "3|c", "4|D"}));
  EXPECT_EQ(m->num_source_rows, 2);
  EXPECT_EQ(m->num_target_rows_updated, 1);
  EXPECT_EQ(m->num_target_rows_matched_updated, 1);
  EXPECT_EQ(m->num_target_rows_inserted, 1);
  EXPECT_EQ(m->num_copied_rows, 2);
  EXPECT_EQ(m->num_output_rows, 4);
  EXPECT_EQ(m->num_removed_files, 1);
  auto ci = LastCommitInfo(uri);
  EXPECT_EQ(ci["operation"], "MERGE");
  EXPECT_EQ(ci["operationMetrics"]["numTargetRowsUpdated"], "1");
  EXPECT_EQ(ci["operationMetrics"]["numTargetRowsInserted"], "1");
  EXPECT_EQ(ci["operationMetrics"]["numTargetRowsCopied"], "2");
  EXPECT_EQ(ci["operationParameters"]["predicate"],
            nlohmann::json::array({ParseExpression("t.id = s.id").ValueOrDie()->ToString()}).dump());
  EXPECT_EQ(ci["operationParameters"]["matchedPredicates"], R"([{"actionType":"update"}])");
  EXPECT_EQ(ci["operationParameters"]["notMatchedPredicates"], R"([{"actionType":"insert"}])");
  EXPECT_EQ(ci["operationParameters"]["notMatchedBySourcePredicates"], "[]");
}

TEST(Merge, FirstMatchingClauseWinsInOrder) {
  auto uri = Dir("order");
  Append(uri, "[1, 2, 3]", R"(["a", "b", "c"])");
  auto m = Upsert(uri, Source("[1, 2, 3]", R"(["x", "y", "z"])"))
               .WhenMatchedDelete("t.id = 1")
               .WhenMatchedUpdate({{"v", "upper(s.v)"}}, "t.id <= 2")
               .WhenMatchedUpdate({{"v", "'never'"}}, "t.id = 1")
               .Execute();
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(Rows(uri), (Strings{"2|Y", "3|c"}));
  EXPECT_EQ(m->num_target_rows_matched_deleted, 1);
  EXPECT_EQ(m->num_target_rows_matched_updated, 1);
}

TEST(Merge, OnlyTheLastClauseOfAKindMayBeUnconditional) {
  auto uri = Dir("unconditional");
  Append(uri, "[1]", R"(["a"])");
  auto m = Upsert(uri, Source("[1]", R"(["x"])")).WhenMatchedDelete().WhenMatchedUpdateAll("s.v = 'x'").Execute();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(GetErrorCode(m.status()), ErrorCode::kInvalidArgument);
}

TEST(Merge, NotMatchedBySourceClauses) {
  auto uri = Dir("nmbs");
  Append(uri, "[1, 2, 3, 4]", R"(["a", "b", "c", "d"])");
  auto m = Upsert(uri, Source("[2]", R"(["B"])"))
               .WhenMatchedUpdate({{"v", "s.v"}})
               .WhenNotMatchedBySourceDelete("t.id = 1")
               .WhenNotMatchedBySourceUpdate({{"t.v", "'gone'"}}, "t.id > 3")
               .Execute();
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(Rows(uri), (Strings{"2|B", "3|c", "4|gone"}));
  EXPECT_EQ(m->num_target_rows_not_matched_by_source_deleted, 1);
  EXPECT_EQ(m->num_target_rows_not_matched_by_source_updated, 1);
  EXPECT_EQ(m->num_target_rows_deleted, 1);
  EXPECT_EQ(m->num_target_rows_updated, 2);
}

TEST(Merge, NullKeysNeverMatch) {
  auto uri = Dir("nulls");
  Append(uri, "[1, null]", R"(["a", "n"])");
  auto m = Upsert(uri, Source("[null, 1]", R"(["x", "y"])")).WhenMatchedUpdateAll().WhenNotMatchedInsertAll().Execute();
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(Rows(uri), (Strings{"1|y", "NULL|n", "NULL|x"}));
  EXPECT_EQ(m->num_target_rows_inserted, 1);
  EXPECT_EQ(m->num_target_rows_updated, 1);
}

TEST(Merge, SeveralSourceRowsUpdatingOneTargetRowIsCardinalityError) {
  auto uri = Dir("cardinality");
  Append(uri, "[1, 2]", R"(["a", "b"])");
  auto m = Upsert(uri, Source("[1, 1]", R"(["x", "y"])")).WhenMatchedUpdateAll().Execute();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(GetErrorCode(m.status()), ErrorCode::kMergeCardinality);
  EXPECT_EQ(Rows(uri), (Strings{"1|a", "2|b"}));
  // Spark allows it for one unconditional DELETE.
  m = Upsert(uri, Source("[1, 1]", R"(["x", "y"])")).WhenMatchedDelete().Execute();
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(Rows(uri), (Strings{"2|b"}));
  EXPECT_EQ(m->num_target_rows_deleted, 1);
}

TEST(Merge, InsertOnlyAllowsDuplicateMatchesAndKeepsFiles) {
  auto uri = Dir("insert_only");
  Append(uri, "[1, 2]", R"(["a", "b"])");
  auto m = Upsert(uri, Source("[1, 1, 3, 3]", R"(["x", "y", "c", "d"])")).WhenNotMatchedInsertAll().Execute();
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(Rows(uri), (Strings{"1|a", "2|b", "3|c", "3|d"}));
  EXPECT_EQ(m->num_removed_files, 0);
  EXPECT_EQ(m->num_target_rows_inserted, 2);
}

TEST(Merge, ExplicitInsertColumnsAndConditions) {
  auto uri = Dir("insert_cols");
  Append(uri, "[1]", R"(["a"])");
  auto m = Upsert(uri, Source("[2, 3]", R"(["b", "c"])"))
               .WhenNotMatchedInsert({{"id", "s.id * 10"}}, "s.v = 'b'")
               .WhenNotMatchedInsert({{"id", "s.id"}, {"v", "'other'"}})
               .Execute();
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(Rows(uri), (Strings{"1|a", "20|NULL", "3|other"}));
}

TEST(Merge, NothingMatchedCommitsNothing) {
  auto uri = Dir("noop");
  Append(uri, "[1]", R"(["a"])");
  auto m = Upsert(uri, Source("[5]", R"(["x"])")).WhenMatchedDelete().Execute();
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_FALSE(m->committed);
  EXPECT_EQ(m->version, 0);
}

TEST(Merge, UnknownAndAmbiguousColumnsAreInvalidArgument) {
  auto uri = Dir("names");
  Append(uri, "[1]", R"(["a"])");
  auto m = MergeBuilder(uri, Source("[1]", R"(["x"])"), "id = id").WhenMatchedDelete().Execute();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(GetErrorCode(m.status()), ErrorCode::kInvalidArgument);
  EXPECT_NE(m.status().message().find("ambiguous"), std::string::npos) << m.status();
  m = Upsert(uri, Source("[1]", R"(["x"])")).WhenMatchedUpdate({{"nope", "1"}}).Execute();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(GetErrorCode(m.status()), ErrorCode::kInvalidArgument);
}

TEST(Merge, DeletionVectorsKeepFilesAndMarkRows) {
  auto uri = Dir("dv");
  Append(uri, "[1, 2, 3]", R"(["a", "b", "c"])", {{"delta.enableDeletionVectors", "true"}});
  auto m = Upsert(uri, Source("[2, 4]", R"(["B", "D"])")).WhenMatchedUpdateAll().WhenNotMatchedInsertAll().Execute();
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(Rows(uri), (Strings{"1|a", "2|B", "3|c", "4|D"}));
  EXPECT_EQ(m->num_deletion_vectors_added, 1);
  EXPECT_EQ(m->num_removed_files, 0);
  EXPECT_EQ(m->num_copied_rows, 0);
  auto snap = *(*Table::Open(uri))->GetSnapshot();
  int with_dv = 0;
  for (const auto& f : snap->files()) with_dv += f.deletion_vector.has_value();
  EXPECT_EQ(with_dv, 1);
  EXPECT_EQ(snap->files().size(), 2u);  // the original (with DV) + one new file
}

TEST(Merge, ChangeDataFeedRecordsEveryKind) {
  auto uri = Dir("cdf");
  Append(uri, "[1, 2, 3]", R"(["a", "b", "c"])", {{"delta.enableChangeDataFeed", "true"}});
  auto m = Upsert(uri, Source("[1, 2, 9]", R"(["A", "B", "I"])"))
               .WhenMatchedDelete("t.id = 1")
               .WhenMatchedUpdateAll()
               .WhenNotMatchedInsertAll()
               .Execute();
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(Changes(uri, 1), (Strings{"delete:1|a", "insert:9|I", "update_postimage:2|B", "update_preimage:2|b"}));
}

TEST(Merge, PartitionPruningReadsOnlyPartitionsOfSourceKeys) {
  auto uri = Dir("pruning");
  Append(uri, "[1]", R"(["a"])", {}, {"id"});
  Append(uri, "[2]", R"(["b"])", {}, {"id"});
  Append(uri, "[3]", R"(["c"])", {}, {"id"});
  auto m = Upsert(uri, Source("[3]", R"(["C"])")).WhenMatchedUpdateAll().Execute();
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->num_target_files_before_skipping, 3);
  EXPECT_EQ(m->num_target_files_after_skipping, 1);
  EXPECT_EQ(Rows(uri), (Strings{"1|a", "2|b", "3|C"}));
}

TEST(Merge, StatsSkippingWithSourceKeyRange) {
  auto uri = Dir("stats");
  Append(uri, "[1, 2]", R"(["a", "b"])");
  Append(uri, "[10, 11]", R"(["c", "d"])");
  auto m = Upsert(uri, Source("[10, 12]", R"(["X", "Y"])")).WhenMatchedUpdateAll().WhenNotMatchedInsertAll().Execute();
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->num_target_files_after_skipping, 1);
  EXPECT_EQ(Rows(uri), (Strings{"10|X", "11|d", "12|Y", "1|a", "2|b"}));
}

TEST(Merge, ResidualConditionInOn) {
  auto uri = Dir("residual");
  Append(uri, "[1, 2]", R"(["a", "b"])");
  auto m = MergeBuilder(uri, Source("[1, 2]", R"(["a", "x"])"), "t.id = s.id AND t.v = s.v")
               .WithTargetAlias("t")
               .WithSourceAlias("s")
               .WhenMatchedDelete()
               .WhenNotMatchedInsert({{"id", "s.id + 100"}, {"v", "s.v"}})
               .Execute();
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(Rows(uri), (Strings{"102|x", "2|b"}));
}

}  // namespace
}  // namespace delta

namespace delta {
namespace {

TEST(Merge, SchemaEvolutionAddsSourceColumns) {
  auto uri = Dir("evolve");
  Append(uri, "[1, 2]", R"(["a", "b"])");
  auto schema = arrow::schema({arrow::field("id", arrow::int64()), arrow::field("v", arrow::utf8()),
                               arrow::field("extra", arrow::int32())});
  auto batch = arrow::RecordBatch::Make(schema, 2,
                                        {*arrow::json::ArrayFromJSONString(arrow::int64(), "[2, 3]"),
                                         *arrow::json::ArrayFromJSONString(arrow::utf8(), R"(["B", "C"])"),
                                         *arrow::json::ArrayFromJSONString(arrow::int32(), "[20, 30]")});
  auto src = *arrow::RecordBatchReader::Make({batch}, schema);
  auto m = MergeBuilder(uri, src, "t.id = s.id")
               .WithTargetAlias("t")
               .WithSourceAlias("s")
               .WhenMatchedUpdateAll()
               .WhenNotMatchedInsertAll()
               .WithSchemaEvolution()
               .Execute();
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(Rows(uri), (Strings{"1|a|NULL", "2|B|20", "3|C|30"}));
  auto snap = *(*Table::Open(uri))->GetSnapshot();
  EXPECT_EQ(snap->schema()->num_fields(), 3);
  EXPECT_TRUE(snap->schema()->field(2)->type()->Equals(arrow::int32()));
}

}  // namespace
}  // namespace delta

namespace delta {
namespace {

TEST(Merge, OverlappingFileRangesReadExactlyTheFilesHoldingAKey) {
  // Files [0, 10] and [5, 100] overlap, [200, 300] is apart; per source key set, the number of
  // files whose [min, max] holds one of its keys.
  const std::vector<std::pair<std::string, int64_t>> cases = {
      {"[7]", 2}, {"[50]", 1}, {"[250]", 1}, {"[7, 250]", 3}, {"[150]", 0}, {"[-5, 400]", 0}};
  int n = 0;
  for (const auto& [keys, files] : cases) {
    auto uri = Dir("overlap" + std::to_string(n++));
    Append(uri, "[0, 10]", R"(["a", "b"])");
    Append(uri, "[5, 100]", R"(["c", "d"])");
    Append(uri, "[200, 300]", R"(["e", "f"])");
    const auto count = nlohmann::json::parse(keys).size();
    std::string vs = "[";
    for (size_t i = 0; i < count; ++i) vs += std::string(i ? ", " : "") + "\"x\"";
    vs += "]";
    auto m = Upsert(uri, Source(keys, vs)).WhenMatchedUpdateAll().Execute();
    ASSERT_TRUE(m.ok()) << m.status();
    EXPECT_EQ(m->num_target_files_after_skipping, files) << keys;
    EXPECT_EQ(m->num_target_rows_updated, 0) << keys;
  }
}

TEST(Merge, FilesBetweenSourceKeysAreNotRead) {
  auto uri = Dir("gaps");
  Append(uri, "[1, 2]", R"(["a", "b"])");
  Append(uri, "[10, 11]", R"(["c", "d"])");
  Append(uri, "[20, 21]", R"(["e", "f"])");
  // the key range [1, 21] covers every file; only the first and last hold source keys
  auto m = Upsert(uri, Source("[1, 21]", R"(["A", "F"])")).WhenMatchedUpdateAll().Execute();
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->num_target_files_after_skipping, 2);
  EXPECT_EQ(Rows(uri), (Strings{"10|c", "11|d", "1|A", "20|e", "21|F", "2|b"}));
}

}  // namespace
}  // namespace delta

namespace delta {
namespace {

// Keys other than one integer column go through arrow's Grouper.
TEST(Merge, StringAndCompositeKeys) {
  auto uri = Dir("string_keys");
  Append(uri, "[1, 2, 3]", R"(["a", "b", null])");
  auto m = MergeBuilder(uri, Source("[10, 20, 30]", R"(["b", "z", null])"), "t.v = s.v")
               .WithTargetAlias("t")
               .WithSourceAlias("s")
               .WhenMatchedUpdate({{"id", "s.id"}})
               .WhenNotMatchedInsertAll()
               .Execute();
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(Rows(uri), (Strings{"10|b", "1|a", "20|z", "30|NULL", "3|NULL"}));
  m = MergeBuilder(uri, Source("[1, 20]", R"(["a", "z"])"), "t.id = s.id AND t.v = s.v")
          .WithTargetAlias("t")
          .WithSourceAlias("s")
          .WhenMatchedDelete()
          .Execute();
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(Rows(uri), (Strings{"10|b", "30|NULL", "3|NULL"}));
}


// Typed two-column sources/targets for key-type tests: (k TYPE, v STRING).
std::shared_ptr<arrow::RecordBatchReader> Typed(const std::shared_ptr<arrow::DataType>& type,
                                                const std::string& ks, const std::string& vs) {
  auto schema = arrow::schema({arrow::field("k", type), arrow::field("v", arrow::utf8())});
  auto k = *arrow::json::ArrayFromJSONString(type, ks);
  auto v = *arrow::json::ArrayFromJSONString(arrow::utf8(), vs);
  return *arrow::RecordBatchReader::Make({arrow::RecordBatch::Make(schema, k->length(), {k, v})}, schema);
}

void AppendTyped(const std::string& uri, const std::shared_ptr<arrow::DataType>& type, const std::string& ks,
                 const std::string& vs) {
  auto r = WriteTable(uri, Typed(type, ks, vs), WriteOptions{});
  ASSERT_TRUE(r.ok()) << r.status();
}

TEST(Merge, KeysCompareInTheirCommonType) {
  // INT target key, BIGINT source key: 2^33 + 1 is out of INT's range and must not match
  // (nor fail, nor wrap to 1); 1 matches.
  auto uri = Dir("widen");
  AppendTyped(uri, arrow::int32(), "[1, 2]", R"(["a", "b"])");
  auto m = MergeBuilder(uri, Typed(arrow::int64(), "[8589934593, 1]", R"(["big", "one"])"), "t.k = s.k")
               .WithTargetAlias("t")
               .WithSourceAlias("s")
               .WhenMatchedUpdate({{"v", "s.v"}})
               .Execute();
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(Rows(uri), (Strings{"1|one", "2|b"}));
  EXPECT_EQ(m->num_target_rows_updated, 1);
  // DOUBLE source against the INT key: 2.0 matches 2, 2.5 matches nothing.
  m = MergeBuilder(uri, Typed(arrow::float64(), "[2.0, 2.5]", R"(["two", "half"])"), "t.k = s.k")
          .WithTargetAlias("t")
          .WithSourceAlias("s")
          .WhenMatchedUpdate({{"v", "s.v"}})
          .Execute();
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(Rows(uri), (Strings{"1|one", "2|two"}));
  EXPECT_EQ(m->num_target_rows_updated, 1);
}

TEST(Merge, IncomparableKeyTypesNameTheCondition) {
  auto uri = Dir("incomparable");
  AppendTyped(uri, arrow::int32(), "[1]", R"(["a"])");
  auto m = MergeBuilder(uri, Typed(arrow::boolean(), "[true]", R"(["x"])"), "t.k = s.k")
               .WithTargetAlias("t")
               .WithSourceAlias("s")
               .WhenMatchedDelete()
               .Execute();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(GetErrorCode(m.status()), ErrorCode::kInvalidArgument);
  EXPECT_NE(m.status().message().find("t.k = s.k"), std::string::npos) << m.status();
}

TEST(Merge, FloatKeysMatchLikeSpark) {
  // Spark normalizes join keys: -0.0 = 0.0 and NaN = NaN.
  auto uri = Dir("float_keys");
  AppendTyped(uri, arrow::float64(), "[0.0, 1.5, NaN]", R"(["zero", "x", "nan"])");
  auto m = MergeBuilder(uri, Typed(arrow::float64(), "[-0.0, 1.5, NaN]", R"(["negzero", "y", "NAN"])"), "t.k = s.k")
               .WithTargetAlias("t")
               .WithSourceAlias("s")
               .WhenMatchedUpdate({{"v", "s.v"}})
               .Execute();
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(Rows(uri), (Strings{"0|negzero", "1.5|y", "nan|NAN"}));
  EXPECT_EQ(m->num_target_rows_updated, 3);
}

TEST(Merge, NullSafeEqualityMatchesNullKeys) {
  auto uri = Dir("null_safe");
  Append(uri, "[1, null, 3]", R"(["a", "n", "c"])");
  auto r = MergeBuilder(uri, Source("[null, 1, 4]", R"(["N", "A", "D"])"), "t.id <=> s.id")
               .WithTargetAlias("t")
               .WithSourceAlias("s")
               .WhenMatchedUpdateAll()
               .WhenNotMatchedInsertAll()
               .Execute();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Rows(uri), (Strings{"1|A", "3|c", "4|D", "NULL|N"}));
  EXPECT_EQ(r->num_target_rows_updated, 2);
  EXPECT_EQ(r->num_target_rows_inserted, 1);
}

TEST(Merge, OnWithoutEqualityJoinsEveryPairThroughTheCondition) {
  // Range join: each target row is updated by the source row whose [lo, hi] holds it.
  auto uri = Dir("range_join");
  Append(uri, "[1, 5, 9]", R"(["a", "b", "c"])");
  auto m = MergeBuilder(uri, Source("[4, 8]", R"(["four-to-eight", "unused"])"), "t.id BETWEEN s.id AND s.id + 1 OR t.id = s.id + 1")
               .WithTargetAlias("t")
               .WithSourceAlias("s")
               .WhenMatchedUpdate({{"v", "s.v"}})
               .Execute();
  ASSERT_TRUE(m.ok()) << m.status();
  // 5 is in [4, 5] (source 4); 9 = 8 + 1 (source 8); 1 matches nothing.
  EXPECT_EQ(Rows(uri), (Strings{"1|a", "5|four-to-eight", "9|unused"}));
  EXPECT_EQ(m->num_target_rows_updated, 2);
  // Two source rows for one target row is still the cardinality error.
  auto e = MergeBuilder(uri, Source("[0, 0]", R"(["p", "q"])"), "t.id > s.id")
               .WithTargetAlias("t")
               .WithSourceAlias("s")
               .WhenMatchedUpdate({{"v", "s.v"}})
               .Execute();
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(GetErrorCode(e.status()), ErrorCode::kMergeCardinality);
}

TEST(Merge, OverflowIsAnEvaluationErrorNamingTheColumn) {
  auto uri = Dir("overflow");
  Append(uri, "[1, 9223372036854775807]", R"(["a", "b"])");
  auto m = Upsert(uri, Source("[9223372036854775807]", R"(["x"])")).WhenMatchedUpdate({{"id", "t.id + 1"}}).Execute();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(GetErrorCode(m.status()), ErrorCode::kEvaluation) << m.status();
  EXPECT_NE(m.status().message().find("column id: integer overflow"), std::string::npos) << m.status();
  EXPECT_EQ(Rows(uri), (Strings{"1|a", "9223372036854775807|b"}));  // nothing committed
}

}  // namespace
}  // namespace delta
