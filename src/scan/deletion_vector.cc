#include "scan/deletion_vector.h"

#include <array>
#include <cstring>

#include <arrow/buffer.h>
#include <arrow/util/crc32.h>
#include <roaring/roaring.h>

#include "delta/error.h"
#include "storage/table_location.h"
#include "util/uuid.h"

namespace delta::scan {
namespace {

constexpr std::string_view kZ85Alphabet =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
constexpr int32_t kPortableMagic = 1681511377;
constexpr int32_t kNativeMagic = 1681511376;

uint32_t LoadLE32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;  // x86/ARM little endian
}
uint64_t LoadLE64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
uint32_t LoadBE32(const char* p) {
  const auto* b = reinterpret_cast<const uint8_t*>(p);
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}

// Appends the members of one serialized 32-bit bitmap (high bits `key`) to `out`; returns the
// number of bytes consumed.
arrow::Result<size_t> AppendBitmap(const char* data, size_t avail, uint64_t key,
                                   std::vector<uint64_t>* out) {
  roaring_bitmap_t* bm = roaring_bitmap_portable_deserialize_safe(data, avail);
  if (!bm) return DELTA_ERROR(kDeletionVectorError, "corrupt Roaring bitmap in deletion vector");
  size_t used = roaring_bitmap_portable_size_in_bytes(bm);
  uint64_t n = roaring_bitmap_get_cardinality(bm);
  std::vector<uint32_t> values(n);
  roaring_bitmap_to_uint32_array(bm, values.data());
  roaring_bitmap_free(bm);
  out->reserve(out->size() + n);
  for (uint32_t v : values) out->push_back((key << 32) | v);
  return used;
}

void PutLE32(std::string* out, uint32_t v) {
  for (int k = 0; k < 4; ++k) out->push_back(static_cast<char>((v >> (8 * k)) & 0xFF));
}
void PutLE64(std::string* out, uint64_t v) {
  for (int k = 0; k < 8; ++k) out->push_back(static_cast<char>((v >> (8 * k)) & 0xFF));
}
void PutBE32(std::string* out, uint32_t v) {
  for (int k = 3; k >= 0; --k) out->push_back(static_cast<char>((v >> (8 * k)) & 0xFF));
}

}  // namespace

std::string Z85Encode(std::string_view bytes) {
  std::string padded(bytes);
  padded.resize((padded.size() + 3) / 4 * 4, '\0');
  std::string out;
  out.reserve(padded.size() / 4 * 5);
  for (size_t i = 0; i < padded.size(); i += 4) {
    uint64_t v = 0;
    for (size_t k = 0; k < 4; ++k) v = (v << 8) | static_cast<uint8_t>(padded[i + k]);
    char block[5];
    for (int k = 4; k >= 0; --k) {
      block[k] = kZ85Alphabet[v % 85];
      v /= 85;
    }
    out.append(block, 5);
  }
  return out;
}

std::string SerializeRoaringBitmapArray(const std::vector<uint64_t>& rows) {
  std::string out;
  PutLE32(&out, static_cast<uint32_t>(kPortableMagic));
  const uint64_t num_bitmaps = rows.empty() ? 0 : (rows.back() >> 32) + 1;
  PutLE64(&out, num_bitmaps);
  size_t pos = 0;
  for (uint64_t key = 0; key < num_bitmaps; ++key) {
    std::vector<uint32_t> low;
    while (pos < rows.size() && (rows[pos] >> 32) == key) {
      low.push_back(static_cast<uint32_t>(rows[pos] & 0xFFFFFFFFu));
      ++pos;
    }
    roaring_bitmap_t* bm = roaring_bitmap_of_ptr(low.size(), low.data());
    roaring_bitmap_run_optimize(bm);
    PutLE32(&out, static_cast<uint32_t>(key));
    const size_t at = out.size();
    out.resize(at + roaring_bitmap_portable_size_in_bytes(bm));
    roaring_bitmap_portable_serialize(bm, out.data() + at);
    roaring_bitmap_free(bm);
  }
  return out;
}

DeletionVectorWriter::DeletionVectorWriter(std::shared_ptr<arrow::fs::FileSystem> fs,
                                           std::string table_root, int32_t inline_max_bytes)
    : fs_(std::move(fs)), table_root_(std::move(table_root)), inline_max_bytes_(inline_max_bytes) {}

DeletionVectorWriter::~DeletionVectorWriter() = default;

