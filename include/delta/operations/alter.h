// ALTER TABLE: schema and property changes committed as a new metaData action (and a protocol
// upgrade when a change needs one).
//
//  - AddColumns: new nullable columns at the end; a name "a.b" adds field b at the end of
//    struct column a (a back-quoted part, "`a.b`", is one name with a dot in it).
//  - RenameColumn / DropColumn(s): metadata-only with column mapping (name or id mode), as
//    Delta requires; without it they fail with kUnsupportedFeature saying how to enable it. The
//    column may be a struct field "a.b" (renamed / dropped inside struct a). A column that a
//    CHECK constraint or a generated column reads is refused (kUnsupportedFeature naming it).
//  - SetProperties / UnsetProperties: table properties; enabling
//    delta.columnMapping.mode=name on an existing table assigns ids and physical names equal
//    to the current names (existing files stay readable) and upgrades the protocol.
//  - AddConstraint / DropConstraint: CHECK constraints (delta.constraints.<name>); adding one
//    first verifies every existing row satisfies it.
//  - ChangeColumnType: type widening (PROTOCOL.md "Type Widening") of a column, nested field
//    ("a.b") or array element / map key / map value ("tags.element", "m.value"); only the
//    changes the protocol allows, only with delta.enableTypeWidening=true; recorded in
//    delta.typeChanges; no data file is rewritten (readers cast old files up).
//
// Concurrency: each is a metadata change, so it conflicts with any concurrent commit that also
// changes metadata or protocol, and concurrent writers retrying over it fail with
// MetadataChanged (Spark's rule). PROTOCOL.md "Column Mapping", "Check Constraints",
// "Type Widening".
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <arrow/result.h>
#include <arrow/type_fwd.h>

namespace delta {

/// Each returns the committed version.
arrow::Result<int64_t> AddColumns(const std::string& uri, const arrow::FieldVector& columns);
arrow::Result<int64_t> RenameColumn(const std::string& uri, const std::string& from, const std::string& to);
arrow::Result<int64_t> DropColumn(const std::string& uri, const std::string& column);
/// Drops several columns or struct fields in one commit (SQL's DROP COLUMNS (a, b)); nothing
/// is dropped if one of them is unknown (kInvalidArgument naming it) or a partition column.
arrow::Result<int64_t> DropColumns(const std::string& uri, const std::vector<std::string>& columns);
arrow::Result<int64_t> SetProperties(const std::string& uri, const std::map<std::string, std::string>& properties);
arrow::Result<int64_t> UnsetProperties(const std::string& uri, const std::vector<std::string>& keys,
                                       bool if_exists = false);
arrow::Result<int64_t> AddConstraint(const std::string& uri, const std::string& name,
                                     const std::string& expression);
arrow::Result<int64_t> DropConstraint(const std::string& uri, const std::string& name,
                                      bool if_exists = false);
/// Widens the type of `column` (a dotted path) to `type`. kUnsupportedFeature when type
/// widening is not enabled or the column feeds a generated column; kSchemaMismatch naming the
/// column, its type and `type` when the protocol does not allow the change; kInvalidArgument
/// for an unknown column.
arrow::Result<int64_t> ChangeColumnType(const std::string& uri, const std::string& column,
                                        const std::shared_ptr<arrow::DataType>& type);

}  // namespace delta
