// Log segment selection: pure, no disk.
#include <gtest/gtest.h>

#include <algorithm>

#include "delta/error.h"
#include "log/log_file_names.h"
#include "log/log_segment.h"

namespace delta::log {
namespace {

LogFile File(const std::string& name) {
  LogFile f;
  f.name = *ParseLogFileName(name);
  f.path = "/t/_delta_log/" + name;
  return f;
}

std::vector<LogFile> Commits(int64_t from, int64_t to) {
  std::vector<LogFile> out;
  for (int64_t v = from; v <= to; ++v) out.push_back(File(CommitFileName(v)));
  return out;
}

TEST(LogFileNames, ParsesEveryKindAndRejectsOthers) {
  EXPECT_EQ(ParseLogFileName("00000000000000000007.json")->type, LogFileType::kCommit);
  EXPECT_EQ(ParseLogFileName("00000000000000000007.json")->version, 7);
  EXPECT_EQ(ParseLogFileName("00000000000000000010.checkpoint.parquet")->type,
            LogFileType::kCheckpointClassic);
  auto mp = ParseLogFileName("00000000000000000010.checkpoint.0000000002.0000000003.parquet");
  ASSERT_TRUE(mp);
  EXPECT_EQ(mp->type, LogFileType::kCheckpointMultiPart);
  EXPECT_EQ(mp->part, 2);
  EXPECT_EQ(mp->num_parts, 3);
  auto v2 = ParseLogFileName("00000000000000000010.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.json");
  ASSERT_TRUE(v2);
  EXPECT_EQ(v2->type, LogFileType::kCheckpointV2Json);
  EXPECT_EQ(v2->uuid, "80a083e8-7026-4e79-81be-64bd76c43a11");
  auto c = ParseLogFileName("00000000000000000004.00000000000000000009.compacted.json");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->type, LogFileType::kCompaction);
  EXPECT_EQ(c->start_version, 4);
  EXPECT_EQ(c->version, 9);
  EXPECT_FALSE(ParseLogFileName("_last_checkpoint"));
  EXPECT_FALSE(ParseLogFileName(".00000000000000000001.json.crc"));
  EXPECT_FALSE(ParseLogFileName("0000000000000000001.json"));  // 19 digits
  EXPECT_FALSE(ParseLogFileName("00000000000000000001.checkpoint.0000000004.0000000003.parquet"));
}

TEST(LogFileNames, BuildsNamesThatParseBack) {
  EXPECT_EQ(CommitFileName(12), "00000000000000000012.json");
  EXPECT_EQ(MultiPartCheckpointFileName(5, 1, 2),
            "00000000000000000005.checkpoint.0000000001.0000000002.parquet");
  EXPECT_EQ(ParseLogFileName(ClassicCheckpointFileName(99))->version, 99);
}

TEST(LogSegment, LatestWithoutCheckpointReplaysFromZero) {
  auto seg = BuildLogSegment(Commits(0, 4), std::nullopt, "t");
  ASSERT_TRUE(seg.ok()) << seg.status();
  EXPECT_EQ(seg->version, 4);
  EXPECT_FALSE(seg->checkpoint_version);
  EXPECT_EQ(seg->commits.size(), 5u);
}

TEST(LogSegment, UsesNewestCheckpointAtOrBelowTarget) {
  auto listing = Commits(0, 25);
  listing.push_back(File(ClassicCheckpointFileName(10)));
  listing.push_back(File(ClassicCheckpointFileName(20)));
  auto latest = BuildLogSegment(listing, std::nullopt, "t");
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->checkpoint_version, 20);
  ASSERT_EQ(latest->commits.size(), 5u);
  EXPECT_EQ(latest->commits.front().name.version, 21);
  auto at15 = BuildLogSegment(listing, 15, "t");
  ASSERT_TRUE(at15.ok());
  EXPECT_EQ(at15->checkpoint_version, 10);
  EXPECT_EQ(at15->commits.size(), 5u);
  auto at5 = BuildLogSegment(listing, 5, "t");
  ASSERT_TRUE(at5.ok());
  EXPECT_FALSE(at5->checkpoint_version);
}

