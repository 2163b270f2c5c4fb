#include "delta/write.h"

#include <set>

#include <arrow/array/util.h>
#include <arrow/compute/api.h>
#include <arrow/util/key_value_metadata.h>
#include <nlohmann/json.hpp>

#include "delta/error.h"
#include "delta/operations/optimize.h"
#include "delta/scan.h"
#include "delta/schema.h"
#include "log/wire_names.h"
#include "protocol/table_features.h"
#include "scan/file_reader.h"
#include "scan/partition_values.h"
#include "storage/table_location.h"
#include "table/snapshot_loader.h"
#include "write/constraints.h"
#include "write/data_file_writer.h"
#include "write/footer_stats.h"
#include "write/generated_columns.h"
#include "protocol/type_widening.h"
#include "util/compute_init.h"
#include "util/strings.h"
#include "util/uuid.h"
#include "write/schema_enforcement.h"

namespace delta {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string ModeName(WriteMode m) {
  switch (m) {
    case WriteMode::kAppend: return "Append";
    case WriteMode::kOverwrite: return "Overwrite";
    case WriteMode::kErrorIfExists: return "ErrorIfExists";
    case WriteMode::kIgnore: return "Ignore";
  }
  return "Append";
}

int64_t TargetFileSize(const WriteOptions& o, const std::map<std::string, std::string>& conf) {
  if (o.target_file_size) return *o.target_file_size;
  auto it = conf.find("delta.targetFileSize");
  if (it != conf.end()) {
    // Spark accepts sizes with units ("64mb"), as OPTIMIZE and the doctor read them.
    auto size = ParseByteSize(it->second);
    if (size.ok() && *size > 0) return *size;
  }
  return 128LL << 20;
}

bool AutoCompactEnabled(const Metadata& md) {
  auto it = md.configuration.find("delta.autoOptimize.autoCompact");
  if (it == md.configuration.end()) return false;
  const std::string v = util::ToLower(it->second);
  return v == "true" || v == "auto" || v == "legacy";
}

// Spark's auto compaction: after the write's commit, the partitions it touched that hold at
// least min_files small files are compacted by one OPTIMIZE commit (auto=true).
arrow::Status AutoCompact(const std::string& uri, const Snapshot& after, const std::set<PartitionValues>& touched,
                          const WriteOptions& options, WriteMetrics* metrics) {
  std::map<PartitionValues, int64_t> small;
  for (const auto& f : after.files()) {
    if (f.size < options.auto_compact_max_file_size && touched.count(f.partition_values)) ++small[f.partition_values];
  }
  OptimizeOptions o;
  for (const auto& [pv, n] : small) {
    if (n >= options.auto_compact_min_files) o.partitions.push_back(pv);
  }
  if (o.partitions.empty()) return arrow::Status::OK();
  o.auto_compact = true;
  o.target_file_size = options.auto_compact_max_file_size;
  o.max_input_file_size = options.auto_compact_max_file_size;
  o.transaction = options.transaction;
  ARROW_ASSIGN_OR_RAISE(auto m, Optimize(uri, o));
  if (m.num_files_removed > 0) metrics->auto_compact_version = m.version;
  metrics->auto_compact_files_removed = m.num_files_removed;
  metrics->auto_compact_files_added = m.num_files_added;
  return arrow::Status::OK();
}

bool OnlyPartitionColumns(const Expr& e, const std::vector<std::string>& pcs) {
  for (const auto& path : e.ReferencedColumns()) {
    if (path.size() != 1 || std::find(pcs.begin(), pcs.end(), path[0]) == pcs.end()) return false;
  }
  return true;
}

// (p1 = v1 AND p2 IS NULL ...) OR ... over the given partitions (values keyed by physical name).
arrow::Result<ExprPtr> PartitionsPredicate(const std::set<PartitionValues>& partitions,
                                           const std::vector<std::string>& partition_columns,
                                           const arrow::Schema& schema, ColumnMappingMode mapping) {
  ExprPtr any;
  for (const auto& pv : partitions) {
    ExprPtr all;
    for (const auto& pc : partition_columns) {
      const auto& field = schema.GetFieldByName(pc);
      auto it = pv.find(PhysicalName(*field, mapping));
      std::optional<std::string> text = it == pv.end() ? std::nullopt : it->second;
      ARROW_ASSIGN_OR_RAISE(auto value, scan::ParsePartitionValue(text, field->type(), pc));
      ExprPtr term = value->is_valid ? Expr::Call("==", {Expr::Column({pc}), Expr::Literal(value)})
                                     : Expr::Call("is_null", {Expr::Column({pc})});
      all = all ? Expr::Call("and", {all, term}) : term;
    }
    any = any ? Expr::Call("or", {any, all}) : all;
  }
  // No partition written: nothing is replaced, so nothing was read.
  return any ? any : Expr::Literal(std::make_shared<arrow::BooleanScalar>(false));
}

}  // namespace

