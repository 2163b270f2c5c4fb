// Delta SQL (see delta/sql.h): a recursive-descent statement parser over the expression lexer's
// tokens (expressions parsed in place by the expression parser, MERGE's WHEN clauses by
// ops::ParseMergeClausesAt), and an executor that calls the public operations. One statement
// is parsed completely before anything runs, so a syntax error never half-executes.
#include "delta/sql.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>

#include <arrow/array/builder_base.h>
#include <arrow/builder.h>
#include <arrow/compute/api.h>
#include <arrow/scalar.h>
#include <nlohmann/json.hpp>

#include "delta/error.h"
#include "delta/expression.h"
#include "delta/operations/alter.h"
#include "delta/operations/delete.h"
#include "delta/operations/merge.h"
#include "delta/operations/optimize.h"
#include "delta/operations/restore.h"
#include "delta/operations/update.h"
#include "delta/operations/vacuum.h"
#include "delta/scan.h"
#include "delta/schema.h"
#include "delta/table.h"
#include "delta/write.h"
#include "expr/lexer.h"
#include "expr/parser_internal.h"
#include "ops/merge_parse.h"
#include "schema/schema_ddl.h"
#include "util/compute_init.h"
#include "util/strings.h"

namespace delta::sql {

using expr_internal::Token;
using expr_internal::TokenKind;

namespace {

std::string Upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Byte offset of the 1-based character (code point) position `pos` in `text`.
size_t ByteOffset(std::string_view text, size_t pos) {
  size_t chars = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (chars == pos) return i;
    ++chars;
  }
  return text.size();
}

/// A table or source reference: format ("delta", "parquet", "csv", "json") and path.
struct Ref {
  std::string format;
  std::string path;
  std::optional<int64_t> version;
  std::optional<std::string> timestamp;
};

class Parser : public expr_internal::TokenCursor {
 public:
  // `tokens` must outlive the parser.
  Parser(std::string_view text, const std::vector<Token>& tokens)
      : TokenCursor(tokens, 0, "the end of the statement"), text_(text) {}

  arrow::Status ExpectEnd() const {
    if (AtEnd()) return arrow::Status::OK();
    return DELTA_ERROR(kParseError, "at position ", Cur().position, ": expected the end of the statement after '",
                       tokens_[i_ - 1].raw, "', found '", Cur().raw, "'");
  }

  // A failure reported by a parser of a token range's text (the column-definition parser):
  // `offset` bytes into the text that starts at tokens[from], expecting `what`.
  arrow::Status ExpectedInText(size_t from, size_t offset, const std::string& what) const {
    const size_t begin = ByteOffset(text_, tokens_[from].position);
    size_t position = tokens_[from].position;
    for (size_t b = begin; b < begin + offset && b < text_.size(); ++b) {
      if ((static_cast<unsigned char>(text_[b]) & 0xC0) != 0x80) ++position;
    }
    // The column-list parser may already say what it found ("a type name (...), not 'x'").
    const size_t said = what.find(", not '");
    std::string msg = "expected " + what.substr(0, said);
    std::string found = said == std::string::npos ? "" : what.substr(said);
    for (size_t k = from; k < tokens_.size(); ++k) {
      if (tokens_[k].position != position) continue;
      if (k > 0) msg += " after '" + tokens_[k - 1].raw + "'";
      if (said == std::string::npos) {
        found = tokens_[k].kind == TokenKind::kEnd ? ", found the end of the statement" : ", found '" + tokens_[k].raw + "'";
      }
      break;
    }
    return DELTA_ERROR(kParseError, "at position ", position, ": ", msg, found);
  }

  arrow::Result<ExprPtr> Expression(const std::string& what) {
    if (AtEnd()) return Expected(what);
    return expr_internal::ParseExpressionAt(tokens_, &i_);
  }
  arrow::Result<std::string> Name(const std::string& what) {
    if (Cur().kind != TokenKind::kIdentifier && Cur().kind != TokenKind::kQuotedIdentifier) return Expected(what);
    return tokens_[i_++].text;
  }
  arrow::Result<int64_t> Integer(const std::string& what) {
    if (Cur().kind != TokenKind::kNumber) return Expected(what);
    try {
      size_t used = 0;
      int64_t v = std::stoll(Cur().text, &used);
      if (used != Cur().text.size()) return Expected(what);
      ++i_;
      return v;
    } catch (...) {
      return Expected(what);
    }
  }
  arrow::Result<std::string> String(const std::string& what) {
    if (Cur().kind != TokenKind::kString) return Expected(what);
    return tokens_[i_++].text;
  }

  // delta.`path` | parquet.`file` | csv.`file` | json.`file`, optionally with time travel.
  arrow::Result<Ref> Reference(bool table_only, bool time_travel) {
    const std::string what = table_only ? "a table delta.`path`" : "a table or source (delta.`path`, parquet.`file`, ...)";
    if (Cur().kind != TokenKind::kIdentifier || At(i_ + 1).kind != TokenKind::kSymbol || At(i_ + 1).text != "." ||
        (At(i_ + 2).kind != TokenKind::kQuotedIdentifier && At(i_ + 2).kind != TokenKind::kString)) {
      return Expected(what);
    }
    Ref r;
    r.format = Upper(Cur().text);
    std::transform(r.format.begin(), r.format.end(), r.format.begin(), [](char c) { return std::tolower(c); });
    if (r.format != "delta" && (table_only || (r.format != "parquet" && r.format != "csv" && r.format != "json"))) {
      return DELTA_ERROR(kParseError, "at position ", Cur().position, ": ",
                         table_only ? "tables are named delta.`path`, found '"
                                    : "sources are delta.`path`, parquet.`file`, csv.`file` or json.`file`, found '",
                         Cur().raw, ".'");
    }
    r.path = At(i_ + 2).text;
    i_ += 3;
    if (time_travel) {
      if (IsKeyword("VERSION") || IsKeyword("TIMESTAMP")) {
        const bool version = AcceptKeyword("VERSION");
        if (!version) ++i_;
        ARROW_RETURN_NOT_OK(ExpectKeyword("AS"));
        ARROW_RETURN_NOT_OK(ExpectKeyword("OF"));
        if (version) {
          ARROW_ASSIGN_OR_RAISE(r.version, Integer("a version number"));
        } else {
          ARROW_ASSIGN_OR_RAISE(r.timestamp, String("a timestamp string"));
        }
      }
    }
    return r;
  }

