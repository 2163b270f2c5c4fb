// JSON (de)serialization of Delta actions (PROTOCOL.md "Actions", "Delta Log Entries").
//
// Commit files are newline-delimited JSON, one action per line. Parsing uses RapidJSON; unknown
// actions and unknown fields are ignored, as the protocol requires. Errors name the origin
// (file) and the line.
#pragma once

#include <string>
#include <string_view>

#include <arrow/result.h>

#include "delta/actions.h"

namespace delta::log {

/// Parses every action of a commit (or JSON checkpoint) file. `origin` names it in errors.
arrow::Result<ActionBatch> ParseActions(std::string_view ndjson, std::string_view origin);

/// Parses a partitionValues-like JSON object {"col": "v" | null}.
arrow::Result<PartitionValues> ParsePartitionValuesJson(std::string_view json);

}  // namespace delta::log
