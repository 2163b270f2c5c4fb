// delta_bench: timings of deltacpp's snapshot load, scan and write, and of the Arrow baselines.
//
// A benchmark driver, not a test: bench/run.py runs it on the tables bench/generate.py writes
// and compares the figures with delta-rs and pyarrow. Every subcommand runs `--warmup` untimed
// iterations (so all contestants see a warm page cache), then `--repeat` timed ones, and prints
// one JSON object on stdout: the seconds of each run, their min and median, and what was
// produced (file count, row count) so the driver can check that all contestants did the same
// work.
//
//   delta_bench snapshot   TABLE   Table::Open + GetSnapshot (latest version, full file list)
//   delta_bench scan       TABLE   Scan::Make + Execute, draining every batch
//   delta_bench arrow-scan TABLE   the same live files read with Arrow directly:
//                                  --method dataset (FileSystemDataset + ParquetFileFormat
//                                  scanner, threaded) or --method parquet (one
//                                  parquet::arrow::FileReader per file, files in parallel)
//   delta_bench write      OUTDIR  delta::WriteTable of --rows generated rows into a fresh table
//                                  (--partitioned: partitioned by `key`)
//   delta_bench arrow-write OUTDIR the same rows written as Parquet with Arrow directly:
//                                  --method parquet (one parquet::arrow::FileWriter per file,
//                                  files in sequence, as deltacpp writes them), parquet-threaded
//                                  (the same, columns encoded in parallel: use_threads) or
//                                  dataset (FileSystemDataset::Write, threaded; HivePartitioning
//                                  on `key` when --partitioned)
//   delta_bench vacuum     TEMPLATE --work DIR [--lite]
//                                  delta::Vacuum (retention 0, check off) of a fresh copy of
//                                  TEMPLATE in DIR (copied, file times set 30 days back and
//                                  sync()ed untimed before each run); files = files deleted
//
// The write data is generated in memory once per process, outside the timed region, by the same
// deterministic function bench/run.py uses for delta-rs and pyarrow (GenerateWriteData). Each
// write run starts from an empty OUTDIR (the previous run's output is deleted and the page cache
// flushed with sync(), untimed); the last run's output is left in OUTDIR.
//
// Exit codes: 0 ok, 1 error (message on stderr), 2 usage.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <arrow/api.h>
#include <arrow/compute/initialize.h>
#include <arrow/dataset/api.h>
#include <arrow/filesystem/localfs.h>
#include <arrow/util/parallel.h>
#include <arrow/util/thread_pool.h>
#include <arrow/util/uri.h>
#include <nlohmann/json.hpp>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/writer.h>
#include <parquet/exception.h>
#include <parquet/properties.h>

#include "delta/allocator_tuning.h"
#include "delta/operations/vacuum.h"
#include "delta/scan.h"
#include "delta/snapshot.h"
#include "delta/table.h"
#include "delta/write.h"

