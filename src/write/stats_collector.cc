#include "write/stats_collector.h"

#include <algorithm>
#include <cmath>

#include <arrow/array.h>
#include <arrow/compute/api.h>
#include <nlohmann/json.hpp>

#include "delta/format.h"
#include "util/compute_init.h"
#include "util/json_values.h"

namespace delta::write {
namespace {

constexpr size_t kStringPrefixChars = 32;

struct Leaf {
  std::vector<int> path;                 // indices from the top-level field down
  std::vector<std::string> physical;     // physical names along the path
  std::shared_ptr<arrow::DataType> type;
  bool min_max = false;                  // orderable type
  std::shared_ptr<arrow::Scalar> min, max;
  bool max_unbounded = false;            // a string value was too long for an exact max
  int64_t null_count = 0;
};

bool Orderable(const arrow::DataType& t) {
  switch (t.id()) {
    case arrow::Type::INT8: case arrow::Type::INT16: case arrow::Type::INT32:
    case arrow::Type::INT64: case arrow::Type::FLOAT: case arrow::Type::DOUBLE:
    case arrow::Type::DECIMAL128: case arrow::Type::DATE32: case arrow::Type::TIMESTAMP:
    case arrow::Type::STRING: case arrow::Type::LARGE_STRING:
      return true;
    default: return false;
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

bool Less(const arrow::Scalar& a, const arrow::Scalar& b) {
  auto r = arrow::compute::CallFunction("less", {arrow::Datum(a.GetSharedPtr()), arrow::Datum(b.GetSharedPtr())});
  if (!r.ok()) return false;
  const auto& s = r->scalar_as<arrow::BooleanScalar>();
  return s.is_valid && s.value;
}

nlohmann::ordered_json StatValue(const arrow::Scalar& s) {
  if (s.type->id() == arrow::Type::TIMESTAMP) {
    // Millisecond precision, as Spark writes stats.
    const auto& ts = static_cast<const arrow::TimestampScalar&>(s);
    int64_t us = ts.value;
    int64_t ms_floor = (us >= 0 ? us / 1000 : (us - 999) / 1000);
    arrow::TimestampScalar ms(ms_floor, arrow::timestamp(arrow::TimeUnit::MILLI,
                              static_cast<const arrow::TimestampType&>(*s.type).timezone()));
    std::string text = util::ScalarToJson(ms).get<std::string>();
    return text;
  }
  return util::ScalarToJson(s);
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

}  // namespace

struct StatsCollector::Impl {
  std::shared_ptr<arrow::Schema> schema;
  std::vector<Leaf> leaves;
  int64_t num_records = 0;
};

StatsCollector::StatsCollector(std::shared_ptr<arrow::Schema> schema, StatsConfig config)
    : impl_(std::make_unique<Impl>()) {
  (void)util::EnsureComputeInitialized();  // min_max is a lazily registered kernel
  impl_->schema = std::move(schema);
  // Enumerate leaves depth-first, as Spark counts indexed columns.
  std::function<void(const arrow::Field&, std::vector<int>, std::vector<std::string>, std::string)> walk =
      [&](const arrow::Field& f, std::vector<int> path, std::vector<std::string> phys, std::string logical) {
        phys.push_back(PhysicalName(f, config.mapping));
        if (f.type()->id() == arrow::Type::STRUCT) {
          for (int i = 0; i < f.type()->num_fields(); ++i) {
            auto p = path;
            p.push_back(i);
            walk(*f.type()->field(i), p, phys, logical + "." + f.type()->field(i)->name());
          }
          return;
        }
        const bool by_name = !config.stats_columns.empty();
        if (by_name) {
          std::string name = logical.substr(1);
          if (std::find(config.stats_columns.begin(), config.stats_columns.end(), name) ==
              config.stats_columns.end()) {
            return;
          }
        } else if (config.num_indexed_cols >= 0 &&
                   static_cast<int>(impl_->leaves.size()) >= config.num_indexed_cols) {
          return;
        }
        Leaf leaf;
        leaf.path = std::move(path);
        leaf.physical = std::move(phys);
        leaf.type = f.type();
        leaf.min_max = Orderable(*f.type());
        impl_->leaves.push_back(std::move(leaf));
      };
  for (int i = 0; i < impl_->schema->num_fields(); ++i) {
    walk(*impl_->schema->field(i), {i}, {}, "." + impl_->schema->field(i)->name());
  }
}

StatsCollector::~StatsCollector() = default;

int64_t StatsCollector::num_records() const { return impl_->num_records; }

arrow::Status StatsCollector::Update(const arrow::RecordBatch& batch) {
  impl_->num_records += batch.num_rows();
  for (auto& leaf : impl_->leaves) {
    std::shared_ptr<arrow::Array> arr = batch.column(leaf.path[0]);
    for (size_t k = 1; k < leaf.path.size(); ++k) {
      // A null struct makes its children null too (flattened field).
      ARROW_ASSIGN_OR_RAISE(arr, static_cast<const arrow::StructArray&>(*arr).GetFlattenedField(leaf.path[k]));
    }
    leaf.null_count += arr->null_count();
    if (!leaf.min_max || arr->null_count() == arr->length()) continue;
    ARROW_ASSIGN_OR_RAISE(auto mm, arrow::compute::MinMax(arr));
    const auto& st = mm.scalar_as<arrow::StructScalar>();
    auto mn = st.value[0], mx = st.value[1];
    if (!mn->is_valid || !mx->is_valid) continue;
    if (arrow::is_floating(leaf.type->id())) {
      auto as_double = [](const arrow::Scalar& s) {
        return s.type->id() == arrow::Type::FLOAT
                   ? static_cast<double>(static_cast<const arrow::FloatScalar&>(s).value)
                   : static_cast<const arrow::DoubleScalar&>(s).value;
      };
      if (std::isnan(as_double(*mn)) || std::isnan(as_double(*mx))) {
        leaf.min_max = false;  // NaN has no place in an order: give up bounds for this file
        leaf.min = leaf.max = nullptr;
        continue;
      }
    }
    if (!leaf.min || Less(*mn, *leaf.min)) leaf.min = mn;
    if (!leaf.max || Less(*leaf.max, *mx)) leaf.max = mx;
  }
  return arrow::Status::OK();
}

std::string StatsCollector::ToJson() const {
  nlohmann::ordered_json j;
  j["numRecords"] = impl_->num_records;
  nlohmann::ordered_json mins = nlohmann::ordered_json::object();
  nlohmann::ordered_json maxs = nlohmann::ordered_json::object();
  nlohmann::ordered_json nulls = nlohmann::ordered_json::object();
  for (const auto& leaf : impl_->leaves) {
    Insert(nulls, leaf.physical, leaf.null_count);
    if (!leaf.min_max || !leaf.min || !leaf.max) continue;
    if (leaf.type->id() == arrow::Type::STRING || leaf.type->id() == arrow::Type::LARGE_STRING) {
      bool truncated = false;
      auto min_text = Utf8Prefix(static_cast<const arrow::BaseBinaryScalar&>(*leaf.min).view(),
                                 kStringPrefixChars, &truncated);
      Insert(mins, leaf.physical, min_text);
      auto max_view = static_cast<const arrow::BaseBinaryScalar&>(*leaf.max).view();
      auto max_text = Utf8Prefix(max_view, kStringPrefixChars, &truncated);
      if (!truncated) Insert(maxs, leaf.physical, max_text);
      continue;
    }
    Insert(mins, leaf.physical, StatValue(*leaf.min));
    Insert(maxs, leaf.physical, StatValue(*leaf.max));
  }
  j["minValues"] = mins;
  j["maxValues"] = maxs;
  j["nullCount"] = nulls;
  return j.dump();
}

}  // namespace delta::write
