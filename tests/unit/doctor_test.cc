// The table doctor's pure analysis: exact findings for constructed snapshots, histories and
// directory listings (no disk).
#include <gtest/gtest.h>

#include <arrow/type.h>
#include <arrow/util/key_value_metadata.h>

#include "delta/operations/doctor.h"

namespace delta {
namespace {

constexpr int64_t kMiB = 1LL << 20;
constexpr int64_t kHour = 3600LL * 1000;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kNow = 1'700'000'000'000;

std::shared_ptr<arrow::Schema> DefaultSchema() {
  return arrow::schema({arrow::field("id", arrow::int64(), /*nullable=*/false),
                        arrow::field("value", arrow::float64()), arrow::field("p", arrow::utf8())});
}

struct Fixture {
  std::shared_ptr<Snapshot> snap = std::make_shared<Snapshot>();
  DoctorInput in;

  explicit Fixture(std::shared_ptr<arrow::Schema> schema = DefaultSchema(), std::vector<std::string> parts = {}) {
    snap->version_ = 5;
    snap->schema_ = std::move(schema);
    snap->metadata_.partition_columns = std::move(parts);
    snap->table_root_ = "/t";
    in.table = "/t";
    in.now_ms = kNow;
    in.listing.push_back({"_delta_log", 0, kNow - 30 * kDay, true});
    in.listing.push_back({"_delta_log/00000000000000000000.json", 100, kNow - 30 * kDay, false});
  }

  // A live file with stats for id and value, listed in the directory (old mtime).
  AddFile& AddLive(const std::string& path, int64_t size, std::optional<std::string> p = std::nullopt,
                   std::optional<std::string> stats = R"({"numRecords":100,"minValues":{"id":1,"value":1.5},)"
                                                      R"("maxValues":{"id":9,"value":2.5},"nullCount":{"id":0,"value":0}})") {
    AddFile f;
    f.path = path;
    f.size = size;
    f.stats = std::move(stats);
    if (p) f.partition_values["p"] = *p;
    snap->files_.push_back(f);
    in.listing.push_back({path, size, kNow - 30 * kDay, false});
    return snap->files_.back();
  }

