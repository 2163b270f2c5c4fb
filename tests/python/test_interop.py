"""Interop of the Python package: deltacpp writes, delta-rs / Spark read, and the other way."""
from __future__ import annotations

import pyarrow as pa
import pytest

import deltacpp

from pyhelpers import rows

pytestmark = pytest.mark.group("python package")



deltalake = pytest.importorskip("deltalake")


def _data(ids, parts):
    return pa.table({"id": pa.array(ids, pa.int64()), "p": pa.array(parts, pa.string()),
                     "v": pa.array([float(i) / 2 for i in ids], pa.float64())})


def test_deltacpp_writes_deltars_reads(table_path):
    deltacpp.write_deltalake(table_path, _data([1, 2, 3], ["a", "b", None]), partition_by=["p"])
    deltacpp.write_deltalake(table_path, _data([4], ["b"]), mode="append")
    deltacpp.write_deltalake(table_path, _data([5], ["a"]), mode="overwrite", predicate="p = 'a'")
    dt = deltalake.DeltaTable(table_path)
    assert dt.version() == 2
    assert dt.metadata().partition_columns == ["p"]
    assert rows(dt.to_pyarrow_table(), "id", "p", "v") == [
        (2, "b", 1.0), (3, None, 1.5), (4, "b", 2.0), (5, "a", 2.5)]
    dt.load_as_version(1)
    assert rows(dt.to_pyarrow_table(), "id") == [(1,), (2,), (3,), (4,)]
    assert [h["version"] for h in deltalake.DeltaTable(table_path).history()] == [2, 1, 0]


def test_deltacpp_checkpoint_read_by_deltars(table_path):
    for i in range(3):
        deltacpp.write_deltalake(table_path, _data([i], ["a"]), mode="append")
    deltacpp.DeltaTable(table_path).create_checkpoint()
    deltacpp.write_deltalake(table_path, _data([9], ["b"]), mode="append")
    dt = deltalake.DeltaTable(table_path)
    assert dt.version() == 3
    assert rows(dt.to_pyarrow_table(), "id") == [(0,), (1,), (2,), (9,)]


def test_deltars_writes_deltacpp_reads(table_path):
    deltalake.write_deltalake(table_path, _data([1, 2, 3], ["a", "b", "a"]), partition_by=["p"],
                              configuration={"delta.enableChangeDataFeed": "true"})
    deltalake.write_deltalake(table_path, _data([4], ["b"]), mode="append")
    deltalake.DeltaTable(table_path).delete("id = 2")
    dt = deltacpp.DeltaTable(table_path)
    assert dt.version() == 2
    assert dt.metadata().partition_columns == ["p"]
    assert rows(dt.to_pyarrow_table(), "id", "p") == [(1, "a"), (3, "a"), (4, "b")]
    assert rows(dt.to_pyarrow_table(columns=["id"], filter="p = 'b'")) == [(4,)]
    hist = dt.history()
    assert [h["version"] for h in hist] == [2, 1, 0] and hist[0]["operation"] == "DELETE"
    changes = dt.load_cdf(starting_version=2).read_all()
    assert rows(changes, "id", "_change_type") == [(2, "delete")]
    dt.load_as_version(0)
    assert rows(dt.to_pyarrow_table(), "id") == [(1,), (2,), (3,)]
    # And deltacpp appends to the delta-rs table; delta-rs reads the result.
    deltacpp.write_deltalake(table_path, _data([7], ["c"]), mode="append")
    assert rows(deltalake.DeltaTable(table_path).to_pyarrow_table(), "id") == [
        (1,), (3,), (4,), (7,)]


def test_same_rows_as_deltars_reader(table_path):
    import datetime as dtm
    t = pa.table({
        "id": pa.array(range(1000), pa.int64()),
        "s": pa.array([f"s{i % 7}" for i in range(1000)]),
        "d": pa.array([dtm.date(2024, 1, 1) + dtm.timedelta(days=i % 30) for i in range(1000)]),
    })
    deltacpp.write_deltalake(table_path, t, partition_by=["s"])
    ours = deltacpp.DeltaTable(table_path).to_pyarrow_table(columns=["id", "s", "d"])
    theirs = deltalake.DeltaTable(table_path).to_pyarrow_table(columns=["id", "s", "d"])
    assert ours.sort_by("id").equals(theirs.sort_by("id").cast(ours.schema))


@pytest.mark.spark
@pytest.mark.spark_smoke
def test_spark_reads_deltacpp_and_deltacpp_reads_spark(spark, tmp_path):
    ours = str(tmp_path / "ours")
    deltacpp.write_deltalake(ours, _data([1, 2, 3], ["a", "b", "a"]), partition_by=["p"])
    deltacpp.write_deltalake(ours, _data([4], ["b"]), mode="append")
    got = spark.read.format("delta").load(ours).select("id", "p").collect()
    assert sorted((r.id, r.p) for r in got) == [(1, "a"), (2, "b"), (3, "a"), (4, "b")]

    theirs = str(tmp_path / "theirs")
    spark.range(0, 5).selectExpr("id", "CAST(id % 2 AS STRING) AS p") \
        .write.format("delta").partitionBy("p").save(theirs)
    spark.sql(f"DELETE FROM delta.`{theirs}` WHERE id = 3")
    dt = deltacpp.DeltaTable(theirs)
    assert dt.version() == 1
    assert rows(dt.to_pyarrow_table(), "id", "p") == [(0, "0"), (1, "1"), (2, "0"), (4, "0")]
