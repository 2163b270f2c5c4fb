"""Generated columns (PROTOCOL.md "Generated Columns") on deltacpp's write path.

`deltactl create --schema "... d DATE GENERATED ALWAYS AS (CAST(ts AS DATE))"` records the
expression in the field metadata `delta.generationExpression` and the generatedColumns writer
feature in the protocol. Every write computes a generated column the input lacks and checks one
it provides (`(value <=> expression) IS TRUE`, else ConstraintViolation naming the column, the
expression and a row); an expression deltacpp cannot evaluate refuses the write with
UnsupportedFeature. Interop: Spark and delta-rs read our tables, Spark appends to them with its
own generated values, and we append to Spark's generated-column tables computing exactly the
values Spark computes for the same input rows.
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from helpers import deltactl as cli
from helpers.compare import assert_same_rows, canonical_rows
from helpers.writing import create, create_args, expect_error, write, write_args, write_input

pytestmark = [pytest.mark.group("write: generated columns"),
              pytest.mark.usefixtures("require_deltactl")]

UTC = dt.timezone.utc
SCHEMA = ("id BIGINT, ts TIMESTAMP, d DATE GENERATED ALWAYS AS (CAST(ts AS DATE)), "
          "y INT GENERATED ALWAYS AS (year(ts)), "
          "tag STRING GENERATED ALWAYS AS (concat('id-', CAST(id AS STRING)))")
NAMES = ["id", "ts", "d", "y", "tag"]


def canon(names, rows) -> list[tuple]:
    """Expected rows in helpers/compare.py's canonical form (types inferred by pyarrow)."""
    return canonical_rows(pa.Table.from_pylist([dict(zip(names, r)) for r in rows]))


def base_rows(ids, tss) -> pa.Table:
    return pa.table({"id": pa.array(ids, pa.int64()),
                     "ts": pa.array(tss, pa.timestamp("us", tz="UTC"))})


def schema_json(path) -> dict:
    return cli.info_json(path)["schema"]


@pytest.fixture
def table(tmp_path):
    path = tmp_path / "t"
    assert create(path, SCHEMA)["version"] == 0
    return path


T1 = dt.datetime(2024, 3, 5, 23, 59, 59, 999999, tzinfo=UTC)
T2 = dt.datetime(1999, 12, 31, 0, 0, tzinfo=UTC)
ROWS_12 = [(1, T1, dt.date(2024, 3, 5), 2024, "id-1"),
           (2, T2, dt.date(1999, 12, 31), 1999, "id-2")]


# ------------------------------------------------------------------ create

def test_create_records_expressions_and_writer_version_4(table):
    info = cli.info_json(table)
    assert info["protocol"] == {"minReaderVersion": 1, "minWriterVersion": 4}
    fields = {f["name"]: f for f in info["schema"]["fields"]}
    assert fields["d"]["metadata"] == {"delta.generationExpression": "CAST(ts AS DATE)"}
    assert fields["y"]["metadata"] == {"delta.generationExpression": "year(ts)"}
    assert fields["tag"]["metadata"] == {
        "delta.generationExpression": "concat('id-', CAST(id AS STRING))"}
    assert fields["id"]["metadata"] == {}


def test_create_with_table_features_lists_generated_columns(tmp_path):
    path = tmp_path / "t"
    create(path, "n TIMESTAMP_NTZ, d DATE GENERATED ALWAYS AS (CAST(n AS DATE))")
    p = cli.info_json(path)["protocol"]
    assert (p["minReaderVersion"], p["minWriterVersion"]) == (3, 7)
    assert "generatedColumns" in p["writerFeatures"]
    assert "generatedColumns" not in p["readerFeatures"]


def test_expression_with_parentheses_and_quotes_in_ddl(tmp_path):
    path = tmp_path / "t"
    create(path, "s STRING, t STRING GENERATED ALWAYS AS (concat(upper(s), ')(', 'x''y')) "
                 "COMMENT 'c', n INT")
    fields = {f["name"]: f for f in schema_json(path)["fields"]}
    assert fields["t"]["metadata"] == {
        "delta.generationExpression": "concat(upper(s), ')(', 'x''y')", "comment": "c"}
    write(path, pa.table({"s": ["ab", None], "n": pa.array([1, 2], pa.int32())}),
          tmp_path / "in")
    assert_same_rows(cli.read_cat(path), ["s", "t", "n"],
                     [("ab", "AB)(x'y", 1), (None, None, 2)])


