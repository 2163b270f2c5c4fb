"""Tables written by deltacpp (`deltactl create` / `deltactl write`) read by delta-rs and Spark,
and tables created by delta-rs and Spark appended to by deltacpp.

Each table builder writes a table with deltactl and returns, for each version worth reading,
the exact rows that version holds (an Arrow table in the table's column order). Then
  deltars[<table>]  `DeltaTable(path, version=v).to_pyarrow_table()` equals them at each
                    version (and `deltactl cat --version v` too);
  spark[<table>]    `spark.read.format("delta").option("versionAsOf", v).load(path)` equals
                    them; DESCRIBE HISTORY lists our versions.
Rows are compared as multisets (helpers/compare.py). The Spark smoke subset (plain,
partitioned with odd characters, nested, column mapping) runs by default, the other Spark
tables with --runslow.

Inputs are CSV or JSON lines typed by the table schema, and Parquet for the table with maps
(which CSV and JSON cannot carry).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Callable

import pyarrow as pa
import pytest

from helpers import deltactl as cli
from helpers.compare import assert_tables_equal, canonical_rows, table_from_batches
from helpers.writing import create, write

deltalake = pytest.importorskip("deltalake")
from deltalake import DeltaTable, write_deltalake  # noqa: E402

pytestmark = [pytest.mark.group("write: interop"), pytest.mark.usefixtures("require_deltactl")]

UTC = dt.timezone.utc

# ------------------------------------------------------------------ table builders
# A builder gets (path, scratch folder) and returns {version: expected rows}.

Expected = dict[int, pa.Table]
TABLES: dict[str, Callable[[Path, Path], Expected]] = {}
SPARK_SMOKE = {"plain", "partitioned_odd_strings", "nested", "column_mapping_name"}
# tables that run into a known deltacpp bug (the mark says which)
KNOWN_BUGS: dict[str, pytest.MarkDecorator] = {}
# tables delta-rs's pyarrow reader cannot read (a delta-rs limitation): read them with
# delta-rs's DataFusion engine (QueryBuilder) instead
DELTARS_VIA_SQL: set[str] = set()
# tables delta-rs cannot read at all (its bug, the value says which): only deltactl cat and
# Spark check them
DELTARS_CANNOT_READ: dict[str, str] = {}


def table(name: str):
    def deco(fn):
        TABLES[name] = fn
        return fn
    return deco


def empty_like(t: pa.Table) -> pa.Table:
    return t.schema.empty_table()


def concat(*tables: pa.Table) -> pa.Table:
    return pa.concat_tables(tables)


@table("plain")
def _plain(path: Path, tmp: Path) -> Expected:
    create(path, "id BIGINT NOT NULL, name STRING, x DOUBLE, ok BOOLEAN")

    def rows(ids):
        return pa.table({"id": pa.array(ids, pa.int64()),
                         "name": pa.array([f"n{i}" if i % 3 else None for i in ids]),
                         "x": pa.array([i * 1.25 for i in ids], pa.float64()),
                         "ok": pa.array([i % 2 == 0 for i in ids])})
    a, b = rows(range(0, 5)), rows(range(5, 8))
    assert write(path, a, tmp, "json")["version"] == 1
    assert write(path, b, tmp, "csv")["version"] == 2
    return {0: empty_like(a), 1: a, 2: concat(a, b)}


ODD_STRINGS = ["a b", "x=y", "p/q", "100%", "ünï©ødé", "hash#", "plus+", "colon:x", "  lead",
               "quote'", "semi;colon", "a%2Fb", None, "plain", "日本語", "tab\there"]


@table("partitioned_odd_strings")
def _partitioned_odd_strings(path: Path, tmp: Path) -> Expected:
    create(path, "id BIGINT, s STRING, i INT, v DOUBLE", partition_by=["s", "i"])
    n = len(ODD_STRINGS)
    a = pa.table({"id": pa.array(range(n), pa.int64()),
                  "s": pa.array(ODD_STRINGS, pa.string()),
                  "i": pa.array([(k % 4) - 1 if k % 5 else None for k in range(n)], pa.int32()),
                  "v": pa.array([k + 0.5 for k in range(n)])})
    b = pa.table({"id": pa.array([100, 101, 102], pa.int64()),
                  "s": pa.array(["x=y", None, "new value"], pa.string()),
                  "i": pa.array([7, None, 0], pa.int32()),
                  "v": pa.array([1.0, 2.0, 3.0])})
    assert write(path, a, tmp, "csv")["version"] == 1
    assert write(path, b, tmp, "json")["version"] == 2
    return {1: a, 2: concat(a, b)}


@table("partitioned_typed")
def _partitioned_typed(path: Path, tmp: Path) -> Expected:
    create(path, "id BIGINT, d DATE, ts TIMESTAMP, b BOOLEAN, dec DECIMAL(10,2), v STRING",
           partition_by=["d", "ts", "b", "dec"])
    a = pa.table({
        "id": pa.array([1, 2, 3, 4, 5], pa.int64()),
        "d": pa.array([dt.date(2020, 1, 1), dt.date(1969, 12, 31), None, dt.date(2024, 2, 29),
                       dt.date(2020, 1, 1)]),
        "ts": pa.array([dt.datetime(2020, 1, 1, 1, 2, 3, 456789, tzinfo=UTC),
                        dt.datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC), None,
                        dt.datetime(2024, 2, 29, 12, 0, tzinfo=UTC),
                        dt.datetime(2020, 1, 1, 1, 2, 3, 456789, tzinfo=UTC)],
                       pa.timestamp("us", tz="UTC")),
        "b": pa.array([True, False, None, True, True]),
        "dec": pa.array([Decimal("1.50"), Decimal("0.01"), None, Decimal("99999999.99"),
                         Decimal("1.50")], pa.decimal128(10, 2)),
        "v": pa.array(["a", "b", "c", "d", "e"])})
    assert write(path, a, tmp, "csv")["version"] == 1
    return {1: a}


@table("partitioned_negative_decimal")
def _partitioned_negative_decimal(path: Path, tmp: Path) -> Expected:
    create(path, "id INT, dec DECIMAL(10,2), dec0 DECIMAL(5,0)", partition_by=["dec", "dec0"])
    a = pa.table({"id": pa.array([1, 2, 3], pa.int32()),
                  "dec": pa.array([Decimal("-0.01"), Decimal("-1.25"), Decimal("-99999999.99")],
                                  pa.decimal128(10, 2)),
                  "dec0": pa.array([Decimal("-1"), Decimal("0"), None], pa.decimal128(5, 0))})
    assert write(path, a, tmp, "csv")["version"] == 1
    return {1: a}


DELTARS_CANNOT_READ["partitioned_negative_decimal"] = (
    "delta-rs 1.6 mis-parses negative decimal partition values ('-1.25' -> '-1.-25', '-0.01' -> "
    "'0.-1'; its own write_deltalake fails on them too)")


NESTED_SCHEMA = ("id BIGINT, s STRUCT<a: INT, b: STRING>, arr ARRAY<INT>, "
                 "deep STRUCT<x: ARRAY<STRUCT<y: BIGINT, z: STRING>>>, tags ARRAY<STRING>")


def _nested_rows(base: int) -> pa.Table:
    deep_t = pa.struct([("x", pa.list_(pa.struct([("y", pa.int64()), ("z", pa.string())])))])
    return pa.table({
        "id": pa.array([base + 1, base + 2, base + 3], pa.int64()),
        "s": pa.array([{"a": 1, "b": "x"}, None, {"a": None, "b": None}],
                      pa.struct([("a", pa.int32()), ("b", pa.string())])),
        "arr": pa.array([[1, None, 3], [], None], pa.list_(pa.int32())),
        "deep": pa.array([{"x": [{"y": 5, "z": "q"}, None]}, {"x": None}, None], deep_t),
        "tags": pa.array([["t1", "t2"], None, ["ünï"]], pa.list_(pa.string()))})


@table("nested")
def _nested(path: Path, tmp: Path) -> Expected:
    create(path, NESTED_SCHEMA)
    a, b = _nested_rows(0), _nested_rows(10)
    assert write(path, a, tmp, "json")["version"] == 1
    assert write(path, b, tmp, "json")["version"] == 2
    return {1: a, 2: concat(a, b)}


@table("nested_maps")
def _nested_maps(path: Path, tmp: Path) -> Expected:
    create(path, "id BIGINT, m MAP<STRING, INT>, ma MAP<INT, ARRAY<STRING>>, "
                 "s STRUCT<m: MAP<STRING, STRING>>")
    a = pa.table({
        "id": pa.array([1, 2, 3], pa.int64()),
        "m": pa.array([[("a", 1), ("b", None)], [], None], pa.map_(pa.string(), pa.int32())),
        "ma": pa.array([[(1, ["x", None])], None, [(2, [])]],
                       pa.map_(pa.int32(), pa.list_(pa.string()))),
        "s": pa.array([{"m": [("k", "v")]}, {"m": None}, None],
                      pa.struct([("m", pa.map_(pa.string(), pa.string()))]))})
    assert write(path, a, tmp, "parquet")["version"] == 1
    return {1: a}




@table("decimals")
def _decimals(path: Path, tmp: Path) -> Expected:
    create(path, "id INT, d1 DECIMAL(5,2), d2 DECIMAL(18,6), d3 DECIMAL(38,10), "
                 "d4 DECIMAL(38,0)", partition_by=[])
    a = pa.table({
        "id": pa.array([1, 2, 3, 4], pa.int32()),
        "d1": pa.array([Decimal("123.45"), Decimal("-999.99"), Decimal("0.00"), None],
                       pa.decimal128(5, 2)),
        "d2": pa.array([Decimal("123456789012.345678"), Decimal("-0.000001"), None,
                        Decimal("1.000000")], pa.decimal128(18, 6)),
        "d3": pa.array([Decimal("9999999999999999999999999999.9999999999"),
                        Decimal("-1234567890123456789.0123456789"), Decimal("0E-10"), None],
                       pa.decimal128(38, 10)),
        "d4": pa.array([Decimal("99999999999999999999999999999999999999"),
                        Decimal("-99999999999999999999999999999999999999"), Decimal("0"),
                        None], pa.decimal128(38, 0))})
    assert write(path, a, tmp, "csv")["version"] == 1
    return {1: a}


@table("timestamps")
def _timestamps(path: Path, tmp: Path) -> Expected:
    create(path, "id INT, ts TIMESTAMP, ntz TIMESTAMP_NTZ, p TIMESTAMP_NTZ", partition_by=["p"])
    a = pa.table({
        "id": pa.array([1, 2, 3, 4], pa.int32()),
        "ts": pa.array([dt.datetime(2021, 11, 18, 2, 30, 0, 123456, tzinfo=UTC), None,
                        dt.datetime(1900, 1, 1, tzinfo=UTC),
                        dt.datetime(2262, 4, 11, 23, 47, 16, 854775, tzinfo=UTC)],
                       pa.timestamp("us", tz="UTC")),
        "ntz": pa.array([dt.datetime(2021, 11, 18, 2, 30, 0, 123456), None,
                         dt.datetime(1900, 1, 1), dt.datetime(1970, 1, 1)], pa.timestamp("us")),
        "p": pa.array([dt.datetime(2013, 7, 5, 17, 1), None,
                       dt.datetime(2013, 7, 5, 17, 1, 0, 123456),
                       dt.datetime(2013, 7, 5, 17, 1)], pa.timestamp("us"))})
    assert write(path, a, tmp, "csv")["version"] == 1
    proto = cli.info_json(path)["protocol"]
    assert (proto["minReaderVersion"], proto["minWriterVersion"]) == (3, 7), proto
    return {1: a}


@table("schema_evolution")
def _schema_evolution(path: Path, tmp: Path) -> Expected:
    create(path, "id BIGINT NOT NULL, a STRING")
    v1 = pa.table({"id": pa.array([1, 2], pa.int64()), "a": ["x", "y"]})
    v2_in = pa.table({"id": pa.array([3], pa.int64()), "a": ["z"], "b": pa.array([30], pa.int64()),
                      "c": pa.array([{"q": 1}], pa.struct([("q", pa.int64())]))})
    v3_in = pa.table({"id": pa.array([4], pa.int64()), "a": pa.array([None], pa.string()),
                      "b": pa.array([None], pa.int64()),
                      "c": pa.array([None], pa.struct([("q", pa.int64())]))})
    assert write(path, v1, tmp, "csv")["version"] == 1
    assert write(path, v2_in, tmp, "json", merge_schema=True)["version"] == 2
    assert write(path, v3_in, tmp, "json")["version"] == 3
    c_t = pa.struct([("q", pa.int64())])
    v2 = pa.table({"id": pa.array([1, 2, 3], pa.int64()), "a": ["x", "y", "z"],
                   "b": pa.array([None, None, 30], pa.int64()),
                   "c": pa.array([None, None, {"q": 1}], c_t)})
    return {1: v1, 2: v2, 3: concat(v2, v3_in)}


def _column_mapped(path: Path) -> None:
    create(path, "id BIGINT, `first name` STRING, `the part` STRING",
           partition_by=["the part"], properties={"delta.columnMapping.mode": "name"})
    proto = cli.info_json(path)["protocol"]
    assert (proto["minReaderVersion"], proto["minWriterVersion"]) == (2, 5), proto


CM_V1 = {"id": pa.array([1, 2, 3], pa.int64()), "first name": ["ann", None, "cid"],
         "the part": ["p1", "p 2=x", None]}


@table("column_mapping_name")
def _column_mapping_name(path: Path, tmp: Path) -> Expected:
    _column_mapped(path)
    a = pa.table(CM_V1)
    b = pa.table({"id": pa.array([4], pa.int64()), "first name": ["dan"], "the part": ["p1"]})
    assert write(path, a, tmp, "json")["version"] == 1
    assert write(path, b, tmp, "csv")["version"] == 2
    return {1: a, 2: concat(a, b)}


@table("column_mapping_merge_schema")
def _column_mapping_merge_schema(path: Path, tmp: Path) -> Expected:
    _column_mapped(path)
    a = pa.table(CM_V1)
    b = pa.table({"id": pa.array([4], pa.int64()), "first name": ["dan"], "the part": ["p1"],
                  "new col": pa.array([7], pa.int64())})
    assert write(path, a, tmp, "json")["version"] == 1
    assert write(path, b, tmp, "json", merge_schema=True)["version"] == 2
    info = cli.info_json(path)
    added = info["schema"]["fields"][-1]
    assert added["name"] == "new col" and added["metadata"].get("delta.columnMapping.id") == 4 \
        and added["metadata"].get("delta.columnMapping.physicalName"), added
    assert info["configuration"]["delta.columnMapping.maxColumnId"] == "4", info["configuration"]
    return {1: a, 2: concat(a.append_column("new col", pa.array([None] * 3, pa.int64())), b)}


DELTARS_VIA_SQL.add("column_mapping_merge_schema")
DELTARS_VIA_SQL.add("column_mapping_name")


@table("overwrite_replace_where")
def _overwrite_replace_where(path: Path, tmp: Path) -> Expected:
    create(path, "id BIGINT, p STRING, v INT", partition_by=["p"])

    def rows(ids, ps, vs):
        return pa.table({"id": pa.array(ids, pa.int64()), "p": pa.array(ps, pa.string()),
                         "v": pa.array(vs, pa.int32())})
    v1 = rows([1, 2, 3, 4], ["a", "b", "a", "c"], [10, 20, 30, 40])
    v2 = rows([5, 6, 7], ["a", "b", "c"], [50, 60, 70])
    new_a = rows([8], ["a"], [80])
    v3 = rows([6, 7, 8], ["b", "c", "a"], [60, 70, 80])
    new_hi = rows([9], ["c"], [99])
    v4 = rows([6, 9], ["b", "c"], [60, 99])
    assert write(path, v1, tmp, "csv")["version"] == 1
    assert write(path, v2, tmp, "csv", mode="overwrite")["version"] == 2
    assert write(path, new_a, tmp, "csv", mode="overwrite", replace_where="p = 'a'")[
        "version"] == 3
    assert write(path, new_hi, tmp, "csv", mode="overwrite", replace_where="v >= 65")[
        "version"] == 4
    return {1: v1, 2: v2, 3: v3, 4: v4}


@table("dynamic_partition_overwrite")
def _dynamic_partition_overwrite(path: Path, tmp: Path) -> Expected:
    create(path, "id BIGINT, p STRING, q INT, v INT", partition_by=["p", "q"])

    def rows(ids, ps, qs):
        return pa.table({"id": pa.array(ids, pa.int64()), "p": pa.array(ps, pa.string()),
                         "q": pa.array(qs, pa.int32()),
                         "v": pa.array([i * 10 for i in ids], pa.int32())})
    v1 = rows([1, 2, 3, 4, 5], ["a", "a", "b", None, "c"], [1, 2, 1, 1, None])
    # replaces partitions (a,1), (null,1) and (c,null); adds (z,9); keeps (a,2) and (b,1)
    new = rows([6, 7, 8, 9], ["a", None, "c", "z"], [1, 1, None, 9])
    v2 = rows([2, 3, 6, 7, 8, 9], ["a", "b", "a", None, "c", "z"], [2, 1, 1, 1, None, 9])
    assert write(path, v1, tmp, "json")["version"] == 1
    res = write(path, new, tmp, "json", mode="overwrite", partition_overwrite_mode="dynamic")
    assert (res["version"], res["numFilesRemoved"]) == (2, 3)
    return {1: v1, 2: v2}


@table("many_commits")
def _many_commits(path: Path, tmp: Path) -> Expected:
    create(path, "id BIGINT, k STRING")
    out = {}
    acc = None
    for k in range(25):
        t = pa.table({"id": pa.array([k * 2, k * 2 + 1], pa.int64()),
                      "k": pa.array([f"v{k}"] * 2)})
        assert write(path, t, tmp, "json")["version"] == k + 1
        acc = t if acc is None else concat(acc, t)
        if k + 1 in (1, 9, 10, 11, 20, 25):
            out[k + 1] = acc
    return out


# ------------------------------------------------------------------ fixtures and readers


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """Builds a named table on first use; returns (path, {version: expected rows})."""
    root = tmp_path_factory.mktemp("written-by-deltacpp")
    cache: dict[str, tuple[str, Expected] | BaseException] = {}

    def get(name: str) -> tuple[str, Expected]:
        if name not in cache:
            path = root / name
            try:
                cache[name] = (str(path), TABLES[name](path, root / f"{name}-inputs"))
            except BaseException as e:  # noqa: BLE001 - reported by every test of the table
                cache[name] = e
        if isinstance(cache[name], BaseException):
            raise cache[name]
        return cache[name]
    return get


def deltars_read(path: str, version: int | None = None, via_sql: bool = False) -> pa.Table:
    dtable = DeltaTable(path) if version is None else DeltaTable(path, version=version)
    if not via_sql:
        return dtable.to_pyarrow_table()
    from deltalake import QueryBuilder
    return table_from_batches(QueryBuilder().register("t", dtable).execute("SELECT * FROM t"))


def _params(spark: bool):
    for name in TABLES:
        marks = [KNOWN_BUGS[name]] if name in KNOWN_BUGS else []
        if spark:
            marks.append(pytest.mark.spark_smoke if name in SPARK_SMOKE else pytest.mark.slow)
        yield pytest.param(name, id=name, marks=marks)


# ------------------------------------------------------------------ delta-rs reads our tables


@pytest.mark.parametrize("name", list(_params(spark=False)))
def test_deltars_reads_every_version(built, name):
    path, expected = built(name)
    last = max(expected)
    failures = []
    readers = [("deltactl cat", lambda v: cli.read_cat(path, version=v))]
    if name not in DELTARS_CANNOT_READ:
        readers.append(("delta-rs", lambda v: deltars_read(path, v, name in DELTARS_VIA_SQL)))
    for version, rows in sorted(expected.items()):
        for label, read in readers:
            try:
                assert_tables_equal(read(version), rows, f"{label} {name} v{version}")
            except Exception as e:  # noqa: BLE001 - collect every version's verdict
                failures.append(str(e))
    try:
        if name not in DELTARS_CANNOT_READ:
            assert_tables_equal(deltars_read(path, None, name in DELTARS_VIA_SQL),
                                expected[last], f"delta-rs {name} latest")
        assert DeltaTable(path).version() == cli.info_json(path)["version"] == last
    except Exception as e:  # noqa: BLE001
        failures.append(str(e))
    assert not failures, f"{len(failures)} reads differ:\n" + "\n".join(failures)


def test_deltars_pyarrow_reader_on_column_mapping(built):
    """Documents the delta-rs limitation DELTARS_VIA_SQL works around: its pyarrow reader
    returns NULL data columns on column-mapped tables (the files hold physical names, as
    PROTOCOL.md says). If this starts failing, delta-rs fixed it: drop the workaround."""
    path, expected = built("column_mapping_name")
    t = DeltaTable(path, version=1).to_pyarrow_table()
    if canonical_rows(t.select(expected[1].column_names)) == canonical_rows(expected[1]):
        pytest.fail("delta-rs's pyarrow reader now reads column mapping: drop DELTARS_VIA_SQL")
    assert t.column("id").null_count == t.num_rows


def test_deltars_sees_our_stats(built):
    path, expected = built("plain")
    actions = table_from_batches(DeltaTable(path).get_add_actions(flatten=True))
    cols = actions.column_names
    assert sum(actions.column("num_records").to_pylist()) == expected[2].num_rows, actions
    mins = actions.column("min.id").to_pylist() if "min.id" in cols else None
    maxs = actions.column("max.id").to_pylist() if "max.id" in cols else None
    assert sorted(zip(mins, maxs)) == [(0, 4), (5, 7)], (cols, mins, maxs)
    nulls = actions.column("null_count.name").to_pylist()
    assert sorted(nulls) == [1, 2], nulls  # ids 0, 3 and 6 have no name


# ------------------------------------------------------------------ Spark reads our tables


@pytest.mark.spark
@pytest.mark.parametrize("name", list(_params(spark=True)))
def test_spark_reads_every_version(spark, built, name):
    from helpers.spark import spark_read, spark_versions
    path, expected = built(name)
    assert spark_versions(spark, path) == list(range(0, max(expected) + 1))
    failures = []
    for version, rows in sorted(expected.items()):
        try:
            assert_tables_equal(spark_read(spark, path, version), rows,
                                f"Spark {name} v{version}")
        except Exception as e:  # noqa: BLE001
            failures.append(str(e))
    try:
        assert_tables_equal(spark_read(spark, path), expected[max(expected)],
                            f"Spark {name} latest")
    except Exception as e:  # noqa: BLE001
        failures.append(str(e))
    assert not failures, f"{len(failures)} reads differ:\n" + "\n".join(failures)


@pytest.mark.spark
@pytest.mark.spark_smoke
@pytest.mark.slow
def test_spark_describe_history_of_our_table(spark, built):
    path, _ = built("overwrite_replace_where")
    theirs = spark.sql(f"DESCRIBE HISTORY delta.`{path}`").select(
        "version", "operation", "readVersion", "isBlindAppend").collect()
    ours = cli.history_json(path)
    assert [(r.version, r.operation) for r in theirs] == \
        [(h["version"], h["operation"]) for h in ours]
    assert [r.version for r in theirs] == [4, 3, 2, 1, 0]
    assert theirs[-1].operation == "CREATE TABLE", theirs[-1]
    assert {r.operation for r in theirs[:-1]} == {"WRITE"}, theirs
    assert [r.readVersion for r in theirs[:-1]] == [3, 2, 1, 0], theirs


def _scan_files_read(df) -> int | None:
    """Runs `df` and returns the number of files its Delta/Parquet scan read (Spark's
    'number of files read' metric), or None if the plan has no such metric."""
    qe = df._jdf.queryExecution()
    qe.executedPlan().executeCollect()
    plan = qe.executedPlan()
    found = []

    def walk(node):
        metrics = node.metrics()
        if metrics.contains("numFiles"):
            found.append(int(metrics.apply("numFiles").value()))
        children = node.children()
        for i in range(children.size()):
            walk(children.apply(i))
        if hasattr(node, "inputPlan") or node.nodeName() == "AdaptiveSparkPlan":
            try:
                walk(node.executedPlan())
            except Exception:  # noqa: BLE001
                pass
    walk(plan)
    return sum(found) if found else None


@pytest.mark.spark
@pytest.mark.spark_smoke
@pytest.mark.slow
def test_spark_data_skipping_uses_our_stats(spark, tmp_path):
    """Four files with disjoint id ranges: Spark's filters return the right rows and, reading
    our min/max stats, open only the file that can match."""
    path = tmp_path / "stats"
    create(path, "id BIGINT, s STRING, d DOUBLE")
    for k in range(4):
        ids = list(range(k * 100, k * 100 + 100))
        write(path, pa.table({"id": pa.array(ids, pa.int64()),
                              "s": [f"s{k}-{i:03d}" for i in ids],
                              "d": pa.array([i / 4 for i in ids])}), tmp_path, "csv")
    df = spark.read.format("delta").load(str(path))
    assert df.filter("id >= 250 AND id < 260").count() == 10
    assert sorted(r.id for r in df.filter("s = 's3-301'").collect()) == [301]
    assert df.filter("d > 99.9").count() == 0
    assert df.filter("id IS NULL").count() == 0
    assert df.filter("id > 395 OR id < 2").count() == 6
    read = _scan_files_read(df.filter("id >= 250 AND id < 260"))
    if read is None:
        pytest.skip("Spark's plan exposes no 'numFiles' metric to check skipping with")
    assert read == 1, f"Spark read {read} files for id in [250, 260): our stats were not used"


# ------------------------------------------------------------------ deltacpp appends to theirs


def test_deltacpp_appends_to_a_deltars_table(tmp_path, spark_if_available):
    path = str(tmp_path / "from-deltars")
    first = pa.table({"id": pa.array([1, 2, 3], pa.int64()), "p": ["a", "b", None],
                      "ts": pa.array([dt.datetime(2020, 1, 1, tzinfo=UTC), None,
                                      dt.datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC)],
                                     pa.timestamp("us", tz="UTC")),
                      "x": pa.array([1.5, None, -2.0])})
    write_deltalake(path, first, partition_by=["p"])
    ours = pa.table({"id": pa.array([4, 5], pa.int64()), "p": ["b", "new p"],
                     "ts": pa.array([dt.datetime(2021, 6, 1, 12, 30, tzinfo=UTC), None],
                                    pa.timestamp("us", tz="UTC")),
                     "x": pa.array([4.0, 5.5])})
    res = write(path, ours, tmp_path / "in", "json", mode="append")
    assert res["version"] == 1, res
    write_deltalake(path, pa.table({"id": pa.array([6], pa.int64()), "p": ["a"],
                                    "ts": pa.array([None], pa.timestamp("us", tz="UTC")),
                                    "x": pa.array([6.0])}), mode="append")
    last = pa.table({"id": pa.array([6], pa.int64()), "p": ["a"],
                     "ts": pa.array([None], pa.timestamp("us", tz="UTC")), "x": pa.array([6.0])})
    v1 = concat(first, ours)
    v2 = concat(v1, last)
    for version, rows in ((0, first), (1, v1), (2, v2)):
        assert_tables_equal(DeltaTable(path, version=version).to_pyarrow_table().select(
            rows.column_names), rows, f"delta-rs v{version}")
        assert_tables_equal(cli.read_cat(path, version=version).select(rows.column_names),
                            rows, f"deltactl cat v{version}")
    if spark_if_available is not None:
        from helpers.spark import spark_read
        for version, rows in ((0, first), (1, v1), (2, v2)):
            assert_tables_equal(spark_read(spark_if_available, path, version).select(
                rows.column_names), rows, f"Spark v{version}")


@pytest.fixture
def spark_if_available(request):
    """The Spark session when --runslow is given (Spark starts slowly), else None."""
    if not request.config.getoption("--runslow"):
        return None
    try:
        return request.getfixturevalue("spark")
    except pytest.skip.Exception:
        return None


@pytest.mark.spark
@pytest.mark.spark_smoke
@pytest.mark.slow
def test_deltacpp_appends_to_a_spark_table(spark, tmp_path):
    path = str(tmp_path / "from-spark")
    t = f"delta.`{path}`"
    spark.sql(f"CREATE TABLE {t} (id BIGINT, s STRING, d DATE, p STRING) USING DELTA "
              "PARTITIONED BY (p)")
    spark.sql(f"INSERT INTO {t} VALUES (1, 'one', DATE'2020-01-01', 'x=y'), "
              "(2, NULL, NULL, NULL), (3, 'three', DATE'1969-12-31', 'a b')")
    ours = pa.table({"id": pa.array([4, 5, 6], pa.int64()), "s": ["four", None, "six"],
                     "d": pa.array([dt.date(2024, 2, 29), None, dt.date(2000, 1, 1)]),
                     "p": ["x=y", "ünï/©", None]})
    res = write(path, ours, tmp_path / "in", "csv", mode="append")
    assert res["version"] == 2, res
    spark.sql(f"INSERT INTO {t} VALUES (7, 'seven', DATE'2001-01-01', 'a b')")
    theirs = pa.table({"id": pa.array([1, 2, 3], pa.int64()), "s": ["one", None, "three"],
                       "d": pa.array([dt.date(2020, 1, 1), None, dt.date(1969, 12, 31)]),
                       "p": ["x=y", None, "a b"]})
    seven = pa.table({"id": pa.array([7], pa.int64()), "s": ["seven"],
                      "d": pa.array([dt.date(2001, 1, 1)]), "p": ["a b"]})
    from helpers.spark import spark_read
    for version, rows in ((1, theirs), (2, concat(theirs, ours)),
                          (3, concat(theirs, ours, seven))):
        assert_tables_equal(spark_read(spark, path, version), rows, f"Spark v{version}")
        assert_tables_equal(DeltaTable(path, version=version).to_pyarrow_table().select(
            rows.column_names), rows, f"delta-rs v{version}")
        assert_tables_equal(cli.read_cat(path, version=version), rows, f"deltactl v{version}")
    hist = spark.sql(f"DESCRIBE HISTORY {t}").select("version", "operation").collect()
    assert [(r.version, r.operation) for r in hist][:2] == [(3, "WRITE"), (2, "WRITE")], hist
