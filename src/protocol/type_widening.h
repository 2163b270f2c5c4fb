// Type widening (PROTOCOL.md "Type Widening"): which type changes a table may undergo, and
// the `delta.typeChanges` history recorded in the field metadata of the nearest ancestor
// struct field (with `fieldPath` "element" / "key" / "value", dotted, for changes inside
// arrays and maps).
//
// Allowed: byte -> short -> int -> long; float -> double; byte/short/int -> double;
// date -> timestamp_ntz; decimal(p, s) -> decimal(p + k1, s + k2) with k1 >= k2 >= 0;
// byte/short/int -> decimal(10 + k1, k2) and long -> decimal(20 + k1, k2) with k1 >= k2 >= 0.
// Writers must reject any other change, and apply one only when delta.enableTypeWidening is
// true. Schema evolution on write widens automatically only where Spark's does (integers
// among themselves, float -> double, date -> timestamp_ntz, decimal -> wider decimal); the
// integer -> double / decimal changes need an explicit ALTER. Pure, thread-safe.
#pragma once

#include <memory>
#include <string>

#include <arrow/result.h>
#include <arrow/type.h>

namespace delta::protocol {

/// Width order of the integer types: 1 byte, 2 short, 3 int, 4 long; 0 for any other type.
int IntegerRank(arrow::Type::type t);

/// Whether the protocol allows changing a column of type `from` to type `to` (primitive
/// types; equal types are not a change).
bool IsSupportedTypeChange(const arrow::DataType& from, const arrow::DataType& to);

/// Whether schema evolution on write applies the change automatically.
bool IsAutomaticTypeChange(const arrow::DataType& from, const arrow::DataType& to);

/// `updated` with the type changes between `previous` and `updated` appended to the
/// `delta.typeChanges` metadata of each changed field's nearest ancestor struct field
/// (existing entries kept). Fields are matched by name; fields only in `updated` are new.
/// kSchemaMismatch naming the field if a changed type is not a supported type change.
arrow::Result<std::shared_ptr<arrow::Schema>> RecordTypeChanges(const arrow::Schema& previous,
                                                                 const arrow::Schema& updated);

}  // namespace delta::protocol
