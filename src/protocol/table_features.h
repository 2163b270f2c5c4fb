// Table features and the reader/writer protocol gate (PROTOCOL.md "Table Features",
// "Reader Requirements", "Column Mapping").
//
// The gate runs before any data file is opened: a table that needs a reader version or a
// reader feature deltacpp does not implement fails with kUnsupportedFeature naming it.
// Pure, thread-safe.
#pragma once

#include <map>
#include <string>

#include <arrow/type_fwd.h>

#include <arrow/status.h>

#include "delta/actions.h"
#include "delta/schema.h"

namespace delta::protocol {

inline constexpr int32_t kMaxReaderVersion = 3;

/// OK when deltacpp can read a table with this protocol; kUnsupportedFeature naming the reader
/// version or feature otherwise.
arrow::Status CheckReadSupported(const Protocol& protocol, const std::string& table);

/// OK when deltacpp can write to a table with this protocol (every writer feature known and
/// honoured by its writers); kUnsupportedFeature naming the first one it cannot.
arrow::Status CheckWriteSupported(const Protocol& protocol, const std::string& table);

/// The lowest protocol at least as high as `current` that a table with this schema and these
/// properties needs (timestamp_ntz, deletion vectors, column mapping, change data feed, CHECK
/// constraints, generated columns, type widening, delta.checkpointPolicy=v2 → v2Checkpoint).
/// Table features (3/7) are used only when a feature needs them; when they are,
/// the features implied by the legacy versions are listed too. Never downgrades.
/// Generation expressions count only when `defines_schema` (the table is being created or its
/// schema replaced): on an existing table below writer version 4 they are not generated
/// columns, and declaring them later would make existing rows violate them.
Protocol RequiredProtocol(const Protocol& current, const arrow::Schema& schema,
                          const std::map<std::string, std::string>& configuration,
                          bool defines_schema = false);

/// Whether the protocol supports a writer feature: listed under writer version 7, implied by
/// the legacy writer version below it (e.g. generatedColumns from writer version 4).
bool SupportsWriterFeature(const Protocol& protocol, const std::string& feature);

/// Whether typeWidening (or its preview name) is supported (PROTOCOL.md "Type Widening").
bool SupportsTypeWidening(const Protocol& protocol);

/// The table's column mapping mode (delta.columnMapping.mode), kInvalidArgument if unknown.
arrow::Result<ColumnMappingMode> GetColumnMappingMode(const Metadata& metadata);

inline constexpr int64_t kDayMs = 24LL * 3600 * 1000;
inline constexpr int64_t kWeekMs = 7 * kDayMs;

/// A duration table property ("interval 7 days", "30 days", "interval 1 hour", ...) in
/// milliseconds; `def` when absent or unparsable.
int64_t DurationPropertyMs(const Metadata& metadata, const std::string& key, int64_t def);

/// A boolean table property ("true"/"false", case-insensitive), `def` when absent.
bool BoolProperty(const Metadata& metadata, const std::string& key, bool def);

}  // namespace delta::protocol
