"""`deltactl sql`: Delta SQL statements over deltacpp's operations — exact rows, versions,
history entries, and parse errors with positions."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import deltactl as cli

pytestmark = [pytest.mark.group("sql"), pytest.mark.usefixtures("require_deltactl")]


def sql(*statements: str) -> list[dict]:
    proc = cli.check_ok(cli.run_deltactl(["sql", "; ".join(statements), "--json"]))
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def sql_error(statement: str) -> tuple[str, str]:
    proc = cli.run_deltactl(["sql", statement])
    assert proc.returncode == 1, proc.stdout
    err = cli.parse_error(proc.stderr)
    return err.kind, err.message


@pytest.fixture
def table(tmp_path) -> str:
    t = tmp_path / "t"
    sql(f"CREATE TABLE delta.`{t}` (id BIGINT NOT NULL, name STRING, p STRING) USING DELTA PARTITIONED BY (p) "
        "TBLPROPERTIES ('delta.enableDeletionVectors' = 'true')",
        f"INSERT INTO delta.`{t}` VALUES (1, 'a', 'x'), (2, 'b', 'y'), (3, NULL, 'x')")
    return str(t)


def rows(t: str, extra: str = "") -> list[tuple]:
    return sorted((r["id"], r["name"], r["p"]) for r in sql(f"SELECT * FROM delta.`{t}` {extra}"))


def test_create_insert_select_count_and_time_travel(table):
    assert rows(table) == [(1, "a", "x"), (2, "b", "y"), (3, None, "x")]
    assert rows(table, "WHERE p = 'x' LIMIT 5") == [(1, "a", "x"), (3, None, "x")]
    assert sql(f"SELECT count(*) FROM delta.`{table}`") == [{"count(1)": 3}]
    assert sql(f"SELECT count(*) FROM delta.`{table}` WHERE name IS NULL") == [{"count(1)": 1}]
    assert sorted(r["id"] for r in sql(f"SELECT id FROM delta.`{table}`")) == [1, 2, 3]
    assert rows(table, "VERSION AS OF 0") == []
    detail = sql(f"DESCRIBE DETAIL delta.`{table}`")[0]
    assert (detail["format"], detail["partitionColumns"], detail["numFiles"], detail["version"]) == \
        ("delta", '["p"]', "2", "1")


def test_update_delete_and_history(table):
    assert sql(f"UPDATE delta.`{table}` AS t SET name = upper(t.name) WHERE t.id = 1") == [{"num_affected_rows": 1}]
    assert sql(f"DELETE FROM delta.`{table}` WHERE id = 2") == [{"num_affected_rows": 1}]
    assert rows(table) == [(1, "A", "x"), (3, None, "x")]
    history = sql(f"DESCRIBE HISTORY delta.`{table}`")
    assert [(h["version"], h["operation"]) for h in history] == \
        [(3, "DELETE"), (2, "UPDATE"), (1, "WRITE"), (0, "CREATE TABLE")]


def test_merge_into_from_a_csv_source(table, tmp_path):
    src = tmp_path / "src.csv"
    src.write_text("id,name,p\n1,z,x\n5,e,q\n")
    out = sql(f"MERGE INTO delta.`{table}` t USING csv.`{src}` s ON t.id = s.id "
              "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *")
    assert out == [{"num_affected_rows": 2, "num_updated_rows": 1, "num_deleted_rows": 0, "num_inserted_rows": 1}]
    assert rows(table) == [(1, "z", "x"), (2, "b", "y"), (3, None, "x"), (5, "e", "q")]


def test_merge_into_from_a_parquet_source_of_several_row_groups(table, tmp_path):
    """MERGE takes a Parquet source a row group at a time (the source is materialized anyway):
    row groups of uneven sizes, one holding a NULL key, each source row arrives exactly once."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    src_rows = ([{"id": 1, "name": "z", "p": "x"}, {"id": None, "name": "null key", "p": "x"}]
                + [{"id": 100 + i, "name": f"n{i}", "p": "q"} for i in range(150)])
    src = tmp_path / "src.parquet"
    schema = pa.schema([("id", pa.int64()), ("name", pa.string()), ("p", pa.string())])
    pq.write_table(pa.Table.from_pylist(src_rows, schema=schema), src, row_group_size=64)
    assert pq.ParquetFile(src).metadata.num_row_groups == 3  # 64, 64, 24 rows
    out = sql(f"MERGE INTO delta.`{table}` t USING parquet.`{src}` s ON t.id = s.id "
              "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED AND s.id IS NOT NULL THEN INSERT *")
    assert out == [{"num_affected_rows": 151, "num_updated_rows": 1, "num_deleted_rows": 0, "num_inserted_rows": 150}]
    assert rows(table) == ([(1, "z", "x"), (2, "b", "y"), (3, None, "x")]
                           + [(100 + i, f"n{i}", "q") for i in range(150)])


