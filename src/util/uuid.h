// Random (version 4) UUIDs for table ids and file names.
#pragma once

#include <string>

namespace delta::util {

/// A random UUID in 8-4-4-4-12 lower-case hex form. Thread-safe.
std::string NewUuid();

}  // namespace delta::util
