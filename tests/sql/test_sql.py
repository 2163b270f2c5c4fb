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