@pytest.mark.parametrize("schema,kind,message", [
    ("a INT, b INT GENERATED ALWAYS AS (c + 1)", "InvalidArgument",
     "generated column b (c + 1) refers to column c, which is not in the table"),
    ("a INT, b INT GENERATED ALWAYS AS (a + 1), c INT GENERATED ALWAYS AS (b + 1)",
     "InvalidArgument",
     "generated column c (b + 1) refers to generated column b; a generation expression may "
     "only use non-generated columns"),
    ("a INT, b INT GENERATED ALWAYS AS (a +)", "ParseError",
     "generated column b (a +): the expression does not parse"),
    ("a INT, b STRING GENERATED ALWAYS AS (sha2(CAST(a AS STRING), 256))", "UnsupportedFeature",
     "generated column b (sha2(CAST(a AS STRING), 256)): deltacpp cannot evaluate the "
     "expression: unknown function 'sha2'"),
    ("a BIGINT, b INT GENERATED ALWAYS AS (a * 2)", "InvalidArgument",
     "generated column b (a * 2): the expression has type long but the column is integer"),
    ("a INT, b INT GENERATED ALWAYS AS (a", "ParseError", "')' closing the expression"),
])
def test_create_refuses_bad_generation_expressions(tmp_path, schema, kind, message):
    path = tmp_path / "t"
    expect_error(create_args(path, schema), kind, message)
    assert not (path / "_delta_log").exists() or not any((path / "_delta_log").glob("*.json"))


def test_add_columns_refuses_a_generated_column(table):
    expect_error(["alter", table, "add-columns", "m INT GENERATED ALWAYS AS (month(ts))"],
                 "UnsupportedFeature", "cannot add generated column m to an existing table")


# ------------------------------------------------------------------ write

@pytest.mark.parametrize("fmt", ["parquet", "csv", "json"])
def test_absent_generated_columns_are_computed(table, tmp_path, fmt):
    write(table, base_rows([1, 2], [T1, T2]), tmp_path / "in", fmt)
    assert_same_rows(cli.read_cat(table), NAMES, canon(NAMES, ROWS_12))


def test_null_source_gives_null_generated_value(table, tmp_path):
    write(table, base_rows([3], [None]), tmp_path / "in")
    assert_same_rows(cli.read_cat(table), NAMES, canon(NAMES, [(3, None, None, None, "id-3")]))


def test_provided_values_that_match_are_accepted(table, tmp_path):
    data = base_rows([1, 2], [T1, T2]).append_column(
        "d", pa.array([dt.date(2024, 3, 5), dt.date(1999, 12, 31)], pa.date32())).append_column(
        "y", pa.array([2024, 1999], pa.int32()))
    write(table, data, tmp_path / "in")
    assert_same_rows(cli.read_cat(table), NAMES, canon(NAMES, ROWS_12))


def test_provided_null_matches_a_null_expression(table, tmp_path):
    data = base_rows([4], [None]).append_column("d", pa.array([None], pa.date32()))
    write(table, data, tmp_path / "in")
    assert_same_rows(cli.read_cat(table), NAMES, canon(NAMES, [(4, None, None, None, "id-4")]))


@pytest.mark.parametrize("d", [dt.date(2024, 3, 6), None])
def test_provided_value_that_differs_is_a_constraint_violation(table, tmp_path, d):
    write(table, base_rows([1], [T2]), tmp_path / "ok")
    data = base_rows([1, 2], [T2, T1]).append_column(
        "d", pa.array([dt.date(1999, 12, 31), d], pa.date32()))
    err = expect_error(write_args(table, [write_input(data, tmp_path / "in")]),
                       "ConstraintViolation")
    assert err.message == (
        "generated column d (CAST(ts AS DATE)) does not match its expression in row "
        '{"id":2,"ts":"2024-03-05T23:59:59.999999Z","d":' + ('"2024-03-06"' if d else "null") + "}")
    assert cli.info_json(table)["version"] == 1
    assert canonical_rows(cli.read_cat(table)) == canon(NAMES, [(1, T2, dt.date(1999, 12, 31), 1999, "id-1")])


