// RapidJSON (header-only) parses the log. simdjson was the first choice, but the pyarrow wheel's
// libparquet exports its own, different simdjson build; the dynamic linker then binds our calls
// to it and parsing crashes. A header-only parser cannot collide. See docs/architecture.md.
#include "log/action_json.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "delta/error.h"
#include "log/wire_names.h"

namespace delta::log {
namespace {

using Value = rapidjson::Value;

const Value* Member(const Value& o, const char* key) {
  if (!o.IsObject()) return nullptr;
  auto it = o.FindMember(key);
  return it == o.MemberEnd() ? nullptr : &it->value;
}

std::string Minify(const Value& v) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  v.Accept(w);
  return std::string(sb.GetString(), sb.GetSize());
}

std::optional<std::string> GetString(const Value& o, const char* key) {
  const Value* v = Member(o, key);
  if (!v || !v->IsString()) return std::nullopt;
  return std::string(v->GetString(), v->GetStringLength());
}

std::optional<int64_t> GetInt(const Value& o, const char* key) {
  const Value* v = Member(o, key);
  if (!v) return std::nullopt;
  if (v->IsInt64()) return v->GetInt64();
  if (v->IsUint64()) return static_cast<int64_t>(v->GetUint64());
  if (v->IsDouble()) return static_cast<int64_t>(v->GetDouble());
  if (v->IsString()) {  // some writers quote numbers
    try {
      return std::stoll(std::string(v->GetString(), v->GetStringLength()));
    } catch (...) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::optional<bool> GetBool(const Value& o, const char* key) {
  const Value* v = Member(o, key);
  if (!v || !v->IsBool()) return std::nullopt;
  return v->GetBool();
}

std::map<std::string, std::string> GetStringMap(const Value& o, const char* key) {
  std::map<std::string, std::string> out;
  const Value* m = Member(o, key);
  if (!m || !m->IsObject()) return out;
  for (auto it = m->MemberBegin(); it != m->MemberEnd(); ++it) {
    std::string k(it->name.GetString(), it->name.GetStringLength());
    if (it->value.IsString()) {
      out.emplace(std::move(k), std::string(it->value.GetString(), it->value.GetStringLength()));
    } else if (!it->value.IsNull()) {
      out.emplace(std::move(k), Minify(it->value));
    }
  }
  return out;
}

PartitionValues PartitionValuesFromObject(const Value& m) {
  PartitionValues out;
  for (auto it = m.MemberBegin(); it != m.MemberEnd(); ++it) {
    std::string k(it->name.GetString(), it->name.GetStringLength());
    if (it->value.IsString()) {
      out.emplace(std::move(k), std::string(it->value.GetString(), it->value.GetStringLength()));
    } else if (it->value.IsNull()) {
      out.emplace(std::move(k), std::nullopt);
    } else {
      out.emplace(std::move(k), Minify(it->value));
    }
  }
  return out;
}

PartitionValues GetPartitionValues(const Value& o, const char* key) {
  const Value* m = Member(o, key);
  if (!m || !m->IsObject()) return {};
  return PartitionValuesFromObject(*m);
}

std::optional<std::vector<std::string>> GetStringArray(const Value& o, const char* key) {
  const Value* a = Member(o, key);
  if (!a || !a->IsArray()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& e : a->GetArray()) {
    if (e.IsString()) out.emplace_back(e.GetString(), e.GetStringLength());
  }
  return out;
}

std::optional<DeletionVectorDescriptor> GetDv(const Value& o) {
  const Value* d = Member(o, wire::kDeletionVector);
  if (!d || !d->IsObject()) return std::nullopt;
  DeletionVectorDescriptor dv;
  dv.storage_type = GetString(*d, wire::kStorageType).value_or("");
  dv.path_or_inline_dv = GetString(*d, wire::kPathOrInlineDv).value_or("");
  if (auto off = GetInt(*d, wire::kOffset)) dv.offset = static_cast<int32_t>(*off);
  dv.size_in_bytes = static_cast<int32_t>(GetInt(*d, wire::kSizeInBytes).value_or(0));
  dv.cardinality = GetInt(*d, wire::kCardinality).value_or(0);
  return dv;
}

arrow::Status Require(bool ok, std::string_view origin, size_t line, std::string_view what) {
  if (ok) return arrow::Status::OK();
  return DELTA_ERROR(kCorruptLog, origin, " line ", line, ": ", what);
}

arrow::Status ParseOne(const Value& action, ActionBatch* out, std::string_view origin,
                       size_t line) {
  for (auto member = action.MemberBegin(); member != action.MemberEnd(); ++member) {
    const std::string_view key(member->name.GetString(), member->name.GetStringLength());
    const Value& o = member->value;
    if (!o.IsObject()) continue;  // e.g. null: ignore
    if (key == wire::kAdd) {
      AddFile a;
      auto path = GetString(o, wire::kPath);
      ARROW_RETURN_NOT_OK(Require(path.has_value(), origin, line, "add action without path"));
      a.path = std::move(*path);
      a.partition_values = GetPartitionValues(o, wire::kPartitionValues);
      a.size = GetInt(o, wire::kSize).value_or(0);
      a.modification_time = GetInt(o, wire::kModificationTime).value_or(0);
      a.data_change = GetBool(o, wire::kDataChange).value_or(true);
      a.stats = GetString(o, wire::kStats);
      a.tags = GetStringMap(o, wire::kTags);
      a.deletion_vector = GetDv(o);
      a.base_row_id = GetInt(o, wire::kBaseRowId);
      a.default_row_commit_version = GetInt(o, wire::kDefaultRowCommitVersion);
      a.clustering_provider = GetString(o, wire::kClusteringProvider);
      out->adds.push_back(std::move(a));
    } else if (key == wire::kRemove) {
      RemoveFile r;
      auto path = GetString(o, wire::kPath);
      ARROW_RETURN_NOT_OK(Require(path.has_value(), origin, line, "remove action without path"));
      r.path = std::move(*path);
      r.deletion_timestamp = GetInt(o, wire::kDeletionTimestamp);
      r.data_change = GetBool(o, wire::kDataChange).value_or(true);
      r.extended_file_metadata = GetBool(o, wire::kExtendedFileMetadata);
      if (const Value* pv = Member(o, wire::kPartitionValues); pv && pv->IsObject()) {
        r.partition_values = GetPartitionValues(o, wire::kPartitionValues);
      }
      r.size = GetInt(o, wire::kSize);
      r.stats = GetString(o, wire::kStats);
      r.deletion_vector = GetDv(o);
      r.base_row_id = GetInt(o, wire::kBaseRowId);
      r.default_row_commit_version = GetInt(o, wire::kDefaultRowCommitVersion);
      out->removes.push_back(std::move(r));
    } else if (key == wire::kMetaData) {
      Metadata m;
      m.id = GetString(o, wire::kId).value_or("");
      m.name = GetString(o, wire::kName);
      m.description = GetString(o, wire::kDescription);
      if (const Value* f = Member(o, wire::kFormat); f && f->IsObject()) {
        m.format.provider = GetString(*f, wire::kProvider).value_or("parquet");
        m.format.options = GetStringMap(*f, wire::kOptions);
      }
      auto schema = GetString(o, wire::kSchemaString);
      ARROW_RETURN_NOT_OK(
          Require(schema.has_value(), origin, line, "metaData action without schemaString"));
      m.schema_string = std::move(*schema);
      m.partition_columns = GetStringArray(o, wire::kPartitionColumns).value_or(
          std::vector<std::string>{});
      m.configuration = GetStringMap(o, wire::kConfiguration);
      m.created_time = GetInt(o, wire::kCreatedTime);
      out->metadata = std::move(m);
    } else if (key == wire::kProtocol) {
      Protocol p;
      auto r = GetInt(o, wire::kMinReaderVersion);
      auto w = GetInt(o, wire::kMinWriterVersion);
      ARROW_RETURN_NOT_OK(Require(r.has_value() && w.has_value(), origin, line,
                                  "protocol action without minReaderVersion/minWriterVersion"));
      p.min_reader_version = static_cast<int32_t>(*r);
      p.min_writer_version = static_cast<int32_t>(*w);
      p.reader_features = GetStringArray(o, wire::kReaderFeatures);
      p.writer_features = GetStringArray(o, wire::kWriterFeatures);
      out->protocol = std::move(p);
    } else if (key == wire::kCommitInfo) {
      CommitInfo c;
      c.timestamp = GetInt(o, wire::kTimestamp);
      c.in_commit_timestamp = GetInt(o, wire::kInCommitTimestamp);
      c.operation = GetString(o, wire::kOperation);
      c.raw_json = Minify(o);
      out->commit_info = std::move(c);
    } else if (key == wire::kCdc) {
      AddCDCFile c;
      auto path = GetString(o, wire::kPath);
      ARROW_RETURN_NOT_OK(Require(path.has_value(), origin, line, "cdc action without path"));
      c.path = std::move(*path);
      c.partition_values = GetPartitionValues(o, wire::kPartitionValues);
      c.size = GetInt(o, wire::kSize).value_or(0);
      c.data_change = GetBool(o, wire::kDataChange).value_or(false);
      c.tags = GetStringMap(o, wire::kTags);
      out->cdcs.push_back(std::move(c));
    } else if (key == wire::kTxn) {
      SetTransaction t;
      t.app_id = GetString(o, wire::kAppId).value_or("");
      t.version = GetInt(o, wire::kVersion).value_or(0);
      t.last_updated = GetInt(o, wire::kLastUpdated);
      out->txns.push_back(std::move(t));
    } else if (key == wire::kDomainMetadata) {
      DomainMetadata d;
      d.domain = GetString(o, wire::kDomain).value_or("");
      d.configuration = GetString(o, wire::kConfiguration).value_or("");
      d.removed = GetBool(o, wire::kRemoved).value_or(false);
      out->domain_metadata.push_back(std::move(d));
    } else if (key == wire::kCheckpointMetadata) {
      CheckpointMetadata c;
      c.version = GetInt(o, wire::kVersion).value_or(0);
      c.tags = GetStringMap(o, wire::kTags);
      out->checkpoint_metadata = std::move(c);
    } else if (key == wire::kSidecar) {
      Sidecar s;
      s.path = GetString(o, wire::kPath).value_or("");
      s.size_in_bytes = GetInt(o, wire::kSizeInBytes).value_or(0);
      s.modification_time = GetInt(o, wire::kModificationTime).value_or(0);
      out->sidecars.push_back(std::move(s));
    }
    // Anything else: an action this reader does not know; the protocol says ignore it.
  }
  return arrow::Status::OK();
}

}  // namespace

arrow::Result<ActionBatch> ParseActions(std::string_view ndjson, std::string_view origin) {
  ActionBatch out;
  rapidjson::Document doc;
  std::string buf;
  size_t line = 0;
  size_t pos = 0;
  while (pos < ndjson.size()) {
    size_t end = ndjson.find('\n', pos);
    if (end == std::string_view::npos) end = ndjson.size();
    std::string_view text = ndjson.substr(pos, end - pos);
    pos = end + 1;
    ++line;
    while (!text.empty() && (text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
    if (text.empty()) continue;
    buf.assign(text);  // in-situ parsing: strings point into buf, no copies
    doc.ParseInsitu(buf.data());
    if (doc.HasParseError()) {
      return DELTA_ERROR(kCorruptLog, origin, " line ", line, ": invalid JSON at offset ",
                         doc.GetErrorOffset());
    }
    if (!doc.IsObject()) {
      return DELTA_ERROR(kCorruptLog, origin, " line ", line, ": an action must be a JSON object");
    }
    ARROW_RETURN_NOT_OK(ParseOne(doc, &out, origin, line));
  }
  return out;
}

namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void Key(JsonWriter& w, const char* k) { w.Key(k); }
void Str(JsonWriter& w, const std::string& s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
void WriteStringMap(JsonWriter& w, const std::map<std::string, std::string>& m) {
  w.StartObject();
  for (const auto& [k, v] : m) {
    Str(w, k);
    Str(w, v);
  }
  w.EndObject();
}
void WritePartitionValues(JsonWriter& w, const PartitionValues& m) {
  w.StartObject();
  for (const auto& [k, v] : m) {
    Str(w, k);
    if (v) {
      Str(w, *v);
    } else {
      w.Null();
    }
  }
  w.EndObject();
}
void WriteDv(JsonWriter& w, const DeletionVectorDescriptor& dv) {
  w.StartObject();
  Key(w, wire::kStorageType);
  Str(w, dv.storage_type);
  Key(w, wire::kPathOrInlineDv);
  Str(w, dv.path_or_inline_dv);
  if (dv.offset) {
    Key(w, wire::kOffset);
    w.Int(*dv.offset);
  }
  Key(w, wire::kSizeInBytes);
  w.Int(dv.size_in_bytes);
  Key(w, wire::kCardinality);
  w.Int64(dv.cardinality);
  w.EndObject();
}

template <typename Fn>
void Line(std::string* out, Fn&& body) {
  rapidjson::StringBuffer sb;
  JsonWriter w(sb);
  w.StartObject();
  body(w);
  w.EndObject();
  out->append(sb.GetString(), sb.GetSize());
  out->push_back('\n');
}

}  // namespace

std::string SerializeActions(const ActionBatch& a) {
  std::string out;
  if (a.commit_info) {
    out += "{\"commitInfo\":";
    out += a.commit_info->raw_json.empty() ? "{}" : a.commit_info->raw_json;
    out += "}\n";
  }
  if (a.protocol) {
    Line(&out, [&](JsonWriter& w) {
      Key(w, wire::kProtocol);
      w.StartObject();
      Key(w, wire::kMinReaderVersion);
      w.Int(a.protocol->min_reader_version);
      Key(w, wire::kMinWriterVersion);
      w.Int(a.protocol->min_writer_version);
      auto list = [&](const char* key, const std::optional<std::vector<std::string>>& v) {
        if (!v) return;
        Key(w, key);
        w.StartArray();
        for (const auto& f : *v) Str(w, f);
        w.EndArray();
      };
      list(wire::kReaderFeatures, a.protocol->reader_features);
      list(wire::kWriterFeatures, a.protocol->writer_features);
      w.EndObject();
    });
  }
  if (a.metadata) {
    const Metadata& m = *a.metadata;
    Line(&out, [&](JsonWriter& w) {
      Key(w, wire::kMetaData);
      w.StartObject();
      Key(w, wire::kId);
      Str(w, m.id);
      if (m.name) {
        Key(w, wire::kName);
        Str(w, *m.name);
      }
      if (m.description) {
        Key(w, wire::kDescription);
        Str(w, *m.description);
      }
      Key(w, wire::kFormat);
      w.StartObject();
      Key(w, wire::kProvider);
      Str(w, m.format.provider);
      Key(w, wire::kOptions);
      WriteStringMap(w, m.format.options);
      w.EndObject();
      Key(w, wire::kSchemaString);
      Str(w, m.schema_string);
      Key(w, wire::kPartitionColumns);
      w.StartArray();
      for (const auto& c : m.partition_columns) Str(w, c);
      w.EndArray();
      Key(w, wire::kConfiguration);
      WriteStringMap(w, m.configuration);
      if (m.created_time) {
        Key(w, wire::kCreatedTime);
        w.Int64(*m.created_time);
      }
      w.EndObject();
    });
  }
  for (const auto& t : a.txns) {
    Line(&out, [&](JsonWriter& w) {
      Key(w, wire::kTxn);
      w.StartObject();
      Key(w, wire::kAppId);
      Str(w, t.app_id);
      Key(w, wire::kVersion);
      w.Int64(t.version);
      if (t.last_updated) {
        Key(w, wire::kLastUpdated);
        w.Int64(*t.last_updated);
      }
      w.EndObject();
    });
  }
  for (const auto& d : a.domain_metadata) {
    Line(&out, [&](JsonWriter& w) {
      Key(w, wire::kDomainMetadata);
      w.StartObject();
      Key(w, wire::kDomain);
      Str(w, d.domain);
      Key(w, wire::kConfiguration);
      Str(w, d.configuration);
      Key(w, wire::kRemoved);
      w.Bool(d.removed);
      w.EndObject();
    });
  }
  for (const auto& r : a.removes) {
    Line(&out, [&](JsonWriter& w) {
      Key(w, wire::kRemove);
      w.StartObject();
      Key(w, wire::kPath);
      Str(w, r.path);
      if (r.deletion_timestamp) {
        Key(w, wire::kDeletionTimestamp);
        w.Int64(*r.deletion_timestamp);
      }
      Key(w, wire::kDataChange);
      w.Bool(r.data_change);
      if (r.extended_file_metadata) {
        Key(w, wire::kExtendedFileMetadata);
        w.Bool(*r.extended_file_metadata);
      }
      if (r.partition_values) {
        Key(w, wire::kPartitionValues);
        WritePartitionValues(w, *r.partition_values);
      }
      if (r.size) {
        Key(w, wire::kSize);
        w.Int64(*r.size);
      }
      if (r.stats) {
        Key(w, wire::kStats);
        Str(w, *r.stats);
      }
      if (r.deletion_vector) {
        Key(w, wire::kDeletionVector);
        WriteDv(w, *r.deletion_vector);
      }
      w.EndObject();
    });
  }
  for (const auto& f : a.adds) {
    Line(&out, [&](JsonWriter& w) {
      Key(w, wire::kAdd);
      w.StartObject();
      Key(w, wire::kPath);
      Str(w, f.path);
      Key(w, wire::kPartitionValues);
      WritePartitionValues(w, f.partition_values);
      Key(w, wire::kSize);
      w.Int64(f.size);
      Key(w, wire::kModificationTime);
      w.Int64(f.modification_time);
      Key(w, wire::kDataChange);
      w.Bool(f.data_change);
      if (f.stats) {
        Key(w, wire::kStats);
        Str(w, *f.stats);
      }
      if (!f.tags.empty()) {
        Key(w, wire::kTags);
        WriteStringMap(w, f.tags);
      }
      if (f.deletion_vector) {
        Key(w, wire::kDeletionVector);
        WriteDv(w, *f.deletion_vector);
      }
      if (f.base_row_id) {
        Key(w, wire::kBaseRowId);
        w.Int64(*f.base_row_id);
      }
      if (f.default_row_commit_version) {
        Key(w, wire::kDefaultRowCommitVersion);
        w.Int64(*f.default_row_commit_version);
      }
      w.EndObject();
    });
  }
  for (const auto& c : a.cdcs) {
    Line(&out, [&](JsonWriter& w) {
      Key(w, wire::kCdc);
      w.StartObject();
      Key(w, wire::kPath);
      Str(w, c.path);
      Key(w, wire::kPartitionValues);
      WritePartitionValues(w, c.partition_values);
      Key(w, wire::kSize);
      w.Int64(c.size);
      Key(w, wire::kDataChange);
      w.Bool(c.data_change);
      w.EndObject();
    });
  }
  return out;
}

arrow::Result<PartitionValues> ParsePartitionValuesJson(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return DELTA_ERROR(kCorruptLog, "partition values must be a JSON object: ", json);
  }
  return PartitionValuesFromObject(doc);
}

}  // namespace delta::log
