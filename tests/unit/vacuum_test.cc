// VACUUM's pure selection: the valid set, hidden paths, and which listed entries go.
#include <gtest/gtest.h>

#include "ops/vacuum_plan.h"

namespace delta::ops {
namespace {

const std::vector<std::string> kParts = {"p"};

TEST(VacuumValidPaths, AddingAFileKeepsEveryDirectoryAboveIt) {
  ValidPaths valid;
  valid.Add("p=a/q=1/f.parquet");
  EXPECT_TRUE(valid.Contains("p=a/q=1/f.parquet"));
  EXPECT_TRUE(valid.Contains("p=a/q=1"));
  EXPECT_TRUE(valid.Contains("p=a"));
  EXPECT_FALSE(valid.Contains("p=b"));
  EXPECT_EQ(valid.size(), 3u);
}

TEST(VacuumHidden, UnderscoreAndDotNamesAreHiddenExceptPartitionsAndChangeData) {
  EXPECT_TRUE(IsHiddenPath("_delta_log/00000000000000000000.json", kParts));
  EXPECT_TRUE(IsHiddenPath(".hidden/f.parquet", kParts));
  EXPECT_TRUE(IsHiddenPath("p=a/.f.parquet.crc", kParts));
  EXPECT_TRUE(IsHiddenPath("p=a/_SUCCESS", kParts));
  EXPECT_TRUE(IsHiddenPath("metadata/v1.metadata.json", kParts));
  EXPECT_FALSE(IsHiddenPath("_change_data/cdc-00000.parquet", kParts));
  EXPECT_FALSE(IsHiddenPath("_delta_index/x", kParts));
  EXPECT_FALSE(IsHiddenPath("p=a/f.parquet", kParts));
  EXPECT_FALSE(IsHiddenPath("deletion_vector_0f.bin", kParts));
  // `_p=x` is a partition directory only when `_p` is a partition column.
  EXPECT_TRUE(IsHiddenPath("_p=x/f.parquet", kParts));
  EXPECT_FALSE(IsHiddenPath("_p=x/f.parquet", {"_p"}));
}

TEST(VacuumRelative, PathsOutsideTheRootAreEmpty) {
  EXPECT_EQ(RelativeToRoot("/t/p=a/f", "/t"), "p=a/f");
  EXPECT_EQ(RelativeToRoot("/t2/f", "/t"), "");
  EXPECT_EQ(RelativeToRoot("/elsewhere/f", "/t"), "");
  EXPECT_EQ(RelativeToRoot("/t", "/t"), "");
}

TEST(VacuumSelect, OnlyUnreferencedFilesOlderThanTheHorizonGo) {
  ValidPaths valid;
  valid.Add("p=a/live.parquet");
  valid.Add("deletion_vector_live.bin");
  const int64_t horizon = 1000;
  std::vector<ListedEntry> listing = {
      {"p=a", 0, 10, true},
      {"p=a/live.parquet", 5, 10, false},
      {"p=a/old.parquet", 6, 10, false},
      {"p=a/new.parquet", 7, 2000, false},  // newer than the horizon: a writer may commit it
      {"p=b", 0, 10, true},
      {"p=b/old.parquet", 8, 10, false},
      {"deletion_vector_live.bin", 9, 10, false},
      {"deletion_vector_dead.bin", 10, 10, false},
      {"_change_data", 0, 10, true},
      {"_change_data/cdc.parquet", 11, 10, false},
      {"_delta_log", 0, 10, true},
      {"_delta_log/00000000000000000000.json", 12, 10, false},
      {"p=a/.old.parquet.crc", 13, 10, false},
  };
  auto sel = SelectFromListing(listing, valid, horizon, kParts);
  std::vector<std::string> files;
  for (const auto& f : sel.files) files.push_back(f.relative);
  EXPECT_EQ(files, (std::vector<std::string>{"_change_data/cdc.parquet", "deletion_vector_dead.bin",
                                             "p=a/old.parquet", "p=b/old.parquet"}));
  std::vector<std::string> dirs;
  for (const auto& d : sel.dirs) dirs.push_back(d.relative);
  EXPECT_EQ(dirs, (std::vector<std::string>{"_change_data", "p=b"}));
  EXPECT_EQ(sel.num_dirs_listed, 4);  // root, p=a, p=b, _change_data
}

TEST(VacuumSelect, DirectoriesAreDeletedDeepestFirst) {
  std::vector<ListedEntry> listing = {{"a", 0, 1, true}, {"a/b", 0, 1, true}, {"a/b/c", 0, 1, true}};
  auto sel = SelectFromListing(listing, ValidPaths(), 100, {});
  ASSERT_EQ(sel.dirs.size(), 3u);
  EXPECT_EQ(sel.dirs[0].relative, "a/b/c");
  EXPECT_EQ(sel.dirs[2].relative, "a");
}

TEST(VacuumRetentionCheck, ShorterThanTheTableIsRefusedWithSparksAdvice) {
  EXPECT_EQ(RetentionCheckMessage(168 * 3600000LL, 168 * 3600000LL), "");
  EXPECT_EQ(RetentionCheckMessage(200 * 3600000LL, 168 * 3600000LL), "");
  auto msg = RetentionCheckMessage(0, 168 * 3600000LL);
  EXPECT_NE(msg.find("Are you sure you would like to vacuum files with such a low retention period?"),
            std::string::npos);
  EXPECT_NE(msg.find("not less than \"168 hours\""), std::string::npos);
}

}  // namespace
}  // namespace delta::ops
