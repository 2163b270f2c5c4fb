#include "scan/file_reader.h"

#include <algorithm>

#include <arrow/array.h>
#include <arrow/builder.h>
#include <arrow/util/bitmap_ops.h>
#include <arrow/compute/api.h>
#include <arrow/io/interfaces.h>
#include <arrow/util/key_value_metadata.h>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/schema.h>
#include <parquet/exception.h>

#include "delta/error.h"
#include "log/wire_names.h"
#include "scan/deletion_vector.h"
#include "scan/partition_values.h"
#include "storage/table_location.h"
#include "util/parquet_util.h"
#include "util/strings.h"

namespace delta::scan {
namespace {

std::optional<int64_t> ParquetFieldId(const arrow::Field& f) {
  auto md = f.metadata();
  if (!md) return std::nullopt;
  auto idx = md->FindKey(wire::kParquetFieldId);
  if (idx < 0) return std::nullopt;
  try {
    return std::stoll(md->value(idx));
  } catch (...) {
    return std::nullopt;
  }
}


// Index of the source field matching logical `target`, or -1.
int FindSourceField(const arrow::FieldVector& sources, const arrow::Field& target,
                    ColumnMappingMode mode) {
  if (mode == ColumnMappingMode::kId) {
    if (auto id = ColumnMappingId(target)) {
      for (size_t i = 0; i < sources.size(); ++i) {
        if (ParquetFieldId(*sources[i]) == id) return static_cast<int>(i);
      }
    }
  }
  const std::string name = PhysicalName(target, mode);
  for (size_t i = 0; i < sources.size(); ++i) {
    if (sources[i]->name() == name) return static_cast<int>(i);
  }
  // Spark resolves Parquet columns case-insensitively.
  for (size_t i = 0; i < sources.size(); ++i) {
    if (util::EqualsIgnoreCase(sources[i]->name(), name)) return static_cast<int>(i);
  }
  return -1;
}

arrow::Result<std::shared_ptr<arrow::Array>> CastTo(const std::shared_ptr<arrow::Array>& array,
                                                    const std::shared_ptr<arrow::DataType>& type) {
  if (array->type()->Equals(*type)) return array;
  arrow::compute::CastOptions opts = arrow::compute::CastOptions::Safe(type);
  if (array->type_id() == arrow::Type::TIMESTAMP && type->id() == arrow::Type::TIMESTAMP) {
    opts.allow_time_truncate = true;  // INT96/nanosecond files: Delta keeps microseconds
  }
  ARROW_ASSIGN_OR_RAISE(auto d, arrow::compute::Cast(arrow::Datum(array), opts));
  return d.make_array();
}

}  // namespace

arrow::Result<std::shared_ptr<arrow::Array>> ConformArray(const std::shared_ptr<arrow::Array>& array,
                                                          const arrow::Field& /*source*/,
                                                          const arrow::Field& target,
                                                          ColumnMappingMode mode) {
  const auto& ttype = target.type();
  switch (ttype->id()) {
    case arrow::Type::STRUCT: {
      if (array->type_id() != arrow::Type::STRUCT) break;
      const auto& sarr = static_cast<const arrow::StructArray&>(*array);
      const auto& sfields = array->type()->fields();
      arrow::ArrayVector children;
      for (const auto& tf : ttype->fields()) {
        int idx = FindSourceField(sfields, *tf, mode);
        if (idx < 0) {
          ARROW_ASSIGN_OR_RAISE(auto nulls, arrow::MakeArrayOfNull(tf->type(), array->length()));
          children.push_back(std::move(nulls));
        } else {
          ARROW_ASSIGN_OR_RAISE(auto child, sarr.GetFlattenedField(idx));
          ARROW_ASSIGN_OR_RAISE(auto conformed, ConformArray(child, *sfields[idx], *tf, mode));
          children.push_back(std::move(conformed));
        }
      }
      std::shared_ptr<arrow::Buffer> validity;
      if (sarr.null_count() > 0) {
        ARROW_ASSIGN_OR_RAISE(validity, arrow::internal::CopyBitmap(
                                            arrow::default_memory_pool(), sarr.null_bitmap_data(),
                                            sarr.offset(), sarr.length()));
      }
      return std::make_shared<arrow::StructArray>(ttype, array->length(), std::move(children),
                                                  std::move(validity), sarr.null_count());
    }
    case arrow::Type::LIST: {
      if (array->type_id() != arrow::Type::LIST) break;
      const auto& larr = static_cast<const arrow::ListArray&>(*array);
      const auto& tf = ttype->field(0);
      ARROW_ASSIGN_OR_RAISE(auto values, ConformArray(larr.values(), *array->type()->field(0), *tf, mode));
      return std::make_shared<arrow::ListArray>(ttype, larr.length(), larr.value_offsets(), values,
                                                larr.null_bitmap(), larr.null_count(), larr.offset());
    }
    case arrow::Type::MAP: {
      if (array->type_id() != arrow::Type::MAP) break;
      const auto& marr = static_cast<const arrow::MapArray&>(*array);
      const auto& smap = static_cast<const arrow::MapType&>(*array->type());
      const auto& tmap = static_cast<const arrow::MapType&>(*ttype);
      ARROW_ASSIGN_OR_RAISE(auto keys, ConformArray(marr.keys(), *smap.key_field(), *tmap.key_field(), mode));
      ARROW_ASSIGN_OR_RAISE(auto items, ConformArray(marr.items(), *smap.item_field(), *tmap.item_field(), mode));
      return std::make_shared<arrow::MapArray>(ttype, marr.length(), marr.value_offsets(), keys,
                                               items, marr.null_bitmap(), marr.null_count(),
                                               marr.offset());
    }
    default: {
      auto r = CastTo(array, ttype);
      if (!r.ok()) {
        return DELTA_ERROR(kSchemaMismatch, "column '", target.name(), "' has type ",
                           array->type()->ToString(), " in the data file, which cannot be read as ",
                           ttype->ToString(), ": ", r.status().message());
      }
      return r;
    }
  }
  return DELTA_ERROR(kSchemaMismatch, "column '", target.name(), "' has type ",
                     array->type()->ToString(), " in the data file, but the table says ",
                     ttype->ToString());
}

arrow::Result<std::vector<std::shared_ptr<arrow::RecordBatch>>> ReadDataFile(
    const Snapshot& snapshot, const AddFile& file, const ReadPlan& plan,
    const RowSelection& selection) {
  std::vector<std::shared_ptr<arrow::RecordBatch>> out;
  ARROW_RETURN_NOT_OK(StreamDataFile(snapshot, file, plan, selection, [&](std::shared_ptr<arrow::RecordBatch> b) {
    out.push_back(std::move(b));
    return arrow::Status::OK();
  }));
  return out;
}

arrow::Status StreamDataFile(const Snapshot& snapshot, const AddFile& file, const ReadPlan& plan,
                             const RowSelection& selection,
                             const std::function<arrow::Status(std::shared_ptr<arrow::RecordBatch>)>& sink) {
  auto& fs = *snapshot.filesystem();
  const ColumnMappingMode mode = snapshot.column_mapping_mode();
  std::string path = file.path;
  {
    storage::TableLocation loc;
    loc.fs = snapshot.filesystem();
    loc.root = snapshot.table_root();
    ARROW_ASSIGN_OR_RAISE(path, loc.ResolveDataPath(file.path));
  }
  // Deletion vector first: a missing DV must fail before rows are returned.
  std::vector<uint64_t> listed;  // rows to drop (kExclude) or keep (kOnly), sorted
  const bool keep_listed = selection.mode == RowSelection::Mode::kOnly;
  if (selection.mode != RowSelection::Mode::kApplyDeletionVector) {
    listed = selection.rows;
    if (keep_listed && listed.empty()) return arrow::Status::OK();
  } else if (file.deletion_vector && file.deletion_vector->cardinality > 0) {
    ARROW_ASSIGN_OR_RAISE(listed, LoadDeletionVector(fs, snapshot.table_root(),
                                                      *file.deletion_vector, file.path));
  }
  auto input = fs.OpenInputFile(path);
  if (!input.ok()) {
    auto info = fs.GetFileInfo(path);
    if (info.ok() && info->type() == arrow::fs::FileType::NotFound) {
      return DELTA_ERROR(kIoError, "data file ", file.path, " of table ", snapshot.table_uri(), " version ",
                         snapshot.version(), " does not exist (", path,
                         "): it was deleted, e.g. by VACUUM after its removal passed the retention period; "
                         "this version can no longer be read");
    }
    return DELTA_ERROR(kIoError, "cannot open data file ", path, " of table ", snapshot.table_uri(),
                       " version ", snapshot.version(), ": ", input.status().message());
  }
  const auto& read_fields = plan.read_schema->fields();
  // Partition values of this file, per read field (null entry: a data column).
  std::vector<std::shared_ptr<arrow::Scalar>> partition_scalars(read_fields.size());
  for (size_t i = 0; i < read_fields.size(); ++i) {
    const auto& f = read_fields[i];
    const auto& pcs = snapshot.partition_columns();
    if (std::find(pcs.begin(), pcs.end(), f->name()) == pcs.end()) continue;
    auto it = file.partition_values.find(PhysicalName(*f, mode));
    std::optional<std::string> raw;
    if (it != file.partition_values.end()) raw = it->second;
    ARROW_ASSIGN_OR_RAISE(partition_scalars[i], ParsePartitionValue(raw, f->type(), f->name()));
  }

  try {
    parquet::ArrowReaderProperties props;
    props.set_batch_size(plan.batch_size);
    const bool buffered = plan.low_memory && fs.type_name() == "local";
    props.set_pre_buffer(!buffered);
    props.set_use_threads(false);  // files are read in parallel instead
    props.set_coerce_int96_timestamp_unit(arrow::TimeUnit::MICRO);
    parquet::ReaderProperties reader_props = parquet::default_reader_properties();
    if (buffered) {
      reader_props.enable_buffered_stream();  // a page at a time, not the whole column chunk
      reader_props.set_buffer_size(1 << 20);
    }
    auto reader = util::OpenParquetFile(*input, props, reader_props);
    std::shared_ptr<arrow::Schema> file_schema;
    PARQUET_THROW_NOT_OK(reader->GetSchema(&file_schema));
    if (plan.on_footer) plan.on_footer(*reader->parquet_reader()->metadata());

    // Which file field feeds each read field.
    std::vector<int> source_of(read_fields.size(), -1);
    std::vector<int> file_fields;  // distinct top-level file fields to read, ascending
    for (size_t i = 0; i < read_fields.size(); ++i) {
      if (partition_scalars[i]) continue;
      source_of[i] = FindSourceField(file_schema->fields(), *read_fields[i], mode);
      if (source_of[i] >= 0) file_fields.push_back(source_of[i]);
    }
    std::sort(file_fields.begin(), file_fields.end());
    file_fields.erase(std::unique(file_fields.begin(), file_fields.end()), file_fields.end());
    std::vector<int> leaves;
    const auto& manifest = reader->manifest();
    for (int fi : file_fields) {
      util::CollectLeafColumns(manifest.schema_fields[fi], &leaves);
    }
    std::vector<int> row_groups(reader->num_row_groups());
    for (int i = 0; i < reader->num_row_groups(); ++i) row_groups[i] = i;
    const int64_t total_rows = reader->parquet_reader()->metadata()->num_rows();

    auto process = [&](const std::shared_ptr<arrow::RecordBatch>& batch, int64_t offset,
                       int64_t n) -> arrow::Status {
      arrow::ArrayVector columns(read_fields.size());
      for (size_t i = 0; i < read_fields.size(); ++i) {
        if (partition_scalars[i]) {
          ARROW_ASSIGN_OR_RAISE(columns[i], arrow::MakeArrayFromScalar(*partition_scalars[i], n));
        } else if (source_of[i] < 0) {
          ARROW_ASSIGN_OR_RAISE(columns[i], arrow::MakeArrayOfNull(read_fields[i]->type(), n));
        } else {
          const auto& src_field = file_schema->field(source_of[i]);
          int col = batch->schema()->GetFieldIndex(src_field->name());
          ARROW_ASSIGN_OR_RAISE(columns[i],
                                ConformArray(batch->column(col), *src_field, *read_fields[i], mode));
        }
      }
      auto rb = arrow::RecordBatch::Make(plan.read_schema, n, std::move(columns));
      if (!listed.empty() || keep_listed) {
        auto lo = std::lower_bound(listed.begin(), listed.end(), static_cast<uint64_t>(offset));
        auto hi = std::lower_bound(lo, listed.end(), static_cast<uint64_t>(offset + n));
        if (lo != hi || keep_listed) {
          arrow::BooleanBuilder keep;
          ARROW_RETURN_NOT_OK(keep.Reserve(n));
          auto it = lo;
          for (int64_t r = 0; r < n; ++r) {
            bool in_list = it != hi && *it == static_cast<uint64_t>(offset + r);
            if (in_list) ++it;
            keep.UnsafeAppend(in_list == keep_listed);
          }
          ARROW_ASSIGN_OR_RAISE(auto mask, keep.Finish());
          ARROW_ASSIGN_OR_RAISE(auto filtered, arrow::compute::Filter(rb, mask));
          rb = filtered.record_batch();
        }
      }
      if (plan.filter && rb->num_rows() > 0) {
        ARROW_ASSIGN_OR_RAISE(auto mask, arrow::compute::ExecuteScalarExpression(
                                             *plan.filter, arrow::compute::ExecBatch(*rb)));
        if (mask.is_scalar()) {
          const auto& s = mask.scalar_as<arrow::BooleanScalar>();
          if (!s.is_valid || !s.value) return arrow::Status::OK();
        } else {
          ARROW_ASSIGN_OR_RAISE(auto filtered, arrow::compute::Filter(rb, mask));
          rb = filtered.record_batch();
        }
      }
      if (rb->num_rows() == 0) return arrow::Status::OK();
      ARROW_ASSIGN_OR_RAISE(rb, rb->SelectColumns(plan.output_columns));
      return sink(arrow::RecordBatch::Make(plan.output_schema, rb->num_rows(), rb->columns()));
    };

    if (leaves.empty()) {
      // Only partition columns (or none) are read: emit row counts without decoding data.
      for (int64_t offset = 0; offset < total_rows; offset += plan.batch_size) {
        int64_t n = std::min(plan.batch_size, total_rows - offset);
        auto empty = arrow::RecordBatch::Make(arrow::schema({}), n, arrow::ArrayVector{});
        ARROW_RETURN_NOT_OK(process(empty, offset, n));
      }
    } else {
      std::unique_ptr<arrow::RecordBatchReader> batches;
      PARQUET_ASSIGN_OR_THROW(batches, reader->GetRecordBatchReader(row_groups, leaves));
      int64_t offset = 0;
      while (true) {
        std::shared_ptr<arrow::RecordBatch> batch;
        PARQUET_THROW_NOT_OK(batches->ReadNext(&batch));
        if (!batch) break;
        int64_t n = batch->num_rows();
        ARROW_RETURN_NOT_OK(process(batch, offset, n));
        offset += n;
      }
    }
  } catch (const std::exception& e) {
    return DELTA_ERROR(kIoError, "cannot read data file ", path, ": ", e.what());
  }
  return arrow::Status::OK();
}

}  // namespace delta::scan
