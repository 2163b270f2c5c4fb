#include "delta/operations/alter.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "delta/error.h"
#include "delta/scan.h"
#include "delta/schema.h"
#include "delta/table.h"
#include "delta/transaction.h"
#include "log/wire_names.h"
#include "protocol/table_features.h"
#include "protocol/type_widening.h"
#include "write/constraints.h"
#include "util/strings.h"
#include "write/schema_enforcement.h"

namespace delta {
namespace {

// The shared shape of every ALTER: load the latest snapshot, change a copy of its metadata,
// upgrade the protocol if the change needs it, commit.
template <typename Change>
arrow::Result<int64_t> AlterMetadata(const std::string& uri, const std::string& operation,
                                     std::map<std::string, std::string> parameters, Change&& change) {
  ARROW_ASSIGN_OR_RAISE(auto table, Table::Open(uri));
  ARROW_ASSIGN_OR_RAISE(auto snapshot, table->GetSnapshot());
  ARROW_RETURN_NOT_OK(protocol::CheckWriteSupported(snapshot->protocol(), uri));
  Metadata md = snapshot->metadata();
  std::shared_ptr<arrow::Schema> schema = snapshot->schema();
  ARROW_RETURN_NOT_OK(change(snapshot, &md, &schema));
  ARROW_ASSIGN_OR_RAISE(md.schema_string, SchemaToDeltaJson(*schema));
  Protocol protocol = protocol::RequiredProtocol(snapshot->protocol(), *schema, md.configuration);
  ARROW_ASSIGN_OR_RAISE(auto txn, Transaction::Begin(uri, snapshot));
  txn->SetMetadata(md);
  const Protocol& old = snapshot->protocol();
  if (protocol.min_reader_version != old.min_reader_version ||
      protocol.min_writer_version != old.min_writer_version ||
      protocol.reader_features != old.reader_features || protocol.writer_features != old.writer_features) {
    txn->SetProtocol(protocol);
  }
  txn->SetOperation(operation, std::move(parameters));
  ARROW_ASSIGN_OR_RAISE(auto result, txn->Commit());
  return result.version;
}

std::string Json(const std::string& s) { return nlohmann::json(s).dump(); }

arrow::Status RequireColumnMapping(const Snapshot& snap, const std::string& what) {
  if (snap.column_mapping_mode() != ColumnMappingMode::kNone) return arrow::Status::OK();
  return DELTA_ERROR(kUnsupportedFeature, what, " needs column mapping on table ", snap.table_uri(),
                     ": enable it first with `deltactl alter ", snap.table_uri(),
                     " set-properties delta.columnMapping.mode=name` (SQL: ALTER TABLE delta.`", snap.table_uri(),
                     "` SET TBLPROPERTIES ('delta.columnMapping.mode' = 'name'))");
}

// `type` with the type at `path` (struct field names, "element", "key", "value") replaced by
// `replacement`; *old receives the type it replaces.
arrow::Result<std::shared_ptr<arrow::DataType>> ReplaceType(const std::shared_ptr<arrow::DataType>& type,
                                                            const std::vector<std::string>& path, size_t i,
                                                            const std::shared_ptr<arrow::DataType>& replacement,
                                                            std::shared_ptr<arrow::DataType>* old) {
  if (i == path.size()) {
    *old = type;
    return replacement;
  }
  const std::string& part = path[i];
  auto unknown = [&]() {
    std::string p;
    for (size_t j = 0; j <= i; ++j) p += (j ? "." : "") + path[j];
    return DELTA_ERROR(kInvalidArgument, "column ", p, " does not exist");
  };
  if (type->id() == arrow::Type::STRUCT) {
    const int idx = FindFieldIndex(*arrow::schema(type->fields()), part);
    if (idx < 0) return unknown();
    ARROW_ASSIGN_OR_RAISE(auto t, ReplaceType(type->field(idx)->type(), path, i + 1, replacement, old));
    arrow::FieldVector fields = type->fields();
    fields[idx] = fields[idx]->WithType(t);
    return arrow::struct_(fields);
  }
  if (type->id() == arrow::Type::LIST && util::EqualsIgnoreCase(part, "element")) {
    ARROW_ASSIGN_OR_RAISE(auto t, ReplaceType(type->field(0)->type(), path, i + 1, replacement, old));
    return arrow::list(type->field(0)->WithType(t));
  }
  if (type->id() == arrow::Type::MAP && (util::EqualsIgnoreCase(part, "key") || util::EqualsIgnoreCase(part, "value"))) {
    const auto& m = static_cast<const arrow::MapType&>(*type);
    const bool key = util::EqualsIgnoreCase(part, "key");
    ARROW_ASSIGN_OR_RAISE(auto t, ReplaceType(key ? m.key_type() : m.item_type(), path, i + 1, replacement, old));
    return std::make_shared<arrow::MapType>(key ? m.key_field()->WithType(t) : m.key_field(),
                                            key ? m.item_field() : m.item_field()->WithType(t));
  }
  return unknown();
}

std::vector<std::string> SplitPath(const std::string& column) {
  std::vector<std::string> parts;
  std::string cur;
  bool quoted = false;
  for (char c : column) {
    if (c == '`') {
      quoted = !quoted;
    } else if (c == '.' && !quoted) {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  parts.push_back(cur);
  return parts;
}

// `type` (a struct) with `field` added inside it at path[i..] (struct field names; the last
// element is the new field's name).
arrow::Result<std::shared_ptr<arrow::DataType>> AddNestedField(const std::shared_ptr<arrow::DataType>& type,
                                                               const std::vector<std::string>& path, size_t i,
                                                               const std::shared_ptr<arrow::Field>& field,
                                                               const std::string& uri) {
  auto prefix = [&](size_t n) {
    std::string p;
    for (size_t j = 0; j < n; ++j) p += (j ? "." : "") + path[j];
    return p;
  };
  if (type->id() != arrow::Type::STRUCT) {
    return DELTA_ERROR(kInvalidArgument, "cannot add field ", prefix(path.size()), ": ", prefix(i), " is not a struct");
  }
  arrow::FieldVector fields = type->fields();
  const int idx = FindFieldIndex(*arrow::schema(fields), path[i]);
  if (i + 1 == path.size()) {
    if (idx >= 0) return DELTA_ERROR(kSchemaMismatch, "column ", prefix(path.size()), " already exists in ", uri);
    fields.push_back(field);
    return arrow::struct_(fields);
  }
  if (idx < 0) return DELTA_ERROR(kInvalidArgument, "column ", prefix(i + 1), " does not exist in ", uri);
  ARROW_ASSIGN_OR_RAISE(auto t, AddNestedField(fields[idx]->type(), path, i + 1, field, uri));
  fields[idx] = fields[idx]->WithType(t);
  return arrow::struct_(fields);
}

// The field list that holds path.back() (the top level, or the fields of struct
// path[0..n-2]) handed to `edit` with the index of path.back() in it (-1: absent); returns the
// top-level fields rebuilt around the edited list. `column` is the path as the caller wrote it.
template <typename Edit>
arrow::Result<arrow::FieldVector> EditFieldList(const arrow::FieldVector& fields, const std::vector<std::string>& path,
                                                size_t i, const std::string& column, const std::string& uri,
                                                Edit&& edit) {
  arrow::FieldVector out = fields;
  const int idx = FindFieldIndex(*arrow::schema(fields), path[i]);
  if (i + 1 == path.size()) {
    ARROW_RETURN_NOT_OK(edit(&out, idx));
    return out;
  }
  if (idx < 0 || out[idx]->type()->id() != arrow::Type::STRUCT) {
    return DELTA_ERROR(kInvalidArgument, "column ", column, " is not in ", uri);
  }
  ARROW_ASSIGN_OR_RAISE(auto inner, EditFieldList(out[idx]->type()->fields(), path, i + 1, column, uri, edit));
  out[idx] = out[idx]->WithType(arrow::struct_(inner));
  return out;
}

// The CHECK constraint or generated column whose expression reads `path` (or a struct holding
// it, or a field inside it), as "check constraint NAME (EXPR)" / "generated column C (EXPR)";
// empty if none. Renaming or dropping such a column would leave the expression dangling, so
// Delta refuses it.
std::string DependentExpression(const Metadata& md, const arrow::Schema& schema, const std::vector<std::string>& path) {
  auto reads = [&](const std::string& text) {
    auto expr = ParseExpression(text);
    if (!expr.ok()) return false;
    for (const auto& ref : (*expr)->ReferencedColumns()) {
      const size_t n = std::min(ref.size(), path.size());
      bool same = true;
      for (size_t j = 0; j < n && same; ++j) same = util::EqualsIgnoreCase(ref[j], path[j]);
      if (same) return true;
    }
    return false;
  };
  for (const auto& [key, value] : md.configuration) {
    if (key.rfind("delta.constraints.", 0) == 0 && reads(value)) {
      return "check constraint " + key.substr(std::string("delta.constraints.").size()) + " (" + value + ")";
    }
  }
  for (const auto& f : schema.fields()) {
    auto text = FieldMetadataString(*f, wire::kGenerationExpression);
    if (text && reads(*text)) return "generated column " + f->name() + " (" + *text + ")";
  }
  return "";
}

std::string TypeName(const arrow::DataType& t) {
  auto n = DeltaTypeName(t);
  return n.ok() ? *n : t.ToString();
}

}  // namespace

arrow::Result<int64_t> AddColumns(const std::string& uri, const arrow::FieldVector& columns) {
  std::string names;
  for (const auto& c : columns) names += (names.empty() ? "" : ", ") + c->name();
  return AlterMetadata(uri, "ADD COLUMNS", {{"columns", Json(names)}},
                       [&](const std::shared_ptr<const Snapshot>& snap, Metadata* md, std::shared_ptr<arrow::Schema>* schema) -> arrow::Status {
                         for (const auto& c : columns) {
                           if (FieldMetadataString(*c, wire::kGenerationExpression)) {
                             return DELTA_ERROR(kUnsupportedFeature, "cannot add generated column ", c->name(),
                                                " to an existing table (existing rows have no value for it)");
                           }
                           // "a.b" adds field b to struct a ("`a.b`" is a top-level name with a dot).
                           const auto path = SplitPath(c->name());
                           ARROW_ASSIGN_OR_RAISE(auto t, write::NormalizeType(c->type(), c->name()));
                           // Existing files have no value for it: the new column must be nullable.
                           auto field = c->WithName(path.back())->WithType(t)->WithNullable(true);
                           ARROW_ASSIGN_OR_RAISE(auto as_struct,
                                                 AddNestedField(arrow::struct_((*schema)->fields()), path, 0, field, uri));
                           *schema = arrow::schema(as_struct->fields(), (*schema)->metadata());
                         }
                         if (snap->column_mapping_mode() != ColumnMappingMode::kNone) {
                           int64_t max_id = std::atoll(md->configuration["delta.columnMapping.maxColumnId"].c_str());
                           *schema = AssignColumnMapping(**schema, &max_id, false);
                           md->configuration["delta.columnMapping.maxColumnId"] = std::to_string(max_id);
                         }
                         return arrow::Status::OK();
                       });
}

arrow::Result<int64_t> RenameColumn(const std::string& uri, const std::string& from, const std::string& to) {
  return AlterMetadata(uri, "RENAME COLUMN", {{"oldColumnPath", Json(from)}, {"newColumnPath", Json(to)}},
                       [&](const std::shared_ptr<const Snapshot>& snap, Metadata* md, std::shared_ptr<arrow::Schema>* schema) -> arrow::Status {
                         ARROW_RETURN_NOT_OK(RequireColumnMapping(*snap, "RENAME COLUMN"));
                         const auto path = SplitPath(from);
                         if (auto dependent = DependentExpression(*md, **schema, path); !dependent.empty()) {
                           return DELTA_ERROR(kUnsupportedFeature, "cannot rename column ", from, ": ", dependent,
                                              " uses it (drop that first)");
                         }
                         std::string old_name;
                         ARROW_ASSIGN_OR_RAISE(
                             auto fields,
                             EditFieldList((*schema)->fields(), path, 0, from, uri,
                                           [&](arrow::FieldVector* list, int idx) -> arrow::Status {
                                             if (idx < 0) return DELTA_ERROR(kInvalidArgument, "column ", from, " is not in ", uri);
                                             if (FindFieldIndex(*arrow::schema(*list), to) >= 0) {
                                               std::string full = to;
                                               for (size_t j = path.size() - 1; j-- > 0;) full = path[j] + "." + full;
                                               return DELTA_ERROR(kSchemaMismatch, "column ", full, " already exists in ", uri);
                                             }
                                             old_name = (*list)[idx]->name();
                                             (*list)[idx] = (*list)[idx]->WithName(to);
                                             return arrow::Status::OK();
                                           }));
                         *schema = arrow::schema(fields, (*schema)->metadata());
                         if (path.size() == 1) {
                           for (auto& pc : md->partition_columns) {
                             if (pc == old_name) pc = to;
                           }
                         }
                         return arrow::Status::OK();
                       });
}

arrow::Result<int64_t> DropColumn(const std::string& uri, const std::string& column) {
  return DropColumns(uri, {column});
}

arrow::Result<int64_t> DropColumns(const std::string& uri, const std::vector<std::string>& columns) {
  return AlterMetadata(uri, "DROP COLUMNS", {{"columns", Json(nlohmann::json(columns).dump())}},
                       [&](const std::shared_ptr<const Snapshot>& snap, Metadata* md, std::shared_ptr<arrow::Schema>* schema) -> arrow::Status {
                         ARROW_RETURN_NOT_OK(RequireColumnMapping(*snap, "DROP COLUMN"));
                         for (const auto& column : columns) {
                           const auto path = SplitPath(column);
                           if (auto dependent = DependentExpression(*md, **schema, path); !dependent.empty()) {
                             return DELTA_ERROR(kUnsupportedFeature, "cannot drop column ", column, ": ", dependent,
                                                " uses it (drop that first)");
                           }
                           ARROW_ASSIGN_OR_RAISE(
                               auto fields,
                               EditFieldList((*schema)->fields(), path, 0, column, uri,
                                             [&](arrow::FieldVector* list, int idx) -> arrow::Status {
                                               if (idx < 0) return DELTA_ERROR(kInvalidArgument, "column ", column, " is not in ", uri);
                                               const std::string name = (*list)[idx]->name();
                                               if (path.size() == 1) {
                                                 for (const auto& pc : md->partition_columns) {
                                                   if (pc == name) {
                                                     return DELTA_ERROR(kInvalidArgument, "cannot drop partition column ", name);
                                                   }
                                                 }
                                                 if (list->size() == 1) {
                                                   return DELTA_ERROR(kInvalidArgument, "cannot drop the only column of ", uri);
                                                 }
                                               } else if (list->size() == 1) {
                                                 return DELTA_ERROR(kInvalidArgument, "cannot drop ", column,
                                                                    ": it is the only field of its struct");
                                               }
                                               list->erase(list->begin() + idx);
                                               return arrow::Status::OK();
                                             }));
                           *schema = arrow::schema(fields, (*schema)->metadata());
                         }
                         return arrow::Status::OK();
                       });
}

arrow::Result<int64_t> SetProperties(const std::string& uri, const std::map<std::string, std::string>& properties) {
  nlohmann::json props = properties;
  return AlterMetadata(uri, "SET TBLPROPERTIES", {{"properties", props.dump()}},
                       [&](const std::shared_ptr<const Snapshot>& snap, Metadata* md, std::shared_ptr<arrow::Schema>* schema) -> arrow::Status {
                         for (const auto& [k, v] : properties) {
                           if (k.rfind("delta.constraints.", 0) == 0) {
                             return DELTA_ERROR(kInvalidArgument, "use add-constraint to set ", k);
                           }
                           md->configuration[k] = v;
                         }
                         ARROW_ASSIGN_OR_RAISE(auto mode, protocol::GetColumnMappingMode(*md));
                         if (mode != snap->column_mapping_mode()) {
                           if (snap->column_mapping_mode() != ColumnMappingMode::kNone || mode == ColumnMappingMode::kId) {
                             return DELTA_ERROR(kUnsupportedFeature, "changing column mapping from ",
                                                static_cast<int>(snap->column_mapping_mode()), " to ",
                                                md->configuration[wire::kColumnMappingMode],
                                                " is not supported; only none -> name");
                           }
                           // Existing files name columns by their logical names: keep those as the
                           // physical names.
                           int64_t max_id = 0;
                           *schema = AssignColumnMapping(**schema, &max_id, /*keep_names=*/true);
                           md->configuration["delta.columnMapping.maxColumnId"] = std::to_string(max_id);
                         }
                         return arrow::Status::OK();
                       });
}

arrow::Result<int64_t> UnsetProperties(const std::string& uri, const std::vector<std::string>& keys, bool if_exists) {
  nlohmann::json props = keys;
  return AlterMetadata(uri, "UNSET TBLPROPERTIES", {{"properties", props.dump()}, {"ifExists", if_exists ? "true" : "false"}},
                       [&](const std::shared_ptr<const Snapshot>&, Metadata* md, std::shared_ptr<arrow::Schema>*) -> arrow::Status {
                         for (const auto& k : keys) {
                           if (k == wire::kColumnMappingMode) {
                             return DELTA_ERROR(kUnsupportedFeature, "column mapping cannot be removed from a table");
                           }
                           if (!md->configuration.erase(k) && !if_exists) {
                             return DELTA_ERROR(kInvalidArgument, "table ", uri, " has no property ", k);
                           }
                         }
                         return arrow::Status::OK();
                       });
}

arrow::Result<int64_t> AddConstraint(const std::string& uri, const std::string& name, const std::string& expression) {
  ARROW_ASSIGN_OR_RAISE(auto expr, ParseExpression(expression));
  return AlterMetadata(uri, "ADD CONSTRAINT", {{"name", Json(name)}, {"expr", Json(expression)}},
                       [&](const std::shared_ptr<const Snapshot>& snap, Metadata* md, std::shared_ptr<arrow::Schema>*) -> arrow::Status {
                         const std::string key = "delta.constraints." + name;
                         if (md->configuration.count(key)) {
                           return DELTA_ERROR(kInvalidArgument, "constraint ", name, " already exists on ", uri);
                         }
                         // Every existing row must satisfy it.
                         ScanOptions so;
                         so.predicate = write::NotTrue(expr);
                         so.limit = 1;
                         ARROW_ASSIGN_OR_RAISE(auto scan, Scan::Make(snap, so));
                         ARROW_ASSIGN_OR_RAISE(auto reader, scan->Execute());
                         std::shared_ptr<arrow::RecordBatch> batch;
                         ARROW_RETURN_NOT_OK(reader->ReadNext(&batch));
                         ARROW_RETURN_NOT_OK(reader->Close());
                         if (batch && batch->num_rows() > 0) {
                           return DELTA_ERROR(kConstraintViolation, "cannot add CHECK constraint ", name, " (",
                                              expression, "): existing rows violate it");
                         }
                         md->configuration[key] = expression;
                         return arrow::Status::OK();
                       });
}

arrow::Result<int64_t> DropConstraint(const std::string& uri, const std::string& name, bool if_exists) {
  return AlterMetadata(uri, "DROP CONSTRAINT", {{"name", Json(name)}},
                       [&](const std::shared_ptr<const Snapshot>&, Metadata* md, std::shared_ptr<arrow::Schema>*) -> arrow::Status {
                         if (!md->configuration.erase("delta.constraints." + name) && !if_exists) {
                           return DELTA_ERROR(kInvalidArgument, "table ", uri, " has no constraint ", name);
                         }
                         return arrow::Status::OK();
                       });
}

}  // namespace delta

namespace delta {

arrow::Result<int64_t> ChangeColumnType(const std::string& uri, const std::string& column,
                                        const std::shared_ptr<arrow::DataType>& type) {
  ARROW_ASSIGN_OR_RAISE(auto new_type, write::NormalizeType(type, column));
  nlohmann::json param = {{"name", column}, {"type", TypeName(*new_type)}};
  return AlterMetadata(uri, "CHANGE COLUMN", {{"column", Json(param.dump())}},
                       [&](const std::shared_ptr<const Snapshot>& snap, Metadata* md, std::shared_ptr<arrow::Schema>* schema) -> arrow::Status {
                         if (!protocol::BoolProperty(*md, wire::kEnableTypeWidening, false)) {
                           return DELTA_ERROR(kUnsupportedFeature, "changing the type of column ", column,
                                              " needs type widening on table ", uri, ": enable it first with "
                                              "`deltactl alter ", uri, " set-properties delta.enableTypeWidening=true`");
                         }
                         const auto path = SplitPath(column);
                         const int idx = FindFieldIndex(**schema, path[0]);
                         if (idx < 0) return DELTA_ERROR(kInvalidArgument, "column ", path[0], " does not exist");
                         const auto& top = (*schema)->field(idx);
                         for (const auto& f : (*schema)->fields()) {
                           auto text = FieldMetadataString(*f, wire::kGenerationExpression);
                           if (!text || f == top) continue;
                           auto expr = ParseExpression(*text);
                           if (!expr.ok()) continue;
                           for (const auto& ref : (*expr)->ReferencedColumns()) {
                             if (util::EqualsIgnoreCase(ref[0], top->name())) {
                               return DELTA_ERROR(kUnsupportedFeature, "cannot change the type of column ", column,
                                                  ": generated column ", f->name(), " (", *text, ") uses it");
                             }
                           }
                         }
                         std::shared_ptr<arrow::DataType> old;
                         ARROW_ASSIGN_OR_RAISE(auto changed, ReplaceType(top->type(), path, 1, new_type, &old));
                         if (old->Equals(*new_type)) {
                           return DELTA_ERROR(kInvalidArgument, "column ", column, " already has type ", TypeName(*old));
                         }
                         if (!protocol::IsSupportedTypeChange(*old, *new_type)) {
                           return DELTA_ERROR(kSchemaMismatch, "column ", column, " cannot change type from ",
                                              TypeName(*old), " to ", TypeName(*new_type),
                                              ": not a type widening the Delta protocol allows");
                         }
                         for (const auto& pc : md->partition_columns) {
                           if (util::EqualsIgnoreCase(pc, top->name()) && old->id() == arrow::Type::DATE32) {
                             return DELTA_ERROR(kUnsupportedFeature, "cannot change partition column ", column,
                                                " from date to timestamp_ntz");
                           }
                         }
                         ARROW_ASSIGN_OR_RAISE(auto updated, (*schema)->SetField(idx, top->WithType(changed)));
                         ARROW_ASSIGN_OR_RAISE(*schema, protocol::RecordTypeChanges(**schema, *updated));
                         (void)snap;
                         return arrow::Status::OK();
                       });
}

}  // namespace delta
