#include "util/parquet_util.h"

#include <parquet/exception.h>

namespace delta::util {

std::unique_ptr<parquet::arrow::FileReader> OpenParquetFile(
    std::shared_ptr<arrow::io::RandomAccessFile> file, const parquet::ArrowReaderProperties& props,
    const parquet::ReaderProperties& reader_props) {
  parquet::arrow::FileReaderBuilder builder;
  PARQUET_THROW_NOT_OK(builder.Open(std::move(file), reader_props));
  builder.properties(props);
  std::unique_ptr<parquet::arrow::FileReader> reader;
  PARQUET_ASSIGN_OR_THROW(reader, builder.Build());
  return reader;
}

void CollectLeafColumns(const parquet::arrow::SchemaField& field, std::vector<int>* out,
                        const std::function<bool(const parquet::arrow::SchemaField&, int)>& skip,
                        int depth) {
  if (skip && skip(field, depth)) return;
  if (field.column_index >= 0) out->push_back(field.column_index);
  for (const auto& c : field.children) CollectLeafColumns(c, out, skip, depth + 1);
}

}  // namespace delta::util
