// Action JSON parsing and log replay: pure, no disk.
#include <gtest/gtest.h>

#include "delta/error.h"
#include "log/action_json.h"
#include "log/log_replay.h"

namespace delta::log {
namespace {

ActionBatch Parse(const std::string& text) {
  auto r = ParseActions(text, "test.json");
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : ActionBatch{};
}

constexpr char kV0[] =
    R"({"commitInfo":{"timestamp":1000,"operation":"WRITE","operationParameters":{"mode":"Append"}}})"
    "\n"
    R"({"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["deletionVectors"],"writerFeatures":["deletionVectors"]}})"
    "\n"
    R"({"metaData":{"id":"abc","format":{"provider":"parquet","options":{}},"schemaString":"{\"type\":\"struct\",\"fields\":[]}","partitionColumns":["p"],"configuration":{"k":"v"},"createdTime":5}})"
    "\n"
    R"({"add":{"path":"p=a/f%201.parquet","partitionValues":{"p":"a"},"size":10,"modificationTime":1,"dataChange":true,"stats":"{\"numRecords\":3}","unknownField":{"x":1}}})"
    "\n"
    R"({"add":{"path":"p=__HIVE_DEFAULT_PARTITION__/f2.parquet","partitionValues":{"p":null},"size":20,"modificationTime":1,"dataChange":true}})"
    "\n"
    R"({"someFutureAction":{"a":1}})"
    "\n";

TEST(ActionJson, ParsesEveryFieldAndIgnoresUnknowns) {
  ActionBatch b = Parse(kV0);
  ASSERT_TRUE(b.protocol);
  EXPECT_EQ(b.protocol->min_reader_version, 3);
  EXPECT_TRUE(b.protocol->HasReaderFeature("deletionVectors"));
  ASSERT_TRUE(b.metadata);
  EXPECT_EQ(b.metadata->partition_columns, std::vector<std::string>{"p"});
  EXPECT_EQ(b.metadata->configuration.at("k"), "v");
  ASSERT_EQ(b.adds.size(), 2u);
  EXPECT_EQ(b.adds[0].path, "p=a/f%201.parquet");
  EXPECT_EQ(b.adds[0].stats, R"({"numRecords":3})");
  EXPECT_EQ(b.adds[1].partition_values.at("p"), std::nullopt);
  ASSERT_TRUE(b.commit_info);
  EXPECT_EQ(b.commit_info->operation, "WRITE");
  EXPECT_EQ(b.commit_info->timestamp, 1000);
}

TEST(ActionJson, InvalidJsonNamesFileAndLine) {
  auto r = ParseActions("{\"add\":{}}\n{not json", "00000000000000000003.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(GetErrorCode(r.status()), ErrorCode::kCorruptLog);
  EXPECT_NE(r.status().message().find("00000000000000000003.json line 1"), std::string::npos);
  auto r2 = ParseActions("{\"txn\":{}}\n{not json", "00000000000000000003.json");
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.status().message().find("line 2"), std::string::npos);
}

TEST(LogReplay, RemoveTombstonesTheMatchingAdd) {
  LogReplayer r;  // commits arrive newest first
  r.ApplyCommit(Parse(R"({"remove":{"path":"p=a/f 1.parquet","deletionTimestamp":9,"dataChange":true}})"));
  r.ApplyCommit(Parse(kV0));
  TableState s = r.Finish();
  ASSERT_EQ(s.files.size(), 1u);  // removed path matched despite different URI encoding
  EXPECT_EQ(s.files[0].path, "p=__HIVE_DEFAULT_PARTITION__/f2.parquet");
}

TEST(LogReplay, DeletionVectorSwapInOneCommitKeepsTheNewDv) {
  LogReplayer r;
  // Spark writes the new add before the remove of the old (no-DV) entry.
  r.ApplyCommit(Parse(
      R"({"add":{"path":"f.parquet","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true,"deletionVector":{"storageType":"i","pathOrInlineDv":"abc","sizeInBytes":3,"cardinality":1}}})"
      "\n"
      R"({"remove":{"path":"f.parquet","dataChange":true}})"));
  r.ApplyCommit(Parse(R"({"add":{"path":"f.parquet","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true}})"));
  TableState s = r.Finish();
  ASSERT_EQ(s.files.size(), 1u);
  ASSERT_TRUE(s.files[0].deletion_vector);
  EXPECT_EQ(s.files[0].deletion_vector->cardinality, 1);
}

