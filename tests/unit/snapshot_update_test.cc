// Incremental snapshot updates and post-commit snapshots, with their I/O counted; in-commit
// timestamps written by Transaction (injected clocks, races). Tables live in a temporary
// directory; their add actions name files that need not exist (only the log is read).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>

#include <arrow/api.h>
#include <arrow/filesystem/localfs.h>
#include <nlohmann/json.hpp>

#include "delta/checkpoint.h"
#include "delta/error.h"
#include "delta/table.h"
#include "delta/transaction.h"
#include "delta/write.h"
#include "log/log_file_names.h"
#include "protocol/table_features.h"

namespace delta {
namespace {

// Forwards to the local filesystem and counts files opened for reading, by kind.
class CountingFileSystem : public arrow::fs::FileSystem {
 public:
  CountingFileSystem() : inner_(std::make_shared<arrow::fs::LocalFileSystem>()) {}
  std::atomic<int> commit_reads{0}, checkpoint_reads{0}, other_reads{0};
  void Reset() { commit_reads = checkpoint_reads = other_reads = 0; }

  std::string type_name() const override { return "counting"; }
  bool Equals(const FileSystem& other) const override { return this == &other; }
  arrow::Result<arrow::fs::FileInfo> GetFileInfo(const std::string& p) override {
    return inner_->GetFileInfo(p);
  }
  arrow::Result<arrow::fs::FileInfoVector> GetFileInfo(const arrow::fs::FileSelector& s) override {
    return inner_->GetFileInfo(s);
  }
  arrow::Status CreateDir(const std::string& p, bool r) override { return inner_->CreateDir(p, r); }
  arrow::Status DeleteDir(const std::string& p) override { return inner_->DeleteDir(p); }
  arrow::Status DeleteDirContents(const std::string& p, bool ok) override {
    return inner_->DeleteDirContents(p, ok);
  }
  arrow::Status DeleteRootDirContents() override { return inner_->DeleteRootDirContents(); }
  arrow::Status DeleteFile(const std::string& p) override { return inner_->DeleteFile(p); }
  arrow::Status Move(const std::string& s, const std::string& d) override { return inner_->Move(s, d); }
  arrow::Status CopyFile(const std::string& s, const std::string& d) override {
    return inner_->CopyFile(s, d);
  }
  arrow::Result<std::shared_ptr<arrow::io::InputStream>> OpenInputStream(const std::string& p) override {
    Count(p);
    return inner_->OpenInputStream(p);
  }
  arrow::Result<std::shared_ptr<arrow::io::RandomAccessFile>> OpenInputFile(const std::string& p) override {
    Count(p);
    return inner_->OpenInputFile(p);
  }
  arrow::Result<std::shared_ptr<arrow::io::OutputStream>> OpenOutputStream(
      const std::string& p, const std::shared_ptr<const arrow::KeyValueMetadata>& m) override {
    return inner_->OpenOutputStream(p, m);
  }
  arrow::Result<std::shared_ptr<arrow::io::OutputStream>> OpenAppendStream(
      const std::string& p, const std::shared_ptr<const arrow::KeyValueMetadata>& m) override {
    return inner_->OpenAppendStream(p, m);
  }

