// Parsing MERGE's WHEN clauses, shared by `deltactl merge --when ...` and the SQL front end's
// MERGE INTO (src/sql/). Spark's grammar:
//   WHEN MATCHED [AND cond] THEN UPDATE SET col = expr [, ...] | UPDATE SET * | DELETE
//   WHEN NOT MATCHED [BY TARGET] [AND cond] THEN INSERT (col [, ...]) VALUES (expr [, ...]) | INSERT *
//   WHEN NOT MATCHED BY SOURCE [AND cond] THEN UPDATE SET col = expr [, ...] | DELETE
// Keywords are case-insensitive; columns may be back-quoted and qualified by an alias.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include <arrow/result.h>

#include "delta/operations/merge.h"
#include "expr/lexer.h"

namespace delta::ops {

/// Parses consecutive WHEN clauses starting at tokens[*index] (tokens from
/// expr_internal::Tokenize, ending with kEnd); stops at the first token that does not start a
/// WHEN clause and leaves *index there. At least one clause is required. Errors are
/// kParseError giving the position and what was expected.
arrow::Result<std::vector<MergeClause>> ParseMergeClausesAt(const std::vector<expr_internal::Token>& tokens,
                                                            size_t* index);

/// One or more WHEN clauses as a whole string (the CLI's --when); the whole text must be used.
arrow::Result<std::vector<MergeClause>> ParseMergeClauses(std::string_view text);

}  // namespace delta::ops
