// Delta stats from Parquet footers (src/write/footer_stats.h). Files are written to memory with
// Arrow's Parquet writer; no disk.
#include <gtest/gtest.h>

#include <arrow/io/memory.h>
#include <arrow/json/from_string.h>
#include <arrow/table.h>
#include <arrow/util/key_value_metadata.h>
#include <nlohmann/json.hpp>
#include <parquet/arrow/writer.h>
#include <parquet/file_reader.h>

#include "delta/schema.h"
#include "write/footer_stats.h"

namespace delta::write {
namespace {

using json = nlohmann::json;

struct WriteSpec {
  int64_t row_group_rows = 1 << 20;
  bool int96 = false;
  std::vector<std::string> no_stats_columns;
  std::optional<size_t> max_statistics_size;

  WriteSpec& RowGroupRows(int64_t n) { row_group_rows = n; return *this; }
  WriteSpec& Int96() { int96 = true; return *this; }
  WriteSpec& NoStats(std::string column) { no_stats_columns.push_back(std::move(column)); return *this; }
  WriteSpec& MaxStatisticsSize(size_t n) { max_statistics_size = n; return *this; }
};

// Writes `columns_json` (one JSON array per field) as a Parquet file in memory and returns its
// footer.
std::shared_ptr<parquet::FileMetaData> Footer(const std::shared_ptr<arrow::Schema>& schema,
                                              const std::vector<std::string>& columns_json,
                                              const WriteSpec& spec = {}) {
  arrow::ArrayVector cols;
  for (int i = 0; i < schema->num_fields(); ++i) {
    cols.push_back(*arrow::json::ArrayFromJSONString(schema->field(i)->type(), columns_json[i]));
  }
  auto table = arrow::Table::Make(schema, cols);
  auto out = *arrow::io::BufferOutputStream::Create();
  parquet::WriterProperties::Builder props;
  for (const auto& c : spec.no_stats_columns) props.disable_statistics(c);
  if (spec.max_statistics_size) props.max_statistics_size(*spec.max_statistics_size);
  parquet::ArrowWriterProperties::Builder arrow_props;
  if (spec.int96) arrow_props.enable_deprecated_int96_timestamps();
  EXPECT_TRUE(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), out, spec.row_group_rows,
                                         props.build(), arrow_props.build())
                  .ok());
  auto buffer = *out->Finish();
  return parquet::ReadMetaData(std::make_shared<arrow::io::BufferReader>(buffer));
}

json Stats(const std::shared_ptr<parquet::FileMetaData>& footer, const arrow::Schema& schema,
           StatsOptions options = {}) {
  auto text = StatsJsonFromFooter(*footer, schema, options);
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  return json::parse(*text);
}

TEST(FooterStats, NumbersDatesAndStringsTakeMinAndMaxOverRowGroups) {
  auto schema = arrow::schema({arrow::field("i", arrow::int32()), arrow::field("b", arrow::int8()),
                               arrow::field("l", arrow::int64()), arrow::field("d", arrow::date32()),
                               arrow::field("s", arrow::utf8())});
  // Row groups of 2 rows: [5, -3], [9, null], [null, 0]
  auto footer = Footer(schema,
                       {"[5, -3, 9, null, null, 0]", "[1, 2, -128, 127, null, 0]",
                        "[10000000000, -1, 2, 3, 4, null]", "[19723, 0, -1, null, 5, 6]",
                        R"(["m", "b", "zz", null, "é", "a"])"},
                       WriteSpec().RowGroupRows(2));
  ASSERT_EQ(footer->num_row_groups(), 3);
  EXPECT_EQ(Stats(footer, *schema), json::parse(R"({
      "numRecords": 6,
      "minValues": {"i": -3, "b": -128, "l": -1, "d": "1969-12-31", "s": "a"},
      "maxValues": {"i": 9, "b": 127, "l": 10000000000, "d": "2024-01-01", "s": "é"},
      "nullCount": {"i": 2, "b": 1, "l": 1, "d": 1, "s": 1}})"));
}

