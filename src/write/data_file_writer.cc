// Rows are grouped by partition values per batch (Arrow's hash grouper) on the caller's thread,
// and each partition has at most one open Parquet file, encoded in the background (EncoderPool:
// files in parallel, each file's writes in order). File size is estimated from the uncompressed
// Arrow size of what was written with a 2x compression allowance, since the Parquet writer
// buffers whole row groups before anything reaches the output stream.
#include "write/data_file_writer.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <thread>
#include <cmath>
#include <random>
#include <unordered_map>

#include <arrow/compute/api.h>
#include <arrow/compute/exec.h>
#include <arrow/compute/row/grouper.h>
#include <arrow/builder.h>
#include <arrow/io/interfaces.h>
#include <arrow/util/byte_size.h>
#include <arrow/util/key_value_metadata.h>
#include <parquet/arrow/writer.h>
#include <parquet/exception.h>

#include "delta/error.h"
#include "log/wire_names.h"
#include "util/uuid.h"
#include "write/footer_stats.h"
#include "write/partition_path.h"

namespace delta::write {
namespace {

int64_t BatchBytes(const arrow::RecordBatch& batch) {
  // A slice (e.g. of a sorted table, as Z-ORDER writes) shares its parent's buffers: count only
  // the range it references, else every slice counts as the whole parent and closes a file.
  if (auto referenced = arrow::util::ReferencedBufferSize(batch); referenced.ok()) return *referenced;
  int64_t total = 0;
  for (const auto& col : batch.columns()) {
    for (const auto& buf : col->data()->buffers) {
      if (buf) total += buf->size();
    }
    for (const auto& child : col->data()->child_data) {
      for (const auto& buf : child->buffers) {
        if (buf) total += buf->size();
      }
    }
  }
  return total;
}

bool HasFloats(const arrow::DataType& t) {
  if (t.id() == arrow::Type::FLOAT || t.id() == arrow::Type::DOUBLE) return true;
  for (const auto& child : t.fields()) {
    if (HasFloats(*child->type())) return true;
  }
  return false;
}

template <typename T>
bool AnyNaN(const arrow::ArrayData& a) {
  const T* v = a.GetValues<T>(1);
  for (int64_t i = 0; i < a.length; ++i) {
    if (std::isnan(v[i])) return true;  // null slots hold arbitrary values: conservative
  }
  return false;
}

// Whether any float/double value under `a` is NaN (struct fields and list/map values too).
bool HasNaN(const arrow::ArrayData& a) {
  switch (a.type->id()) {
    case arrow::Type::FLOAT: return AnyNaN<float>(a);
    case arrow::Type::DOUBLE: return AnyNaN<double>(a);
    default:
      for (const auto& child : a.child_data) {
        if (child && HasNaN(*child)) return true;
      }
      return false;
  }
}

// Background encoding. Each open file is a strand: its batches and its close run in order, one
// at a time; different files encode in parallel on the pool's threads while the caller's thread
// groups the next batches. Post blocks while more than `max_inflight_bytes` of batches wait, so
// memory stays bounded. After the first failure later tasks are dropped, and Post and Drain
// return that failure.
class EncoderPool {
 public:
  struct Strand {
    std::deque<std::pair<std::function<arrow::Status()>, int64_t>> tasks;
    bool scheduled = false;
  };

  EncoderPool(int threads, int64_t max_inflight_bytes) : max_inflight_bytes_(max_inflight_bytes) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
  }

  ~EncoderPool() {
    (void)Drain();
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    work_cv_.notify_all();
    for (auto& t : threads_) t.join();
  }

  arrow::Status Post(const std::shared_ptr<Strand>& strand, std::function<arrow::Status()> task,
                     int64_t bytes) {
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [&] {
      return !first_error_.ok() || inflight_bytes_ == 0 || inflight_bytes_ + bytes <= max_inflight_bytes_;
    });
    if (!first_error_.ok()) return first_error_;
    inflight_bytes_ += bytes;
    ++pending_tasks_;
    strand->tasks.emplace_back(std::move(task), bytes);
    if (!strand->scheduled) {
      strand->scheduled = true;
      ready_.push_back(strand);
      work_cv_.notify_one();
    }
    return arrow::Status::OK();
  }