namespace {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

struct RunOptions {
  std::string table;
  int repeat = 5;
  int warmup = 1;
  std::string method = "dataset";
  int64_t batch_size = 64 * 1024;
  // write / arrow-write
  int64_t rows = 10'000'000;
  bool partitioned = false;
  std::string file_rows;  // arrow-write: rows of each file, comma-separated (unpartitioned)
  // vacuum
  std::string work;
  bool lite = false;
};

// What one timed iteration produced; must be equal across iterations.
struct Produced {
  int64_t files = 0;
  int64_t rows = 0;
  int64_t bytes = -1;  // written bytes (write benchmarks); reported, not compared
};

// Runs `body` warmup + repeat times and reports the timed runs as JSON. `untimed`, when given,
// runs before each run outside the timed region (e.g. to free the previous run's result);
// `after`, when given, runs after each run outside the timed region to complete what it
// produced (e.g. to count the files it wrote).
arrow::Result<json> Measure(const RunOptions& opts, const std::string& what,
                            const std::function<arrow::Result<Produced>()>& body,
                            const std::function<void()>& untimed = {},
                            const std::function<arrow::Status(Produced*)>& after = {}) {
  Produced produced;
  for (int i = 0; i < opts.warmup; ++i) {
    if (untimed) untimed();
    ARROW_ASSIGN_OR_RAISE(produced, body());
    if (after) ARROW_RETURN_NOT_OK(after(&produced));
  }
  std::vector<double> seconds;
  for (int i = 0; i < opts.repeat; ++i) {
    if (untimed) untimed();
    auto start = Clock::now();
    ARROW_ASSIGN_OR_RAISE(Produced p, body());
    seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    if (after) ARROW_RETURN_NOT_OK(after(&p));
    if (i > 0 || opts.warmup > 0) {
      if (p.files != produced.files || p.rows != produced.rows) {
        return arrow::Status::Invalid(what, ": runs disagree (", p.files, " files/", p.rows,
                                      " rows vs ", produced.files, "/", produced.rows, ")");
      }
    }
    produced = p;
  }
  std::vector<double> sorted = seconds;
  std::sort(sorted.begin(), sorted.end());
  const size_t n = sorted.size();
  const double median = n == 0 ? 0 : (n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2);
  json out{{"benchmark", what},
           {"table", opts.table},
           {"files", produced.files},
           {"rows", produced.rows},
           {"seconds", seconds},
              {"min", n == 0 ? 0 : sorted.front()},
           {"median", median},
           {"cpu_threads", arrow::GetCpuThreadPoolCapacity()}};
  if (produced.bytes >= 0) out["bytes"] = produced.bytes;
  return out;
}

arrow::Result<std::shared_ptr<const delta::Snapshot>> LoadLatest(const std::string& uri) {
  ARROW_ASSIGN_OR_RAISE(auto table, delta::Table::Open(uri));
  return table->GetSnapshot();
}

arrow::Result<json> BenchSnapshot(const RunOptions& opts) {
  std::shared_ptr<const delta::Snapshot> last;
  ARROW_ASSIGN_OR_RAISE(json out, Measure(opts, "snapshot", [&]() -> arrow::Result<Produced> {
    ARROW_ASSIGN_OR_RAISE(last, LoadLatest(opts.table));
    Produced p;
    p.files = static_cast<int64_t>(last->files().size());
    return p;
  }, [&] { last.reset(); }));  // the previous snapshot is freed outside the timed region
  ARROW_ASSIGN_OR_RAISE(last, LoadLatest(opts.table));
  // Outside the timed region: summing numRecords parses every file's stats JSON.
  out["rows"] = last->NumRecords().value_or(-1);
  out["version"] = last->version();
  out["checkpoint_version"] = last->checkpoint_version().value_or(-1);
  return out;
}

arrow::Result<int64_t> Drain(arrow::RecordBatchReader& reader) {
  int64_t rows = 0;
  while (true) {
    std::shared_ptr<arrow::RecordBatch> batch;
    ARROW_RETURN_NOT_OK(reader.ReadNext(&batch));
    if (!batch) break;
    rows += batch->num_rows();
  }
  return rows;
}

arrow::Result<json> BenchScan(const RunOptions& opts) {
  // The snapshot is loaded once, outside the timed region: this times the scan alone.
  ARROW_ASSIGN_OR_RAISE(auto snapshot, LoadLatest(opts.table));
  return Measure(opts, "scan", [&]() -> arrow::Result<Produced> {
    delta::ScanOptions scan_options;
    scan_options.batch_size = opts.batch_size;
    ARROW_ASSIGN_OR_RAISE(auto scan, delta::Scan::Make(snapshot, scan_options));
    ARROW_ASSIGN_OR_RAISE(auto reader, scan->Execute());
    Produced p;
    p.files = static_cast<int64_t>(scan->files().size());
    ARROW_ASSIGN_OR_RAISE(p.rows, Drain(*reader));
    return p;
  });
}

// Local paths of the snapshot's live files, in snapshot order.
std::vector<std::string> LivePaths(const delta::Snapshot& snapshot) {
  std::vector<std::string> paths;
  for (const auto& f : snapshot.files()) {
    std::string decoded = arrow::util::UriUnescape(f.path);
    paths.push_back(!decoded.empty() && decoded[0] == '/' ? decoded
                                                          : snapshot.table_root() + "/" + decoded);
  }
  return paths;
}

// Arrow Dataset: FileSystemDataset over the explicit file list, threaded scanner.
arrow::Result<Produced> ScanWithDataset(const std::shared_ptr<arrow::fs::FileSystem>& fs,
                                        const std::vector<std::string>& paths,
                                        const RunOptions& opts) {
  auto format = std::make_shared<arrow::dataset::ParquetFileFormat>();
  auto fragment_options = std::make_shared<arrow::dataset::ParquetFragmentScanOptions>();
  fragment_options->arrow_reader_properties->set_pre_buffer(true);
  format->default_fragment_scan_options = fragment_options;
  arrow::dataset::FileSystemFactoryOptions factory_options;
  ARROW_ASSIGN_OR_RAISE(auto factory, arrow::dataset::FileSystemDatasetFactory::Make(
                                          fs, paths, format, factory_options));
  ARROW_ASSIGN_OR_RAISE(auto dataset, factory->Finish());
  ARROW_ASSIGN_OR_RAISE(auto builder, dataset->NewScan());
  ARROW_RETURN_NOT_OK(builder->UseThreads(true));
  ARROW_RETURN_NOT_OK(builder->BatchSize(opts.batch_size));
  ARROW_ASSIGN_OR_RAISE(auto scanner, builder->Finish());
  ARROW_ASSIGN_OR_RAISE(auto batches, scanner->ScanBatchesUnordered());
  Produced p;
  p.files = static_cast<int64_t>(paths.size());
  for (auto it = batches.Next(); ; it = batches.Next()) {
    ARROW_ASSIGN_OR_RAISE(auto enumerated, std::move(it));
    if (arrow::IsIterationEnd(enumerated)) break;
    p.rows += enumerated.record_batch.value->num_rows();
  }
  return p;
}

// One parquet::arrow::FileReader per file, files spread over Arrow's CPU pool.
arrow::Result<Produced> ScanWithParquetReaders(const std::shared_ptr<arrow::fs::FileSystem>& fs,
                                               const std::vector<std::string>& paths,
                                               const RunOptions& opts) {
  std::vector<int64_t> rows(paths.size(), 0);
  ARROW_RETURN_NOT_OK(arrow::internal::ParallelFor(
      static_cast<int>(paths.size()), [&](int i) -> arrow::Status {
        ARROW_ASSIGN_OR_RAISE(auto input, fs->OpenInputFile(paths[i]));
        parquet::ArrowReaderProperties props;
        props.set_batch_size(opts.batch_size);
        props.set_pre_buffer(true);
        props.set_use_threads(false);
        parquet::arrow::FileReaderBuilder builder;
        ARROW_RETURN_NOT_OK(builder.Open(input));
        builder.properties(props);
        ARROW_ASSIGN_OR_RAISE(auto reader, builder.Build());
        ARROW_ASSIGN_OR_RAISE(auto batches, reader->GetRecordBatchReader());
        ARROW_ASSIGN_OR_RAISE(rows[i], Drain(*batches));
        return arrow::Status::OK();
      }));
  Produced p;
  p.files = static_cast<int64_t>(paths.size());
  for (int64_t r : rows) p.rows += r;
  return p;
}

arrow::Result<json> BenchArrowScan(const RunOptions& opts) {
  ARROW_ASSIGN_OR_RAISE(auto snapshot, LoadLatest(opts.table));
  const std::vector<std::string> paths = LivePaths(*snapshot);
  const auto fs = snapshot->filesystem();
  std::function<arrow::Result<Produced>()> body;
  if (opts.method == "dataset") {
    body = [&] { return ScanWithDataset(fs, paths, opts); };
  } else if (opts.method == "parquet") {
    body = [&] { return ScanWithParquetReaders(fs, paths, opts); };
  } else {
    return arrow::Status::Invalid("unknown --method '", opts.method, "' (dataset, parquet)");
  }
  ARROW_ASSIGN_OR_RAISE(json out, Measure(opts, "arrow-scan", body));
  out["method"] = opts.method;
  return out;
}

// ---- write ----------------------------------------------------------------------------------

// The write benchmark's data, row i of 0..rows-1 (bench/run.py's write_data() is the same
// function in numpy; keep them identical):
//   h     = i * 0x9E3779B97F4A7C15 (mod 2^64); h ^= h >> 29
//   id    int64   i
//   key   int32   h % 16                         (the partition column with --partitioned)
//   value double  (h >> 11) * 2^-53 * 1000.0     (in [0, 1000))
//   name  string  "customer-%03d" % ((h >> 20) % 1000)   (12 chars, 1000 distinct)
// No nulls. Batches of `batch_size` rows.
constexpr int kPartitionValues = 16;
constexpr int kDistinctNames = 1000;

std::shared_ptr<arrow::Schema> WriteSchema() {
  return arrow::schema({arrow::field("id", arrow::int64()), arrow::field("key", arrow::int32()),
                        arrow::field("value", arrow::float64()),
                        arrow::field("name", arrow::utf8())});
}

arrow::Result<std::vector<std::shared_ptr<arrow::RecordBatch>>> GenerateWriteData(int64_t rows,
                                                                                  int64_t batch_size) {
  std::vector<std::string> names;
  for (int k = 0; k < kDistinctNames; ++k) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "customer-%03d", k);
    names.emplace_back(buf);
  }
  const auto schema = WriteSchema();
  std::vector<std::shared_ptr<arrow::RecordBatch>> batches;
  for (int64_t begin = 0; begin < rows; begin += batch_size) {
    const int64_t n = std::min(batch_size, rows - begin);
    arrow::Int64Builder ids;
    arrow::Int32Builder keys;
    arrow::DoubleBuilder values;
    arrow::StringBuilder strs;
    ARROW_RETURN_NOT_OK(ids.Reserve(n));
    ARROW_RETURN_NOT_OK(keys.Reserve(n));
    ARROW_RETURN_NOT_OK(values.Reserve(n));
    ARROW_RETURN_NOT_OK(strs.Reserve(n));
    ARROW_RETURN_NOT_OK(strs.ReserveData(n * 12));
    for (int64_t i = begin; i < begin + n; ++i) {
      uint64_t h = static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15ULL;
      h ^= h >> 29;
      ids.UnsafeAppend(i);
      keys.UnsafeAppend(static_cast<int32_t>(h % kPartitionValues));
      values.UnsafeAppend(static_cast<double>(h >> 11) * 0x1p-53 * 1000.0);
      ARROW_RETURN_NOT_OK(strs.Append(names[(h >> 20) % kDistinctNames]));
    }
    std::shared_ptr<arrow::Array> a, b, c, d;
    ARROW_RETURN_NOT_OK(ids.Finish(&a));
    ARROW_RETURN_NOT_OK(keys.Finish(&b));
    ARROW_RETURN_NOT_OK(values.Finish(&c));
    ARROW_RETURN_NOT_OK(strs.Finish(&d));
    batches.push_back(arrow::RecordBatch::Make(schema, n, {a, b, c, d}));
  }
  return batches;
}