arrow::Result<DeletionVectorDescriptor> DeletionVectorWriter::Add(const std::vector<uint64_t>& rows) {
  std::string bitmap = SerializeRoaringBitmapArray(rows);
  DeletionVectorDescriptor dv;
  dv.size_in_bytes = static_cast<int32_t>(bitmap.size());
  dv.cardinality = static_cast<int64_t>(rows.size());
  if (static_cast<int64_t>(bitmap.size()) <= inline_max_bytes_) {
    dv.storage_type = "i";
    dv.path_or_inline_dv = Z85Encode(bitmap);
    return dv;
  }
  if (buffer_.empty()) {
    const std::string uuid = util::NewUuid();
    std::string raw;
    for (size_t i = 0; i < uuid.size(); ++i) {
      if (uuid[i] == '-') continue;
      raw.push_back(static_cast<char>(std::stoi(uuid.substr(i, 2), nullptr, 16)));
      ++i;
    }
    uuid_z85_ = Z85Encode(raw);
    path_ = table_root_ + "/deletion_vector_" + uuid + ".bin";
    buffer_.push_back(1);  // format version
  }
  dv.storage_type = "u";
  dv.path_or_inline_dv = uuid_z85_;
  dv.offset = static_cast<int32_t>(buffer_.size());
  PutBE32(&buffer_, static_cast<uint32_t>(bitmap.size()));
  buffer_ += bitmap;
  PutBE32(&buffer_, arrow::internal::crc32(0, bitmap.data(), bitmap.size()));
  return dv;
}

arrow::Status DeletionVectorWriter::Finish() {
  if (buffer_.empty()) return arrow::Status::OK();
  ARROW_ASSIGN_OR_RAISE(auto out, fs_->OpenOutputStream(path_));
  ARROW_RETURN_NOT_OK(out->Write(buffer_.data(), static_cast<int64_t>(buffer_.size())));
  return out->Close();
}

arrow::Result<std::string> Z85Decode(std::string_view text) {
  if (text.size() % 5 != 0) {
    return DELTA_ERROR(kDeletionVectorError, "Z85 text length ", text.size(),
                       " is not a multiple of 5");
  }
  std::array<int, 256> rev;
  rev.fill(-1);
  for (size_t i = 0; i < kZ85Alphabet.size(); ++i) rev[static_cast<uint8_t>(kZ85Alphabet[i])] = static_cast<int>(i);
  std::string out;
  out.reserve(text.size() / 5 * 4);
  for (size_t i = 0; i < text.size(); i += 5) {
    uint64_t v = 0;
    for (size_t k = 0; k < 5; ++k) {
      int d = rev[static_cast<uint8_t>(text[i + k])];
      if (d < 0) return DELTA_ERROR(kDeletionVectorError, "invalid Z85 character in '", text, "'");
      v = v * 85 + static_cast<uint64_t>(d);
    }
    if (v > 0xFFFFFFFFull) return DELTA_ERROR(kDeletionVectorError, "Z85 value overflow");
    out.push_back(static_cast<char>((v >> 24) & 0xFF));
    out.push_back(static_cast<char>((v >> 16) & 0xFF));
    out.push_back(static_cast<char>((v >> 8) & 0xFF));
    out.push_back(static_cast<char>(v & 0xFF));
  }
  return out;
}

arrow::Result<std::vector<uint64_t>> DeserializeRoaringBitmapArray(std::string_view bytes) {
  if (bytes.size() < 4) return DELTA_ERROR(kDeletionVectorError, "deletion vector too short");
  const char* p = bytes.data();
  size_t avail = bytes.size();
  int32_t magic = static_cast<int32_t>(LoadLE32(p));
  p += 4;
  avail -= 4;
  std::vector<uint64_t> out;
  if (magic == kPortableMagic) {
    if (avail < 8) return DELTA_ERROR(kDeletionVectorError, "deletion vector truncated");
    uint64_t n = LoadLE64(p);
    p += 8;
    avail -= 8;
    for (uint64_t i = 0; i < n; ++i) {
      if (avail < 4) return DELTA_ERROR(kDeletionVectorError, "deletion vector truncated");
      uint64_t key = LoadLE32(p);
      p += 4;
      avail -= 4;
      ARROW_ASSIGN_OR_RAISE(size_t used, AppendBitmap(p, avail, key, &out));
      p += used;
      avail -= used;
    }
  } else if (magic == kNativeMagic) {
    if (avail < 4) return DELTA_ERROR(kDeletionVectorError, "deletion vector truncated");
    uint32_t n = LoadLE32(p);
    p += 4;
    avail -= 4;
    for (uint32_t i = 0; i < n; ++i) {
      if (avail < 4) return DELTA_ERROR(kDeletionVectorError, "deletion vector truncated");
      uint32_t size = LoadLE32(p);
      p += 4;
      avail -= 4;
      if (size > avail) return DELTA_ERROR(kDeletionVectorError, "deletion vector truncated");
      ARROW_RETURN_NOT_OK(AppendBitmap(p, size, i, &out).status());
      p += size;
      avail -= size;
    }
  } else {
    return DELTA_ERROR(kDeletionVectorError, "unexpected RoaringBitmapArray magic number ", magic);
  }
  return out;
}

