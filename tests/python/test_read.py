"""DeltaTable: versions, state, scans, history, change data, checkpoints, errors."""
from __future__ import annotations

import os
import threading
from datetime import datetime, timedelta, timezone

import pyarrow as pa
import pytest

import deltacpp
from deltacpp import exceptions as exc

from pyhelpers import rows

pytestmark = pytest.mark.group("python package")


def test_open_latest_and_given_version(three_versions):
    dt = deltacpp.DeltaTable(three_versions)
    assert dt.version() == 2
    assert rows(dt.to_pyarrow_table(), "id", "p") == [(10, "c"), (11, "c")]
    old = deltacpp.DeltaTable(three_versions, version=1)
    assert old.version() == 1
    assert rows(old.to_pyarrow_table(), "id", "p") == [(1, "a"), (2, "b"), (3, "a"), (4, "b")]


def test_for_path_is_delta_spark_constructor(three_versions):
    assert deltacpp.DeltaTable.forPath(three_versions).version() == 2
    assert deltacpp.DeltaTable.forPath(None, three_versions).version() == 2
    assert deltacpp.is_deltatable(three_versions)


def test_load_as_version_moves_back_and_forward(three_versions):
    dt = deltacpp.DeltaTable(three_versions)
    dt.load_as_version(0)
    assert dt.version() == 0
    assert rows(dt.to_pyarrow_table(), "id") == [(1,), (2,), (3,)]
    dt.load_as_version(2)
    assert dt.version() == 2
    dt.load_as_version(1)
    dt.update_incremental()
    assert dt.version() == 2


