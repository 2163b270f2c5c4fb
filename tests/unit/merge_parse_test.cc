// Specification of MERGE's WHEN-clause parser: every clause kind, conditions, SET and INSERT
// forms, and errors that give the position and what was expected.
#include <gtest/gtest.h>

#include <string>

#include "delta/error.h"
#include "expr/lexer.h"
#include "ops/merge_parse.h"

namespace delta::ops {
namespace {

std::string KindName(MergeClauseKind k) {
  switch (k) {
    case MergeClauseKind::kMatchedUpdate: return "matched-update";
    case MergeClauseKind::kMatchedDelete: return "matched-delete";
    case MergeClauseKind::kNotMatchedInsert: return "insert";
    case MergeClauseKind::kNotMatchedBySourceUpdate: return "by-source-update";
    case MergeClauseKind::kNotMatchedBySourceDelete: return "by-source-delete";
  }
  return "?";
}

// One line per clause: kind [if cond] [*] [col=value; ...]
std::string Render(std::string_view text) {
  auto parsed = ParseMergeClauses(text);
  if (!parsed.ok()) return "ERROR: " + parsed.status().message();
  std::string out;
  for (const auto& c : *parsed) {
    if (!out.empty()) out += " | ";
    out += KindName(c.kind);
    if (c.condition) out += " if " + c.condition->ToString();
    if (c.star) out += " *";
    for (const auto& [col, value] : c.assignments) out += " " + col + "=" + value->ToString();
  }
  return out;
}

std::string ErrorOf(std::string_view text) {
  auto parsed = ParseMergeClauses(text);
  if (parsed.ok()) return "parsed: " + Render(text);
  EXPECT_EQ(GetErrorCode(parsed.status()), ErrorCode::kParseError) << parsed.status().ToString();
  return parsed.status().message();
}

TEST(MergeParse, EveryClauseKind) {
  EXPECT_EQ(Render("WHEN MATCHED THEN UPDATE SET *"), "matched-update *");
  EXPECT_EQ(Render("when matched then delete"), "matched-delete");
  EXPECT_EQ(Render("WHEN NOT MATCHED THEN INSERT *"), "insert *");
  EXPECT_EQ(Render("WHEN NOT MATCHED BY TARGET THEN INSERT *"), "insert *");
  EXPECT_EQ(Render("WHEN NOT MATCHED BY SOURCE THEN DELETE"), "by-source-delete");
  EXPECT_EQ(Render("WHEN NOT MATCHED BY SOURCE THEN UPDATE SET flag = true"), "by-source-update flag=TRUE");
}

TEST(MergeParse, ConditionsAndAssignmentsInOrder) {
  EXPECT_EQ(Render("WHEN MATCHED AND s.op = 'D' AND t.v > 1 THEN DELETE "
                   "WHEN MATCHED THEN UPDATE SET t.v = s.v + 1, `w` = coalesce(s.w, t.w) "
                   "WHEN NOT MATCHED AND s.op <> 'D' THEN INSERT (id, v) VALUES (s.id, s.v * 2)"),
            "matched-delete if s.op = 'D' AND t.v > 1 | matched-update t.v=s.v + 1 "
            "w=coalesce(s.w, t.w) | insert if s.op != 'D' id=s.id v=s.v * 2");
}

TEST(MergeParse, CaseExpressionsInsideValuesDoNotEndTheClause) {
  EXPECT_EQ(Render("WHEN MATCHED THEN UPDATE SET v = CASE WHEN s.v > 0 THEN s.v ELSE 0 END "
                   "WHEN NOT MATCHED THEN INSERT *"),
            "matched-update v=CASE WHEN s.v > 0 THEN s.v ELSE 0 END | insert *");
}

TEST(MergeParse, TokenLevelParsingStopsAtTheFirstTokenAfterTheClauses) {
  auto tokens = expr_internal::Tokenize("x WHEN MATCHED THEN DELETE LIMIT");
  ASSERT_TRUE(tokens.ok());
  size_t index = 1;
  auto clauses = ParseMergeClausesAt(*tokens, &index);
  ASSERT_TRUE(clauses.ok()) << clauses.status().ToString();
  EXPECT_EQ(clauses->size(), 1u);
  EXPECT_EQ((*tokens)[index].text, "LIMIT");
}

TEST(MergeParse, ErrorsGivePositionAndWhatWasExpected) {
  EXPECT_EQ(ErrorOf("WHEN MATCHED UPDATE SET *"),
            "at position 14: expected THEN after 'MATCHED', found 'UPDATE'");
  EXPECT_EQ(ErrorOf("WHEN MATCHED AND THEN DELETE"),
            "at position 18: expected a condition after 'AND', found 'THEN'");
  EXPECT_EQ(ErrorOf("WHEN NOT MATCHED THEN DELETE"),
            "at position 23: expected INSERT (a NOT MATCHED clause can only insert) after 'THEN', found 'DELETE'");
  EXPECT_EQ(ErrorOf("WHEN NOT MATCHED BY SOURCE THEN UPDATE SET *"),
            "at position 44: UPDATE SET * is not allowed in a NOT MATCHED BY SOURCE clause (there is no source "
            "row to take the values from)");
  EXPECT_EQ(ErrorOf("WHEN NOT MATCHED THEN INSERT (a, b) VALUES (1)"),
            "at position 30: INSERT lists 2 column(s) but VALUES gives 1 value(s)");
  EXPECT_EQ(ErrorOf("WHEN MATCHED THEN UPDATE SET a = "),
            "at position 34: expected an expression for column 'a' after '=', found the end of the statement");
  EXPECT_EQ(ErrorOf("UPDATE SET *"), "at position 1: expected WHEN, found 'UPDATE'");
  EXPECT_EQ(ErrorOf("WHEN MATCHED THEN DELETE extra"),
            "at position 26: expected WHEN or the end of the clauses after 'DELETE', found 'extra'");
  EXPECT_EQ(ErrorOf("WHEN NOT MATCHED BY NOBODY THEN INSERT *"),
            "at position 21: expected TARGET or SOURCE after 'BY', found 'NOBODY'");
  EXPECT_EQ(ErrorOf("WHEN MATCHED THEN UPDATE SET t.a.b = 1"),
            "at position 33: MERGE assigns top-level columns only (alias.column), found a nested field after 't.a'");
}

}  // namespace
}  // namespace delta::ops
