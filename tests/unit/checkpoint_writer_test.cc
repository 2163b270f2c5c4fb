// Checkpoint writing: every form round-trips through deltacpp's reader to the same table state
// (files with stats, tombstones, txns, domain metadata, protocol, metadata), multi-part sets
// are clustered by Spark's hash and ignored when incomplete, V2 checkpoints keep file actions
// in sidecars, and stats_parsed is typed by the schema. Tables live in a temporary directory.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include <arrow/array.h>
#include <arrow/io/file.h>
#include <arrow/scalar.h>
#include <arrow/table.h>
#include <nlohmann/json.hpp>
#include <parquet/arrow/reader.h>

#include "delta/checkpoint.h"
#include "delta/error.h"
#include "delta/schema.h"
#include "log/action_json.h"
#include "log/log_file_names.h"
#include "protocol/table_features.h"
#include "storage/table_location.h"
#include "table/snapshot_loader.h"
#include "util/spark_hash.h"

namespace delta {
namespace {

namespace fs = std::filesystem;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

AddFile Add(const std::string& path, const std::string& part, int64_t id_min, int64_t id_max) {
  AddFile a;
  a.path = "p=" + part + "/" + path;
  a.partition_values = {{"p", part}};
  a.size = 100 + id_min;
  a.modification_time = 1700000000000 + id_min;
  a.data_change = true;
  a.stats = "{\"numRecords\":" + std::to_string(id_max - id_min + 1) + ",\"minValues\":{\"id\":" +
            std::to_string(id_min) + ",\"s\":\"a" + std::to_string(id_min) +
            "\",\"ts\":\"2024-01-01T00:00:00.000Z\"},\"maxValues\":{\"id\":" + std::to_string(id_max) +
            ",\"s\":\"z\",\"ts\":\"2024-01-02T10:00:00.123Z\"},\"nullCount\":{\"id\":0,\"s\":1,\"ts\":0}}";
  return a;
}

class CheckpointWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("deltacpp-ckpt-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "_delta_log");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Commit(int64_t version, const ActionBatch& actions) {
    std::ofstream(dir_ / "_delta_log" / log::CommitFileName(version)) << log::SerializeActions(actions);
  }