  DoctorReport Run(const DoctorThresholds& t = {}) {
    in.snapshot = snap;
    return AnalyzeTable(in, t);
  }
};

std::vector<std::string> Ids(const DoctorReport& r) {
  std::vector<std::string> ids;
  for (const auto& f : r.findings) ids.push_back(f.id);
  return ids;
}

DoctorMetricValue Metric(const DoctorFinding& f, const std::string& name) {
  for (const auto& [k, v] : f.metrics) {
    if (k == name) return v;
  }
  ADD_FAILURE() << "no metric " << name << " in " << f.id;
  return int64_t{-1};
}

int64_t IntMetric(const DoctorFinding& f, const std::string& name) { return std::get<int64_t>(Metric(f, name)); }

CommitSummary Commit(int64_t version, const std::string& op, const std::string& predicate_param) {
  CommitSummary c;
  c.version = version;
  c.operation = op;
  c.commit_info_json = R"({"operation":")" + op + R"(","operationParameters":{"predicate":)" + predicate_param + "}}";
  return c;
}

TEST(Doctor, HealthyTableHasNoFindings) {
  Fixture fx;
  for (int i = 0; i < 3; ++i) fx.AddLive("part-" + std::to_string(i) + ".parquet", 100 * kMiB);
  auto r = fx.Run();
  EXPECT_EQ(r.version, 5);
  EXPECT_EQ(r.table, "/t");
  EXPECT_TRUE(r.findings.empty()) << ::testing::PrintToString(Ids(r));
  EXPECT_FALSE(r.HasErrors());
}

TEST(Doctor, SmallFilesCountOnlyPartitionsCompactionCanMerge) {
  Fixture fx(DefaultSchema(), {"p"});
  for (int i = 0; i < 10; ++i) fx.AddLive("p=a/f" + std::to_string(i) + ".parquet", kMiB, "a");
  fx.AddLive("p=b/single.parquet", kMiB, "b");          // alone: OPTIMIZE leaves it
  fx.AddLive("p=c/big.parquet", 100 * kMiB, "c");      // not small
  auto r = fx.Run();
  ASSERT_EQ(Ids(r), std::vector<std::string>{"small-files"});
  const auto& f = r.findings[0];
  EXPECT_EQ(f.severity, DoctorSeverity::kWarning);
  EXPECT_EQ(IntMetric(f, "small_files"), 11);
  EXPECT_EQ(IntMetric(f, "compactable_small_files"), 10);
  EXPECT_EQ(IntMetric(f, "total_files"), 12);
  EXPECT_EQ(IntMetric(f, "small_file_threshold_bytes"), 32 * kMiB);
  EXPECT_EQ(IntMetric(f, "partitions_with_small_files"), 1);
  EXPECT_EQ(std::get<std::string>(Metric(f, "worst_partition")), "p=a");
  EXPECT_DOUBLE_EQ(std::get<double>(Metric(f, "small_file_share")), 11.0 / 12.0);
  EXPECT_EQ(f.fix, "deltactl optimize /t");
}

TEST(Doctor, SmallFilesBelowTheCountThresholdAreNoFinding) {
  Fixture fx;
  for (int i = 0; i < 9; ++i) fx.AddLive("f" + std::to_string(i) + ".parquet", kMiB);
  EXPECT_TRUE(fx.Run().findings.empty());
  DoctorThresholds t;
  t.min_small_files = 9;
  EXPECT_EQ(Ids(fx.Run(t)), std::vector<std::string>{"small-files"});
}

TEST(Doctor, TargetFileSizeSetsTheSmallFileThreshold) {
  Fixture fx;
  fx.snap->metadata_.configuration["delta.targetFileSize"] = "64mb";
  for (int i = 0; i < 10; ++i) fx.AddLive("f" + std::to_string(i) + ".parquet", 20 * kMiB);  // > 64/4 MiB
  EXPECT_TRUE(fx.Run().findings.empty());
  fx.snap->metadata_.configuration["delta.targetFileSize"] = "128mb";  // threshold 32 MiB
  auto r = fx.Run();
  ASSERT_EQ(Ids(r), std::vector<std::string>{"small-files"});
  EXPECT_EQ(IntMetric(r.findings[0], "small_file_threshold_bytes"), 32 * kMiB);
}

TEST(Doctor, FilesOverOneGiBAreLargeWithAZOrderRewriteAsFix) {
  Fixture fx;
  fx.AddLive("big.parquet", 2 * 1024 * kMiB);
  fx.AddLive("ok.parquet", 512 * kMiB);
  auto r = fx.Run();
  ASSERT_EQ(Ids(r), std::vector<std::string>{"large-files"});
  EXPECT_EQ(IntMetric(r.findings[0], "large_files"), 1);
  EXPECT_EQ(IntMetric(r.findings[0], "largest_file_bytes"), 2 * 1024 * kMiB);
  EXPECT_EQ(r.findings[0].fix, "deltactl optimize /t --zorder-by id --target-size 256MB");
}

TEST(Doctor, VacuumBacklogSplitsExpiredRemovalsNeverReferencedAndRetained) {
  Fixture fx;
  fx.AddLive("live.parquet", 100 * kMiB);
  RemoveFile expired, retained;
  expired.path = "expired.parquet";
  expired.deletion_timestamp = kNow - 8 * kDay;
  retained.path = "retained.parquet";
  retained.deletion_timestamp = kNow - 1 * kDay;
  fx.snap->tombstones_ = {expired, retained};
  fx.snap->has_tombstones_ = true;
  fx.in.listing.push_back({"expired.parquet", 40 * kMiB, kNow - 20 * kDay, false});
  fx.in.listing.push_back({"retained.parquet", 30 * kMiB, kNow - 20 * kDay, false});
  fx.in.listing.push_back({"orphan.parquet", 20 * kMiB, kNow - 10 * kDay, false});
  fx.in.listing.push_back({"fresh-orphan.parquet", 10 * kMiB, kNow - kHour, false});  // a writer's, maybe
  fx.in.listing.push_back({"_delta_log/00000000000000000001.json", 10, kNow - 20 * kDay, false});
  auto r = fx.Run();
  ASSERT_EQ(Ids(r), std::vector<std::string>{"vacuum-backlog"});
  const auto& f = r.findings[0];
  EXPECT_EQ(f.severity, DoctorSeverity::kWarning);  // 60 MiB of 100 MiB live
  EXPECT_EQ(IntMetric(f, "vacuumable_files"), 2);
  EXPECT_EQ(IntMetric(f, "vacuumable_bytes"), 60 * kMiB);
  EXPECT_EQ(IntMetric(f, "removed_expired_files"), 1);
  EXPECT_EQ(IntMetric(f, "removed_expired_bytes"), 40 * kMiB);
  EXPECT_EQ(IntMetric(f, "never_referenced_files"), 1);
  EXPECT_EQ(IntMetric(f, "never_referenced_bytes"), 20 * kMiB);
  EXPECT_EQ(IntMetric(f, "retained_files"), 1);
  EXPECT_EQ(IntMetric(f, "retained_bytes"), 30 * kMiB);
  EXPECT_DOUBLE_EQ(std::get<double>(Metric(f, "oldest_removal_age_hours")), 8 * 24.0);
  EXPECT_DOUBLE_EQ(std::get<double>(Metric(f, "retention_hours")), 168.0);
  EXPECT_EQ(f.fix, "deltactl vacuum /t");
}

TEST(Doctor, SmallVacuumBacklogIsAHint) {
  Fixture fx;
  fx.AddLive("live.parquet", 100 * kMiB);
  fx.in.listing.push_back({"orphan.parquet", 1 * kMiB, kNow - 10 * kDay, false});
  auto r = fx.Run();
  ASSERT_EQ(Ids(r), std::vector<std::string>{"vacuum-backlog"});
  EXPECT_EQ(r.findings[0].severity, DoctorSeverity::kHint);
}

TEST(Doctor, LiveDeletionVectorFilesAreNotBacklog) {
  Fixture fx;
  auto& f = fx.AddLive("live.parquet", 100 * kMiB);
  // 'p' descriptor with a path inside the table.
  f.deletion_vector = DeletionVectorDescriptor{"p", "/t/deletion_vector_x.bin", 1, 10, 1};
  fx.in.listing.push_back({"deletion_vector_x.bin", 100, kNow - 10 * kDay, false});
  EXPECT_TRUE(fx.Run().findings.empty());
}

TEST(Doctor, AbsoluteAndEncodedLogPathsInsideTheTableAreReferenced) {
  Fixture fx(DefaultSchema(), {"p"});
  fx.AddLive("p=a%20b/f1.parquet", 100 * kMiB, "a b");
  fx.AddLive("file:///t/f2.parquet", 100 * kMiB);
  fx.AddLive("file:/t/f3.parquet", 100 * kMiB);
  fx.AddLive("file://localhost/t/f4.parquet", 100 * kMiB);
  // The listing holds decoded paths relative to the root.
  for (auto& e : fx.in.listing) {
    if (e.path == "p=a%20b/f1.parquet") e.path = "p=a b/f1.parquet";
    for (const char* prefix : {"file:///t/", "file:/t/", "file://localhost/t/"}) {
      if (e.path.starts_with(prefix)) e.path = e.path.substr(std::string(prefix).size());
    }
  }
  EXPECT_TRUE(fx.Run().findings.empty()) << ::testing::PrintToString(Ids(fx.Run()));
  fx.in.listing.push_back({"elsewhere.parquet", 100 * kMiB, kNow - 30 * kDay, false});
  EXPECT_EQ(Ids(fx.Run()), std::vector<std::string>{"vacuum-backlog"});
}

TEST(Doctor, CheckpointOverdueCountsFromTheLastCheckpoint) {
  Fixture fx;
  fx.AddLive("a.parquet", 100 * kMiB);
  fx.snap->version_ = 9;  // no checkpoint yet, as writers checkpoint at version 10
  EXPECT_TRUE(fx.Run().findings.empty());
  fx.snap->version_ = 12;
  auto r = fx.Run();
  ASSERT_EQ(Ids(r), std::vector<std::string>{"checkpoint-overdue"});
  EXPECT_EQ(IntMetric(r.findings[0], "versions_since_checkpoint"), 12);
  EXPECT_EQ(IntMetric(r.findings[0], "checkpoint_interval"), 10);
  EXPECT_EQ(IntMetric(r.findings[0], "last_checkpoint_version"), -1);
  EXPECT_EQ(r.findings[0].fix, "deltactl checkpoint /t");

  fx.snap->checkpoint_version_ = 10;  // but no _last_checkpoint in the listing
  r = fx.Run();
  ASSERT_EQ(Ids(r), std::vector<std::string>{"last-checkpoint-missing"});
  EXPECT_EQ(r.findings[0].fix, "deltactl checkpoint /t");
  fx.in.listing.push_back({"_delta_log/_last_checkpoint", 50, kNow, false});
  EXPECT_TRUE(fx.Run().findings.empty());

  fx.snap->metadata_.configuration["delta.checkpointInterval"] = "2";
  r = fx.Run();
  ASSERT_EQ(Ids(r), std::vector<std::string>{"checkpoint-overdue"});
  EXPECT_EQ(IntMetric(r.findings[0], "versions_since_checkpoint"), 2);
}

TEST(Doctor, FilteredColumnsOutsideTheStatsConfigAreReportedWithTheProperty) {
  Fixture fx(arrow::schema({arrow::field("id", arrow::int64(), false), arrow::field("value", arrow::float64()),
                            arrow::field("c", arrow::int32())}));
  fx.snap->metadata_.configuration["delta.dataSkippingNumIndexedCols"] = "2";
  fx.AddLive("a.parquet", 100 * kMiB);
  fx.in.history = {Commit(1, "DELETE", R"x("[\"(c > 5)\"]")x"), Commit(2, "UPDATE", R"x("[\"(c = 1) AND (value > 0)\"]")x"),
                   Commit(3, "WRITE", R"x("value < 0")x"), Commit(4, "INSERT", R"x("c = 0")x")};
  auto r = fx.Run();
  // c: two predicate commits (INSERT is no filter); value: two, but it has stats in every file.
  ASSERT_EQ(Ids(r), std::vector<std::string>{"stats-not-collected"});
  EXPECT_EQ(std::get<std::string>(Metric(r.findings[0], "column")), "c");
  EXPECT_EQ(IntMetric(r.findings[0], "predicate_commits"), 2);
  EXPECT_EQ(r.findings[0].fix, "deltactl alter /t set-properties delta.dataSkippingStatsColumns=id,value,c");
  // After the fix the finding is gone.
  fx.snap->metadata_.configuration["delta.dataSkippingStatsColumns"] = "id,value,c";
  // ... but now the existing file has no stats for c.
  r = fx.Run();
  ASSERT_EQ(Ids(r), std::vector<std::string>{"files-without-stats"});
  EXPECT_EQ(IntMetric(r.findings[0], "files_without_stats"), 1);
  EXPECT_EQ(r.findings[0].fix, "deltactl optimize /t --zorder-by c");
}

TEST(Doctor, MergeAliasesAndSparkExpressionIdsAreResolved) {
  Fixture fx;
  fx.AddLive("a.parquet", 100 * kMiB);
  fx.AddLive("nostats.parquet", 100 * kMiB, std::nullopt, std::nullopt);
  fx.in.history = {Commit(1, "MERGE", R"x("(t.id = s.id)")x"), Commit(2, "DELETE", R"x("[\"(id#12L = 3)\"]")x")};
  auto r = fx.Run();
  ASSERT_EQ(Ids(r), std::vector<std::string>{"files-without-stats"});
  EXPECT_EQ(std::get<std::string>(Metric(r.findings[0], "column")), "id");
  EXPECT_EQ(IntMetric(r.findings[0], "files_without_stats"), 1);
  EXPECT_EQ(IntMetric(r.findings[0], "total_files"), 2);
}

TEST(Doctor, ManyTinyPartitionsAndSingleValuePartitionColumns) {
  auto schema = arrow::schema({arrow::field("id", arrow::int64(), false), arrow::field("p", arrow::utf8()),
                               arrow::field("q", arrow::utf8())});
  Fixture fx(schema, {"p", "q"});
  for (int i = 0; i < 150; ++i) {
    AddFile f;
    f.path = "p=" + std::to_string(i) + "/q=x/f.parquet";
    f.size = kMiB;
    f.partition_values = {{"p", std::to_string(i)}, {"q", "x"}};
    f.stats = R"({"numRecords":1,"minValues":{"id":1},"maxValues":{"id":1},"nullCount":{"id":0}})";
    fx.snap->files_.push_back(f);
    fx.in.listing.push_back({f.path, f.size, kNow - 30 * kDay, false});
  }
  auto r = fx.Run();
  ASSERT_EQ(Ids(r), (std::vector<std::string>{"partitions-too-small", "single-value-partition-column"}));
  EXPECT_EQ(IntMetric(r.findings[0], "partitions"), 150);
  EXPECT_EQ(IntMetric(r.findings[0], "median_partition_bytes"), kMiB);
  EXPECT_EQ(r.findings[0].fix, "");
  EXPECT_EQ(std::get<std::string>(Metric(r.findings[1], "column")), "q");
  EXPECT_EQ(r.findings[1].severity, DoctorSeverity::kHint);
  DoctorThresholds t;
  t.max_partitions = 100;
  EXPECT_EQ(Ids(fx.Run(t)), (std::vector<std::string>{"too-many-partitions", "single-value-partition-column"}));
}

TEST(Doctor, PartitionsAreReadByPhysicalNameUnderColumnMapping) {
  auto p = arrow::field("p", arrow::utf8())
               ->WithMetadata(arrow::key_value_metadata({"delta.columnMapping.physicalName"}, {"col-p1"}));
  Fixture fx(arrow::schema({arrow::field("id", arrow::int64(), false), p}), {"p"});
  fx.snap->column_mapping_mode_ = ColumnMappingMode::kName;
  for (int i = 0; i < 10; ++i) {
    AddFile f;
    f.path = "x" + std::to_string(i) + "/f.parquet";
    f.size = kMiB;
    f.partition_values = {{"col-p1", i < 5 ? "a" : "b"}};
    fx.snap->files_.push_back(f);
    fx.in.listing.push_back({f.path, f.size, kNow - 30 * kDay, false});
  }
  auto r = fx.Run();
  ASSERT_EQ(Ids(r), std::vector<std::string>{"small-files"});
  EXPECT_EQ(IntMetric(r.findings[0], "partitions_with_small_files"), 2);
  EXPECT_EQ(std::get<std::string>(Metric(r.findings[0], "worst_partition")), "p=a");
}

TEST(Doctor, NullableKeyColumnsWithoutConstraintsAreAHint) {
  Fixture fx(arrow::schema({arrow::field("id", arrow::int64(), false), arrow::field("user_id", arrow::int64()),
                            arrow::field("orderKey", arrow::utf8()), arrow::field("video", arrow::utf8())}));
  fx.snap->metadata_.configuration["delta.constraints.positive_order"] = "orderKey IS NOT NULL";
  fx.AddLive("a.parquet", 100 * kMiB);
  auto r = fx.Run();
  ASSERT_EQ(Ids(r), std::vector<std::string>{"key-column-unconstrained"});
  EXPECT_EQ(r.findings[0].severity, DoctorSeverity::kHint);
  EXPECT_EQ(std::get<std::string>(Metric(r.findings[0], "column")), "user_id");
  EXPECT_EQ(r.findings[0].fix, "deltactl alter /t add-constraint user_id_not_null 'user_id IS NOT NULL'");
  EXPECT_FALSE(r.HasErrors());
}

TEST(Doctor, VeryShortFileRetentionIsAnError) {
  Fixture fx;
  fx.AddLive("a.parquet", 100 * kMiB);
  fx.snap->metadata_.configuration["delta.deletedFileRetentionDuration"] = "interval 30 minutes";
  auto r = fx.Run();
  ASSERT_EQ(Ids(r), std::vector<std::string>{"file-retention-short"});
  EXPECT_EQ(r.findings[0].severity, DoctorSeverity::kError);
  EXPECT_TRUE(r.HasErrors());
  EXPECT_DOUBLE_EQ(std::get<double>(Metric(r.findings[0], "deleted_file_retention_hours")), 0.5);
  EXPECT_EQ(r.findings[0].fix,
            "deltactl alter /t set-properties 'delta.deletedFileRetentionDuration=interval 7 days'");
  fx.snap->metadata_.configuration["delta.deletedFileRetentionDuration"] = "interval 2 days";
  r = fx.Run();
  ASSERT_EQ(Ids(r), std::vector<std::string>{"file-retention-short"});
  EXPECT_EQ(r.findings[0].severity, DoctorSeverity::kWarning);
}

TEST(Doctor, LogRetentionShorterThanFileRetention) {
  Fixture fx;
  fx.AddLive("a.parquet", 100 * kMiB);
  fx.snap->metadata_.configuration["delta.logRetentionDuration"] = "interval 3 days";
  auto r = fx.Run();
  ASSERT_EQ(Ids(r), (std::vector<std::string>{"log-retention-short", "log-retention-shorter-than-file-retention"}));
  EXPECT_EQ(r.findings[1].fix, "deltactl alter /t set-properties 'delta.logRetentionDuration=interval 30 days'");
}

TEST(Doctor, DeletionVectorsDeletingAShareOfRowsSuggestOptimize) {
  Fixture fx;
  fx.AddLive("a.parquet", 100 * kMiB).deletion_vector = DeletionVectorDescriptor{"i", "abc", std::nullopt, 10, 30};
  fx.AddLive("b.parquet", 100 * kMiB);
  auto r = fx.Run();
  ASSERT_EQ(Ids(r), std::vector<std::string>{"deletion-vector-backlog"});
  EXPECT_EQ(IntMetric(r.findings[0], "rows_deleted_by_dv"), 30);
  EXPECT_EQ(IntMetric(r.findings[0], "rows_in_files"), 200);
  EXPECT_EQ(r.findings[0].fix, "deltactl optimize /t");
  fx.snap->files_[0].deletion_vector->cardinality = 10;  // 5%
  EXPECT_TRUE(fx.Run().findings.empty());
}

TEST(Doctor, ReaderFeaturesAreAHintAndFindingsAreOrderedBySeverity) {
  Fixture fx;
  fx.AddLive("a.parquet", 100 * kMiB);
  fx.snap->protocol_ = Protocol{3, 7, std::vector<std::string>{"deletionVectors"}, std::vector<std::string>{"deletionVectors"}};
  fx.snap->metadata_.configuration["delta.deletedFileRetentionDuration"] = "interval 0 hours";
  fx.snap->metadata_.configuration["delta.logRetentionDuration"] = "interval 1 days";
  auto r = fx.Run();
  ASSERT_EQ(Ids(r), (std::vector<std::string>{"file-retention-short", "log-retention-short", "reader-features"}));
  EXPECT_EQ(std::get<std::string>(Metric(r.findings[2], "reader_features")), "deletionVectors");
  EXPECT_EQ(r.findings[2].fix, "");
}

TEST(Doctor, LiveFilesMissingFromTheDirectoryAreAnError) {
  Fixture fx;
  fx.AddLive("a.parquet", 100 * kMiB);
  AddFile gone;
  gone.path = "gone.parquet";
  gone.size = 100 * kMiB;
  fx.snap->files_.push_back(gone);
  auto r = fx.Run();
  ASSERT_EQ(Ids(r), std::vector<std::string>{"missing-data-files"});
  EXPECT_EQ(r.findings[0].severity, DoctorSeverity::kError);
  EXPECT_EQ(IntMetric(r.findings[0], "missing_files"), 1);
  EXPECT_EQ(std::get<std::string>(Metric(r.findings[0], "first_missing_file")), "gone.parquet");
  EXPECT_TRUE(r.HasErrors());
}

TEST(Doctor, FileSchemasOfAnotherTypeFamilyOrWithoutANotNullColumnAreAnError) {
  Fixture fx;
  fx.AddLive("a.parquet", 100 * kMiB);
  // Widening within a family (int32 stored for a bigint column), a missing nullable column and a
  // NULL-typed column are fine.
  fx.in.file_schemas = {{"a.parquet", arrow::schema({arrow::field("id", arrow::int32())}), ""},
                        {"b.parquet", arrow::schema({arrow::field("id", arrow::int64()), arrow::field("value", arrow::null())}), ""}};
  EXPECT_TRUE(fx.Run().findings.empty());
  fx.in.file_schemas.push_back({"c.parquet", arrow::schema({arrow::field("id", arrow::utf8())}), ""});
  fx.in.file_schemas.push_back({"d.parquet", arrow::schema({arrow::field("value", arrow::float64())}), ""});
  fx.in.file_schemas.push_back({"e.parquet", nullptr, "Parquet magic bytes not found"});
  auto r = fx.Run();
  ASSERT_EQ(Ids(r), (std::vector<std::string>{"unreadable-data-files", "file-schema-mismatch"}));
  EXPECT_EQ(IntMetric(r.findings[0], "unreadable_files"), 1);
  EXPECT_EQ(IntMetric(r.findings[1], "mismatched_files"), 2);
  EXPECT_EQ(IntMetric(r.findings[1], "files_checked"), 5);
  EXPECT_EQ(std::get<std::string>(Metric(r.findings[1], "first_mismatched_file")), "c.parquet");
  EXPECT_NE(r.findings[1].message.find("stores column id as string, the table declares int64"), std::string::npos);
}

TEST(Doctor, ShellQuoteQuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(ShellQuote("/data/t1"), "/data/t1");
  EXPECT_EQ(ShellQuote("s3://b/t"), "s3://b/t");
  EXPECT_EQ(ShellQuote("my table"), "'my table'");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
  EXPECT_EQ(ShellQuote(""), "''");
}

}  // namespace
}  // namespace delta