// Parquet settings shared by the Arrow baselines, as deltacpp's writer sets them
// (src/write/data_file_writer.cc): snappy, dictionary encoding, row groups of up to 1Mi rows,
// statistics on (Arrow's default).
constexpr int64_t kRowGroupRows = 1 << 20;

std::shared_ptr<parquet::WriterProperties> ParquetProperties() {
  return parquet::WriterProperties::Builder()
      .compression(arrow::Compression::SNAPPY)
      ->max_row_group_length(kRowGroupRows)
      ->enable_dictionary()
      ->build();
}

// Empties `dir` (outside the timed region) and flushes the page cache, so that writeback of the
// previous run's files does not land in the next timed run.
void ResetDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  ::sync();
}

// Files and bytes under `dir`, data files only (not _delta_log).
arrow::Status CountParquet(const std::string& dir, Produced* p) {
  p->files = 0;
  p->bytes = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ".parquet" &&
        e.path().string().find("_delta_log") == std::string::npos) {
      ++p->files;
      p->bytes += static_cast<int64_t>(e.file_size());
    }
  }
  return arrow::Status::OK();
}

arrow::Result<json> BenchWrite(const RunOptions& opts) {
  ARROW_ASSIGN_OR_RAISE(auto batches, GenerateWriteData(opts.rows, opts.batch_size));
  const std::string out_dir = std::filesystem::absolute(opts.table).string();
  delta::WriteOptions options;
  options.mode = delta::WriteMode::kErrorIfExists;  // a fresh table every run
  options.compression = "snappy";
  if (opts.partitioned) options.partition_by = {"key"};
  ARROW_ASSIGN_OR_RAISE(json out, Measure(opts, "write", [&]() -> arrow::Result<Produced> {
    ARROW_ASSIGN_OR_RAISE(auto reader, arrow::RecordBatchReader::Make(batches, WriteSchema()));
    ARROW_ASSIGN_OR_RAISE(auto metrics, delta::WriteTable(out_dir, reader, options));
    Produced p;
    p.files = metrics.num_files_added;
    p.rows = metrics.num_output_rows;
    p.bytes = metrics.num_output_bytes;
    return p;
  }, [&] { ResetDir(out_dir); }));
  out["partitioned"] = opts.partitioned;
  return out;
}

