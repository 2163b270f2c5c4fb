#include "ops/zorder_external.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <random>

#include <arrow/array.h>
#include <arrow/array/concatenate.h>
#include <arrow/compute/api.h>
#include <arrow/io/file.h>
#include <arrow/ipc/reader.h>
#include <arrow/ipc/writer.h>
#include <arrow/table.h>
#include <arrow/type_traits.h>
#include <arrow/util/byte_size.h>

#include "delta/error.h"
#include "ops/optimize_plan.h"
#include "util/compute_init.h"

namespace delta::ops {
namespace {

namespace cp = arrow::compute;
constexpr uint64_t kSignBit = uint64_t{1} << 63;
constexpr const char* kKeyColumn = "__deltacpp_zorder_key";

template <typename ArrayT, typename F>
void ForEachValid(const ArrayT& a, std::vector<uint64_t>* out, F code) {
  for (int64_t i = 0; i < a.length(); ++i) {
    if (a.IsValid(i)) (*out)[static_cast<size_t>(i)] = code(a.Value(i));
  }
}

uint64_t DoubleCode(double v) {
  v += 0.0;  // -0.0 -> 0.0
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return (bits & kSignBit) ? ~bits : (bits | kSignBit);
}

uint64_t PrefixCode(std::string_view s) {
  uint64_t code = 0;
  for (size_t i = 0; i < 8; ++i) {
    code = (code << 8) | (i < s.size() ? static_cast<unsigned char>(s[i]) : 0u);
  }
  return code;
}

// A row's per-column codes -> rank buckets from the sorted sample of each column -> Z-key.
struct KeyModel {
  std::vector<std::vector<uint64_t>> sorted;  // per column: the sample's codes, ascending
  std::vector<uint64_t> splits;               // Z-keys where ranges 1.. start
  int bits = 32;

