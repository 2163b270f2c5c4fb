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

/// Serializes actions as a commit file: one JSON object per line, newline-terminated, in the
/// order Delta writers use (commitInfo, protocol, metaData, txn, domainMetadata, remove, add,
/// cdc). `commit_info` is written verbatim when present.
std::string SerializeActions(const ActionBatch& actions);

/// Parses a partitionValues-like JSON object {"col": "v" | null}.
arrow::Result<PartitionValues> ParsePartitionValuesJson(std::string_view json);

}  // namespace delta::log
