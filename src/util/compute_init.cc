#include "util/compute_init.h"

#include <arrow/compute/initialize.h>

namespace delta::util {

arrow::Status EnsureComputeInitialized() {
  static const arrow::Status status = arrow::compute::Initialize();
  return status;
}

}  // namespace delta::util