  /// Waits until every posted task has run (or was dropped after a failure).
  arrow::Status Drain() {
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [&] { return pending_tasks_ == 0; });
    return first_error_;
  }

 private:
  void Work() {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      work_cv_.wait(lock, [&] { return stop_ || !ready_.empty(); });
      if (ready_.empty()) return;  // stop_
      auto strand = std::move(ready_.front());
      ready_.pop_front();
      auto [task, bytes] = std::move(strand->tasks.front());
      strand->tasks.pop_front();
      const bool failed = !first_error_.ok();
      lock.unlock();
      arrow::Status st = failed ? arrow::Status::OK() : task();
      task = nullptr;  // release the batches outside the lock
      lock.lock();
      if (!st.ok() && first_error_.ok()) first_error_ = st;
      inflight_bytes_ -= bytes;
      --pending_tasks_;
      if (strand->tasks.empty()) {
        strand->scheduled = false;
      } else {
        ready_.push_back(std::move(strand));
        work_cv_.notify_one();
      }
      done_cv_.notify_all();
    }
  }

  const int64_t max_inflight_bytes_;
  std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  std::deque<std::shared_ptr<Strand>> ready_;
  int64_t inflight_bytes_ = 0;
  int64_t pending_tasks_ = 0;
  arrow::Status first_error_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace

struct OpenFile {
  std::string relative_path;  // unescaped-then-escaped dir + file name (as on disk)
  std::string full_path;
  PartitionValues partition_values;
  std::shared_ptr<arrow::io::OutputStream> out;
  std::unique_ptr<parquet::arrow::FileWriter> writer;
  bool saw_nan = false;  // a float/double value of the file is NaN (see footer_stats.h)
  int64_t rows = 0;
  int64_t estimated_bytes = 0;
  // Small slices (a partition's share of a batch) are gathered and written together: the
  // Parquet writer pays a fixed cost per call.
  std::vector<std::shared_ptr<arrow::RecordBatch>> pending;
  int64_t pending_rows = 0;
  int64_t pending_bytes = 0;
  // Encoding runs on the pool, in order (see EncoderPool); touched only by the strand's tasks:
  // writer, out, saw_nan.
  std::shared_ptr<EncoderPool::Strand> strand = std::make_shared<EncoderPool::Strand>();
};

struct DataFileWriter::Impl {
  std::shared_ptr<arrow::fs::FileSystem> fs;
  DataFileWriterOptions options;
  std::shared_ptr<arrow::Schema> data_schema;      // logical, non-partition columns
  std::shared_ptr<arrow::Schema> physical_schema;  // as written to Parquet
  std::vector<int> data_indices;                   // into the table schema
  std::vector<int> partition_indices;
  bool has_floats = false;  // some data column holds float/double values (NaN tracking)
  std::unordered_map<std::string, std::shared_ptr<OpenFile>> open;
  std::set<std::string> plain_columns;  // leaf paths written without dictionary
  // Partitioned writes: the grouper of partition values and, per group id, its directory and
  // serialized values.
  struct Group {
    std::string dir;
    PartitionValues values;
  };
  std::unique_ptr<arrow::compute::Grouper> grouper;
  std::vector<Group> groups;

  // Describes the groups the grouper found since the last call.
  arrow::Status DescribeNewGroups() {
    if (groups.size() == grouper->num_groups()) return arrow::Status::OK();
    ARROW_ASSIGN_OR_RAISE(auto uniques, grouper->GetUniques());
    for (uint32_t g = static_cast<uint32_t>(groups.size()); g < grouper->num_groups(); ++g) {
      Group group;
      for (size_t p = 0; p < partition_indices.size(); ++p) {
        const auto& field = options.schema->field(partition_indices[p]);
        ARROW_ASSIGN_OR_RAISE(auto scalar, uniques.values[p].make_array()->GetScalar(g));
        auto value = SerializePartitionValue(*scalar);
        const std::string physical = PhysicalName(*field, options.mapping);
        group.values[physical] = value;
        if (!group.dir.empty()) group.dir += "/";
        group.dir += EscapePathComponent(physical) + "=" +
                     (value && !value->empty() ? EscapePathComponent(*value) : kNullPartitionDirValue);
      }
      groups.push_back(std::move(group));
    }
    return arrow::Status::OK();
  }
  std::mutex done_mu;
  std::vector<AddFile> done;  // guarded by done_mu while the pool runs
  std::vector<std::string> written;
  // Declared last, so destroyed first: its destructor drains the tasks, which use the members
  // above.
  std::unique_ptr<EncoderPool> pool;

