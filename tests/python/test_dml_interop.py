"""Interop of DML and maintenance: tables deltacpp changed (delete, update, merge, optimize,
vacuum, restore) read by delta-rs and Spark, and deltacpp changing tables they wrote. Without
deletion vectors: delta-rs 1.x cannot read them."""
from __future__ import annotations

import pyarrow as pa
import pytest

import deltacpp
from deltacpp import _core

from pyhelpers import rows

pytestmark = pytest.mark.group("python package")

deltalake = pytest.importorskip("deltalake")


def _t(ids, v=None, p=None):
    cols = {"id": pa.array(ids, pa.int64()),
            "v": pa.array(v if v is not None else [i * 10 for i in ids], pa.int64())}
    if p is not None:
        cols["p"] = pa.array(p, pa.string())
    return pa.table(cols)


def _change_everything(path):
    """deltacpp: create, delete, update, (merge), optimize; returns the expected rows."""
    deltacpp.write_deltalake(path, _t([1, 2, 3, 4], p=["a", "a", "b", "b"]), partition_by=["p"])
    deltacpp.write_deltalake(path, _t([5, 6], p=["a", "b"]), mode="append")
    dt = deltacpp.DeltaTable(path)
    dt.delete("id = 1")
    dt.update({"v": "v + 1"}, predicate="p = 'b'")
    expected = {2: (20, "a"), 3: (31, "b"), 4: (41, "b"), 5: (50, "a"), 6: (61, "b")}
    if hasattr(_core, "merge"):
        (dt.merge(_t([2, 7], v=[200, 700], p=["a", "b"]), "t.id = s.id", source_alias="s",
                  target_alias="t")
         .when_matched_update_all().when_not_matched_insert_all().execute())
        expected[2] = (200, "a")
        expected[7] = (700, "b")
    dt.optimize.compact()
    assert all(len(dt.files(f"p = '{p}'")) == 1 for p in "ab")
    return dt, sorted((k, v, p) for k, (v, p) in expected.items())


def test_deltars_reads_what_deltacpp_changed(table_path):
    dt, expected = _change_everything(table_path)
    theirs = deltalake.DeltaTable(table_path)
    assert theirs.version() == dt.version()
    assert rows(theirs.to_pyarrow_table(), "id", "v", "p") == expected
    ops = [h["operation"] for h in theirs.history()]
    assert ops[0] == "OPTIMIZE" and "DELETE" in ops and "UPDATE" in ops


def test_deltacpp_changes_a_deltars_table(table_path):
    deltalake.write_deltalake(table_path, _t([1, 2, 3]))
    deltalake.write_deltalake(table_path, _t([4]), mode="append")
    dt = deltacpp.DeltaTable(table_path)
    assert dt.delete("id = 2")["num_deleted_rows"] == 1
    assert dt.update(new_values={"v": 0}, predicate="id = 4")["num_updated_rows"] == 1
    dt.optimize.compact()
    assert rows(deltalake.DeltaTable(table_path).to_pyarrow_table(), "id", "v") == [
        (1, 10), (3, 30), (4, 0)]
    # delta-rs changes it again; deltacpp reads its DML.
    deltalake.DeltaTable(table_path).update({"v": "v + 5"}, predicate="id = 1")
    dt.update_incremental()
    assert rows(dt.to_pyarrow_table(), "id", "v") == [(1, 15), (3, 30), (4, 0)]
    if hasattr(_core, "restore"):
        dt.restore(1)
        assert rows(deltalake.DeltaTable(table_path).to_pyarrow_table(), "id") == [
            (1,), (2,), (3,), (4,)]


@pytest.mark.spark
@pytest.mark.slow
def test_spark_reads_what_deltacpp_changed_and_back(spark, tmp_path):
    path = str(tmp_path / "t")
    dt, expected = _change_everything(path)
    got = spark.read.format("delta").load(path).select("id", "v", "p").collect()
    assert sorted((r.id, r.v, r.p) for r in got) == expected
    spark.sql(f"UPDATE delta.`{path}` SET v = -1 WHERE id = 3")
    spark.sql(f"DELETE FROM delta.`{path}` WHERE id = 4")
    dt.update_incremental()
    want = [(i, -1 if i == 3 else v, p) for i, v, p in expected if i != 4]
    assert rows(dt.to_pyarrow_table(), "id", "v", "p") == want
    # and deltacpp changes Spark's table with deletion vectors; Spark reads them.
    dvs = str(tmp_path / "dvs")
    spark.range(0, 6).selectExpr("id", "id * 10 AS v").write.format("delta") \
        .option("delta.enableDeletionVectors", "true").save(dvs)
    ours = deltacpp.DeltaTable(dvs)
    assert ours.delete("id < 2")["num_deletion_vectors_added"] >= 1
    ours.update({"v": "0"}, predicate="id = 5")
    got = spark.read.format("delta").load(dvs).collect()
    assert sorted((r.id, r.v) for r in got) == [(2, 20), (3, 30), (4, 40), (5, 0)]
