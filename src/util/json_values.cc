#include "util/json_values.h"

#include <arrow/array.h>
#include <arrow/util/base64.h>

#include "delta/format.h"

namespace delta {
namespace util {

nlohmann::ordered_json ScalarToJson(const arrow::Scalar& s) {
  using json = nlohmann::ordered_json;
  if (!s.is_valid) return nullptr;
  switch (s.type->id()) {
    case arrow::Type::STRUCT: {
      json o = json::object();
      const auto& st = static_cast<const arrow::StructScalar&>(s);
      for (int k = 0; k < s.type->num_fields(); ++k) {
        o[s.type->field(k)->name()] = ScalarToJson(*st.value[k]);
      }
      return o;
    }
    case arrow::Type::LIST:
    case arrow::Type::LARGE_LIST:
    case arrow::Type::FIXED_SIZE_LIST: {
      json a = json::array();
      const auto& values = *static_cast<const arrow::BaseListScalar&>(s).value;
      for (int64_t i = 0; i < values.length(); ++i) {
        auto v = values.GetScalar(i);
        a.push_back(v.ok() ? ScalarToJson(**v) : json(nullptr));
      }
      return a;
    }
    case arrow::Type::MAP: {
      json a = json::array();
      const auto& entries = static_cast<const arrow::StructArray&>(
          *static_cast<const arrow::MapScalar&>(s).value);
      for (int64_t i = 0; i < entries.length(); ++i) {
        auto k = entries.field(0)->GetScalar(i);
        auto v = entries.field(1)->GetScalar(i);
        a.push_back(json{{"key", k.ok() ? ScalarToJson(**k) : json(nullptr)},
                         {"value", v.ok() ? ScalarToJson(**v) : json(nullptr)}});
      }
      return a;
    }
    case arrow::Type::INT8: return static_cast<const arrow::Int8Scalar&>(s).value;
    case arrow::Type::INT16: return static_cast<const arrow::Int16Scalar&>(s).value;
    case arrow::Type::INT32: return static_cast<const arrow::Int32Scalar&>(s).value;
    case arrow::Type::INT64: return static_cast<const arrow::Int64Scalar&>(s).value;
    case arrow::Type::UINT8: return static_cast<const arrow::UInt8Scalar&>(s).value;
    case arrow::Type::UINT16: return static_cast<const arrow::UInt16Scalar&>(s).value;
    case arrow::Type::UINT32: return static_cast<const arrow::UInt32Scalar&>(s).value;
    case arrow::Type::UINT64: return static_cast<const arrow::UInt64Scalar&>(s).value;
    case arrow::Type::FLOAT: {
      float f = static_cast<const arrow::FloatScalar&>(s).value;
      if (std::isnan(f) || std::isinf(f)) return s.ToString();
      return f;
    }
    case arrow::Type::DOUBLE: {
      double d = static_cast<const arrow::DoubleScalar&>(s).value;
      if (std::isnan(d) || std::isinf(d)) return s.ToString();
      return d;
    }
    case arrow::Type::BOOL: return static_cast<const arrow::BooleanScalar&>(s).value;
    case arrow::Type::DECIMAL128:
    case arrow::Type::DECIMAL256: {
      auto j = json::parse(s.ToString(), nullptr, false);
      return j.is_discarded() ? json(s.ToString()) : j;
    }
    case arrow::Type::BINARY:
    case arrow::Type::LARGE_BINARY:
    case arrow::Type::FIXED_SIZE_BINARY: {
      const auto& buf = *static_cast<const arrow::BaseBinaryScalar&>(s).value;
      return arrow::util::base64_encode(std::string_view(reinterpret_cast<const char*>(buf.data()),
                                                         buf.size()));
    }
    case arrow::Type::STRING:
    case arrow::Type::LARGE_STRING:
    case arrow::Type::STRING_VIEW:
      return static_cast<const arrow::BaseBinaryScalar&>(s).view();
    case arrow::Type::TIMESTAMP: {
      const auto& ts = static_cast<const arrow::TimestampType&>(*s.type);
      std::string text = s.ToString();  // "YYYY-MM-DD HH:MM:SS[.fff]" in UTC for zoned types
      if (text.size() >= 19) text[10] = 'T';
      auto space = text.find(' ');  // drop any zone suffix Arrow appends
      if (space != std::string::npos) text.resize(space);
      if (!ts.timezone().empty()) {
        if (!text.empty() && text.back() != 'Z') text += "Z";
      }
      return text;
    }
    default: return s.ToString();
  }
}

}  // namespace util

std::string ScalarToJsonText(const arrow::Scalar& value) { return util::ScalarToJson(value).dump(); }

std::string ScalarToDisplayText(const arrow::Scalar& value) {
  if (!value.is_valid) return "NULL";
  switch (value.type->id()) {
    case arrow::Type::STRING:
    case arrow::Type::LARGE_STRING:
    case arrow::Type::STRING_VIEW:
      return std::string(static_cast<const arrow::BaseBinaryScalar&>(value).view());
    case arrow::Type::TIMESTAMP:
    case arrow::Type::STRUCT:
    case arrow::Type::LIST:
    case arrow::Type::LARGE_LIST:
    case arrow::Type::MAP: {
      auto j = util::ScalarToJson(value);
      return j.is_string() ? j.get<std::string>() : j.dump();
    }
    default: return value.ToString();
  }
}

std::string RowToJsonText(const arrow::RecordBatch& batch, int64_t row) {
  nlohmann::ordered_json o = nlohmann::ordered_json::object();  // keeps column order
  for (int c = 0; c < batch.num_columns(); ++c) {
    auto v = batch.column(c)->GetScalar(row);
    o[batch.schema()->field(c)->name()] =
        v.ok() ? util::ScalarToJson(**v) : nlohmann::ordered_json(nullptr);
  }
  return o.dump();
}

}  // namespace delta
