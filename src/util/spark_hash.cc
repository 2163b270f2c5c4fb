#include "util/spark_hash.h"

#include <cstring>

namespace delta::util {
namespace {

inline uint32_t Rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

inline uint32_t MixK1(uint32_t k1) {
  k1 *= 0xcc9e2d51u;
  k1 = Rotl(k1, 15);
  return k1 * 0x1b873593u;
}

inline uint32_t MixH1(uint32_t h1, uint32_t k1) {
  h1 ^= k1;
  h1 = Rotl(h1, 13);
  return h1 * 5 + 0xe6546b64u;
}

inline uint32_t Fmix(uint32_t h1, uint32_t length) {
  h1 ^= length;
  h1 ^= h1 >> 16;
  h1 *= 0x85ebca6bu;
  h1 ^= h1 >> 13;
  h1 *= 0xc2b2ae35u;
  h1 ^= h1 >> 16;
  return h1;
}

}  // namespace

int32_t SparkMurmur3(std::string_view bytes, int32_t seed) {
  const size_t n = bytes.size();
  const size_t aligned = n - n % 4;
  uint32_t h1 = static_cast<uint32_t>(seed);
  for (size_t i = 0; i < aligned; i += 4) {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + i);
    const uint32_t block = static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
                           (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
    h1 = MixH1(h1, MixK1(block));
  }
  for (size_t i = aligned; i < n; ++i) {
    // The JVM byte is signed: sign-extend it to an int.
    const auto b = static_cast<int32_t>(static_cast<signed char>(bytes[i]));
    h1 = MixH1(h1, MixK1(static_cast<uint32_t>(b)));
  }
  return static_cast<int32_t>(Fmix(h1, static_cast<uint32_t>(n)));
}

}  // namespace delta::util
