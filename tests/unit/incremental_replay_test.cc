// Incremental replay (log::ReplayOnto) against full replay, over random small logs: pure, no
// disk. The claim under test: replaying commits k..n onto the state at version k-1 gives
// exactly the state a full replay of 0..n gives (files in the same order, tombstones, txns,
// domains, protocol, metadata).
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "log/log_replay.h"

namespace delta::log {
namespace {

// A random log over a small pool of paths, so that keys collide often: adds, removes,
// deletion-vector swaps (remove (p, dv1) + add (p, dv2)), re-adds of removed paths, metadata
// and protocol changes, app transactions and domain metadata set and removed.
std::vector<ActionBatch> RandomLog(uint32_t seed, int num_commits) {
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint32_t>(n)); };
  std::vector<ActionBatch> log;
  // Live files: path -> dv id ("" for none).
  std::map<std::string, std::string> live;
  auto make_add = [&](const std::string& path, const std::string& dv, int64_t size) {
    AddFile a;
    a.path = path;
    a.size = size;
    if (!dv.empty()) {
      DeletionVectorDescriptor d;
      d.storage_type = "i";
      d.path_or_inline_dv = dv;
      d.cardinality = 1;
      a.deletion_vector = d;
    }
    return a;
  };
  auto make_remove = [&](const std::string& path, const std::string& dv) {
    RemoveFile r;
    r.path = path;
    if (!dv.empty()) r.deletion_vector = make_add(path, dv, 0).deletion_vector;
    return r;
  };
  for (int v = 0; v < num_commits; ++v) {
    ActionBatch c;
    if (v == 0 || pick(5) == 0) {
      Metadata m;
      m.id = "table";
      m.schema_string = "{\"type\":\"struct\",\"fields\":[]}";
      m.configuration["changed_at"] = std::to_string(v);
      c.metadata = m;
    }
    if (v == 0 || pick(7) == 0) {
      Protocol p;
      p.min_reader_version = 1;
      p.min_writer_version = 2 + pick(3);
      c.protocol = p;
    }
    std::set<std::string> touched;  // one action per key and commit (paths here)
    const int n = 1 + pick(4);
    for (int i = 0; i < n; ++i) {
      const std::string path = "f" + std::to_string(pick(8)) + (pick(2) ? "%20x.parquet" : ".parquet");
      if (!touched.insert(path).second) continue;
      auto it = live.find(path);
      const int what = pick(3);
      if (it == live.end()) {
        c.adds.push_back(make_add(path, "", v * 10 + i));
        live[path] = "";
      } else if (what == 0) {
        c.removes.push_back(make_remove(path, it->second));
        live.erase(it);
      } else if (what == 1) {  // new deletion vector: the old key goes, the new one comes
        std::string dv = "dv" + std::to_string(v) + "_" + std::to_string(i);
        c.removes.push_back(make_remove(path, it->second));
        c.adds.push_back(make_add(path, dv, v * 10 + i));
        it->second = dv;
      } else {  // the same key added again (newest add wins)
        c.adds.push_back(make_add(path, it->second, v * 10 + i + 1000));
      }
    }
    if (pick(3) == 0) c.txns.push_back({pick(2) ? "app-a" : "app-b", v, v});
    if (pick(3) == 0) {
      DomainMetadata d;
      d.domain = pick(2) ? "d1" : "d2";
      d.configuration = "{\"v\":" + std::to_string(v) + "}";
      d.removed = pick(3) == 0;
      c.domain_metadata.push_back(d);
    }
    log.push_back(std::move(c));
  }
  return log;
}

TableState FullReplay(const std::vector<ActionBatch>& log, size_t end, bool tombstones) {
  LogReplayer r(tombstones);
  for (size_t i = end; i-- > 0;) r.ApplyCommit(ActionBatch(log[i]));
  return r.Finish();
}

std::vector<std::string> Keys(const std::vector<AddFile>& files) {
  std::vector<std::string> out;
  for (const auto& f : files) {
    out.push_back(f.path + "#" + (f.deletion_vector ? f.deletion_vector->UniqueId() : "") + "#" +
                  std::to_string(f.size));
  }
  return out;
}