 private:
  void Count(const std::string& p) {
    auto name = log::ParseLogFileName(std::filesystem::path(p).filename().string());
    if (name && name->type == log::LogFileType::kCommit) {
      ++commit_reads;
    } else if (name && name->type != log::LogFileType::kChecksum) {
      ++checkpoint_reads;
    } else {
      ++other_reads;
    }
  }
  std::shared_ptr<arrow::fs::LocalFileSystem> inner_;
};

class SnapshotUpdate : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("deltacpp-update-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    uri_ = dir_.string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Commits `adds` new files (and removes `removes`) on top of `read` (null: creates the
  // table); returns the post-commit snapshot.
  std::shared_ptr<const Snapshot> Commit(std::shared_ptr<const Snapshot> read, int adds,
                                         std::vector<std::string> removes = {},
                                         std::map<std::string, std::string> conf = {},
                                         TransactionOptions options = {}) {
    auto txn = *Transaction::Begin(uri_, read, options);
    if (!read || !conf.empty()) {
      Metadata md = read ? read->metadata() : Metadata{};
      if (!read) {
        md.id = "t";
        md.schema_string =
            R"({"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{}}]})";
      }
      for (const auto& [k, v] : conf) md.configuration[k] = v;
      txn->SetMetadata(md);
      auto schema = arrow::schema({arrow::field("id", arrow::int64())});
      Protocol p = protocol::RequiredProtocol(read ? read->protocol() : Protocol{1, 2, {}, {}},
                                              *schema, md.configuration);
      if (!read || p.min_writer_version != read->protocol().min_writer_version) txn->SetProtocol(p);
    }
    for (int i = 0; i < adds; ++i) {
      AddFile a;
      a.path = "part-" + std::to_string(next_file_++) + ".parquet";
      a.size = 100;
      a.stats = R"({"numRecords":1})";
      txn->AddDataFile(a);
    }
    for (const auto& r : removes) {
      RemoveFile rf;
      rf.path = r;
      rf.deletion_timestamp = 1;
      txn->RemoveDataFile(rf);
    }
    auto committed = txn->Commit();
    EXPECT_TRUE(committed.ok()) << committed.status();
    auto post = txn->PostCommitSnapshot();
    EXPECT_TRUE(post.ok()) << post.status();
    return *post;
  }

  static std::vector<std::string> SortedPaths(const Snapshot& s) {
    std::vector<std::string> out;
    for (const auto& f : s.files()) out.push_back(f.path);
    std::sort(out.begin(), out.end());
    return out;
  }

  std::string CommitPath(int64_t v) const {
    return (dir_ / "_delta_log" / log::CommitFileName(v)).string();
  }
  nlohmann::json CommitInfoOf(int64_t v) const {
    std::ifstream in(CommitPath(v));
    std::string first;
    std::getline(in, first);
    auto j = nlohmann::json::parse(first);
    EXPECT_TRUE(j.contains("commitInfo")) << "commitInfo is not the first action of " << v;
    return j["commitInfo"];
  }

  std::filesystem::path dir_;
  std::string uri_;
  int next_file_ = 0;
};

TEST_F(SnapshotUpdate, RefreshAfterKCommitsReadsExactlyKCommitFilesAndNoCheckpoint) {
  auto s = Commit(nullptr, 3);
  for (int i = 0; i < 4; ++i) s = Commit(s, 2);  // version 4
  auto fs = std::make_shared<CountingFileSystem>();
  TableOptions topts;
  topts.filesystem = fs;
  auto table = *Table::Open(uri_, topts);
  auto base = *table->GetSnapshot();
  ASSERT_EQ(base->version(), 4);
  // k = 5 new commits, removes among them, and a checkpoint newer than the base (version 6).
  auto w = base;
  w = Commit(w, 1, {"part-0.parquet"});
  w = Commit(w, 1);
  ASSERT_TRUE(CreateCheckpoint(uri_, 6).ok());
  w = Commit(w, 1, {"part-3.parquet", "part-11.parquet"});
  w = Commit(w, 2);
  w = Commit(w, 0, {"part-14.parquet"});
  fs->Reset();
  auto updated = table->UpdateSnapshot(base);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ((*updated)->version(), 9);
  EXPECT_EQ(fs->commit_reads.load(), 5);
  EXPECT_EQ(fs->checkpoint_reads.load(), 0);
  EXPECT_EQ((*updated)->load_metrics().base_version, 4);
  EXPECT_EQ((*updated)->load_metrics().commit_files_read, 5);
  EXPECT_EQ((*updated)->load_metrics().checkpoint_files_read, 0);
  // The same state as a full load (which uses the checkpoint) and as the writer's own view.
  auto full = *table->GetSnapshot();
  EXPECT_EQ(full->load_metrics().checkpoint_files_read, 1);
  EXPECT_EQ(SortedPaths(**updated), SortedPaths(*full));
  EXPECT_EQ(SortedPaths(*w), SortedPaths(*full));
  EXPECT_EQ((*updated)->files().size(), 3u + 8u + 5u - 4u);
}

