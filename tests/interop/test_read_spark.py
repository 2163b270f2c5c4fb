"""deltacpp reads what Delta Lake on Spark writes.

Tables are written with Spark SQL (pyspark + delta-spark, one local SparkSession for the whole
session) into temporary folders, then read with `deltactl` and compared with Spark's own
reading (`spark.read.format("delta").option("versionAsOf", v).load(path)`), every version of
each table. Comparison rules: tests/helpers/compare.py.

The default run covers a smoke subset (partitioned, deletion vectors, column mapping by name);
the other tables are marked slow and run with --runslow.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import pyarrow as pa
import pytest

from helpers import deltactl as cli
from helpers.compare import assert_tables_equal, canonical_rows, diff_rows
from helpers.spark import spark_arrow, spark_read, spark_versions

pyspark = pytest.importorskip(
    "pyspark", reason="pyspark not installed (scripts/bootstrap.sh --with-spark installs it)")
delta_pip = pytest.importorskip(
    "delta", reason="delta-spark not installed (scripts/bootstrap.sh --with-spark installs it)")

pytestmark = [pytest.mark.spark, pytest.mark.group("spark interop")]


# ------------------------------------------------------------------ table builders
# A builder gets (spark, sql, path) where sql(stmt) runs one statement with {t} standing for
# delta.`path`. SMOKE tables run by default; the others are slow.

TABLES: dict[str, Callable] = {}
SMOKE = {"partitioned", "deletion_vectors", "column_mapping_name"}


def table(name: str):
    def deco(fn):
        TABLES[name] = fn
        return fn
    return deco


@table("partitioned")
def _partitioned(spark, sql, path):
    sql("CREATE TABLE {t} (id INT, s STRING, i INT, d DATE, ts TIMESTAMP, v DOUBLE) "
        "USING delta PARTITIONED BY (s, i, d, ts)")
    sql("""INSERT INTO {t} VALUES
        (1, 'a b', 1, DATE'2020-01-01', TIMESTAMP'2020-01-01 01:02:03.456789', 1.5),
        (2, 'x=y', 2, DATE'1969-12-31', TIMESTAMP'1969-12-31 23:59:59', 2.5),
        (3, 'p/q', NULL, NULL, NULL, 3.5),
        (4, NULL, 4, DATE'2024-02-29', TIMESTAMP'2024-02-29 12:00:00', NULL),
        (5, '100%', -1, DATE'2020-01-01', TIMESTAMP'2020-01-01 01:02:03.456789', 5.5),
        (6, 'ünï©ødé', 6, DATE'2020-01-02', TIMESTAMP'2020-01-02 00:00:00', 6.5),
        (7, 'colon:x #hash+plus', 7, DATE'2020-01-02', TIMESTAMP'2020-01-02 00:00:00', 7.5),
        (8, '', 8, DATE'2020-01-03', TIMESTAMP'2020-01-03 00:00:00', 8.5)""")
    sql("INSERT INTO {t} VALUES (9, 'a b', 1, DATE'2020-01-01', "
        "TIMESTAMP'2020-01-01 01:02:03.456789', 9.5)")
    sql("DELETE FROM {t} WHERE s = 'p/q'")


@table("deletion_vectors")
def _deletion_vectors(spark, sql, path):
    sql("CREATE TABLE {t} (id BIGINT, grp STRING, v INT) USING delta "
        "TBLPROPERTIES ('delta.enableDeletionVectors' = 'true')")
    sql("INSERT INTO {t} SELECT id, concat('g', CAST(id % 3 AS STRING)), CAST(id AS INT) "
        "FROM range(0, 40)")
    sql("INSERT INTO {t} SELECT id, 'late', 0 FROM range(40, 60)")
    sql("DELETE FROM {t} WHERE id % 7 = 0")
    sql("UPDATE {t} SET v = v * 100 WHERE id < 10")
    sql("DELETE FROM {t} WHERE grp = 'late' AND id > 50")


@table("column_mapping_name")
def _column_mapping_name(spark, sql, path):
    sql("CREATE TABLE {t} (id INT, `first name` STRING, age INT, part STRING) USING delta "
        "PARTITIONED BY (part) TBLPROPERTIES ('delta.columnMapping.mode' = 'name', "
        "'delta.minReaderVersion' = '2', 'delta.minWriterVersion' = '5')")
    sql("INSERT INTO {t} VALUES (1, 'ann', 30, 'p1'), (2, 'bob', 40, 'p2'), (3, NULL, 50, NULL)")
    sql("ALTER TABLE {t} RENAME COLUMN age TO years")
    sql("ALTER TABLE {t} RENAME COLUMN part TO `the part`")
    sql("INSERT INTO {t} VALUES (4, 'cid', 60, 'p1')")
    sql("ALTER TABLE {t} DROP COLUMN `first name`")
    sql("ALTER TABLE {t} ADD COLUMNS (`first name` STRING)")
    sql("INSERT INTO {t} VALUES (5, 70, 'p3', 'eve')")


@table("column_mapping_id")
def _column_mapping_id(spark, sql, path):
    sql("CREATE TABLE {t} (id INT, s STRUCT<a: INT, b: STRING>, tags ARRAY<STRING>) USING delta "
        "TBLPROPERTIES ('delta.columnMapping.mode' = 'id', "
        "'delta.minReaderVersion' = '2', 'delta.minWriterVersion' = '5')")
    sql("INSERT INTO {t} VALUES (1, named_struct('a', 1, 'b', 'x'), array('t1')), "
        "(2, named_struct('a', 2, 'b', NULL), array())")
    sql("ALTER TABLE {t} RENAME COLUMN s.b TO bee")
    sql("ALTER TABLE {t} RENAME COLUMN tags TO labels")
    sql("INSERT INTO {t} VALUES (3, named_struct('a', 3, 'bee', 'z'), NULL)")
    sql("ALTER TABLE {t} DROP COLUMN labels")


@table("checkpoints")
def _checkpoints(spark, sql, path):
    sql("CREATE TABLE {t} (id BIGINT, k INT) USING delta "
        "TBLPROPERTIES ('delta.checkpointInterval' = '2')")
    for k in range(12):
        sql(f"INSERT INTO {{t}} SELECT id, {k} FROM range({k * 5}, {k * 5 + 5})")
    sql("DELETE FROM {t} WHERE k = 3")
    sql("UPDATE {t} SET k = -1 WHERE id = 0")


@table("many_versions")
def _many_versions(spark, sql, path):
    sql("CREATE TABLE {t} (id BIGINT, s STRING) USING delta")  # default checkpoint interval
    for k in range(24):
        sql(f"INSERT INTO {{t}} VALUES ({k}, 'v{k}')")
    sql("INSERT OVERWRITE {t} SELECT id, s FROM {t} WHERE id % 2 = 0")
    sql("INSERT INTO {t} VALUES (100, 'last')")


@table("v2_checkpoints")
def _v2_checkpoints(spark, sql, path):
    sql("CREATE TABLE {t} (id BIGINT, part STRING) USING delta PARTITIONED BY (part) "
        "TBLPROPERTIES ('delta.checkpointPolicy' = 'v2', 'delta.checkpointInterval' = '2', "
        "'delta.enableDeletionVectors' = 'true')")
    for k in range(6):
        sql(f"INSERT INTO {{t}} SELECT id, 'p{k % 2}' FROM range({k * 4}, {k * 4 + 4})")
    sql("DELETE FROM {t} WHERE id % 5 = 0")


@table("cdf")
def _cdf(spark, sql, path):
    sql("CREATE TABLE {t} (id INT, name STRING, part INT) USING delta PARTITIONED BY (part) "
        "TBLPROPERTIES ('delta.enableChangeDataFeed' = 'true')")
    sql("INSERT INTO {t} VALUES (1, 'a', 0), (2, 'b', 1), (3, 'c', 0), (4, 'd', 1)")
    sql("UPDATE {t} SET name = upper(name) WHERE id <= 2")
    sql("DELETE FROM {t} WHERE id = 3")
    sql("DELETE FROM {t} WHERE part = 1")  # whole partition: remove without CDC file
    sql("MERGE INTO {t} USING (SELECT 1 AS id, 'merged' AS name, 0 AS part UNION ALL "
        "SELECT 9, 'new', 2) src ON {t}.id = src.id "
        "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *")
    sql("INSERT INTO {t} VALUES (10, 'j', 2)")


@table("cdf_with_dv")
def _cdf_with_dv(spark, sql, path):
    sql("CREATE TABLE {t} (id BIGINT, v STRING) USING delta TBLPROPERTIES ("
        "'delta.enableChangeDataFeed' = 'true', 'delta.enableDeletionVectors' = 'true')")
    sql("INSERT INTO {t} SELECT id, CAST(id AS STRING) FROM range(0, 20)")
    sql("DELETE FROM {t} WHERE id % 4 = 0")
    sql("UPDATE {t} SET v = 'updated' WHERE id IN (1, 2)")


@table("timestamp_ntz")
def _timestamp_ntz(spark, sql, path):
    sql("CREATE TABLE {t} (id INT, ntz TIMESTAMP_NTZ, p TIMESTAMP_NTZ, ts TIMESTAMP) USING delta "
        "PARTITIONED BY (p)")
    sql("INSERT INTO {t} VALUES "
        "(1, TIMESTAMP_NTZ'2021-11-18 02:30:00.123456', TIMESTAMP_NTZ'2013-07-05 17:01:00', "
        "TIMESTAMP'2021-11-18 02:30:00.123456'), "
        "(2, NULL, NULL, NULL), "
        "(3, TIMESTAMP_NTZ'1900-01-01 00:00:00', TIMESTAMP_NTZ'2013-07-05 17:01:00.123456', "
        "TIMESTAMP'1900-01-01 00:00:00')")


@table("types")
def _types(spark, sql, path):
    sql("""CREATE TABLE {t} (
        b BOOLEAN, t TINYINT, sm SMALLINT, i INT, l BIGINT, f FLOAT, d DOUBLE,
        dec1 DECIMAL(5, 2), dec2 DECIMAL(18, 6), dec3 DECIMAL(38, 10),
        s STRING, bin BINARY, dt DATE, ts TIMESTAMP,
        st STRUCT<x: INT, y: STRUCT<z: STRING>>, arr ARRAY<INT>,
        arr_st ARRAY<STRUCT<k: STRING, n: BIGINT>>, m MAP<STRING, INT>,
        m_arr MAP<INT, ARRAY<STRING>>) USING delta""")
    sql("""INSERT INTO {t} VALUES
        (true, 127Y, 32767S, 2147483647, 9223372036854775807L, CAST('NaN' AS FLOAT),
         CAST('-Infinity' AS DOUBLE), 123.45, 123456789012.345678,
         9999999999999999999999999999.9999999999, 'ünï', X'00FF10', DATE'1900-01-01',
         TIMESTAMP'1969-12-31 23:59:59.999999', named_struct('x', 1, 'y', named_struct('z', 'q')),
         array(1, NULL, 3), array(named_struct('k', 'a', 'n', 1L)), map('a', 1, 'b', NULL),
         map(1, array('x', NULL))),
        (false, -128Y, -32768S, -2147483648, -9223372036854775808L, -0.0F, 2.5D, -999.99,
         -0.000001, -1234567890123456789.0123456789, '', X'', DATE'2999-12-31',
         TIMESTAMP'2262-04-11 23:47:16.854775', named_struct('x', NULL, 'y', NULL),
         array(), array(), map(), map()),
        (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
         NULL, NULL, NULL, NULL, NULL)""")


@pytest.fixture(scope="session")
def spark_table(spark, tmp_path_factory):
    """Builds a named table with Spark on first use; returns its path."""
    root = tmp_path_factory.mktemp("spark-tables")
    built: dict[str, str | Exception] = {}

    def get(name: str) -> str:
        if name not in built:
            path = str(root / name)

            def sql(stmt: str):
                return spark.sql(stmt.replace("{t}", f"delta.`{path}`"))
            try:
                TABLES[name](spark, sql, path)
                built[name] = path
            except Exception as e:  # noqa: BLE001 - Spark cannot write it: not our bug
                built[name] = e
        if isinstance(built[name], Exception):
            pytest.skip(f"Spark could not write table {name}: "
                        f"{str(built[name]).splitlines()[0][:300]}")
        return built[name]
    return get


def _table_params():
    for name in TABLES:
        marks = [pytest.mark.spark_smoke] if name in SMOKE else [pytest.mark.slow]
        yield pytest.param(name, id=name, marks=marks)


# ------------------------------------------------------------------ Spark as the oracle


_spark_arrow = spark_arrow
_versions = spark_versions
_spark_read = spark_read


@pytest.mark.parametrize("name", list(_table_params()))
def test_cat_matches_spark(spark, spark_table, name):
    """`cat` equals Spark's read at the latest and at every version of the table."""
    path = spark_table(name)
    failures = []
    for version in [None] + _versions(spark, path):
        label = "latest" if version is None else f"v{version}"
        expected = _spark_read(spark, path, version)
        try:
            actual = cli.read_cat(path, version=version)
            assert_tables_equal(actual, expected, context=f"cat {name} {label}")
        except AssertionError as e:
            failures.append(str(e).splitlines()[0] if len(failures) > 2 else str(e))
    assert not failures, f"{len(failures)} version(s) differ from Spark:\n" + "\n".join(failures)


