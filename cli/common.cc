#include "common.h"

#include <fstream>
#include <iomanip>

#include <arrow/csv/writer.h>
#include <arrow/ipc/writer.h>
#include <arrow/io/file.h>
#include <arrow/io/stdio.h>
#include <arrow/table.h>
#include <parquet/arrow/writer.h>

#include "delta/error.h"
#include "delta/format.h"

namespace deltactl {

int ReportError(const arrow::Status& status) {
  std::cerr << "deltactl: error [" << delta::ErrorCodeName(delta::GetErrorCode(status))
            << "]: " << status.message() << std::endl;
  return kExitError;
}

void VersionFlags::Add(CLI::App* cmd) {
  auto* v = cmd->add_option("--version", version, "Read this version (time travel)");
  auto* t = cmd->add_option("--timestamp", timestamp,
                            "Read the version in effect at this time (YYYY-MM-DD[ HH:MM:SS][Z], "
                            "ISO-8601, or epoch ms)");
  v->excludes(t);
}

arrow::Result<std::shared_ptr<const delta::Snapshot>> LoadSnapshot(const delta::Table& table,
                                                                  const VersionFlags& flags) {
  if (flags.timestamp) {
    ARROW_ASSIGN_OR_RAISE(int64_t ms, delta::ParseTimestampMs(*flags.timestamp));
    return table.GetSnapshotAtTimestamp(ms);
  }
  return table.GetSnapshot(flags.version);
}

void AddOutputOptions(CLI::App* cmd, OutputFormat* format, std::string* output) {
  static const std::map<std::string, OutputFormat> kFormats{{"table", OutputFormat::kTable},
                                                            {"csv", OutputFormat::kCsv},
                                                            {"json", OutputFormat::kJson},
                                                            {"parquet", OutputFormat::kParquet}};
  cmd->add_option("--format", *format, "Output format: table, csv, json (lines) or parquet")
      ->transform(CLI::CheckedTransformer(kFormats, CLI::ignore_case))
      ->option_text("table|csv|json|parquet");
  cmd->add_option("--output,-o", *output, "Write to FILE instead of stdout (required for parquet)");
}

std::string FormatTimestampMs(int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  char out[80];
  std::snprintf(out, sizeof(out), "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}

namespace {

// A boxed text table, widths from the rows shown.
arrow::Result<int64_t> WriteTable(arrow::RecordBatchReader& reader, std::ostream& os) {
  std::vector<std::vector<std::string>> rows;
  auto schema = reader.schema();
  std::vector<size_t> widths;
  for (const auto& f : schema->fields()) widths.push_back(f->name().size());
  while (true) {
    std::shared_ptr<arrow::RecordBatch> batch;
    ARROW_RETURN_NOT_OK(reader.ReadNext(&batch));
    if (!batch) break;
    for (int64_t r = 0; r < batch->num_rows(); ++r) {
      std::vector<std::string> row;
      for (int c = 0; c < batch->num_columns(); ++c) {
        ARROW_ASSIGN_OR_RAISE(auto s, batch->column(c)->GetScalar(r));
        row.push_back(delta::ScalarToDisplayText(*s));
        widths[c] = std::max(widths[c], row.back().size());
      }
      rows.push_back(std::move(row));
    }
  }
  auto line = [&] {
    os << '+';
    for (auto w : widths) os << std::string(w + 2, '-') << '+';
    os << '\n';
  };
  auto print_row = [&](const std::vector<std::string>& cells) {
    os << '|';
    for (size_t c = 0; c < cells.size(); ++c) {
      os << ' ' << cells[c] << std::string(widths[c] - cells[c].size(), ' ') << " |";
    }
    os << '\n';
  };
  std::vector<std::string> header;
  for (const auto& f : schema->fields()) header.push_back(f->name());
  line();
  print_row(header);
  line();
  for (const auto& r : rows) print_row(r);
  line();
  os << rows.size() << (rows.size() == 1 ? " row" : " rows") << '\n';
  return static_cast<int64_t>(rows.size());
}

}  // namespace

namespace {

// Feeds every batch of `reader` to `write`; returns the number of rows.
template <typename Fn>
arrow::Result<int64_t> ForEachBatch(arrow::RecordBatchReader& reader, Fn&& write) {
  int64_t rows = 0;
  while (true) {
    std::shared_ptr<arrow::RecordBatch> batch;
    ARROW_RETURN_NOT_OK(reader.ReadNext(&batch));
    if (!batch) return rows;
    ARROW_RETURN_NOT_OK(write(*batch));
    rows += batch->num_rows();
  }
}

arrow::Result<int64_t> WriteRowsTo(arrow::RecordBatchReader& reader, OutputFormat format,
                                   const std::string& output);

}  // namespace

arrow::Result<int64_t> WriteRows(arrow::RecordBatchReader& reader, OutputFormat format,
                                 const std::string& output) {
  auto rows = WriteRowsTo(reader, format, output);
  // A failed read must not leave a file that looks like a (partial) result.
  if (!rows.ok() && !output.empty()) std::remove(output.c_str());
  return rows;
}

namespace {

arrow::Result<int64_t> WriteRowsTo(arrow::RecordBatchReader& reader, OutputFormat format,
                                   const std::string& output) {
  std::ofstream file;
  std::ostream* os = &std::cout;
  if (!output.empty() && format != OutputFormat::kParquet) {
    file.open(output, std::ios::binary);
    if (!file) return delta::MakeError(delta::ErrorCode::kIoError, "cannot write " + output);
    os = &file;
  }
  int64_t rows = 0;
  switch (format) {
    case OutputFormat::kTable: return WriteTable(reader, *os);
    case OutputFormat::kJson: {
      return ForEachBatch(reader, [&](const arrow::RecordBatch& batch) {
        for (int64_t r = 0; r < batch.num_rows(); ++r) *os << delta::RowToJsonText(batch, r) << '\n';
        return arrow::Status::OK();
      });
    }
    case OutputFormat::kCsv: {
      std::shared_ptr<arrow::io::OutputStream> sink;
      if (output.empty()) {
        std::cout.flush();
        sink = std::make_shared<arrow::io::StdoutStream>();
      } else {
        ARROW_ASSIGN_OR_RAISE(sink, arrow::io::FileOutputStream::Open(output));
      }
      ARROW_ASSIGN_OR_RAISE(auto writer, arrow::csv::MakeCSVWriter(sink, reader.schema()));
      ARROW_ASSIGN_OR_RAISE(rows, ForEachBatch(reader, [&](const arrow::RecordBatch& b) {
                              return writer->WriteRecordBatch(b);
                            }));
      ARROW_RETURN_NOT_OK(writer->Close());
      return rows;
    }
    case OutputFormat::kParquet: {
      if (output.empty()) {
        return delta::MakeError(delta::ErrorCode::kInvalidArgument,
                                "--format parquet needs --output FILE");
      }
      ARROW_ASSIGN_OR_RAISE(auto out, arrow::io::FileOutputStream::Open(output));
      auto props = parquet::WriterProperties::Builder().compression(arrow::Compression::SNAPPY)->build();
      auto arrow_props = parquet::ArrowWriterProperties::Builder().store_schema()->build();
      ARROW_ASSIGN_OR_RAISE(auto writer, parquet::arrow::FileWriter::Open(
                                             *reader.schema(), arrow::default_memory_pool(), out,
                                             props, arrow_props));
      ARROW_ASSIGN_OR_RAISE(rows, ForEachBatch(reader, [&](const arrow::RecordBatch& b) {
                              return writer->WriteRecordBatch(b);
                            }));
      ARROW_RETURN_NOT_OK(writer->Close());
      ARROW_RETURN_NOT_OK(out->Close());
      return rows;
    }
  }
  return rows;
}

}  // namespace

bool ParseProperties(const std::vector<std::string>& args, const std::string& what,
                     std::map<std::string, std::string>* out) {
  for (const auto& p : args) {
    auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "deltactl: " << what << " takes key=value, got '" << p << "'\n";
      return false;
    }
    (*out)[p.substr(0, eq)] = p.substr(eq + 1);
  }
  return true;
}

}  // namespace deltactl
