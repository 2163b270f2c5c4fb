// Specification of TokenCursor, the token walk the expression, MERGE-clause and SQL statement
// parsers share: keyword and symbol matching, and the one "expected ..." message they all give.
#include <gtest/gtest.h>

#include <string>

#include "delta/error.h"
#include "expr/lexer.h"
#include "expr/parser_internal.h"

namespace delta::expr_internal {
namespace {

std::vector<Token> Tokens(std::string_view text) {
  auto tokens = Tokenize(text);
  EXPECT_TRUE(tokens.ok()) << tokens.status().ToString();
  return *tokens;
}

TEST(TokenCursor, KeywordsIgnoreCaseSymbolsMatchExactly) {
  const auto tokens = Tokens("alter TABLE ( `quoted`");
  TokenCursor c(tokens, 0);
  EXPECT_TRUE(c.IsKeyword("ALTER"));
  EXPECT_TRUE(c.IsKeyword("table", 1));
  EXPECT_FALSE(c.AcceptKeyword("TABLE"));
  EXPECT_TRUE(c.AcceptKeyword("Alter"));
  EXPECT_TRUE(c.AcceptKeyword("TABLE"));
  EXPECT_TRUE(c.AcceptSymbol("("));
  EXPECT_FALSE(c.IsKeyword("quoted"));  // a back-quoted name is never a keyword
  EXPECT_EQ(c.Cur().kind, TokenKind::kQuotedIdentifier);
  c.set_index(c.index() + 1);
  EXPECT_TRUE(c.AtEnd());
  EXPECT_EQ(c.Ahead(5).kind, TokenKind::kEnd);  // reading past the end stays on kEnd
}

TEST(TokenCursor, ExpectedNamesPositionPreviousAndFoundToken) {
  const auto tokens = Tokens("SELECT * FRM t");
  TokenCursor c(tokens, 2);
  EXPECT_EQ(c.ExpectKeyword("FROM").message(), "at position 10: expected FROM after '*', found 'FRM'");
  EXPECT_EQ(c.index(), 2u);  // a failed Expect consumes nothing
  EXPECT_EQ(c.ExpectSymbol(")").message(), "at position 10: expected ')' after '*', found 'FRM'");
}

TEST(TokenCursor, TheEndOfInputIsNamedOnlyWhenTheParserGaveItAName) {
  const auto tokens = Tokens("a AND");
  TokenCursor expression(tokens, 2);
  EXPECT_EQ(expression.Expected("an expression").message(), "at position 6: expected an expression after 'AND'");
  TokenCursor statement(tokens, 2, "the end of the statement");
  auto st = statement.Expected("an expression");
  EXPECT_EQ(st.message(), "at position 6: expected an expression after 'AND', found the end of the statement");
  EXPECT_EQ(GetErrorCode(st), ErrorCode::kParseError);
}

TEST(Lexer, ColonIsASymbolForStructFieldTypes) {
  const auto tokens = Tokens("STRUCT<a: INT>");
  ASSERT_EQ(tokens.size(), 7u);
  EXPECT_EQ(tokens[3].kind, TokenKind::kSymbol);
  EXPECT_EQ(tokens[3].text, ":");
  EXPECT_EQ(tokens[3].position, 9u);
}

}  // namespace
}  // namespace delta::expr_internal