  // [AS] alias, unless the next word is one of `stop`.
  std::optional<std::string> Alias(std::initializer_list<std::string_view> stop) {
    const bool as = AcceptKeyword("AS");
    if (Cur().kind == TokenKind::kQuotedIdentifier) return tokens_[i_++].text;
    if (Cur().kind != TokenKind::kIdentifier) return std::nullopt;
    if (!as) {
      for (auto w : stop) {
        if (IsKeyword(w)) return std::nullopt;
      }
    }
    return tokens_[i_++].text;
  }

  // The source text between two token indexes (for DDL handed to the schema parser).
  std::string TextBetween(size_t from, size_t to) const {
    const size_t b = ByteOffset(text_, tokens_[from].position);
    const size_t e = ByteOffset(text_, tokens_[to].position);
    return std::string(text_.substr(b, e - b));
  }

  const std::vector<Token>& tokens() const { return tokens_; }

 private:
  std::string_view text_;
};

// ---- results ----

std::shared_ptr<arrow::Table> MetricsRow(const std::vector<std::pair<std::string, int64_t>>& metrics) {
  arrow::FieldVector fields;
  arrow::ArrayVector columns;
  for (const auto& [name, value] : metrics) {
    fields.push_back(arrow::field(name, arrow::int64()));
    arrow::Int64Builder b;
    (void)b.Append(value);
    columns.push_back(b.Finish().ValueOrDie());
  }
  return arrow::Table::Make(arrow::schema(fields), columns, 1);
}

std::shared_ptr<arrow::Table> StringColumns(const std::vector<std::string>& names,
                                            const std::vector<std::vector<std::optional<std::string>>>& rows) {
  arrow::FieldVector fields;
  arrow::ArrayVector columns;
  for (size_t c = 0; c < names.size(); ++c) {
    fields.push_back(arrow::field(names[c], arrow::utf8()));
    arrow::StringBuilder b;
    for (const auto& row : rows) {
      if (row[c]) {
        (void)b.Append(*row[c]);
      } else {
        (void)b.AppendNull();
      }
    }
    columns.push_back(b.Finish().ValueOrDie());
  }
  return arrow::Table::Make(arrow::schema(fields), columns, static_cast<int64_t>(rows.size()));
}

// ---- helpers ----

// Drops a leading `alias.` from column references (DELETE / UPDATE with a table alias).
ExprPtr StripAlias(const ExprPtr& e, const std::optional<std::string>& alias) {
  if (!e || !alias) return e;
  switch (e->kind()) {
    case Expr::Kind::kColumn: {
      const auto& path = e->column();
      if (path.size() >= 2 && util::EqualsIgnoreCase(path[0], *alias)) {
        return Expr::Column(std::vector<std::string>(path.begin() + 1, path.end()));
      }
      return e;
    }
    case Expr::Kind::kLiteral:
      return e;
    case Expr::Kind::kCall: {
      std::vector<ExprPtr> args;
      for (const auto& a : e->args()) args.push_back(StripAlias(a, alias));
      if (e->function() == "cast") return Expr::Cast(args[0], e->cast_type());
      auto out = std::make_shared<Expr>(*e);
      out->args_ = std::move(args);
      return out;
    }
  }
  return e;
}

arrow::Result<std::shared_ptr<const Snapshot>> LoadSnapshot(const Ref& ref) {
  ARROW_ASSIGN_OR_RAISE(auto table, Table::Open(ref.path));
  if (ref.version) return table->GetSnapshot(*ref.version);
  if (ref.timestamp) {
    ARROW_ASSIGN_OR_RAISE(auto ms, ParseTimestampMs(*ref.timestamp));
    return table->GetSnapshotAtTimestamp(ms);
  }
  return table->GetSnapshot();
}

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> OpenRef(const Ref& ref, const SqlOptions& options,
                                                                 const std::shared_ptr<arrow::Schema>& hint,
                                                                 ExprPtr where = nullptr,
                                                                 std::vector<std::string> columns = {},
                                                                 std::optional<int64_t> limit = std::nullopt,
                                                                 SourceUse use = SourceUse::kStream) {
  std::shared_ptr<arrow::RecordBatchReader> reader;
  if (ref.format == "delta") {
    ARROW_ASSIGN_OR_RAISE(auto snap, LoadSnapshot(ref));
    ScanOptions so;
    so.predicate = where;
    so.columns = std::move(columns);
    so.limit = limit;
    ARROW_ASSIGN_OR_RAISE(auto scan, Scan::Make(snap, so));
    return scan->Execute();
  }
  if (ref.version || ref.timestamp) {
    return DELTA_ERROR(kInvalidArgument, "time travel (VERSION/TIMESTAMP AS OF) needs a Delta table, not ",
                       ref.format, ".`", ref.path, "`");
  }
  if (!options.open_source) {
    return DELTA_ERROR(kUnsupportedFeature, "reading ", ref.format, " sources is not available here");
  }
  ARROW_ASSIGN_OR_RAISE(reader, options.open_source(ref.format, ref.path, hint, use));
  if (!where && columns.empty() && !limit) return reader;
  // Filter / project / limit a file source with Arrow compute.
  ARROW_ASSIGN_OR_RAISE(auto table, reader->ToTable());
  if (where) {
    ARROW_ASSIGN_OR_RAISE(auto e, ToArrowExpression(*where, *table->schema()));
    ARROW_ASSIGN_OR_RAISE(e, e.Bind(*table->schema()));
    ARROW_ASSIGN_OR_RAISE(auto batch, table->CombineChunksToBatch());
    ARROW_ASSIGN_OR_RAISE(auto mask, arrow::compute::ExecuteScalarExpression(e, arrow::compute::ExecBatch(*batch)));
    ARROW_ASSIGN_OR_RAISE(auto filtered, arrow::compute::Filter(table, mask));
    table = filtered.table();
  }
  if (!columns.empty()) {
    std::vector<int> idx;
    for (const auto& c : columns) {
      const int i = table->schema()->GetFieldIndex(c);
      if (i < 0) return DELTA_ERROR(kInvalidArgument, "column '", c, "' does not exist in ", ref.path);
      idx.push_back(i);
    }
    ARROW_ASSIGN_OR_RAISE(table, table->SelectColumns(idx));
  }
  if (limit && *limit < table->num_rows()) table = table->Slice(0, *limit);
  return std::make_shared<arrow::TableBatchReader>(table);
}

// Evaluates a constant expression (VALUES) to a scalar of `type`.
arrow::Result<std::shared_ptr<arrow::Scalar>> Constant(const ExprPtr& e, const std::shared_ptr<arrow::DataType>& type,
                                                      const std::string& column) {
  static const auto empty = arrow::schema({});
  auto translated = ToArrowExpression(*Expr::Cast(e, type), *empty);
  if (!translated.ok()) {
    return DELTA_ERROR(kInvalidArgument, "VALUES for column '", column, "': ", translated.status().message());
  }
  ARROW_ASSIGN_OR_RAISE(auto bound, translated->Bind(*empty));
  arrow::compute::ExecBatch batch({}, 1);
  auto d = arrow::compute::ExecuteScalarExpression(bound, batch);
  if (!d.ok()) return DELTA_ERROR(kInvalidArgument, "VALUES for column '", column, "': ", d.status().message());
  if (d->is_scalar()) return d->scalar();
  return d->make_array()->GetScalar(0);
}

arrow::Result<std::shared_ptr<arrow::Schema>> TableSchema(const std::string& path) {
  ARROW_ASSIGN_OR_RAISE(auto table, Table::Open(path));
  ARROW_ASSIGN_OR_RAISE(auto snap, table->GetSnapshot());
  return snap->schema();
}

// ---- statements ----

arrow::Result<StatementResult> Select(Parser& p, const SqlOptions& options) {
  std::vector<std::string> columns;
  bool count = false;
  if (p.AcceptSymbol("*")) {
  } else if (p.IsKeyword("COUNT") && p.At(p.index() + 1).text == "(" && p.At(p.index() + 2).text == "*") {
    p.set_index(p.index() + 3);
    ARROW_RETURN_NOT_OK(p.ExpectSymbol(")"));
    count = true;
  } else {
    do {
      ARROW_ASSIGN_OR_RAISE(auto c, p.Name("'*', count(*) or a column name"));
      columns.push_back(std::move(c));
    } while (p.AcceptSymbol(","));
  }
  ARROW_RETURN_NOT_OK(p.ExpectKeyword("FROM"));
  ARROW_ASSIGN_OR_RAISE(auto ref, p.Reference(false, true));
  ExprPtr where;
  std::optional<int64_t> limit;
  if (p.AcceptKeyword("WHERE")) {
    ARROW_ASSIGN_OR_RAISE(where, p.Expression("a condition"));
  }
  if (p.AcceptKeyword("LIMIT")) {
    ARROW_ASSIGN_OR_RAISE(limit, p.Integer("a row count"));
  }
  ARROW_RETURN_NOT_OK(p.ExpectEnd());
  if (count && ref.format == "delta" && !where) {
    // As Spark: the row count from the log's statistics when every file has numRecords.
    ARROW_ASSIGN_OR_RAISE(auto snap, LoadSnapshot(ref));
    int64_t n = 0;
    bool known = true;
    for (const auto& f : snap->files()) {
      auto stats = nlohmann::json::parse(f.stats.value_or("{}"), nullptr, false);
      if (stats.is_discarded() || !stats.contains("numRecords")) {
        known = false;
        break;
      }
      n += stats["numRecords"].get<int64_t>() - (f.deletion_vector ? f.deletion_vector->cardinality : 0);
    }
    if (known) return StatementResult{"SELECT", MetricsRow({{"count(1)", n}})};
  }
  ARROW_ASSIGN_OR_RAISE(auto reader, OpenRef(ref, options, nullptr, where, count ? std::vector<std::string>{} : columns,
                                             count ? std::nullopt : limit));
  if (count) {
    int64_t n = 0;
    while (true) {
      ARROW_ASSIGN_OR_RAISE(auto b, reader->Next());
      if (!b) break;
      n += b->num_rows();
    }
    return StatementResult{"SELECT", MetricsRow({{"count(1)", n}})};
  }
  ARROW_ASSIGN_OR_RAISE(auto table, reader->ToTable());
  return StatementResult{"SELECT", table};
}

arrow::Result<StatementResult> Delete(Parser& p) {
  ARROW_RETURN_NOT_OK(p.ExpectKeyword("FROM"));
  ARROW_ASSIGN_OR_RAISE(auto ref, p.Reference(true, false));
  auto alias = p.Alias({"WHERE"});
  DeleteOptions o;
  if (p.AcceptKeyword("WHERE")) {
    ARROW_ASSIGN_OR_RAISE(o.predicate, p.Expression("a condition"));
  }
  ARROW_RETURN_NOT_OK(p.ExpectEnd());
  o.predicate = StripAlias(o.predicate, alias);
  ARROW_ASSIGN_OR_RAISE(auto m, DeleteRows(ref.path, o));
  return StatementResult{"DELETE", MetricsRow({{"num_affected_rows", m.num_deleted_rows}})};
}

arrow::Result<StatementResult> Update(Parser& p) {
  ARROW_ASSIGN_OR_RAISE(auto ref, p.Reference(true, false));
  auto alias = p.Alias({"SET"});
  ARROW_RETURN_NOT_OK(p.ExpectKeyword("SET"));
  UpdateOptions o;
  do {
    ARROW_ASSIGN_OR_RAISE(auto column, p.Name("a column name"));
    if (p.AcceptSymbol(".")) {
      if (!alias || !util::EqualsIgnoreCase(column, *alias)) {
        return DELTA_ERROR(kParseError, "at position ", p.At(p.index() - 2).position,
                           ": UPDATE sets top-level columns (or alias.column), found '", column, ".'");
      }
      ARROW_ASSIGN_OR_RAISE(column, p.Name("a column name"));
    }
    ARROW_RETURN_NOT_OK(p.ExpectSymbol("="));
    ARROW_ASSIGN_OR_RAISE(auto value, p.Expression("an expression for column '" + column + "'"));
    o.assignments.emplace_back(column, StripAlias(value, alias));
  } while (p.AcceptSymbol(","));
  if (p.AcceptKeyword("WHERE")) {
    ARROW_ASSIGN_OR_RAISE(o.predicate, p.Expression("a condition"));
  }
  ARROW_RETURN_NOT_OK(p.ExpectEnd());
  o.predicate = StripAlias(o.predicate, alias);
  ARROW_ASSIGN_OR_RAISE(auto m, UpdateRows(ref.path, o));
  return StatementResult{"UPDATE", MetricsRow({{"num_affected_rows", m.num_updated_rows}})};
}

arrow::Result<StatementResult> MergeInto(Parser& p, const SqlOptions& options) {
  ARROW_RETURN_NOT_OK(p.ExpectKeyword("INTO"));
  ARROW_ASSIGN_OR_RAISE(auto target, p.Reference(true, false));
  auto target_alias = p.Alias({"USING"});
  ARROW_RETURN_NOT_OK(p.ExpectKeyword("USING"));
  ARROW_ASSIGN_OR_RAISE(auto source, p.Reference(false, true));
  auto source_alias = p.Alias({"ON"});
  ARROW_RETURN_NOT_OK(p.ExpectKeyword("ON"));
  MergeOptions o;
  ARROW_ASSIGN_OR_RAISE(o.condition, p.Expression("the merge condition"));
  size_t i = p.index();
  ARROW_ASSIGN_OR_RAISE(o.clauses, ops::ParseMergeClausesAt(p.tokens(), &i));
  p.set_index(i);
  ARROW_RETURN_NOT_OK(p.ExpectEnd());
  if (target_alias) o.target_alias = *target_alias;
  if (source_alias) o.source_alias = *source_alias;
  ARROW_ASSIGN_OR_RAISE(auto schema, TableSchema(target.path));
  ARROW_ASSIGN_OR_RAISE(auto reader, OpenRef(source, options, schema, nullptr, {}, std::nullopt, SourceUse::kMaterialize));
  ARROW_ASSIGN_OR_RAISE(auto m, Merge(target.path, reader, o));
  return StatementResult{
      "MERGE", MetricsRow({{"num_affected_rows", m.num_target_rows_updated + m.num_target_rows_deleted +
                                                     m.num_target_rows_inserted},
                           {"num_updated_rows", m.num_target_rows_updated},
                           {"num_deleted_rows", m.num_target_rows_deleted},
                           {"num_inserted_rows", m.num_target_rows_inserted}})};
}

arrow::Result<StatementResult> Insert(Parser& p, const SqlOptions& options) {
  WriteOptions wo;
  if (p.AcceptKeyword("OVERWRITE")) {
    wo.mode = WriteMode::kOverwrite;
    p.AcceptKeyword("TABLE");
  } else {
    ARROW_RETURN_NOT_OK(p.ExpectKeyword("INTO"));
    p.AcceptKeyword("TABLE");
  }
  ARROW_ASSIGN_OR_RAISE(auto ref, p.Reference(true, false));
  ARROW_ASSIGN_OR_RAISE(auto schema, TableSchema(ref.path));
  std::vector<std::string> columns;
  if (p.AcceptSymbol("(")) {
    do {
      ARROW_ASSIGN_OR_RAISE(auto c, p.Name("a column name"));
      if (schema->GetFieldIndex(c) < 0) {
        return DELTA_ERROR(kSchemaMismatch, "INSERT names column '", c, "' which table ", ref.path, " does not have");
      }
      columns.push_back(std::move(c));
    } while (p.AcceptSymbol(","));
    ARROW_RETURN_NOT_OK(p.ExpectSymbol(")"));
  }
  if (p.AcceptKeyword("REPLACE")) {
    ARROW_RETURN_NOT_OK(p.ExpectKeyword("WHERE"));
    ARROW_ASSIGN_OR_RAISE(wo.replace_where, p.Expression("a condition"));
    wo.mode = WriteMode::kOverwrite;
  }
  std::shared_ptr<arrow::RecordBatchReader> data;
  if (p.AcceptKeyword("VALUES")) {
    if (columns.empty()) {
      for (const auto& f : schema->fields()) columns.push_back(f->name());
    }
    std::vector<std::vector<ExprPtr>> rows;
    do {
      const Token& open = p.Cur();
      ARROW_RETURN_NOT_OK(p.ExpectSymbol("("));
      std::vector<ExprPtr> row;
      do {
        ARROW_ASSIGN_OR_RAISE(auto v, p.Expression("a value"));
        row.push_back(std::move(v));
      } while (p.AcceptSymbol(","));
      ARROW_RETURN_NOT_OK(p.ExpectSymbol(")"));
      if (row.size() != columns.size()) {
        return DELTA_ERROR(kParseError, "at position ", open.position, ": the row has ", row.size(),
                           " value(s) for ", columns.size(), " column(s)");
      }
      rows.push_back(std::move(row));
    } while (p.AcceptSymbol(","));
    ARROW_RETURN_NOT_OK(p.ExpectEnd());
    arrow::ArrayVector arrays;
    arrow::FieldVector fields;
    for (const auto& f : schema->fields()) {
      const auto it = std::find(columns.begin(), columns.end(), f->name());
      std::unique_ptr<arrow::ArrayBuilder> b;
      ARROW_RETURN_NOT_OK(arrow::MakeBuilder(arrow::default_memory_pool(), f->type(), &b));
      for (const auto& row : rows) {
        if (it == columns.end()) {
          ARROW_RETURN_NOT_OK(b->AppendNull());
          continue;
        }
        ARROW_ASSIGN_OR_RAISE(auto s, Constant(row[it - columns.begin()], f->type(), f->name()));
        ARROW_RETURN_NOT_OK(b->AppendScalar(*s));
      }
      ARROW_ASSIGN_OR_RAISE(auto a, b->Finish());
      arrays.push_back(a);
      fields.push_back(f);
    }
    auto table = arrow::Table::Make(arrow::schema(fields), arrays, static_cast<int64_t>(rows.size()));
    data = std::make_shared<arrow::TableBatchReader>(table);
  } else {
    ARROW_RETURN_NOT_OK(p.ExpectKeyword("SELECT"));
    if (!p.AcceptSymbol("*")) return p.Expected("'*' (INSERT ... SELECT * FROM <source>)");
    ARROW_RETURN_NOT_OK(p.ExpectKeyword("FROM"));
    ARROW_ASSIGN_OR_RAISE(auto source, p.Reference(false, true));
    ExprPtr where;
    if (p.AcceptKeyword("WHERE")) {
      ARROW_ASSIGN_OR_RAISE(where, p.Expression("a condition"));
    }
    ARROW_RETURN_NOT_OK(p.ExpectEnd());
    ARROW_ASSIGN_OR_RAISE(data, OpenRef(source, options, schema, where));
  }
  ARROW_ASSIGN_OR_RAISE(auto m, WriteTable(ref.path, data, wo));
  return StatementResult{"INSERT", MetricsRow({{"num_affected_rows", m.num_output_rows},
                                               {"num_inserted_rows", m.num_output_rows}})};
}

arrow::Result<std::map<std::string, std::string>> PropertyList(Parser& p, bool with_values);

arrow::Result<StatementResult> Create(Parser& p) {
  ARROW_RETURN_NOT_OK(p.ExpectKeyword("TABLE"));
  bool if_not_exists = false;
  if (p.AcceptKeyword("IF")) {
    ARROW_RETURN_NOT_OK(p.ExpectKeyword("NOT"));
    ARROW_RETURN_NOT_OK(p.ExpectKeyword("EXISTS"));
    if_not_exists = true;
  }
  ARROW_ASSIGN_OR_RAISE(auto ref, p.Reference(true, false));
  ARROW_RETURN_NOT_OK(p.ExpectSymbol("("));
  const size_t start = p.index();
  int depth = 1;
  while (!p.AtEnd()) {
    if (p.IsSymbol("(")) ++depth;
    if (p.IsSymbol(")") && --depth == 0) break;
    p.set_index(p.index() + 1);
  }
  if (p.AtEnd()) return p.Expected("')' closing the column list");
  const std::string ddl = p.TextBetween(start, p.index());
  const size_t ddl_position = p.At(start).position;
  p.set_index(p.index() + 1);
  auto schema = ParseSchemaDdl(ddl);
  if (!schema.ok()) {
    return DELTA_ERROR(kParseError, "in the column list starting at position ", ddl_position, ": ",
                       schema.status().message());
  }
  WriteOptions wo;
  if (p.AcceptKeyword("USING")) {
    ARROW_ASSIGN_OR_RAISE(auto fmt, p.Name("DELTA"));
    if (!util::EqualsIgnoreCase(fmt, "delta")) {
      return DELTA_ERROR(kParseError, "at position ", p.At(p.index() - 1).position, ": only USING DELTA tables, found '",
                         fmt, "'");
    }
  }
  while (!p.AtEnd()) {
    if (p.AcceptKeyword("PARTITIONED")) {
      ARROW_RETURN_NOT_OK(p.ExpectKeyword("BY"));
      ARROW_RETURN_NOT_OK(p.ExpectSymbol("("));
      do {
        ARROW_ASSIGN_OR_RAISE(auto c, p.Name("a partition column"));
        wo.partition_by.push_back(std::move(c));
      } while (p.AcceptSymbol(","));
      ARROW_RETURN_NOT_OK(p.ExpectSymbol(")"));
    } else if (p.AcceptKeyword("TBLPROPERTIES")) {
      ARROW_ASSIGN_OR_RAISE(auto props, PropertyList(p, /*with_values=*/true));
      for (auto& [k, v] : props) wo.configuration[k] = std::move(v);
    } else if (p.AcceptKeyword("COMMENT")) {
      ARROW_ASSIGN_OR_RAISE(auto d, p.String("a comment string"));
      wo.description = d;
    } else {
      return p.Expected("PARTITIONED BY, TBLPROPERTIES, COMMENT or the end of the statement");
    }
  }
  ARROW_ASSIGN_OR_RAISE(auto version, CreateTable(ref.path, *schema, wo, if_not_exists));
  (void)version;
  return StatementResult{"CREATE TABLE", arrow::Table::Make(arrow::schema({}), arrow::ArrayVector{}, 0)};
}

arrow::Result<StatementResult> Describe(Parser& p) {
  if (p.AcceptKeyword("HISTORY")) {
    ARROW_ASSIGN_OR_RAISE(auto ref, p.Reference(true, false));
    std::optional<int64_t> limit;
    if (p.AcceptKeyword("LIMIT")) {
      ARROW_ASSIGN_OR_RAISE(limit, p.Integer("a row count"));
    }
    ARROW_RETURN_NOT_OK(p.ExpectEnd());
    ARROW_ASSIGN_OR_RAISE(auto table, Table::Open(ref.path));
    ARROW_ASSIGN_OR_RAISE(auto history, table->History(limit));
    std::vector<std::vector<std::optional<std::string>>> rows;
    for (const auto& c : history) {
      auto info = nlohmann::json::parse(c.commit_info_json, nullptr, false);
      auto field = [&](const char* k) -> std::optional<std::string> {
        if (info.is_discarded() || !info.contains(k) || info[k].is_null()) return std::nullopt;
        return info[k].is_string() ? info[k].get<std::string>() : info[k].dump();
      };
      rows.push_back({std::to_string(c.version), std::to_string(c.timestamp_ms), c.operation,
                      field("operationParameters"), field("readVersion"), field("isolationLevel"),
                      field("isBlindAppend"), field("operationMetrics"), field("engineInfo")});
    }
    auto t = StringColumns({"version", "timestamp", "operation", "operationParameters", "readVersion",
                            "isolationLevel", "isBlindAppend", "operationMetrics", "engineInfo"},
                           rows);
    // version and timestamp as integers, as Spark's columns are typed.
    for (int c = 0; c < 2; ++c) {
      ARROW_ASSIGN_OR_RAISE(auto d, arrow::compute::Cast(t->column(c), arrow::int64()));
      ARROW_ASSIGN_OR_RAISE(t, t->SetColumn(c, arrow::field(t->field(c)->name(), arrow::int64()), d.chunked_array()));
    }
    return StatementResult{"DESCRIBE HISTORY", t};
  }
  if (p.AcceptKeyword("DETAIL")) {
    ARROW_ASSIGN_OR_RAISE(auto ref, p.Reference(true, false));
    ARROW_RETURN_NOT_OK(p.ExpectEnd());
    ARROW_ASSIGN_OR_RAISE(auto snap, LoadSnapshot(ref));
    const auto& md = snap->metadata();
    int64_t size = 0;
    for (const auto& f : snap->files()) size += f.size;
    nlohmann::json props(md.configuration);
    nlohmann::json pcs(md.partition_columns);
    std::vector<std::string> features;
    for (const auto* list : {&snap->protocol().reader_features, &snap->protocol().writer_features}) {
      for (const auto& f : list->value_or(std::vector<std::string>{})) {
        if (std::find(features.begin(), features.end(), f) == features.end()) features.push_back(f);
      }
    }
    auto t = StringColumns({"format", "id", "name", "description", "location", "createdAt", "partitionColumns",
                            "numFiles", "sizeInBytes", "properties", "minReaderVersion", "minWriterVersion",
                            "tableFeatures", "version"},
                           {{"delta", md.id, md.name, md.description, snap->table_uri(),
                             md.created_time ? std::optional<std::string>(std::to_string(*md.created_time))
                                             : std::nullopt,
                             pcs.dump(), std::to_string(snap->files().size()), std::to_string(size), props.dump(),
                             std::to_string(snap->protocol().min_reader_version),
                             std::to_string(snap->protocol().min_writer_version), nlohmann::json(features).dump(),
                             std::to_string(snap->version())}});
    return StatementResult{"DESCRIBE DETAIL", t};
  }
  return p.Expected("HISTORY or DETAIL");
}

arrow::Result<StatementResult> RestoreStatement(Parser& p) {
  p.AcceptKeyword("TABLE");
  ARROW_ASSIGN_OR_RAISE(auto ref, p.Reference(true, false));
  ARROW_RETURN_NOT_OK(p.ExpectKeyword("TO"));
  RestoreOptions o;
  if (p.AcceptKeyword("VERSION")) {
    ARROW_RETURN_NOT_OK(p.ExpectKeyword("AS"));
    ARROW_RETURN_NOT_OK(p.ExpectKeyword("OF"));
    ARROW_ASSIGN_OR_RAISE(o.version, p.Integer("a version number"));
  } else if (p.AcceptKeyword("TIMESTAMP")) {
    ARROW_RETURN_NOT_OK(p.ExpectKeyword("AS"));
    ARROW_RETURN_NOT_OK(p.ExpectKeyword("OF"));
    ARROW_ASSIGN_OR_RAISE(auto ts, p.String("a timestamp string"));
    ARROW_ASSIGN_OR_RAISE(o.timestamp_ms, ParseTimestampMs(ts));
  } else {
    return p.Expected("VERSION AS OF or TIMESTAMP AS OF");
  }
  ARROW_RETURN_NOT_OK(p.ExpectEnd());
  ARROW_ASSIGN_OR_RAISE(auto m, Restore(ref.path, o));
  return StatementResult{"RESTORE", MetricsRow({{"table_size_after_restore", m.table_size_after_restore},
                                                {"num_of_files_after_restore", m.num_of_files_after_restore},
                                                {"num_removed_files", m.num_removed_files},
                                                {"num_restored_files", m.num_restored_files},
                                                {"removed_files_size", m.removed_files_size},
                                                {"restored_files_size", m.restored_files_size}})};
}

arrow::Result<StatementResult> OptimizeStatement(Parser& p) {
  ARROW_ASSIGN_OR_RAISE(auto ref, p.Reference(true, false));
  OptimizeOptions o;
  if (p.AcceptKeyword("WHERE")) {
    ARROW_ASSIGN_OR_RAISE(o.where, p.Expression("a condition on partition columns"));
  }
  if (p.AcceptKeyword("ZORDER")) {
    ARROW_RETURN_NOT_OK(p.ExpectKeyword("BY"));
    const bool paren = p.AcceptSymbol("(");
    do {
      ARROW_ASSIGN_OR_RAISE(auto c, p.Name("a column name"));
      o.zorder_by.push_back(std::move(c));
    } while (p.AcceptSymbol(","));
    if (paren) ARROW_RETURN_NOT_OK(p.ExpectSymbol(")"));
  }
  ARROW_RETURN_NOT_OK(p.ExpectEnd());
  ARROW_ASSIGN_OR_RAISE(auto m, Optimize(ref.path, o));
  return StatementResult{"OPTIMIZE", MetricsRow({{"numFilesAdded", m.num_files_added},
                                                 {"numFilesRemoved", m.num_files_removed},
                                                 {"partitionsOptimized", m.partitions_optimized},
                                                 {"totalConsideredFiles", m.total_considered_files},
                                                 {"totalFilesSkipped", m.total_files_skipped},
                                                 {"version", m.version}})};
}

arrow::Result<StatementResult> VacuumStatement(Parser& p) {
  ARROW_ASSIGN_OR_RAISE(auto ref, p.Reference(true, false));
  VacuumOptions o;
  while (!p.AtEnd()) {
    if (p.AcceptKeyword("RETAIN")) {
      if (p.Cur().kind != TokenKind::kNumber) return p.Expected("a number of hours");
      try {
        o.retention_hours = std::stod(p.Cur().text);
      } catch (...) {
        return p.Expected("a number of hours");
      }
      p.set_index(p.index() + 1);
      ARROW_RETURN_NOT_OK(p.ExpectKeyword("HOURS"));
    } else if (p.AcceptKeyword("DRY")) {
      ARROW_RETURN_NOT_OK(p.ExpectKeyword("RUN"));
      o.dry_run = true;
    } else if (p.AcceptKeyword("LITE")) {
      o.mode = VacuumMode::kLite;
    } else if (p.AcceptKeyword("FULL")) {
      o.mode = VacuumMode::kFull;
    } else {
      return p.Expected("RETAIN, DRY RUN, LITE, FULL or the end of the statement");
    }
  }
  ARROW_ASSIGN_OR_RAISE(auto m, Vacuum(ref.path, o));
  if (o.dry_run) {
    std::vector<std::vector<std::optional<std::string>>> rows;
    for (const auto& f : m.files) rows.push_back({f.path, std::to_string(f.size)});
    auto t = StringColumns({"path", "size"}, rows);
    ARROW_ASSIGN_OR_RAISE(auto d, arrow::compute::Cast(t->column(1), arrow::int64()));
    ARROW_ASSIGN_OR_RAISE(t, t->SetColumn(1, arrow::field("size", arrow::int64()), d.chunked_array()));
    return StatementResult{"VACUUM", t};
  }
  return StatementResult{"VACUUM", MetricsRow({{"numDeletedFiles", m.num_deleted_files},
                                               {"sizeOfDeletedData", m.size_of_data_to_delete},
                                               {"numVacuumedDirectories", m.num_vacuumed_directories}})};
}


// ---- ALTER TABLE ----

// ('k' = 'v', ...) as Spark accepts it: keys quoted or dotted identifiers (delta.appendOnly),
// values quoted, numbers or booleans, '=' optional.
arrow::Result<std::map<std::string, std::string>> PropertyList(Parser& p, bool with_values) {
  std::map<std::string, std::string> out;
  ARROW_RETURN_NOT_OK(p.ExpectSymbol("("));
  do {
    std::string key;
    if (p.Cur().kind == TokenKind::kString) {
      ARROW_ASSIGN_OR_RAISE(key, p.String("a property name"));
    } else {
      do {
        ARROW_ASSIGN_OR_RAISE(auto part, p.Name("a property name ('name' or a.b)"));
        key += (key.empty() ? "" : ".") + part;
      } while (p.AcceptSymbol("."));
    }
    std::string value;
    if (with_values) {
      p.AcceptSymbol("=");
      const bool minus = p.AcceptSymbol("-");
      if (p.Cur().kind == TokenKind::kString && !minus) {
        ARROW_ASSIGN_OR_RAISE(value, p.String("a property value"));
      } else if (p.Cur().kind == TokenKind::kNumber) {
        value = (minus ? "-" : "") + p.Cur().text;
        p.set_index(p.index() + 1);
      } else if (!minus && (p.IsKeyword("TRUE") || p.IsKeyword("FALSE"))) {
        value = p.IsKeyword("TRUE") ? "true" : "false";
        p.set_index(p.index() + 1);
      } else {
        return p.Expected("a property value (a string, number, TRUE or FALSE) for '" + key + "'");
      }
    }
    out[key] = value;
  } while (p.AcceptSymbol(","));
  ARROW_RETURN_NOT_OK(p.ExpectSymbol(")"));
  return out;
}

// A column name, possibly a dotted path into structs (a.b.c).
arrow::Result<std::vector<std::string>> ColumnPath(Parser& p, const std::string& what) {
  std::vector<std::string> parts;
  do {
    ARROW_ASSIGN_OR_RAISE(auto part, p.Name(what));
    parts.push_back(std::move(part));
  } while (p.AcceptSymbol("."));
  return parts;
}

// The path as the ALTER operations read it: parts joined with '.', a part that has a '.' in it
// back-quoted.
std::string JoinPath(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += '.';
    out += part.find('.') == std::string::npos ? part : "`" + part + "`";
  }
  return out;
}

