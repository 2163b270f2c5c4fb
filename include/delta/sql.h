// Delta SQL: the statements Spark's Delta Lake users type, run over deltacpp's operations.
//
// Tables are named delta.`path-or-URI`; sources of INSERT ... SELECT and MERGE ... USING are
// delta.`path`, parquet.`file`, csv.`file` or json.`file`. Statements:
//   SELECT * | count(*) | col, ... FROM <table or source> [VERSION AS OF n | TIMESTAMP AS OF 'ts']
//          [WHERE cond] [LIMIT n]
//   INSERT INTO | INSERT OVERWRITE <table> [(col, ...)] VALUES (...), ... | SELECT * FROM <source>
//          [WHERE cond];  INSERT INTO <table> REPLACE WHERE cond SELECT * FROM <source>
//   DELETE FROM <table> [[AS] t] [WHERE cond]
//   UPDATE <table> [[AS] t] SET col = expr, ... [WHERE cond]
//   MERGE INTO <table> [AS] t USING <source> [AS] s ON cond WHEN ... (Spark's clauses)
//   CREATE TABLE [IF NOT EXISTS] <table> (col TYPE ..., ...) USING DELTA [PARTITIONED BY (c, ...)]
//          [TBLPROPERTIES ('k' = 'v', ...)]
//   ALTER TABLE <table> ADD COLUMN[S] [(]col TYPE [COMMENT 'c'], ...[)]   (col may be a.b: a field
//          of struct a; types as CREATE TABLE takes them)
//        | DROP COLUMN[S] [(]col, ...[)] | RENAME COLUMN col TO name
//        | SET TBLPROPERTIES ('k' = 'v', ...) | UNSET TBLPROPERTIES [IF EXISTS] ('k', ...)
//        | ADD CONSTRAINT name CHECK (cond) | DROP CONSTRAINT [IF EXISTS] name
//        | ALTER | CHANGE [COLUMN] col TYPE type   (type widening)
//          each returns one row: the committed version.
//   DESCRIBE HISTORY <table> [LIMIT n];  DESCRIBE DETAIL <table>
//   RESTORE [TABLE] <table> TO VERSION AS OF n | TIMESTAMP AS OF 'ts'
//   OPTIMIZE <table> [WHERE partition-cond] [ZORDER BY (col, ...)]
//   VACUUM <table> [RETAIN n HOURS] [DRY RUN] [LITE | FULL]
// Keywords are case-insensitive. Errors are kParseError "at position N: expected X after
// 'prev', found 'cur'" with N the character position in the statement.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>
#include <arrow/table.h>

namespace delta::sql {

/// What a statement returned: rows (SELECT, DESCRIBE) or Spark's one-row metrics table (DML,
/// OPTIMIZE, VACUUM, RESTORE); one row {version} for ALTER TABLE; an empty table for CREATE.
struct StatementResult {
  std::string statement;  ///< "SELECT", "MERGE", ...
  std::shared_ptr<arrow::Table> rows;
};

/// How a statement consumes a file source.
enum class SourceUse {
  kStream,       ///< batch by batch (INSERT, SELECT): small batches bound the memory
  kMaterialize,  ///< wholly before anything else runs (MERGE's source): big batches cost no memory
};

struct SqlOptions {
  /// Opens a parquet / csv / json source file as a stream (`format` is "parquet", "csv" or
  /// "json"; `hint` the target table's schema, for typing text formats, or null; `use` lets
  /// the reader pick its batch size). Sources of those formats need it; delta.`path` sources
  /// are read with deltacpp's own scan.
  std::function<arrow::Result<std::shared_ptr<arrow::RecordBatchReader>>(
      const std::string& format, const std::string& path, const std::shared_ptr<arrow::Schema>& hint,
      SourceUse use)>
      open_source;
};

/// Splits a script into statements at ';' outside strings, back-quoted names and comments
/// (-- to end of line); blank statements are dropped.
std::vector<std::string> SplitStatements(std::string_view script);

/// Parses and runs one statement.
arrow::Result<StatementResult> Execute(std::string_view statement, const SqlOptions& options = {});

}  // namespace delta::sql
