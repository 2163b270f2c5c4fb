#include "input.h"

#include <arrow/csv/api.h>
#include <arrow/io/file.h>
#include <arrow/json/api.h>
#include <parquet/arrow/reader.h>

#include "delta/error.h"

namespace deltactl {

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> OpenInput(
    const std::string& path, std::string format, const std::shared_ptr<arrow::Schema>& hint) {
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
  if (format == "parquet") {
    std::unique_ptr<parquet::arrow::FileReader> reader;
    ARROW_ASSIGN_OR_RAISE(reader, parquet::arrow::OpenFile(*file, arrow::default_memory_pool()));
    ARROW_ASSIGN_OR_RAISE(auto batches, reader->GetRecordBatchReader());
    return std::shared_ptr<arrow::RecordBatchReader>(std::move(batches));
  }
  if (format == "csv") {
    auto convert = arrow::csv::ConvertOptions::Defaults();
    convert.strings_can_be_null = true;  // an empty field is NULL, as Spark reads CSV
    if (hint) {
      for (const auto& f : hint->fields()) convert.column_types[f->name()] = f->type();
    }
    ARROW_ASSIGN_OR_RAISE(auto reader, arrow::csv::StreamingReader::Make(
                                           arrow::io::default_io_context(), *file,
                                           arrow::csv::ReadOptions::Defaults(),
                                           arrow::csv::ParseOptions::Defaults(), convert));
    return std::shared_ptr<arrow::RecordBatchReader>(std::move(reader));
  }
  if (format == "json") {
    auto parse = arrow::json::ParseOptions::Defaults();
    if (hint) {
      arrow::FieldVector fields;
      for (const auto& f : hint->fields()) fields.push_back(f->WithNullable(true));
      parse.explicit_schema = arrow::schema(fields);
      parse.unexpected_field_behavior = arrow::json::UnexpectedFieldBehavior::InferType;
    }
    ARROW_ASSIGN_OR_RAISE(auto reader, arrow::json::StreamingReader::Make(
                                           *file, arrow::json::ReadOptions::Defaults(), parse));
    return std::shared_ptr<arrow::RecordBatchReader>(std::move(reader));
  }
  return delta::MakeError(delta::ErrorCode::kInvalidArgument,
                          "unknown input format '" + format + "' for " + path +
                              " (use --input-format csv|json|parquet)");
}

}  // namespace deltactl