TEST_F(SnapshotUpdate, RefreshToAGivenVersionAndToTheSameVersion) {
  auto s = Commit(nullptr, 1);
  for (int i = 0; i < 3; ++i) s = Commit(s, 1);
  auto fs = std::make_shared<CountingFileSystem>();
  TableOptions topts;
  topts.filesystem = fs;
  auto table = *Table::Open(uri_, topts);
  auto v1 = *table->GetSnapshot(1);
  fs->Reset();
  auto v2 = *table->UpdateSnapshot(v1, 2);
  EXPECT_EQ(v2->version(), 2);
  EXPECT_EQ(v2->files().size(), 3u);
  EXPECT_EQ(fs->commit_reads.load(), 1);
  auto same = *table->UpdateSnapshot(v2, 2);
  EXPECT_EQ(same.get(), v2.get());
  auto latest = *table->UpdateSnapshot(*table->UpdateSnapshot(v2));
  EXPECT_EQ(latest->version(), 3);
  auto older = table->UpdateSnapshot(v2, 1);
  ASSERT_FALSE(older.ok());
  EXPECT_EQ(GetErrorCode(older.status()), ErrorCode::kInvalidArgument);
  auto beyond = table->UpdateSnapshot(v2, 9);
  ASSERT_FALSE(beyond.ok());
  EXPECT_EQ(GetErrorCode(beyond.status()), ErrorCode::kVersionNotFound);
}

TEST_F(SnapshotUpdate, LogCleanedPastTheBaseFallsBackToAFullLoad) {
  auto s = Commit(nullptr, 1);
  auto table = *Table::Open(uri_);
  auto base = *table->GetSnapshot();
  for (int i = 0; i < 3; ++i) s = Commit(s, 1);
  ASSERT_TRUE(CreateCheckpoint(uri_, 2).ok());
  std::filesystem::remove(CommitPath(1));  // as log cleanup would
  auto updated = *table->UpdateSnapshot(base);
  EXPECT_EQ(updated->version(), 3);
  EXPECT_FALSE(updated->load_metrics().base_version.has_value());
  EXPECT_EQ(updated->load_metrics().checkpoint_files_read, 1);
  EXPECT_EQ(updated->files().size(), 4u);
}