// Row counts of the files to write: --file-rows when given, else deltacpp's rule (a file is
// closed after the batch that brings it to max_rows_per_file rows or to target_file_size bytes,
// estimated as half the batches' uncompressed Arrow buffer sizes).
arrow::Result<std::vector<int64_t>> FileRows(const RunOptions& opts,
                                             const std::vector<std::shared_ptr<arrow::RecordBatch>>& batches) {
  std::vector<int64_t> out;
  if (!opts.file_rows.empty()) {
    std::stringstream ss(opts.file_rows);
    std::string item;
    int64_t total = 0;
    while (std::getline(ss, item, ',')) {
      out.push_back(std::stoll(item));
      total += out.back();
    }
    if (total != opts.rows) {
      return arrow::Status::Invalid("--file-rows add up to ", total, ", not --rows ", opts.rows);
    }
    return out;
  }
  const delta::WriteOptions defaults;
  const int64_t target = 128LL << 20;
  int64_t rows = 0, bytes = 0;
  for (const auto& b : batches) {
    int64_t size = 0;
    for (const auto& col : b->columns()) {
      for (const auto& buf : col->data()->buffers) size += buf ? buf->size() : 0;
    }
    rows += b->num_rows();
    bytes += size / 2;
    if (rows >= defaults.max_rows_per_file || bytes >= target) {
      out.push_back(rows);
      rows = bytes = 0;
    }
  }
  if (rows > 0) out.push_back(rows);
  return out;
}