def test_not_null_generated_column_with_null_expression_is_refused(tmp_path):
    path = tmp_path / "t"
    create(path, "s STRING, u STRING NOT NULL GENERATED ALWAYS AS (upper(s))")
    expect_error(write_args(path, [write_input(pa.table({"s": ["a", None]}), tmp_path / "in")]),
                 "ConstraintViolation",
                 "generated column u (upper(s)) is NOT NULL but its expression is NULL for row")
    write(path, pa.table({"s": ["a"]}), tmp_path / "in2")
    assert_same_rows(cli.read_cat(path), ["s", "u"], [("a", "A")])


def test_partitioned_by_a_generated_column(tmp_path):
    path = tmp_path / "t"
    create(path, "ts TIMESTAMP, v INT, d DATE GENERATED ALWAYS AS (CAST(ts AS DATE))",
           partition_by=["d"])
    write(path, pa.table({"ts": pa.array([T1, T2, T1], pa.timestamp("us", tz="UTC")),
                          "v": pa.array([1, 2, 3], pa.int32())}), tmp_path / "in")
    assert sorted(p.name for p in path.iterdir() if p.name.startswith("d=")) == \
        ["d=1999-12-31", "d=2024-03-05"]
    assert_same_rows(cli.read_cat(path, where="d = DATE '2024-03-05'"), ["ts", "v", "d"],
                     canon(["ts", "v", "d"], [(T1, 1, dt.date(2024, 3, 5)), (T1, 3, dt.date(2024, 3, 5))]))


# Spark semantics of the functions generation expressions commonly use (session time zone UTC).
SPARK_EXPRESSIONS = {
    "g_date": ("DATE", "CAST(ts AS DATE)"),
    "g_to_date": ("DATE", "to_date(ntz)"),
    "g_year": ("INT", "year(ts)"),
    "g_month": ("INT", "month(ts)"),
    "g_day": ("INT", "day(ts)"),
    "g_dayofmonth": ("INT", "dayofmonth(ntz)"),
    "g_hour": ("INT", "hour(ts)"),
    "g_fmt": ("STRING", "date_format(ts, 'yyyy-MM-dd HH:mm')"),
    "g_fmt_ntz": ("STRING", "date_format(ntz, 'EEE dd/MM/yy')"),
    "g_sub": ("STRING", "substring(s, 2, 3)"),
    "g_sub_neg": ("STRING", "substr(s, -2)"),
    "g_concat": ("STRING", "concat(lower(s), '_', upper(s))"),
    "g_ts_text": ("STRING", "CAST(ts AS STRING)"),
    "g_int": ("INT", "CAST(x AS INT)"),
    "g_dec": ("DECIMAL(6,1)", "CAST(dec AS DECIMAL(6,1))"),
    "g_dec_int": ("BIGINT", "CAST(dec AS BIGINT)"),
    "g_ntz": ("TIMESTAMP_NTZ", "CAST(ts AS TIMESTAMP_NTZ)"),
}
SPARK_BASE = "ts TIMESTAMP, ntz TIMESTAMP_NTZ, s STRING, x DOUBLE, dec DECIMAL(6,3)"
SPARK_DDL = SPARK_BASE + "".join(f", {n} {t} GENERATED ALWAYS AS ({e})"
                                 for n, (t, e) in SPARK_EXPRESSIONS.items())


def spark_base_rows() -> pa.Table:
    return pa.table({
        "ts": pa.array([dt.datetime(2024, 3, 5, 10, 11, 12, 120000, tzinfo=UTC),
                        dt.datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC), None],
                       pa.timestamp("us", tz="UTC")),
        "ntz": pa.array([dt.datetime(2024, 3, 5, 23, 0, 0, 1), dt.datetime(2000, 1, 1), None],
                        pa.timestamp("us")),
        "s": ["Hello", "ab", None],
        "x": pa.array([-2.7, 2.7, None], pa.float64()),
        "dec": pa.array([Decimal("-1.250"), Decimal("1.249"), None], pa.decimal128(6, 3)),
    })


