// CONVERT TO DELTA (include/delta/operations/convert.h). The plan is built from a listing and
// the files' footers (pure once the footers are in memory): which files, their partition
// values, the merged schema and each file's stats; the executing half commits version 0.
#include "delta/operations/convert.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include <arrow/compute/api.h>
#include <arrow/filesystem/filesystem.h>
#include <arrow/util/key_value_metadata.h>
#include <nlohmann/json.hpp>
#include <parquet/arrow/schema.h>
#include <parquet/exception.h>
#include <parquet/file_reader.h>
#include <parquet/metadata.h>

#include "delta/error.h"
#include "delta/schema.h"
#include "protocol/table_features.h"
#include "storage/table_location.h"
#include "table/snapshot_loader.h"
#include "util/compute_init.h"
#include "util/uuid.h"
#include "write/footer_stats.h"
#include "write/partition_path.h"
#include "write/schema_enforcement.h"

namespace delta {
namespace {

constexpr char kOperation[] = "CONVERT";

struct SourceFile {
  std::string path;      // within the filesystem
  std::string relative;  // to the table root, as on disk (escaped partition directories)
  int64_t size = 0;
  int64_t modification_time = 0;
  PartitionValues partition_values;
  std::string partition_dir;
  std::shared_ptr<parquet::FileMetaData> footer;
  std::shared_ptr<arrow::Schema> schema;  // the file's columns as Delta types
};

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return std::tolower(x) == std::tolower(y); });
}

// Spark's unescapePathName: %XX sequences decoded, anything else kept (as log paths decode).
std::string UnescapePathComponent(std::string_view s) { return storage::UriDecode(s); }

bool IsPartitionDirOf(const std::string& name, const arrow::Schema* partitions) {
  auto eq = name.find('=');
  if (eq == std::string::npos || !partitions) return false;
  return FindFieldIndex(*partitions, UnescapePathComponent(name.substr(0, eq))) >= 0;
}

// Hidden as Spark's listing sees it: names starting with '_' or '.', except a directory of a
// declared partition column.
bool IsHidden(const std::vector<std::string>& parts, const arrow::Schema* partitions) {
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& p = parts[i];
    if (p.empty() || (p[0] != '_' && p[0] != '.')) continue;
    const bool is_dir = i + 1 < parts.size();
    if (is_dir && IsPartitionDirOf(p, partitions)) continue;
    return true;
  }
  return false;
}

std::string TypeText(const arrow::DataType& type) {
  auto name = DeltaTypeName(type);
  return name.ok() ? *name : type.ToString();
}

std::string ColumnList(const std::vector<std::string>& names) {
  std::string out = "[";
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
  return out + "]";
}

// The typed partition value of a directory's text, serialized for the log.
arrow::Result<std::optional<std::string>> PartitionValue(const std::string& text, const arrow::Field& column,
                                                         const std::string& file) {
  if (text == write::kNullPartitionDirValue) return std::nullopt;
  const auto& type = column.type();
  if (type->id() == arrow::Type::STRING) return text.empty() ? std::nullopt : std::optional<std::string>(text);
  auto invalid = [&]() {
    return DELTA_ERROR(kInvalidArgument, "file ", file, ": partition value '", text, "' of column ",
                       column.name(), " is not a valid ", TypeText(*type));
  };
  std::shared_ptr<arrow::DataType> parse_type = type;
  if (type->id() == arrow::Type::TIMESTAMP) {
    // Directory values carry no zone: parse as a naive time, read as UTC (Spark: the session
    // time zone).
    parse_type = arrow::timestamp(arrow::TimeUnit::MICRO);
  }
  auto cast = arrow::compute::Cast(arrow::Datum(std::make_shared<arrow::StringScalar>(text)), parse_type);
  if (!cast.ok() || !cast->scalar()->is_valid) return invalid();
  std::shared_ptr<arrow::Scalar> value = cast->scalar();
  if (type->id() == arrow::Type::TIMESTAMP) {
    value = std::make_shared<arrow::TimestampScalar>(static_cast<const arrow::TimestampScalar&>(*value).value, type);
  }
  if (type->id() == arrow::Type::FLOAT || type->id() == arrow::Type::DOUBLE) {
    // Arrow accepts forms Spark does not write; the log keeps the directory's text.
    return text;
  }
  return write::SerializePartitionValue(*value);
}