@pytest.mark.parametrize("name", list(_table_params()))
def test_info_and_files_match_spark(spark, spark_table, name):
    path = spark_table(name)
    detail = spark.sql(f"DESCRIBE DETAIL delta.`{path}`").collect()[0].asDict()
    info = cli.info_json(path)
    versions = _versions(spark, path)
    problems = []
    if info.get("version") != versions[-1]:
        problems.append(f"version {info.get('version')}, Spark {versions[-1]}")
    proto = info.get("protocol") or {}
    if (proto.get("minReaderVersion"), proto.get("minWriterVersion")) != \
            (detail["minReaderVersion"], detail["minWriterVersion"]):
        problems.append(f"protocol {proto.get('minReaderVersion')}/{proto.get('minWriterVersion')}"
                        f", Spark {detail['minReaderVersion']}/{detail['minWriterVersion']}")
    if list(info.get("partitionColumns") or []) != list(detail["partitionColumns"]):
        problems.append(f"partitionColumns {info.get('partitionColumns')}, "
                        f"Spark {detail['partitionColumns']}")
    if info.get("numFiles") != detail["numFiles"]:
        problems.append(f"numFiles {info.get('numFiles')}, Spark {detail['numFiles']}")
    if info.get("sizeInBytes") != detail["sizeInBytes"]:
        problems.append(f"sizeInBytes {info.get('sizeInBytes')}, Spark {detail['sizeInBytes']}")
    conf = info.get("configuration") or {}
    for k, v in (detail.get("properties") or {}).items():
        if conf.get(k) != v:
            problems.append(f"configuration[{k}] {conf.get(k)!r}, Spark {v!r}")
    files = cli.files_json(path)
    if len(files) != detail["numFiles"]:
        problems.append(f"files lists {len(files)} files, Spark numFiles {detail['numFiles']}")
    total_rows = spark.read.format("delta").load(path).count()
    if info.get("numRecords") is not None and info["numRecords"] != total_rows:
        problems.append(f"numRecords {info['numRecords']}, Spark count {total_rows}")
    dv_card = sum(f.get("deletionVectorCardinality") or 0 for f in files)
    n_records = sum(f.get("numRecords") or 0 for f in files)
    if all(f.get("numRecords") is not None for f in files) and n_records - dv_card != total_rows:
        problems.append(f"files: sum(numRecords) - sum(deletionVectorCardinality) = "
                        f"{n_records - dv_card}, Spark count {total_rows}")
    assert not problems, f"info/files {name}: " + "; ".join(problems)