TEST(FooterStats, AllNullRowGroupDoesNotHideTheOthersBounds) {
  auto schema = arrow::schema({arrow::field("i", arrow::int64())});
  auto footer = Footer(schema, {"[null, null, 4, 2]"}, WriteSpec().RowGroupRows(2));
  EXPECT_EQ(Stats(footer, *schema), json::parse(R"({"numRecords": 4, "minValues": {"i": 2},
      "maxValues": {"i": 4}, "nullCount": {"i": 2}})"));
}

TEST(FooterStats, AllNullColumnHasOnlyANullCount) {
  auto schema = arrow::schema({arrow::field("s", arrow::utf8())});
  auto footer = Footer(schema, {"[null, null]"});
  EXPECT_EQ(Stats(footer, *schema),
            json::parse(R"({"numRecords": 2, "minValues": {}, "maxValues": {}, "nullCount": {"s": 2}})"));
}

TEST(FooterStats, LongStringsKeepATruncatedMinAndNoMax) {
  auto schema = arrow::schema({arrow::field("s", arrow::utf8()), arrow::field("t", arrow::utf8())});
  const std::string long_a(40, 'a'), long_z(40, 'z');
  auto footer = Footer(schema, {"[\"" + long_a + "\", \"" + long_z + "\"]", R"(["ünï", "x"])"});
  auto stats = Stats(footer, *schema);
  EXPECT_EQ(stats["minValues"], json::parse(R"({"s": ")" + std::string(32, 'a') + R"(", "t": "x"})"));
  EXPECT_EQ(stats["maxValues"], json::parse(R"({"t": "ünï"})"));
}

TEST(FooterStats, StringsCutAtCodePointsNotBytes) {
  auto schema = arrow::schema({arrow::field("s", arrow::utf8())});
  std::string v;
  for (int i = 0; i < 33; ++i) v += "é";
  auto footer = Footer(schema, {"[\"" + v + "\"]"});
  auto stats = Stats(footer, *schema);
  EXPECT_EQ(stats["minValues"]["s"].get<std::string>(), v.substr(0, 64));  // 32 two-byte chars
  EXPECT_FALSE(stats["maxValues"].contains("s"));
}