arrow::Result<std::string> DeletionVectorPath(const std::string& table_root,
                                              const arrow::fs::FileSystem& fs,
                                              const DeletionVectorDescriptor& dv) {
  if (dv.storage_type == "p") {
    if (dv.path_or_inline_dv.find("://") != std::string::npos) {
      return fs.PathFromUri(dv.path_or_inline_dv);
    }
    return storage::UriDecode(dv.path_or_inline_dv);
  }
  if (dv.storage_type != "u") {
    return DELTA_ERROR(kDeletionVectorError, "deletion vector storage type '", dv.storage_type,
                       "' has no file");
  }
  const std::string& s = dv.path_or_inline_dv;
  if (s.size() < 20) {
    return DELTA_ERROR(kDeletionVectorError, "deletion vector path '", s, "' is too short");
  }
  std::string prefix = s.substr(0, s.size() - 20);
  ARROW_ASSIGN_OR_RAISE(std::string uuid, Z85Decode(std::string_view(s).substr(s.size() - 20)));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  for (size_t i = 0; i < uuid.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text.push_back('-');
    auto b = static_cast<uint8_t>(uuid[i]);
    text.push_back(kHex[b >> 4]);
    text.push_back(kHex[b & 15]);
  }
  std::string path = table_root + "/";
  if (!prefix.empty()) path += prefix + "/";
  return path + "deletion_vector_" + text + ".bin";
}

arrow::Result<std::vector<uint64_t>> LoadDeletionVector(arrow::fs::FileSystem& fs,
                                                        const std::string& table_root,
                                                        const DeletionVectorDescriptor& dv,
                                                        const std::string& data_file) {
  if (dv.storage_type == "i") {
    const std::string& text = dv.path_or_inline_dv;
    const int tail = dv.size_in_bytes % 4;
    std::string bytes;
    if (tail != 0 && text.size() >= 5 &&
        text.compare(text.size() - 5, 4 - tail, std::string(4 - tail, '#')) == 0) {
      // Writers encode an unaligned final block of n bytes as (4 - n) '#' pad characters and
      // the n bytes as a big-endian base-85 number (the z85 padding convention kernels use).
      ARROW_ASSIGN_OR_RAISE(bytes, Z85Decode(std::string_view(text).substr(0, text.size() - 5)));
      uint64_t v = 0;
      for (char c : text.substr(text.size() - 1 - tail)) {
        auto pos = kZ85Alphabet.find(c);
        if (pos == std::string_view::npos) {
          return DELTA_ERROR(kDeletionVectorError, "invalid Z85 character in inline deletion vector of ", data_file);
        }
        v = v * 85 + pos;
      }
      for (int k = tail - 1; k >= 0; --k) bytes.push_back(static_cast<char>((v >> (8 * k)) & 0xFF));
    } else {
      ARROW_ASSIGN_OR_RAISE(bytes, Z85Decode(text));
    }
    if (dv.size_in_bytes > static_cast<int32_t>(bytes.size())) {
      return DELTA_ERROR(kDeletionVectorError, "inline deletion vector of ", data_file,
                         " is shorter than its sizeInBytes");
    }
    bytes.resize(dv.size_in_bytes);
    auto r = DeserializeRoaringBitmapArray(bytes);
    if (!r.ok()) {
      return DELTA_ERROR(kDeletionVectorError, "inline deletion vector of ", data_file, ": ",
                         r.status().message());
    }
    return r;
  }
  ARROW_ASSIGN_OR_RAISE(std::string path, DeletionVectorPath(table_root, fs, dv));
  auto file = fs.OpenInputFile(path);
  if (!file.ok()) {
    return DELTA_ERROR(kDeletionVectorError, "cannot open deletion vector file ", path, " of ",
                       data_file, ": ", file.status().message());
  }
  const int64_t offset = dv.offset.value_or(1);
  auto buf = (*file)->ReadAt(offset, 4 + static_cast<int64_t>(dv.size_in_bytes) + 4);
  if (!buf.ok() || (*buf)->size() < 8 + dv.size_in_bytes) {
    return DELTA_ERROR(kDeletionVectorError, "deletion vector file ", path, " of ", data_file,
                       " is truncated at offset ", offset);
  }
  const char* p = reinterpret_cast<const char*>((*buf)->data());
  uint32_t size = LoadBE32(p);
  if (static_cast<int32_t>(size) != dv.size_in_bytes) {
    return DELTA_ERROR(kDeletionVectorError, "deletion vector in ", path, " at offset ", offset,
                       " has size ", size, ", the log says ", dv.size_in_bytes);
  }
  uint32_t expected_crc = LoadBE32(p + 4 + size);
  uint32_t crc = arrow::internal::crc32(0, p + 4, size);
  if (crc != expected_crc) {
    return DELTA_ERROR(kDeletionVectorError, "deletion vector in ", path, " at offset ", offset,
                       " fails its checksum");
  }
  auto r = DeserializeRoaringBitmapArray(std::string_view(p + 4, size));
  if (!r.ok()) {
    return DELTA_ERROR(kDeletionVectorError, "deletion vector in ", path, " of ", data_file, ": ",
                       r.status().message());
  }
  return r;
}

}  // namespace delta::scan