// Partition values from the trailing `col=value` directories of `relative`, which must name
// exactly the declared columns in order.
arrow::Status ParsePartitions(SourceFile* file, const arrow::Schema* partitions) {
  auto parts = SplitPath(file->relative);
  parts.pop_back();  // the file name
  size_t first = parts.size();
  while (first > 0 && parts[first - 1].find('=') != std::string::npos) --first;
  std::vector<std::string> names, values;
  for (size_t i = first; i < parts.size(); ++i) {
    auto eq = parts[i].find('=');
    names.push_back(UnescapePathComponent(parts[i].substr(0, eq)));
    values.push_back(UnescapePathComponent(parts[i].substr(eq + 1)));
  }
  const int declared = partitions ? partitions->num_fields() : 0;
  if (declared == 0 && !names.empty()) {
    return DELTA_ERROR(kInvalidArgument, "file ", file->relative, " is in partition directories ",
                       ColumnList(names),
                       " but no partition columns were declared: give them with their types "
                       "(PARTITIONED BY / --partition-by \"",
                       names[0], " STRING, ...\")");
  }
  std::vector<std::string> declared_names;
  for (int i = 0; i < declared; ++i) declared_names.push_back(partitions->field(i)->name());
  if (static_cast<int>(names.size()) != declared) {
    return DELTA_ERROR(kInvalidArgument, "file ", file->relative, ": expected ", declared,
                       " partition column(s) ", ColumnList(declared_names), " in its directories but found ",
                       names.size(), " ", ColumnList(names));
  }
  for (int i = 0; i < declared; ++i) {
    const auto& column = *partitions->field(i);
    if (!EqualsIgnoreCase(names[i], column.name())) {
      return DELTA_ERROR(kInvalidArgument, "file ", file->relative, ": expected partition column ", column.name(),
                         " at directory level ", i + 1, " but found ", names[i]);
    }
    ARROW_ASSIGN_OR_RAISE(auto value, PartitionValue(values[i], column, file->relative));
    file->partition_values[column.name()] = std::move(value);
  }
  for (size_t i = first; i < parts.size(); ++i) {
    file->partition_dir += (file->partition_dir.empty() ? "" : "/") + parts[i];
  }
  return arrow::Status::OK();
}

// --- schema of a file and the merge of all of them -----------------------------------------

std::shared_ptr<arrow::DataType> AsNullable(const std::shared_ptr<arrow::DataType>& type) {
  switch (type->id()) {
    case arrow::Type::STRUCT: {
      arrow::FieldVector fields;
      for (const auto& f : type->fields()) fields.push_back(f->WithType(AsNullable(f->type()))->WithNullable(true));
      return arrow::struct_(fields);
    }
    case arrow::Type::LIST: {
      const auto& v = type->field(0);
      return arrow::list(v->WithType(AsNullable(v->type()))->WithNullable(true));
    }
    case arrow::Type::MAP: {
      const auto& m = static_cast<const arrow::MapType&>(*type);
      return arrow::map(AsNullable(m.key_type()), m.item_field()->WithType(AsNullable(m.item_type()))->WithNullable(true));
    }
    default: return type;
  }
}

// INT96 columns are timestamps in UTC for Spark; Arrow reads them without a zone.
std::shared_ptr<arrow::DataType> FixInt96(const parquet::arrow::SchemaField& sf, const parquet::SchemaDescriptor& d) {
  const auto& type = sf.field->type();
  if (sf.is_leaf()) {
    if (sf.column_index >= 0 && d.Column(sf.column_index)->physical_type() == parquet::Type::INT96) {
      return arrow::timestamp(arrow::TimeUnit::MICRO, "UTC");
    }
    return type;
  }
  switch (type->id()) {
    case arrow::Type::STRUCT: {
      arrow::FieldVector fields;
      for (size_t i = 0; i < sf.children.size(); ++i) {
        fields.push_back(type->field(static_cast<int>(i))->WithType(FixInt96(sf.children[i], d)));
      }
      return arrow::struct_(fields);
    }
    case arrow::Type::LIST:
    case arrow::Type::LARGE_LIST:
      if (sf.children.size() == 1) return arrow::list(type->field(0)->WithType(FixInt96(sf.children[0], d)));
      return type;
    case arrow::Type::MAP:
      if (sf.children.size() == 1 && sf.children[0].children.size() == 2) {
        const auto& m = static_cast<const arrow::MapType&>(*type);
        return arrow::map(FixInt96(sf.children[0].children[0], d),
                          m.item_field()->WithType(FixInt96(sf.children[0].children[1], d)));
      }
      return type;
    default: return type;
  }
}

