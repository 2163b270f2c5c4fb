#include "protocol/table_features.h"

#include <algorithm>
#include <array>

#include "delta/error.h"
#include "log/wire_names.h"

namespace delta {

bool Protocol::HasReaderFeature(const std::string& f) const {
  return reader_features &&
         std::find(reader_features->begin(), reader_features->end(), f) != reader_features->end();
}

bool Protocol::HasWriterFeature(const std::string& f) const {
  return writer_features &&
         std::find(writer_features->begin(), writer_features->end(), f) != writer_features->end();
}

namespace protocol {
namespace {

// Reader features whose read-side semantics deltacpp implements.
constexpr std::array<std::string_view, 9> kSupportedReaderFeatures = {
    "columnMapping",  "deletionVectors",    "timestampNtz",
    "v2Checkpoint",   "typeWidening",       "typeWidening-preview",
    "vacuumProtocolCheck", "variantType",   "variantType-preview",
};

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

arrow::Status CheckReadSupported(const Protocol& protocol, const std::string& table) {
  if (protocol.min_reader_version < 1 || protocol.min_reader_version > kMaxReaderVersion) {
    return DELTA_ERROR(kUnsupportedFeature, "table ", table, " requires reader version ",
                       protocol.min_reader_version, "; deltacpp supports reader versions 1 to ",
                       kMaxReaderVersion);
  }
  if (protocol.min_reader_version == 3) {
    for (const auto& f : protocol.reader_features.value_or(std::vector<std::string>{})) {
      if (std::find(kSupportedReaderFeatures.begin(), kSupportedReaderFeatures.end(), f) ==
          kSupportedReaderFeatures.end()) {
        return DELTA_ERROR(kUnsupportedFeature, "table ", table, " requires reader feature '", f,
                           "', which deltacpp does not support");
      }
    }
  }
  return arrow::Status::OK();
}

arrow::Status CheckWriteSupported(const Protocol& protocol, const std::string& table) {
  ARROW_RETURN_NOT_OK(CheckReadSupported(protocol, table));
  // Writer features whose rules deltacpp's writers follow (or that need nothing of appends).
  static const std::array<std::string_view, 10> kSupported = {
      "appendOnly", "invariants",   "columnMapping", "timestampNtz", "deletionVectors",
      "changeDataFeed", "domainMetadata", "v2Checkpoint", "vacuumProtocolCheck", "checkConstraints"};
  if (protocol.min_writer_version > 7) {
    return DELTA_ERROR(kUnsupportedFeature, "table ", table, " requires writer version ",
                       protocol.min_writer_version, "; deltacpp writes versions up to 7");
  }
  for (const auto& f : protocol.writer_features.value_or(std::vector<std::string>{})) {
    if (std::find(kSupported.begin(), kSupported.end(), f) == kSupported.end()) {
      return DELTA_ERROR(kUnsupportedFeature, "table ", table, " requires writer feature '", f,
                         "', which deltacpp cannot write yet");
    }
  }
  return arrow::Status::OK();
}

arrow::Result<ColumnMappingMode> GetColumnMappingMode(const Metadata& metadata) {
  auto it = metadata.configuration.find(wire::kColumnMappingMode);
  if (it == metadata.configuration.end()) return ColumnMappingMode::kNone;
  std::string mode = Lower(it->second);
  if (mode == "none") return ColumnMappingMode::kNone;
  if (mode == "name") return ColumnMappingMode::kName;
  if (mode == "id") return ColumnMappingMode::kId;
  return DELTA_ERROR(kUnsupportedFeature, "unknown column mapping mode '", it->second, "'");
}

bool BoolProperty(const Metadata& metadata, const std::string& key, bool def) {
  auto it = metadata.configuration.find(key);
  if (it == metadata.configuration.end()) return def;
  return Lower(it->second) == "true";
}

}  // namespace protocol
}  // namespace delta
