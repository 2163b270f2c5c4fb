"""In-commit timestamps (PROTOCOL.md "In-Commit Timestamps") written by deltacpp.

With delta.enableInCommitTimestamps=true, every commit deltactl writes starts with commitInfo,
which carries inCommitTimestamp, strictly increasing from commit to commit; enabling them on an
existing table records delta.inCommitTimestampEnablementVersion/-Timestamp. Time travel by
timestamp follows the in-commit timestamps, not the file times (the tests set the commit files'
times to nonsense to tell the two apart). delta-rs and Spark read such a table and see the same
history timestamps; Spark appends to it and deltacpp reads Spark's in-commit timestamps.
(A clock going backwards is covered by the C++ test
SnapshotUpdate.InCommitTimestampsStayMonotonicWhenTheClockGoesBackwards, which injects one.)
"""
from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pyarrow as pa
import pytest

from helpers import deltactl as cli
from helpers.compare import assert_tables_equal
from helpers.writing import create, write

pytestmark = [pytest.mark.group("write: in-commit timestamps"),
              pytest.mark.usefixtures("require_deltactl")]

ICT = {"delta.enableInCommitTimestamps": "true"}
UTC = dt.timezone.utc


def commit_lines(path: Path, version: int) -> list[dict]:
    log = Path(path) / "_delta_log" / f"{version:020d}.json"
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def ict_of(path: Path, version: int) -> int:
    first = commit_lines(path, version)[0]
    assert "commitInfo" in first, f"commitInfo is not the first action of version {version}"
    return first["commitInfo"]["inCommitTimestamp"]


def metadata_of(path: Path, version: int) -> dict | None:
    for a in commit_lines(path, version):
        if "metaData" in a:
            return a["metaData"]
    return None


def protocol_of(path: Path, version: int) -> dict | None:
    for a in commit_lines(path, version):
        if "protocol" in a:
            return a["protocol"]
    return None


def rows(ids) -> pa.Table:
    return pa.table({"id": pa.array(list(ids), pa.int64())})


def scramble_file_times(path: Path) -> None:
    """Sets every commit file's time to 2001 (older commits later), so that time travel by
    file time would pick other versions than time travel by in-commit timestamp."""
    logs = sorted((Path(path) / "_delta_log").glob("*.json"))
    base = dt.datetime(2001, 1, 1, tzinfo=UTC).timestamp()
    for i, f in enumerate(logs):
        t = base + (len(logs) - i) * 3600
        os.utime(f, (t, t))