def test_insert_select_replace_where_and_overwrite(table, tmp_path):
    src = tmp_path / "src.json"
    src.write_text('{"id": 7, "name": "g", "p": "x"}\n{"id": 8, "name": "h", "p": "y"}\n')
    sql(f"INSERT INTO delta.`{table}` SELECT * FROM json.`{src}` WHERE p = 'y'")
    assert rows(table) == [(1, "a", "x"), (2, "b", "y"), (3, None, "x"), (8, "h", "y")]
    sql(f"INSERT INTO delta.`{table}` REPLACE WHERE p = 'x' SELECT * FROM json.`{src}` WHERE p = 'x'")
    assert rows(table) == [(2, "b", "y"), (7, "g", "x"), (8, "h", "y")]
    sql(f"INSERT OVERWRITE delta.`{table}` (id, p) VALUES (9, 'z')")
    assert rows(table) == [(9, None, "z")]


def test_restore_optimize_and_vacuum_statements(table):
    sql(f"DELETE FROM delta.`{table}` WHERE id = 2")
    assert sql(f"RESTORE TABLE delta.`{table}` TO VERSION AS OF 1")[0]["num_restored_files"] >= 1
    assert rows(table) == [(1, "a", "x"), (2, "b", "y"), (3, None, "x")]
    sql(f"INSERT INTO delta.`{table}` VALUES (4, 'd', 'x')")
    opt = sql(f"OPTIMIZE delta.`{table}` WHERE p = 'x' ZORDER BY (id)")[0]
    assert (opt["numFilesRemoved"], opt["numFilesAdded"]) == (2, 1)
    assert rows(table) == [(1, "a", "x"), (2, "b", "y"), (3, None, "x"), (4, "d", "x")]
    assert sql(f"VACUUM delta.`{table}` DRY RUN") == []  # nothing older than 7 days
    kind, message = sql_error(f"VACUUM delta.`{table}` RETAIN 0 HOURS")
    assert kind == "InvalidArgument" and "168 hours" in message


@pytest.mark.parametrize("statement, position, expected", [
    ("SELECT * FRM delta.`/x`", 10, "expected FROM after '*', found 'FRM'"),
    ("DELETE FROM delta.`/x` WHERE", 29, "expected a condition after 'WHERE', found the end of the statement"),
    ("UPDATE t SET a = 1", 8, "expected a table delta.`path` after 'UPDATE', found 't'"),
    ("MERGE INTO delta.`/x` t USING parquet.`/y` s ON t.id = s.id WHEN MATCHED UPDATE SET *", 74,
     "expected THEN after 'MATCHED', found 'UPDATE'"),
    ("DROP TABLE delta.`/x`", 1, "expected a statement"),
])
def test_parse_errors_give_the_position_and_what_was_expected(statement, position, expected):
    kind, message = sql_error(statement)
    assert kind == "ParseError"
    assert message.startswith(f"at position {position}: {expected}"), message


def test_unknown_table_is_named(tmp_path):
    kind, message = sql_error(f"SELECT * FROM delta.`{tmp_path / 'nope'}`")
    assert kind == "TableNotFound" and str(tmp_path / "nope") in message


def test_script_file_runs_statements_in_order(tmp_path):
    t = tmp_path / "t"
    script = tmp_path / "s.sql"
    script.write_text(f"-- a comment; not a statement\nCREATE TABLE delta.`{t}` (a INT) USING DELTA;\n"
                      f"INSERT INTO delta.`{t}` VALUES (1), (2);\nDELETE FROM delta.`{t}` WHERE a = 1;\n")
    cli.check_ok(cli.run_deltactl(["sql", "-f", script]))
    assert sql(f"SELECT * FROM delta.`{t}`") == [{"a": 2}]


# ---- ALTER TABLE ----

