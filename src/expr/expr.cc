// Expression nodes and their SQL rendering.
//
// ToString is the inverse of ParseExpression: the text it produces parses back to the same tree
// (same functions, same literal types and values). That is what lets the CLI echo a predicate,
// the log record it in commitInfo, and tests round-trip it. To get there, rendering inserts
// parentheses only where precedence requires them, writes every literal with the syntax that
// re-creates its exact Arrow type (5Y, 5S, 5, 5L, 1.5F, 1.5D, 1.25, 100BD, DATE '...',
// TIMESTAMP '...Z', X'..'), and falls back to CAST(<literal> AS <type>) (which the parser folds
// back into a literal) when no literal syntax carries the type, e.g. DECIMAL(10,2) 1.25.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include <arrow/util/decimal.h>

#include "delta/expression.h"
#include "expr/sql_semantics.h"

namespace delta {

using expr_internal::FormatDate;
using expr_internal::FormatTimestampMicros;
using expr_internal::SqlTypeName;

ExprPtr Expr::Column(std::vector<std::string> path) {
  auto e = std::make_shared<Expr>();
  e->kind_ = Kind::kColumn;
  e->column_ = std::move(path);
  return e;
}

ExprPtr Expr::Literal(std::shared_ptr<arrow::Scalar> value) {
  auto e = std::make_shared<Expr>();
  e->kind_ = Kind::kLiteral;
  e->literal_ = value ? std::move(value) : std::make_shared<arrow::NullScalar>();
  return e;
}

ExprPtr Expr::Call(std::string function, std::vector<ExprPtr> args) {
  auto e = std::make_shared<Expr>();
  e->kind_ = Kind::kCall;
  e->function_ = std::move(function);
  e->args_ = std::move(args);
  return e;
}

ExprPtr Expr::Cast(ExprPtr arg, std::shared_ptr<arrow::DataType> type) {
  auto e = std::make_shared<Expr>();
  e->kind_ = Kind::kCall;
  e->function_ = "cast";
  e->args_ = {std::move(arg)};
  e->cast_type_ = std::move(type);
  return e;
}

namespace {

// Binding strength of the rendered form; higher binds tighter. Mirrors the parser's levels.
enum Precedence : int {
  kOr = 1,
  kAnd = 2,
  kNot = 3,
  kComparison = 4,
  kAdditive = 5,
  kMultiplicative = 6,
  kUnary = 7,
  kPrimary = 8,
};

const char* ComparisonSymbol(const std::string& f) {
  if (f == "==") return "=";
  if (f == "!=") return "!=";
  if (f == "<") return "<";
  if (f == "<=") return "<=";
  if (f == "<=>") return "<=>";
  if (f == ">") return ">";
  if (f == ">=") return ">=";
  return nullptr;
}

const char* ArithmeticSymbol(const std::string& f) {
  if (f == "+" || f == "-" || f == "*" || f == "/" || f == "%") return f.c_str();
  return nullptr;
}

bool IsNegativeNumber(const arrow::Scalar& s) {
  if (!s.is_valid || !expr_internal::IsNumeric(*s.type)) return false;
  std::string text = s.ToString();
  return !text.empty() && text[0] == '-';
}

int PrecedenceOf(const Expr& e) {
  if (e.kind() == Expr::Kind::kLiteral) {
    return IsNegativeNumber(*e.literal()) ? kUnary : kPrimary;
  }
  if (e.kind() == Expr::Kind::kColumn) return kPrimary;
  const std::string& f = e.function();
  if (f == "or" && e.args().size() >= 2) return kOr;
  if (f == "and" && e.args().size() >= 2) return kAnd;
  if (f == "not" && e.args().size() == 1) {
    const Expr& inner = *e.args()[0];
    if (inner.kind() == Expr::Kind::kCall &&
        (inner.function() == "in" || inner.function() == "like")) {
      return kComparison;  // rendered as x NOT IN (...) / x NOT LIKE p
    }
    return kNot;
  }
  if ((ComparisonSymbol(f) && e.args().size() == 2) ||
      ((f == "is_null" || f == "is_not_null") && e.args().size() == 1) ||
      (f == "in" && e.args().size() >= 2) || (f == "like" && e.args().size() == 2)) {
    return kComparison;
  }
  if ((f == "+" || f == "-") && e.args().size() == 2) return kAdditive;
  if ((f == "*" || f == "/" || f == "%") && e.args().size() == 2) return kMultiplicative;
  if (f == "negate" && e.args().size() == 1) return kUnary;
  return kPrimary;
}

std::string QuoteIdentifier(const std::string& name) {
  bool plain = !name.empty() &&
               (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_');
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') plain = false;
  }
  if (plain && !expr_internal::IsReservedWord(name)) return name;
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  return out + "`";
}

std::string QuoteString(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    switch (c) {
      case '\'': out += "\\'"; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\0': out += "\\0"; break;
      default: out += c;
    }
  }
  return out + "'";
}

template <typename Float>
std::string FloatText(Float v, const char* suffix, const char* type_name) {
  if (std::isnan(v)) return std::string("CAST('NaN' AS ") + type_name + ")";
  if (std::isinf(v)) {
    return std::string("CAST('") + (v < 0 ? "-" : "") + "Infinity' AS " + type_name + ")";
  }
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, res.ptr) + suffix;
}

