// DELETE/UPDATE rewrite files of the size delta.targetFileSize asks for, read with units as
// WRITE and OPTIMIZE read it ("64mb" is 64 MiB, not 64 bytes). Uses a temporary directory.
#include <gtest/gtest.h>

#include <filesystem>

#include <arrow/array/builder_primitive.h>
#include <arrow/record_batch.h>

#include "delta/operations/delete.h"
#include "delta/operations/update.h"
#include "delta/write.h"

namespace delta {
namespace {

// One file of `n` rows (id 0..n-1) in a new table with delta.targetFileSize = `size`.
std::string NewTable(const std::string& name, int64_t n, const std::string& size) {
  auto dir = std::filesystem::path(::testing::TempDir()) / ("dml_file_size_" + name);
  std::filesystem::remove_all(dir);
  arrow::Int64Builder b;
  for (int64_t i = 0; i < n; ++i) EXPECT_TRUE(b.Append(i).ok());
  auto ids = *b.Finish();
  auto schema = arrow::schema({arrow::field("id", arrow::int64())});
  auto batch = arrow::RecordBatch::Make(schema, n, {ids});
  WriteOptions o;
  o.configuration["delta.targetFileSize"] = size;
  auto reader = arrow::RecordBatchReader::Make({batch}, schema);
  auto r = WriteTable(dir.string(), *reader, o);
  EXPECT_TRUE(r.ok()) << r.status();
  return dir.string();
}

// 200k rows are several read batches: with the size read as 64 bytes every batch became a file.
TEST(DmlTargetFileSize, UpdateRewritesIntoOneFileWithUnits) {
  auto uri = NewTable("update", 200000, "64mb");
  UpdateOptions o;
  o.assignments = {{"id", *ParseExpression("id + 1")}};
  o.predicate = *ParseExpression("id >= 10");
  auto m = UpdateRows(uri, o);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->num_removed_files, 1);
  EXPECT_EQ(m->num_added_files, 1);
}

TEST(DmlTargetFileSize, DeleteRewritesIntoOneFileWithUnits) {
  auto uri = NewTable("delete", 200000, "64mb");
  DeleteOptions o;
  o.predicate = *ParseExpression("id < 10");
  o.use_deletion_vectors = false;
  auto m = DeleteRows(uri, o);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->num_removed_files, 1);
  EXPECT_EQ(m->num_added_files, 1);
  EXPECT_EQ(m->num_copied_rows, 199990);
}

}  // namespace
}  // namespace delta