// name TYPE [NOT NULL] [COMMENT '...'], ... — the type and options of each column are handed to
// the column-list parser CREATE TABLE uses (delta::ParseSchemaDdl's), errors mapped back to
// positions in the statement.
arrow::Result<arrow::FieldVector> ColumnDefinitions(Parser& p) {
  arrow::FieldVector out;
  do {
    ARROW_ASSIGN_OR_RAISE(auto path, ColumnPath(p, "a column name"));
    const size_t start = p.index();
    int depth = 0;
    while (!p.AtEnd()) {
      if (p.IsSymbol("(") || p.IsSymbol("<")) {
        ++depth;
      } else if (p.IsSymbol(")") || p.IsSymbol(">")) {
        if (depth == 0) break;
        --depth;
      } else if (p.IsSymbol(",") && depth == 0) {
        break;
      }
      p.set_index(p.index() + 1);
    }
    if (p.index() == start) return p.Expected("a type for column " + JoinPath(path));
    const std::string text = p.TextBetween(start, p.index());
    schema_internal::DdlError error;
    auto field = schema_internal::ParseColumnDefinition(JoinPath(path), text, &error);
    if (!field.ok()) return p.ExpectedInText(start, error.offset, error.expected);
    if (!(*field)->nullable()) {
      return DELTA_ERROR(kUnsupportedFeature, "at position ", p.At(start).position, ": column ", JoinPath(path),
                         " cannot be NOT NULL: the table's existing rows have no value for it");
    }
    out.push_back(*field);
  } while (p.AcceptSymbol(","));
  return out;
}

