#include "protocol/table_features.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <set>

#include <arrow/type.h>

#include "delta/error.h"
#include "log/wire_names.h"
#include "util/strings.h"

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
  static const std::array<std::string_view, 14> kSupported = {
      "appendOnly",       "invariants",     "columnMapping",   "timestampNtz",
      "deletionVectors",  "changeDataFeed", "domainMetadata",  "v2Checkpoint",
      "vacuumProtocolCheck", "checkConstraints", "generatedColumns", "typeWidening",
      "typeWidening-preview", "inCommitTimestamp"};
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

namespace {

bool HasGenerationExpression(const arrow::Schema& schema) {
  for (const auto& f : schema.fields()) {
    if (FieldMetadataString(*f, wire::kGenerationExpression)) return true;
  }
  return false;
}

bool HasTimestampNtz(const arrow::DataType& t) {
  if (t.id() == arrow::Type::TIMESTAMP) return static_cast<const arrow::TimestampType&>(t).timezone().empty();
  for (const auto& f : t.fields()) {
    if (HasTimestampNtz(*f->type())) return true;
  }
  return false;
}

// Features a legacy (reader, writer) version pair enables (PROTOCOL.md "Table Features").
void LegacyFeatures(const Protocol& p, std::set<std::string>* reader, std::set<std::string>* writer) {
  if (p.min_reader_version >= 2 && p.min_reader_version < 3) reader->insert("columnMapping");
  const int w = p.min_writer_version;
  if (w >= 7) return;
  if (w >= 2) writer->insert({"appendOnly", "invariants"});
  if (w >= 3) writer->insert("checkConstraints");
  if (w >= 4) writer->insert({"changeDataFeed", "generatedColumns"});
  if (w >= 5) writer->insert("columnMapping");
  if (w >= 6) writer->insert("identityColumns");
}

}  // namespace

Protocol RequiredProtocol(const Protocol& current, const arrow::Schema& schema,
                          const std::map<std::string, std::string>& conf, bool defines_schema) {
  auto on = [&](const char* k) {
    auto it = conf.find(k);
    return it != conf.end() && util::ToLower(it->second) == "true";
  };
  auto mode = conf.find(wire::kColumnMappingMode);
  const bool mapping = mode != conf.end() && util::ToLower(mode->second) != "none";
  bool ntz = false;
  for (const auto& f : schema.fields()) ntz |= HasTimestampNtz(*f->type());
  bool constraints = false;
  for (const auto& [k, _] : conf) constraints |= k.rfind("delta.constraints.", 0) == 0;
  const bool dv = on("delta.enableDeletionVectors");
  const bool cdf = on("delta.enableChangeDataFeed");
  const bool append_only = on("delta.appendOnly");
  // delta.checkpointPolicy=v2: UUID-named V2 checkpoints need the v2Checkpoint reader+writer
  // feature (PROTOCOL.md "V2 Checkpoint Table Feature").
  auto policy = conf.find("delta.checkpointPolicy");
  const bool v2_checkpoint = policy != conf.end() && util::ToLower(policy->second) == "v2";
  const bool generated = defines_schema && HasGenerationExpression(schema);
  const bool type_widening = on(wire::kEnableTypeWidening);
  const bool ict = on(wire::kEnableInCommitTimestamps);

  std::set<std::string> reader, writer;
  LegacyFeatures(current, &reader, &writer);
  for (const auto& f : current.reader_features.value_or(std::vector<std::string>{})) reader.insert(f);
  for (const auto& f : current.writer_features.value_or(std::vector<std::string>{})) writer.insert(f);
  const bool needs_features =
      current.min_writer_version >= 7 || ntz || dv || v2_checkpoint || type_widening || ict;
  if (!needs_features) {
    Protocol p = current;
    p.min_reader_version = std::max(p.min_reader_version, mapping ? 2 : 1);
    int w = mapping ? 5 : (cdf || generated) ? 4 : constraints ? 3 : 2;
    (void)append_only;  // writer 2 covers appendOnly
    p.min_writer_version = std::max(p.min_writer_version, w);
    return p;
  }
  writer.insert({"appendOnly", "invariants"});
  if (mapping) reader.insert("columnMapping"), writer.insert("columnMapping");
  if (dv) reader.insert("deletionVectors"), writer.insert("deletionVectors");
  if (ntz) reader.insert("timestampNtz"), writer.insert("timestampNtz");
  if (v2_checkpoint) reader.insert("v2Checkpoint"), writer.insert("v2Checkpoint");
  if (cdf) writer.insert("changeDataFeed");
  if (constraints) writer.insert("checkConstraints");
  if (generated) writer.insert("generatedColumns");
  if (type_widening && !reader.count("typeWidening-preview")) {
    reader.insert("typeWidening"), writer.insert("typeWidening");
  }
  if (ict) writer.insert(wire::kInCommitTimestampFeature);
  // Every reader feature is also a writer feature.
  for (const auto& f : reader) writer.insert(f);
  Protocol p;
  // Writer-only features (inCommitTimestamp, checkConstraints, ...) leave the reader version
  // alone: reader version 3 only when a reader feature needs it (or the table has it).
  if (reader.empty() && current.min_reader_version < 3) {
    p.min_reader_version = std::max(current.min_reader_version, 1);
  } else {
    p.min_reader_version = 3;
    p.reader_features = std::vector<std::string>(reader.begin(), reader.end());
  }
  p.min_writer_version = 7;
  p.writer_features = std::vector<std::string>(writer.begin(), writer.end());
  return p;
}

