// Conflict rules between a transaction and a winning concurrent commit: pure, no disk.
#include <gtest/gtest.h>

#include "delta/error.h"
#include "delta/transaction.h"
#include "log/action_json.h"
#include "txn/conflict_checker.h"

namespace delta::txn {
namespace {

ActionBatch Winner(const std::string& text) { return *log::ParseActions(text, "winner.json"); }

const char kBlindAppend[] =
    R"({"commitInfo":{"operation":"WRITE","isBlindAppend":true}})"
    "\n"
    R"({"add":{"path":"p=b/new.parquet","partitionValues":{"p":"b"},"size":1,"modificationTime":1,"dataChange":true}})";
const char kDelete[] =
    R"({"commitInfo":{"operation":"DELETE","isBlindAppend":false}})"
    "\n"
    R"({"remove":{"path":"p=a/old.parquet","dataChange":true}})";

std::shared_ptr<arrow::Schema> Schema() {
  return arrow::schema({arrow::field("p", arrow::utf8()), arrow::field("x", arrow::int64())});
}

TEST(ConflictChecker, BlindAppendsNeverConflict) {
  TransactionFootprint ours;  // a blind append reads nothing
  EXPECT_FALSE(CheckConflict(ours, Winner(kBlindAppend), Schema()));
}

TEST(ConflictChecker, MetadataAndProtocolChangesConflict) {
  TransactionFootprint ours;
  auto c = CheckConflict(ours, Winner(R"({"protocol":{"minReaderVersion":1,"minWriterVersion":3}})"), Schema());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->kind, ConflictKind::kProtocolChanged);
  c = CheckConflict(ours, Winner(R"({"metaData":{"id":"x","schemaString":"{}","format":{}}})"), Schema());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->kind, ConflictKind::kMetadataChanged);
}

TEST(ConflictChecker, ReadOfWholeTableConflictsWithNonBlindAppendOnly) {
  TransactionFootprint ours;
  ours.read_whole_table = true;
  ours.isolation = IsolationLevel::kSerializable;
  auto c = CheckConflict(ours, Winner(kBlindAppend), Schema());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->kind, ConflictKind::kConcurrentAppend);
  ours.isolation = IsolationLevel::kWriteSerializable;  // blind appends serialize after us
  EXPECT_FALSE(CheckConflict(ours, Winner(kBlindAppend), Schema()));
}

TEST(ConflictChecker, AppendToAnotherPartitionDoesNotConflictWithPredicateRead) {
  TransactionFootprint ours;
  ours.isolation = IsolationLevel::kSerializable;
  ours.partition_columns = {"p"};
  ours.read_predicates.push_back(*ParseExpression("p = 'a'"));
  EXPECT_FALSE(CheckConflict(ours, Winner(kBlindAppend), Schema()));
  ours.read_predicates = {*ParseExpression("p = 'b'")};
  auto c = CheckConflict(ours, Winner(kBlindAppend), Schema());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->kind, ConflictKind::kConcurrentAppend);
}

TEST(ConflictChecker, DeleteOfAFileWeReadIsConcurrentDeleteRead) {
  TransactionFootprint ours;
  ours.read_files = {"p=a/old.parquet"};
  auto c = CheckConflict(ours, Winner(kDelete), Schema());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->kind, ConflictKind::kConcurrentDeleteRead);
}

TEST(ConflictChecker, BothDeletingAFileIsConcurrentDeleteDelete) {
  TransactionFootprint ours;
  ours.read_files = {"p=a/old.parquet"};
  ours.removed_files = {"p=a/old.parquet"};
  auto c = CheckConflict(ours, Winner(kDelete), Schema());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->kind, ConflictKind::kConcurrentDeleteDelete);
}

TEST(ConflictChecker, SameAppIdIsConcurrentTransaction) {
  TransactionFootprint ours;
  ours.app_ids = {"stream-1"};
  auto c = CheckConflict(ours, Winner(R"({"txn":{"appId":"stream-1","version":4}})"), Schema());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->kind, ConflictKind::kConcurrentTransaction);
  EXPECT_FALSE(CheckConflict(ours, Winner(R"({"txn":{"appId":"other","version":4}})"), Schema()));
}

// Transactions against an in-memory log store: the race and the rebase.
class TransactionRace : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = MakeInMemoryLogStore();
    snapshot_ = std::make_shared<Snapshot>();
    snapshot_->version_ = 0;
    snapshot_->schema_ = Schema();
    snapshot_->metadata_.partition_columns = {"p"};
    snapshot_->table_uri_ = "/race";
  }
  std::unique_ptr<Transaction> Begin() {
    TransactionOptions o;
    o.log_store = store_;
    return *Transaction::Begin("/race", snapshot_, o);
  }
  AddFile File(const std::string& path) {
    AddFile a;
    a.path = path;
    a.partition_values = {{"p", "a"}};
    return a;
  }
  std::shared_ptr<LogStore> store_;
  std::shared_ptr<Snapshot> snapshot_;
};

TEST_F(TransactionRace, LosingBlindAppendRebasesToTheNextVersion) {
  auto t1 = Begin();
  auto t2 = Begin();
  t1->AddDataFile(File("p=a/1.parquet"));
  t2->AddDataFile(File("p=a/2.parquet"));
  auto c1 = t1->Commit();
  auto c2 = t2->Commit();
  ASSERT_TRUE(c1.ok() && c2.ok());
  EXPECT_EQ(c1->version, 1);
  EXPECT_EQ(c2->version, 2);
  EXPECT_EQ(c2->attempts, 2);
  auto v2 = log::ParseActions(*store_->Read("/race/_delta_log/00000000000000000002.json"), "v2");
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->adds[0].path, "p=a/2.parquet");
}

TEST_F(TransactionRace, OverwriteLosingToADeleteIsAConflictError) {
  auto deleter = Begin();
  RemoveFile r;
  r.path = "p=a/old.parquet";
  deleter->RemoveDataFile(r);
  deleter->MarkFilesRead({File("p=a/old.parquet")});
  auto overwriter = Begin();
  overwriter->RemoveDataFile(r);
  overwriter->MarkFilesRead({File("p=a/old.parquet")});
  ASSERT_TRUE(deleter->Commit().ok());
  auto lost = overwriter->Commit();
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(GetErrorCode(lost.status()), ErrorCode::kCommitConflict);
  EXPECT_NE(lost.status().message().find("ConcurrentDeleteDelete"), std::string::npos);
  EXPECT_NE(lost.status().message().find("version 1"), std::string::npos);
}

}  // namespace
}  // namespace delta::txn