TEST(LogReplay, NewestProtocolMetadataAndTxnWin) {
  LogReplayer r;
  r.ApplyCommit(Parse(R"({"txn":{"appId":"app","version":4,"lastUpdated":7}})"));
  r.ApplyCommit(Parse(
      R"({"metaData":{"id":"abc","format":{"provider":"parquet"},"schemaString":"{}","partitionColumns":[],"configuration":{"k":"w"}}})"
      "\n"
      R"({"txn":{"appId":"app","version":3}})"));
  r.ApplyCommit(Parse(kV0));
  TableState s = r.Finish();
  EXPECT_EQ(s.metadata->configuration.at("k"), "w");
  EXPECT_EQ(s.protocol->min_writer_version, 7);
  EXPECT_EQ(s.txns.at("app").version, 4);
}

TEST(LogReplay, CheckpointFilesTouchedByLaterCommitsAreFilteredAndTombstonesKept) {
  LogReplayer r(/*keep_tombstones=*/true);
  r.ApplyCommit(Parse(R"({"remove":{"path":"b.parquet","deletionTimestamp":9,"dataChange":true}})"
                      "\n"
                      R"({"add":{"path":"c.parquet","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true}})"));
  r.ApplyCheckpoint(Parse(R"({"add":{"path":"a.parquet","partitionValues":{},"size":1,"modificationTime":1,"dataChange":false}})"
                          "\n"
                          R"({"add":{"path":"b.parquet","partitionValues":{},"size":1,"modificationTime":1,"dataChange":false}})"
                          "\n"
                          R"({"remove":{"path":"old.parquet","deletionTimestamp":1,"dataChange":false}})"));
  TableState s = r.Finish();
  ASSERT_EQ(s.files.size(), 2u);
  EXPECT_EQ(s.files[0].path, "a.parquet");  // checkpoint files first, then newer commits
  EXPECT_EQ(s.files[1].path, "c.parquet");
  ASSERT_EQ(s.tombstones.size(), 2u);
  EXPECT_EQ(s.tombstones[0].path, "b.parquet");
  EXPECT_EQ(s.tombstones[1].path, "old.parquet");
}

TEST(LogReplay, RemovedDomainMetadataDisappears) {
  LogReplayer r;
  r.ApplyCommit(Parse(R"({"domainMetadata":{"domain":"d","configuration":"","removed":true}})"));
  r.ApplyCommit(Parse(R"({"domainMetadata":{"domain":"e","configuration":"{}","removed":false}})"));
  r.ApplyCommit(Parse(R"({"domainMetadata":{"domain":"d","configuration":"{}","removed":false}})"));
  TableState s = r.Finish();
  ASSERT_EQ(s.domains.size(), 1u);
  EXPECT_TRUE(s.domains.count("e"));
}

}  // namespace
}  // namespace delta::log

namespace delta::log {
namespace {

TEST(ActionJson, SerializeThenParseRoundTrips) {
  ActionBatch a = Parse(kV0);
  a.txns.push_back({"app", 3, 99});
  a.removes.push_back({});
  a.removes.back().path = "old.parquet";
  a.removes.back().deletion_timestamp = 5;
  a.removes.back().partition_values = PartitionValues{{"p", std::nullopt}};
  a.adds[0].deletion_vector = DeletionVectorDescriptor{"u", "ab^-aqEH.-t@S}K{vb[*k^", 1, 36, 2};
  std::string text = SerializeActions(a);
  ActionBatch b = Parse(text);
  EXPECT_EQ(SerializeActions(b), text);
  ASSERT_EQ(b.adds.size(), 2u);
  EXPECT_EQ(b.adds[0].deletion_vector->offset, 1);
  EXPECT_EQ(b.removes[0].partition_values->at("p"), std::nullopt);
  EXPECT_EQ(b.txns[0].last_updated, 99);
  EXPECT_EQ(b.metadata->schema_string, a.metadata->schema_string);
  EXPECT_EQ(text.substr(0, 14), "{\"commitInfo\":");
}

}  // namespace
}  // namespace delta::log
