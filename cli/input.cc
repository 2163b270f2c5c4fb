#include "input.h"

#include <algorithm>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include <arrow/compute/api.h>
#include <arrow/csv/api.h>
#include <arrow/io/file.h>
#include <arrow/json/api.h>
#include <parquet/arrow/reader.h>
#include <parquet/metadata.h>

#include "delta/error.h"

namespace deltactl {
namespace {

// Wraps an input stream: keeps what it depends on alive (the Parquet file reader), casts
// columns to the table's types where a hint is given, and reports read failures as
// ParseError naming the file instead of an internal error.
class InputReader : public arrow::RecordBatchReader {
 public:
  InputReader(std::shared_ptr<arrow::RecordBatchReader> inner, std::shared_ptr<void> owner,
              std::shared_ptr<arrow::Schema> hint, std::string path)
      : inner_(std::move(inner)), owner_(std::move(owner)), path_(std::move(path)) {
    arrow::FieldVector fields;
    for (const auto& f : inner_->schema()->fields()) {
      auto h = hint ? hint->GetFieldByName(f->name()) : nullptr;
      fields.push_back(h && !h->type()->Equals(*f->type()) ? f->WithType(h->type()) : f);
    }
    schema_ = arrow::schema(fields);
  }

  std::shared_ptr<arrow::Schema> schema() const override { return schema_; }

  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* out) override {
    auto st = inner_->ReadNext(out);
    if (!st.ok()) {
      return delta::MakeError(delta::ErrorCode::kParseError, "cannot read input " + path_ + ": " + st.message());
    }
    if (!*out) return arrow::Status::OK();
    arrow::ArrayVector columns = (*out)->columns();
    for (int i = 0; i < schema_->num_fields(); ++i) {
      if (columns[i]->type()->Equals(*schema_->field(i)->type())) continue;
      auto cast = arrow::compute::Cast(*columns[i], schema_->field(i)->type());
      if (!cast.ok()) {
        return delta::MakeError(delta::ErrorCode::kSchemaMismatch,
                                "input " + path_ + ": column " + schema_->field(i)->name() + " cannot be read as " +
                                    schema_->field(i)->type()->ToString() + ": " + cast.status().message());
      }
      columns[i] = *cast;
    }
    *out = arrow::RecordBatch::Make(schema_, (*out)->num_rows(), std::move(columns));
    return arrow::Status::OK();
  }

 private:
  std::shared_ptr<arrow::RecordBatchReader> inner_;
  std::shared_ptr<void> owner_;
  std::shared_ptr<arrow::Schema> schema_;
  std::string path_;
};

}  // namespace

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> OpenInput(
    const std::string& path, std::string format, const std::shared_ptr<arrow::Schema>& hint,
    bool whole_row_groups) {
  if (format.empty()) {
    auto dot = path.rfind('.');
    format = dot == std::string::npos ? "" : path.substr(dot + 1);
    if (format == "jsonl" || format == "ndjson") format = "json";
  }
  auto file = arrow::io::ReadableFile::Open(path);
  if (!file.ok()) {
    return delta::MakeError(delta::ErrorCode::kIoError,
                            "cannot open input " + path + ": " + file.status().message());
  }
  auto parse_error = [&](const arrow::Status& st) {
    return delta::MakeError(delta::ErrorCode::kParseError, "cannot read input " + path + ": " + st.message());
  };
  if (format == "parquet") {
    // Columns decoded in parallel (a MERGE source is read before anything else can run).
    parquet::ArrowReaderProperties props;
    props.set_use_threads(true);
    props.set_pre_buffer(true);
    parquet::arrow::FileReaderBuilder builder;
    auto opened_file = builder.Open(*file);
    if (!opened_file.ok()) return parse_error(opened_file);
    builder.properties(props);
    auto opened = builder.Build();
    if (!opened.ok()) return parse_error(opened.status());
    std::shared_ptr<parquet::arrow::FileReader> reader = std::move(*opened);
    if (whole_row_groups) {
      int64_t largest = 1;
      const auto& md = *reader->parquet_reader()->metadata();
      for (int i = 0; i < md.num_row_groups(); ++i) largest = std::max(largest, md.RowGroup(i)->num_rows());
      reader->set_batch_size(largest);
    }
    auto batches = reader->GetRecordBatchReader();
    if (!batches.ok()) return parse_error(batches.status());
    // Parquet carries its own types: no cast hint (schema enforcement judges them).
    return std::make_shared<InputReader>(std::shared_ptr<arrow::RecordBatchReader>(std::move(*batches)),
                                         reader, nullptr, path);
  }
  if (format == "csv") {
    auto convert = arrow::csv::ConvertOptions::Defaults();
    convert.strings_can_be_null = true;  // an empty field is NULL, as Spark reads CSV
    if (hint) {
      for (const auto& f : hint->fields()) convert.column_types[f->name()] = f->type();
    }
    auto reader = arrow::csv::StreamingReader::Make(arrow::io::default_io_context(), *file,
                                                    arrow::csv::ReadOptions::Defaults(),
                                                    arrow::csv::ParseOptions::Defaults(), convert);
    if (!reader.ok()) return parse_error(reader.status());
    return std::make_shared<InputReader>(*reader, nullptr, nullptr, path);
  }
  if (format == "json") {
    // The table's types for the keys the file has (a first pass collects them): an explicit
    // schema with every table column would invent all-null columns the file does not have,
    // and inference alone cannot type a date or a decimal written as text.
    auto parse = arrow::json::ParseOptions::Defaults();
    if (hint) {
      std::set<std::string> keys;
      std::ifstream in(path);
      std::string line;
      while (std::getline(in, line)) {
        auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
        if (j.is_object()) {
          for (auto it = j.begin(); it != j.end(); ++it) keys.insert(it.key());
        }
      }
      arrow::FieldVector fields;
      for (const auto& f : hint->fields()) {
        if (!keys.count(f->name()) || f->type()->id() == arrow::Type::MAP) continue;
        // Arrow's JSON reader does not parse text as dates: read text, cast afterwards.
        auto t = f->type()->id() == arrow::Type::DATE32 ? arrow::utf8() : f->type();
        fields.push_back(arrow::field(f->name(), t, true));
      }
      parse.explicit_schema = arrow::schema(fields);
      parse.unexpected_field_behavior = arrow::json::UnexpectedFieldBehavior::InferType;
    }
    auto reader = arrow::json::StreamingReader::Make(*file, arrow::json::ReadOptions::Defaults(), parse);
    if (!reader.ok()) return parse_error(reader.status());
    return std::make_shared<InputReader>(*reader, nullptr, hint, path);
  }
  return delta::MakeError(delta::ErrorCode::kInvalidArgument,
                          "unknown input format '" + format + "' for " + path +
                              " (use --input-format csv|json|parquet)");
}

}  // namespace deltactl
