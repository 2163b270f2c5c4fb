"""write_deltalake: modes, partitioning, replaceWhere, schema evolution, inputs, errors."""
from __future__ import annotations

import pyarrow as pa
import pytest

import deltacpp
from deltacpp import exceptions as exc
from deltacpp.writer import WriteMetrics

from pyhelpers import rows

pytestmark = pytest.mark.group("python package")


def _t(ids, p=None):
    cols = {"id": pa.array(ids, pa.int64())}
    if p is not None:
        cols["p"] = pa.array(p, pa.string())
    return pa.table(cols)


def test_create_returns_metrics(table_path):
    m = deltacpp.write_deltalake(table_path, _t([1, 2, 3], ["a", "b", "a"]), partition_by="p")
    assert isinstance(m, WriteMetrics)
    assert (m.version, m.skipped, m.num_files_added, m.num_output_rows) == (0, False, 2, 3)
    assert m.num_files_removed == 0 and m.num_output_bytes > 0 and m.commit_attempts == 1
    dt = deltacpp.DeltaTable(table_path)
    assert dt.metadata().partition_columns == ["p"]
    assert rows(dt.to_pyarrow_table(), "id", "p") == [(1, "a"), (2, "b"), (3, "a")]


def test_mode_error_on_existing_table_fails(table_path):
    deltacpp.write_deltalake(table_path, _t([1]))
    with pytest.raises(deltacpp.DeltaError) as e:
        deltacpp.write_deltalake(table_path, _t([2]))  # mode="error" is the default
    assert "exists" in str(e.value)
    assert deltacpp.DeltaTable(table_path).version() == 0


def test_mode_append_overwrite_ignore(table_path):
    deltacpp.write_deltalake(table_path, _t([1]))
    assert deltacpp.write_deltalake(table_path, _t([2]), mode="append").version == 1
    m = deltacpp.write_deltalake(table_path, _t([7, 8]), mode="overwrite")
    assert (m.version, m.num_files_removed) == (2, 2)
    m = deltacpp.write_deltalake(table_path, _t([99]), mode="ignore")
    assert m.skipped and m.version == 2
    dt = deltacpp.DeltaTable(table_path)
    assert rows(dt.to_pyarrow_table()) == [(7,), (8,)]
    assert [h["operationParameters"]["mode"] for h in dt.history()] == [
        "Overwrite", "Append", "ErrorIfExists"]


def test_bad_mode_is_invalid_argument(table_path):
    with pytest.raises(exc.InvalidArgumentError):
        deltacpp.write_deltalake(table_path, _t([1]), mode="upsert")


def test_replace_where_predicate(table_path):
    deltacpp.write_deltalake(table_path, _t([1, 2, 3, 4], ["a", "a", "b", "b"]), partition_by=["p"])
    m = deltacpp.write_deltalake(table_path, _t([30], ["b"]), mode="overwrite", predicate="p = 'b'")
    assert m.version == 1
    assert rows(deltacpp.DeltaTable(table_path).to_pyarrow_table(), "id", "p") == [
        (1, "a"), (2, "a"), (30, "b")]
    with pytest.raises(deltacpp.DeltaError):  # a new row outside the predicate
        deltacpp.write_deltalake(table_path, _t([5], ["a"]), mode="overwrite", predicate="p = 'b'")


def test_dynamic_partition_overwrite(table_path):
    deltacpp.write_deltalake(table_path, _t([1, 2], ["a", "b"]), partition_by=["p"])
    deltacpp.write_deltalake(table_path, _t([20], ["b"]), mode="overwrite",
                             partition_overwrite_mode="dynamic")
    assert rows(deltacpp.DeltaTable(table_path).to_pyarrow_table(), "id", "p") == [
        (1, "a"), (20, "b")]


def test_schema_mismatch_is_refused(table_path):
    deltacpp.write_deltalake(table_path, _t([1]))
    with pytest.raises(deltacpp.SchemaMismatchError) as e:
        deltacpp.write_deltalake(table_path, pa.table({"id": [1], "extra": ["x"]}), mode="append")
    assert "extra" in str(e.value)
    with pytest.raises(deltacpp.SchemaMismatchError):
        deltacpp.write_deltalake(table_path, pa.table({"id": ["not a number"]}), mode="append")
    assert deltacpp.DeltaTable(table_path).version() == 0


def test_schema_mode_merge_and_overwrite(table_path):
    deltacpp.write_deltalake(table_path, _t([1]))
    deltacpp.write_deltalake(table_path, pa.table({"id": [2], "extra": ["x"]}), mode="append",
                             schema_mode="merge")
    dt = deltacpp.DeltaTable(table_path)
    assert dt.schema().names == ["id", "extra"]
    assert rows(dt.to_pyarrow_table()) == [(1, None), (2, "x")]
    deltacpp.write_deltalake(table_path, pa.table({"name": ["z"]}), mode="overwrite",
                             schema_mode="overwrite")
    dt.update_incremental()
    assert dt.schema().names == ["name"] and rows(dt.to_pyarrow_table()) == [("z",)]


def test_safe_cast_int32_to_table_int64(table_path):
    deltacpp.write_deltalake(table_path, _t([1]))
    deltacpp.write_deltalake(table_path, pa.table({"id": pa.array([2], pa.int32())}),
                             mode="append")
    t = deltacpp.DeltaTable(table_path).to_pyarrow_table()
    assert t.schema.field("id").type == pa.int64() and rows(t) == [(1,), (2,)]


