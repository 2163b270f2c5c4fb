#include "delta/allocator_tuning.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include <arrow/memory_pool.h>

namespace delta {

void TuneAllocator(char** argv, AllocatorUse use) {
  if (std::getenv("ARROW_DEFAULT_MEMORY_POOL") == nullptr) {
    const auto backends = arrow::SupportedMemoryBackendNames();
    if (std::find(backends.begin(), backends.end(), "jemalloc") != backends.end()) {
      if (::setenv("ARROW_DEFAULT_MEMORY_POOL", "jemalloc", 0) != 0) return;
      if (use != AllocatorUse::kKeepFreedPages || std::getenv("JE_ARROW_MALLOC_CONF") != nullptr) return;
      if (::setenv("JE_ARROW_MALLOC_CONF", "dirty_decay_ms:-1,muzzy_decay_ms:-1", 0) != 0) return;
      ::execv("/proc/self/exe", argv);
      return;  // execv failed (e.g. no /proc): run as we are.
    }
  }
  if (use == AllocatorUse::kLight || std::getenv("MIMALLOC_PURGE_DELAY") != nullptr) return;
  if (arrow::default_memory_pool()->backend_name() != "mimalloc") return;
  if (::setenv("MIMALLOC_PURGE_DELAY", use == AllocatorUse::kKeepFreedPages ? "-1" : "10", 0) != 0) return;
  ::execv("/proc/self/exe", argv);
}

}  // namespace delta