  // Five commits: create (v0), adds (v1..v3, with a txn and a domain), a remove (v4).
  void MakeTable(std::map<std::string, std::string> conf, Protocol protocol = {1, 2, {}, {}},
                 std::string schema_string = "") {
    ActionBatch v0;
    v0.protocol = protocol;
    Metadata m;
    m.id = "6e6a3fd1-4d0b-4b7b-9b8b-1b4e6a8f0c11";
    m.name = "t";
    if (schema_string.empty()) {
      auto schema = arrow::schema({arrow::field("id", arrow::int64()), arrow::field("s", arrow::utf8()),
                                   arrow::field("ts", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")),
                                   arrow::field("p", arrow::utf8())});
      schema_string = *SchemaToDeltaJson(*schema);
    }
    m.schema_string = schema_string;
    m.partition_columns = {"p"};
    m.configuration = std::move(conf);
    m.created_time = 1700000000000;
    v0.metadata = m;
    Commit(0, v0);
    for (int v = 1; v <= 3; ++v) {
      ActionBatch b;
      for (int i = 0; i < 2; ++i) {
        const int64_t lo = v * 10 + i * 5;
        b.adds.push_back(Add("part-" + std::to_string(v) + "-" + std::to_string(i) + ".parquet",
                             i == 0 ? "x" : "y y", lo, lo + 4));
      }
      b.txns.push_back({"app-" + std::to_string(v % 2), v, 1700000000000 + v});
      if (v == 2) b.domain_metadata.push_back({"delta.test", "{\"k\":1}", false});
      Commit(v, b);
    }
    ActionBatch v4;
    RemoveFile r;
    r.path = "p=x/part-1-0.parquet";
    r.deletion_timestamp = NowMs();
    r.data_change = true;
    r.extended_file_metadata = true;
    r.partition_values = PartitionValues{{"p", "x"}};
    r.size = 110;
    v4.removes.push_back(r);
    Commit(4, v4);
  }

  std::shared_ptr<const Snapshot> Load() {
    auto loc = *storage::ResolveTableLocation(dir_.string());
    auto listing = *storage::ListLog(loc, false);
    auto snap = table::LoadSnapshotFromListing(loc, std::move(listing), std::nullopt, true);
    EXPECT_TRUE(snap.ok()) << snap.status().ToString();
    EXPECT_TRUE((*snap)->EnsureStats().ok());
    return *snap;
  }

  // Deletes every commit up to `version`: the state must then come from the checkpoint.
  void DropCommitsThrough(int64_t version) {
    for (int64_t v = 0; v <= version; ++v) fs::remove(dir_ / "_delta_log" / log::CommitFileName(v));
  }

  std::vector<std::string> LogNames(const std::string& sub = "") {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_ / "_delta_log" / sub)) {
      if (e.is_regular_file()) out.push_back(e.path().filename().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  nlohmann::json LastCheckpoint() {
    std::ifstream in(dir_ / "_delta_log" / "_last_checkpoint");
    return nlohmann::json::parse(in);
  }

  std::shared_ptr<arrow::Table> ReadParquet(const fs::path& p) {
    auto file = *arrow::io::ReadableFile::Open(p.string());
    auto reader = *parquet::arrow::OpenFile(file, arrow::default_memory_pool());
    auto t = reader->ReadTable();
    EXPECT_TRUE(t.ok());
    return *t;
  }

  fs::path dir_;
};

// Table state as comparable text: every field a reader sees.
std::string State(const Snapshot& s) {
  std::string out = "v" + std::to_string(s.version()) + "\n";
  ActionBatch b;
  b.protocol = s.protocol();
  b.metadata = s.metadata();
  for (const auto& [_, t] : s.app_transactions()) b.txns.push_back(t);
  for (const auto& [_, d] : s.domain_metadata()) b.domain_metadata.push_back(d);
  std::vector<AddFile> adds = s.files();
  for (auto& a : adds) a.data_change = false;  // checkpoints store dataChange=false
  std::sort(adds.begin(), adds.end(), [](const AddFile& x, const AddFile& y) { return x.path < y.path; });
  b.adds = adds;
  std::vector<RemoveFile> removes = s.tombstones();
  for (auto& r : removes) r.data_change = false;
  b.removes = removes;
  return out + log::SerializeActions(b);
}

TEST(SparkHash, MatchesSparkMurmur3OnStrings) {
  // Values of Spark SQL `hash(<string>)` (seed 42).
  EXPECT_EQ(util::SparkMurmur3("", 42), 142593372);
  EXPECT_EQ(util::SparkPmod(-7, 3), 2);
  EXPECT_EQ(util::SparkPmod(42, 3), 0);
}

TEST_F(CheckpointWriterTest, ClassicCheckpointRoundTripsTheWholeState) {
  MakeTable({});
  const std::string before = State(*Load());
  auto m = CreateCheckpoint(dir_.string());
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->kind, CheckpointKind::kClassic);
  EXPECT_EQ(m->version, 4);
  EXPECT_EQ(m->num_add_files, 5);
  // protocol, metaData, 2 txns, 1 domain, 5 adds, 1 tombstone
  EXPECT_EQ(m->num_actions, 11);
  EXPECT_EQ(m->path, "00000000000000000004.checkpoint.parquet");
  auto last = LastCheckpoint();
  EXPECT_EQ(last["version"], 4);
  EXPECT_EQ(last["size"], 11);
  EXPECT_EQ(last["numOfAddFiles"], 5);
  EXPECT_FALSE(last.contains("parts"));
  DropCommitsThrough(4);
  auto after = Load();
  EXPECT_EQ(after->checkpoint_version(), 4);
  EXPECT_EQ(State(*after), before);
}

TEST_F(CheckpointWriterTest, LargeTableGetsMultiPartCheckpointClusteredBySparkHash) {
  MakeTable({});
  const std::string before = State(*Load());
  CheckpointOptions o;
  o.part_size = 2;  // 6 file actions → 3 parts
  auto m = CreateCheckpoint(dir_.string(), o);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->kind, CheckpointKind::kMultiPart);
  EXPECT_EQ(m->num_parts, 3);
  EXPECT_EQ(LogNames(), (std::vector<std::string>{
                            "00000000000000000000.json", "00000000000000000001.json",
                            "00000000000000000002.json", "00000000000000000003.json",
                            "00000000000000000004.checkpoint.0000000001.0000000003.parquet",
                            "00000000000000000004.checkpoint.0000000002.0000000003.parquet",
                            "00000000000000000004.checkpoint.0000000003.0000000003.parquet",
                            "00000000000000000004.json", "_last_checkpoint"}));
  EXPECT_EQ(LastCheckpoint()["parts"], 3);
  // Each file action sits in part pmod(hash(path), 3) + 1; non-file actions in pmod(42, 3) + 1.
  int64_t rows = 0;
  for (int part = 1; part <= 3; ++part) {
    auto t = ReadParquet(dir_ / "_delta_log" / log::MultiPartCheckpointFileName(4, part, 3));
    rows += t->num_rows();
    for (const char* col : {"add", "remove"}) {
      auto arr = std::static_pointer_cast<arrow::StructArray>(t->GetColumnByName(col)->chunk(0));
      auto paths = std::static_pointer_cast<arrow::StringArray>(arr->GetFieldByName("path"));
      for (int64_t i = 0; i < arr->length(); ++i) {
        if (arr->IsNull(i)) continue;
        EXPECT_EQ(util::SparkPmod(util::SparkMurmur3(paths->GetString(i), 42), 3) + 1, part)
            << paths->GetString(i);
      }
    }
    const bool has_protocol = t->GetColumnByName("protocol")->null_count() < t->num_rows();
    EXPECT_EQ(has_protocol, part == util::SparkPmod(42, 3) + 1);
  }
  EXPECT_EQ(rows, 11);
  DropCommitsThrough(4);
  auto after = Load();
  EXPECT_EQ(after->checkpoint_version(), 4);
  EXPECT_EQ(State(*after), before);
}

TEST_F(CheckpointWriterTest, IncompleteMultiPartSetIsIgnoredByReaders) {
  MakeTable({});
  const std::string before = State(*Load());
  CheckpointOptions o;
  o.part_size = 2;
  ASSERT_TRUE(CreateCheckpoint(dir_.string(), o).ok());
  // A crash between renames leaves some parts: simulate it by removing one.
  fs::remove(dir_ / "_delta_log" / log::MultiPartCheckpointFileName(4, 2, 3));
  auto after = Load();
  EXPECT_EQ(after->checkpoint_version(), std::nullopt);  // replayed from the commits
  EXPECT_EQ(State(*after), before);
  // And leftover temporary files are not log files.
  EXPECT_EQ(log::ParseLogFileName(log::TempCheckpointFileName("abc")), std::nullopt);
}

TEST_F(CheckpointWriterTest, PartSizeMustBePositive) {
  MakeTable({});
  CheckpointOptions o;
  o.part_size = 0;
  auto m = CreateCheckpoint(dir_.string(), o);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(GetErrorCode(m.status()), ErrorCode::kInvalidArgument);
}

Protocol V2Protocol() {
  return Protocol{3, 7, std::vector<std::string>{"v2Checkpoint"},
                  std::vector<std::string>{"appendOnly", "invariants", "v2Checkpoint"}};
}

TEST_F(CheckpointWriterTest, V2CheckpointKeepsFileActionsInSidecars) {
  MakeTable({{"delta.checkpointPolicy", "v2"}}, V2Protocol());
  const std::string before = State(*Load());
  CheckpointOptions o;
  o.part_size = 4;  // 6 file actions → 2 sidecars
  auto m = CreateCheckpoint(dir_.string(), o);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->kind, CheckpointKind::kV2);
  EXPECT_EQ(m->num_sidecars, 2);
  auto parsed = log::ParseLogFileName(m->path);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->type, log::LogFileType::kCheckpointV2Parquet);
  EXPECT_EQ(parsed->version, 4);
  auto last = LastCheckpoint();
  EXPECT_EQ(last["v2Checkpoint"]["path"], m->path);
  EXPECT_EQ(last["numOfAddFiles"], 5);
  // Top level: checkpointMetadata, protocol, metaData, 2 txns, 1 domain, 2 sidecars; no files.
  auto top = ReadParquet(dir_ / "_delta_log" / m->path);
  EXPECT_EQ(top->num_rows(), 8);
  EXPECT_EQ(top->GetColumnByName("add")->null_count(), 8);
  auto sidecars = LogNames("_sidecars");
  ASSERT_EQ(sidecars.size(), 2u);
  int64_t side_rows = 0;
  for (const auto& s : sidecars) {
    auto t = ReadParquet(dir_ / "_delta_log" / "_sidecars" / s);
    EXPECT_EQ(t->schema()->num_fields(), 2);  // add, remove
    side_rows += t->num_rows();
  }
  EXPECT_EQ(side_rows, 6);
  DropCommitsThrough(4);
  auto after = Load();
  EXPECT_EQ(after->checkpoint_version(), 4);
  EXPECT_EQ(State(*after), before);
}

