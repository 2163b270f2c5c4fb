// OPTIMIZE and Z-ORDER BY (include/delta/operations/optimize.h). The plan (which partitions,
// which bins) is pure (ops/optimize_plan.h); this file reads, rewrites and commits.
#include "delta/operations/optimize.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <deque>
#include <map>
#include <set>

#include <arrow/array/concatenate.h>
#include <arrow/compute/api.h>
#include <arrow/table.h>
#include <arrow/util/future.h>
#include <arrow/util/thread_pool.h>
#include <arrow/util/byte_size.h>
#include <nlohmann/json.hpp>

#include "delta/error.h"
#include "delta/scan.h"
#include "delta/schema.h"
#include "ops/optimize_plan.h"
#include "ops/zorder_external.h"
#include "protocol/table_features.h"
#include "scan/file_reader.h"
#include "storage/table_location.h"
#include "table/snapshot_loader.h"
#include "util/compute_init.h"
#include "write/data_file_writer.h"
#include "write/footer_stats.h"
#include "write/schema_enforcement.h"

namespace delta {
namespace {

constexpr int64_t kDefaultOptimizeTargetSize = 1LL << 30;  // spark.databricks.delta.optimize.maxFileSize
// Tag on files written by Z-ORDER BY: the columns, as a JSON array. Our own name: Databricks'
// ZCUBE_* tags come with cube ids deltacpp does not maintain.
constexpr const char* kZOrderTag = "deltacpp.zOrderBy";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

arrow::Result<int64_t> TargetSize(const OptimizeOptions& o, const Metadata& md) {
  if (o.target_file_size) {
    if (*o.target_file_size <= 0) return DELTA_ERROR(kInvalidArgument, "the target file size must be positive");
    return *o.target_file_size;
  }
  auto it = md.configuration.find("delta.targetFileSize");
  if (it != md.configuration.end()) {
    auto size = ParseByteSize(it->second);
    if (size.ok() && *size > 0) return *size;
  }
  return kDefaultOptimizeTargetSize;
}

bool IsOrderable(const arrow::DataType& t) {
  return arrow::is_integer(t.id()) || arrow::is_floating(t.id()) || arrow::is_decimal(t.id()) ||
         arrow::is_string(t.id()) || arrow::is_binary(t.id()) || t.id() == arrow::Type::BOOL ||
         t.id() == arrow::Type::DATE32 || t.id() == arrow::Type::DATE64 ||
         t.id() == arrow::Type::TIMESTAMP;
}

int CountLeaves(const arrow::DataType& t) {
  if (t.id() != arrow::Type::STRUCT) return 1;
  int n = 0;
  for (const auto& f : t.fields()) n += CountLeaves(*f->type());
  return n;
}

// Spark's checks on ZORDER BY columns: data columns, with statistics, orderable.
arrow::Status ValidateZOrderColumns(const Snapshot& snapshot, const std::vector<std::string>& cols,
                                    int64_t* num_columns_with_stats) {
  const auto& schema = *snapshot.schema();
  const auto& pcs = snapshot.partition_columns();
  auto stats = write::StatsConfigFor(snapshot.metadata().configuration, snapshot.column_mapping_mode());
  // Leaf position of each top-level data column, as delta.dataSkippingNumIndexedCols counts.
  std::map<std::string, int> first_leaf;
  int leaves = 0;
  for (const auto& f : schema.fields()) {
    if (std::find(pcs.begin(), pcs.end(), f->name()) != pcs.end()) continue;
    first_leaf[f->name()] = leaves;
    leaves += CountLeaves(*f->type());
  }
  *num_columns_with_stats = stats.stats_columns.empty()
                                ? (stats.num_indexed_cols < 0 ? leaves : std::min(leaves, stats.num_indexed_cols))
                                : static_cast<int64_t>(stats.stats_columns.size());
  std::vector<std::string> seen;
  for (const auto& c : cols) {
    if (std::find(seen.begin(), seen.end(), c) != seen.end()) {
      return DELTA_ERROR(kInvalidArgument, "column ", c, " appears twice in ZORDER BY");
    }
    seen.push_back(c);
    auto field = schema.GetFieldByName(c);
    if (!field) return DELTA_ERROR(kInvalidArgument, "ZORDER BY column ", c, " does not exist in the table schema");
    if (std::find(pcs.begin(), pcs.end(), c) != pcs.end()) {
      return DELTA_ERROR(kInvalidArgument, c,
                         " is a partition column. Z-Ordering can only be performed on data columns");
    }
    if (!IsOrderable(*field->type())) {
      return DELTA_ERROR(kInvalidArgument, "ZORDER BY column ", c, " has type ", field->type()->ToString(),
                         ", which is not orderable");
    }
    bool has_stats;
    if (!stats.stats_columns.empty()) {
      has_stats = std::find(stats.stats_columns.begin(), stats.stats_columns.end(), c) != stats.stats_columns.end();
    } else {
      has_stats = stats.num_indexed_cols < 0 || first_leaf[c] < stats.num_indexed_cols;
    }
    if (!has_stats) {
      return DELTA_ERROR(kInvalidArgument, "Z-Ordering on [", c,
                         "] will be ineffective, because we currently do not collect stats for these "
                         "columns (see delta.dataSkippingNumIndexedCols / delta.dataSkippingStatsColumns)");
    }
  }
  return arrow::Status::OK();
}

void Merge(FileSizeMetrics* m, int64_t size) {
  m->min = m->min ? std::min(*m->min, size) : size;
  m->max = m->max ? std::max(*m->max, size) : size;
  m->total_files += 1;
  m->total_size += size;
  m->avg = static_cast<double>(m->total_size) / static_cast<double>(m->total_files);
}

// What one partition contributes: the files to rewrite, in groups written separately.
struct PartitionWork {
  std::vector<std::vector<const AddFile*>> bins;
};

}  // namespace

arrow::Result<int64_t> ParseByteSize(const std::string& text) {
  size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  size_t start = i;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == start) return DELTA_ERROR(kInvalidArgument, "not a size: '", text, "' (e.g. 256MB, 1GB, 1048576)");
  int64_t value;
  try {
    value = std::stoll(text.substr(start, i - start));
  } catch (...) {
    return DELTA_ERROR(kInvalidArgument, "not a size: '", text, "'");
  }
  std::string unit;
  for (; i < text.size(); ++i) {
    if (!std::isspace(static_cast<unsigned char>(text[i]))) unit += static_cast<char>(std::tolower(text[i]));
  }
  int shift = 0;
  if (unit.empty() || unit == "b") {
    shift = 0;
  } else {
    static const std::string kUnits = "kmgt";
    auto pos = kUnits.find(unit[0]);
    std::string rest = unit.substr(1);
    if (pos == std::string::npos || !(rest.empty() || rest == "b" || rest == "ib")) {
      return DELTA_ERROR(kInvalidArgument, "not a size: '", text, "' (units: B, KB, MB, GB, TB)");
    }
    shift = 10 * static_cast<int>(pos + 1);
  }
  if (value > (INT64_MAX >> shift)) return DELTA_ERROR(kInvalidArgument, "size too large: '", text, "'");
  return value << shift;
}