arrow::Result<WriteMetrics> WriteTable(const std::string& uri,
                                       std::shared_ptr<arrow::RecordBatchReader> data,
                                       const WriteOptions& options) {
  ARROW_RETURN_NOT_OK(util::EnsureComputeInitialized());
  WriteMetrics metrics;
  ARROW_ASSIGN_OR_RAISE(auto loc, storage::ResolveTableLocation(uri));
  std::shared_ptr<const Snapshot> snapshot;
  const bool return_snapshot = options.return_snapshot;
  if (options.snapshot) {
    ARROW_ASSIGN_OR_RAISE(snapshot, table::UpdateSnapshot(loc, options.snapshot, std::nullopt));
  } else {
    auto listing = storage::ListLog(loc, /*with_times=*/false);
    if (listing.ok() && !listing->empty()) {
      ARROW_ASSIGN_OR_RAISE(snapshot, table::LoadSnapshotFromListing(loc, *listing, std::nullopt));
    } else if (!listing.ok() && GetErrorCode(listing.status()) != ErrorCode::kTableNotFound) {
      return listing.status();
    }
  }
  if (snapshot) {
    if (options.mode == WriteMode::kErrorIfExists) {
      return DELTA_ERROR(kInvalidArgument, "table ", uri, " already exists (version ",
                         snapshot->version(), ") and the write mode is error-if-exists");
    }
    if (options.mode == WriteMode::kIgnore) {
      metrics.skipped = true;
      metrics.version = snapshot->version();
      if (return_snapshot) metrics.snapshot = snapshot;
      return metrics;
    }
    ARROW_RETURN_NOT_OK(protocol::CheckWriteSupported(snapshot->protocol(), uri));
    if (options.app_transaction) {
      auto it = snapshot->app_transactions().find(options.app_transaction->first);
      if (it != snapshot->app_transactions().end() && it->second.version >= options.app_transaction->second) {
        metrics.skipped = true;
        metrics.version = snapshot->version();
        if (return_snapshot) metrics.snapshot = snapshot;
        return metrics;
      }
    }
  }
  if (options.replace_where && options.mode != WriteMode::kOverwrite) {
    return DELTA_ERROR(kInvalidArgument, "replaceWhere needs overwrite mode");
  }
  if (options.dynamic_partition_overwrite) {
    if (options.mode != WriteMode::kOverwrite) {
      return DELTA_ERROR(kInvalidArgument, "dynamic partition overwrite needs overwrite mode");
    }
    if (options.replace_where) {
      return DELTA_ERROR(kInvalidArgument,
                         "replaceWhere and dynamic partition overwrite cannot both be set");
    }
  }

  // The schema after this write, and the metadata/protocol actions it needs.
  ARROW_ASSIGN_OR_RAISE(auto data_schema, write::NormalizeSchema(*data->schema()));
  std::optional<Metadata> new_metadata;
  std::optional<Protocol> new_protocol;
  Metadata md;
  std::shared_ptr<arrow::Schema> schema;
  if (!snapshot) {
    md.id = util::NewUuid();
    md.name = options.name;
    md.description = options.description;
    md.partition_columns = options.partition_by;
    md.configuration = options.configuration;
    md.created_time = NowMs();
    schema = data_schema;
    ARROW_RETURN_NOT_OK(write::ValidateGenerationExpressions(*schema));
    for (const auto& pc : md.partition_columns) {
      if (schema->GetFieldIndex(pc) < 0) {
        return DELTA_ERROR(kSchemaMismatch, "partition column '", pc, "' is not in the data");
      }
    }
    ARROW_ASSIGN_OR_RAISE(auto mode, protocol::GetColumnMappingMode(md));
    if (mode != ColumnMappingMode::kNone) {
      int64_t next_id = 0;
      schema = AssignColumnMapping(*schema, &next_id, /*keep_names=*/false);
      md.configuration["delta.columnMapping.maxColumnId"] = std::to_string(next_id);
    }
    new_protocol = protocol::RequiredProtocol(Protocol{1, 1, std::nullopt, std::nullopt}, *schema, md.configuration,
                                            /*defines_schema=*/true);
  } else {
    md = snapshot->metadata();
    if (!options.partition_by.empty() && options.partition_by != md.partition_columns &&
        !(options.mode == WriteMode::kOverwrite && options.schema_mode == SchemaMode::kOverwrite)) {
      return DELTA_ERROR(kSchemaMismatch, "table ", uri, " is partitioned by [",
                         StrCat(md.partition_columns.size()), " columns] which differs from the requested partitioning");
    }
    if (options.mode == WriteMode::kOverwrite && options.schema_mode == SchemaMode::kOverwrite) {
      schema = data_schema;
      ARROW_RETURN_NOT_OK(write::ValidateGenerationExpressions(*schema));
      if (!options.partition_by.empty()) md.partition_columns = options.partition_by;
    } else {
      // Generated columns the data lacks are computed below, so they are not missing.
      auto data_for_table = protocol::SupportsWriterFeature(snapshot->protocol(), "generatedColumns")
                                ? write::WithGeneratedFields(*snapshot->schema(), *data_schema)
                                : data_schema;
      // Merging into a table with type widening enabled widens columns the data has wider
      // (recorded in delta.typeChanges), as Spark's schema evolution does.
      const bool widen = options.schema_mode == SchemaMode::kMerge &&
                         protocol::SupportsTypeWidening(snapshot->protocol()) &&
                         protocol::BoolProperty(md, wire::kEnableTypeWidening, false);
      ARROW_ASSIGN_OR_RAISE(schema, write::ReconcileSchemas(*snapshot->schema(), *data_for_table,
                                                            options.schema_mode == SchemaMode::kMerge,
                                                            widen));
      if (widen) {
        ARROW_ASSIGN_OR_RAISE(schema, protocol::RecordTypeChanges(*snapshot->schema(), *schema));
      }
    }
    ARROW_ASSIGN_OR_RAISE(auto mode, protocol::GetColumnMappingMode(md));
    if (mode != ColumnMappingMode::kNone) {
      // Columns added by schema evolution get ids and physical names too.
      int64_t max_id = std::atoll(md.configuration["delta.columnMapping.maxColumnId"].c_str());
      schema = AssignColumnMapping(*schema, &max_id, /*keep_names=*/false);
      md.configuration["delta.columnMapping.maxColumnId"] = std::to_string(max_id);
    }
  }
  ARROW_ASSIGN_OR_RAISE(std::string schema_json, SchemaToDeltaJson(*schema));
  if (!snapshot || schema_json != md.schema_string) {
    md.schema_string = schema_json;
    new_metadata = md;
  }
  if (snapshot && new_metadata) {
    // A changed schema may need a higher protocol (e.g. a column widened to timestamp_ntz).
    const bool replaced_schema =
        options.mode == WriteMode::kOverwrite && options.schema_mode == SchemaMode::kOverwrite;
    Protocol p = protocol::RequiredProtocol(snapshot->protocol(), *schema, md.configuration, replaced_schema);
    const Protocol& old = snapshot->protocol();
    if (p.min_reader_version != old.min_reader_version || p.min_writer_version != old.min_writer_version ||
        p.reader_features != old.reader_features || p.writer_features != old.writer_features) {
      new_protocol = p;
    }
  }
  const Protocol effective_protocol = new_protocol ? *new_protocol : snapshot->protocol();
  ARROW_ASSIGN_OR_RAISE(auto generated, write::GeneratedColumns::Make(
      schema, protocol::SupportsWriterFeature(effective_protocol, "generatedColumns")));
  ARROW_ASSIGN_OR_RAISE(auto mapping, protocol::GetColumnMappingMode(md));

  write::DataFileWriterOptions wo;
  wo.table_root = loc.root;
  wo.schema = schema;
  wo.partition_columns = md.partition_columns;
  wo.mapping = mapping;
  wo.stats = write::StatsConfigFor(md.configuration, mapping);
  wo.target_file_size = TargetFileSize(options, md.configuration);
  wo.max_rows_per_file = options.max_rows_per_file;
  wo.compression = options.compression;
  ARROW_ASSIGN_OR_RAISE(auto writer, write::DataFileWriter::Make(loc.fs, wo));
  auto cleanup = [&](const arrow::Status& st) {
    for (const auto& p : writer->written_paths()) (void)loc.fs->DeleteFile(p);
    return st;
  };

  ARROW_ASSIGN_OR_RAISE(auto constraints, write::ConstraintChecker::Make(md.configuration, schema));
  std::optional<arrow::compute::Expression> replace_check;
  if (options.replace_where) {
    ARROW_ASSIGN_OR_RAISE(auto e, ToArrowExpression(*write::NotTrue(options.replace_where), *schema));
    ARROW_ASSIGN_OR_RAISE(replace_check, e.Bind(*schema));
  }
  while (true) {
    std::shared_ptr<arrow::RecordBatch> batch;
    auto st = data->ReadNext(&batch);
    if (!st.ok()) return cleanup(st);
    if (!batch) break;
    auto conformed = generated.Conform(*batch, schema);
    if (!conformed.ok()) return cleanup(conformed.status());
    if (replace_check) {
      auto outside = arrow::compute::ExecuteScalarExpression(*replace_check, arrow::compute::ExecBatch(**conformed));
      if (!outside.ok()) return cleanup(outside.status());
      auto any = arrow::compute::Any(*outside);
      if (any.ok() && any->scalar_as<arrow::BooleanScalar>().is_valid &&
          any->scalar_as<arrow::BooleanScalar>().value) {
        return cleanup(DELTA_ERROR(kInvalidArgument, "data written with replaceWhere '",
                                   options.replace_where->ToString(),
                                   "' contains rows that do not match it"));
      }
    }
    st = constraints.Check(**conformed);
    if (!st.ok()) return cleanup(st);
    metrics.num_output_rows += (*conformed)->num_rows();
    st = writer->Write(*conformed);
    if (!st.ok()) return cleanup(st);
  }

  auto adds = writer->Finish();
  if (!adds.ok()) return cleanup(adds.status());

  // Files this write replaces.
  std::vector<const AddFile*> replaced;
  std::vector<const AddFile*> rewritten;  // replaceWhere on data columns: keep their other rows
  const bool dynamic = options.dynamic_partition_overwrite && !md.partition_columns.empty();
  ExprPtr dynamic_read;  // the partitions a dynamic overwrite replaces, for conflict checks
  if (snapshot && dynamic) {
    std::set<PartitionValues> written;
    for (const auto& a : *adds) written.insert(a.partition_values);
    for (const auto& f : snapshot->files()) {
      if (written.count(f.partition_values)) replaced.push_back(&f);
    }
    ARROW_ASSIGN_OR_RAISE(dynamic_read, PartitionsPredicate(written, md.partition_columns, *schema, mapping));
  } else if (snapshot && options.mode == WriteMode::kOverwrite) {
    std::optional<SkippingPredicate> replace_where;
    if (options.replace_where) replace_where.emplace(options.replace_where, snapshot->schema());
    for (const auto& f : snapshot->files()) {
      if (!options.replace_where) {
        replaced.push_back(&f);
        continue;
      }
      if (!replace_where->MayMatch(GetFileStatistics(*snapshot, f, replace_where->columns()))) continue;
      replaced.push_back(&f);
      if (!OnlyPartitionColumns(*options.replace_where, md.partition_columns)) rewritten.push_back(&f);
    }
    if (!rewritten.empty()) {
      scan::ReadPlan plan;
      plan.read_schema = snapshot->schema();
      ARROW_ASSIGN_OR_RAISE(auto keep, ToArrowExpression(*write::NotTrue(options.replace_where), *plan.read_schema));
      ARROW_ASSIGN_OR_RAISE(keep, keep.Bind(*plan.read_schema));
      plan.filter = keep;
      for (int i = 0; i < plan.read_schema->num_fields(); ++i) plan.output_columns.push_back(i);
      plan.output_schema = plan.read_schema;
      for (const auto* f : rewritten) {
        auto batches = scan::ReadDataFile(*snapshot, *f, plan);
        if (!batches.ok()) return cleanup(batches.status());
        for (const auto& b : *batches) {
          auto conformed = write::ConformBatch(*b, schema);
          if (!conformed.ok()) return cleanup(conformed.status());
          auto st = writer->Write(*conformed);
          if (!st.ok()) return cleanup(st);
        }
      }
      auto tail = writer->Finish();
      if (!tail.ok()) return cleanup(tail.status());
      for (auto& a : *tail) adds->push_back(std::move(a));
    }
  }

  TransactionOptions topts = options.transaction;
  auto txn_r = Transaction::Begin(uri, snapshot, topts);
  if (!txn_r.ok()) return cleanup(txn_r.status());
  auto& txn = *txn_r;
  if (new_protocol) txn->SetProtocol(*new_protocol);
  if (new_metadata) txn->SetMetadata(*new_metadata);
  const int64_t now = NowMs();
  std::set<PartitionValues> touched;
  for (auto& a : *adds) {
    touched.insert(a.partition_values);
    metrics.num_output_bytes += a.size;
    txn->AddDataFile(std::move(a));
    ++metrics.num_files_added;
  }
  std::vector<AddFile> read_files;
  for (const auto* f : replaced) {
    RemoveFile r;
    r.path = f->path;
    r.deletion_timestamp = now;
    r.data_change = true;
    r.extended_file_metadata = true;
    r.partition_values = f->partition_values;
    r.size = f->size;
    r.deletion_vector = f->deletion_vector;
    txn->RemoveDataFile(std::move(r));
    metrics.num_removed_bytes += f->size;
    ++metrics.num_files_removed;
    read_files.push_back(*f);
  }
  if (snapshot && options.mode == WriteMode::kOverwrite) {
    txn->MarkRead(dynamic ? dynamic_read : options.replace_where);  // null: the whole table
    txn->MarkFilesRead(read_files);
  }
  if (options.app_transaction) {
    txn->SetAppTransaction(options.app_transaction->first, options.app_transaction->second);
  }
  std::map<std::string, std::string> params{{"mode", nlohmann::json(ModeName(options.mode)).dump()}};
  nlohmann::json pb = md.partition_columns;
  params["partitionBy"] = nlohmann::json(pb.dump()).dump();
  if (options.replace_where) params["predicate"] = nlohmann::json(options.replace_where->ToString()).dump();
  std::map<std::string, std::string> m{{"numFiles", std::to_string(metrics.num_files_added)},
                                       {"numOutputRows", std::to_string(metrics.num_output_rows)},
                                       {"numOutputBytes", std::to_string(metrics.num_output_bytes)}};
  if (metrics.num_files_removed > 0) {
    m["numRemovedFiles"] = std::to_string(metrics.num_files_removed);
    m["numRemovedBytes"] = std::to_string(metrics.num_removed_bytes);
  }
  txn->SetOperation(!snapshot && metrics.num_output_rows == 0 && metrics.num_files_added == 0
                        ? "CREATE TABLE"
                        : "WRITE",
                    params, m);
  auto committed = txn->Commit();
  if (!committed.ok()) return cleanup(committed.status());
  metrics.version = committed->version;
  metrics.commit_attempts = committed->attempts;
  if (return_snapshot) {
    // The commit stands either way; a caller without a snapshot reloads.
    if (auto post = txn->PostCommitSnapshot(); post.ok()) metrics.snapshot = *post;
  }
  const bool auto_compact = options.auto_compact.value_or(AutoCompactEnabled(md));
  if (auto_compact && !touched.empty()) {
    auto post = txn->PostCommitSnapshot();
    auto st = post.ok() ? AutoCompact(uri, **post, touched, options, &metrics) : post.status();
    if (!st.ok()) metrics.auto_compact_error = st.ToString();
  }
  return metrics;
}

arrow::Result<int64_t> CreateTable(const std::string& uri, const std::shared_ptr<arrow::Schema>& schema,
                                   const WriteOptions& options, bool ignore_if_exists) {
  ARROW_ASSIGN_OR_RAISE(auto loc, storage::ResolveTableLocation(uri));
  auto listing = storage::ListLog(loc, /*with_times=*/false);
  if (listing.ok() && !listing->empty()) {
    if (ignore_if_exists) {
      ARROW_ASSIGN_OR_RAISE(auto snap, table::LoadSnapshotFromListing(loc, *listing, std::nullopt));
      return snap->version();
    }
    return DELTA_ERROR(kInvalidArgument, "a Delta table already exists at ", uri);
  }
  WriteOptions o = options;
  o.mode = WriteMode::kErrorIfExists;
  auto empty = arrow::RecordBatchReader::Make({}, schema);
  if (!empty.ok()) return empty.status();
  ARROW_ASSIGN_OR_RAISE(auto m, WriteTable(uri, *empty, o));
  return m.version;
}

}  // namespace delta