// One parquet::arrow::FileWriter per file, files in sequence; batches are sliced at the file
// boundaries. `threaded`: the writer encodes a row group's columns in parallel.
arrow::Result<Produced> WriteWithParquetWriters(const std::string& dir,
                                                const std::vector<std::shared_ptr<arrow::RecordBatch>>& batches,
                                                const std::vector<int64_t>& file_rows, bool threaded) {
  auto fs = std::make_shared<arrow::fs::LocalFileSystem>();
  ARROW_RETURN_NOT_OK(fs->CreateDir(dir, true));
  const auto props = ParquetProperties();
  const auto arrow_props = parquet::ArrowWriterProperties::Builder().set_use_threads(threaded)->build();
  Produced p;
  size_t next_batch = 0;
  int64_t offset = 0;  // rows of batches[next_batch] already written
  for (size_t f = 0; f < file_rows.size(); ++f) {
    char name[64];
    std::snprintf(name, sizeof name, "/part-%05zu.snappy.parquet", f);
    ARROW_ASSIGN_OR_RAISE(auto sink, fs->OpenOutputStream(dir + name));
    ARROW_ASSIGN_OR_RAISE(auto writer, parquet::arrow::FileWriter::Open(
                                           *WriteSchema(), arrow::default_memory_pool(), sink,
                                           props, arrow_props));
    int64_t left = file_rows[f];
    while (left > 0 && next_batch < batches.size()) {
      const auto& batch = batches[next_batch];
      const int64_t take = std::min(left, batch->num_rows() - offset);
      if (offset == 0 && take == batch->num_rows()) {
        ARROW_RETURN_NOT_OK(writer->WriteRecordBatch(*batch));
      } else {
        ARROW_RETURN_NOT_OK(writer->WriteRecordBatch(*batch->Slice(offset, take)));
      }
      left -= take;
      offset += take;
      p.rows += take;
      if (offset == batch->num_rows()) {
        ++next_batch;
        offset = 0;
      }
    }
    ARROW_RETURN_NOT_OK(writer->Close());
    ARROW_RETURN_NOT_OK(sink->Close());
  }
  return p;
}