TEST(FooterStats, TimestampsAreFlooredToMillisecondsInEveryUnit) {
  auto schema = arrow::schema({arrow::field("us", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")),
                               arrow::field("ns", arrow::timestamp(arrow::TimeUnit::NANO, "UTC")),
                               arrow::field("ntz", arrow::timestamp(arrow::TimeUnit::MICRO))});
  auto footer = Footer(schema, {"[1577840523456789, -1]", "[1577840523456789999, -1]",
                                "[1577836800000000, 1577836800000999]"});
  // The Delta table types are microsecond timestamps whatever unit the file has.
  auto table = arrow::schema({arrow::field("us", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")),
                              arrow::field("ns", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")),
                              arrow::field("ntz", arrow::timestamp(arrow::TimeUnit::MICRO))});
  EXPECT_EQ(Stats(footer, *table), json::parse(R"({"numRecords": 2,
      "minValues": {"us": "1969-12-31T23:59:59.999Z", "ns": "1969-12-31T23:59:59.999Z",
                    "ntz": "2020-01-01T00:00:00.000"},
      "maxValues": {"us": "2020-01-01T01:02:03.456Z", "ns": "2020-01-01T01:02:03.456Z",
                    "ntz": "2020-01-01T00:00:00.000"},
      "nullCount": {"us": 0, "ns": 0, "ntz": 0}})"));
}

TEST(FooterStats, Int96TimestampsGetNoBounds) {
  auto schema = arrow::schema({arrow::field("ts", arrow::timestamp(arrow::TimeUnit::NANO))});
  auto footer = Footer(schema, {"[1577840523456789000, null]"}, WriteSpec().Int96());
  ASSERT_EQ(footer->schema()->Column(0)->physical_type(), parquet::Type::INT96);
  auto table = arrow::schema({arrow::field("ts", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"))});
  auto stats = Stats(footer, *table);
  EXPECT_EQ(stats["minValues"], json::object());
  EXPECT_EQ(stats["maxValues"], json::object());
}

TEST(FooterStats, DecimalsInEveryPhysicalEncoding) {
  // Precision 5 -> INT32, 15 -> INT64, 30 -> FIXED_LEN_BYTE_ARRAY.
  auto schema = arrow::schema({arrow::field("a", arrow::decimal128(5, 2)),
                               arrow::field("b", arrow::decimal128(15, 3)),
                               arrow::field("c", arrow::decimal128(30, 1))});
  auto footer = Footer(schema, {R"(["1.50", "-2.25", null])", R"(["123456789012.345", "-0.001", "0.000"])",
                                R"(["12345678901234567890123456789.0", "-1.5", "0.0"])"},
                       WriteSpec().RowGroupRows(2));
  EXPECT_EQ(Stats(footer, *schema).dump(),
            json::parse(R"({"numRecords": 3,
      "minValues": {"a": -2.25, "b": -0.001, "c": -1.5},
      "maxValues": {"a": 1.50, "b": 123456789012.345, "c": 12345678901234567890123456789.0},
      "nullCount": {"a": 1, "b": 0, "c": 0}})").dump());
}

TEST(FooterStats, FloatMaxOnlyWhenTheCallerKnowsThereIsNoNaN) {
  auto schema = arrow::schema({arrow::field("f", arrow::float32()), arrow::field("d", arrow::float64())});
  auto footer = Footer(schema, {"[1.5, -1, null]", "[2.5, NaN, 0.5]"});
  auto stats = Stats(footer, *schema);
  // Parquet leaves the NaN out: the max it stores (2.5) is no upper bound in Delta's order.
  EXPECT_EQ(stats["minValues"], json::parse(R"({"f": -1.0, "d": 0.5})"));
  EXPECT_EQ(stats["maxValues"], json::object());
  EXPECT_EQ(stats["nullCount"], json::parse(R"({"f": 1, "d": 0})"));
  StatsOptions no_nan;
  no_nan.assume_no_nan = true;
  auto trusted = Stats(footer, *schema, no_nan);
  EXPECT_EQ(trusted["maxValues"], json::parse(R"({"f": 1.5, "d": 2.5})"));
}

TEST(FooterStats, BooleansAndBinaryGetOnlyNullCounts) {
  auto schema = arrow::schema({arrow::field("b", arrow::boolean()), arrow::field("x", arrow::binary())});
  auto footer = Footer(schema, {"[true, null, false]", R"(["a", "b", null])"});
  EXPECT_EQ(Stats(footer, *schema), json::parse(R"({"numRecords": 3, "minValues": {},
      "maxValues": {}, "nullCount": {"b": 1, "x": 1}})"));
}

TEST(FooterStats, StructFieldsNestAndCountNullParentsAsNull) {
  auto st = arrow::struct_({arrow::field("a", arrow::int32()), arrow::field("b", arrow::utf8())});
  auto schema = arrow::schema({arrow::field("st", st), arrow::field("l", arrow::list(arrow::int32())),
                               arrow::field("m", arrow::map(arrow::utf8(), arrow::int32()))});
  auto footer = Footer(schema, {R"([{"a": 1, "b": "x"}, null, {"a": null, "b": "y"}])",
                                "[[1, 2], null, []]", R"([[["k", 1]], null, []])"});
  // Lists and maps: Parquet's null count mixes null lists with null and missing elements, so
  // none is written.
  EXPECT_EQ(Stats(footer, *schema), json::parse(R"({"numRecords": 3,
      "minValues": {"st": {"a": 1, "b": "x"}}, "maxValues": {"st": {"a": 1, "b": "y"}},
      "nullCount": {"st": {"a": 2, "b": 1}}})"));
}

TEST(FooterStats, ColumnMissingFromTheFileIsAllNull) {
  auto schema = arrow::schema({arrow::field("i", arrow::int32())});
  auto footer = Footer(schema, {"[1, 2]"});
  auto table = arrow::schema({arrow::field("i", arrow::int32()), arrow::field("new", arrow::utf8()),
                              arrow::field("st", arrow::struct_({arrow::field("z", arrow::int64())}))});
  EXPECT_EQ(Stats(footer, *table), json::parse(R"({"numRecords": 2, "minValues": {"i": 1},
      "maxValues": {"i": 2}, "nullCount": {"i": 0, "new": 2, "st": {"z": 2}}})"));
}

TEST(FooterStats, ColumnWithoutStatisticsGetsNone) {
  auto schema = arrow::schema({arrow::field("i", arrow::int32()), arrow::field("s", arrow::utf8())});
  auto footer = Footer(schema, {"[1, 2]", R"(["a", null])"}, WriteSpec().NoStats("s"));
  EXPECT_EQ(Stats(footer, *schema), json::parse(R"({"numRecords": 2, "minValues": {"i": 1},
      "maxValues": {"i": 2}, "nullCount": {"i": 0}})"));
}

TEST(FooterStats, ValuesTooBigForParquetStatisticsGetNoBounds) {
  auto schema = arrow::schema({arrow::field("s", arrow::utf8())});
  auto footer = Footer(schema, {R"(["short", "a value longer than the limit"])"},
                       WriteSpec().MaxStatisticsSize(8));
  auto stats = Stats(footer, *schema);
  EXPECT_FALSE(stats["maxValues"].contains("s"));
}

TEST(FooterStats, IndexedColumnsFollowNumIndexedColsAndStatsColumns) {
  auto st = arrow::struct_({arrow::field("a", arrow::int32()), arrow::field("b", arrow::int32())});
  auto schema = arrow::schema({arrow::field("x", arrow::int32()), arrow::field("st", st),
                               arrow::field("y", arrow::int32())});
  auto footer = Footer(schema, {"[1]", R"([{"a": 2, "b": 3}])", "[4]"});
  StatsOptions two;
  two.columns.num_indexed_cols = 2;  // x and st.a
  EXPECT_EQ(Stats(footer, *schema, two)["minValues"], json::parse(R"({"x": 1, "st": {"a": 2}})"));
  StatsOptions named;
  named.columns.stats_columns = {"y", "st.b"};
  EXPECT_EQ(Stats(footer, *schema, named)["nullCount"], json::parse(R"({"st": {"b": 0}, "y": 0})"));
  StatsOptions none;
  none.columns.num_indexed_cols = 0;
  EXPECT_EQ(Stats(footer, *schema, none)["nullCount"], json::object());
}

TEST(FooterStats, ColumnMappingLooksUpPhysicalNames) {
  auto file = arrow::schema({arrow::field("col-1", arrow::int32())});
  auto footer = Footer(file, {"[7, 8]"});
  auto md = arrow::key_value_metadata({"delta.columnMapping.physicalName", "delta.columnMapping.id"},
                                      {"\"col-1\"", "1"});
  auto table = arrow::schema({arrow::field("logical", arrow::int32())->WithMetadata(md)});
  StatsOptions o;
  o.columns.mapping = ColumnMappingMode::kName;
  EXPECT_EQ(Stats(footer, *table, o), json::parse(R"({"numRecords": 2, "minValues": {"col-1": 7},
      "maxValues": {"col-1": 8}, "nullCount": {"col-1": 0}})"));
}

TEST(FooterStats, UnsignedIntegersKeepTheirValues) {
  auto schema = arrow::schema({arrow::field("u", arrow::uint32())});
  auto footer = Footer(schema, {"[4000000000, 1]"});
  auto table = arrow::schema({arrow::field("u", arrow::int64())});
  EXPECT_EQ(Stats(footer, *table)["maxValues"], json::parse(R"({"u": 4000000000})"));
}

}  // namespace
}  // namespace delta::write