SPARK_EXPECTED = [
    (dt.date(2024, 3, 5), dt.date(2024, 3, 5), 2024, 3, 5, 5, 10, "2024-03-05 10:11",
     "Tue 05/03/24", "ell", "lo", "hello_HELLO", "2024-03-05 10:11:12.12", -2, Decimal("-1.3"), -1,
     dt.datetime(2024, 3, 5, 10, 11, 12, 120000)),
    (dt.date(1999, 12, 31), dt.date(2000, 1, 1), 1999, 12, 31, 1, 23, "1999-12-31 23:59",
     "Sat 01/01/00", "b", "ab", "ab_AB", "1999-12-31 23:59:59", 2, Decimal("1.2"), 1,
     dt.datetime(1999, 12, 31, 23, 59, 59)),
    (None,) * 17,
]


def test_common_functions_follow_spark_semantics(tmp_path):
    path = tmp_path / "t"
    create(path, SPARK_DDL)
    write(path, spark_base_rows(), tmp_path / "in")
    got = cli.read_cat(path, columns=list(SPARK_EXPRESSIONS))
    assert_same_rows(got, list(SPARK_EXPRESSIONS), canon(list(SPARK_EXPRESSIONS), SPARK_EXPECTED))


def _commit(path: Path, version: int, actions: list[dict]) -> None:
    log = path / "_delta_log"
    log.mkdir(parents=True, exist_ok=True)
    (log / f"{version:020d}.json").write_text("".join(json.dumps(a) + "\n" for a in actions))


def test_write_refuses_an_expression_deltacpp_cannot_evaluate(tmp_path):
    # A table another engine created with an expression outside deltacpp's language.
    path = tmp_path / "t"
    schema = {"type": "struct", "fields": [
        {"name": "s", "type": "string", "nullable": True, "metadata": {}},
        {"name": "h", "type": "string", "nullable": True,
         "metadata": {"delta.generationExpression": "md5(s)"}}]}
    _commit(path, 0, [
        {"protocol": {"minReaderVersion": 1, "minWriterVersion": 4}},
        {"metaData": {"id": "x", "format": {"provider": "parquet", "options": {}},
                      "schemaString": json.dumps(schema), "partitionColumns": [],
                      "configuration": {}, "createdTime": 0}}])
    expect_error(write_args(path, [write_input(pa.table({"s": ["a"]}), tmp_path / "in")]),
                 "UnsupportedFeature",
                 "generated column h (md5(s)): deltacpp cannot evaluate the expression")
    # Even when the value is provided: it cannot be checked.
    expect_error(write_args(path, [write_input(pa.table({"s": ["a"], "h": ["x"]}),
                                               tmp_path / "in2")]),
                 "UnsupportedFeature", "generated column h (md5(s))")
    assert cli.info_json(path)["version"] == 0
    assert not list(path.glob("*.parquet"))


def test_expression_is_ignored_below_writer_version_4(tmp_path):
    # Without the generatedColumns feature the metadata is not a generated column (protocol).
    path = tmp_path / "t"
    schema = {"type": "struct", "fields": [
        {"name": "s", "type": "string", "nullable": True, "metadata": {}},
        {"name": "u", "type": "string", "nullable": True,
         "metadata": {"delta.generationExpression": "upper(s)"}}]}
    _commit(path, 0, [
        {"protocol": {"minReaderVersion": 1, "minWriterVersion": 2}},
        {"metaData": {"id": "x", "format": {"provider": "parquet", "options": {}},
                      "schemaString": json.dumps(schema), "partitionColumns": [],
                      "configuration": {}, "createdTime": 0}}])
    write(path, pa.table({"s": ["a"], "u": ["zzz"]}), tmp_path / "in")
    assert_same_rows(cli.read_cat(path), ["s", "u"], [("a", "zzz")])


# ------------------------------------------------------------------ interop

def _deltars_rows(path) -> list[tuple]:
    deltalake = pytest.importorskip("deltalake")
    return canonical_rows(deltalake.DeltaTable(str(path)).to_pyarrow_table())


