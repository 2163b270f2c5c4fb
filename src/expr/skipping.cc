// Data skipping: deciding from per-file statistics that no row of a file can match.
//
// A wrong "skip" silently loses rows, a wrong "may match" only costs a read, so every rule
// here errs towards "may match" and the reasoning for each exclusion is spelled out:
//  - NOT is pushed down (polarity flag) instead of evaluated: NOT(x < 5) becomes x >= 5. That
//    is only valid for non-null x, which suffices: a NULL row makes neither form TRUE.
//  - Literals are compared with min/max at the type the Arrow filter would compare at
//    (sql_semantics.h), so skipping agrees with filtering.
//  - Delta statistics are lossy: string min/max may be truncated prefixes (a max "abc" admits
//    values like "abcz"), timestamps are truncated to milliseconds, and floating-point stats
//    ignore NaN. Hence string upper bounds exclude only values that do not extend the bound,
//    timestamp bounds are widened by 1 ms, and != on floats/strings skips only on exact stats.
//  - Partition values (exact stats) are decided exactly; anything the fast rules cannot decide
//    is evaluated with Arrow itself on a one-row batch of the partition values.
#include <algorithm>
#include <mutex>
#include <unordered_set>

#include <arrow/array/util.h>
#include <arrow/compute/api.h>
#include <arrow/record_batch.h>

#include "delta/expression.h"
#include "expr/sql_semantics.h"
#include "util/strings.h"

namespace delta {

namespace cp = arrow::compute;
using expr_internal::CastLiteral;
using expr_internal::CastLiteralExactly;
using expr_internal::CommonType;
using expr_internal::CompareScalars;
using util::EqualsIgnoreCase;

namespace {

using ScalarPtr = std::shared_ptr<arrow::Scalar>;

std::string JoinPath(const std::vector<std::string>& path) {
  std::string out;
  for (const auto& p : path) out += (out.empty() ? "" : ".") + p;
  return out;
}

// The comparison that holds when `op` does not (for non-null operands).
std::string Negate(const std::string& op) {
  if (op == "==") return "!=";
  if (op == "!=") return "==";
  if (op == "<") return ">=";
  if (op == "<=") return ">";
  if (op == ">") return "<=";
  return "<";  // >=
}

// `lit op col` ≡ `col Flip(op) lit`.
std::string Flip(const std::string& op) {
  if (op == "<") return ">";
  if (op == "<=") return ">=";
  if (op == ">") return "<";
  if (op == ">=") return "<=";
  return op;
}

bool IsComparison(const std::string& f) {
  return f == "==" || f == "!=" || f == "<" || f == "<=" || f == ">" || f == ">=";
}

// Widens a timestamp bound by one millisecond (Delta's JSON stats are ms-truncated).
ScalarPtr WidenTimestamp(const ScalarPtr& s, int direction) {
  if (!s || !s->is_valid || s->type->id() != arrow::Type::TIMESTAMP) return s;
  const auto& type = static_cast<const arrow::TimestampType&>(*s->type);
  int64_t delta = 1;
  if (type.unit() == arrow::TimeUnit::MICRO) delta = 1000;
  if (type.unit() == arrow::TimeUnit::NANO) delta = 1000000;
  int64_t v = static_cast<const arrow::TimestampScalar&>(*s).value;
  int64_t widened;
  if (__builtin_add_overflow(v, direction * delta, &widened)) return nullptr;  // unbounded
  return std::make_shared<arrow::TimestampScalar>(widened, s->type);
}

std::string_view StringOf(const ScalarPtr& s) {
  return static_cast<const arrow::BaseBinaryScalar&>(*s).view();
}

// A literal compared with a column: the column's type, the type the comparison runs at and
// the literal at that type. Absent: the comparison cannot be typed (no rule applies).
struct Conversion {
  std::shared_ptr<arrow::DataType> type, at;
  ScalarPtr value;
};

std::optional<Conversion> Convert(const std::shared_ptr<arrow::DataType>& type, const ScalarPtr& literal) {
  // Compare at the column's type when the literal fits it exactly, else the common type.
  std::shared_ptr<arrow::DataType> at = type;
  if (!CastLiteralExactly(literal, type).ok()) {
    at = CommonType(type, literal->type);
    if (!at) return std::nullopt;
  }
  auto value = CastLiteral(literal, at);
  if (!value.ok()) return std::nullopt;
  return Conversion{type, std::move(at), std::move(*value)};
}

}  // namespace

// Conversions of the literals of one predicate, keyed by the literal and the column path it is
// compared with (both nodes of the predicate, which the SkippingPredicate keeps alive). Only a
// column the schema types is cached: otherwise the type comes from each file's statistics.
struct SkippingPredicate::Conversions {
  explicit Conversions(const Expr& predicate) { Collect(predicate); }