def test_history_matches_spark(spark, spark_table):
    path = spark_table("deletion_vectors")
    theirs = spark.sql(f"DESCRIBE HISTORY delta.`{path}`").select("version", "operation") \
        .collect()
    ours = cli.history_json(path)
    assert [(h.get("version"), h.get("operation")) for h in ours] == \
        [(r.version, r.operation) for r in theirs], \
        f"history: {[(h.get('version'), h.get('operation')) for h in ours]} vs Spark " \
        f"{[(r.version, r.operation) for r in theirs]}"


# ------------------------------------------------------------------ change data feed


def _spark_changes(spark, path: str, start: int, end: int | None) -> pa.Table:
    reader = spark.read.format("delta").option("readChangeFeed", "true") \
        .option("startingVersion", start)
    if end is not None:
        reader = reader.option("endingVersion", end)
    return _spark_arrow(reader.load(path))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["cdf", "cdf_with_dv"])
def test_changes_match_spark_table_changes(spark, spark_table, name):
    path = spark_table(name)
    versions = _versions(spark, path)
    ranges = [(0, None)] + [(v, v) for v in versions] + [(1, versions[-1] - 1)]
    failures = []
    for start, end in ranges:
        label = f"--from-version {start}" + (f" --to-version {end}" if end is not None else "")
        expected = _spark_changes(spark, path, start, end)
        try:
            actual = cli.read_changes(path, start, end)
            assert actual.column_names == expected.column_names, \
                f"changes {name} {label}: columns {actual.column_names}, " \
                f"Spark {expected.column_names}"
            assert actual.schema.field("_commit_timestamp").type == pa.timestamp("us", tz="UTC"), \
                f"changes {name} {label}: _commit_timestamp is " \
                f"{actual.schema.field('_commit_timestamp').type}"
            assert_tables_equal(actual, expected, context=f"changes {name} {label}")
        except AssertionError as e:
            failures.append(str(e))
    assert not failures, "\n".join(failures)


# ------------------------------------------------------------------ sanity of the oracle


def test_spark_arrow_keeps_null_structs(spark):
    df = spark.sql("SELECT 1 AS id, CAST(NULL AS STRUCT<a: INT>) AS s UNION ALL "
                   "SELECT 2, named_struct('a', CAST(NULL AS INT))")
    rows = canonical_rows(_spark_arrow(df))
    assert set(rows) == {(1, None), (2, (("a", None),))}, rows
    assert diff_rows(rows, rows) is None