def test_deltars_reads_our_generated_table(table, tmp_path):
    write(table, base_rows([1, 2], [T1, T2]), tmp_path / "in")
    assert sorted(_deltars_rows(table), key=repr) == sorted(canon(NAMES, ROWS_12), key=repr)


@pytest.mark.spark
@pytest.mark.spark_smoke
@pytest.mark.slow
def test_spark_reads_and_appends_to_our_generated_table(spark, table, tmp_path):
    from helpers.spark import spark_read
    write(table, base_rows([1, 2], [T1, T2]), tmp_path / "in")
    assert_same_rows(spark_read(spark, str(table)), NAMES, canon(NAMES, ROWS_12),
                     "Spark reads our rows")
    # Spark computes the generated values of its own rows from our expressions.
    spark.sql(f"INSERT INTO delta.`{table}` (id, ts) VALUES "
              "(5, TIMESTAMP '2030-07-08 09:10:11'), (6, NULL)")
    # Spark also enforces our expression on provided values.
    with pytest.raises(Exception, match="(?i)generat|constraint|CHECK"):
        spark.sql(f"INSERT INTO delta.`{table}` (id, ts, d) VALUES "
                  "(7, TIMESTAMP '2030-07-08 09:10:11', DATE '2000-01-01')")
    expected = ROWS_12 + [
        (5, dt.datetime(2030, 7, 8, 9, 10, 11, tzinfo=UTC), dt.date(2030, 7, 8), 2030, "id-5"),
        (6, None, None, None, "id-6")]
    assert_same_rows(cli.read_cat(table), NAMES, canon(NAMES, expected),
                     "deltactl reads Spark's appends")
    assert sorted(_deltars_rows(table), key=repr) == sorted(canon(NAMES, expected), key=repr)
    # And we append after Spark.
    write(table, base_rows([8], [T2]), tmp_path / "in2")
    assert_same_rows(spark_read(spark, str(table)), NAMES,
                     canon(NAMES, expected + [(8, T2, dt.date(1999, 12, 31), 1999, "id-8")]))


@pytest.mark.spark
@pytest.mark.spark_smoke
@pytest.mark.slow
def test_we_append_to_a_spark_generated_table_with_sparks_values(spark, tmp_path):
    from helpers.spark import spark_read
    path = tmp_path / "spark_gen"
    # Spark's SQL DDL refuses generated columns on path tables: the DeltaTable builder.
    from delta.tables import DeltaTable
    builder = DeltaTable.create(spark).location(str(path)).addColumn("src", "STRING")
    for col in SPARK_BASE.split(", "):
        name, typ = col.split(" ")
        builder = builder.addColumn(name, typ)
    for name, (typ, expr) in SPARK_EXPRESSIONS.items():
        builder = builder.addColumn(name, typ, generatedAlwaysAs=expr)
    builder.execute()
    base = spark_base_rows()
    spark.createDataFrame(
        [tuple(r.values()) for r in base.append_column("src", pa.array(["spark"] * 3)).to_pylist()],
        schema="ts TIMESTAMP, ntz TIMESTAMP_NTZ, s STRING, x DOUBLE, dec DECIMAL(6,3), "
               "src STRING").write.format("delta").mode("append").save(str(path))
    write(path, base.append_column("src", pa.array(["deltacpp"] * 3)), tmp_path / "in")
    cols = ["src", "ts", "ntz", "s", "x", "dec"] + list(SPARK_EXPRESSIONS)
    got = spark_read(spark, str(path)).select(cols)
    rows = canonical_rows(got)
    by_src = {src: sorted((r[1:] for r in rows if r[0] == src), key=repr)
              for src in ("spark", "deltacpp")}
    assert len(by_src["spark"]) == 3 and by_src["spark"] == by_src["deltacpp"], \
        f"Spark's generated values differ from ours:\n{by_src}"
    generated = sorted((r[6:] for r in rows if r[0] == "deltacpp"), key=repr)
    assert generated == sorted(canon(list(SPARK_EXPRESSIONS), SPARK_EXPECTED), key=repr)
    assert sorted(_deltars_rows(path), key=repr) == sorted(canonical_rows(
        cli.read_cat(path)), key=repr)
