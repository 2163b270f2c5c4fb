#include "delta/allocator_tuning.h"

#include <unistd.h>

#include <cstdlib>

#include <arrow/memory_pool.h>

namespace delta {

void TuneAllocatorOrReexec(char** argv, const char* purge_delay) {
  if (std::getenv("MIMALLOC_PURGE_DELAY") != nullptr) return;
  if (arrow::default_memory_pool()->backend_name() != "mimalloc") return;
  if (::setenv("MIMALLOC_PURGE_DELAY", purge_delay, 0) != 0) return;
  ::execv("/proc/self/exe", argv);
  // execv failed (e.g. no /proc): run as we are.
}

}  // namespace delta
