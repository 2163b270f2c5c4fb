// Deletion vector decoding: Z85 and RoaringBitmapArray, no disk.
#include <gtest/gtest.h>

#include <arrow/filesystem/localfs.h>
#include <roaring/roaring.h>

#include "delta/error.h"
#include "scan/deletion_vector.h"

namespace delta::scan {
namespace {

TEST(Z85, DecodesTheSpecVector) {
  auto r = Z85Decode("HelloWorld");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, std::string("\x86\x4F\xD2\x6F\xB5\x59\xF7\x5B", 8));
}

TEST(Z85, RejectsBadLengthAndCharacters) {
  EXPECT_EQ(GetErrorCode(Z85Decode("Hell").status()), ErrorCode::kDeletionVectorError);
  EXPECT_FALSE(Z85Decode("Hell ").ok());
}

std::string PortableArray(const std::vector<std::pair<uint32_t, std::vector<uint32_t>>>& maps) {
  std::string out;
  auto put32 = [&](uint32_t v) { out.append(reinterpret_cast<const char*>(&v), 4); };
  put32(1681511377);
  uint64_t n = maps.size();
  out.append(reinterpret_cast<const char*>(&n), 8);
  for (const auto& [key, values] : maps) {
    put32(key);
    roaring_bitmap_t* bm = roaring_bitmap_of_ptr(values.size(), values.data());
    std::string buf(roaring_bitmap_portable_size_in_bytes(bm), '\0');
    roaring_bitmap_portable_serialize(bm, buf.data());
    roaring_bitmap_free(bm);
    out += buf;
  }
  return out;
}

TEST(RoaringBitmapArray, DecodesPortableFormatWithHighBits) {
  auto rows = DeserializeRoaringBitmapArray(PortableArray({{0, {1, 5, 70000}}, {2, {3}}}));
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(*rows, (std::vector<uint64_t>{1, 5, 70000, (uint64_t{2} << 32) | 3}));
}

TEST(RoaringBitmapArray, WrongMagicIsDeletionVectorError) {
  auto rows = DeserializeRoaringBitmapArray(std::string("\x01\x02\x03\x04", 4));
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(GetErrorCode(rows.status()), ErrorCode::kDeletionVectorError);
}

TEST(DeletionVector, InlineWithUnalignedTail) {
  // From a Delta table: 34 bytes, the final 2 bytes written as "##" + 3 digits.
  DeletionVectorDescriptor dv;
  dv.storage_type = "i";
  dv.path_or_inline_dv = "^Bg9^0rr910000000000iXQKl0rr91000005c8Xg##093";
  dv.size_in_bytes = 34;
  dv.cardinality = 1;
  arrow::fs::LocalFileSystem fs;
  auto rows = LoadDeletionVector(fs, "/nonexistent", dv, "f.parquet");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(*rows, std::vector<uint64_t>{3});
}

TEST(DeletionVector, RelativePathFromUuidAndPrefix) {
  DeletionVectorDescriptor dv;
  dv.storage_type = "u";
  dv.path_or_inline_dv = "ab^-aqEH.-t@S}K{vb[*k^";
  arrow::fs::LocalFileSystem fs;
  auto path = DeletionVectorPath("/tbl", fs, dv);
  ASSERT_TRUE(path.ok()) << path.status();
  EXPECT_EQ(path->rfind("/tbl/ab/deletion_vector_", 0), 0u);
  EXPECT_EQ(path->substr(path->size() - 4), ".bin");
}

TEST(Z85, EncodeDecodeRoundTripPadsToFourBytes) {
  const std::string bytes = "\x86\x4F\xD2\x6F\xB5\x59\xF7\x5B";
  EXPECT_EQ(Z85Encode(bytes), "HelloWorld");  // the spec's test vector
  auto back = Z85Decode(Z85Encode("abcdef"));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, std::string("abcdef\0\0", 8));
}

TEST(RoaringBitmapArray, SerializeRoundTripsIncludingHighKeys) {
  for (const std::vector<uint64_t>& rows :
       {std::vector<uint64_t>{}, std::vector<uint64_t>{0}, std::vector<uint64_t>{1, 2, 3, 1000, 70000},
        std::vector<uint64_t>{5, (uint64_t{2} << 32) | 7}}) {
    auto back = DeserializeRoaringBitmapArray(SerializeRoaringBitmapArray(rows));
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, rows);
  }
}

TEST(DeletionVectorWriter, SmallOnesInlineLargeOnesInOneFileWithCrc) {
  auto fs = std::make_shared<arrow::fs::LocalFileSystem>();
  const std::string root = ::testing::TempDir() + "/dv_writer_test";
  ASSERT_TRUE(fs->CreateDir(root).ok());
  DeletionVectorWriter writer(fs, root, 64);
  auto small = writer.Add({3, 7});
  ASSERT_TRUE(small.ok()) << small.status();
  EXPECT_EQ(small->storage_type, "i");
  EXPECT_EQ(small->cardinality, 2);
  std::vector<uint64_t> many;
  for (uint64_t i = 0; i < 5000; i += 3) many.push_back(i);
  auto big1 = writer.Add(many);
  auto big2 = writer.Add({1, 100000});
  ASSERT_TRUE(big1.ok() && big2.ok());
  ASSERT_TRUE(writer.Finish().ok());
  EXPECT_EQ(big1->storage_type, "u");
  EXPECT_EQ(big1->path_or_inline_dv.size(), 20u);
  EXPECT_EQ(big1->offset, 1);
  EXPECT_EQ(big1->cardinality, static_cast<int64_t>(many.size()));
  EXPECT_EQ(big2->storage_type, "i");
  auto path = DeletionVectorPath(root, *fs, *big1);
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(*path, writer.path());
  auto loaded_small = LoadDeletionVector(*fs, root, *small, "f");
  auto loaded_big = LoadDeletionVector(*fs, root, *big1, "f");
  ASSERT_TRUE(loaded_small.ok() && loaded_big.ok()) << loaded_big.status();
  EXPECT_EQ(*loaded_small, (std::vector<uint64_t>{3, 7}));
  EXPECT_EQ(*loaded_big, many);
  DeletionVectorWriter file_only(fs, root, 0);
  auto a = file_only.Add({1});
  auto b = file_only.Add({2, 4});
  ASSERT_TRUE(file_only.Finish().ok());
  EXPECT_GT(*b->offset, *a->offset);
  EXPECT_EQ(*LoadDeletionVector(*fs, root, *b, "f"), (std::vector<uint64_t>{2, 4}));
}

}  // namespace
}  // namespace delta::scan