// FileSystemDataset::Write from an in-memory dataset of the batches, threaded; Hive
// partitioning on `key` when partitioned (the partition column leaves the files, as in Delta).
arrow::Result<Produced> WriteWithDataset(const std::string& dir,
                                         const std::vector<std::shared_ptr<arrow::RecordBatch>>& batches,
                                         bool partitioned, int64_t max_rows_per_file) {
  namespace ds = arrow::dataset;
  auto dataset = std::make_shared<ds::InMemoryDataset>(WriteSchema(), batches);
  ARROW_ASSIGN_OR_RAISE(auto builder, dataset->NewScan());
  ARROW_RETURN_NOT_OK(builder->UseThreads(true));
  ARROW_ASSIGN_OR_RAISE(auto scanner, builder->Finish());
  auto format = std::make_shared<ds::ParquetFileFormat>();
  auto write_options = std::static_pointer_cast<ds::ParquetFileWriteOptions>(format->DefaultWriteOptions());
  write_options->writer_properties = ParquetProperties();
  ds::FileSystemDatasetWriteOptions options;
  options.file_write_options = write_options;
  options.filesystem = std::make_shared<arrow::fs::LocalFileSystem>();
  options.base_dir = dir;
  options.partitioning = partitioned
                             ? std::shared_ptr<ds::Partitioning>(std::make_shared<ds::HivePartitioning>(
                                   arrow::schema({arrow::field("key", arrow::int32())})))
                             : ds::Partitioning::Default();
  options.basename_template = "part-{i}.snappy.parquet";
  options.existing_data_behavior = ds::ExistingDataBehavior::kError;
  options.max_rows_per_file = static_cast<uint64_t>(max_rows_per_file);
  // Full row groups, as deltacpp writes them (a file smaller than that is one row group).
  options.max_rows_per_group = std::min<uint64_t>(kRowGroupRows, options.max_rows_per_file);
  options.min_rows_per_group = options.max_rows_per_group;
  ARROW_RETURN_NOT_OK(ds::FileSystemDataset::Write(options, scanner));
  Produced p;
  for (const auto& b : batches) p.rows += b->num_rows();
  return p;
}

arrow::Result<json> BenchArrowWrite(const RunOptions& opts) {
  ARROW_ASSIGN_OR_RAISE(auto batches, GenerateWriteData(opts.rows, opts.batch_size));
  const std::string out_dir = std::filesystem::absolute(opts.table).string();
  ARROW_ASSIGN_OR_RAISE(auto file_rows, FileRows(opts, batches));
  std::function<arrow::Result<Produced>()> body;
  if (opts.method == "dataset") {
    const int64_t max_rows = opts.partitioned ? delta::WriteOptions{}.max_rows_per_file
                                              : *std::max_element(file_rows.begin(), file_rows.end());
    body = [&, max_rows] { return WriteWithDataset(out_dir, batches, opts.partitioned, max_rows); };
  } else if (opts.partitioned) {
    return arrow::Status::Invalid("--method ", opts.method, " writes unpartitioned files only");
  } else if (opts.method == "parquet" || opts.method == "parquet-threaded") {
    const bool threaded = opts.method == "parquet-threaded";
    body = [&, threaded] { return WriteWithParquetWriters(out_dir, batches, file_rows, threaded); };
  } else {
    return arrow::Status::Invalid("unknown --method '", opts.method,
                                  "' (parquet, parquet-threaded, dataset)");
  }
  ARROW_ASSIGN_OR_RAISE(json out, Measure(opts, "arrow-write", body, [&] { ResetDir(out_dir); },
                                          [&](Produced* p) { return CountParquet(out_dir, p); }));
  out["method"] = opts.method;
  out["partitioned"] = opts.partitioned;
  return out;
}

// A fresh copy of `from` in `to`, every file 30 days old (so a zero retention deletes what is
// unreferenced, whatever the clock granularity).
void CopyAged(const std::string& from, const std::string& to) {
  namespace fs = std::filesystem;
  fs::remove_all(to);
  fs::copy(from, to, fs::copy_options::recursive);
  const auto old = fs::file_time_type::clock::now() - std::chrono::hours(24 * 30);
  for (const auto& e : fs::recursive_directory_iterator(to)) fs::last_write_time(e.path(), old);
  ::sync();
}

