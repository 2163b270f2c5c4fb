#include "write/generated_columns.h"

#include <arrow/array.h>
#include <arrow/compute/api.h>

#include "delta/error.h"
#include "delta/expression.h"
#include "delta/format.h"
#include "delta/schema.h"
#include "log/wire_names.h"
#include "util/strings.h"
#include "write/schema_enforcement.h"

namespace delta::write {
namespace {

namespace cp = arrow::compute;

std::optional<std::string> Expression(const arrow::Field& f) {
  return FieldMetadataString(f, wire::kGenerationExpression);
}

// The table's non-generated columns: what a generation expression may refer to.
std::shared_ptr<arrow::Schema> SourceSchema(const arrow::Schema& schema) {
  arrow::FieldVector fields;
  for (const auto& f : schema.fields()) {
    if (!Expression(*f)) fields.push_back(f);
  }
  return arrow::schema(fields);
}

// Parses and translates one expression against the source columns, cast to the column's
// type.
arrow::Result<cp::Expression> Compile(const arrow::Field& column, const std::string& text,
                                      const arrow::Schema& full, const arrow::Schema& source) {
  const std::string what = "generated column " + column.name() + " (" + text + ")";
  auto parsed = ParseExpression(text);
  if (!parsed.ok()) {
    return DELTA_ERROR(kUnsupportedFeature, what, ": deltacpp cannot parse the expression: ",
                       parsed.status().message());
  }
  for (const auto& path : (*parsed)->ReferencedColumns()) {
    const int idx = FindFieldIndex(full, path[0]);
    if (idx < 0) {
      return DELTA_ERROR(kInvalidArgument, what, " refers to column ", path[0],
                         ", which is not in the table");
    }
    if (Expression(*full.field(idx))) {
      return DELTA_ERROR(kInvalidArgument, what, " refers to generated column ",
                         full.field(idx)->name(), "; a generation expression may only use "
                         "non-generated columns");
    }
  }
  auto translated = ToArrowExpression(**parsed, source);
  if (!translated.ok()) {
    return DELTA_ERROR(kUnsupportedFeature, what, ": deltacpp cannot evaluate the expression: ",
                       translated.status().message());
  }
  auto bound = translated->Bind(source);
  if (!bound.ok()) {
    return DELTA_ERROR(kUnsupportedFeature, what, ": deltacpp cannot evaluate the expression: ",
                       bound.status().message());
  }
  const auto& type = bound->type()->GetSharedPtr();
  if (type->Equals(*column.type())) return *bound;
  if (!SafelyCastable(*type, *column.type())) {
    auto from = DeltaTypeName(*type);
    auto to = DeltaTypeName(*column.type());
    return DELTA_ERROR(kInvalidArgument, what, ": the expression has type ",
                       from.ok() ? *from : type->ToString(), " but the column is ",
                       to.ok() ? *to : column.type()->ToString());
  }
  return cp::call("cast", {*bound}, cp::CastOptions::Safe(column.type())).Bind(source);
}

}  // namespace

arrow::Status ValidateGenerationExpressions(const arrow::Schema& schema) {
  auto source = SourceSchema(schema);
  for (const auto& f : schema.fields()) {
    auto text = Expression(*f);
    if (!text) continue;
    if (auto parsed = ParseExpression(*text); !parsed.ok()) {
      return DELTA_ERROR(kParseError, "generated column ", f->name(), " (", *text,
                         "): the expression does not parse: ", parsed.status().message());
    }
    ARROW_RETURN_NOT_OK(Compile(*f, *text, schema, *source).status());
  }
  return arrow::Status::OK();
}

std::shared_ptr<arrow::Schema> WithGeneratedFields(const arrow::Schema& table, const arrow::Schema& data) {
  arrow::FieldVector fields = data.fields();
  for (const auto& f : table.fields()) {
    if (Expression(*f) && FindFieldIndex(data, f->name()) < 0) fields.push_back(f);
  }
  return arrow::schema(fields, data.metadata());
}

arrow::Result<GeneratedColumns> GeneratedColumns::Make(const std::shared_ptr<arrow::Schema>& table_schema,
                                                       bool enforce) {
  GeneratedColumns g;
  if (!enforce) return g;
  g.source_schema_ = SourceSchema(*table_schema);
  for (const auto& f : table_schema->fields()) {
    auto text = Expression(*f);
    if (!text) continue;
    ARROW_ASSIGN_OR_RAISE(auto value, Compile(*f, *text, *table_schema, *g.source_schema_));
    g.columns_.push_back({f->name(), *text, std::move(value)});
  }
  return g;
}

arrow::Result<std::shared_ptr<arrow::RecordBatch>> GeneratedColumns::Conform(
    const arrow::RecordBatch& input, const std::shared_ptr<arrow::Schema>& target) const {
  if (columns_.empty()) return ConformBatch(input, target);
  // First the columns the input has (generated ones the input lacks left out), then the
  // generated values from the non-generated columns.
  arrow::FieldVector present_fields;
  for (const auto& f : target->fields()) {
    if (!Expression(*f) || FindFieldIndex(*input.schema(), f->name()) >= 0) present_fields.push_back(f);
  }
  auto present_schema = arrow::schema(present_fields, target->metadata());
  ARROW_ASSIGN_OR_RAISE(auto present, ConformBatch(input, present_schema));
  arrow::ArrayVector source_columns;
  for (const auto& f : source_schema_->fields()) {
    source_columns.push_back(present->column(present_schema->GetFieldIndex(f->name())));
  }
  auto source = arrow::RecordBatch::Make(source_schema_, input.num_rows(), source_columns);

  arrow::ArrayVector out;
  for (const auto& f : target->fields()) {
    const Column* gen = nullptr;
    for (const auto& c : columns_) {
      if (c.name == f->name()) gen = &c;
    }
    const int idx = present_schema->GetFieldIndex(f->name());
    if (!gen) {
      out.push_back(present->column(idx));
      continue;
    }
    auto datum = cp::ExecuteScalarExpression(gen->value, cp::ExecBatch(*source));
    if (!datum.ok()) {
      return DELTA_ERROR(kConstraintViolation, "generated column ", gen->name, " (", gen->text,
                         ") cannot be computed: ", datum.status().message());
    }
    std::shared_ptr<arrow::Array> expected;
    if (datum->is_scalar()) {
      ARROW_ASSIGN_OR_RAISE(expected, arrow::MakeArrayFromScalar(*datum->scalar(), input.num_rows()));
    } else {
      expected = datum->make_array();
    }
    if (idx < 0) {
      if (!f->nullable() && expected->null_count() > 0) {
        for (int64_t i = 0; i < expected->length(); ++i) {
          if (expected->IsNull(i)) {
            return DELTA_ERROR(kConstraintViolation, "generated column ", gen->name, " (", gen->text,
                               ") is NOT NULL but its expression is NULL for row ",
                               RowToJsonText(*present, i));
          }
        }
      }
      out.push_back(expected);
      continue;
    }
    // Provided: (value <=> expression) must be TRUE for every row.
    const auto& given = present->column(idx);
    ARROW_ASSIGN_OR_RAISE(auto equal, cp::CallFunction("equal", {given, expected}));
    ARROW_ASSIGN_OR_RAISE(auto given_null, cp::CallFunction("is_null", {given}));
    ARROW_ASSIGN_OR_RAISE(auto expected_null, cp::CallFunction("is_null", {expected}));
    const auto eq_array = equal.make_array(), gn_array = given_null.make_array(),
               en_array = expected_null.make_array();
    const auto& eq = static_cast<const arrow::BooleanArray&>(*eq_array);
    const auto& gn = static_cast<const arrow::BooleanArray&>(*gn_array);
    const auto& en = static_cast<const arrow::BooleanArray&>(*en_array);
    for (int64_t i = 0; i < input.num_rows(); ++i) {
      const bool same = (gn.Value(i) && en.Value(i)) || (eq.IsValid(i) && eq.Value(i));
      if (!same) {
        return DELTA_ERROR(kConstraintViolation, "generated column ", gen->name, " (", gen->text,
                           ") does not match its expression in row ", RowToJsonText(*present, i));
      }
    }
    out.push_back(given);
  }
  return arrow::RecordBatch::Make(target, input.num_rows(), std::move(out));
}

}  // namespace delta::write