arrow::Result<std::shared_ptr<arrow::Schema>> FileSchema(const parquet::FileMetaData& footer) {
  parquet::arrow::SchemaManifest manifest;
  parquet::ArrowReaderProperties props;
  ARROW_RETURN_NOT_OK(parquet::arrow::SchemaManifest::Make(footer.schema(), footer.key_value_metadata(), props,
                                                           &manifest));
  arrow::FieldVector fields;
  for (const auto& sf : manifest.schema_fields) {
    fields.push_back(sf.field->WithType(FixInt96(sf, *footer.schema()))->WithMetadata(nullptr));
  }
  ARROW_ASSIGN_OR_RAISE(auto normalized, write::NormalizeSchema(*arrow::schema(fields)));
  arrow::FieldVector out;
  for (const auto& f : normalized->fields()) out.push_back(f->WithType(AsNullable(f->type()))->WithNullable(true));
  return arrow::schema(out);
}

struct MergeContext {
  std::string first_file;  // the file that brought the column
  std::string file;        // the file being merged
};

arrow::Result<std::shared_ptr<arrow::DataType>> MergeTypes(const std::shared_ptr<arrow::DataType>& a,
                                                           const std::shared_ptr<arrow::DataType>& b,
                                                           const std::string& column, const MergeContext& ctx);

arrow::Result<arrow::FieldVector> MergeFields(const arrow::FieldVector& a, const arrow::FieldVector& b,
                                              const std::string& prefix, const MergeContext& ctx) {
  arrow::FieldVector out = a;
  for (const auto& f : b) {
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& e) { return e->name() == f->name(); });
    if (it == out.end()) {
      out.push_back(f);
      continue;
    }
    ARROW_ASSIGN_OR_RAISE(auto t, MergeTypes((*it)->type(), f->type(), prefix + f->name(), ctx));
    *it = (*it)->WithType(t);
  }
  return out;
}

arrow::Result<std::shared_ptr<arrow::DataType>> MergeTypes(const std::shared_ptr<arrow::DataType>& a,
                                                           const std::shared_ptr<arrow::DataType>& b,
                                                           const std::string& column, const MergeContext& ctx) {
  if (a->Equals(*b)) return a;
  if (a->id() == b->id()) {
    switch (a->id()) {
      case arrow::Type::STRUCT: {
        ARROW_ASSIGN_OR_RAISE(auto fields, MergeFields(a->fields(), b->fields(), column + ".", ctx));
        return arrow::struct_(fields);
      }
      case arrow::Type::LIST: {
        ARROW_ASSIGN_OR_RAISE(auto t, MergeTypes(a->field(0)->type(), b->field(0)->type(), column + ".element", ctx));
        return arrow::list(a->field(0)->WithType(t));
      }
      case arrow::Type::MAP: {
        const auto& ma = static_cast<const arrow::MapType&>(*a);
        const auto& mb = static_cast<const arrow::MapType&>(*b);
        ARROW_ASSIGN_OR_RAISE(auto k, MergeTypes(ma.key_type(), mb.key_type(), column + ".key", ctx));
        ARROW_ASSIGN_OR_RAISE(auto v, MergeTypes(ma.item_type(), mb.item_type(), column + ".value", ctx));
        return arrow::map(k, ma.item_field()->WithType(v));
      }
      case arrow::Type::DECIMAL128: {
        // Spark merges decimals of one scale to the larger precision.
        const auto& da = static_cast<const arrow::Decimal128Type&>(*a);
        const auto& db = static_cast<const arrow::Decimal128Type&>(*b);
        if (da.scale() == db.scale()) return arrow::decimal128(std::max(da.precision(), db.precision()), da.scale());
        break;
      }
      default: break;
    }
  }
  return DELTA_ERROR(kSchemaMismatch, "cannot merge the schemas of the Parquet files: column ", column, " is ",
                     TypeText(*a), " in ", ctx.first_file, " but ", TypeText(*b), " in ", ctx.file);
}

// --- listing and footers --------------------------------------------------------------------

arrow::Result<std::vector<SourceFile>> ListSourceFiles(const storage::TableLocation& loc,
                                                       const arrow::Schema* partitions) {
  arrow::fs::FileSelector selector;
  selector.base_dir = loc.root;
  selector.recursive = true;
  ARROW_ASSIGN_OR_RAISE(auto infos, loc.fs->GetFileInfo(selector));
  std::vector<SourceFile> files;
  for (const auto& info : infos) {
    if (info.type() != arrow::fs::FileType::File) continue;
    if (info.path().size() <= loc.root.size() + 1) continue;
    SourceFile f;
    f.path = info.path();
    f.relative = info.path().substr(loc.root.size() + 1);
    if (IsHidden(SplitPath(f.relative), partitions)) continue;
    f.size = info.size();
    f.modification_time =
        std::chrono::duration_cast<std::chrono::milliseconds>(info.mtime().time_since_epoch()).count();
    files.push_back(std::move(f));
  }
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.relative < b.relative; });
  return files;
}

