// DELETE/UPDATE under concurrent commits (Spark's conflict rules): a commit lands between the
// operation's read and its commit, through a LogStore that runs it before the first put.
// Uses a temporary directory (the operations resolve local paths).
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>

#include <arrow/filesystem/localfs.h>
#include <arrow/json/from_string.h>
#include <arrow/record_batch.h>

#include "delta/error.h"
#include "delta/log_store.h"
#include "delta/operations/delete.h"
#include "delta/operations/update.h"
#include "delta/write.h"

namespace delta {
namespace {

std::shared_ptr<arrow::Schema> Schema() {
  return arrow::schema({arrow::field("id", arrow::int64()), arrow::field("p", arrow::utf8())});
}

void Append(const std::string& uri, const std::string& ids, const std::string& parts, bool dv = false) {
  auto schema = Schema();
  auto batch = arrow::RecordBatch::Make(
      schema, 2,
      {*arrow::json::ArrayFromJSONString(arrow::int64(), ids),
       *arrow::json::ArrayFromJSONString(arrow::utf8(), parts)});
  WriteOptions o;
  o.partition_by = {"p"};
  if (dv) o.configuration["delta.enableDeletionVectors"] = "true";
  auto reader = arrow::RecordBatchReader::Make({batch}, schema);
  auto r = WriteTable(uri, *reader, o);
  ASSERT_TRUE(r.ok()) << r.status();
}

std::string NewTable(const std::string& name, bool dv = false) {
  auto dir = std::filesystem::path(::testing::TempDir()) / ("dml_race_" + name);
  std::filesystem::remove_all(dir);
  Append(dir.string(), "[1, 2]", R"(["a", "a"])", dv);
  Append(dir.string(), "[3, 4]", R"(["b", "b"])");
  return dir.string();
}

TransactionOptions Racing(const std::string& uri, std::function<void()> race) {
  TransactionOptions t;
  auto fs = std::make_shared<arrow::fs::LocalFileSystem>();
  t.log_store = MakeRivalFirstLogStore(*MakeLogStore(fs), std::move(race));
  (void)uri;
  return t;
}

TEST(DeleteConcurrency, AppendToAnotherPartitionDoesNotConflict) {
  auto uri = NewTable("other_partition");
  DeleteOptions o;
  o.predicate = *ParseExpression("p = 'a'");
  o.transaction = Racing(uri, [&] { Append(uri, "[5, 6]", R"(["b", "b"])"); });
  auto m = DeleteRows(uri, o);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->version, 3);
  EXPECT_EQ(m->commit_attempts, 2);
}

// Spark's WriteSerializable lets blind appends commit past a delete (the new rows survive it);
// Serializable makes an append of rows the predicate matches a ConcurrentAppend.
TEST(DeleteConcurrency, BlindAppendOfMatchingRowsPassesWriteSerializable) {
  auto uri = NewTable("same_partition_ws");
  DeleteOptions o;
  o.predicate = *ParseExpression("p = 'a'");
  o.transaction = Racing(uri, [&] { Append(uri, "[7, 8]", R"(["a", "a"])"); });
  auto m = DeleteRows(uri, o);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->commit_attempts, 2);
}

TEST(DeleteConcurrency, AppendOfMatchingRowsIsConcurrentAppendWhenSerializable) {
  auto uri = NewTable("same_partition");
  DeleteOptions o;
  o.predicate = *ParseExpression("p = 'a'");
  o.transaction = Racing(uri, [&] { Append(uri, "[7, 8]", R"(["a", "a"])"); });
  o.transaction.isolation = IsolationLevel::kSerializable;
  auto m = DeleteRows(uri, o);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(GetErrorCode(m.status()), ErrorCode::kCommitConflict);
  EXPECT_NE(m.status().message().find("ConcurrentAppend"), std::string::npos) << m.status();
}

TEST(UpdateConcurrency, ConcurrentDeleteOfTheSameFileConflicts) {
  auto uri = NewTable("same_file", /*dv=*/true);
  UpdateOptions o;
  o.assignments.push_back(*ParseAssignment("id = id + 10"));
  o.predicate = *ParseExpression("id = 1");
  o.transaction = Racing(uri, [&] {
    DeleteOptions d;
    d.predicate = *ParseExpression("id = 2");
    auto r = DeleteRows(uri, d);
    ASSERT_TRUE(r.ok()) << r.status();
  });
  auto m = UpdateRows(uri, o);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(GetErrorCode(m.status()), ErrorCode::kCommitConflict);
  // The winner re-added the file (with its new DV) where the update read: Spark reports this
  // as ConcurrentAppend (checked before the delete rules), and so do we.
  EXPECT_NE(m.status().message().find("ConcurrentAppend"), std::string::npos) << m.status();
}

}  // namespace
}  // namespace delta
