#include "delta/change_data_feed.h"

#include <algorithm>
#include <map>

#include <arrow/array/util.h>
#include <arrow/compute/api.h>
#include <arrow/table.h>

#include "delta/error.h"
#include "log/wire_names.h"
#include "protocol/table_features.h"
#include "scan/deletion_vector.h"
#include "scan/file_reader.h"
#include "storage/table_location.h"
#include "table/snapshot_loader.h"

namespace delta {
namespace {

struct ChangeTask {
  AddFile file;  // data or cdc file, with the DV to apply
  std::string change_type;  // empty: the file has its own _change_type column
  scan::RowSelection selection;
  int64_t version = 0;
  int64_t timestamp_ms = 0;
};

std::vector<uint64_t> Difference(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  std::vector<uint64_t> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

class ChangeReader : public arrow::RecordBatchReader {
 public:
  ChangeReader(std::shared_ptr<const Snapshot> snapshot, std::vector<ChangeTask> tasks,
               std::shared_ptr<arrow::Schema> schema, std::optional<arrow::compute::Expression> filter)
      : snapshot_(std::move(snapshot)), tasks_(std::move(tasks)), schema_(std::move(schema)),
        filter_(std::move(filter)) {}

  std::shared_ptr<arrow::Schema> schema() const override { return schema_; }

  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* out) override {
    *out = nullptr;
    while (pending_.empty()) {
      if (next_ >= tasks_.size()) return arrow::Status::OK();
      ARROW_RETURN_NOT_OK(LoadTask(tasks_[next_++]));
    }
    *out = std::move(pending_.front());
    pending_.erase(pending_.begin());
    return arrow::Status::OK();
  }

 private:
  arrow::Status LoadTask(const ChangeTask& task) {
    const auto& table_schema = snapshot_->schema();
    scan::ReadPlan plan;
    arrow::FieldVector fields = table_schema->fields();
    const bool has_type_column = task.change_type.empty();
    if (has_type_column) fields.push_back(arrow::field(wire::kChangeType, arrow::utf8()));
    plan.read_schema = arrow::schema(fields);
    for (int i = 0; i < plan.read_schema->num_fields(); ++i) plan.output_columns.push_back(i);
    plan.output_schema = plan.read_schema;
    ARROW_ASSIGN_OR_RAISE(auto batches,
                          scan::ReadDataFile(*snapshot_, task.file, plan, task.selection));
    for (auto& b : batches) {
      arrow::ArrayVector cols = b->columns();
      const int64_t n = b->num_rows();
      if (!has_type_column) {
        ARROW_ASSIGN_OR_RAISE(auto ct, arrow::MakeArrayFromScalar(*arrow::MakeScalar(task.change_type), n));
        cols.push_back(ct);
      }
      ARROW_ASSIGN_OR_RAISE(auto ver, arrow::MakeArrayFromScalar(arrow::Int64Scalar(task.version), n));
      cols.push_back(ver);
      auto ts_scalar = arrow::TimestampScalar(task.timestamp_ms * 1000,
                                              arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"));
      ARROW_ASSIGN_OR_RAISE(auto ts, arrow::MakeArrayFromScalar(ts_scalar, n));
      cols.push_back(ts);
      auto rb = arrow::RecordBatch::Make(schema_, n, std::move(cols));
      if (filter_) {
        ARROW_ASSIGN_OR_RAISE(auto mask, arrow::compute::ExecuteScalarExpression(
                                             *filter_, arrow::compute::ExecBatch(*rb)));
        ARROW_ASSIGN_OR_RAISE(auto filtered, arrow::compute::Filter(rb, mask));
        rb = filtered.record_batch();
      }
      if (rb->num_rows() > 0) pending_.push_back(std::move(rb));
    }
    return arrow::Status::OK();
  }

  std::shared_ptr<const Snapshot> snapshot_;
  std::vector<ChangeTask> tasks_;
  std::shared_ptr<arrow::Schema> schema_;
  std::optional<arrow::compute::Expression> filter_;
  size_t next_ = 0;
  std::vector<std::shared_ptr<arrow::RecordBatch>> pending_;
};

}  // namespace

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> ReadChangeDataFeed(
    const Table& table, const ChangeDataOptions& options) {
  ARROW_ASSIGN_OR_RAISE(auto loc, storage::ResolveTableLocation(table.uri()));
  ARROW_ASSIGN_OR_RAISE(auto listing, storage::ListLog(loc));
  auto commits = log::CommitFiles(listing);
  if (commits.empty()) return DELTA_ERROR(kTableNotFound, "no commits in ", table.uri());
  const int64_t newest = commits.back().name.version;
  const int64_t end = options.end_version.value_or(newest);
  if (options.start_version > end) {
    return DELTA_ERROR(kInvalidArgument, "change data feed start version ", options.start_version,
                       " is after end version ", end);
  }
  if (end > newest) {
    return DELTA_ERROR(kVersionNotFound, "change data feed end version ", end, " of ", table.uri(),
                       " does not exist: the newest version is ", newest);
  }
  std::vector<log::LogFile> range;
  for (const auto& c : commits) {
    if (c.name.version >= options.start_version && c.name.version <= end) range.push_back(c);
  }
  if (range.empty() || range.front().name.version != options.start_version ||
      static_cast<int64_t>(range.size()) != end - options.start_version + 1) {
    return DELTA_ERROR(kVersionNotFound, "the log of ", table.uri(), " no longer has every commit from version ",
                       options.start_version, " to ", end);
  }
  ARROW_ASSIGN_OR_RAISE(auto snapshot, table::LoadSnapshotFromListing(loc, listing, end));
  ARROW_ASSIGN_OR_RAISE(auto batches, table::ReadCommits(loc, range));
  const bool ict =
      protocol::BoolProperty(snapshot->metadata(), "delta.enableInCommitTimestamps", false);

  std::vector<ChangeTask> tasks;
  for (size_t i = 0; i < batches.size(); ++i) {
    auto& b = batches[i];
    const int64_t version = range[i].name.version;
    const int64_t ts = table::CommitTimestamp(b, ict, range[i].modification_time_ms);
    if (!b.cdcs.empty()) {
      for (auto& c : b.cdcs) {
        ChangeTask t;
        t.file.path = c.path;
        t.file.partition_values = c.partition_values;
        t.file.size = c.size;
        t.version = version;
        t.timestamp_ms = ts;
        tasks.push_back(std::move(t));
      }
      continue;
    }
    std::map<std::string, const RemoveFile*> removed;
    for (const auto& r : b.removes) {
      if (r.data_change) removed[storage::UriDecode(r.path)] = &r;
    }
    std::map<std::string, const AddFile*> added;
    for (const auto& a : b.adds) {
      if (a.data_change) added[storage::UriDecode(a.path)] = &a;
    }
    auto load_dv = [&](const std::optional<DeletionVectorDescriptor>& dv,
                       const std::string& path) -> arrow::Result<std::vector<uint64_t>> {
      if (!dv || dv->cardinality == 0) return std::vector<uint64_t>{};
      return scan::LoadDeletionVector(*loc.fs, loc.root, *dv, path);
    };
    for (const auto& [path, a] : added) {
      ChangeTask t;
      t.file = *a;
      t.version = version;
      t.timestamp_ms = ts;
      auto rit = removed.find(path);
      if (rit == removed.end()) {
        t.change_type = "insert";
        tasks.push_back(std::move(t));
        continue;
      }
      // Same file, new deletion vector: the rows it newly deletes are deletes, the rows it
      // no longer deletes (a restore) are inserts.
      ARROW_ASSIGN_OR_RAISE(auto old_dv, load_dv(rit->second->deletion_vector, path));
      ARROW_ASSIGN_OR_RAISE(auto new_dv, load_dv(a->deletion_vector, path));
      ChangeTask del = t;
      del.change_type = "delete";
      del.selection.mode = scan::RowSelection::Mode::kOnly;
      del.selection.rows = Difference(new_dv, old_dv);
      ChangeTask ins = t;
      ins.change_type = "insert";
      ins.selection.mode = scan::RowSelection::Mode::kOnly;
      ins.selection.rows = Difference(old_dv, new_dv);
      if (!del.selection.rows.empty()) tasks.push_back(std::move(del));
      if (!ins.selection.rows.empty()) tasks.push_back(std::move(ins));
      removed.erase(rit);
    }
    for (const auto& [path, r] : removed) {
      ChangeTask t;
      t.file.path = r->path;
      t.file.partition_values = r->partition_values.value_or(PartitionValues{});
      t.file.deletion_vector = r->deletion_vector;
      t.change_type = "delete";
      t.version = version;
      t.timestamp_ms = ts;
      tasks.push_back(std::move(t));
    }
  }
  arrow::FieldVector fields = snapshot->schema()->fields();
  fields.push_back(arrow::field(wire::kChangeType, arrow::utf8()));
  fields.push_back(arrow::field(wire::kCommitVersion, arrow::int64()));
  fields.push_back(arrow::field(wire::kCommitTimestamp, arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")));
  auto schema = arrow::schema(fields);
  std::optional<arrow::compute::Expression> filter;
  if (options.predicate) {
    ARROW_ASSIGN_OR_RAISE(auto expr, ToArrowExpression(*options.predicate, *schema));
    ARROW_ASSIGN_OR_RAISE(expr, expr.Bind(*schema));
    filter = std::move(expr);
  }
  return std::make_shared<ChangeReader>(std::move(snapshot), std::move(tasks), std::move(schema),
                                        std::move(filter));
}

}  // namespace delta
