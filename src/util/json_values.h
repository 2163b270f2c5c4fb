// Arrow values as nlohmann::ordered_json (struct fields keep their order) (shared by checkpoint stats rendering and delta/format.h).
#pragma once

#include <nlohmann/json.hpp>

#include <arrow/scalar.h>

namespace delta::util {

/// JSON for an Arrow scalar: numbers as numbers (decimals as exact number text), timestamps as
/// ISO-8601 with microseconds (Z suffix when zoned), dates YYYY-MM-DD, structs as objects,
/// lists as arrays, maps as arrays of {key, value}, binary as base64.
nlohmann::ordered_json ScalarToJson(const arrow::Scalar& s);

}  // namespace delta::util
