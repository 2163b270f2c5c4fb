#include "write/footer_stats.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <optional>
#include <variant>

#include <arrow/scalar.h>
#include <arrow/util/decimal.h>
#include <arrow/util/key_value_metadata.h>
#include <nlohmann/json.hpp>
#include <parquet/exception.h>
#include <parquet/schema.h>
#include <parquet/statistics.h>
#include <parquet/types.h>

#include "delta/error.h"
#include "util/json_values.h"

namespace delta::write {
namespace {

constexpr size_t kStringPrefixChars = 32;

// A decoded bound in the Delta type's value domain: integers (also dates in days and
// timestamps in milliseconds), floating point, strings, decimals (unscaled, table scale).
using Bound = std::variant<int64_t, double, std::string, arrow::Decimal128>;

struct Range {
  Bound min, max;
  bool max_exact = true;
};

bool MinMaxType(const arrow::DataType& t) {
  switch (t.id()) {
    case arrow::Type::INT8: case arrow::Type::INT16: case arrow::Type::INT32:
    case arrow::Type::INT64: case arrow::Type::FLOAT: case arrow::Type::DOUBLE:
    case arrow::Type::DECIMAL128: case arrow::Type::DATE32: case arrow::Type::TIMESTAMP:
    case arrow::Type::STRING: case arrow::Type::LARGE_STRING:
      return true;
    default: return false;
  }
}

int64_t FloorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

bool IsUnsigned(const parquet::ColumnDescriptor& d) {
  const auto& lt = d.logical_type();
  return lt && lt->is_int() && !static_cast<const parquet::IntLogicalType&>(*lt).is_signed();
}

bool IsPlainOrInt(const parquet::ColumnDescriptor& d) {
  const auto& lt = d.logical_type();
  return !lt || lt->is_none() || lt->is_int();
}

// The chunk's min/max as Delta values of `type`; nullopt when they cannot serve as bounds.
std::optional<Range> Decode(const parquet::Statistics& stats, const arrow::DataType& type,
                            const parquet::ColumnDescriptor& d) {
  using PT = parquet::Type;
  const auto physical = d.physical_type();
  Range r;
  r.max_exact = stats.is_max_value_exact().value_or(true);
  switch (type.id()) {
    case arrow::Type::INT8: case arrow::Type::INT16: case arrow::Type::INT32:
    case arrow::Type::INT64: {
      if (!IsPlainOrInt(d)) return std::nullopt;
      if (physical == PT::INT32) {
        const auto& s = static_cast<const parquet::Int32Statistics&>(stats);
        if (IsUnsigned(d)) {
          r.min = static_cast<int64_t>(static_cast<uint32_t>(s.min()));
          r.max = static_cast<int64_t>(static_cast<uint32_t>(s.max()));
        } else {
          r.min = static_cast<int64_t>(s.min());
          r.max = static_cast<int64_t>(s.max());
        }
        return r;
      }
      if (physical == PT::INT64) {
        const auto& s = static_cast<const parquet::Int64Statistics&>(stats);
        if (IsUnsigned(d) && (s.min() < 0 || s.max() < 0)) return std::nullopt;
        r.min = s.min();
        r.max = s.max();
        return r;
      }
      return std::nullopt;
    }
    case arrow::Type::FLOAT:
    case arrow::Type::DOUBLE: {
      double mn, mx;
      if (physical == PT::FLOAT) {
        const auto& s = static_cast<const parquet::FloatStatistics&>(stats);
        mn = s.min();
        mx = s.max();
      } else if (physical == PT::DOUBLE && type.id() == arrow::Type::DOUBLE) {
        const auto& s = static_cast<const parquet::DoubleStatistics&>(stats);
        mn = s.min();
        mx = s.max();
      } else {
        return std::nullopt;
      }
      if (std::isnan(mn) || std::isnan(mx)) return std::nullopt;
      // Parquet: a zero bound may have been written with either sign.
      if (mn == 0.0) mn = -0.0;
      if (mx == 0.0) mx = 0.0;
      r.min = mn;
      r.max = mx;
      return r;
    }
    case arrow::Type::DATE32: {
      const auto& lt = d.logical_type();
      if (physical != PT::INT32 || !lt || !lt->is_date()) return std::nullopt;
      const auto& s = static_cast<const parquet::Int32Statistics&>(stats);
      r.min = static_cast<int64_t>(s.min());
      r.max = static_cast<int64_t>(s.max());
      return r;
    }
    case arrow::Type::TIMESTAMP: {
      // INT96 timestamps have no defined order in Parquet: never trust their statistics.
      const auto& lt = d.logical_type();
      if (physical != PT::INT64 || !lt || !lt->is_timestamp()) return std::nullopt;
      int64_t per_ms = 1;
      switch (static_cast<const parquet::TimestampLogicalType&>(*lt).time_unit()) {
        case parquet::LogicalType::TimeUnit::MILLIS: per_ms = 1; break;
        case parquet::LogicalType::TimeUnit::MICROS: per_ms = 1000; break;
        case parquet::LogicalType::TimeUnit::NANOS: per_ms = 1000000; break;
        default: return std::nullopt;
      }
      const auto& s = static_cast<const parquet::Int64Statistics&>(stats);
      r.min = FloorDiv(s.min(), per_ms);
      r.max = FloorDiv(s.max(), per_ms);  // readers widen max by a millisecond
      return r;
    }
    case arrow::Type::DECIMAL128: {
      const auto& dt = static_cast<const arrow::Decimal128Type&>(type);
      const auto& lt = d.logical_type();
      if (!lt || !lt->is_decimal() ||
          static_cast<const parquet::DecimalLogicalType&>(*lt).scale() != dt.scale()) {
        return std::nullopt;
      }
      auto from_bytes = [](const uint8_t* p, int32_t n) -> std::optional<arrow::Decimal128> {
        if (n < 1 || n > 16) return std::nullopt;
        auto v = arrow::Decimal128::FromBigEndian(p, n);
        if (!v.ok()) return std::nullopt;
        return *v;
      };
      std::optional<arrow::Decimal128> mn, mx;
      if (physical == PT::INT32) {
        const auto& s = static_cast<const parquet::Int32Statistics&>(stats);
        mn = arrow::Decimal128(s.min());
        mx = arrow::Decimal128(s.max());
      } else if (physical == PT::INT64) {
        const auto& s = static_cast<const parquet::Int64Statistics&>(stats);
        mn = arrow::Decimal128(s.min());
        mx = arrow::Decimal128(s.max());
      } else if (physical == PT::FIXED_LEN_BYTE_ARRAY) {
        const auto& s = static_cast<const parquet::FLBAStatistics&>(stats);
        mn = from_bytes(s.min().ptr, d.type_length());
        mx = from_bytes(s.max().ptr, d.type_length());
      } else if (physical == PT::BYTE_ARRAY) {
        const auto& s = static_cast<const parquet::ByteArrayStatistics&>(stats);
        mn = from_bytes(s.min().ptr, static_cast<int32_t>(s.min().len));
        mx = from_bytes(s.max().ptr, static_cast<int32_t>(s.max().len));
      }
      if (!mn || !mx) return std::nullopt;
      r.min = *mn;
      r.max = *mx;
      return r;
    }
    case arrow::Type::STRING:
    case arrow::Type::LARGE_STRING: {
      if (physical != PT::BYTE_ARRAY) return std::nullopt;
      const auto& lt = d.logical_type();
      if (lt && !lt->is_none() && !lt->is_string() && !lt->is_enum() && !lt->is_JSON()) {
        return std::nullopt;
      }
      // Parquet orders BYTE_ARRAY as unsigned bytes, which is code point order for UTF-8 (Spark's
      // string order).
      const auto& s = static_cast<const parquet::ByteArrayStatistics&>(stats);
      r.min = std::string(reinterpret_cast<const char*>(s.min().ptr), s.min().len);
      r.max = std::string(reinterpret_cast<const char*>(s.max().ptr), s.max().len);
      return r;
    }
    default: return std::nullopt;
  }
}

// UTF-8 aware prefix of at most n code points.
std::string Utf8Prefix(std::string_view s, size_t n, bool* truncated) {
  size_t i = 0, cps = 0;
  while (i < s.size() && cps < n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    i += c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
    ++cps;
  }
  i = std::min(i, s.size());
  *truncated = i < s.size();
  return std::string(s.substr(0, i));
}

nlohmann::ordered_json BoundToJson(const Bound& b, const std::shared_ptr<arrow::DataType>& type) {
  std::shared_ptr<arrow::Scalar> s;
  switch (type->id()) {
    case arrow::Type::INT8: s = std::make_shared<arrow::Int8Scalar>(static_cast<int8_t>(std::get<int64_t>(b))); break;
    case arrow::Type::INT16: s = std::make_shared<arrow::Int16Scalar>(static_cast<int16_t>(std::get<int64_t>(b))); break;
    case arrow::Type::INT32: s = std::make_shared<arrow::Int32Scalar>(static_cast<int32_t>(std::get<int64_t>(b))); break;
    case arrow::Type::INT64: s = std::make_shared<arrow::Int64Scalar>(std::get<int64_t>(b)); break;
    case arrow::Type::FLOAT: s = std::make_shared<arrow::FloatScalar>(static_cast<float>(std::get<double>(b))); break;
    case arrow::Type::DOUBLE: s = std::make_shared<arrow::DoubleScalar>(std::get<double>(b)); break;
    case arrow::Type::DATE32: s = std::make_shared<arrow::Date32Scalar>(static_cast<int32_t>(std::get<int64_t>(b))); break;
    case arrow::Type::TIMESTAMP: {
      const auto& tz = static_cast<const arrow::TimestampType&>(*type).timezone();
      s = std::make_shared<arrow::TimestampScalar>(std::get<int64_t>(b),
                                                   arrow::timestamp(arrow::TimeUnit::MILLI, tz));
      break;
    }
    case arrow::Type::DECIMAL128: s = std::make_shared<arrow::Decimal128Scalar>(std::get<arrow::Decimal128>(b), type); break;
    default: return std::get<std::string>(b);
  }
  return util::ScalarToJson(*s);
}

void Insert(nlohmann::ordered_json& root, const std::vector<std::string>& path,
            nlohmann::ordered_json value) {
  nlohmann::ordered_json* node = &root;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    if (!node->contains(path[i])) (*node)[path[i]] = nlohmann::ordered_json::object();
    node = &(*node)[path[i]];
  }
  (*node)[path.back()] = std::move(value);
}

// What the footer says about one table leaf.
struct LeafStats {
  std::optional<int64_t> null_count;
  std::optional<Range> range;
};

// Aggregates the column chunks of Parquet leaf column `col` over every row group.
LeafStats ChunkStats(const parquet::FileMetaData& footer, int col, const arrow::DataType& type,
                     bool want_range) {
  const parquet::ColumnDescriptor& d = *footer.schema()->Column(col);
  LeafStats out;
  int64_t nulls = 0;
  bool nulls_known = true, range_known = want_range;
  std::optional<Range> range;
  for (int rg = 0; rg < footer.num_row_groups(); ++rg) {
    auto group = footer.RowGroup(rg);
    if (group->num_rows() == 0) continue;
    auto chunk = group->ColumnChunk(col);
    if (!chunk->is_stats_set()) {
      nulls_known = range_known = false;
      break;
    }
    auto stats = chunk->statistics();
    if (!stats) {
      nulls_known = range_known = false;
      break;
    }
    const bool has_nulls = stats->HasNullCount();
    if (has_nulls) {
      nulls += stats->null_count();
    } else {
      nulls_known = false;
    }
    if (!range_known) continue;
    if (!stats->HasMinMax()) {
      // Fine only when the chunk is all null.
      if (!(has_nulls && stats->null_count() == chunk->num_values())) range_known = false;
      continue;
    }
    auto r = Decode(*stats, type, d);
    if (!r || !r->max_exact) {
      range_known = false;
      continue;
    }
    if (!range) {
      range = std::move(r);
    } else {
      if (r->min < range->min) range->min = std::move(r->min);
      if (range->max < r->max) range->max = std::move(r->max);
    }
  }
  if (nulls_known) out.null_count = nulls;
  if (range_known) out.range = std::move(range);
  return out;
}

}  // namespace

