// Translation of deltacpp expressions into Arrow compute expressions.
//
// Arrow evaluates; this file supplies the SQL meaning Arrow does not have. Users write Spark SQL
// against *logical* Delta columns, so we resolve column paths (case-insensitively if no exact
// match, as Spark does), and apply Spark's coercions explicitly before Arrow sees the operands:
// a literal is cast to the type of the column it meets when that loses nothing (so
// `d = '2020-01-01'` compares date32 with date32 and `price > 10` compares decimals), otherwise
// both sides go to their common type (sql_semantics.h). Integer division yields DOUBLE, AND/OR
// are Kleene, IN treats NULLs like SQL (INCONCLUSIVE), arithmetic is overflow-checked (Spark's
// ANSI mode). Every node is bound once while translating, which both yields its output type for
// the parent's coercion and reports type errors with the SQL text of the offending node.
#include <algorithm>
#include <cctype>

#include <arrow/array/builder_base.h>
#include <arrow/compute/api.h>

#include "delta/error.h"
#include "delta/expression.h"
#include "expr/sql_semantics.h"
#include "util/compute_init.h"

namespace delta {

namespace cp = arrow::compute;
using expr_internal::CastLiteral;
using expr_internal::CastLiteralExactly;
using expr_internal::CommonType;
using expr_internal::SqlTypeName;

namespace {

// A translated node: the Arrow expression, its output type, and its value if it is a literal.
struct Typed {
  cp::Expression expr;
  std::shared_ptr<arrow::DataType> type;
  std::shared_ptr<arrow::Scalar> literal;  // set only for literals
};

Typed FromLiteral(std::shared_ptr<arrow::Scalar> value) {
  Typed t{cp::literal(value), value->type, value};
  return t;
}

std::string JoinPath(const std::vector<std::string>& path) {
  std::string out;
  for (const auto& p : path) out += (out.empty() ? "" : ".") + p;
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

class Translator {
 public:
  explicit Translator(const arrow::Schema& schema)
      : schema_(std::make_shared<arrow::Schema>(schema.fields(), schema.metadata())) {}

  arrow::Result<Typed> Translate(const Expr& e) {
    switch (e.kind()) {
      case Expr::Kind::kColumn: return Column(e.column());
      case Expr::Kind::kLiteral:
        return FromLiteral(e.literal() ? e.literal() : std::make_shared<arrow::NullScalar>());
      case Expr::Kind::kCall: return Call(e);
    }
    return DELTA_ERROR(kInternal, "unknown expression kind");
  }

 private:
  arrow::Result<Typed> Column(const std::vector<std::string>& path) {
    if (path.empty()) return DELTA_ERROR(kInvalidArgument, "empty column path");
    const arrow::FieldVector* fields = &schema_->fields();
    std::vector<arrow::FieldRef> refs;
    std::shared_ptr<arrow::DataType> type;
    for (size_t level = 0; level < path.size(); ++level) {
      const std::string& name = path[level];
      std::shared_ptr<arrow::Field> found;
      int exact = 0, folded = 0;
      std::shared_ptr<arrow::Field> folded_match;
      for (const auto& f : *fields) {
        if (f->name() == name) {
          ++exact;
          found = f;
        } else if (EqualsIgnoreCase(f->name(), name)) {
          ++folded;
          folded_match = f;
        }
      }
      if (exact == 0 && folded == 1) found = folded_match;
      if (exact > 1 || (exact == 0 && folded > 1)) {
        return DELTA_ERROR(kInvalidArgument, "column '", JoinPath(path), "' is ambiguous");
      }
      if (!found) {
        std::string available;
        for (const auto& f : *fields) available += (available.empty() ? "" : ", ") + f->name();
        std::vector<std::string> prefix(path.begin(), path.begin() + level + 1);
        return DELTA_ERROR(kInvalidArgument, "column '", JoinPath(prefix),
                           "' not found in schema (available: ", available, ")");
      }
      refs.emplace_back(found->name());
      type = found->type();
      if (level + 1 < path.size()) {
        if (type->id() != arrow::Type::STRUCT) {
          std::vector<std::string> prefix(path.begin(), path.begin() + level + 1);
          return DELTA_ERROR(kInvalidArgument, "column '", JoinPath(prefix), "' is of type ",
                             type->ToString(), ", not a struct; cannot select '", path[level + 1],
                             "'");
        }
        fields = &type->fields();
      }
    }
    arrow::FieldRef ref = refs.size() == 1 ? refs[0] : arrow::FieldRef(std::move(refs));
    return Typed{cp::field_ref(std::move(ref)), type, nullptr};
  }

  // Binds a freshly built call to learn its type; errors name the SQL node.
  arrow::Result<Typed> Finish(const Expr& e, cp::Expression expr) {
    auto bound = expr.Bind(*schema_);
    if (!bound.ok()) {
      return DELTA_ERROR(kInvalidArgument, "cannot evaluate ", e.ToString(), ": ",
                         bound.status().message());
    }
    return Typed{std::move(expr), bound->type()->GetSharedPtr(), nullptr};
  }

  arrow::Result<Typed> CastTo(const Typed& t, const std::shared_ptr<arrow::DataType>& type) {
    if (t.type->Equals(*type)) return t;
    if (t.literal) {
      auto cast = CastLiteral(t.literal, type);
      if (!cast.ok()) {
        return DELTA_ERROR(kInvalidArgument, "cannot use ", Expr::Literal(t.literal)->ToString(),
                           " as ", SqlTypeName(*type), ": ", cast.status().message());
      }
      return FromLiteral(*cast);
    }
    return Typed{cp::call("cast", {t.expr}, cp::CastOptions::Safe(type)), type, nullptr};
  }

  // An explicit CAST with Spark's meaning (session time zone UTC): fractional numbers to
  // integers truncate toward zero, decimals to a smaller scale round half up, timestamps
  // format as 'yyyy-MM-dd HH:mm:ss[.ffffff]' (trailing zeros dropped); overflow and
  // unparsable text are errors (ANSI mode). Casts whose Spark result Arrow cannot reproduce
  // (floating point to text) are refused rather than approximated.
  arrow::Result<Typed> SparkCast(const Expr& e, Typed t, const std::shared_ptr<arrow::DataType>& to) {
    if (t.type->Equals(*to)) return t;
    if (t.literal) {
      if (auto cast = CastLiteral(t.literal, to); cast.ok()) return FromLiteral(*cast);
      t.literal = nullptr;  // e.g. CAST(1.7 AS INT): evaluate as an expression below
    }
    const auto from_id = t.type->id();
    const bool fractional = arrow::is_floating(from_id) || arrow::is_decimal(from_id);
    if (fractional && arrow::is_integer(to->id())) {
      t.expr = cp::call("round", {t.expr}, cp::RoundOptions(0, cp::RoundMode::TOWARDS_ZERO));
    } else if (arrow::is_decimal(from_id) && arrow::is_decimal(to->id()) &&
               static_cast<const arrow::DecimalType&>(*to).scale() <
                   static_cast<const arrow::DecimalType&>(*t.type).scale()) {
      t.expr = cp::call("round", {t.expr},
                        cp::RoundOptions(static_cast<const arrow::DecimalType&>(*to).scale(),
                                         cp::RoundMode::HALF_TOWARDS_INFINITY));
    } else if (expr_internal::IsStringLike(*to) && from_id == arrow::Type::TIMESTAMP) {
      return Finish(e, TimestampText(t));
    } else if (expr_internal::IsStringLike(*to) && arrow::is_floating(from_id)) {
      return DELTA_ERROR(kInvalidArgument, "cannot evaluate ", e.ToString(),
                         ": deltacpp does not format floating-point values as text the way Spark does");
    }
    if (from_id == arrow::Type::TIMESTAMP && to->id() == arrow::Type::DATE32) {
      cp::CastOptions options = cp::CastOptions::Safe(to);
      options.allow_time_truncate = true;
      return Finish(e, cp::call("cast", {t.expr}, options));
    }
    return Finish(e, cp::call("cast", {t.expr}, cp::CastOptions::Safe(to)));
  }

  // Spark's text of a timestamp: 'yyyy-MM-dd HH:mm:ss', then '.' and the fraction of the
  // second without trailing zeros when it is not zero.
  cp::Expression TimestampText(const Typed& t) {
    const auto& ts = static_cast<const arrow::TimestampType&>(*t.type);
    cp::CastOptions to_seconds = cp::CastOptions::Safe(arrow::timestamp(arrow::TimeUnit::SECOND, ts.timezone()));
    to_seconds.allow_time_truncate = true;
    cp::Expression seconds = cp::call("cast", {t.expr}, to_seconds);
    cp::Expression whole = cp::call("strftime", {seconds}, cp::StrftimeOptions("%Y-%m-%d %H:%M:%S"));
    cp::CastOptions to_micros = cp::CastOptions::Safe(arrow::timestamp(arrow::TimeUnit::MICRO, ts.timezone()));
    cp::Expression micros = cp::call("subtract_checked",
                                     {cp::call("cast", {cp::call("cast", {t.expr}, to_micros)},
                                               cp::CastOptions::Unsafe(arrow::int64())),
                                      cp::call("multiply_checked",
                                               {cp::call("cast", {seconds}, cp::CastOptions::Unsafe(arrow::int64())),
                                                cp::literal(int64_t{1000000})})});
    cp::Expression padded = cp::call("utf8_lpad", {cp::call("cast", {micros}, cp::CastOptions::Safe(arrow::utf8()))},
                                     cp::PadOptions(6, "0"));
    cp::Expression fraction = cp::call("utf8_rtrim", {padded}, cp::TrimOptions("0"));
    cp::Expression with_fraction = cp::call(
        "binary_join_element_wise", {whole, fraction, cp::literal(std::make_shared<arrow::StringScalar>("."))});
    return cp::call("if_else", {cp::call("equal", {micros, cp::literal(int64_t{0})}), whole, with_fraction});
  }

  arrow::Result<std::shared_ptr<arrow::DataType>> Common(const Expr& e, const Typed& a,
                                                         const Typed& b) {
    auto common = CommonType(a.type, b.type);
    if (!common) {
      return DELTA_ERROR(kInvalidArgument, "cannot evaluate ", e.ToString(), ": types ",
                         SqlTypeName(*a.type), " and ", SqlTypeName(*b.type), " do not match");
    }
    return common;
  }

  // Comparison operands: a literal adopts the other side's type when exact; else common type.
  arrow::Status CoerceForComparison(const Expr& e, Typed* a, Typed* b) {
    if (a->type->Equals(*b->type)) return arrow::Status::OK();
    if (a->literal && !b->literal) {
      if (auto c = CastLiteralExactly(a->literal, b->type); c.ok()) {
        *a = FromLiteral(*c);
        return arrow::Status::OK();
      }
    }
    if (b->literal && !a->literal) {
      if (auto c = CastLiteralExactly(b->literal, a->type); c.ok()) {
        *b = FromLiteral(*c);
        return arrow::Status::OK();
      }
    }
    ARROW_ASSIGN_OR_RAISE(auto common, Common(e, *a, *b));
    ARROW_ASSIGN_OR_RAISE(*a, CastTo(*a, common));
    ARROW_ASSIGN_OR_RAISE(*b, CastTo(*b, common));
    return arrow::Status::OK();
  }

  arrow::Result<Typed> ToBoolean(const Typed& t) {
    if (t.type->id() == arrow::Type::NA) return CastTo(t, arrow::boolean());
    return t;
  }

  arrow::Result<std::vector<Typed>> TranslateArgs(const Expr& e) {
    std::vector<Typed> out;
    for (const auto& a : e.args()) {
      ARROW_ASSIGN_OR_RAISE(Typed t, Translate(*a));
      out.push_back(std::move(t));
    }
    return out;
  }

  arrow::Status CheckArity(const Expr& e, size_t min, size_t max) {
    const size_t n = e.args().size();
    if (n >= min && n <= max) return arrow::Status::OK();
    std::string expected = min == max ? std::to_string(min)
                           : max == SIZE_MAX ? "at least " + std::to_string(min)
                                             : std::to_string(min) + " to " + std::to_string(max);
    return DELTA_ERROR(kInvalidArgument, "function '", e.function(), "' takes ", expected,
                       " argument", (max == 1 && min == 1 ? "" : "s"), ", got ", n);
  }

  // Brings all operands to one type (COALESCE, CASE values, IN lists).
  arrow::Status Unify(const Expr& e, std::vector<Typed*> operands) {
    std::shared_ptr<arrow::DataType> common = arrow::null();
    for (Typed* t : operands) {
      auto next = CommonType(common, t->type);
      if (!next) {
        return DELTA_ERROR(kInvalidArgument, "cannot evaluate ", e.ToString(), ": types ",
                           SqlTypeName(*common), " and ", SqlTypeName(*t->type),
                           " do not match");
      }
      common = next;
    }
    for (Typed* t : operands) {
      ARROW_ASSIGN_OR_RAISE(*t, CastTo(*t, common));
    }
    return arrow::Status::OK();
  }

  std::optional<int64_t> IntegerLiteral(const Typed& t) {
    if (!t.literal || !t.literal->is_valid || !arrow::is_integer(t.type->id())) return std::nullopt;
    auto v = CastLiteral(t.literal, arrow::int64());
    if (!v.ok()) return std::nullopt;
    return static_cast<const arrow::Int64Scalar&>(**v).value;
  }

  arrow::Result<Typed> Call(const Expr& e) {
    const std::string& f = e.function();
    if (f == "cast") {
      ARROW_RETURN_NOT_OK(CheckArity(e, 1, 1));
      if (!e.cast_type()) return DELTA_ERROR(kInvalidArgument, "cast without a target type");
      ARROW_ASSIGN_OR_RAISE(Typed arg, Translate(*e.args()[0]));
      return SparkCast(e, arg, e.cast_type());
    }
    if (f == "in") return In(e);
    ARROW_ASSIGN_OR_RAISE(std::vector<Typed> args, TranslateArgs(e));

    if (f == "and" || f == "or") {
      ARROW_RETURN_NOT_OK(CheckArity(e, 1, SIZE_MAX));
      ARROW_ASSIGN_OR_RAISE(Typed acc, ToBoolean(args[0]));
      cp::Expression out = acc.expr;
      for (size_t i = 1; i < args.size(); ++i) {
        ARROW_ASSIGN_OR_RAISE(Typed next, ToBoolean(args[i]));
        out = cp::call(f == "and" ? "and_kleene" : "or_kleene", {out, next.expr});
      }
      return Finish(e, out);
    }
    if (f == "not") {
      ARROW_RETURN_NOT_OK(CheckArity(e, 1, 1));
      ARROW_ASSIGN_OR_RAISE(Typed arg, ToBoolean(args[0]));
      return Finish(e, cp::call("invert", {arg.expr}));
    }
    static const std::pair<const char*, const char*> kComparisons[] = {
        {"==", "equal"}, {"!=", "not_equal"}, {"<", "less"},
        {"<=", "less_equal"}, {">", "greater"}, {">=", "greater_equal"}};
    for (const auto& [sql, arrow_name] : kComparisons) {
      if (f == sql) {
        ARROW_RETURN_NOT_OK(CheckArity(e, 2, 2));
        ARROW_RETURN_NOT_OK(CoerceForComparison(e, &args[0], &args[1]));
        if (args[0].type->id() == arrow::Type::NA) {
          return FromLiteral(arrow::MakeNullScalar(arrow::boolean()));
        }
        return Finish(e, cp::call(arrow_name, {args[0].expr, args[1].expr}));
      }
    }
    if (f == "<=>") {  // null-safe equality: TRUE or FALSE, never NULL
      ARROW_RETURN_NOT_OK(CheckArity(e, 2, 2));
      if (args[0].type->id() == arrow::Type::NA && args[1].type->id() == arrow::Type::NA) {
        return FromLiteral(std::make_shared<arrow::BooleanScalar>(true));
      }
      if (args[0].type->id() == arrow::Type::NA) return Finish(e, cp::call("is_null", {args[1].expr}));
      if (args[1].type->id() == arrow::Type::NA) return Finish(e, cp::call("is_null", {args[0].expr}));
      ARROW_RETURN_NOT_OK(CoerceForComparison(e, &args[0], &args[1]));
      cp::Expression both_null =
          cp::call("and", {cp::call("is_null", {args[0].expr}), cp::call("is_null", {args[1].expr})});
      return Finish(e, cp::call("coalesce", {cp::call("equal", {args[0].expr, args[1].expr}), both_null}));
    }
    if (f == "is_null" || f == "isnull" || f == "is_not_null" || f == "isnotnull") {
      ARROW_RETURN_NOT_OK(CheckArity(e, 1, 1));
      const bool want_null = f == "is_null" || f == "isnull";
      return Finish(e, cp::call(want_null ? "is_null" : "is_valid", {args[0].expr}));
    }
    if (f == "like") return Like(e, args);
    if (f == "+" || f == "-" || f == "*" || f == "/" || f == "%") return Arithmetic(e, args);
    if (f == "negate") {
      ARROW_RETURN_NOT_OK(CheckArity(e, 1, 1));
      return Finish(e, cp::call("negate_checked", {args[0].expr}));
    }
    return Function(e, args);
  }

  arrow::Result<Typed> In(const Expr& e) {
    ARROW_RETURN_NOT_OK(CheckArity(e, 2, SIZE_MAX));
    ARROW_ASSIGN_OR_RAISE(Typed value, Translate(*e.args()[0]));
    std::vector<Typed> items;
    bool all_literal = true;
    for (size_t i = 1; i < e.args().size(); ++i) {
      ARROW_ASSIGN_OR_RAISE(Typed t, Translate(*e.args()[i]));
      all_literal = all_literal && t.literal != nullptr;
      items.push_back(std::move(t));
    }
    if (!all_literal) {
      // x IN (a, b) ≡ x = a OR x = b, including SQL's NULL behaviour.
      cp::Expression out;
      for (size_t i = 0; i < items.size(); ++i) {
        Typed lhs = value, rhs = items[i];
        ARROW_RETURN_NOT_OK(CoerceForComparison(e, &lhs, &rhs));
        cp::Expression eq = cp::call("equal", {lhs.expr, rhs.expr});
        out = i == 0 ? eq : cp::call("or_kleene", {out, eq});
      }
      return Finish(e, out);
    }
    // Prefer the column's own type; fall back to the common type of all operands.
    bool exact = true;
    for (auto& item : items) {
      auto c = CastLiteralExactly(item.literal, value.type);
      if (!c.ok()) {
        exact = false;
        break;
      }
    }
    if (exact) {
      for (auto& item : items) {
        ARROW_ASSIGN_OR_RAISE(item, CastTo(item, value.type));
      }
    } else {
      std::vector<Typed*> all = {&value};
      for (auto& item : items) all.push_back(&item);
      ARROW_RETURN_NOT_OK(Unify(e, all));
    }
    if (value.type->id() == arrow::Type::NA) {
      return FromLiteral(arrow::MakeNullScalar(arrow::boolean()));
    }
    std::unique_ptr<arrow::ArrayBuilder> builder;
    ARROW_RETURN_NOT_OK(arrow::MakeBuilder(arrow::default_memory_pool(), value.type, &builder));
    arrow::ScalarVector scalars;
    for (const auto& item : items) scalars.push_back(item.literal);
    ARROW_RETURN_NOT_OK(builder->AppendScalars(scalars));
    ARROW_ASSIGN_OR_RAISE(auto value_set, builder->Finish());
    cp::SetLookupOptions options(value_set, cp::SetLookupOptions::INCONCLUSIVE);
    return Finish(e, cp::call("is_in", {value.expr}, options));
  }

  arrow::Result<Typed> Like(const Expr& e, std::vector<Typed>& args) {
    ARROW_RETURN_NOT_OK(CheckArity(e, 2, 2));
    const Typed& pattern = args[1];
    if (!pattern.literal) {
      return DELTA_ERROR(kInvalidArgument, "the pattern of LIKE must be a string literal in ",
                         e.ToString());
    }
    if (!pattern.literal->is_valid) return FromLiteral(arrow::MakeNullScalar(arrow::boolean()));
    if (!expr_internal::IsStringLike(*pattern.type)) {
      return DELTA_ERROR(kInvalidArgument, "the pattern of LIKE must be a string literal in ",
                         e.ToString());
    }
    Typed value = args[0];
    if (!expr_internal::IsStringLike(*value.type)) {
      ARROW_ASSIGN_OR_RAISE(value, CastTo(value, arrow::utf8()));
    }
    std::string text(static_cast<const arrow::BaseBinaryScalar&>(*pattern.literal).view());
    return Finish(e, cp::call("match_like", {value.expr}, cp::MatchSubstringOptions(text)));
  }

  arrow::Result<Typed> Arithmetic(const Expr& e, std::vector<Typed>& args) {
    ARROW_RETURN_NOT_OK(CheckArity(e, 2, 2));
    const std::string& f = e.function();
    Typed& a = args[0];
    Typed& b = args[1];
    ARROW_ASSIGN_OR_RAISE(auto common, Common(e, a, b));
    if (arrow::is_decimal(common->id())) {
      // Arrow derives decimal result precision/scale itself (as Spark does); only integers
      // need to become decimals first.
      for (Typed* t : {&a, &b}) {
        if (auto v = IntegerLiteral(*t)) {
          // Spark types an integer literal by its digits here: 1 is DECIMAL(1,0).
          ARROW_ASSIGN_OR_RAISE(auto as_decimal,
                                expr_internal::DecimalFromLiteralText(std::to_string(*v)));
          *t = FromLiteral(as_decimal);
        } else if (!arrow::is_decimal(t->type->id())) {
          auto as_decimal = CommonType(t->type, arrow::decimal128(1, 0));
          ARROW_ASSIGN_OR_RAISE(*t, CastTo(*t, as_decimal ? as_decimal : common));
        }
      }
    } else {
      if (f == "/" && (arrow::is_integer(common->id()) || common->id() == arrow::Type::NA)) {
        common = arrow::float64();  // Spark: integer / integer is DOUBLE
      }
      if (common->id() == arrow::Type::NA) common = arrow::int32();
      ARROW_ASSIGN_OR_RAISE(a, CastTo(a, common));
      ARROW_ASSIGN_OR_RAISE(b, CastTo(b, common));
    }
    const char* fn = f == "+"   ? "add_checked"
                     : f == "-" ? "subtract_checked"
                     : f == "*" ? "multiply_checked"
                     : f == "/" ? "divide_checked"
                                : "remainder_checked";
    if (f == "%" && !a.literal && (common->id() == arrow::Type::INT32 || common->id() == arrow::Type::INT64)) {
      // A constant divisor (the usual `id % 100 = 7`): divided by multiplication, not per row
      // by the hardware divider (util/compute_init.h). 0 and -1 keep Arrow's kernel (its
      // divide-by-zero error and INT_MIN % -1).
      if (auto d = IntegerLiteral(b); d && *d != 0 && *d != 1 && *d != -1) {
        return Finish(e, cp::call(util::kRemainderByConstant, {a.expr, b.expr}));
      }
    }
    return Finish(e, cp::call(fn, {a.expr, b.expr}));
  }

  arrow::Result<Typed> Function(const Expr& e, std::vector<Typed>& args) {
    const std::string& f = e.function();
    auto unary = [&](const char* arrow_name) -> arrow::Result<Typed> {
      ARROW_RETURN_NOT_OK(CheckArity(e, 1, 1));
      return Finish(e, cp::call(arrow_name, {args[0].expr}));
    };
    auto as_string = [&](Typed& t) -> arrow::Status {
      if (!expr_internal::IsStringLike(*t.type)) {
        ARROW_ASSIGN_OR_RAISE(t, CastTo(t, arrow::utf8()));
      }
      return arrow::Status::OK();
    };
    auto as_int32 = [&](const arrow::Result<Typed>& r) -> arrow::Result<Typed> {
      ARROW_ASSIGN_OR_RAISE(Typed t, r);
      return CastTo(t, arrow::int32());
    };

    if (f == "coalesce" || f == "nvl" || f == "ifnull") {
      ARROW_RETURN_NOT_OK(CheckArity(e, 1, SIZE_MAX));
      std::vector<Typed*> all;
      for (auto& a : args) all.push_back(&a);
      ARROW_RETURN_NOT_OK(Unify(e, all));
      std::vector<cp::Expression> exprs;
      for (auto& a : args) exprs.push_back(a.expr);
      return Finish(e, cp::call("coalesce", exprs));
    }
    if (f == "case_when") {
      ARROW_RETURN_NOT_OK(CheckArity(e, 2, SIZE_MAX));
      std::vector<cp::Expression> conditions;
      std::vector<std::string> names;
      std::vector<Typed*> values;
      size_t i = 0;
      for (; i + 1 < args.size(); i += 2) {
        ARROW_ASSIGN_OR_RAISE(Typed cond, ToBoolean(args[i]));
        conditions.push_back(cond.expr);
        names.push_back("c" + std::to_string(i / 2));
        values.push_back(&args[i + 1]);
      }
      if (i < args.size()) values.push_back(&args[i]);
      ARROW_RETURN_NOT_OK(Unify(e, values));
      std::vector<cp::Expression> call_args = {
          cp::call("make_struct", conditions, cp::MakeStructOptions(names))};
      for (Typed* v : values) call_args.push_back(v->expr);
      return Finish(e, cp::call("case_when", call_args));
    }
    if (f == "concat") {
      ARROW_RETURN_NOT_OK(CheckArity(e, 1, SIZE_MAX));
      std::vector<cp::Expression> exprs;
      for (auto& a : args) {
        ARROW_ASSIGN_OR_RAISE(a, CastTo(a, arrow::utf8()));
        exprs.push_back(a.expr);
      }
      exprs.push_back(cp::literal(std::make_shared<arrow::StringScalar>("")));
      return Finish(e, cp::call("binary_join_element_wise", exprs));
    }
    if (f == "lower" || f == "lcase" || f == "upper" || f == "ucase") {
      ARROW_RETURN_NOT_OK(CheckArity(e, 1, 1));
      ARROW_RETURN_NOT_OK(as_string(args[0]));
      return unary(f == "lower" || f == "lcase" ? "utf8_lower" : "utf8_upper");
    }
    if (f == "length" || f == "char_length" || f == "character_length") {
      ARROW_RETURN_NOT_OK(CheckArity(e, 1, 1));
      if (expr_internal::IsBinaryLike(*args[0].type)) return as_int32(unary("binary_length"));
      ARROW_RETURN_NOT_OK(as_string(args[0]));
      return as_int32(unary("utf8_length"));
    }
    if (f == "trim" || f == "ltrim" || f == "rtrim") {
      ARROW_RETURN_NOT_OK(CheckArity(e, 1, 1));
      ARROW_RETURN_NOT_OK(as_string(args[0]));
      const char* fn = f == "trim" ? "utf8_trim" : f == "ltrim" ? "utf8_ltrim" : "utf8_rtrim";
      return Finish(e, cp::call(fn, {args[0].expr}, cp::TrimOptions(" ")));
    }
    if (f == "substring" || f == "substr") {
      ARROW_RETURN_NOT_OK(CheckArity(e, 2, 3));
      ARROW_RETURN_NOT_OK(as_string(args[0]));
      auto pos = IntegerLiteral(args[1]);
      std::optional<int64_t> len = args.size() == 3 ? IntegerLiteral(args[2]) : INT64_MAX;
      if (!pos || !len) {
        return DELTA_ERROR(kInvalidArgument, "substring position and length must be integer "
                           "literals in ", e.ToString());
      }
      // Spark: 1-based; 0 acts as 1; negative counts from the end.
      int64_t start = *pos > 0 ? *pos - 1 : *pos;
      int64_t stop;
      if (*len <= 0) {
        stop = start;
      } else if (start >= 0) {
        stop = *len > INT64_MAX - start ? INT64_MAX : start + *len;
      } else {
        stop = start + *len >= 0 ? INT64_MAX : start + *len;
      }
      return Finish(e, cp::call("utf8_slice_codeunits", {args[0].expr},
                                cp::SliceOptions(start, stop)));
    }
    if (f == "startswith" || f == "endswith" || f == "contains") {
      ARROW_RETURN_NOT_OK(CheckArity(e, 2, 2));
      ARROW_RETURN_NOT_OK(as_string(args[0]));
      if (!args[1].literal || !expr_internal::IsStringLike(*args[1].type)) {
        return DELTA_ERROR(kInvalidArgument, "the second argument of ", f,
                           " must be a string literal");
      }
      std::string text(static_cast<const arrow::BaseBinaryScalar&>(*args[1].literal).view());
      const char* fn = f == "startswith" ? "starts_with"
                       : f == "endswith" ? "ends_with"
                                         : "match_substring";
      return Finish(e, cp::call(fn, {args[0].expr}, cp::MatchSubstringOptions(text)));
    }
    if (f == "abs") return unary("abs_checked");
    if (f == "to_date" || f == "date") {
      ARROW_RETURN_NOT_OK(CheckArity(e, 1, 1));  // to_date(x, format) is not supported
      return SparkCast(e, args[0], arrow::date32());
    }
    if (f == "date_format") {
      ARROW_RETURN_NOT_OK(CheckArity(e, 2, 2));
      if (!args[1].literal || !expr_internal::IsStringLike(*args[1].type) || !args[1].literal->is_valid) {
        return DELTA_ERROR(kInvalidArgument, "the format of date_format must be a string literal in ",
                           e.ToString());
      }
      ARROW_ASSIGN_OR_RAISE(std::string format, StrftimeFormat(
          std::string(static_cast<const arrow::BaseBinaryScalar&>(*args[1].literal).view()), e));
      Typed value = args[0];
      std::string zone;
      if (value.type->id() == arrow::Type::TIMESTAMP) {
        zone = static_cast<const arrow::TimestampType&>(*value.type).timezone();
      } else if (value.type->id() != arrow::Type::DATE32) {
        return DELTA_ERROR(kInvalidArgument, "date_format takes a date or timestamp in ", e.ToString());
      }
      // Whole seconds: Arrow's %S would print the fraction of the second.
      cp::CastOptions to_seconds = cp::CastOptions::Safe(arrow::timestamp(arrow::TimeUnit::SECOND, zone));
      to_seconds.allow_time_truncate = true;
      return Finish(e, cp::call("strftime", {cp::call("cast", {value.expr}, to_seconds)},
                                cp::StrftimeOptions(format)));
    }
    static const std::pair<const char*, const char*> kTemporal[] = {
        {"year", "year"}, {"month", "month"}, {"day", "day"}, {"dayofmonth", "day"},
        {"hour", "hour"}, {"minute", "minute"}, {"second", "second"}};
    for (const auto& [sql, arrow_name] : kTemporal) {
      if (f == sql) {
        ARROW_RETURN_NOT_OK(CheckArity(e, 1, 1));
        return as_int32(unary(arrow_name));
      }
    }
    return DELTA_ERROR(kInvalidArgument, "unknown function '", f, "' in ", e.ToString());
  }

  // A Spark datetime pattern ('yyyy-MM-dd HH:mm:ss', quoted literal text) as a strftime
  // format; patterns with letters strftime cannot reproduce exactly are refused.
  arrow::Result<std::string> StrftimeFormat(const std::string& pattern, const Expr& e) {
    std::string out;
    for (size_t i = 0; i < pattern.size();) {
      const char c = pattern[i];
      if (c == '\'') {
        size_t end = pattern.find('\'', i + 1);
        if (end == i + 1) {
          out += '\'';
          i += 2;
          continue;
        }
        if (end == std::string::npos) end = pattern.size();
        for (size_t j = i + 1; j < end; ++j) out += pattern[j] == '%' ? "%%" : std::string(1, pattern[j]);
        i = end + 1;
        continue;
      }
      if (!std::isalpha(static_cast<unsigned char>(c))) {
        out += c == '%' ? "%%" : std::string(1, c);
        ++i;
        continue;
      }
      size_t n = 1;
      while (i + n < pattern.size() && pattern[i + n] == c) ++n;
      const std::string run(n, c);
      static const std::pair<const char*, const char*> kLetters[] = {
          {"yyyy", "%Y"}, {"y", "%Y"}, {"yy", "%y"}, {"MM", "%m"}, {"MMM", "%b"}, {"MMMM", "%B"},
          {"dd", "%d"},   {"HH", "%H"}, {"hh", "%I"}, {"mm", "%M"}, {"ss", "%S"}, {"a", "%p"},
          {"EEE", "%a"},  {"EEEE", "%A"}, {"DDD", "%j"}};
      const char* spec = nullptr;
      for (const auto& [letters, strftime_spec] : kLetters) {
        if (run == letters) spec = strftime_spec;
      }
      if (!spec) {
        return DELTA_ERROR(kInvalidArgument, "cannot evaluate ", e.ToString(), ": the pattern letters '", run,
                           "' are not supported by deltacpp");
      }
      out += spec;
      i += n;
    }
    return out;
  }

  std::shared_ptr<arrow::Schema> schema_;
};

}  // namespace

arrow::Result<cp::Expression> ToArrowExpression(const Expr& expr, const arrow::Schema& schema) {
  ARROW_RETURN_NOT_OK(expr_internal::EnsureComputeInitialized());
  Translator translator(schema);
  ARROW_ASSIGN_OR_RAISE(Typed t, translator.Translate(expr));
  return t.expr;
}

}  // namespace delta
