// Spark's Murmur3 hash (the `hash()` SQL function and HashPartitioning), for writing
// multi-part checkpoints clustered the way PROTOCOL.md "Multi-part checkpoint" requires
// ("spark-style hash partitioning"): part = pmod(hash(key), parts), seed 42.
//
// Spark hashes strings with its own Murmur3_x86_32 variant: 4-byte little-endian blocks as
// usual, but each trailing byte (sign-extended) is mixed as a full block. Null inputs leave the
// running hash unchanged. Pure, thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace delta::util {

inline constexpr int32_t kSparkHashSeed = 42;

/// Spark's Murmur3_x86_32.hashUnsafeBytes of `bytes` with `seed`.
int32_t SparkMurmur3(std::string_view bytes, int32_t seed);

/// Spark's Pmod(hash, n): the non-negative remainder.
inline int32_t SparkPmod(int32_t hash, int32_t n) {
  int32_t r = hash % n;
  return r < 0 ? r + n : r;
}

}  // namespace delta::util