std::vector<std::string> Keys(const std::vector<RemoveFile>& files) {
  std::vector<std::string> out;
  for (const auto& f : files) {
    out.push_back(f.path + "#" + (f.deletion_vector ? f.deletion_vector->UniqueId() : ""));
  }
  return out;
}

void ExpectSameState(const TableState& a, const TableState& b, const std::string& where) {
  EXPECT_EQ(Keys(a.files), Keys(b.files)) << where;
  EXPECT_EQ(Keys(a.tombstones), Keys(b.tombstones)) << where;
  ASSERT_EQ(a.protocol.has_value(), b.protocol.has_value()) << where;
  if (a.protocol) {
    EXPECT_EQ(a.protocol->min_writer_version, b.protocol->min_writer_version) << where;
  }
  ASSERT_EQ(a.metadata.has_value(), b.metadata.has_value()) << where;
  if (a.metadata) {
    EXPECT_EQ(a.metadata->configuration, b.metadata->configuration) << where;
  }
  std::map<std::string, int64_t> ta, tb;
  for (const auto& [k, t] : a.txns) ta[k] = t.version;
  for (const auto& [k, t] : b.txns) tb[k] = t.version;
  EXPECT_EQ(ta, tb) << where;
  std::map<std::string, std::string> da, db;
  for (const auto& [k, d] : a.domains) da[k] = d.configuration;
  for (const auto& [k, d] : b.domains) db[k] = d.configuration;
  EXPECT_EQ(da, db) << where;
}

TEST(IncrementalReplay, CommitsOnABaseStateEqualFullReplayOverRandomLogs) {
  for (uint32_t seed = 1; seed <= 200; ++seed) {
    const int n = 2 + static_cast<int>(seed % 12);
    auto log = RandomLog(seed, n);
    for (bool tombstones : {false, true}) {
      TableState full = FullReplay(log, log.size(), tombstones);
      for (size_t split = 1; split < log.size(); ++split) {
        TableState base = FullReplay(log, split, tombstones);
        std::vector<ActionBatch> rest(log.begin() + static_cast<long>(split), log.end());
        TableState inc = ReplayOnto(std::move(base), std::move(rest), tombstones);
        ExpectSameState(full, inc,
                        "seed " + std::to_string(seed) + " split " + std::to_string(split) +
                            (tombstones ? " with tombstones" : ""));
        if (HasFailure()) return;
      }
    }
  }
}

TEST(IncrementalReplay, ChainedUpdatesEqualFullReplay) {
  // A writer loop: each commit applied alone onto the previous result.
  for (uint32_t seed = 300; seed < 340; ++seed) {
    auto log = RandomLog(seed, 15);
    TableState state = FullReplay(log, 1, false);
    for (size_t v = 1; v < log.size(); ++v) {
      state = ReplayOnto(std::move(state), {log[v]}, false);
      ExpectSameState(FullReplay(log, v + 1, false), state,
                      "seed " + std::to_string(seed) + " version " + std::to_string(v));
      if (HasFailure()) return;
    }
  }
}

TEST(IncrementalReplay, RemoveAcrossTheBoundaryDropsTheBaseFileAndDvSwapKeepsNewDv) {
  TableState base;
  base.protocol = Protocol{};
  base.metadata = Metadata{};
  AddFile a;
  a.path = "a b.parquet";
  base.files.push_back(a);
  AddFile b;
  b.path = "b.parquet";
  base.files.push_back(b);
  ActionBatch c;
  RemoveFile r;
  r.path = "a%20b.parquet";  // the same file, encoded differently
  c.removes.push_back(r);
  RemoveFile rb;
  rb.path = "b.parquet";
  c.removes.push_back(rb);
  AddFile b2 = b;
  b2.deletion_vector = DeletionVectorDescriptor{"i", "xyz", std::nullopt, 3, 1};
  c.adds.push_back(b2);
  TableState s = ReplayOnto(std::move(base), {c}, false);
  ASSERT_EQ(s.files.size(), 1u);
  EXPECT_EQ(s.files[0].path, "b.parquet");
  ASSERT_TRUE(s.files[0].deletion_vector);
  EXPECT_EQ(s.files[0].deletion_vector->path_or_inline_dv, "xyz");
}

}  // namespace
}  // namespace delta::log