StatementResult Committed(int64_t version) {
  return StatementResult{"ALTER TABLE", MetricsRow({{"version", version}})};
}

arrow::Result<StatementResult> Alter(Parser& p) {
  ARROW_RETURN_NOT_OK(p.ExpectKeyword("TABLE"));
  ARROW_ASSIGN_OR_RAISE(auto ref, p.Reference(true, false));
  const std::string& uri = ref.path;
  if (p.AcceptKeyword("ADD")) {
    if (p.AcceptKeyword("CONSTRAINT")) {
      ARROW_ASSIGN_OR_RAISE(auto name, p.Name("a constraint name"));
      ARROW_RETURN_NOT_OK(p.ExpectKeyword("CHECK"));
      ARROW_RETURN_NOT_OK(p.ExpectSymbol("("));
      const size_t start = p.index();
      ARROW_RETURN_NOT_OK(p.Expression("a condition").status());
      const size_t end = p.index();
      ARROW_RETURN_NOT_OK(p.ExpectSymbol(")"));
      ARROW_RETURN_NOT_OK(p.ExpectEnd());
      std::string text = p.TextBetween(start, end);
      while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
      ARROW_ASSIGN_OR_RAISE(auto v, AddConstraint(uri, name, text));
      return Committed(v);
    }
    if (!p.AcceptKeyword("COLUMNS") && !p.AcceptKeyword("COLUMN")) return p.Expected("COLUMN, COLUMNS or CONSTRAINT");
    const bool paren = p.AcceptSymbol("(");
    ARROW_ASSIGN_OR_RAISE(auto fields, ColumnDefinitions(p));
    if (paren) ARROW_RETURN_NOT_OK(p.ExpectSymbol(")"));
    ARROW_RETURN_NOT_OK(p.ExpectEnd());
    ARROW_ASSIGN_OR_RAISE(auto v, AddColumns(uri, fields));
    return Committed(v);
  }
  if (p.AcceptKeyword("DROP")) {
    if (p.AcceptKeyword("CONSTRAINT")) {
      bool if_exists = false;
      if (p.IsKeyword("IF") && p.IsKeyword("EXISTS", 1)) {
        p.set_index(p.index() + 2);
        if_exists = true;
      }
      ARROW_ASSIGN_OR_RAISE(auto name, p.Name("a constraint name"));
      ARROW_RETURN_NOT_OK(p.ExpectEnd());
      ARROW_ASSIGN_OR_RAISE(auto v, DropConstraint(uri, name, if_exists));
      return Committed(v);
    }
    if (!p.AcceptKeyword("COLUMNS") && !p.AcceptKeyword("COLUMN")) return p.Expected("COLUMN, COLUMNS or CONSTRAINT");
    const bool paren = p.AcceptSymbol("(");
    std::vector<std::string> columns;
    do {
      ARROW_ASSIGN_OR_RAISE(auto path, ColumnPath(p, "a column name"));
      columns.push_back(JoinPath(path));
    } while (p.AcceptSymbol(","));
    if (paren) ARROW_RETURN_NOT_OK(p.ExpectSymbol(")"));
    ARROW_RETURN_NOT_OK(p.ExpectEnd());
    ARROW_ASSIGN_OR_RAISE(auto v, DropColumns(uri, columns));
    return Committed(v);
  }
  if (p.AcceptKeyword("RENAME")) {
    ARROW_RETURN_NOT_OK(p.ExpectKeyword("COLUMN"));
    ARROW_ASSIGN_OR_RAISE(auto from, ColumnPath(p, "a column name"));
    ARROW_RETURN_NOT_OK(p.ExpectKeyword("TO"));
    ARROW_ASSIGN_OR_RAISE(auto to, p.Name("the new column name"));
    ARROW_RETURN_NOT_OK(p.ExpectEnd());
    ARROW_ASSIGN_OR_RAISE(auto v, RenameColumn(uri, JoinPath(from), to));
    return Committed(v);
  }
  if (p.AcceptKeyword("SET")) {
    ARROW_RETURN_NOT_OK(p.ExpectKeyword("TBLPROPERTIES"));
    ARROW_ASSIGN_OR_RAISE(auto props, PropertyList(p, /*with_values=*/true));
    ARROW_RETURN_NOT_OK(p.ExpectEnd());
    ARROW_ASSIGN_OR_RAISE(auto v, SetProperties(uri, props));
    return Committed(v);
  }
  if (p.AcceptKeyword("UNSET")) {
    ARROW_RETURN_NOT_OK(p.ExpectKeyword("TBLPROPERTIES"));
    bool if_exists = false;
    if (p.AcceptKeyword("IF")) {
      ARROW_RETURN_NOT_OK(p.ExpectKeyword("EXISTS"));
      if_exists = true;
    }
    ARROW_ASSIGN_OR_RAISE(auto props, PropertyList(p, /*with_values=*/false));
    ARROW_RETURN_NOT_OK(p.ExpectEnd());
    std::vector<std::string> keys;
    for (const auto& [k, v] : props) keys.push_back(k);
    ARROW_ASSIGN_OR_RAISE(auto v, UnsetProperties(uri, keys, if_exists));
    return Committed(v);
  }
  if (p.AcceptKeyword("ALTER") || p.AcceptKeyword("CHANGE")) {
    p.AcceptKeyword("COLUMN");
    ARROW_ASSIGN_OR_RAISE(auto path, ColumnPath(p, "a column name"));
    ARROW_RETURN_NOT_OK(p.ExpectKeyword("TYPE"));
    const size_t start = p.index();
    if (p.AtEnd()) return p.Expected("a type");
    while (!p.AtEnd()) p.set_index(p.index() + 1);
    schema_internal::DdlError error;
    auto type = schema_internal::ParseTypeDdl(p.TextBetween(start, p.index()), &error);
    if (!type.ok()) return p.ExpectedInText(start, error.offset, error.expected);
    ARROW_ASSIGN_OR_RAISE(auto v, ChangeColumnType(uri, JoinPath(path), *type));
    return Committed(v);
  }
  return p.Expected("ADD, DROP, RENAME COLUMN, SET TBLPROPERTIES, UNSET TBLPROPERTIES, ALTER COLUMN or CHANGE COLUMN");
}

}  // namespace