  arrow::Result<std::shared_ptr<OpenFile>> OpenNew(const std::string& dir, PartitionValues pv) {
    auto f = std::make_shared<OpenFile>();
    std::string ext = options.compression == "zstd" ? ".zstd.parquet" : ".snappy.parquet";
    std::string name = "part-00000-" + util::NewUuid() + "-c000" + ext;
    f->relative_path = (options.directory_prefix.empty() ? "" : options.directory_prefix + "/") +
                       (dir.empty() ? "" : dir + "/") + name;
    f->full_path = options.table_root + "/" + f->relative_path;
    f->partition_values = std::move(pv);
    auto slash = f->full_path.rfind('/');
    ARROW_RETURN_NOT_OK(fs->CreateDir(f->full_path.substr(0, slash), true));
    ARROW_ASSIGN_OR_RAISE(f->out, fs->OpenOutputStream(f->full_path));
    written.push_back(f->full_path);
    parquet::WriterProperties::Builder props;
    props.compression(options.compression == "zstd" ? arrow::Compression::ZSTD
                                                    : arrow::Compression::SNAPPY);
    props.max_row_group_length(1 << 20);
    props.enable_dictionary();
    for (const auto& path : plain_columns) props.disable_dictionary(path);
    props.created_by("deltacpp 0.1.0");
    // Columns are encoded in parallel on Arrow's CPU pool.
    auto arrow_props = parquet::ArrowWriterProperties::Builder()
                           .coerce_timestamps(arrow::TimeUnit::MICRO)
                           ->set_use_threads(true)
                           ->build();
    ARROW_ASSIGN_OR_RAISE(f->writer, parquet::arrow::FileWriter::Open(*physical_schema, arrow::default_memory_pool(),
                                                                      f->out, props.build(), arrow_props));
    return f;
  }

  static constexpr int64_t kMinWriteRows = 64 * 1024;

  // Hands the gathered slices of `f` to its strand (caller's thread).
  arrow::Status PostPending(const std::shared_ptr<OpenFile>& f) {
    if (f->pending.empty()) return arrow::Status::OK();
    auto batches = std::move(f->pending);
    f->pending.clear();
    const int64_t bytes = f->pending_bytes;
    f->pending_rows = f->pending_bytes = 0;
    return pool->Post(
        f->strand, [this, f, batches = std::move(batches)] { return Encode(*f, batches); }, bytes);
  }

  // Posts the file's last rows and its close.
  arrow::Status PostClose(std::shared_ptr<OpenFile> f) {
    ARROW_RETURN_NOT_OK(PostPending(f));
    return pool->Post(f->strand, [this, f] { return Close(*f); }, 0);
  }

  // On the pool: one Parquet write of the gathered slices.
  arrow::Status Encode(OpenFile& f, const std::vector<std::shared_ptr<arrow::RecordBatch>>& batches) {
    std::shared_ptr<arrow::RecordBatch> data = batches.front();
    if (batches.size() > 1) {
      ARROW_ASSIGN_OR_RAISE(data, arrow::ConcatenateRecordBatches(batches));
    }
    if (has_floats && !f.saw_nan) {
      for (const auto& col : data->columns()) f.saw_nan = f.saw_nan || HasNaN(*col->data());
    }
    // Rename columns to physical names for the file.
    auto physical = arrow::RecordBatch::Make(physical_schema, data->num_rows(), data->columns());
    return f.writer->WriteRecordBatch(*physical);
  }