bool SupportsWriterFeature(const Protocol& protocol, const std::string& feature) {
  if (protocol.min_writer_version >= 7) return protocol.HasWriterFeature(feature);
  std::set<std::string> reader, writer;
  LegacyFeatures(protocol, &reader, &writer);
  return writer.count(feature) > 0;
}

bool SupportsTypeWidening(const Protocol& protocol) {
  return protocol.HasWriterFeature("typeWidening") || protocol.HasWriterFeature("typeWidening-preview");
}

arrow::Result<ColumnMappingMode> GetColumnMappingMode(const Metadata& metadata) {
  auto it = metadata.configuration.find(wire::kColumnMappingMode);
  if (it == metadata.configuration.end()) return ColumnMappingMode::kNone;
  std::string mode = util::ToLower(it->second);
  if (mode == "none") return ColumnMappingMode::kNone;
  if (mode == "name") return ColumnMappingMode::kName;
  if (mode == "id") return ColumnMappingMode::kId;
  return DELTA_ERROR(kUnsupportedFeature, "unknown column mapping mode '", it->second, "'");
}

int64_t DurationPropertyMs(const Metadata& metadata, const std::string& key, int64_t def) {
  auto it = metadata.configuration.find(key);
  if (it == metadata.configuration.end()) return def;
  std::string s = util::ToLower(it->second);
  if (s.rfind("interval ", 0) == 0) s = s.substr(9);
  long long n = 0;
  char unit[32] = {0};
  if (std::sscanf(s.c_str(), "%lld %31s", &n, unit) != 2) return def;
  std::string u = unit;
  if (u.rfind("millisecond", 0) == 0) return n;
  if (u.rfind("second", 0) == 0) return n * 1000;
  if (u.rfind("minute", 0) == 0) return n * 60 * 1000;
  if (u.rfind("hour", 0) == 0) return n * 3600 * 1000;
  if (u.rfind("day", 0) == 0) return n * kDayMs;
  if (u.rfind("week", 0) == 0) return n * kWeekMs;
  return def;
}

bool BoolProperty(const Metadata& metadata, const std::string& key, bool def) {
  auto it = metadata.configuration.find(key);
  if (it == metadata.configuration.end()) return def;
  return util::ToLower(it->second) == "true";
}

}  // namespace protocol
}  // namespace delta
