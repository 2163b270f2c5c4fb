#include "delta/allocator_tuning.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include <arrow/memory_pool.h>

namespace delta {

void TuneAllocator(char** argv, AllocatorUse use) {
  if (use == AllocatorUse::kLight) return;
  if (use == AllocatorUse::kReturnFreedPages && std::getenv("ARROW_DEFAULT_MEMORY_POOL") == nullptr) {
    const auto backends = arrow::SupportedMemoryBackendNames();
    if (std::find(backends.begin(), backends.end(), "jemalloc") != backends.end()) {
      (void)::setenv("ARROW_DEFAULT_MEMORY_POOL", "jemalloc", 0);  // read at the pool's first use
      return;
    }
  }
  if (std::getenv("MIMALLOC_PURGE_DELAY") != nullptr) return;
  if (arrow::default_memory_pool()->backend_name() != "mimalloc") return;
  if (::setenv("MIMALLOC_PURGE_DELAY", use == AllocatorUse::kKeepFreedPages ? "-1" : "10", 0) != 0) return;
  ::execv("/proc/self/exe", argv);
  // execv failed (e.g. no /proc): run as we are.
}

}  // namespace delta