TEST_F(CheckpointWriterTest, V2CheckpointAsJsonRoundTrips) {
  MakeTable({{"delta.checkpointPolicy", "v2"}}, V2Protocol());
  const std::string before = State(*Load());
  CheckpointOptions o;
  o.v2_json = true;
  auto m = CreateCheckpoint(dir_.string(), o);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(log::ParseLogFileName(m->path)->type, log::LogFileType::kCheckpointV2Json);
  std::ifstream in(dir_ / "_delta_log" / m->path);
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first, "{\"checkpointMetadata\":{\"version\":4,\"tags\":null}}");
  DropCommitsThrough(4);
  EXPECT_EQ(State(*Load()), before);
}

TEST_F(CheckpointWriterTest, V2TableCanWriteTheCompatibleClassicNamedV2Checkpoint) {
  MakeTable({{"delta.checkpointPolicy", "v2"}}, V2Protocol());
  const std::string before = State(*Load());
  CheckpointOptions o;
  o.v2_classic_name = true;
  auto m = CreateCheckpoint(dir_.string(), o);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->path, "00000000000000000004.checkpoint.parquet");
  auto top = ReadParquet(dir_ / "_delta_log" / m->path);
  EXPECT_EQ(top->GetColumnByName("checkpointMetadata")->null_count(), top->num_rows() - 1);
  EXPECT_EQ(LogNames("_sidecars").size(), 1u);
  DropCommitsThrough(4);
  EXPECT_EQ(State(*Load()), before);
}