  // On the pool: closes the file and records its add action.
  arrow::Status Close(OpenFile& f) {
    ARROW_RETURN_NOT_OK(f.writer->Close());
    ARROW_ASSIGN_OR_RAISE(const int64_t size, f.out->Tell());
    ARROW_RETURN_NOT_OK(f.out->Close());
    // Statistics come from the footer the Parquet writer just computed: no second pass over
    // the values (it cost 30% of a write).
    StatsOptions stats_options{options.stats, /*assume_no_nan=*/!f.saw_nan};
    ARROW_ASSIGN_OR_RAISE(std::string stats,
                          StatsJsonFromFooter(*f.writer->metadata(), *data_schema, stats_options));
    f.writer.reset();
    f.out.reset();
    AddFile add;
    add.path = UriEncodePath(f.relative_path);
    add.partition_values = f.partition_values;
    add.size = size;
    add.modification_time = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
    add.data_change = true;
    add.stats = std::move(stats);
    std::lock_guard<std::mutex> lock(done_mu);
    done.push_back(std::move(add));
    return arrow::Status::OK();
  }

  // `bytes` estimates the uncompressed size of `data` (slices share their parent's buffers, so
  // the caller apportions the whole batch's size).
  arrow::Status WriteTo(const std::string& key, const std::string& dir, const PartitionValues& pv,
                        const std::shared_ptr<arrow::RecordBatch>& data, int64_t bytes) {
    auto it = open.find(key);
    if (it == open.end()) {
      ARROW_ASSIGN_OR_RAISE(auto f, OpenNew(dir, pv));
      it = open.emplace(key, std::move(f)).first;
    }
    const std::shared_ptr<OpenFile>& f = it->second;
    f->pending.push_back(data);
    f->pending_rows += data->num_rows();
    f->pending_bytes += bytes;
    if (f->pending_rows >= kMinWriteRows) ARROW_RETURN_NOT_OK(PostPending(f));
    f->rows += data->num_rows();
    f->estimated_bytes += bytes / 2;  // allow for about 2x Parquet compression
    if (f->rows >= options.max_rows_per_file || f->estimated_bytes >= options.target_file_size) {
      auto closing = std::move(it->second);
      open.erase(it);
      ARROW_RETURN_NOT_OK(PostClose(std::move(closing)));
    }
    return arrow::Status::OK();
  }
};

DataFileWriter::DataFileWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DataFileWriter::~DataFileWriter() = default;

const std::vector<std::string>& DataFileWriter::written_paths() const { return impl_->written; }

void DataFileWriter::DisableDictionary(const std::string& path) { impl_->plain_columns.insert(path); }

arrow::Result<std::unique_ptr<DataFileWriter>> DataFileWriter::Make(std::shared_ptr<arrow::fs::FileSystem> fs,
                                                                    DataFileWriterOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->fs = std::move(fs);
  const auto& schema = *options.schema;
  arrow::FieldVector data_fields, physical_fields;
  for (int i = 0; i < schema.num_fields(); ++i) {
    const auto& f = schema.field(i);
    const auto& pcs = options.partition_columns;
    if (std::find(pcs.begin(), pcs.end(), f->name()) != pcs.end()) {
      impl->partition_indices.push_back(i);
      continue;
    }
    impl->data_indices.push_back(i);
    data_fields.push_back(f);
    // Physical field: physical name, and the field id for id-mode column mapping.
    auto pf = arrow::field(PhysicalName(*f, options.mapping), f->type(), f->nullable());
    if (options.mapping != ColumnMappingMode::kNone) {
      if (auto id = ColumnMappingId(*f)) {
        pf = pf->WithMetadata(arrow::key_value_metadata({wire::kParquetFieldId}, {std::to_string(*id)}));
      }
    }
    physical_fields.push_back(pf);
  }
  // Partition columns must be in the order the table declares them.
  std::vector<int> ordered;
  for (const auto& pc : options.partition_columns) ordered.push_back(schema.GetFieldIndex(pc));
  impl->partition_indices = ordered;
  impl->data_schema = arrow::schema(data_fields);
  for (const auto& f : data_fields) impl->has_floats = impl->has_floats || HasFloats(*f->type());
  impl->physical_schema = arrow::schema(physical_fields);
  impl->options = std::move(options);
  // Two encoders keep both cores busy on a 2-core machine while this thread groups rows; more
  // only add memory on bigger ones (each Parquet write is itself parallel over columns).
  impl->pool = std::make_unique<EncoderPool>(
      std::clamp(static_cast<int>(std::thread::hardware_concurrency()) / 2, 2, 4),
      impl->options.max_inflight_bytes);
  return std::unique_ptr<DataFileWriter>(new DataFileWriter(std::move(impl)));
}