def test_configuration_name_description(table_path):
    deltacpp.write_deltalake(table_path, _t([1]), name="n", description="d",
                             configuration={"delta.enableChangeDataFeed": "true", "skip": None})
    md = deltacpp.DeltaTable(table_path).metadata()
    assert (md.name, md.description) == ("n", "d")
    assert md.configuration == {"delta.enableChangeDataFeed": "true"}


def test_target_file_size_splits_files(table_path):
    np = pytest.importorskip("numpy")
    data = pa.Table.from_batches([
        pa.record_batch([pa.array(np.arange(i, i + 10_000, dtype=np.int64))], names=["id"])
        for i in range(0, 200_000, 10_000)])
    m = deltacpp.write_deltalake(table_path, data, target_file_size=200_000)
    assert m.num_files_added > 1
    assert deltacpp.DeltaTable(table_path).to_pyarrow_table().num_rows == 200_000


def test_constraint_violation(table_path):
    deltacpp.write_deltalake(table_path, _t([1]))
    dt = deltacpp.DeltaTable(table_path)
    assert dt.alter.add_constraint({"positive": "id > 0"}) == 1
    assert dt.metadata().configuration["delta.constraints.positive"] == "id > 0"
    with pytest.raises(deltacpp.ConstraintViolationError) as e:
        deltacpp.write_deltalake(table_path, _t([-5]), mode="append")
    assert "positive" in str(e.value)


@pytest.mark.parametrize("kind", ["table", "reader", "batch", "dict", "batches", "write_to_dt"])
def test_inputs(table_path, kind):
    t = _t([1, 2])
    data = {
        "table": t,
        "reader": pa.RecordBatchReader.from_batches(t.schema, t.to_batches()),
        "batch": t.to_batches()[0],  # __arrow_c_array__
        "dict": {"id": pa.array([1, 2], pa.int64())},
        "batches": iter(t.to_batches()),
        "write_to_dt": t,
    }[kind]
    if kind == "write_to_dt":
        deltacpp.write_deltalake(table_path, _t([0]))
        dt = deltacpp.DeltaTable(table_path)
        deltacpp.write_deltalake(dt, data, mode="overwrite")
        assert dt.version() == 1  # the DeltaTable passed in is brought up to date
    else:
        deltacpp.write_deltalake(table_path, data)
    assert rows(deltacpp.DeltaTable(table_path).to_pyarrow_table()) == [(1,), (2,)]


def test_python_generator_reader_is_read_without_deadlock(table_path):
    schema = pa.schema([("id", pa.int64())])

    def gen():
        for i in range(5):
            yield pa.record_batch([pa.array([i], pa.int64())], schema=schema)

    deltacpp.write_deltalake(table_path, pa.RecordBatchReader.from_batches(schema, gen()))
    assert rows(deltacpp.DeltaTable(table_path).to_pyarrow_table()) == [(i,) for i in range(5)]


def test_pandas_input(table_path):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"id": [1, 2], "name": ["a", "b"]}, index=[10, 11])
    deltacpp.write_deltalake(table_path, df)
    dt = deltacpp.DeltaTable(table_path)
    assert dt.schema().names == ["id", "name"]  # the index is not written
    assert rows(dt.to_pyarrow_table()) == [(1, "a"), (2, "b")]


def test_unsupported_input_is_type_error(table_path):
    with pytest.raises(TypeError):
        deltacpp.write_deltalake(table_path, 42)


def test_round_trip_types(table_path):
    import datetime as dtm
    from decimal import Decimal
    t = pa.table({
        "b": pa.array([True, None]),
        "i8": pa.array([1, None], pa.int8()),
        "f": pa.array([1.5, None], pa.float64()),
        "s": pa.array(["x", None]),
        "bin": pa.array([b"\x00\x01", None], pa.binary()),
        "d": pa.array([dtm.date(2024, 1, 2), None]),
        "ts": pa.array([dtm.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dtm.timezone.utc), None],
                       pa.timestamp("us", tz="UTC")),
        "dec": pa.array([Decimal("1.25"), None], pa.decimal128(10, 2)),
        "lst": pa.array([[1, 2], None], pa.list_(pa.int64())),
        "st": pa.array([{"a": 1}, None], pa.struct([("a", pa.int64())])),
    })
    deltacpp.write_deltalake(table_path, t)
    back = deltacpp.DeltaTable(table_path).to_pyarrow_table()
    assert back.to_pylist() == t.to_pylist()


def test_write_releases_the_gil(table_path):
    """A Python thread keeps running while the native write works (the GIL is released)."""
    from pyhelpers import longest_python_stall

    np = pytest.importorskip("numpy")
    data = pa.table({"id": pa.array(np.arange(3_000_000, dtype=np.int64)),
                     "v": pa.array(np.random.default_rng(1).random(3_000_000))})
    stall, took = longest_python_stall(lambda: deltacpp.write_deltalake(table_path, data))
    if took < 0.2:
        pytest.skip(f"write too fast ({took:.3f} s) to observe")
    assert stall < took * 0.5, (stall, took)


def test_empty_write_creates_table_and_overwrite_creates(tmp_path):
    import pathlib
    empty = str(tmp_path / "empty")
    m = deltacpp.write_deltalake(empty, pa.table({"id": pa.array([], pa.int64())}))
    assert (m.version, m.num_files_added) == (0, 0)
    t = deltacpp.DeltaTable(empty).to_pyarrow_table()
    assert t.schema.names == ["id"] and t.num_rows == 0
    fresh = tmp_path / "fresh"
    assert deltacpp.write_deltalake(fresh, _t([1]), mode="overwrite").version == 0
    assert deltacpp.DeltaTable(pathlib.Path(fresh)).version() == 0  # os.PathLike accepted
