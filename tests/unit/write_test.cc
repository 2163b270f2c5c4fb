// Write-path pieces: partition paths, statistics of written files, schema enforcement, DDL.
// No disk (files go to Arrow's in-memory MockFileSystem).
#include <gtest/gtest.h>

#include <arrow/array/builder_primitive.h>
#include <arrow/filesystem/mockfs.h>
#include <arrow/json/from_string.h>
#include <arrow/record_batch.h>

#include "delta/error.h"
#include "delta/schema.h"
#include "write/partition_path.h"
#include "write/schema_enforcement.h"
#include "write/data_file_writer.h"
#include "write/footer_stats.h"

namespace delta::write {
namespace {

TEST(PartitionPath, EscapesLikeSpark) {
  EXPECT_EQ(EscapePathComponent("a b"), "a b");
  EXPECT_EQ(EscapePathComponent("a=b/c%d#e"), "a%3Db%2Fc%25d%23e");
  EXPECT_EQ(EscapePathComponent("x:y?z"), "x%3Ay%3Fz");
  EXPECT_EQ(UriEncodePath("p=a b/f.parquet"), "p=a%20b/f.parquet");
  EXPECT_EQ(UriEncodePath("p=a%3Db/f.parquet"), "p=a%253Db/f.parquet");
}

TEST(PartitionPath, SerializesValuesAsTheProtocolSays) {
  EXPECT_EQ(SerializePartitionValue(arrow::Int32Scalar(-7)), "-7");
  EXPECT_EQ(SerializePartitionValue(arrow::BooleanScalar(true)), "true");
  EXPECT_EQ(SerializePartitionValue(arrow::Date32Scalar(19723)), "2024-01-01");
  EXPECT_EQ(SerializePartitionValue(arrow::TimestampScalar(
                1704067200123456, arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"))),
            "2024-01-01 00:00:00.123456");
  EXPECT_EQ(SerializePartitionValue(arrow::StringScalar("")), std::nullopt);
  EXPECT_EQ(SerializePartitionValue(*arrow::MakeNullScalar(arrow::int64())), std::nullopt);
}

std::shared_ptr<arrow::RecordBatch> Batch(const std::shared_ptr<arrow::Schema>& schema,
                                          const std::vector<std::string>& columns_json) {
  arrow::ArrayVector cols;
  for (int i = 0; i < schema->num_fields(); ++i) {
    cols.push_back(*arrow::json::ArrayFromJSONString(schema->field(i)->type(), columns_json[i]));
  }
  return arrow::RecordBatch::Make(schema, cols[0]->length(), cols);
}

// The stats a DataFileWriter puts in its add actions (taken from the Parquet footer it wrote).
std::string WrittenStats(const std::shared_ptr<arrow::Schema>& schema,
                         const std::vector<std::shared_ptr<arrow::RecordBatch>>& batches,
                         StatsConfig config = {}) {
  auto fs = std::make_shared<arrow::fs::internal::MockFileSystem>(arrow::fs::TimePoint{});
  DataFileWriterOptions o;
  o.table_root = "t";
  o.schema = schema;
  o.stats = config;
  auto writer = *DataFileWriter::Make(fs, o);
  for (const auto& b : batches) EXPECT_TRUE(writer->Write(b).ok());
  auto adds = writer->Finish();
  EXPECT_TRUE(adds.ok()) << adds.status();
  EXPECT_EQ(adds->size(), 1u);
  return adds->empty() ? "" : *(*adds)[0].stats;
}

TEST(DataFileWriterStats, MinMaxNullCountAcrossBatches) {
  auto schema = arrow::schema({arrow::field("id", arrow::int64()), arrow::field("s", arrow::utf8()),
                               arrow::field("n", arrow::struct_({arrow::field("x", arrow::float64())}))});
  EXPECT_EQ(WrittenStats(schema, {Batch(schema, {"[5, null, 3]", R"(["b", "a", null])", R"([{"x": 1.5}, null, {"x": -2}])"}),
                                  Batch(schema, {"[9]", R"(["c"])", R"([{"x": null}])"})}),
            R"({"numRecords":4,"minValues":{"id":3,"s":"a","n":{"x":-2.0}},)"
            R"("maxValues":{"id":9,"s":"c","n":{"x":1.5}},"nullCount":{"id":1,"s":1,"n":{"x":2}}})");
}

TEST(DataFileWriterStats, ADoubleColumnWithNaNKeepsItsMinButNoMax) {
  auto schema = arrow::schema({arrow::field("d", arrow::float64())});
  EXPECT_EQ(WrittenStats(schema, {Batch(schema, {"[1.5, NaN, -3]"})}),
            R"({"numRecords":3,"minValues":{"d":-3.0},"maxValues":{},"nullCount":{"d":0}})");
}

TEST(DataFileWriterStats, LongStringsKeepAPrefixMinAndNoMax) {
  auto schema = arrow::schema({arrow::field("s", arrow::utf8())});
  std::string longer(40, 'z');
  EXPECT_EQ(WrittenStats(schema, {Batch(schema, {"[\"" + std::string(40, 'a') + "\", \"" + longer + "\"]"})}),
            "{\"numRecords\":2,\"minValues\":{\"s\":\"" + std::string(32, 'a') +
                "\"},\"maxValues\":{},\"nullCount\":{\"s\":0}}");
}

TEST(DataFileWriterStats, HonoursNumIndexedColumnsAndTimestampsInMilliseconds) {
  auto schema = arrow::schema({arrow::field("ts", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")),
                               arrow::field("b", arrow::int32())});
  StatsConfig cfg;
  cfg.num_indexed_cols = 1;
  EXPECT_EQ(WrittenStats(schema, {Batch(schema, {"[1704067200123456, 1704067200000001]", "[1, 2]"})}, cfg),
            R"({"numRecords":2,"minValues":{"ts":"2024-01-01T00:00:00.000Z"},)"
            R"("maxValues":{"ts":"2024-01-01T00:00:00.123Z"},"nullCount":{"ts":0}})");
}

TEST(StatsConfigFor, ReadsTheTableProperties) {
  auto c = StatsConfigFor({{"delta.dataSkippingNumIndexedCols", "3"},
                           {"delta.dataSkippingStatsColumns", " a, b.c ,"}},
                          ColumnMappingMode::kName);
  EXPECT_EQ(c.num_indexed_cols, 3);
  EXPECT_EQ(c.stats_columns, (std::vector<std::string>{"a", "b.c"}));
  EXPECT_EQ(c.mapping, ColumnMappingMode::kName);
  EXPECT_EQ(StatsConfigFor({}, ColumnMappingMode::kNone).num_indexed_cols, 32);
}

TEST(SchemaEnforcement, ListsEveryDifference) {
  auto table = arrow::schema({arrow::field("id", arrow::int64(), false), arrow::field("name", arrow::utf8()),
                              arrow::field("score", arrow::int32())});
  auto data = arrow::schema({arrow::field("name", arrow::int32()), arrow::field("extra", arrow::utf8()),
                             arrow::field("score", arrow::int64())});
  auto r = ReconcileSchemas(*table, *data, false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(GetErrorCode(r.status()), ErrorCode::kSchemaMismatch);
  const auto& m = r.status().message();
  EXPECT_NE(m.find("column id is NOT NULL but missing from the data"), std::string::npos) << m;
  EXPECT_NE(m.find("column name has type integer in the data but string in the table"), std::string::npos) << m;
  EXPECT_NE(m.find("column score has type long in the data but integer in the table"), std::string::npos) << m;
  EXPECT_NE(m.find("column extra (string) is not in the table schema"), std::string::npos) << m;
}

TEST(SchemaEnforcement, WideningCastsAndMergeAreAccepted) {
  auto table = arrow::schema({arrow::field("id", arrow::int64()), arrow::field("s", arrow::utf8())});
  auto data = arrow::schema({arrow::field("id", arrow::int32()), arrow::field("s", arrow::large_utf8()),
                             arrow::field("new", arrow::float64())});
  EXPECT_FALSE(ReconcileSchemas(*table, *data, false).ok());
  auto merged = ReconcileSchemas(*table, *data, true);
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ((*merged)->ToString(), "id: int64\ns: string\nnew: double");
}

TEST(SchemaEnforcement, NullsInNotNullColumnAreRefused) {
  auto target = arrow::schema({arrow::field("id", arrow::int64(), false)});
  auto in = arrow::schema({arrow::field("id", arrow::int32())});
  auto r = ConformBatch(*Batch(in, {"[1, null]"}), target);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("column id is NOT NULL but the data has 1 null value(s)"),
            std::string::npos);
}

TEST(SchemaDdl, ParsesNestedTypesAndReportsPositions) {
  auto s = ParseSchemaDdl("id BIGINT NOT NULL, tags ARRAY<STRING>, m MAP<STRING, INT>, "
                          "addr STRUCT<city: STRING, zip: INT>, amount DECIMAL(10,2), ts TIMESTAMP_NTZ");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_FALSE((*s)->field(0)->nullable());
  EXPECT_EQ((*s)->field(3)->type()->ToString(), "struct<city: string, zip: int32>");
  EXPECT_EQ((*s)->field(4)->type()->ToString(), "decimal128(10, 2)");
  auto bad = ParseSchemaDdl("id BIGINT, name STRNG");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(GetErrorCode(bad.status()), ErrorCode::kParseError);
  EXPECT_NE(bad.status().message().find("at position 17"), std::string::npos) << bad.status().message();
}

}  // namespace
}  // namespace delta::write
