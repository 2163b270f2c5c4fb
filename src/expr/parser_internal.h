// The expression parser as a building block of statement parsers (deltactl sql, MERGE clauses):
// they tokenize a statement once (expr/lexer.h) and parse the expressions inside it in place,
// so that every error reports its position in the whole statement.
#pragma once

#include <cstddef>
#include <vector>

#include <arrow/result.h>

#include "delta/expression.h"
#include "expr/lexer.h"

namespace delta::expr_internal {

/// Parses one expression starting at tokens[*index] (tokens as Tokenize returns them, ending
/// with kEnd). On success *index is the first token after the expression, which may be any
/// token that cannot continue it (a keyword such as THEN, a ',', kEnd); the caller checks it.
/// Errors are kParseError with the position in the tokenized text.
arrow::Result<ExprPtr> ParseExpressionAt(const std::vector<Token>& tokens, size_t* index);

}  // namespace delta::expr_internal