  bool Owns(const arrow::Scalar* literal) const { return literals.count(literal) > 0; }

  struct Entry {
    std::shared_ptr<arrow::DataType> schema_type;  // null: typed per file
    std::optional<Conversion> conversion;
  };
  using Key = std::pair<const arrow::Scalar*, const std::vector<std::string>*>;

  template <typename Make>
  Entry Get(const Key& key, const Make& make) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (auto it = done.find(key); it != done.end()) return it->second;
    }
    Entry e = make();
    std::lock_guard<std::mutex> lock(mu);
    return done.emplace(key, std::move(e)).first->second;
  }

 private:
  void Collect(const Expr& e) {
    if (e.kind() == Expr::Kind::kLiteral && e.literal()) literals.insert(e.literal().get());
    if (e.kind() == Expr::Kind::kCall) {
      for (const auto& a : e.args()) Collect(*a);
    }
  }

  std::unordered_set<const arrow::Scalar*> literals;
  std::mutex mu;
  std::map<Key, Entry> done;
};

namespace {

class Skipper {
 public:
  Skipper(const FileStatistics& stats, const arrow::Schema& schema,
          SkippingPredicate::Conversions* conversions = nullptr)
      : stats_(stats), schema_(schema), conversions_(conversions) {}

  bool MayBeTrue(const Expr& e, bool negated) {
    if (auto fast = Fast(e, negated)) return *fast;
    if (auto exact = EvaluateExactly(e, negated)) return *exact;
    return true;
  }

 private:
  // ---- lookups ----
  const ColumnStats* StatsOf(const std::vector<std::string>& path) const {
    const std::string key = JoinPath(path);
    if (auto it = stats_.columns.find(key); it != stats_.columns.end()) return &it->second;
    const ColumnStats* found = nullptr;
    for (const auto& [name, s] : stats_.columns) {
      if (EqualsIgnoreCase(name, key)) {
        if (found) return nullptr;  // ambiguous: know nothing
        found = &s;
      }
    }
    return found;
  }

  std::shared_ptr<arrow::DataType> SchemaTypeOf(const std::vector<std::string>& path) const {
    const arrow::FieldVector* fields = &schema_.fields();
    std::shared_ptr<arrow::DataType> type;
    for (size_t level = 0; level < path.size(); ++level) {
      std::shared_ptr<arrow::Field> match;
      for (const auto& f : *fields) {
        if (f->name() == path[level]) {
          match = f;
          break;
        }
        if (!match && EqualsIgnoreCase(f->name(), path[level])) match = f;
      }
      if (!match) return nullptr;
      type = match->type();
      if (level + 1 < path.size()) {
        if (type->id() != arrow::Type::STRUCT) return nullptr;
        fields = &type->fields();
      }
    }
    return type;
  }

  // True when the file certainly has no non-null value in the column.
  bool NoNonNullValues(const ColumnStats& s) const {
    if (s.all_null) return true;
    return s.null_count && stats_.num_records && *s.null_count >= *stats_.num_records;
  }