arrow::Status ReadFooter(arrow::fs::FileSystem& fs, SourceFile* file) {
  ARROW_ASSIGN_OR_RAISE(auto in, fs.OpenInputFile(file->path));
  try {
    file->footer = parquet::ReadMetaData(in);
  } catch (const parquet::ParquetException& e) {
    return DELTA_ERROR(kInvalidArgument, "file ", file->relative, " is not a readable Parquet file: ", e.what());
  }
  auto schema = FileSchema(*file->footer);
  if (!schema.ok()) {
    return MakeError(GetErrorCode(schema.status()) == ErrorCode::kInternal ? ErrorCode::kSchemaMismatch
                                                                          : GetErrorCode(schema.status()),
                     StrCat("file ", file->relative, ": ", schema.status().message()));
  }
  file->schema = *schema;
  return arrow::Status::OK();
}

// Reads every footer, `parallelism` at a time; the first failure (in path order) wins.
arrow::Status ReadFooters(arrow::fs::FileSystem& fs, std::vector<SourceFile>* files,
                          const ConvertOptions& options) {
  const int64_t total = static_cast<int64_t>(files->size());
  std::vector<arrow::Status> results(files->size());
  std::atomic<int64_t> next{0}, done{0};
  std::atomic<bool> failed{false};
  auto work = [&] {
    for (int64_t i = next++; i < total && !failed; i = next++) {
      results[i] = ReadFooter(fs, &(*files)[i]);
      if (!results[i].ok()) failed = true;
      const int64_t d = ++done;
      if (options.progress) options.progress(d, total);
    }
  };
  const int threads = static_cast<int>(std::min<int64_t>(std::max(1, options.parallelism), total));
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  for (const auto& st : results) ARROW_RETURN_NOT_OK(st);
  return arrow::Status::OK();
}

std::string JsonString(const std::string& s) { return nlohmann::json(s).dump(); }

}  // namespace

