// The LogStore contract, run against every implementation.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include <arrow/filesystem/localfs.h>
#include <arrow/filesystem/mockfs.h>

#include "delta/error.h"
#include "delta/log_store.h"

namespace delta {
namespace {

struct StoreUnderTest {
  std::string name;
  std::function<std::shared_ptr<LogStore>(const std::string& dir)> make;
};

class LogStoreContract : public ::testing::TestWithParam<StoreUnderTest> {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("deltacpp-logstore-" + std::to_string(::getpid()) + "-" + GetParam().name + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = GetParam().make(dir_.string());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Path(const std::string& name) { return (dir_ / name).string(); }

  std::filesystem::path dir_;
  std::shared_ptr<LogStore> store_;
};

TEST_P(LogStoreContract, PutIfAbsentCreatesThenRefusesToOverwrite) {
  auto p = Path("00000000000000000000.json");
  ASSERT_EQ(*store_->PutIfAbsent(p, "first"), PutResult::kCreated);
  ASSERT_EQ(*store_->PutIfAbsent(p, "second"), PutResult::kAlreadyExists);
  EXPECT_EQ(*store_->Read(p), "first");
}

TEST_P(LogStoreContract, TwoWritersRaceForTheSameVersionExactlyOneWins) {
  if (GetParam().name == "check_then_put") {
    GTEST_SKIP() << "check-then-put is for single-writer object-store tables: races can both win";
  }
  for (int round = 0; round < 20; ++round) {
    auto p = Path("race-" + std::to_string(round) + ".json");
    std::atomic<int> created{0}, existed{0};
    std::vector<std::thread> writers;
    for (int w = 0; w < 4; ++w) {
      writers.emplace_back([&, w] {
        auto r = store_->PutIfAbsent(p, "writer " + std::to_string(w));
        ASSERT_TRUE(r.ok());
        (*r == PutResult::kCreated ? created : existed)++;
      });
    }
    for (auto& t : writers) t.join();
    EXPECT_EQ(created.load(), 1);
    EXPECT_EQ(existed.load(), 3);
    auto content = store_->Read(p);
    ASSERT_TRUE(content.ok());
    EXPECT_EQ(content->rfind("writer ", 0), 0u);
  }
}

TEST_P(LogStoreContract, OverwriteReplacesNonCommitFiles) {
  auto p = Path("_last_checkpoint");
  ASSERT_TRUE(store_->Overwrite(p, "a").ok());
  ASSERT_TRUE(store_->Overwrite(p, "b").ok());
  EXPECT_EQ(*store_->Read(p), "b");
}

INSTANTIATE_TEST_SUITE_P(
    AllStores, LogStoreContract,
    ::testing::Values(
        StoreUnderTest{"local",
                       [](const std::string&) {
                         return *MakeLogStore(std::make_shared<arrow::fs::LocalFileSystem>());
                       }},
        StoreUnderTest{"memory", [](const std::string&) { return MakeInMemoryLogStore(); }},
        StoreUnderTest{"check_then_put",
                       [](const std::string&) {
                         return MakeCheckThenPutLogStore(std::make_shared<arrow::fs::LocalFileSystem>());
                       }}),
    [](const auto& info) { return info.param.name; });

TEST(MakeLogStore, ObjectStoresAreRefusedUnlessTheUserOptsIntoCheckThenPut) {
  auto fs = std::make_shared<arrow::fs::internal::MockFileSystem>(arrow::fs::TimePoint{});
  ::unsetenv(kUnsafeObjectStoreCommitsEnv);
  auto refused = MakeLogStore(fs);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(GetErrorCode(refused.status()), ErrorCode::kUnsupportedFeature);
  EXPECT_NE(refused.status().message().find(kUnsafeObjectStoreCommitsEnv), std::string::npos);
  ::setenv(kUnsafeObjectStoreCommitsEnv, "true", 1);
  auto store = MakeLogStore(fs);
  ::unsetenv(kUnsafeObjectStoreCommitsEnv);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE(fs->CreateDir("t/_delta_log").ok());
  EXPECT_EQ(*(*store)->PutIfAbsent("t/_delta_log/0.json", "a"), PutResult::kCreated);
  EXPECT_EQ(*(*store)->PutIfAbsent("t/_delta_log/0.json", "b"), PutResult::kAlreadyExists);
  EXPECT_EQ(*(*store)->Read("t/_delta_log/0.json"), "a");
}

TEST(FaultInjectingLogStore, FailureAfterCommitLeavesTheCommitInPlace) {
  auto inner = MakeInMemoryLogStore();
  auto store = MakeFaultInjectingLogStore(inner, [] { return FaultPoint::kAfterCommit; });
  auto r = store->PutIfAbsent("/t/_delta_log/00000000000000000001.json", "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(*inner->Read("/t/_delta_log/00000000000000000001.json"), "x");
}

TEST(FaultInjectingLogStore, FailureBeforeCommitWritesNothing) {
  auto inner = MakeInMemoryLogStore();
  auto store = MakeFaultInjectingLogStore(inner, [] { return FaultPoint::kBeforeCommit; });
  ASSERT_FALSE(store->PutIfAbsent("/t/_delta_log/00000000000000000001.json", "x").ok());
  EXPECT_FALSE(inner->Read("/t/_delta_log/00000000000000000001.json").ok());
}

TEST(LocalLogStore, LeavesNoTemporaryFilesBehind) {
  auto dir = std::filesystem::temp_directory_path() / ("deltacpp-tmpcheck-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto store = *MakeLogStore(std::make_shared<arrow::fs::LocalFileSystem>());
  ASSERT_EQ(*store->PutIfAbsent((dir / "1.json").string(), "a"), PutResult::kCreated);
  ASSERT_EQ(*store->PutIfAbsent((dir / "1.json").string(), "b"), PutResult::kAlreadyExists);
  int entries = 0;
  for (auto& e : std::filesystem::directory_iterator(dir)) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace delta