  // ---- the rules ----
  std::optional<bool> Fast(const Expr& e, bool negated) {
    switch (e.kind()) {
      case Expr::Kind::kLiteral: {
        const auto& v = e.literal();
        if (!v || !v->is_valid) return false;  // NULL is never TRUE, nor is NOT NULL
        if (v->type->id() != arrow::Type::BOOL) return std::nullopt;
        return static_cast<const arrow::BooleanScalar&>(*v).value != negated;
      }
      case Expr::Kind::kColumn: {  // a boolean column used as a predicate
        auto type = SchemaTypeOf(e.column());
        if (!type || type->id() != arrow::Type::BOOL) return std::nullopt;
        return Compare(e.column(), "==", std::make_shared<arrow::BooleanScalar>(!negated));
      }
      case Expr::Kind::kCall: break;
    }
    const std::string& f = e.function();
    const auto& args = e.args();
    if ((f == "and" || f == "or") && !args.empty()) {
      // NOT(a AND b) = NOT a OR NOT b (also under Kleene logic).
      const bool conjunction = (f == "and") != negated;
      for (const auto& a : args) {
        const bool may = MayBeTrue(*a, negated);
        if (conjunction && !may) return false;
        if (!conjunction && may) return true;
      }
      return conjunction;
    }
    if (f == "not" && args.size() == 1) return MayBeTrue(*args[0], !negated);
    if (IsComparison(f) && args.size() == 2) {
      const std::string op = negated ? Negate(f) : f;
      const Expr& l = *args[0];
      const Expr& r = *args[1];
      if (l.kind() == Expr::Kind::kColumn && r.kind() == Expr::Kind::kLiteral) {
        return Compare(l.column(), op, r.literal());
      }
      if (r.kind() == Expr::Kind::kColumn && l.kind() == Expr::Kind::kLiteral) {
        return Compare(r.column(), Flip(op), l.literal());
      }
      if ((l.kind() == Expr::Kind::kLiteral && !l.literal()->is_valid) ||
          (r.kind() == Expr::Kind::kLiteral && !r.literal()->is_valid)) {
        return false;  // a comparison with NULL is NULL
      }
      return std::nullopt;
    }
    if (f == "<=>" && args.size() == 2) {
      // col <=> NULL is col IS NULL; col <=> v (v not NULL) is TRUE exactly when col = v is.
      // Negated, NOT (col <=> v) also holds for NULL rows: no rule.
      const Expr* col = args[0]->kind() == Expr::Kind::kColumn ? args[0].get() : args[1].get();
      const Expr* lit = args[0]->kind() == Expr::Kind::kColumn ? args[1].get() : args[0].get();
      if (col->kind() != Expr::Kind::kColumn || lit->kind() != Expr::Kind::kLiteral) return std::nullopt;
      if (!lit->literal()->is_valid) return NullCheck(col->column(), !negated);
      if (negated) return std::nullopt;
      return Compare(col->column(), "==", lit->literal());
    }
    if ((f == "is_null" || f == "is_not_null") && args.size() == 1 &&
        args[0]->kind() == Expr::Kind::kColumn) {
      return NullCheck(args[0]->column(), (f == "is_null") != negated);
    }
    if (f == "in" && args.size() >= 2 && args[0]->kind() == Expr::Kind::kColumn) {
      return In(e, negated);
    }
    if (f == "like" && args.size() == 2 && args[0]->kind() == Expr::Kind::kColumn &&
        args[1]->kind() == Expr::Kind::kLiteral && !negated) {
      return LikePrefix(args[0]->column(), args[1]->literal());
    }
    return std::nullopt;
  }

  std::optional<bool> NullCheck(const std::vector<std::string>& path, bool want_null) {
    const ColumnStats* s = StatsOf(path);
    if (!s) return std::nullopt;
    if (want_null) {
      if (s->all_null) return true;
      if (s->exact) return false;
      if (s->null_count) return *s->null_count > 0;
      return true;
    }
    if (NoNonNullValues(*s)) return false;
    return true;
  }

  std::optional<bool> In(const Expr& e, bool negated) {
    const auto& args = e.args();
    for (size_t i = 1; i < args.size(); ++i) {
      if (args[i]->kind() != Expr::Kind::kLiteral) return std::nullopt;
    }
    const auto& path = args[0]->column();
    if (!negated) {
      for (size_t i = 1; i < args.size(); ++i) {
        const auto& v = args[i]->literal();
        if (v->is_valid && Compare(path, "==", v).value_or(true)) return true;
      }
      return false;
    }
    // x NOT IN (..., NULL, ...) is never TRUE; otherwise it is x != v1 AND x != v2 ...
    for (size_t i = 1; i < args.size(); ++i) {
      if (!args[i]->literal()->is_valid) return false;
    }
    for (size_t i = 1; i < args.size(); ++i) {
      if (!Compare(path, "!=", args[i]->literal()).value_or(true)) return false;
    }
    return true;
  }

  // The column's bounds and the literal, all at the type the filter compares them at.
  struct Bounds {
    ScalarPtr lo, hi, value;  // lo/hi null: unbounded
    bool exact = false;
    bool truncated_strings = false;  // hi may be a prefix of larger values
    bool lossy_equality = false;     // min == max does not imply all values are equal
  };

  // The literal's conversion against `path`: from the prepared predicate's cache when it has
  // one for this pair, else worked out now.
  std::optional<Conversion> ConversionFor(const ColumnStats& s, const std::vector<std::string>& path,
                                          const ScalarPtr& literal) {
    SkippingPredicate::Conversions::Entry entry;
    if (conversions_ && conversions_->Owns(literal.get())) {
      entry = conversions_->Get({literal.get(), &path}, [&] {
        SkippingPredicate::Conversions::Entry e;
        e.schema_type = SchemaTypeOf(path);
        if (e.schema_type) e.conversion = Convert(e.schema_type, literal);
        return e;
      });
      if (entry.schema_type) return entry.conversion;
    } else {
      entry.schema_type = SchemaTypeOf(path);
      if (entry.schema_type) return Convert(entry.schema_type, literal);
    }
    auto type = s.min ? s.min->type : s.max ? s.max->type : nullptr;
    if (!type) return std::nullopt;
    return Convert(type, literal);
  }

