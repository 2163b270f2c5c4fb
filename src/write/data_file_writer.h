// Writing data files: partition split, Hive-style directories, Parquet files of a target size,
// statistics, and the add actions describing them.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <arrow/filesystem/filesystem.h>
#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "delta/actions.h"
#include "write/footer_stats.h"

namespace delta::write {

struct DataFileWriterOptions {
  std::string table_root;                   ///< path within fs
  std::shared_ptr<arrow::Schema> schema;    ///< logical table schema (data + partition columns)
  std::vector<std::string> partition_columns;
  ColumnMappingMode mapping = ColumnMappingMode::kNone;
  StatsConfig stats;
  int64_t target_file_size = 128LL << 20;
  int64_t max_rows_per_file = 10'000'000;
  std::string compression = "snappy";
  std::string directory_prefix;             ///< e.g. "_change_data" for CDC files
  /// Batches waiting for the background encoders, at most (Write blocks beyond). A plain
  /// write's producer is cheap, so a deep queue keeps the encoders busy; operations that read
  /// while they write (DELETE/UPDATE/MERGE rewrites) need little: their reads are the pace.
  int64_t max_inflight_bytes = 512LL << 20;
};

class DataFileWriter {
 public:
  static arrow::Result<std::unique_ptr<DataFileWriter>> Make(std::shared_ptr<arrow::fs::FileSystem> fs,
                                                             DataFileWriterOptions options);
  ~DataFileWriter();

  /// Writes a batch conforming to the table schema. Rows are grouped on the calling thread and
  /// encoded in the background; an encoding failure surfaces here or in Finish. After a
  /// failure, no background work is left running.
  arrow::Status Write(const std::shared_ptr<arrow::RecordBatch>& batch);

  /// Closes every open file, waits for the encoders, and returns the add actions of the files
  /// finished since the last Finish (the writer may be used again afterwards).
  arrow::Result<std::vector<AddFile>> Finish();

  /// Writes the Parquet leaf column `path` (physical, dotted) without dictionary encoding in the
  /// files opened from now on: a hint from a rewrite whose input file shows the column's
  /// dictionary overflowed (unique ids, measurements), where trying it again costs a memo table
  /// of tens of MB per column and ~20% of the encoding time for nothing.
  void DisableDictionary(const std::string& path);

  /// Paths (within fs) of every file written so far, for cleanup after a failed write.
  const std::vector<std::string>& written_paths() const;

 private:
  struct Impl;
  explicit DataFileWriter(std::unique_ptr<Impl> impl);
  arrow::Status WriteImpl(const std::shared_ptr<arrow::RecordBatch>& batch);
  std::unique_ptr<Impl> impl_;
};

}  // namespace delta::write
