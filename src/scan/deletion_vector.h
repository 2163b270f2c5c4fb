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
#include <string>
#include <string_view>
#include <vector>

#include <arrow/filesystem/filesystem.h>
#include <arrow/result.h>

#include "delta/actions.h"

namespace delta::scan {

/// Decodes Z85 (ZeroMQ base-85) text; its length must be a multiple of 5.
arrow::Result<std::string> Z85Decode(std::string_view text);

/// Decodes a RoaringBitmapArray into sorted, distinct row indexes.
arrow::Result<std::vector<uint64_t>> DeserializeRoaringBitmapArray(std::string_view bytes);

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