arrow::Result<json> BenchVacuum(const RunOptions& opts) {
  delta::VacuumOptions v;
  v.retention_hours = 0;
  v.enforce_retention_duration = false;
  v.mode = opts.lite ? delta::VacuumMode::kLite : delta::VacuumMode::kFull;
  ARROW_ASSIGN_OR_RAISE(json out, Measure(opts, "vacuum", [&]() -> arrow::Result<Produced> {
    ARROW_ASSIGN_OR_RAISE(auto m, delta::Vacuum(opts.work, v));
    Produced p;
    p.files = m.num_deleted_files;
    p.bytes = m.size_of_data_to_delete;
    return p;
  }, [&] { CopyAged(opts.table, opts.work); }));
  out["mode"] = opts.lite ? "lite" : "full";
  return out;
}

int Report(const arrow::Result<json>& result) {
  if (!result.ok()) {
    std::cerr << "delta_bench: " << result.status().ToString() << "\n";
    return 1;
  }
  std::cout << result->dump() << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Same allocator settings as deltactl for every contestant in this process.
  delta::TuneAllocator(argv, delta::AllocatorUse::kKeepFreedPages);
  CLI::App app{"deltacpp benchmarks (see bench/run.py)"};
  app.require_subcommand(1);
  RunOptions opts;
  auto add_common = [&](CLI::App* cmd) {
    cmd->add_option("table", opts.table, "table path or URI")->required();
    cmd->add_option("--repeat", opts.repeat, "timed runs")->check(CLI::PositiveNumber);
    cmd->add_option("--warmup", opts.warmup, "untimed runs first")->check(CLI::NonNegativeNumber);
  };
  auto* snapshot = app.add_subcommand("snapshot", "time Table::Open + GetSnapshot");
  add_common(snapshot);
  auto* scan = app.add_subcommand("scan", "time a full deltacpp scan");
  add_common(scan);
  scan->add_option("--batch-size", opts.batch_size, "rows per batch");
  auto* arrow_scan = app.add_subcommand("arrow-scan", "time reading the live files with Arrow");
  add_common(arrow_scan);
  arrow_scan->add_option("--batch-size", opts.batch_size, "rows per batch");
  arrow_scan->add_option("--method", opts.method, "dataset or parquet")
      ->check(CLI::IsMember({"dataset", "parquet"}));
  auto add_write = [&](CLI::App* cmd) {
    add_common(cmd);
    cmd->add_option("--rows", opts.rows, "rows to generate and write")->check(CLI::PositiveNumber);
    cmd->add_flag("--partitioned", opts.partitioned, "partition by `key` (16 values)");
    cmd->add_option("--batch-size", opts.batch_size, "rows per generated batch");
  };
  auto* write = app.add_subcommand("write", "time delta::WriteTable of generated rows");
  add_write(write);
  auto* arrow_write = app.add_subcommand("arrow-write", "time writing the same rows with Arrow");
  add_write(arrow_write);
  arrow_write->add_option("--method", opts.method, "parquet, parquet-threaded or dataset")
      ->check(CLI::IsMember({"dataset", "parquet", "parquet-threaded"}));
  arrow_write->add_option("--file-rows", opts.file_rows,
                          "rows of each file, comma-separated (parquet methods; default: "
                          "deltacpp's file-size rule)");
  auto* vacuum = app.add_subcommand("vacuum", "time delta::Vacuum of a fresh copy of a table");
  add_common(vacuum);
  vacuum->add_option("--work", opts.work, "directory the table is copied to before each run")->required();
  vacuum->add_flag("--lite", opts.lite, "lite mode (the log's removes; no listing)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  auto init = arrow::compute::Initialize();
  if (!init.ok()) {
    std::cerr << "delta_bench: " << init.ToString() << "\n";
    return 1;
  }
  if (*snapshot) return Report(BenchSnapshot(opts));
  if (*scan) return Report(BenchScan(opts));
  if (*write) return Report(BenchWrite(opts));
  if (*vacuum) return Report(BenchVacuum(opts));
  if (*arrow_write) return Report(BenchArrowWrite(opts));
  return Report(BenchArrowScan(opts));
}