  std::optional<Bounds> BoundsFor(const ColumnStats& s, const std::vector<std::string>& path,
                                  const ScalarPtr& literal) {
    auto conversion = ConversionFor(s, path, literal);
    if (!conversion) return std::nullopt;
    const auto& type = conversion->type;
    const auto& at = conversion->at;
    auto to_column = [&](const ScalarPtr& v) -> ScalarPtr {
      if (!v || !v->is_valid) return nullptr;
      auto c = CastLiteral(v, type);
      return c.ok() ? *c : nullptr;
    };
    Bounds b;
    b.exact = s.exact;
    b.lo = to_column(s.min);
    b.hi = s.exact ? b.lo : to_column(s.max);
    if (!s.exact && type->id() == arrow::Type::TIMESTAMP) {
      b.lo = WidenTimestamp(b.lo, -1);
      b.hi = WidenTimestamp(b.hi, +1);
    }
    auto to_common = [&](const ScalarPtr& v) -> ScalarPtr {
      if (!v) return nullptr;
      auto c = CastLiteral(v, at);
      return c.ok() ? *c : nullptr;
    };
    b.lo = to_common(b.lo);
    b.hi = to_common(b.hi);
    b.value = conversion->value;
    b.truncated_strings = !s.exact && (expr_internal::IsStringLike(*at) ||
                                       expr_internal::IsBinaryLike(*at));
    b.lossy_equality = !s.exact && (b.truncated_strings || arrow::is_floating(at->id()) ||
                                    arrow::is_floating(type->id()) ||
                                    type->id() == arrow::Type::TIMESTAMP);
    return b;
  }

  // col <op> literal.
  std::optional<bool> Compare(const std::vector<std::string>& path, const std::string& op,
                              const ScalarPtr& literal) {
    if (!literal || !literal->is_valid) return false;
    const ColumnStats* s = StatsOf(path);
    if (!s) return std::nullopt;
    if (NoNonNullValues(*s)) return false;
    auto b = BoundsFor(*s, path, literal);
    if (!b) return std::nullopt;
    const auto& v = b->value;
    // Sign of (lo - v) and (hi - v); kUnknown when a bound is missing or not comparable.
    constexpr int kUnknown = 2;
    auto sign = [&](const ScalarPtr& bound) {
      if (!bound) return kUnknown;
      return CompareScalars(*bound, *v).value_or(kUnknown);
    };
    const int lo_cmp = sign(b->lo);
    const int hi_cmp = sign(b->hi);
    // All values are < v (or <= v): with truncated strings, values extending hi are larger.
    auto all_below = [&](bool or_equal) {
      if (hi_cmp == kUnknown) return false;
      if (b->truncated_strings) {
        // Excluded only if v > hi and v does not extend hi (see the file comment).
        return hi_cmp < 0 && !StringOf(v).starts_with(StringOf(b->hi));
      }
      return or_equal ? hi_cmp <= 0 : hi_cmp < 0;
    };
    const bool lo_known = lo_cmp != kUnknown;
    if (op == "==") return !((lo_known && lo_cmp > 0) || all_below(false));
    if (op == "<") return !(lo_known && lo_cmp >= 0);
    if (op == "<=") return !(lo_known && lo_cmp > 0);
    if (op == ">") return !all_below(true);
    if (op == ">=") return !all_below(false);
    if (op == "!=") {
      if (b->lossy_equality) return true;
      return !(lo_cmp == 0 && hi_cmp == 0);
    }
    return std::nullopt;
  }