TEST_F(CheckpointWriterTest, TableSupportingV2CheckpointNeverGetsMultiPart) {
  MakeTable({}, V2Protocol());  // feature supported, policy classic
  CheckpointOptions o;
  o.part_size = 1;
  auto m = CreateCheckpoint(dir_.string(), o);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->kind, CheckpointKind::kClassic);
  EXPECT_EQ(m->path, "00000000000000000004.checkpoint.parquet");
}

TEST_F(CheckpointWriterTest, V2OptionsOnClassicTableAreRefused) {
  MakeTable({});
  CheckpointOptions o;
  o.v2_json = true;
  auto m = CreateCheckpoint(dir_.string(), o);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(GetErrorCode(m.status()), ErrorCode::kInvalidArgument);
}

TEST_F(CheckpointWriterTest, StatsParsedIsTypedByTheSchema) {
  MakeTable({});
  ASSERT_TRUE(CreateCheckpoint(dir_.string()).ok());
  auto t = ReadParquet(dir_ / "_delta_log" / "00000000000000000004.checkpoint.parquet");
  auto add = std::static_pointer_cast<arrow::StructType>(t->schema()->GetFieldByName("add")->type());
  auto ts = arrow::timestamp(arrow::TimeUnit::MICRO, "UTC");
  auto values = arrow::struct_({arrow::field("id", arrow::int64()), arrow::field("s", arrow::utf8()),
                                arrow::field("ts", ts)});
  EXPECT_TRUE(add->GetFieldByName("stats_parsed")
                  ->type()
                  ->Equals(arrow::struct_({arrow::field("numRecords", arrow::int64()),
                                           arrow::field("minValues", values),
                                           arrow::field("maxValues", values),
                                           arrow::field("nullCount", arrow::struct_({arrow::field("id", arrow::int64()),
                                                                                     arrow::field("s", arrow::int64()),
                                                                                     arrow::field("ts", arrow::int64())}))})))
      << add->ToString();
  EXPECT_TRUE(add->GetFieldByName("partitionValues_parsed")
                  ->type()
                  ->Equals(arrow::struct_({arrow::field("p", arrow::utf8())})));
  // The values: the add of part-2-1 has ids 25..29.
  auto adds = std::static_pointer_cast<arrow::StructArray>(t->GetColumnByName("add")->chunk(0));
  auto paths = std::static_pointer_cast<arrow::StringArray>(adds->GetFieldByName("path"));
  bool seen = false;
  for (int64_t i = 0; i < adds->length(); ++i) {
    if (adds->IsNull(i) || paths->GetString(i) != "p=y y/part-2-1.parquet") continue;
    seen = true;
    auto sp = std::static_pointer_cast<arrow::StructArray>(adds->GetFieldByName("stats_parsed"));
    auto scalar = *sp->GetScalar(i);
    EXPECT_EQ(scalar->ToString(),
              "{numRecords:int64 = 5, minValues:struct<id: int64, s: string, ts: timestamp[us, tz=UTC]> = "
              "{id:int64 = 25, s:string = a25, ts:timestamp[us, tz=UTC] = 2024-01-01 00:00:00.000000Z}, "
              "maxValues:struct<id: int64, s: string, ts: timestamp[us, tz=UTC]> = {id:int64 = 29, s:string = z, "
              "ts:timestamp[us, tz=UTC] = 2024-01-02 10:00:00.123000Z}, nullCount:struct<id: int64, s: int64, "
              "ts: int64> = {id:int64 = 0, s:int64 = 1, ts:int64 = 0}}");
    auto pv = std::static_pointer_cast<arrow::StructArray>(adds->GetFieldByName("partitionValues_parsed"));
    EXPECT_EQ((*pv->GetScalar(i))->ToString(), "{p:string = y y}");
  }
  EXPECT_TRUE(seen);
}

