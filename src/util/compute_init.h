// Arrow 26 registers most compute kernels lazily: arrow::compute::Initialize() must run once
// per process before functions like min_max or filter exist. Every entry point that may be
// the first to use compute calls this (cheap after the first call, thread-safe).
#pragma once

#include <arrow/status.h>

namespace delta::util {

arrow::Status EnsureComputeInitialized();

}  // namespace delta::util