def log_state(t: str) -> tuple[list[dict], dict, dict]:
    """(schema fields, configuration, protocol) of the table's latest version, from its log."""
    metadata, protocol = None, None
    for f in sorted((Path(t) / "_delta_log").glob("*.json")):
        for line in f.read_text().splitlines():
            action = json.loads(line)
            metadata = action.get("metaData", metadata)
            protocol = action.get("protocol", protocol)
    return json.loads(metadata["schemaString"])["fields"], metadata["configuration"], protocol


def field(name: str, type_, metadata: dict | None = None, nullable: bool = True) -> dict:
    return {"name": name, "type": type_, "nullable": nullable, "metadata": metadata or {}}


def plain(fields: list[dict]) -> list[dict]:
    """Fields without column-mapping ids and physical names (those are random)."""
    out = []
    for f in fields:
        md = {k: v for k, v in f["metadata"].items() if not k.startswith("delta.columnMapping.")}
        t = f["type"]
        if isinstance(t, dict) and t.get("type") == "struct":
            t = {**t, "fields": plain(t["fields"])}
        out.append({**f, "metadata": md, "type": t})
    return out


def alter(statement: str) -> int:
    out = sql(statement)
    assert len(out) == 1 and list(out[0]) == ["version"], out
    return out[0]["version"]


@pytest.fixture
def small(tmp_path) -> str:
    t = tmp_path / "small"
    sql(f"CREATE TABLE delta.`{t}` (id BIGINT NOT NULL, s STRUCT<a: INT>, name STRING) USING DELTA",
        f"INSERT INTO delta.`{t}` VALUES (1, NULL, 'a'), (2, NULL, 'b')")
    return str(t)


def test_alter_add_columns_every_form(small):
    t = small
    assert alter(f"ALTER TABLE delta.`{t}` ADD COLUMNS (c STRING COMMENT 'a note', d DECIMAL(10,2))") == 2
    assert alter(f"alter table delta.`{t}` add column s.b ARRAY<STRING>") == 3
    assert alter(f"ALTER TABLE delta.`{t}` ADD COLUMNS e MAP<STRING, BIGINT>, f DATE") == 4
    assert alter(f"ALTER TABLE delta.`{t}` ADD COLUMN (g STRUCT<x: TIMESTAMP, y: BOOLEAN>, h DOUBLE, i INT)") == 5
    fields, _, _ = log_state(t)
    assert fields == [
        field("id", "long", nullable=False),
        field("s", {"type": "struct", "fields": [
            field("a", "integer"),
            field("b", {"type": "array", "elementType": "string", "containsNull": True})]}),
        field("name", "string"),
        field("c", "string", {"comment": "a note"}),
        field("d", "decimal(10,2)"),
        field("e", {"type": "map", "keyType": "string", "valueType": "long", "valueContainsNull": True}),
        field("f", "date"),
        field("g", {"type": "struct", "fields": [field("x", "timestamp"), field("y", "boolean")]}),
        field("h", "double"),
        field("i", "integer"),
    ]
    history = sql(f"DESCRIBE HISTORY delta.`{t}` LIMIT 4")
    assert [(h["version"], h["operation"]) for h in history] == [(v, "ADD COLUMNS") for v in (5, 4, 3, 2)]
    # Old rows read the new columns as NULL; new rows carry them.
    sql(f"INSERT INTO delta.`{t}` (id, name, d, i) VALUES (3, 'c', 1.25, 7)")
    got = sorted((r["id"], r["name"], r["d"], r["i"]) for r in sql(f"SELECT id, name, d, i FROM delta.`{t}`"))
    assert got == [(1, "a", None, None), (2, "b", None, None), (3, "c", 1.25, 7)]


