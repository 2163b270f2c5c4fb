// Specification of the column-definition parser behind CREATE TABLE and ALTER TABLE ADD
// COLUMNS: Spark's type names and nested types, and failures that report where (an offset a
// statement parser maps to its own position) and what was expected.
#include <gtest/gtest.h>

#include <arrow/type.h>
#include <arrow/util/key_value_metadata.h>

#include "delta/error.h"
#include "delta/schema.h"
#include "schema/schema_ddl.h"

namespace delta::schema_internal {
namespace {

TEST(SchemaDdl, ColumnDefinitionWithNestedTypesAndComment) {
  DdlError error;
  auto f = ParseColumnDefinition("c", "STRUCT<a: INT, b MAP<STRING, ARRAY<DECIMAL(10,2)>>> COMMENT 'hi'", &error);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  auto expected = arrow::struct_(
      {arrow::field("a", arrow::int32()),
       arrow::field("b", std::make_shared<arrow::MapType>(
                             arrow::field("key", arrow::utf8(), false),
                             arrow::field("value", arrow::list(arrow::field("element", arrow::decimal128(10, 2))))))});
  EXPECT_EQ((*f)->name(), "c");
  EXPECT_TRUE((*f)->type()->Equals(*expected)) << (*f)->type()->ToString();
  EXPECT_TRUE((*f)->nullable());
  ASSERT_TRUE((*f)->metadata());
  EXPECT_EQ((*f)->metadata()->Get("comment").ValueOr(""), "\"hi\"");
}

TEST(SchemaDdl, FailuresGiveTheOffsetAndWhatWasExpected) {
  DdlError error;
  auto f = ParseColumnDefinition("c", "ARRAY<INTEGR>", &error);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(GetErrorCode(f.status()), ErrorCode::kParseError);
  EXPECT_EQ(error.offset, 6u);
  EXPECT_EQ(error.expected, "a type name (e.g. BIGINT, STRING, DECIMAL(10,2)), not 'INTEGR'");

  f = ParseColumnDefinition("c", "INT NOT NULL FIRST", &error);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(error.offset, 13u);
  EXPECT_EQ(error.expected, "the end of the column definition");
}

TEST(SchemaDdl, TypeAloneMustUseTheWholeText) {
  DdlError error;
  auto t = ParseTypeDdl(" bigint ", &error);
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE((*t)->Equals(*arrow::int64()));
  t = ParseTypeDdl("BIGINT NOT NULL", &error);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(error.offset, 7u);
  EXPECT_EQ(error.expected, "the end of the type");
}

}  // namespace
}  // namespace delta::schema_internal