arrow::Result<ConvertMetrics> ConvertToDelta(const std::string& uri, const ConvertOptions& options) {
  ARROW_RETURN_NOT_OK(util::EnsureComputeInitialized());
  ConvertMetrics metrics;
  ARROW_ASSIGN_OR_RAISE(auto loc, storage::ResolveTableLocation(uri));
  ARROW_ASSIGN_OR_RAISE(auto root_info, loc.fs->GetFileInfo(loc.root));
  if (root_info.type() != arrow::fs::FileType::Directory) {
    return DELTA_ERROR(kInvalidArgument, "cannot convert ", uri, ": ",
                       root_info.type() == arrow::fs::FileType::NotFound ? "no such directory" : "not a directory");
  }
  // Already a Delta table: nothing to do (Spark's behaviour).
  auto listing = storage::ListLog(loc, /*with_times=*/false);
  if (listing.ok() && !listing->empty()) {
    ARROW_ASSIGN_OR_RAISE(auto snapshot, table::LoadSnapshotFromListing(loc, *listing, std::nullopt));
    metrics.skipped = true;
    metrics.version = snapshot->version();
    return metrics;
  }
  if (!listing.ok() && GetErrorCode(listing.status()) != ErrorCode::kTableNotFound) return listing.status();

  const arrow::Schema* partitions =
      options.partition_schema && options.partition_schema->num_fields() > 0 ? options.partition_schema.get() : nullptr;
  std::vector<std::string> partition_names;
  if (partitions) {
    for (const auto& f : partitions->fields()) {
      ARROW_ASSIGN_OR_RAISE(auto t, write::NormalizeType(f->type(), f->name()));
      if (t->id() == arrow::Type::STRUCT || t->id() == arrow::Type::LIST || t->id() == arrow::Type::MAP ||
          t->id() == arrow::Type::BINARY) {
        return DELTA_ERROR(kInvalidArgument, "partition column ", f->name(), " cannot be of type ", TypeText(*t));
      }
      partition_names.push_back(f->name());
    }
  }

  // Plan: files, partition values, footers, schema.
  ARROW_ASSIGN_OR_RAISE(auto files, ListSourceFiles(loc, partitions));
  if (files.empty()) {
    return DELTA_ERROR(kInvalidArgument, "cannot convert ", uri,
                       ": it holds no Parquet files, so there is no schema to infer");
  }
  std::set<std::string> partition_dirs;
  for (auto& f : files) {
    ARROW_RETURN_NOT_OK(ParsePartitions(&f, partitions));
    partition_dirs.insert(f.partition_dir);
  }
  ARROW_RETURN_NOT_OK(ReadFooters(*loc.fs, &files, options));

  arrow::FieldVector data_fields;
  std::map<std::string, std::string> first_file;  // column -> the file that brought it
  for (const auto& f : files) {
    for (const auto& field : f.schema->fields()) {
      if (partitions && FindFieldIndex(*partitions, field->name()) >= 0) {
        return DELTA_ERROR(kSchemaMismatch, "column ", field->name(), " of file ", f.relative,
                           " is also a partition column");
      }
      first_file.emplace(field->name(), f.relative);
      MergeContext ctx{first_file[field->name()], f.relative};
      ARROW_ASSIGN_OR_RAISE(data_fields, MergeFields(data_fields, {field}, "", ctx));
    }
  }
  arrow::FieldVector all_fields = data_fields;
  if (partitions) {
    for (const auto& p : partitions->fields()) {
      ARROW_ASSIGN_OR_RAISE(auto t, write::NormalizeType(p->type(), p->name()));
      all_fields.push_back(arrow::field(p->name(), t, true));
    }
  }
  auto schema = arrow::schema(all_fields);

  Metadata md;
  md.id = util::NewUuid();
  md.partition_columns = partition_names;
  md.configuration = options.configuration;
  md.created_time = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  ARROW_ASSIGN_OR_RAISE(auto mapping, protocol::GetColumnMappingMode(md));
  if (mapping != ColumnMappingMode::kNone) {
    // The files already use the column names: they become the physical names.
    int64_t max_id = 0;
    schema = AssignColumnMapping(*schema, &max_id, /*keep_names=*/true);
    md.configuration["delta.columnMapping.maxColumnId"] = std::to_string(max_id);
  }
  ARROW_ASSIGN_OR_RAISE(md.schema_string, SchemaToDeltaJson(*schema));
  Protocol protocol = protocol::RequiredProtocol(Protocol{1, 1, std::nullopt, std::nullopt}, *schema, md.configuration);

  arrow::FieldVector stats_fields;
  for (const auto& f : schema->fields()) {
    if (std::find(partition_names.begin(), partition_names.end(), f->name()) == partition_names.end()) {
      stats_fields.push_back(f);
    }
  }
  const auto stats_schema = arrow::schema(stats_fields);
  write::StatsOptions stats_options;
  stats_options.columns = write::StatsConfigFor(md.configuration, mapping);

  TransactionOptions txn_options = options.transaction;
  txn_options.isolation = IsolationLevel::kSerializable;  // what Spark records for CONVERT
  ARROW_ASSIGN_OR_RAISE(auto txn, Transaction::Begin(uri, nullptr, txn_options));
  txn->SetProtocol(protocol);
  txn->SetMetadata(md);
  for (auto& f : files) {
    AddFile add;
    add.path = write::UriEncodePath(f.relative);
    add.partition_values = f.partition_values;
    add.size = f.size;
    add.modification_time = f.modification_time;
    add.data_change = true;
    if (options.collect_stats) {
      auto stats = write::StatsJsonFromFooter(*f.footer, *stats_schema, stats_options);
      if (!stats.ok()) {
        return MakeError(GetErrorCode(stats.status()), StrCat("file ", f.relative, ": ", stats.status().message()));
      }
      add.stats = std::move(*stats);
    }
    metrics.num_rows += f.footer->num_rows();
    metrics.num_bytes += f.size;
    ++metrics.num_files;
    f.footer.reset();  // footers can be large; the stats are all we needed
    txn->AddDataFile(std::move(add));
  }
  metrics.num_partitions = partitions ? static_cast<int64_t>(partition_dirs.size()) : 0;
  nlohmann::json names = partition_names;
  txn->SetOperation(kOperation,
                    {{"numFiles", JsonString(std::to_string(metrics.num_files))},
                     {"partitionedBy", JsonString(names.dump())},
                     {"collectStats", JsonString(options.collect_stats ? "true" : "false")},
                     {"sourceFormat", JsonString("parquet")}},
                    {{"numConvertedFiles", std::to_string(metrics.num_files)}});
  ARROW_ASSIGN_OR_RAISE(auto committed, txn->Commit());
  metrics.version = committed.version;
  return metrics;
}

}  // namespace delta
