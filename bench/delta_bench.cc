// delta_bench: timings of deltacpp's snapshot load and scan, and of the Arrow baseline scan.
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
//
// Exit codes: 0 ok, 1 error (message on stderr), 2 usage.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <iostream>
#include <memory>
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
#include <parquet/exception.h>

#include "delta/scan.h"
#include "delta/snapshot.h"
#include "delta/table.h"

namespace {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

struct RunOptions {
  std::string table;
  int repeat = 5;
  int warmup = 1;
  std::string method = "dataset";
  int64_t batch_size = 64 * 1024;
};

// What one timed iteration produced; must be equal across iterations.
struct Produced {
  int64_t files = 0;
  int64_t rows = 0;
};

// Runs `body` warmup + repeat times and reports the timed runs as JSON. `untimed`, when given,
// runs before each run outside the timed region (e.g. to free the previous run's result).
arrow::Result<json> Measure(const RunOptions& opts, const std::string& what,
                            const std::function<arrow::Result<Produced>()>& body,
                            const std::function<void()>& untimed = {}) {
  Produced produced;
  for (int i = 0; i < opts.warmup; ++i) {
    if (untimed) untimed();
    ARROW_ASSIGN_OR_RAISE(produced, body());
  }
  std::vector<double> seconds;
  for (int i = 0; i < opts.repeat; ++i) {
    if (untimed) untimed();
    auto start = Clock::now();
    ARROW_ASSIGN_OR_RAISE(Produced p, body());
    seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count());
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
  return json{{"benchmark", what},
              {"table", opts.table},
              {"files", produced.files},
              {"rows", produced.rows},
              {"seconds", seconds},
              {"min", n == 0 ? 0 : sorted.front()},
              {"median", median},
              {"cpu_threads", arrow::GetCpuThreadPoolCapacity()}};
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
  return Report(BenchArrowScan(opts));
}