  // col LIKE 'prefix%...': the file must hold a value that starts with the prefix.
  std::optional<bool> LikePrefix(const std::vector<std::string>& path, const ScalarPtr& pattern) {
    if (!pattern->is_valid) return false;
    if (!expr_internal::IsStringLike(*pattern->type)) return std::nullopt;
    std::string_view p = StringOf(pattern);
    std::string prefix;
    bool wildcard = false;
    for (size_t i = 0; i < p.size(); ++i) {
      if (p[i] == '\\' && i + 1 < p.size()) {
        prefix += p[++i];
      } else if (p[i] == '%' || p[i] == '_') {
        wildcard = true;
        break;
      } else {
        prefix += p[i];
      }
    }
    auto text = std::make_shared<arrow::StringScalar>(prefix);
    if (!wildcard) return Compare(path, "==", text);
    const ColumnStats* s = StatsOf(path);
    if (!s) return std::nullopt;
    if (NoNonNullValues(*s)) return false;
    if (s->exact || prefix.empty()) return std::nullopt;
    auto b = BoundsFor(*s, path, text);
    if (!b || !expr_internal::IsStringLike(*b->value->type)) return std::nullopt;
    if (b->hi) {
      std::string_view hi = StringOf(b->hi);
      // Every value is <= hi or extends hi; if hi < prefix and prefix does not extend hi, no
      // value can start with prefix.
      if (hi < prefix && !std::string_view(prefix).starts_with(hi)) return false;
    }
    if (b->lo) {
      std::string_view lo = StringOf(b->lo);
      if (lo > prefix && !lo.starts_with(prefix)) return false;
    }
    return true;
  }

  // Evaluates `e` with Arrow when every column it reads has an exact (partition) value.
  std::optional<bool> EvaluateExactly(const Expr& e, bool negated) {
    arrow::FieldVector fields;
    arrow::ArrayVector columns;
    for (const auto& path : e.ReferencedColumns()) {
      if (path.size() != 1) return std::nullopt;
      const ColumnStats* s = StatsOf(path);
      if (!s || !s->exact) return std::nullopt;
      auto type = SchemaTypeOf(path);
      if (!type) type = s->min ? s->min->type : nullptr;
      if (!type) return std::nullopt;
      arrow::Result<std::shared_ptr<arrow::Array>> column;
      if (s->all_null || !s->min || !s->min->is_valid) {
        if (!s->all_null) return std::nullopt;
        column = arrow::MakeArrayOfNull(type, 1);
      } else {
        auto value = CastLiteral(s->min, type);
        if (!value.ok()) return std::nullopt;
        column = arrow::MakeArrayFromScalar(**value, 1);
      }
      if (!column.ok()) return std::nullopt;
      fields.push_back(arrow::field(path[0], type));
      columns.push_back(*column);
    }
    auto schema = arrow::schema(fields);
    auto translated = ToArrowExpression(e, *schema);
    if (!translated.ok()) return std::nullopt;
    auto bound = translated->Bind(*schema);
    if (!bound.ok()) return std::nullopt;
    auto batch = arrow::RecordBatch::Make(schema, 1, columns);
    auto result = cp::ExecuteScalarExpression(*bound, cp::ExecBatch(*batch));
    if (!result.ok()) return std::nullopt;
    ScalarPtr value;
    if (result->is_scalar()) {
      value = result->scalar();
    } else {
      auto s = result->make_array()->GetScalar(0);
      if (!s.ok()) return std::nullopt;
      value = *s;
    }
    if (value->type->id() != arrow::Type::BOOL) return std::nullopt;
    if (!value->is_valid) return false;  // NULL: neither the predicate nor its negation holds
    return static_cast<const arrow::BooleanScalar&>(*value).value != negated;
  }

  const FileStatistics& stats_;
  const arrow::Schema& schema_;
  SkippingPredicate::Conversions* conversions_;
};

}  // namespace

namespace {

bool Decide(const Expr& predicate, const FileStatistics& stats, const arrow::Schema& schema,
            SkippingPredicate::Conversions* conversions) {
  if (!expr_internal::EnsureComputeInitialized().ok()) return true;
  if (stats.num_records && *stats.num_records == 0) return false;  // no row to match
  return Skipper(stats, schema, conversions).MayBeTrue(predicate, /*negated=*/false);
}

}  // namespace

bool MayMatch(const Expr& predicate, const FileStatistics& stats, const arrow::Schema& schema) {
  return Decide(predicate, stats, schema, nullptr);
}

SkippingPredicate::SkippingPredicate(ExprPtr predicate, std::shared_ptr<arrow::Schema> schema)
    : predicate_(std::move(predicate)), schema_(std::move(schema)),
      conversions_(std::make_unique<Conversions>(*predicate_)) {
  for (const auto& path : predicate_->ReferencedColumns()) columns_.insert(util::ToLower(path[0]));
}
SkippingPredicate::~SkippingPredicate() = default;
SkippingPredicate::SkippingPredicate(SkippingPredicate&&) noexcept = default;
SkippingPredicate& SkippingPredicate::operator=(SkippingPredicate&&) noexcept = default;

bool SkippingPredicate::MayMatch(const FileStatistics& stats) const {
  return Decide(*predicate_, stats, *schema_, conversions_.get());
}

}  // namespace delta