TEST_F(SnapshotUpdate, SnapshotOfAnotherTableIsRefused) {
  auto s = Commit(nullptr, 1);
  auto other_dir = dir_ / "other";
  std::filesystem::create_directories(other_dir / "_delta_log");
  std::filesystem::copy(CommitPath(0), other_dir / "_delta_log" / log::CommitFileName(0));
  auto other = *Table::Open(other_dir.string());
  auto r = other->UpdateSnapshot(s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(GetErrorCode(r.status()), ErrorCode::kInvalidArgument);
}

TEST_F(SnapshotUpdate, PostCommitSnapshotAfterALostRaceHoldsTheWinnerAndReadsOnlyIt) {
  auto s = Commit(nullptr, 2);
  auto a = *Transaction::Begin(uri_, s);
  auto b = *Transaction::Begin(uri_, s);
  AddFile fa;
  fa.path = "a.parquet";
  a->AddDataFile(fa);
  AddFile fb;
  fb.path = "b.parquet";
  b->AddDataFile(fb);
  ASSERT_EQ(a->Commit()->version, 1);
  auto rb = b->Commit();
  ASSERT_TRUE(rb.ok()) << rb.status();
  EXPECT_EQ(rb->version, 2);
  EXPECT_EQ(rb->attempts, 2);
  auto post = *b->PostCommitSnapshot();
  EXPECT_EQ(post->version(), 2);
  EXPECT_EQ(post->load_metrics().base_version, 0);
  EXPECT_EQ(post->load_metrics().commit_files_read, 1);
  auto full = *(*Table::Open(uri_))->GetSnapshot();
  EXPECT_EQ(SortedPaths(*post), SortedPaths(*full));
  EXPECT_EQ(post->files().size(), 4u);
}

TEST_F(SnapshotUpdate, PostCommitSnapshotIsUnavailableBeforeCommit) {
  auto txn = *Transaction::Begin(uri_, nullptr);
  auto r = txn->PostCommitSnapshot();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(GetErrorCode(r.status()), ErrorCode::kInvalidArgument);
}

TEST_F(SnapshotUpdate, WriteLoopWithReturnedSnapshotsNeverReloadsTheLog) {
  auto schema = arrow::schema({arrow::field("id", arrow::int64())});
  WriteOptions opts;
  opts.return_snapshot = true;
  std::shared_ptr<const Snapshot> snap;
  for (int i = 0; i < 4; ++i) {
    arrow::Int64Builder b;
    ASSERT_TRUE(b.AppendValues({i, i + 10}).ok());
    auto batch = arrow::RecordBatch::Make(schema, 2, {*b.Finish()});
    auto reader = *arrow::RecordBatchReader::Make({batch}, schema);
    opts.snapshot = snap;
    auto m = WriteTable(uri_, reader, opts);
    ASSERT_TRUE(m.ok()) << m.status();
    ASSERT_TRUE(m->snapshot);
    EXPECT_EQ(m->snapshot->version(), i);
    if (snap) {
      EXPECT_EQ(m->snapshot->load_metrics().base_version, snap->version());
      EXPECT_EQ(m->snapshot->load_metrics().commit_files_read, 0);
    }
    snap = m->snapshot;
  }
  auto full = *(*Table::Open(uri_))->GetSnapshot();
  EXPECT_EQ(SortedPaths(*snap), SortedPaths(*full));
  EXPECT_EQ(snap->NumRecords(), 8);
}

// ------------------------------------------------------------------ in-commit timestamps

TEST(RequiredProtocol, InCommitTimestampsAddTheWriterFeatureAndKeepTheReaderVersion) {
  auto schema = arrow::schema({arrow::field("id", arrow::int64())});
  Protocol p = protocol::RequiredProtocol(Protocol{1, 2, {}, {}}, *schema,
                                          {{"delta.enableInCommitTimestamps", "true"}});
  EXPECT_EQ(p.min_reader_version, 1);
  EXPECT_FALSE(p.reader_features.has_value());
  EXPECT_EQ(p.min_writer_version, 7);
  EXPECT_EQ(*p.writer_features,
            (std::vector<std::string>{"appendOnly", "inCommitTimestamp", "invariants"}));
  EXPECT_TRUE(protocol::CheckWriteSupported(p, "t").ok());
}

TEST_F(SnapshotUpdate, InCommitTimestampsStayMonotonicWhenTheClockGoesBackwards) {
  std::vector<int64_t> clock{5'000'000, 4'000, 3'000, 2'000};
  size_t tick = 0;
  TransactionOptions o;
  o.clock = [&] { return clock[std::min(tick++, clock.size() - 1)]; };
  auto s = Commit(nullptr, 1, {}, {{"delta.enableInCommitTimestamps", "true"}}, o);
  for (int i = 0; i < 3; ++i) s = Commit(s, 1, {}, {}, o);
  for (int64_t v = 0; v <= 3; ++v) {
    auto ci = CommitInfoOf(v);
    EXPECT_EQ(ci["inCommitTimestamp"].get<int64_t>(), 5'000'000 + v) << v;
    EXPECT_EQ(ci["timestamp"].get<int64_t>(), 5'000'000 + v) << v;
  }
  EXPECT_EQ(s->timestamp_ms(), 5'000'003);
  auto table = *Table::Open(uri_);
  EXPECT_EQ((*table->GetSnapshot())->timestamp_ms(), 5'000'003);
  // Enabled at creation: no enablement provenance.
  EXPECT_EQ(s->metadata().configuration.count("delta.inCommitTimestampEnablementVersion"), 0u);
  // Time travel follows the in-commit timestamps, not the file times.
  EXPECT_EQ(*table->VersionAtTimestamp(5'000'001), 1);
  EXPECT_EQ(*table->VersionAtTimestamp(5'000'002), 2);
  EXPECT_EQ(*table->VersionAtTimestamp(9'000'000'000'000), 3);
  auto early = table->VersionAtTimestamp(4'999'999);
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(GetErrorCode(early.status()), ErrorCode::kTimestampOutOfRange);
  auto h = *table->History();
  EXPECT_EQ(h[0].timestamp_ms, 5'000'003);
}

TEST_F(SnapshotUpdate, LostRaceRecomputesTheInCommitTimestampFromTheWinner) {
  auto s = Commit(nullptr, 1, {}, {{"delta.enableInCommitTimestamps", "true"}});
  TransactionOptions future, present;
  future.clock = [] { return int64_t{8'000'000'000'000}; };
  auto a = *Transaction::Begin(uri_, s, future);
  auto b = *Transaction::Begin(uri_, s, present);
  AddFile fa;
  fa.path = "a.parquet";
  a->AddDataFile(fa);
  AddFile fb;
  fb.path = "b.parquet";
  b->AddDataFile(fb);
  ASSERT_EQ(*a->Commit()->in_commit_timestamp, 8'000'000'000'000);
  auto rb = *b->Commit();
  EXPECT_EQ(rb.version, 2);
  EXPECT_EQ(rb.in_commit_timestamp, 8'000'000'000'001);
  EXPECT_EQ(CommitInfoOf(2)["inCommitTimestamp"].get<int64_t>(), 8'000'000'000'001);
  EXPECT_EQ((*b->PostCommitSnapshot())->timestamp_ms(), 8'000'000'000'001);
}

TEST_F(SnapshotUpdate, EnablingOnAnExistingTableRecordsTheEnablementVersionAndTimestamp) {
  auto s = Commit(nullptr, 1);
  s = Commit(s, 1);
  TransactionOptions past;
  past.clock = [] { return int64_t{1'000}; };  // behind the file times: must not matter
  s = Commit(s, 0, {}, {{"delta.enableInCommitTimestamps", "true"}}, past);
  ASSERT_EQ(s->version(), 2);
  EXPECT_TRUE(s->protocol().HasWriterFeature("inCommitTimestamp"));
  const auto& conf = s->metadata().configuration;
  const int64_t ict = CommitInfoOf(2)["inCommitTimestamp"].get<int64_t>();
  EXPECT_EQ(conf.at("delta.inCommitTimestampEnablementVersion"), "2");
  EXPECT_EQ(conf.at("delta.inCommitTimestampEnablementTimestamp"), std::to_string(ict));
  arrow::fs::LocalFileSystem local;
  auto v1_info = *local.GetFileInfo(CommitPath(1));
  const int64_t v1_mtime = std::chrono::duration_cast<std::chrono::milliseconds>(
                               v1_info.mtime().time_since_epoch())
                               .count();
  EXPECT_GT(ict, v1_mtime);  // PROTOCOL.md: later than the preceding commit's file time
  s = Commit(s, 1, {}, {}, past);
  EXPECT_EQ(CommitInfoOf(3)["inCommitTimestamp"].get<int64_t>(), ict + 1);
  auto table = *Table::Open(uri_);
  // At or after the enablement timestamp: in-commit timestamps; before: file times.
  EXPECT_EQ(*table->VersionAtTimestamp(ict), 2);
  EXPECT_EQ(*table->VersionAtTimestamp(ict + 1), 3);
  auto v0 = *table->GetSnapshot(0);
  EXPECT_EQ(*table->VersionAtTimestamp(v0->timestamp_ms()), 0);
  // Disabling drops the enablement provenance.
  s = Commit(s, 0, {}, {{"delta.enableInCommitTimestamps", "false"}});
  EXPECT_EQ(s->metadata().configuration.count("delta.inCommitTimestampEnablementVersion"), 0u);
  EXPECT_FALSE(CommitInfoOf(4).contains("inCommitTimestamp"));
}

}  // namespace
}  // namespace delta
