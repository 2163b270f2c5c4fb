#include "scan/partition_values.h"

#include <arrow/compute/cast.h>

#include "delta/error.h"
#include "util/strings.h"

namespace delta::scan {

arrow::Result<std::shared_ptr<arrow::Scalar>> ParsePartitionValue(
    const std::optional<std::string>& value, const std::shared_ptr<arrow::DataType>& type,
    const std::string& column) {
  if (!value || value->empty()) return arrow::MakeNullScalar(type);
  const std::string& v = *value;
  switch (type->id()) {
    case arrow::Type::STRING: return arrow::MakeScalar(v);
    case arrow::Type::BINARY: return std::make_shared<arrow::BinaryScalar>(arrow::Buffer::FromString(v));
    case arrow::Type::BOOL: {
      const std::string l = util::ToLower(v);
      if (l == "true") return arrow::MakeScalar(true);
      if (l == "false") return arrow::MakeScalar(false);
      break;
    }
    case arrow::Type::TIMESTAMP: {
      // Spark writes "YYYY-MM-DD HH:MM:SS[.ffffff]"; others ISO-8601 with 'T' and a zone.
      std::string text = v;
      const auto& ts = static_cast<const arrow::TimestampType&>(*type);
      auto parse_type = arrow::timestamp(arrow::TimeUnit::MICRO);
      auto r = arrow::Scalar::Parse(parse_type, text);
      if (!r.ok()) {
        // Arrow wants ISO: try replacing the space separator, and zone offsets.
        if (text.size() > 10 && text[10] == ' ') text[10] = 'T';
        r = arrow::Scalar::Parse(parse_type, text);
        if (!r.ok()) r = arrow::Scalar::Parse(arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"), text);
      }
      if (r.ok()) {
        int64_t us = static_cast<const arrow::TimestampScalar&>(**r).value;
        return std::make_shared<arrow::TimestampScalar>(
            us, arrow::timestamp(arrow::TimeUnit::MICRO, ts.timezone()));
      }
      break;
    }
    default: {
      auto r = arrow::Scalar::Parse(type, v);
      if (r.ok()) return r;
      // Decimals: Arrow's parser wants the exact scale; go through a cast from string.
      if (arrow::is_decimal(type->id())) {
        auto c = arrow::compute::Cast(arrow::Datum(arrow::MakeScalar(v)), type);
        if (c.ok()) return c->scalar();
      }
      break;
    }
  }
  return DELTA_ERROR(kCorruptLog, "partition value '", v, "' of column '", column,
                     "' is not a valid ", type->ToString());
}

}  // namespace delta::scan