def test_load_as_version_by_timestamp(three_versions):
    dt = deltacpp.DeltaTable(three_versions)
    ts1 = dt.history()[1]["timestamp"]  # version 1, as time travel sees it
    assert dt.history()[1]["version"] == 1
    when = datetime.fromtimestamp(ts1 / 1000, tz=timezone.utc)
    dt.load_as_version(when)
    assert dt.version() == 1
    dt.load_as_version(when.replace(tzinfo=None))  # naive = UTC
    assert dt.version() == 1
    dt.load_as_version(str(ts1))  # ms since the epoch as a string
    assert dt.version() == 1
    dt.load_as_version((when + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S"))
    assert dt.version() == 2
    with pytest.raises(exc.TimestampOutOfRangeError):
        dt.load_as_version("2000-01-01")
    with pytest.raises(deltacpp.VersionNotFoundError):  # the parent class
        dt.load_as_version(datetime(2000, 1, 1))


def test_schema_is_pyarrow_schema(three_versions):
    schema = deltacpp.DeltaTable(three_versions).schema()
    assert isinstance(schema, pa.Schema)
    assert schema.names == ["id", "p"]
    assert schema.field("id").type == pa.int64()
    assert schema.field("p").type == pa.string()


def test_metadata_and_protocol(three_versions):
    dt = deltacpp.DeltaTable(three_versions)
    md = dt.metadata()
    assert md.name == "events"
    assert md.description == "test table"
    assert md.partition_columns == ["p"]
    assert md.configuration == {"delta.appendOnly": "false", "owner": "tests"}
    assert isinstance(md.id, str) and len(md.id) == 36
    assert isinstance(md.created_time, int) and md.created_time > 0
    proto = dt.protocol()
    assert (proto.min_reader_version, proto.min_writer_version) == (1, 2)
    assert proto.reader_features is None and proto.writer_features is None


def test_files_and_filtered_files(three_versions):
    dt = deltacpp.DeltaTable(three_versions, version=1)
    files = dt.files()
    assert len(files) == 3  # p=a, p=b (v0) and p=b (v1)
    assert all(f.endswith(".parquet") and f.startswith("p=") for f in files)
    assert all(os.path.exists(os.path.join(three_versions, f)) for f in files)
    assert sorted(f.split("/")[0] for f in dt.files(filter="p = 'b'")) == ["p=b", "p=b"]
    assert len(deltacpp.DeltaTable(three_versions).files()) == 1


def test_history_newest_first_with_limit(three_versions):
    dt = deltacpp.DeltaTable(three_versions)
    hist = dt.history()
    assert [h["version"] for h in hist] == [2, 1, 0]
    assert [h["operation"] for h in hist] == ["WRITE", "WRITE", "WRITE"]
    assert [h["operationParameters"]["mode"] for h in hist] == ["Overwrite", "Append",
                                                                "ErrorIfExists"]
    assert [h["version"] for h in dt.history(limit=1)] == [2]


def test_to_pyarrow_table_columns_and_filter(three_versions):
    dt = deltacpp.DeltaTable(three_versions, version=1)
    t = dt.to_pyarrow_table(columns=["p", "id"], filter="id >= 2 AND p = 'b'")
    assert t.column_names == ["p", "id"]
    assert rows(t, "id", "p") == [(2, "b"), (4, "b")]
    assert dt.to_pyarrow_table(filter="id > 100").num_rows == 0
    assert dt.to_pyarrow_table(limit=2).num_rows == 2


def test_to_batches_is_record_batch_reader(three_versions):
    reader = deltacpp.DeltaTable(three_versions, version=1).to_batches(columns=["id"])
    assert isinstance(reader, pa.RecordBatchReader)
    assert reader.schema.names == ["id"]
    assert sorted(reader.read_all().column("id").to_pylist()) == [1, 2, 3, 4]


def test_arrow_c_stream_protocol(three_versions):
    dt = deltacpp.DeltaTable(three_versions)
    assert rows(pa.table(dt), "id") == [(10,), (11,)]
    reader = pa.RecordBatchReader.from_stream(dt)
    assert reader.read_all().num_rows == 2
    # A requested schema is honoured by casting.
    want = pa.schema([("id", pa.int64()), ("p", pa.large_string())])
    t = pa.RecordBatchReader.from_stream(dt, schema=want).read_all()
    assert t.schema == want


def test_to_pandas(three_versions):
    pd = pytest.importorskip("pandas")
    df = deltacpp.DeltaTable(three_versions).to_pandas(columns=["id"])
    assert isinstance(df, pd.DataFrame)
    assert sorted(df["id"].tolist()) == [10, 11]


def test_load_cdf(table_path):
    cdf_on = {"delta.enableChangeDataFeed": "true"}
    deltacpp.write_deltalake(table_path, pa.table({"id": [1, 2]}), configuration=cdf_on)
    deltacpp.write_deltalake(table_path, pa.table({"id": [3]}), mode="append")
    dt = deltacpp.DeltaTable(table_path)
    reader = dt.load_cdf(starting_version=0)
    assert isinstance(reader, pa.RecordBatchReader)
    t = reader.read_all()
    assert {"_change_type", "_commit_version", "_commit_timestamp"} <= set(t.column_names)
    assert rows(t, "id", "_change_type", "_commit_version") == [
        (1, "insert", 0), (2, "insert", 0), (3, "insert", 1)]
    t = dt.load_cdf(starting_version=1, ending_version=1, columns=["id", "_change_type"]).read_all()
    assert t.column_names == ["id", "_change_type"]
    assert rows(t) == [(3, "insert")]
    t = dt.load_cdf(filter="_commit_version = 0").read_all()
    assert rows(t, "id") == [(1,), (2,)]
    with pytest.raises(exc.InvalidArgumentError):  # start after the latest version
        dt.load_cdf(starting_version=5)
    with pytest.raises(deltacpp.VersionNotFoundError):
        dt.load_cdf(starting_version=0, ending_version=5)


def test_create_checkpoint(three_versions):
    dt = deltacpp.DeltaTable(three_versions)
    m = dt.create_checkpoint()
    assert m["version"] == 2 and m["kind"] == "classic" and m["num_add_files"] == 1
    assert os.path.exists(os.path.join(three_versions, "_delta_log",
                                       "00000000000000000002.checkpoint.parquet"))
    assert rows(deltacpp.DeltaTable(three_versions).to_pyarrow_table(), "id") == [(10,), (11,)]


def test_alter_add_columns_and_set_properties(three_versions):
    dt = deltacpp.DeltaTable(three_versions)
    v = dt.alter.add_columns([pa.field("score", pa.float64()), pa.field("tag", pa.string())])
    assert v == 3 and dt.version() == 3
    assert dt.schema().names == ["id", "p", "score", "tag"]
    assert dt.to_pyarrow_table().column("score").to_pylist() == [None, None]
    assert dt.alter.set_properties({"delta.logRetentionDuration": "interval 7 days"}) == 4
    assert dt.metadata().configuration["delta.logRetentionDuration"] == "interval 7 days"


def test_alter_constraints_columns_and_properties(table_path):
    deltacpp.write_deltalake(table_path, pa.table({"id": pa.array([1, 2], pa.int64()),
                                                   "name": ["a", "b"]}))
    dt = deltacpp.DeltaTable(table_path)
    with pytest.raises(deltacpp.ConstraintViolationError):  # existing rows must satisfy it
        dt.alter.add_constraint({"small": "id < 2"})
    assert dt.alter.add_constraint({"pos": "id > 0"}) == 1
    assert dt.alter.drop_constraint("pos") == 2
    assert "delta.constraints.pos" not in dt.metadata().configuration
    with pytest.raises(deltacpp.DeltaError):
        dt.alter.drop_constraint("pos")
    assert dt.alter.drop_constraint("pos", raise_if_not_exists=False) == 3
    with pytest.raises(deltacpp.ProtocolError) as e:  # needs column mapping
        dt.alter.rename_column("name", "label")
    assert "columnMapping" in str(e.value)
    dt.alter.set_table_properties({"delta.columnMapping.mode": "name", "k": "v"})
    dt.alter.rename_column("name", "label")
    assert dt.schema().names == ["id", "label"]
    assert rows(dt.to_pyarrow_table()) == [(1, "a"), (2, "b")]
    dt.alter.drop_columns("label")
    assert dt.schema().names == ["id"]
    dt.alter.unset_properties(["k"])
    assert "k" not in dt.metadata().configuration
    assert rows(deltacpp.DeltaTable(table_path).to_pyarrow_table()) == [(1,), (2,)]


def test_table_not_found(tmp_path):
    with pytest.raises(deltacpp.TableNotFoundError) as e:
        deltacpp.DeltaTable(str(tmp_path / "nothing"))
    assert e.value.code == "TableNotFound"
    assert "nothing" in str(e.value)
    assert not deltacpp.is_deltatable(str(tmp_path / "nothing"))


def test_version_not_found(three_versions):
    with pytest.raises(deltacpp.VersionNotFoundError):
        deltacpp.DeltaTable(three_versions, version=7)
    dt = deltacpp.DeltaTable(three_versions)
    with pytest.raises(deltacpp.VersionNotFoundError):
        dt.load_as_version(9)
    assert dt.version() == 2  # unchanged after a failed load


def test_bad_filter_is_parse_error_and_unknown_column_invalid(three_versions):
    dt = deltacpp.DeltaTable(three_versions)
    with pytest.raises(deltacpp.ParseError) as e:
        dt.to_pyarrow_table(filter="id >")
    assert "position" in str(e.value)
    with pytest.raises(exc.InvalidArgumentError):
        dt.to_pyarrow_table(columns=["nope"])
    with pytest.raises(ValueError):  # InvalidArgumentError is a ValueError too
        dt.to_pyarrow_table(columns=["nope"])


def test_exception_hierarchy():
    for cls in (exc.TableNotFoundError, exc.VersionNotFoundError, exc.ProtocolError,
                exc.SchemaMismatchError, exc.CommitConflictError, exc.ConstraintViolationError,
                exc.ParseError, exc.CorruptLogError, exc.DeltaIOError):
        assert issubclass(cls, deltacpp.DeltaError)
    e = exc._from_code("CommitConflict", "ConcurrentDeleteRead: a file was removed by ...")
    assert isinstance(e, deltacpp.CommitConflictError) and e.kind == "ConcurrentDeleteRead"
    assert exc._from_code("CommitConflict", "gave up committing").kind is None
    assert isinstance(exc._from_code("UnsupportedFeature", "x"), deltacpp.ProtocolError)
    assert isinstance(exc._from_code("MissingProtocolOrMetadata", "x"), deltacpp.ProtocolError)


def test_unsupported_reader_feature_is_protocol_error(table_path):
    deltacpp.write_deltalake(table_path, pa.table({"id": [1]}))
    # Forge a protocol with a reader feature nobody implements.
    log = os.path.join(table_path, "_delta_log", "00000000000000000001.json")
    with open(log, "w") as f:
        f.write('{"protocol":{"minReaderVersion":3,"minWriterVersion":7,'
                '"readerFeatures":["futureFeature"],"writerFeatures":["futureFeature"]}}\n')
    with pytest.raises(deltacpp.ProtocolError) as e:
        deltacpp.DeltaTable(table_path).to_pyarrow_table()
    assert "futureFeature" in str(e.value)


def test_reads_from_threads_in_parallel(three_versions):
    dt = deltacpp.DeltaTable(three_versions, version=1)
    results, errors = [], []

    def read():
        try:
            results.append(dt.to_pyarrow_table().num_rows)
        except Exception as e:  # pragma: no cover
            errors.append(e)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and results == [4] * 8


def test_datetime_to_milliseconds_is_exact():
    from deltacpp.table import _to_ms
    for ms in (1795335786685, 1700000000001, 1, 0, 1795335786999):
        when = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
        assert _to_ms(when) == ms
        assert _to_ms(when.replace(tzinfo=None)) == ms
    assert _to_ms(datetime(2024, 1, 2, 3, 0, tzinfo=timezone(timedelta(hours=2)))) == \
        _to_ms(datetime(2024, 1, 2, 1, 0, tzinfo=timezone.utc))