def iso(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + "Z"


@pytest.fixture()
def ict_table(tmp_path) -> Path:
    """An ICT table: created with them on, then 5 appends in quick succession (versions 1-5)."""
    path = tmp_path / "ict"
    create(path, "id BIGINT", properties=ICT)
    for v in range(1, 6):
        assert write(path, rows(range(v * 10, v * 10 + 2)), tmp_path / "in", "csv")["version"] == v
    return path


def test_commit_info_is_first_with_strictly_increasing_in_commit_timestamps(ict_table):
    ts = [ict_of(ict_table, v) for v in range(6)]
    assert all(b > a for a, b in zip(ts, ts[1:])), ts
    for v in range(6):
        ci = commit_lines(ict_table, v)[0]["commitInfo"]
        assert ci["timestamp"] == ci["inCommitTimestamp"], ci
    proto = protocol_of(ict_table, 0)
    assert proto["minWriterVersion"] == 7 and "inCommitTimestamp" in proto["writerFeatures"], proto
    assert proto["minReaderVersion"] == 1 and "readerFeatures" not in proto, proto
    conf = metadata_of(ict_table, 0)["configuration"]
    # Enabled at creation: no enablement provenance is needed.
    assert "delta.inCommitTimestampEnablementVersion" not in conf, conf
    hist = cli.history_json(ict_table)
    assert [h["version"] for h in hist] == [5, 4, 3, 2, 1, 0]
    assert [h["inCommitTimestamp"] for h in hist] == ts[::-1]


def test_enabling_on_an_existing_table_records_version_and_timestamp(tmp_path):
    path = tmp_path / "later"
    create(path, "id BIGINT")
    write(path, rows([1, 2]), tmp_path / "in", "csv")
    cli.check_ok(cli.run_deltactl(["alter", str(path), "set-properties",
                                   "delta.enableInCommitTimestamps=true"]))
    write(path, rows([3]), tmp_path / "in", "csv")
    assert "inCommitTimestamp" not in commit_lines(path, 1)[0].get("commitInfo", {})
    enabled_ict = ict_of(path, 2)
    conf = metadata_of(path, 2)["configuration"]
    assert conf["delta.enableInCommitTimestamps"] == "true"
    assert conf["delta.inCommitTimestampEnablementVersion"] == "2"
    assert conf["delta.inCommitTimestampEnablementTimestamp"] == str(enabled_ict)
    v1_mtime_ms = int((path / "_delta_log" / f"{1:020d}.json").stat().st_mtime * 1000)
    assert enabled_ict > v1_mtime_ms - 1
    assert "inCommitTimestamp" in protocol_of(path, 2)["writerFeatures"]
    assert ict_of(path, 3) > enabled_ict
    # Before the enablement timestamp, file times decide; from it on, in-commit timestamps.
    assert_tables_equal(cli.read_cat(path, timestamp=str(enabled_ict)), rows([1, 2]), "at v2")
    assert_tables_equal(cli.read_cat(path, timestamp=str(ict_of(path, 3))), rows([1, 2, 3]),
                        "at v3")
    assert_tables_equal(cli.read_cat(path, timestamp=str(v1_mtime_ms)), rows([1, 2]), "at v1")


def test_time_travel_by_timestamp_follows_in_commit_timestamps(ict_table):
    ts = [ict_of(ict_table, v) for v in range(6)]
    scramble_file_times(ict_table)
    for v in (0, 2, 5):
        expected = rows([i for k in range(1, v + 1) for i in range(k * 10, k * 10 + 2)])
        assert_tables_equal(cli.read_cat(ict_table, timestamp=str(ts[v])), expected, f"ms v{v}")
        if v < 5:  # just before the next commit: still version v
            assert_tables_equal(cli.read_cat(ict_table, timestamp=str(ts[v + 1] - 1)), expected,
                                f"before v{v + 1}")
    proc = cli.run_deltactl(cli.cat_args(ict_table, timestamp=str(ts[0] - 1)))
    assert proc.returncode == 1 and "TimestampOutOfRange" in proc.stderr, proc.stderr


def test_deltars_sees_our_history_timestamps(ict_table):
    deltalake = pytest.importorskip("deltalake")
    ts = [ict_of(ict_table, v) for v in range(6)]
    t = deltalake.DeltaTable(str(ict_table))
    hist = {h["version"]: h["timestamp"] for h in t.history()}
    assert [hist[v] for v in range(6)] == ts
    assert t.to_pyarrow_table().num_rows == 10
    t.load_as_version(dt.datetime.fromtimestamp(ts[3] / 1000, tz=UTC))
    assert t.version() == 3


@pytest.mark.spark
@pytest.mark.spark_smoke
@pytest.mark.slow
def test_spark_history_and_appends_on_our_ict_table(spark, ict_table, tmp_path):
    ts = [ict_of(ict_table, v) for v in range(6)]
    t = f"delta.`{ict_table}`"
    hist = spark.sql(f"DESCRIBE HISTORY {t}").select("version", "timestamp").collect()
    spark_ts = {r.version: int(r.timestamp.replace(tzinfo=UTC).timestamp() * 1000) for r in hist}
    assert [spark_ts[v] for v in range(6)] == ts, (spark_ts, ts)
    at3 = spark.read.format("delta").option("timestampAsOf", iso(ts[3])).load(str(ict_table))
    assert at3.count() == 6
    # Spark appends: its commit carries an in-commit timestamp after ours, and we read it.
    spark.sql(f"INSERT INTO {t} VALUES (100), (101)")
    spark_ict = ict_of(ict_table, 6)
    assert spark_ict > ts[5]
    ours = cli.history_json(ict_table, limit=1)[0]
    assert ours["version"] == 6 and ours["inCommitTimestamp"] == spark_ict
    assert cli.read_cat(ict_table, timestamp=str(spark_ict)).num_rows == 12
    assert cli.read_cat(ict_table, timestamp=str(spark_ict - 1)).num_rows == 10
    # And we append after Spark: still monotonic.
    assert write(ict_table, rows([200]), tmp_path / "in", "csv")["version"] == 7
    assert ict_of(ict_table, 7) > spark_ict
    assert spark.read.format("delta").load(str(ict_table)).count() == 13