std::vector<std::string> SplitStatements(std::string_view script) {
  std::vector<std::string> out;
  std::string cur;
  char quote = 0;
  for (size_t i = 0; i < script.size(); ++i) {
    const char c = script[i];
    if (quote) {
      cur += c;
      if (c == '\\' && quote != '`' && i + 1 < script.size()) {
        cur += script[++i];
      } else if (c == quote) {
        quote = 0;
      }
      continue;
    }
    if (c == '-' && i + 1 < script.size() && script[i + 1] == '-') {
      while (i < script.size() && script[i] != '\n') ++i;
      cur += '\n';
      continue;
    }
    if (c == '\'' || c == '"' || c == '`') quote = c;
    if (c == ';') {
      out.push_back(cur);
      cur.clear();
      continue;
    }
    cur += c;
  }
  out.push_back(cur);
  std::vector<std::string> kept;
  for (auto& s : out) {
    if (s.find_first_not_of(" \t\r\n") != std::string::npos) kept.push_back(std::move(s));
  }
  return kept;
}

arrow::Result<StatementResult> Execute(std::string_view statement, const SqlOptions& options) {
  ARROW_RETURN_NOT_OK(util::EnsureComputeInitialized());
  ARROW_ASSIGN_OR_RAISE(auto tokens, expr_internal::Tokenize(statement));
  Parser p(statement, tokens);
  if (p.AcceptKeyword("SELECT")) return Select(p, options);
  if (p.AcceptKeyword("DELETE")) return Delete(p);
  if (p.AcceptKeyword("UPDATE")) return Update(p);
  if (p.AcceptKeyword("MERGE")) return MergeInto(p, options);
  if (p.AcceptKeyword("INSERT")) return Insert(p, options);
  if (p.AcceptKeyword("CREATE")) return Create(p);
  if (p.AcceptKeyword("DESCRIBE") || p.AcceptKeyword("DESC")) return Describe(p);
  if (p.AcceptKeyword("RESTORE")) return RestoreStatement(p);
  if (p.AcceptKeyword("OPTIMIZE")) return OptimizeStatement(p);
  if (p.AcceptKeyword("VACUUM")) return VacuumStatement(p);
  if (p.AcceptKeyword("ALTER")) return Alter(p);
  return p.Expected(
      "a statement (SELECT, INSERT, UPDATE, DELETE, MERGE, CREATE TABLE, ALTER TABLE, DESCRIBE, RESTORE, OPTIMIZE, "
      "VACUUM)");
}

}  // namespace delta::sql
