// Deletion vectors (PROTOCOL.md "Deletion Vectors", "Deletion Vector Format").
//
// A deletion vector marks deleted rows of one data file by row index. Descriptors store it
// inline (Z85-encoded), in a file named from a UUID relative to the table root ('u'), or at an
// absolute path ('p'). Serialized bitmaps use the RoaringBitmapArray format: a magic number,
// then 32-bit Roaring bitmaps (portable serialization, via CRoaring) keyed by the high 32 bits
// of each 64-bit row index. Files hold, at the descriptor's offset: size (4 bytes, big
// endian), the bitmap, and its CRC-32 (big endian), which is verified.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/filesystem/filesystem.h>
#include <arrow/result.h>

#include "delta/actions.h"

namespace delta::scan {

/// Encodes bytes as Z85. Input whose length is not a multiple of 4 is padded with zero bytes
/// first (Spark's Base85Codec convention: readers truncate to the descriptor's sizeInBytes).
std::string Z85Encode(std::string_view bytes);

/// Decodes Z85 (ZeroMQ base-85) text; its length must be a multiple of 5.
arrow::Result<std::string> Z85Decode(std::string_view text);

/// Decodes a RoaringBitmapArray into sorted, distinct row indexes.
arrow::Result<std::vector<uint64_t>> DeserializeRoaringBitmapArray(std::string_view bytes);

/// Serializes sorted, distinct row indexes as a RoaringBitmapArray in the portable format
/// (magic, bitmap count as int64, then key + portable 32-bit Roaring bitmap for every key from
/// 0 to the highest, empty ones included, as Spark writes it).
std::string SerializeRoaringBitmapArray(const std::vector<uint64_t>& rows);

/// Deletion vectors of one operation, written together: small ones inline ('i'), the others
/// into one file `deletion_vector_<uuid>.bin` at the table root (a version byte 1, then per
/// DV: size (4 bytes, big endian), bitmap, CRC-32 (big endian)), referenced as 'u' with the
/// Z85-encoded UUID. Not thread-safe.
class DeletionVectorWriter {
 public:
  /// `inline_max_bytes`: serialized bitmaps up to this size are stored inline (0: never).
  DeletionVectorWriter(std::shared_ptr<arrow::fs::FileSystem> fs, std::string table_root,
                       int32_t inline_max_bytes);
  ~DeletionVectorWriter();

  /// Adds the deletion vector of sorted, distinct `rows` (non-empty) and returns its
  /// descriptor; file-backed ones become readable after Finish.
  arrow::Result<DeletionVectorDescriptor> Add(const std::vector<uint64_t>& rows);

  /// Writes the file (if any DV needs one).
  arrow::Status Finish();

  /// The file written (empty when every DV was inline), for cleanup after a failed commit.
  const std::string& path() const { return path_; }

 private:
  std::shared_ptr<arrow::fs::FileSystem> fs_;
  std::string table_root_;
  int32_t inline_max_bytes_;
  std::string uuid_z85_;
  std::string path_;
  std::string buffer_;  // the file's bytes so far
};

/// The absolute path (within fs) of the file of a 'u' or 'p' descriptor.
arrow::Result<std::string> DeletionVectorPath(const std::string& table_root,
                                              const arrow::fs::FileSystem& fs,
                                              const DeletionVectorDescriptor& dv);

/// Loads a deletion vector: the sorted row indexes it deletes. Errors (kDeletionVectorError)
/// name the file and the data file it belongs to.
arrow::Result<std::vector<uint64_t>> LoadDeletionVector(arrow::fs::FileSystem& fs,
                                                        const std::string& table_root,
                                                        const DeletionVectorDescriptor& dv,
                                                        const std::string& data_file);

}  // namespace delta::scan