def test_alter_rename_and_drop_columns_with_column_mapping(small):
    t = small
    assert alter(f"ALTER TABLE delta.`{t}` SET TBLPROPERTIES ('delta.columnMapping.mode' = 'name')") == 2
    assert alter(f"ALTER TABLE delta.`{t}` ADD COLUMNS (x INT, y INT, z INT)") == 3
    assert alter(f"ALTER TABLE delta.`{t}` RENAME COLUMN name TO label") == 4
    assert alter(f"ALTER TABLE delta.`{t}` DROP COLUMNS (x, z)") == 5
    assert alter(f"ALTER TABLE delta.`{t}` ADD COLUMNS (s.b INT, s.c INT)") == 6
    assert alter(f"ALTER TABLE delta.`{t}` RENAME COLUMN s.a TO a2") == 7
    assert alter(f"ALTER TABLE delta.`{t}` DROP COLUMN s.b") == 8
    fields, _, _ = log_state(t)
    assert plain(fields)[1] == field("s", {"type": "struct", "fields": [field("a2", "integer"), field("c", "integer")]})
    assert sql_error(f"ALTER TABLE delta.`{t}` RENAME COLUMN s.c TO A2") == \
        ("SchemaMismatch", f"column s.A2 already exists in {t}")
    assert sql_error(f"ALTER TABLE delta.`{t}` DROP COLUMN s.nope") == ("InvalidArgument", f"column s.nope is not in {t}")
    assert alter(f"ALTER TABLE delta.`{t}` DROP COLUMN s") == 9
    fields, config, protocol = log_state(t)
    assert plain(fields) == [field("id", "long", nullable=False), field("label", "string"), field("y", "integer")]
    # The renamed column keeps its physical name: existing files stay readable.
    assert fields[1]["metadata"]["delta.columnMapping.physicalName"] == "name"
    assert config["delta.columnMapping.mode"] == "name"
    assert (protocol["minReaderVersion"], protocol["minWriterVersion"]) == (2, 5)
    assert sorted((r["id"], r["label"], r["y"]) for r in sql(f"SELECT * FROM delta.`{t}`")) == \
        [(1, "a", None), (2, "b", None)]
    history = sql(f"DESCRIBE HISTORY delta.`{t}`")
    assert [(h["operation"], h["operationParameters"]) for h in history if h["version"] in (4, 5, 7, 8, 9)] == [
        ("DROP COLUMNS", '{"columns":"[\\"s\\"]"}'),
        ("DROP COLUMNS", '{"columns":"[\\"s.b\\"]"}'),
        ("RENAME COLUMN", '{"newColumnPath":"a2","oldColumnPath":"s.a"}'),
        ("DROP COLUMNS", '{"columns":"[\\"x\\",\\"z\\"]"}'),
        ("RENAME COLUMN", '{"newColumnPath":"label","oldColumnPath":"name"}'),
    ]


def test_alter_set_and_unset_tblproperties(small):
    t = small
    assert alter(f"ALTER TABLE delta.`{t}` SET TBLPROPERTIES ('k' = 'v', delta.logRetentionDuration = "
                 "'interval 60 days', n 10, flag = TRUE)") == 2
    assert log_state(t)[1] == {"k": "v", "delta.logRetentionDuration": "interval 60 days", "n": "10", "flag": "true"}
    assert alter(f"ALTER TABLE delta.`{t}` UNSET TBLPROPERTIES IF EXISTS ('k', 'missing', n)") == 3
    assert log_state(t)[1] == {"delta.logRetentionDuration": "interval 60 days", "flag": "true"}
    kind, message = sql_error(f"ALTER TABLE delta.`{t}` UNSET TBLPROPERTIES ('missing')")
    assert (kind, message) == ("InvalidArgument", f"table {t} has no property missing")
    assert sql(f"DESCRIBE DETAIL delta.`{t}`")[0]["version"] == "3"


def test_alter_add_and_drop_check_constraints(small):
    t = small
    assert alter(f"ALTER TABLE delta.`{t}` ADD CONSTRAINT id_positive CHECK (id > 0 AND id < 100)") == 2
    assert log_state(t)[1] == {"delta.constraints.id_positive": "id > 0 AND id < 100"}
    proc = cli.run_deltactl(["sql", f"INSERT INTO delta.`{t}` VALUES (0, NULL, 'z')"])
    assert cli.parse_error(proc.stderr).kind == "ConstraintViolation"
    kind, message = sql_error(f"ALTER TABLE delta.`{t}` ADD CONSTRAINT big CHECK (id > 1)")
    assert kind == "ConstraintViolation" and "existing rows violate it" in message
    assert alter(f"ALTER TABLE delta.`{t}` DROP CONSTRAINT id_positive") == 3
    assert log_state(t)[1] == {}
    kind, message = sql_error(f"ALTER TABLE delta.`{t}` DROP CONSTRAINT id_positive")
    assert (kind, message) == ("InvalidArgument", f"table {t} has no constraint id_positive")
    assert alter(f"ALTER TABLE delta.`{t}` DROP CONSTRAINT IF EXISTS id_positive") == 4