  uint64_t Key(const std::vector<uint64_t>& codes, std::vector<uint32_t>* scratch) const {
    for (size_t c = 0; c < codes.size(); ++c) {
      const auto& s = sorted[c];
      const auto rank = static_cast<unsigned __int128>(std::lower_bound(s.begin(), s.end(), codes[c]) - s.begin());
      (*scratch)[c] = static_cast<uint32_t>((rank << bits) / (s.size() + 1));
    }
    return InterleaveBits(*scratch, bits);
  }
  int64_t Range(uint64_t key) const {
    return static_cast<int64_t>(std::upper_bound(splits.begin(), splits.end(), key) - splits.begin());
  }
};

arrow::Result<std::vector<std::vector<uint64_t>>> BatchCodes(const arrow::RecordBatch& batch,
                                                             const std::vector<std::string>& columns) {
  std::vector<std::vector<uint64_t>> out;
  for (const auto& name : columns) {
    auto col = batch.GetColumnByName(name);
    if (!col) return DELTA_ERROR(kInternal, "Z-ORDER: column ", name, " missing from a batch");
    ARROW_ASSIGN_OR_RAISE(auto codes, OrderPreservingCodes(*col));
    out.push_back(std::move(codes));
  }
  return out;
}

}  // namespace

arrow::Result<std::vector<uint64_t>> OrderPreservingCodes(const arrow::Array& column) {
  using arrow::Type;
  ARROW_RETURN_NOT_OK(util::EnsureComputeInitialized());
  std::vector<uint64_t> out(static_cast<size_t>(column.length()), 0);
  const auto id = column.type_id();
  std::shared_ptr<arrow::Array> a = arrow::MakeArray(column.data());
  if (arrow::is_signed_integer(id) || arrow::is_temporal(id)) {
    if (arrow::is_temporal(id)) {  // dates, times, timestamps: their integer storage
      const int width = column.type()->byte_width();
      ARROW_ASSIGN_OR_RAISE(a, a->View(width == 4 ? arrow::int32() : arrow::int64()));
    }
    ARROW_ASSIGN_OR_RAISE(auto d, cp::Cast(a, arrow::int64()));
    ForEachValid(static_cast<const arrow::Int64Array&>(*d.make_array()), &out,
                 [](int64_t v) { return static_cast<uint64_t>(v) ^ kSignBit; });
  } else if (arrow::is_unsigned_integer(id)) {
    ARROW_ASSIGN_OR_RAISE(auto d, cp::Cast(a, arrow::uint64()));
    ForEachValid(static_cast<const arrow::UInt64Array&>(*d.make_array()), &out, [](uint64_t v) { return v; });
  } else if (arrow::is_floating(id) || arrow::is_decimal(id)) {
    ARROW_ASSIGN_OR_RAISE(auto d, cp::Cast(a, arrow::float64(), cp::CastOptions::Unsafe()));
    ForEachValid(static_cast<const arrow::DoubleArray&>(*d.make_array()), &out, DoubleCode);
  } else if (id == Type::BOOL) {
    ForEachValid(static_cast<const arrow::BooleanArray&>(*a), &out, [](bool v) { return uint64_t{v} + 1; });
  } else if (id == Type::STRING || id == Type::BINARY) {
    ForEachValid(static_cast<const arrow::BinaryArray&>(*a), &out, PrefixCode);
  } else if (id == Type::LARGE_STRING || id == Type::LARGE_BINARY) {
    ForEachValid(static_cast<const arrow::LargeBinaryArray&>(*a), &out, PrefixCode);
  } else if (id == Type::STRING_VIEW || id == Type::BINARY_VIEW) {
    const auto& v = static_cast<const arrow::BinaryViewArray&>(*a);
    for (int64_t i = 0; i < v.length(); ++i) {
      if (v.IsValid(i)) out[static_cast<size_t>(i)] = PrefixCode(v.GetView(i));
    }
  } else {
    return DELTA_ERROR(kInvalidArgument, "Z-ORDER BY a column of type ", column.type()->ToString(),
                       " is not supported");
  }
  return out;
}

arrow::Status ExternalZOrder(int64_t num_files,
                             const std::function<arrow::Result<BatchVector>(int64_t, bool)>& read,
                             const std::function<arrow::Status(const std::shared_ptr<arrow::RecordBatch>&)>& write,
                             const ExternalZOrderOptions& options) {
  const size_t ncols = options.columns.size();
  if (ncols == 0) return DELTA_ERROR(kInvalidArgument, "Z-order needs at least one column");
  ARROW_RETURN_NOT_OK(util::EnsureComputeInitialized());
  KeyModel model;
  model.bits = ZOrderBitsPerColumn(ncols);

  // 1. Keys pass: a reservoir sample of the rows' codes.
  const auto capacity = static_cast<size_t>(std::max<int64_t>(1, options.sample_rows));
  std::vector<std::vector<uint64_t>> sample(ncols);
  std::mt19937_64 rng(42);
  uint64_t seen = 0;
  for (int64_t f = 0; f < num_files; ++f) {
    ARROW_ASSIGN_OR_RAISE(auto batches, read(f, /*keys_only=*/true));
    for (const auto& b : batches) {
      ARROW_ASSIGN_OR_RAISE(auto codes, BatchCodes(*b, options.columns));
      for (int64_t i = 0; i < b->num_rows(); ++i, ++seen) {
        size_t slot;
        if (sample[0].size() < capacity) {
          slot = sample[0].size();
          for (auto& s : sample) s.push_back(0);
        } else {
          const uint64_t j = rng() % (seen + 1);
          if (j >= capacity) continue;
          slot = static_cast<size_t>(j);
        }
        for (size_t c = 0; c < ncols; ++c) sample[c][slot] = codes[c][static_cast<size_t>(i)];
      }
    }
  }
  if (seen == 0) return arrow::Status::OK();
  model.sorted = sample;
  for (auto& s : model.sorted) std::sort(s.begin(), s.end());
  {
    std::vector<uint64_t> keys(sample[0].size());
    std::vector<uint64_t> row(ncols);
    std::vector<uint32_t> scratch(ncols);
    for (size_t i = 0; i < keys.size(); ++i) {
      for (size_t c = 0; c < ncols; ++c) row[c] = sample[c][i];
      keys[i] = model.Key(row, &scratch);
    }
    std::sort(keys.begin(), keys.end());
    const int64_t ranges = std::clamp<int64_t>(options.num_ranges, 1, static_cast<int64_t>(keys.size()));
    for (int64_t r = 1; r < ranges; ++r) {
      const uint64_t split = keys[static_cast<size_t>(r * static_cast<int64_t>(keys.size()) / ranges)];
      if (model.splits.empty() || split > model.splits.back()) model.splits.push_back(split);
    }
  }
  sample.clear();
  const size_t nranges = model.splits.size() + 1;

  // 2. Spill pass.
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path dir = fs::path(options.spill_dir.empty() ? fs::temp_directory_path().string() : options.spill_dir) /
                       ("deltacpp-zorder-" + std::to_string(std::random_device{}()));
  fs::create_directories(dir, ec);
  if (ec) return DELTA_ERROR(kIoError, "cannot create the Z-ORDER spill directory ", dir.string(), ": ", ec.message());
  struct RemoveDir {
    fs::path p;
    ~RemoveDir() {
      std::error_code e;
      fs::remove_all(p, e);
    }
  } remove_dir{dir};
  auto spill_path = [&](size_t r) { return (dir / ("range-" + std::to_string(r) + ".arrow")).string(); };
  std::vector<std::shared_ptr<arrow::ipc::RecordBatchWriter>> writers(nranges);
  std::vector<std::shared_ptr<arrow::io::FileOutputStream>> streams(nranges);
  std::shared_ptr<arrow::Schema> spill_schema;
  for (int64_t f = 0; f < num_files; ++f) {
    ARROW_ASSIGN_OR_RAISE(auto batches, read(f, /*keys_only=*/false));
    for (const auto& b : batches) {
      const int64_t n = b->num_rows();
      if (n == 0) continue;
      ARROW_ASSIGN_OR_RAISE(auto codes, BatchCodes(*b, options.columns));
      std::vector<uint64_t> keys(static_cast<size_t>(n));
      std::vector<uint32_t> range_of(static_cast<size_t>(n));
      std::vector<int64_t> counts(nranges + 1, 0);
      std::vector<uint64_t> row(ncols);
      std::vector<uint32_t> scratch(ncols);
      for (int64_t i = 0; i < n; ++i) {
        for (size_t c = 0; c < ncols; ++c) row[c] = codes[c][static_cast<size_t>(i)];
        keys[static_cast<size_t>(i)] = model.Key(row, &scratch);
        range_of[static_cast<size_t>(i)] = static_cast<uint32_t>(model.Range(keys[static_cast<size_t>(i)]));
        ++counts[range_of[static_cast<size_t>(i)] + 1];
      }
      std::partial_sum(counts.begin(), counts.end(), counts.begin());
      // A stable counting sort by range: rows of one range become one contiguous slice.
      std::vector<int64_t> order(static_cast<size_t>(n));
      std::vector<uint64_t> sorted_keys(static_cast<size_t>(n));
      auto fill = counts;
      for (int64_t i = 0; i < n; ++i) {
        const auto at = static_cast<size_t>(fill[range_of[static_cast<size_t>(i)]]++);
        order[at] = i;
        sorted_keys[at] = keys[static_cast<size_t>(i)];
      }
      arrow::Int64Array indices(n, arrow::Buffer::Wrap(order));
      ARROW_ASSIGN_OR_RAISE(auto taken, cp::Take(b, indices));
      auto permuted = taken.record_batch();
      arrow::UInt64Array key_array(n, arrow::Buffer::Wrap(sorted_keys));
      ARROW_ASSIGN_OR_RAISE(auto key_copy, arrow::Concatenate({std::make_shared<arrow::UInt64Array>(key_array.data())}));
      ARROW_ASSIGN_OR_RAISE(auto with_key, permuted->AddColumn(permuted->num_columns(), kKeyColumn, key_copy));
      if (!spill_schema) spill_schema = with_key->schema();
      for (size_t r = 0; r < nranges; ++r) {
        const int64_t lo = counts[r], hi = counts[r + 1];
        if (lo == hi) continue;
        if (!writers[r]) {
          ARROW_ASSIGN_OR_RAISE(streams[r], arrow::io::FileOutputStream::Open(spill_path(r)));
          ARROW_ASSIGN_OR_RAISE(writers[r], arrow::ipc::MakeFileWriter(streams[r], spill_schema));
        }
        ARROW_RETURN_NOT_OK(writers[r]->WriteRecordBatch(*with_key->Slice(lo, hi - lo)));
      }
    }
  }
  for (size_t r = 0; r < nranges; ++r) {
    if (!writers[r]) continue;
    ARROW_RETURN_NOT_OK(writers[r]->Close());
    ARROW_RETURN_NOT_OK(streams[r]->Close());
    writers[r].reset();
    streams[r].reset();
  }

  // 3. Each range in key order: sort by key, write, delete.
  for (size_t r = 0; r < nranges; ++r) {
    const std::string path = spill_path(r);
    if (!fs::exists(path)) continue;
    {
      ARROW_ASSIGN_OR_RAISE(auto file, arrow::io::MemoryMappedFile::Open(path, arrow::io::FileMode::READ));
      ARROW_ASSIGN_OR_RAISE(auto reader, arrow::ipc::RecordBatchFileReader::Open(file));
      BatchVector parts;
      for (int i = 0; i < reader->num_record_batches(); ++i) {
        ARROW_ASSIGN_OR_RAISE(auto part, reader->ReadRecordBatch(i));
        parts.push_back(std::move(part));
      }
      ARROW_ASSIGN_OR_RAISE(auto table, arrow::Table::FromRecordBatches(reader->schema(), parts));
      parts.clear();
      const int key_index = table->num_columns() - 1;
      ARROW_ASSIGN_OR_RAISE(auto order, cp::SortIndices(*table->column(key_index)));
      ARROW_ASSIGN_OR_RAISE(table, table->RemoveColumn(key_index));
      ARROW_ASSIGN_OR_RAISE(auto sorted, cp::Take(table, order));
      table.reset();
      const auto& st = sorted.table();
      const int64_t raw = arrow::util::TotalBufferSize(*st);
      const int64_t row_bytes = std::max<int64_t>(1, raw / std::max<int64_t>(1, st->num_rows()));
      arrow::TableBatchReader batches(*st);
      // Batches of about 4 MiB keep the writer's file splits close to its target.
      batches.set_chunksize(std::clamp<int64_t>((4 << 20) / row_bytes, 1024, 64 * 1024));
      std::shared_ptr<arrow::RecordBatch> b;
      while (true) {
        ARROW_RETURN_NOT_OK(batches.ReadNext(&b));
        if (!b) break;
        ARROW_RETURN_NOT_OK(write(b));
      }
    }
    fs::remove(path, ec);
  }
  return arrow::Status::OK();
}

}  // namespace delta::ops