TEST_F(CheckpointWriterTest, StatsOnlyAsStructStillServeReaders) {
  MakeTable({{"delta.checkpoint.writeStatsAsJson", "false"}});
  ASSERT_TRUE(CreateCheckpoint(dir_.string()).ok());
  auto t = ReadParquet(dir_ / "_delta_log" / "00000000000000000004.checkpoint.parquet");
  auto add = std::static_pointer_cast<arrow::StructType>(t->schema()->GetFieldByName("add")->type());
  EXPECT_EQ(add->GetFieldByName("stats"), nullptr);
  ASSERT_NE(add->GetFieldByName("stats_parsed"), nullptr);
  DropCommitsThrough(4);
  auto after = Load();
  ASSERT_EQ(after->files().size(), 5u);
  for (const auto& f : after->files()) {
    ASSERT_TRUE(f.stats) << f.path;
    auto stats = nlohmann::json::parse(*f.stats);
    EXPECT_EQ(stats["numRecords"], 5);
    EXPECT_EQ(stats["nullCount"]["s"], 1);
    EXPECT_EQ(stats["maxValues"]["s"], "z");
  }
}

TEST_F(CheckpointWriterTest, NoStructStatsWhenDisabled) {
  MakeTable({{"delta.checkpoint.writeStatsAsStruct", "false"}});
  ASSERT_TRUE(CreateCheckpoint(dir_.string()).ok());
  auto t = ReadParquet(dir_ / "_delta_log" / "00000000000000000004.checkpoint.parquet");
  auto add = std::static_pointer_cast<arrow::StructType>(t->schema()->GetFieldByName("add")->type());
  EXPECT_EQ(add->GetFieldByName("stats_parsed"), nullptr);
  EXPECT_EQ(add->GetFieldByName("partitionValues_parsed"), nullptr);
  EXPECT_NE(add->GetFieldByName("stats"), nullptr);
}