def test_alter_column_type_widening(small):
    t = small
    kind, message = sql_error(f"ALTER TABLE delta.`{t}` ALTER COLUMN s.a TYPE BIGINT")
    assert kind == "UnsupportedFeature" and "delta.enableTypeWidening" in message
    assert alter(f"ALTER TABLE delta.`{t}` SET TBLPROPERTIES ('delta.enableTypeWidening' = 'true')") == 2
    assert alter(f"ALTER TABLE delta.`{t}` ALTER COLUMN s.a TYPE BIGINT") == 3
    assert alter(f"ALTER TABLE delta.`{t}` CHANGE id TYPE DECIMAL(22, 2)") == 4
    fields, _, protocol = log_state(t)
    assert fields[0]["type"] == "decimal(22,2)"
    assert fields[1]["type"]["fields"][0]["type"] == "long"
    assert "typeWidening" in protocol["writerFeatures"]
    kind, message = sql_error(f"ALTER TABLE delta.`{t}` ALTER COLUMN name TYPE INT")
    assert (kind, message) == ("SchemaMismatch", "column name cannot change type from string to integer: "
                               "not a type widening the Delta protocol allows")
    assert sorted(r["id"] for r in sql(f"SELECT id FROM delta.`{t}`")) == [1.0, 2.0]


def test_alter_errors_name_the_column_and_the_missing_feature(small):
    t = small
    kind, message = sql_error(f"ALTER TABLE delta.`{t}` RENAME COLUMN name TO label")
    assert kind == "UnsupportedFeature"
    assert message.startswith(f"RENAME COLUMN needs column mapping on table {t}: enable it first"), message
    assert "SET TBLPROPERTIES ('delta.columnMapping.mode' = 'name')" in message
    kind, message = sql_error(f"ALTER TABLE delta.`{t}` DROP COLUMN name")
    assert kind == "UnsupportedFeature" and "needs column mapping" in message
    sql(f"ALTER TABLE delta.`{t}` SET TBLPROPERTIES ('delta.columnMapping.mode' = 'name')")
    assert sql_error(f"ALTER TABLE delta.`{t}` RENAME COLUMN nope TO x") == \
        ("InvalidArgument", f"column nope is not in {t}")
    assert sql_error(f"ALTER TABLE delta.`{t}` DROP COLUMNS (name, nope)") == \
        ("InvalidArgument", f"column nope is not in {t}")
    assert sql_error(f"ALTER TABLE delta.`{t}` ADD COLUMN nope.b INT") == \
        ("InvalidArgument", f"column nope does not exist in {t}")
    assert sql_error(f"ALTER TABLE delta.`{t}` ADD COLUMN name.b INT") == \
        ("InvalidArgument", "cannot add field name.b: name is not a struct")
    assert sql_error(f"ALTER TABLE delta.`{t}` ADD COLUMN NAME STRING") == \
        ("SchemaMismatch", f"column NAME already exists in {t}")
    # Nothing was committed by the failures (DROP COLUMNS (name, nope) dropped nothing).
    assert sql(f"DESCRIBE DETAIL delta.`{t}`")[0]["version"] == "2"
    assert [f["name"] for f in log_state(t)[0]] == ["id", "s", "name"]


def test_alter_refuses_to_rename_or_drop_a_column_a_check_constraint_reads(small):
    t = small
    sql(f"ALTER TABLE delta.`{t}` SET TBLPROPERTIES ('delta.columnMapping.mode' = 'name')",
        f"ALTER TABLE delta.`{t}` ADD CONSTRAINT short_name CHECK (length(name) < 10)",
        f"ALTER TABLE delta.`{t}` ADD CONSTRAINT small_a CHECK (s.a IS NULL OR s.a < 5)")
    assert sql_error(f"ALTER TABLE delta.`{t}` RENAME COLUMN name TO label") == \
        ("UnsupportedFeature", "cannot rename column name: check constraint short_name (length(name) < 10) uses it "
                               "(drop that first)")
    kind, message = sql_error(f"ALTER TABLE delta.`{t}` DROP COLUMN s")
    assert kind == "UnsupportedFeature" and message.startswith("cannot drop column s: check constraint small_a")
    assert sql(f"DESCRIBE DETAIL delta.`{t}`")[0]["version"] == "4"
    sql(f"ALTER TABLE delta.`{t}` DROP CONSTRAINT short_name")
    assert alter(f"ALTER TABLE delta.`{t}` RENAME COLUMN name TO label") == 6