arrow::Status DataFileWriter::Write(const std::shared_ptr<arrow::RecordBatch>& batch) {
  auto st = WriteImpl(batch);
  // A failed write stops the encoders before the caller deletes what was written.
  if (!st.ok()) (void)impl_->pool->Drain();
  return st;
}

arrow::Status DataFileWriter::WriteImpl(const std::shared_ptr<arrow::RecordBatch>& batch) {
  auto& impl = *impl_;
  if (batch->num_rows() == 0) return arrow::Status::OK();
  ARROW_ASSIGN_OR_RAISE(auto data, batch->SelectColumns(impl.data_indices));
  const int64_t batch_bytes = BatchBytes(*data);
  if (impl.partition_indices.empty()) return impl.WriteTo("", "", {}, data, batch_bytes);
  // Group rows by partition values with Arrow's hash grouper (one grouper for the whole write,
  // so a group id names the same partition in every batch), then one sort + one take puts each
  // partition's rows in a contiguous slice.
  std::vector<arrow::Datum> keys;
  std::vector<arrow::TypeHolder> key_types;
  for (int idx : impl.partition_indices) {
    keys.emplace_back(batch->column(idx));
    key_types.emplace_back(batch->column(idx)->type());
  }
  if (!impl.grouper) {
    ARROW_ASSIGN_OR_RAISE(impl.grouper, arrow::compute::Grouper::Make(key_types));
  }
  arrow::compute::ExecBatch key_batch(std::move(keys), batch->num_rows());
  ARROW_ASSIGN_OR_RAISE(arrow::Datum ids_datum, impl.grouper->Consume(arrow::compute::ExecSpan(key_batch)));
  auto ids = std::static_pointer_cast<arrow::UInt32Array>(ids_datum.make_array());
  ARROW_RETURN_NOT_OK(impl.DescribeNewGroups());
  std::shared_ptr<arrow::RecordBatch> sorted = data;
  std::shared_ptr<arrow::UInt32Array> sorted_ids = ids;
  if (impl.grouper->num_groups() > 1) {
    ARROW_ASSIGN_OR_RAISE(auto order, arrow::compute::SortIndices(*ids));
    ARROW_ASSIGN_OR_RAISE(auto taken, arrow::compute::Take(data, order));
    sorted = taken.record_batch();
    ARROW_ASSIGN_OR_RAISE(auto taken_ids, arrow::compute::Take(*ids, *order));
    sorted_ids = std::static_pointer_cast<arrow::UInt32Array>(taken_ids);
  }
  int64_t start = 0;
  const int64_t n = sorted->num_rows();
  while (start < n) {
    const uint32_t g = sorted_ids->Value(start);
    int64_t end = start + 1;
    while (end < n && sorted_ids->Value(end) == g) ++end;
    const auto& part = impl.groups[g];
    ARROW_RETURN_NOT_OK(impl.WriteTo(part.dir, part.dir, part.values, sorted->Slice(start, end - start),
                                     batch_bytes * (end - start) / n));
    start = end;
  }
  return arrow::Status::OK();
}

arrow::Result<std::vector<AddFile>> DataFileWriter::Finish() {
  auto& impl = *impl_;
  arrow::Status st;
  for (auto& [_, f] : impl.open) {
    st = impl.PostClose(std::move(f));
    if (!st.ok()) break;
  }
  impl.open.clear();
  auto drained = impl.pool->Drain();
  ARROW_RETURN_NOT_OK(st);
  ARROW_RETURN_NOT_OK(drained);
  std::vector<AddFile> out = std::move(impl.done);
  impl.done.clear();  // the writer may be used again; the next Finish returns only newer files
  return out;
}

}  // namespace delta::write