TEST(LogSegment, IncompleteMultiPartCheckpointIsIgnored) {
  auto listing = Commits(0, 12);
  listing.push_back(File(ClassicCheckpointFileName(5)));
  listing.push_back(File(MultiPartCheckpointFileName(10, 1, 2)));  // part 2 missing
  auto seg = BuildLogSegment(listing, std::nullopt, "t");
  ASSERT_TRUE(seg.ok());
  EXPECT_EQ(seg->checkpoint_version, 5);
  listing.push_back(File(MultiPartCheckpointFileName(10, 2, 2)));
  seg = BuildLogSegment(listing, std::nullopt, "t");
  ASSERT_TRUE(seg.ok());
  EXPECT_EQ(seg->checkpoint_version, 10);
  EXPECT_EQ(seg->checkpoint_files.size(), 2u);
  EXPECT_EQ(seg->checkpoint_files[0].name.part, 1);
}

TEST(LogSegment, GapInCommitsIsCorruptLog) {
  auto listing = Commits(0, 2);
  auto more = Commits(4, 5);
  listing.insert(listing.end(), more.begin(), more.end());
  auto seg = BuildLogSegment(listing, std::nullopt, "t");
  ASSERT_FALSE(seg.ok());
  EXPECT_EQ(GetErrorCode(seg.status()), ErrorCode::kCorruptLog);
  EXPECT_NE(seg.status().message().find("version 3 is missing"), std::string::npos);
}

TEST(LogSegment, VersionBeyondNewestIsVersionNotFound) {
  auto seg = BuildLogSegment(Commits(0, 3), 7, "t");
  ASSERT_FALSE(seg.ok());
  EXPECT_EQ(GetErrorCode(seg.status()), ErrorCode::kVersionNotFound);
  EXPECT_NE(seg.status().message().find("newest version is 3"), std::string::npos);
}

TEST(LogSegment, CleanedUpVersionIsVersionNotFound) {
  auto listing = Commits(8, 12);
  listing.push_back(File(ClassicCheckpointFileName(10)));
  EXPECT_TRUE(BuildLogSegment(listing, 11, "t").ok());
  auto old = BuildLogSegment(listing, 9, "t");
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(GetErrorCode(old.status()), ErrorCode::kVersionNotFound);
}

TEST(LogSegment, EmptyLogIsTableNotFound) {
  auto seg = BuildLogSegment({}, std::nullopt, "t");
  ASSERT_FALSE(seg.ok());
  EXPECT_EQ(GetErrorCode(seg.status()), ErrorCode::kTableNotFound);
}

TEST(LogSegment, CheckpointOnlyAtNewestVersion) {
  std::vector<LogFile> listing{File(ClassicCheckpointFileName(3))};
  auto seg = BuildLogSegment(listing, std::nullopt, "t");
  ASSERT_TRUE(seg.ok()) << seg.status();
  EXPECT_EQ(seg->version, 3);
  EXPECT_TRUE(seg->commits.empty());
}

}  // namespace
}  // namespace delta::log

#include "log/log_cleanup.h"

namespace delta::log {
namespace {

LogFile Timed(const std::string& name, int64_t mtime) {
  LogFile f = File(name);
  f.modification_time_ms = mtime;
  return f;
}

TEST(LogCleanup, DeletesOnlyBelowTheNewestExpiredCheckpoint) {
  const int64_t day = 24LL * 3600 * 1000, now = 100 * day, retention = 30 * day;
  std::vector<LogFile> listing;
  for (int v = 0; v <= 25; ++v) listing.push_back(Timed(CommitFileName(v), (40 + v * 2) * day));
  listing.push_back(Timed(ClassicCheckpointFileName(10), 60 * day));  // expired (older than day 70)
  listing.push_back(Timed(ClassicCheckpointFileName(20), 80 * day));  // still retained
  auto expired = ExpiredLogFiles(listing, now, retention);
  std::vector<int64_t> versions;
  for (const auto& f : expired) versions.push_back(f.name.version);
  std::sort(versions.begin(), versions.end());
  // Commits 0..9 are older than the retention and below checkpoint 10; version 10 itself stays.
  EXPECT_EQ(versions, (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(LogCleanup, NothingGoesWithoutAnExpiredCheckpoint) {
  const int64_t day = 24LL * 3600 * 1000;
  std::vector<LogFile> listing;
  for (int v = 0; v <= 5; ++v) listing.push_back(Timed(CommitFileName(v), day));
  listing.push_back(Timed(ClassicCheckpointFileName(5), 99 * day));
  EXPECT_TRUE(ExpiredLogFiles(listing, 100 * day, 30 * day).empty());
}

}  // namespace
}  // namespace delta::log
