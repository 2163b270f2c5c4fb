// Arrow 26 registers most compute kernels lazily: arrow::compute::Initialize() must run once
// per process before functions like min_max or filter exist. Every entry point that may be
// the first to use compute calls this (cheap after the first call, thread-safe). It also adds
// deltacpp's own kernels to Arrow's default function registry (below).
#pragma once

#include <arrow/status.h>

namespace delta::util {

arrow::Status EnsureComputeInitialized();

/// "delta_remainder_by_constant"(x, d): x % d for int32/int64 x and a scalar divisor d with
/// |d| >= 2 (truncating, the sign of x, as Spark's `%` and Arrow's remainder), computed with
/// libdivide's multiply-and-shift instead of a hardware division per row (`id % 100 = 7`
/// spends most of its time dividing otherwise). The translation emits it only for such
/// literal divisors; anything else goes to Arrow's remainder_checked.
inline constexpr const char* kRemainderByConstant = "delta_remainder_by_constant";

}  // namespace delta::util