TEST_F(CheckpointWriterTest, StatsParsedUsesPhysicalNamesUnderColumnMapping) {
  const std::string schema =
      R"({"type":"struct","fields":[)"
      R"({"name":"id","type":"long","nullable":true,"metadata":{"delta.columnMapping.id":1,"delta.columnMapping.physicalName":"col-id"}},)"
      R"({"name":"s","type":"string","nullable":true,"metadata":{"delta.columnMapping.id":2,"delta.columnMapping.physicalName":"col-s"}},)"
      R"({"name":"ts","type":"timestamp","nullable":true,"metadata":{"delta.columnMapping.id":3,"delta.columnMapping.physicalName":"col-ts"}},)"
      R"({"name":"p","type":"string","nullable":true,"metadata":{"delta.columnMapping.id":4,"delta.columnMapping.physicalName":"p"}}]})";
  MakeTable({{"delta.columnMapping.mode", "name"}, {"delta.columnMapping.maxColumnId", "4"}},
            Protocol{2, 5, {}, {}}, schema);
  ASSERT_TRUE(CreateCheckpoint(dir_.string()).ok());
  auto t = ReadParquet(dir_ / "_delta_log" / "00000000000000000004.checkpoint.parquet");
  auto add = std::static_pointer_cast<arrow::StructType>(t->schema()->GetFieldByName("add")->type());
  auto sp = std::static_pointer_cast<arrow::StructType>(add->GetFieldByName("stats_parsed")->type());
  auto min = sp->GetFieldByName("minValues")->type();
  EXPECT_EQ(min->ToString(), "struct<col-id: int64, col-s: string, col-ts: timestamp[us, tz=UTC]>");
}

TEST(RequiredProtocol, CheckpointPolicyV2AddsTheV2CheckpointFeature) {
  auto schema = arrow::schema({arrow::field("id", arrow::int64())});
  Protocol p = protocol::RequiredProtocol(Protocol{1, 2, {}, {}}, *schema, {{"delta.checkpointPolicy", "v2"}});
  EXPECT_EQ(p.min_reader_version, 3);
  EXPECT_EQ(p.min_writer_version, 7);
  EXPECT_EQ(p.reader_features, (std::vector<std::string>{"v2Checkpoint"}));
  EXPECT_EQ(p.writer_features, (std::vector<std::string>{"appendOnly", "invariants", "v2Checkpoint"}));
  EXPECT_TRUE(protocol::CheckWriteSupported(p, "t").ok());
  Protocol classic = protocol::RequiredProtocol(Protocol{1, 2, {}, {}}, *schema, {{"delta.checkpointPolicy", "classic"}});
  EXPECT_EQ(classic.min_reader_version, 1);
  EXPECT_EQ(classic.min_writer_version, 2);
}

}  // namespace
}  // namespace delta