std::string RenderDecimal128(const arrow::Decimal128Scalar& s) {
  const auto& type = static_cast<const arrow::Decimal128Type&>(*s.type);
  std::string text = s.value.ToString(type.scale());
  if (type.scale() <= 0) text += "BD";
  auto natural = expr_internal::DecimalFromLiteralText(text);
  if (natural.ok() && (*natural)->type->Equals(*s.type)) return text;
  return "CAST(" + text + " AS " + SqlTypeName(*s.type) + ")";
}

int64_t TimestampToMicros(const arrow::TimestampScalar& s) {
  const auto unit = static_cast<const arrow::TimestampType&>(*s.type).unit();
  switch (unit) {
    case arrow::TimeUnit::SECOND: return s.value * 1000000;
    case arrow::TimeUnit::MILLI: return s.value * 1000;
    case arrow::TimeUnit::MICRO: return s.value;
    case arrow::TimeUnit::NANO: {
      int64_t us = s.value / 1000;
      return (s.value % 1000 < 0) ? us - 1 : us;
    }
  }
  return s.value;
}

std::string RenderLiteral(const arrow::Scalar& s) {
  using arrow::Type;
  if (!s.is_valid) {
    if (s.type->id() == Type::NA) return "NULL";
    return "CAST(NULL AS " + SqlTypeName(*s.type) + ")";
  }
  switch (s.type->id()) {
    case Type::BOOL:
      return static_cast<const arrow::BooleanScalar&>(s).value ? "TRUE" : "FALSE";
    case Type::INT8: return s.ToString() + "Y";
    case Type::UINT8: case Type::INT16: return s.ToString() + "S";
    case Type::UINT16: case Type::INT32: return s.ToString();
    case Type::UINT32: case Type::INT64: return s.ToString() + "L";
    case Type::UINT64: return s.ToString() + "BD";
    case Type::FLOAT:
      return FloatText(static_cast<const arrow::FloatScalar&>(s).value, "F", "FLOAT");
    case Type::DOUBLE:
      return FloatText(static_cast<const arrow::DoubleScalar&>(s).value, "D", "DOUBLE");
    case Type::DECIMAL128:
      return RenderDecimal128(static_cast<const arrow::Decimal128Scalar&>(s));
    case Type::DECIMAL32: case Type::DECIMAL64: case Type::DECIMAL256:
      return "CAST(" + s.ToString() + "BD AS " + SqlTypeName(*s.type) + ")";
    case Type::STRING: case Type::LARGE_STRING: case Type::STRING_VIEW:
      return QuoteString(static_cast<const arrow::BaseBinaryScalar&>(s).view());
    case Type::BINARY: case Type::LARGE_BINARY: case Type::BINARY_VIEW:
    case Type::FIXED_SIZE_BINARY: {
      static constexpr char kHex[] = "0123456789ABCDEF";
      std::string out = "X'";
      for (unsigned char c : static_cast<const arrow::BaseBinaryScalar&>(s).view()) {
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
      return out + "'";
    }
    case Type::DATE32:
      return "DATE '" + FormatDate(static_cast<const arrow::Date32Scalar&>(s).value) + "'";
    case Type::DATE64: {
      int64_t ms = static_cast<const arrow::Date64Scalar&>(s).value;
      int64_t days = ms / 86400000 - (ms % 86400000 < 0 ? 1 : 0);
      return "DATE '" + FormatDate(days) + "'";
    }
    case Type::TIMESTAMP: {
      const auto& ts = static_cast<const arrow::TimestampScalar&>(s);
      std::string text = FormatTimestampMicros(TimestampToMicros(ts));
      if (static_cast<const arrow::TimestampType&>(*s.type).timezone().empty()) {
        return "TIMESTAMP_NTZ '" + text + "'";
      }
      return "TIMESTAMP '" + text + "Z'";
    }
    default: return QuoteString(s.ToString());
  }
}

void Render(const Expr& e, std::string* out);

// Renders `e` as an operand of an operator of precedence `parent`; `tight` requires strictly
// higher precedence (right operands of left-associative operators).
void RenderOperand(const Expr& e, int parent, bool tight, std::string* out) {
  int p = PrecedenceOf(e);
  bool parens = tight ? p <= parent : p < parent;
  if (parens) *out += '(';
  Render(e, out);
  if (parens) *out += ')';
}

void RenderList(const std::vector<ExprPtr>& items, size_t from, std::string* out) {
  for (size_t i = from; i < items.size(); ++i) {
    if (i > from) *out += ", ";
    Render(*items[i], out);
  }
}

void Render(const Expr& e, std::string* out) {
  switch (e.kind()) {
    case Expr::Kind::kColumn: {
      for (size_t i = 0; i < e.column().size(); ++i) {
        if (i) *out += '.';
        *out += QuoteIdentifier(e.column()[i]);
      }
      return;
    }
    case Expr::Kind::kLiteral:
      *out += e.literal() ? RenderLiteral(*e.literal()) : "NULL";
      return;
    case Expr::Kind::kCall: break;
  }
  const std::string& f = e.function();
  const auto& args = e.args();
  const int prec = PrecedenceOf(e);
  if (prec == kOr || prec == kAnd) {
    const char* word = prec == kOr ? " OR " : " AND ";
    for (size_t i = 0; i < args.size(); ++i) {
      if (i) *out += word;
      // Binary nodes keep their shape: a right operand of equal precedence is parenthesized.
      RenderOperand(*args[i], prec, /*tight=*/i > 0 && args.size() == 2, out);
    }
    return;
  }
  if (f == "not" && args.size() == 1) {
    const Expr& inner = *args[0];
    if (prec == kComparison) {  // x NOT IN (...), x NOT LIKE p
      RenderOperand(*inner.args()[0], kComparison, false, out);
      if (inner.function() == "in") {
        *out += " NOT IN (";
        RenderList(inner.args(), 1, out);
        *out += ")";
      } else {
        *out += " NOT LIKE ";
        RenderOperand(*inner.args()[1], kComparison, true, out);
      }
      return;
    }
    *out += "NOT ";
    RenderOperand(inner, kNot, false, out);
    return;
  }
  if (prec == kComparison) {
    RenderOperand(*args[0], kComparison, false, out);
    if (const char* sym = ComparisonSymbol(f)) {
      *out += ' ';
      *out += sym;
      *out += ' ';
      RenderOperand(*args[1], kComparison, true, out);
    } else if (f == "is_null") {
      *out += " IS NULL";
    } else if (f == "is_not_null") {
      *out += " IS NOT NULL";
    } else if (f == "in") {
      *out += " IN (";
      RenderList(args, 1, out);
      *out += ")";
    } else {  // like
      *out += " LIKE ";
      RenderOperand(*args[1], kComparison, true, out);
    }
    return;
  }
  if (prec == kAdditive || prec == kMultiplicative) {
    RenderOperand(*args[0], prec, false, out);
    *out += ' ';
    *out += ArithmeticSymbol(f);
    *out += ' ';
    RenderOperand(*args[1], prec, true, out);
    return;
  }
  if (prec == kUnary) {  // negate
    const Expr& inner = *args[0];
    std::string operand;
    Render(inner, &operand);
    // "-(5)" stays a negation of a literal; "--x" would read as a comment elsewhere.
    bool parens = PrecedenceOf(inner) < kUnary || operand[0] == '-' ||
                  inner.kind() == Expr::Kind::kLiteral;
    *out += parens ? "-(" + operand + ")" : "-" + operand;
    return;
  }
  if (f == "cast" && args.size() == 1 && e.cast_type()) {
    *out += "CAST(";
    Render(*args[0], out);
    *out += " AS " + SqlTypeName(*e.cast_type()) + ")";
    return;
  }
  if (f == "case_when" && args.size() >= 2) {
    *out += "CASE";
    size_t i = 0;
    for (; i + 1 < args.size(); i += 2) {
      *out += " WHEN ";
      Render(*args[i], out);
      *out += " THEN ";
      Render(*args[i + 1], out);
    }
    if (i < args.size()) {
      *out += " ELSE ";
      Render(*args[i], out);
    }
    *out += " END";
    return;
  }
  *out += f;
  *out += '(';
  RenderList(args, 0, out);
  *out += ')';
}

void Collect(const Expr& e, std::set<std::vector<std::string>>* seen,
             std::vector<std::vector<std::string>>* out) {
  if (e.kind() == Expr::Kind::kColumn) {
    if (seen->insert(e.column()).second) out->push_back(e.column());
    return;
  }
  for (const auto& a : e.args()) Collect(*a, seen, out);
}

}  // namespace

std::string Expr::ToString() const {
  std::string out;
  Render(*this, &out);
  return out;
}

std::vector<std::vector<std::string>> Expr::ReferencedColumns() const {
  std::set<std::vector<std::string>> seen;
  std::vector<std::vector<std::string>> out;
  Collect(*this, &seen, &out);
  return out;
}

}  // namespace delta