arrow::Result<OptimizeMetrics> Optimize(const std::string& uri, const OptimizeOptions& options) {
  ARROW_RETURN_NOT_OK(util::EnsureComputeInitialized());
  OptimizeMetrics metrics;
  metrics.start_time_ms = NowMs();
  metrics.zorder_by = options.zorder_by;
  metrics.preserve_insertion_order = options.zorder_by.empty();
  ARROW_ASSIGN_OR_RAISE(auto loc, storage::ResolveTableLocation(uri));
  ARROW_ASSIGN_OR_RAISE(auto snapshot, table::LoadSnapshot(loc, std::nullopt));
  ARROW_RETURN_NOT_OK(protocol::CheckWriteSupported(snapshot->protocol(), uri));
  metrics.version = snapshot->version();
  const auto& md = snapshot->metadata();
  const auto& schema = snapshot->schema();
  const auto& pcs = snapshot->partition_columns();
  metrics.num_table_columns = schema->num_fields();

  if (options.where) {
    for (const auto& path : options.where->ReferencedColumns()) {
      std::string name = path.empty() ? "" : path[0];
      if (path.size() != 1 || std::find(pcs.begin(), pcs.end(), name) == pcs.end()) {
        return DELTA_ERROR(kInvalidArgument, "Predicate references non-partition column '", name,
                           "'. Only the partition columns may be referenced: [",
                           [&] {
                             std::string s;
                             for (const auto& p : pcs) s += (s.empty() ? "" : ", ") + p;
                             return s;
                           }(),
                           "]");
      }
    }
  }
  const bool zorder = !options.zorder_by.empty();
  int64_t with_stats = 0;
  ARROW_RETURN_NOT_OK(ValidateZOrderColumns(*snapshot, options.zorder_by, &with_stats));
  metrics.num_table_columns_with_stats = with_stats;
  ARROW_ASSIGN_OR_RAISE(const int64_t target, TargetSize(options, md));
  const std::string zorder_tag = nlohmann::json(options.zorder_by).dump();

  // Partitions in scope, files in snapshot order.
  std::map<PartitionValues, std::vector<const AddFile*>> partitions;
  const std::set<PartitionValues> only(options.partitions.begin(), options.partitions.end());
  std::optional<SkippingPredicate> where;
  if (options.where) where.emplace(options.where, schema);
  for (const auto& f : snapshot->files()) {
    if (!only.empty() && !only.count(f.partition_values)) continue;
    if (options.max_input_file_size && f.size >= *options.max_input_file_size && !f.deletion_vector) continue;
    if (where && !where->MayMatch(GetFileStatistics(*snapshot, f, where->columns()))) continue;
    partitions[f.partition_values].push_back(&f);
    ++metrics.total_considered_files;
  }

  // Plan.
  std::vector<PartitionWork> work;
  int64_t total_bins = 0;
  for (const auto& [pv, files] : partitions) {
    PartitionWork pw;
    if (zorder) {
      // Every file written by a Z-ORDER BY of the same columns, none changed since: clustered.
      bool clustered = std::all_of(files.begin(), files.end(), [&](const AddFile* f) {
                         auto it = f->tags.find(kZOrderTag);
                         return !f->deletion_vector && it != f->tags.end() && it->second == zorder_tag;
                       });
      if (!clustered) pw.bins.push_back(files);
    } else {
      std::vector<ops::BinPackFile> sizes;
      for (const auto* f : files) sizes.push_back({f->size, f->deletion_vector.has_value()});
      for (const auto& bin : ops::PackBins(sizes, target, options.min_files_per_bin)) {
        std::vector<const AddFile*> b;
        for (size_t i : bin) b.push_back(files[i]);
        pw.bins.push_back(std::move(b));
      }
    }
    if (pw.bins.empty()) continue;
    total_bins += static_cast<int64_t>(pw.bins.size());
    work.push_back(std::move(pw));
  }
  metrics.num_bins = total_bins;
  if (work.empty()) {
    metrics.total_files_skipped = metrics.total_considered_files;
    metrics.end_time_ms = NowMs();
    return metrics;
  }

  // Rewrite.
  ARROW_ASSIGN_OR_RAISE(auto mapping, protocol::GetColumnMappingMode(md));
  write::DataFileWriterOptions wo;
  wo.table_root = loc.root;
  wo.schema = schema;
  wo.partition_columns = pcs;
  wo.mapping = mapping;
  wo.stats = write::StatsConfigFor(md.configuration, mapping);
  wo.target_file_size = target;
  wo.compression = options.compression;
  ARROW_ASSIGN_OR_RAISE(auto writer, write::DataFileWriter::Make(loc.fs, wo));
  auto cleanup = [&](const arrow::Status& st) {
    for (const auto& p : writer->written_paths()) (void)loc.fs->DeleteFile(p);
    return st;
  };
  scan::ReadPlan plan;
  plan.read_schema = schema;
  for (int i = 0; i < schema->num_fields(); ++i) plan.output_columns.push_back(i);
  plan.output_schema = schema;

  std::vector<AddFile> adds;
  std::vector<const AddFile*> removed;
  int64_t done = 0;
  auto run = [&]() -> arrow::Status {
    for (const auto& pw : work) {
      ++metrics.partitions_optimized;
      for (const auto& bin : pw.bins) {
        int64_t bin_bytes = 0;
        for (const auto* f : bin) bin_bytes += f->size;
        const int64_t ranges = (bin_bytes + target - 1) / target;
        if (zorder && ranges >= 2) {
          // More than one output file: cluster in bounded memory through spill files.
          scan::ReadPlan keys_plan;
          arrow::FieldVector key_fields;
          for (const auto& c : options.zorder_by) key_fields.push_back(schema->GetFieldByName(c));
          keys_plan.read_schema = arrow::schema(key_fields);
          for (int i = 0; i < keys_plan.read_schema->num_fields(); ++i) keys_plan.output_columns.push_back(i);
          keys_plan.output_schema = keys_plan.read_schema;
          ops::ExternalZOrderOptions zo;
          zo.columns = options.zorder_by;
          zo.num_ranges = ranges;
          zo.spill_dir = options.spill_dir;
          auto read = [&](int64_t i, bool keys_only) -> arrow::Result<ops::BatchVector> {
            const AddFile& file = *bin[static_cast<size_t>(i)];
            ARROW_ASSIGN_OR_RAISE(auto batches, scan::ReadDataFile(*snapshot, file, keys_only ? keys_plan : plan));
            if (keys_only) return batches;
            for (auto& b : batches) {
              ARROW_ASSIGN_OR_RAISE(b, write::ConformBatch(*b, schema));
              metrics.num_output_rows += b->num_rows();
            }
            return batches;
          };
          ARROW_RETURN_NOT_OK(ops::ExternalZOrder(
              static_cast<int64_t>(bin.size()), read,
              [&](const std::shared_ptr<arrow::RecordBatch>& b) { return writer->Write(b); }, zo));
          for (const auto* f : bin) removed.push_back(f);
        } else {
        std::vector<std::shared_ptr<arrow::RecordBatch>> batches;  // Z-ORDER: the whole bin
        // Files are read ahead on Arrow's CPU pool (a window of max_concurrent_reads) and
        // written in bin order.
        using FileBatches = std::vector<std::shared_ptr<arrow::RecordBatch>>;
        std::deque<arrow::Future<FileBatches>> inflight;
        size_t next = 0;
        const size_t window = static_cast<size_t>(std::max(1, options.max_concurrent_reads));
        auto fill = [&] {
          while (inflight.size() < window && next < bin.size()) {
            const AddFile* file = bin[next++];
            const scan::ReadPlan* p = &plan;
            const Snapshot* snap = snapshot.get();
            inflight.push_back(arrow::DeferNotOk(arrow::internal::GetCpuThreadPool()->Submit(
                [snap, file, p]() { return scan::ReadDataFile(*snap, *file, *p); })));
          }
        };
        // Reads still in flight reference the plan and the snapshot: wait for them on error.
        struct Drain {
          std::deque<arrow::Future<FileBatches>>* q;
          ~Drain() {
            for (auto& f : *q) f.Wait();
          }
        } drain{&inflight};
        for (const auto* f : bin) {
          fill();
          auto fut = std::move(inflight.front());
          inflight.pop_front();
          ARROW_ASSIGN_OR_RAISE(auto read, fut.result());
          for (const auto& b : read) {
            ARROW_ASSIGN_OR_RAISE(auto conformed, write::ConformBatch(*b, schema));
            metrics.num_output_rows += conformed->num_rows();
            if (zorder) {
              batches.push_back(std::move(conformed));
            } else if (conformed->num_rows() > 0) {
              ARROW_RETURN_NOT_OK(writer->Write(conformed));
            }
          }
          removed.push_back(f);
        }
        if (zorder && !batches.empty()) {
          ARROW_ASSIGN_OR_RAISE(auto table, arrow::Table::FromRecordBatches(schema, batches));
          batches.clear();
          std::vector<std::shared_ptr<arrow::Array>> key_columns;
          for (const auto& c : options.zorder_by) {
            auto chunked = table->GetColumnByName(c);
            ARROW_ASSIGN_OR_RAISE(auto array, arrow::Concatenate(chunked->chunks()));
            key_columns.push_back(std::move(array));
          }
          ARROW_ASSIGN_OR_RAISE(auto keys, ops::ZOrderKeys(key_columns));
          key_columns.clear();
          ARROW_ASSIGN_OR_RAISE(auto order, arrow::compute::SortIndices(*keys));
          ARROW_ASSIGN_OR_RAISE(auto sorted, arrow::compute::Take(table, order));
          table.reset();
          // Batches of at most a quarter of a target (raw bytes) keep the files close to it.
          const auto& st = sorted.table();
          const int64_t raw = arrow::util::TotalBufferSize(*st);
          const int64_t row_bytes = std::max<int64_t>(1, raw / std::max<int64_t>(1, st->num_rows()));
          arrow::TableBatchReader reader(*st);
          reader.set_chunksize(std::clamp<int64_t>(target / 4 / row_bytes, 1024, 64 * 1024));
          std::shared_ptr<arrow::RecordBatch> b;
          while (true) {
            ARROW_RETURN_NOT_OK(reader.ReadNext(&b));
            if (!b) break;
            ARROW_RETURN_NOT_OK(writer->Write(b));
          }
        }
        }  // in-memory path
        ARROW_ASSIGN_OR_RAISE(auto written, writer->Finish());
        for (auto& a : written) {
          a.data_change = false;
          if (zorder) a.tags[kZOrderTag] = zorder_tag;
          adds.push_back(std::move(a));
        }
        ++done;
        if (options.progress) options.progress(done, total_bins);
      }
    }
    return arrow::Status::OK();
  };
  if (auto st = run(); !st.ok()) return cleanup(st);

  // Commit.
  auto txn_r = Transaction::Begin(uri, snapshot, options.transaction);
  if (!txn_r.ok()) return cleanup(txn_r.status());
  auto& txn = *txn_r;
  const int64_t now = NowMs();
  std::vector<AddFile> read_files;
  for (const auto* f : removed) {
    Merge(&metrics.files_removed, f->size);
    if (f->deletion_vector) {
      ++metrics.num_deletion_vectors_removed;
      metrics.num_deletion_vector_rows_removed += f->deletion_vector->cardinality;
    }
    txn->RemoveDataFile(RemoveOf(*f, now, /*data_change=*/false));
    read_files.push_back(*f);
  }
  txn->MarkFilesRead(read_files);
  std::vector<int64_t> sizes;
  for (auto& a : adds) {
    Merge(&metrics.files_added, a.size);
    sizes.push_back(a.size);
    txn->AddDataFile(std::move(a));
  }
  std::sort(sizes.begin(), sizes.end());
  metrics.num_files_added = metrics.files_added.total_files;
  metrics.num_files_removed = metrics.files_removed.total_files;
  metrics.total_files_skipped = metrics.total_considered_files - metrics.num_files_removed;
  metrics.num_batches = 1;

  std::vector<std::string> predicates;
  if (options.where) predicates.push_back(options.where->ToString());
  std::map<std::string, std::string> params{
      {"predicate", nlohmann::json(nlohmann::json(predicates).dump()).dump()},
      {"zOrderBy", nlohmann::json(nlohmann::json(options.zorder_by).dump()).dump()},
      {"clusterBy", nlohmann::json(std::string("[]")).dump()},
      {"auto", options.auto_compact ? "true" : "false"}};
  auto at = [&](size_t num, size_t den) { return sizes.empty() ? 0 : sizes[sizes.size() * num / den]; };
  std::map<std::string, std::string> m{
      {"numRemovedFiles", std::to_string(metrics.num_files_removed)},
      {"numRemovedBytes", std::to_string(metrics.files_removed.total_size)},
      {"numAddedFiles", std::to_string(metrics.num_files_added)},
      {"numAddedBytes", std::to_string(metrics.files_added.total_size)},
      {"minFileSize", std::to_string(sizes.empty() ? 0 : sizes.front())},
      {"p25FileSize", std::to_string(at(1, 4))},
      {"p50FileSize", std::to_string(at(1, 2))},
      {"p75FileSize", std::to_string(at(3, 4))},
      {"maxFileSize", std::to_string(sizes.empty() ? 0 : sizes.back())},
      {"numDeletionVectorsRemoved", std::to_string(metrics.num_deletion_vectors_removed)}};
  txn->SetOperation("OPTIMIZE", params, m);
  auto committed = txn->Commit();
  if (!committed.ok()) return cleanup(committed.status());
  metrics.version = committed->version;
  metrics.end_time_ms = NowMs();
  return metrics;
}

}  // namespace delta