# `at` marks where the error points: the position of its first occurrence in the statement (or
# the end of the statement when it is "").
@pytest.mark.parametrize("tail, at, expected", [
    ("ADD COLUMNS (c INTEGR)", "INTEGR",
     "expected a type name (e.g. BIGINT, STRING, DECIMAL(10,2)) after 'c', not 'INTEGR'"),
    ("ADD COLUMNS (c ARRAY<INT)", ")", "expected '>' after 'INT', found ')'"),
    ("ADD COLUMNS (c INT", "", "expected ')' after 'INT', found the end of the statement"),
    ("ADD COLUMNS (c)", ")", "expected a type for column c after 'c', found ')'"),
    ("ADD COLUMNS (c INT FIRST)", "FIRST", "expected the end of the column definition after 'INT', found 'FIRST'"),
    ("ADD COLUMNS (c STRUCT<x INT, y BIGINT>, d INT COMMENT)", ")",
     "expected a quoted comment after 'COMMENT', found ')'"),
    ("ADD c INT", "c INT", "expected COLUMN, COLUMNS or CONSTRAINT after 'ADD', found 'c'"),
    ("RENAME COLUMN a b", "b", "expected TO after 'a', found 'b'"),
    ("SET TBLPROPERTIES ('k' = )", ")",
     "expected a property value (a string, number, TRUE or FALSE) for 'k' after '=', found ')'"),
    ("UNSET TBLPROPERTIES IF ('k')", "(", "expected EXISTS after 'IF', found '('"),
    ("ADD CONSTRAINT c CHECK (a >)", ")", "expected an expression after '>', found ')'"),
    ("ALTER COLUMN a TYPE BIGINT NOT NULL", "NOT", "expected the end of the type after 'BIGINT', found 'NOT'"),
    ("ALTER COLUMN a SET NOT NULL", "SET", "expected TYPE after 'a', found 'SET'"),
    ("REPLACE COLUMNS (a INT)", "REPLACE",
     "expected ADD, DROP, RENAME COLUMN, SET TBLPROPERTIES, UNSET TBLPROPERTIES, ALTER COLUMN or CHANGE COLUMN "
     "after '`/x`', found 'REPLACE'"),
])
def test_alter_parse_errors_give_the_position(tail, at, expected):
    statement = f"ALTER TABLE delta.`/x` {tail}"
    position = (statement.index(at, len("ALTER TABLE delta.`/x` ")) if at else len(statement)) + 1
    kind, message = sql_error(statement)
    assert kind == "ParseError"
    assert message == f"at position {position}: {expected}"


@pytest.mark.slow
def test_spark_reads_the_table_after_add_columns_and_rename_with_column_mapping(spark, small):
    t = small
    sql(f"ALTER TABLE delta.`{t}` SET TBLPROPERTIES ('delta.columnMapping.mode' = 'name')",
        f"ALTER TABLE delta.`{t}` ADD COLUMNS (c STRING COMMENT 'new', s.b INT)",
        f"INSERT INTO delta.`{t}` (id, name, c) VALUES (3, 'c', 'x')",
        f"ALTER TABLE delta.`{t}` RENAME COLUMN name TO label",
        f"ALTER TABLE delta.`{t}` RENAME COLUMN c TO note",
        f"ALTER TABLE delta.`{t}` RENAME COLUMN s.a TO first",
        f"INSERT INTO delta.`{t}` (id, label, note) VALUES (4, 'd', 'y')")
    df = spark.read.format("delta").load(t)
    assert [(f.name, f.dataType.simpleString()) for f in df.schema.fields] == [
        ("id", "bigint"), ("s", "struct<first:int,b:int>"), ("label", "string"), ("note", "string")]
    assert df.schema["note"].metadata.get("comment") == "new"
    got = sorted((r.id, r.s, r.label, r.note) for r in df.collect())
    assert got == [(1, None, "a", None), (2, None, "b", None), (3, None, "c", "x"), (4, None, "d", "y")]
    assert [r.version for r in spark.sql(f"DESCRIBE HISTORY delta.`{t}`").collect()][0] == 8
