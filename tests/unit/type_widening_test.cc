// Type widening rules, delta.typeChanges recording, generated-column DDL and the protocol
// features both need. Pure: no disk.
#include <gtest/gtest.h>

#include <arrow/record_batch.h>
#include <arrow/json/from_string.h>
#include <nlohmann/json.hpp>

#include "delta/error.h"
#include "delta/schema.h"
#include "protocol/table_features.h"
#include "protocol/type_widening.h"
#include "write/generated_columns.h"

namespace delta {
namespace {

using protocol::IsAutomaticTypeChange;
using protocol::IsSupportedTypeChange;

TEST(TypeWidening, AllowsExactlyTheProtocolsChanges) {
  EXPECT_TRUE(IsSupportedTypeChange(*arrow::int8(), *arrow::int16()));
  EXPECT_TRUE(IsSupportedTypeChange(*arrow::int8(), *arrow::int64()));
  EXPECT_TRUE(IsSupportedTypeChange(*arrow::int32(), *arrow::int64()));
  EXPECT_FALSE(IsSupportedTypeChange(*arrow::int64(), *arrow::int32()));
  EXPECT_TRUE(IsSupportedTypeChange(*arrow::float32(), *arrow::float64()));
  EXPECT_TRUE(IsSupportedTypeChange(*arrow::int32(), *arrow::float64()));
  EXPECT_FALSE(IsSupportedTypeChange(*arrow::int64(), *arrow::float64()));
  EXPECT_FALSE(IsSupportedTypeChange(*arrow::int32(), *arrow::float32()));
  EXPECT_TRUE(IsSupportedTypeChange(*arrow::date32(), *arrow::timestamp(arrow::TimeUnit::MICRO)));
  EXPECT_FALSE(IsSupportedTypeChange(*arrow::date32(), *arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")));
  EXPECT_TRUE(IsSupportedTypeChange(*arrow::decimal128(5, 2), *arrow::decimal128(6, 2)));
  EXPECT_TRUE(IsSupportedTypeChange(*arrow::decimal128(5, 2), *arrow::decimal128(7, 4)));
  EXPECT_FALSE(IsSupportedTypeChange(*arrow::decimal128(5, 2), *arrow::decimal128(6, 4)));
  EXPECT_FALSE(IsSupportedTypeChange(*arrow::decimal128(5, 2), *arrow::decimal128(6, 1)));
  EXPECT_TRUE(IsSupportedTypeChange(*arrow::int32(), *arrow::decimal128(10, 0)));
  EXPECT_TRUE(IsSupportedTypeChange(*arrow::int16(), *arrow::decimal128(12, 2)));
  EXPECT_FALSE(IsSupportedTypeChange(*arrow::int32(), *arrow::decimal128(11, 2)));
  EXPECT_TRUE(IsSupportedTypeChange(*arrow::int64(), *arrow::decimal128(20, 0)));
  EXPECT_FALSE(IsSupportedTypeChange(*arrow::int64(), *arrow::decimal128(19, 0)));
  EXPECT_FALSE(IsSupportedTypeChange(*arrow::utf8(), *arrow::int32()));
  EXPECT_FALSE(IsSupportedTypeChange(*arrow::int32(), *arrow::int32()));
}

TEST(TypeWidening, SchemaEvolutionDoesNotTurnIntegersIntoFractions) {
  EXPECT_TRUE(IsAutomaticTypeChange(*arrow::int16(), *arrow::int64()));
  EXPECT_TRUE(IsAutomaticTypeChange(*arrow::float32(), *arrow::float64()));
  EXPECT_FALSE(IsAutomaticTypeChange(*arrow::int32(), *arrow::float64()));
  EXPECT_FALSE(IsAutomaticTypeChange(*arrow::int32(), *arrow::decimal128(10, 0)));
}

std::shared_ptr<arrow::Schema> Parse(const char* ddl) { return ParseSchemaDdl(ddl).ValueOrDie(); }

nlohmann::json FieldJson(const arrow::Schema& schema, int i) {
  return nlohmann::json::parse(SchemaToDeltaJson(schema).ValueOrDie())["fields"][i];
}

TEST(TypeWidening, RecordsChangesOnTheNearestStructFieldWithFieldPath) {
  auto before = Parse("a INT, m ARRAY<MAP<STRING, DECIMAL(6,2)>>, s STRUCT<x: BYTE>");
  auto after = Parse("a BIGINT, m ARRAY<MAP<STRING, DECIMAL(10,4)>>, s STRUCT<x: SMALLINT>");
  auto recorded = protocol::RecordTypeChanges(*before, *after).ValueOrDie();
  EXPECT_EQ(FieldJson(*recorded, 0)["metadata"],
            nlohmann::json::parse(R"({"delta.typeChanges":[{"fromType":"integer","toType":"long"}]})"));
  EXPECT_EQ(FieldJson(*recorded, 1)["metadata"],
            nlohmann::json::parse(R"j({"delta.typeChanges":[{"fromType":"decimal(6,2)",
              "toType":"decimal(10,4)","fieldPath":"element.value"}]})j"));
  EXPECT_EQ(FieldJson(*recorded, 2)["metadata"], nlohmann::json::object());
  EXPECT_EQ(FieldJson(*recorded, 2)["type"]["fields"][0]["metadata"],
            nlohmann::json::parse(R"({"delta.typeChanges":[{"fromType":"byte","toType":"short"}]})"));
  // A second change appends to the history.
  auto again = protocol::RecordTypeChanges(*recorded, *recorded->SetField(0, recorded->field(0)->WithType(
                                                          arrow::decimal128(20, 0))).ValueOrDie()).ValueOrDie();
  EXPECT_EQ(FieldJson(*again, 0)["metadata"]["delta.typeChanges"].size(), 2u);
}

TEST(TypeWidening, RecordingANarrowingIsASchemaMismatch) {
  auto st = protocol::RecordTypeChanges(*Parse("a BIGINT"), *Parse("a INT")).status();
  EXPECT_EQ(GetErrorCode(st), ErrorCode::kSchemaMismatch);
  EXPECT_NE(st.message().find("column a cannot change type from long to integer"), std::string::npos);
}

TEST(TypeWidening, EnablingNeedsReaderAndWriterFeature) {
  Protocol p = protocol::RequiredProtocol(Protocol{1, 2, std::nullopt, std::nullopt}, *Parse("a INT"),
                                          {{"delta.enableTypeWidening", "true"}});
  EXPECT_EQ(p.min_reader_version, 3);
  EXPECT_EQ(p.min_writer_version, 7);
  EXPECT_TRUE(p.HasReaderFeature("typeWidening"));
  EXPECT_TRUE(p.HasWriterFeature("typeWidening"));
  EXPECT_TRUE(p.HasWriterFeature("appendOnly"));
  EXPECT_TRUE(protocol::SupportsTypeWidening(p));
  EXPECT_TRUE(protocol::CheckWriteSupported(p, "t").ok());
}

TEST(GeneratedColumns, DdlRecordsTheExpressionText) {
  auto schema = Parse("ts TIMESTAMP, d DATE NOT NULL GENERATED ALWAYS AS ( CAST(ts AS DATE) ) COMMENT 'day'");
  EXPECT_EQ(FieldMetadataString(*schema->field(1), "delta.generationExpression"), "CAST(ts AS DATE)");
  EXPECT_EQ(FieldMetadataString(*schema->field(1), "comment"), "day");
  EXPECT_FALSE(schema->field(1)->nullable());
  auto bad = ParseSchemaDdl("a INT GENERATED AS (1)");
  EXPECT_EQ(GetErrorCode(bad.status()), ErrorCode::kParseError);
}

TEST(GeneratedColumns, ProtocolIsWriterFourOrTheFeatureWhenTheSchemaIsDefined) {
  auto schema = Parse("a INT, b INT GENERATED ALWAYS AS (a + 1)");
  Protocol fresh{1, 1, std::nullopt, std::nullopt};
  Protocol legacy = protocol::RequiredProtocol(fresh, *schema, {}, /*defines_schema=*/true);
  EXPECT_EQ(legacy.min_writer_version, 4);
  EXPECT_TRUE(protocol::SupportsWriterFeature(legacy, "generatedColumns"));
  Protocol features = protocol::RequiredProtocol(fresh, *schema, {{"delta.enableDeletionVectors", "true"}},
                                                 /*defines_schema=*/true);
  EXPECT_TRUE(features.HasWriterFeature("generatedColumns"));
  EXPECT_FALSE(features.HasReaderFeature("generatedColumns"));
  // An existing writer-2 table with such metadata is not upgraded by later writes.
  Protocol existing = protocol::RequiredProtocol(Protocol{1, 2, std::nullopt, std::nullopt}, *schema, {});
  EXPECT_EQ(existing.min_writer_version, 2);
  EXPECT_FALSE(protocol::SupportsWriterFeature(existing, "generatedColumns"));
}

TEST(GeneratedColumns, ComputesAbsentAndChecksProvidedValues) {
  auto schema = Parse("a INT, b BIGINT GENERATED ALWAYS AS (a * 2)");
  auto gen = write::GeneratedColumns::Make(schema, true).ValueOrDie();
  auto input = arrow::RecordBatch::Make(
      arrow::schema({arrow::field("a", arrow::int32())}), 3,
      arrow::ArrayVector{arrow::json::ArrayFromJSONString(arrow::int32(), "[1, null, 3]").ValueOrDie()});
  auto out = gen.Conform(*input, schema).ValueOrDie();
  EXPECT_TRUE(out->column(1)->Equals(*arrow::json::ArrayFromJSONString(arrow::int64(), "[2, null, 6]").ValueOrDie()));
  auto provided = arrow::RecordBatch::Make(
      arrow::schema({arrow::field("b", arrow::int64()), arrow::field("a", arrow::int32())}), 2,
      arrow::ArrayVector{arrow::json::ArrayFromJSONString(arrow::int64(), "[2, 5]").ValueOrDie(),
       arrow::json::ArrayFromJSONString(arrow::int32(), "[1, 2]").ValueOrDie()});
  auto st = gen.Conform(*provided, schema).status();
  EXPECT_EQ(GetErrorCode(st), ErrorCode::kConstraintViolation);
  EXPECT_EQ(st.message(), R"(generated column b (a * 2) does not match its expression in row {"a":2,"b":5})");
}

}  // namespace
}  // namespace delta
