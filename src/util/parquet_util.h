// Small helpers over parquet::arrow shared by the checkpoint reader and the data file reader.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include <arrow/io/interfaces.h>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/schema.h>

namespace delta::util {

/// Opens a Parquet file for reading with `props`. Throws parquet::ParquetException like the
/// parquet::arrow calls it wraps (callers catch at their one Parquet boundary).
std::unique_ptr<parquet::arrow::FileReader> OpenParquetFile(
    std::shared_ptr<arrow::io::RandomAccessFile> file, const parquet::ArrowReaderProperties& props,
    const parquet::ReaderProperties& reader_props = parquet::default_reader_properties());

/// Appends the leaf column indices under `field` to `out`, depth first, leaving out subtrees for
/// which `skip(field, depth)` is true (depth 0 is `field` itself).
void CollectLeafColumns(const parquet::arrow::SchemaField& field, std::vector<int>* out,
                        const std::function<bool(const parquet::arrow::SchemaField&, int)>& skip = {},
                        int depth = 0);

}  // namespace delta::util