StatsConfig StatsConfigFor(const std::map<std::string, std::string>& conf, ColumnMappingMode mapping) {
  StatsConfig c;
  c.mapping = mapping;
  if (auto it = conf.find("delta.dataSkippingNumIndexedCols"); it != conf.end()) {
    c.num_indexed_cols = std::atoi(it->second.c_str());
  }
  if (auto it = conf.find("delta.dataSkippingStatsColumns"); it != conf.end()) {
    std::string cur;
    for (char ch : it->second + ",") {
      if (ch != ',') {
        cur.push_back(ch);
        continue;
      }
      while (!cur.empty() && cur.front() == ' ') cur.erase(cur.begin());
      while (!cur.empty() && cur.back() == ' ') cur.pop_back();
      if (!cur.empty()) c.stats_columns.push_back(cur);
      cur.clear();
    }
  }
  return c;
}

arrow::Result<std::string> StatsJsonFromFooter(const parquet::FileMetaData& footer,
                                               const arrow::Schema& table_schema,
                                               const StatsOptions& options) {
  const StatsConfig& config = options.columns;
  const int64_t num_records = footer.num_rows();
  nlohmann::ordered_json mins = nlohmann::ordered_json::object();
  nlohmann::ordered_json maxs = nlohmann::ordered_json::object();
  nlohmann::ordered_json nulls = nlohmann::ordered_json::object();
  const parquet::SchemaDescriptor& pschema = *footer.schema();
  int indexed = 0;

  // `node` is the file's node for this field (null when the file lacks it; `mismatch` when the
  // file has it in a shape other than the table's, so nothing is known); `physical` the
  // physical names from the top.
  std::function<arrow::Status(const arrow::Field&, const parquet::schema::Node*, bool,
                              std::vector<std::string>, const std::string&)>
      walk = [&](const arrow::Field& f, const parquet::schema::Node* node, bool mismatch,
                 std::vector<std::string> physical, const std::string& logical) -> arrow::Status {
    physical.push_back(PhysicalName(f, config.mapping));
    const bool variant = f.metadata() && f.metadata()->Contains(kVariantMarkerKey);
    if (f.type()->id() == arrow::Type::STRUCT && !variant) {
      const parquet::schema::GroupNode* group =
          node && node->is_group() && !node->is_repeated()
              ? static_cast<const parquet::schema::GroupNode*>(node)
              : nullptr;
      for (const auto& child : f.type()->fields()) {
        const parquet::schema::Node* child_node = nullptr;
        if (group) {
          int i = group->FieldIndex(PhysicalName(*child, config.mapping));
          if (i >= 0) child_node = group->field(i).get();
        }
        // A struct the file has under another shape: its fields are unknown, not absent.
        ARROW_RETURN_NOT_OK(walk(*child, child_node, mismatch || (node && !group), physical,
                                 logical + "." + child->name()));
      }
      return arrow::Status::OK();
    }
    if (f.type()->id() == arrow::Type::NA) return arrow::Status::OK();
    if (!config.stats_columns.empty()) {
      const std::string name = logical.substr(1);
      if (std::find(config.stats_columns.begin(), config.stats_columns.end(), name) ==
          config.stats_columns.end()) {
        return arrow::Status::OK();
      }
    } else if (config.num_indexed_cols >= 0 && indexed >= config.num_indexed_cols) {
      return arrow::Status::OK();
    }
    ++indexed;
    if (mismatch) return arrow::Status::OK();
    if (!node) {  // the file does not have this column: every value is null
      Insert(nulls, physical, num_records);
      return arrow::Status::OK();
    }
    const auto tid = f.type()->id();
    if (tid == arrow::Type::LIST || tid == arrow::Type::MAP || tid == arrow::Type::LARGE_LIST ||
        variant || !node->is_primitive() || node->is_repeated()) {
      return arrow::Status::OK();
    }
    const int col = pschema.ColumnIndex(*node);
    if (col < 0 || pschema.Column(col)->max_repetition_level() > 0) return arrow::Status::OK();
    const bool want_range = MinMaxType(*f.type());
    LeafStats s;
    try {
      s = ChunkStats(footer, col, *f.type(), want_range);
    } catch (const parquet::ParquetException& e) {
      return DELTA_ERROR(kInternal, "cannot decode the Parquet statistics of column ", logical.substr(1), ": ",
                         e.what());
    }
    if (s.null_count) Insert(nulls, physical, *s.null_count);
    if (!s.range) return arrow::Status::OK();
    if (tid == arrow::Type::STRING || tid == arrow::Type::LARGE_STRING) {
      bool truncated = false;
      Insert(mins, physical, Utf8Prefix(std::get<std::string>(s.range->min), kStringPrefixChars, &truncated));
      std::string max = Utf8Prefix(std::get<std::string>(s.range->max), kStringPrefixChars, &truncated);
      if (!truncated) Insert(maxs, physical, max);  // a cut max would not be an upper bound
      return arrow::Status::OK();
    }
    Insert(mins, physical, BoundToJson(s.range->min, f.type()));
    const bool floating = tid == arrow::Type::FLOAT || tid == arrow::Type::DOUBLE;
    if (!floating || options.assume_no_nan) Insert(maxs, physical, BoundToJson(s.range->max, f.type()));
    return arrow::Status::OK();
  };

  const auto* root = pschema.group_node();
  for (const auto& field : table_schema.fields()) {
    int i = root->FieldIndex(PhysicalName(*field, config.mapping));
    const parquet::schema::Node* node = i >= 0 ? root->field(i).get() : nullptr;
    ARROW_RETURN_NOT_OK(walk(*field, node, false, {}, "." + field->name()));
  }
  nlohmann::ordered_json j;
  j["numRecords"] = num_records;
  j["minValues"] = mins;
  j["maxValues"] = maxs;
  j["nullCount"] = nulls;
  return j.dump();
}

}  // namespace delta::write
