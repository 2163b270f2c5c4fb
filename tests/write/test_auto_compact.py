"""Auto compaction after writes (`delta.autoOptimize.autoCompact`), as Spark's AutoCompact does:

  trigger     after the write whose commit leaves >= 50 files under 128 MiB in a partition it
              touched, one OPTIMIZE commit (operationParameters.auto = true, dataChange=false)
              compacts that partition; below the threshold, and on tables without the property,
              nothing happens;
  scope       only partitions the write touched are compacted;
  rows        identical before and after; delta-rs reads the compacted table.
"""
from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from helpers import deltactl as cli
from helpers import writing as w
from helpers.compare import canonical_rows

pytestmark = [pytest.mark.group("write: auto compaction"), pytest.mark.usefixtures("require_deltactl")]


def commit(path: Path, version: int) -> list[dict]:
    text = (path / "_delta_log" / f"{version:020d}.json").read_text()
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def info_of(path: Path, version: int) -> dict:
    return next(a["commitInfo"] for a in commit(path, version) if "commitInfo" in a)


def rows(path: Path, version: int | None = None) -> list[tuple]:
    return sorted(canonical_rows(cli.read_cat(path, version=version)))


def test_the_fiftieth_small_file_of_a_partition_triggers_one_optimize_commit(tmp_path):
    path = tmp_path / "t"
    results = []
    for i in range(52):
        data = pa.table({"n": pa.array([i], pa.int64()), "p": ["a" if i % 2 else "b"]})
        kw = {"partition_by": ["p"], "properties": {"delta.autoOptimize.autoCompact": "true"}} if i == 0 else {}
        results.append(w.write(path, data, tmp_path / "in", **kw))
    # One file per write, alternating partitions: 26 small files each after 52 writes, below 50.
    assert all("autoCompact" not in r for r in results)
    for i in range(52, 100):
        data = pa.table({"n": pa.array([i], pa.int64()), "p": ["b"]})
        results.append(w.write(path, data, tmp_path / "in"))
    compacted = [(i, r) for i, r in enumerate(results) if "autoCompact" in r]
    # Partition b had 26 files after write 51; write 75 makes it 50.
    assert [i for i, _ in compacted] == [75]
    r = compacted[0][1]
    assert r["autoCompact"] == {"version": r["version"] + 1, "numFilesRemoved": 50, "numFilesAdded": 1}
    info = info_of(path, r["version"] + 1)
    assert info["operation"] == "OPTIMIZE"
    assert info["operationParameters"]["auto"] == "true"
    actions = commit(path, r["version"] + 1)
    assert all(not a["add"]["dataChange"] for a in actions if "add" in a)
    removed = [a["remove"] for a in actions if "remove" in a]
    assert len(removed) == 50 and {x["partitionValues"]["p"] for x in removed} == {"b"}
    assert rows(path, r["version"] + 1) == rows(path, r["version"])
    # Partition a (26 files) was not touched by the triggering write: left alone.
    files = cli.files_json(path, version=r["version"] + 1)
    assert sum(1 for f in files if f["partitionValues"]["p"] == "a") == 26
    assert sum(1 for f in files if f["partitionValues"]["p"] == "b") == 1
    assert sorted(n for (n, _) in rows(path)) == list(range(100))


def test_no_compaction_without_the_property(tmp_path):
    path = tmp_path / "t"
    for i in range(55):
        r = w.write(path, pa.table({"n": pa.array([i], pa.int64())}), tmp_path / "in")
        assert "autoCompact" not in r
    assert len(cli.files_json(path)) == 55
    assert w.log_versions(path)[-1] == 54


def test_delta_rs_reads_an_auto_compacted_table(tmp_path):
    deltalake = pytest.importorskip("deltalake")
    path = tmp_path / "t"
    for i in range(50):
        kw = {"properties": {"delta.autoOptimize.autoCompact": "auto"}} if i == 0 else {}
        r = w.write(path, pa.table({"n": pa.array([i, i + 1000], pa.int64())}), tmp_path / "in", **kw)
    assert r["autoCompact"]["numFilesRemoved"] == 50
    assert len(cli.files_json(path)) == 1
    got = deltalake.DeltaTable(str(path)).to_pyarrow_table()
    assert sorted(got.column("n").to_pylist()) == sorted([i for i in range(50)] + [i + 1000 for i in range(50)])


@pytest.mark.parametrize("optimize_write", [None, "true"])
def test_writes_are_optimized_writes_one_file_per_partition_whatever_the_input_batching(tmp_path, optimize_write):
    """Spark's optimized writes (delta.autoOptimize.optimizeWrite) shuffle rows so each partition
    gets few, full files; deltacpp's writer always does: 20 inputs of 10-row row groups spread
    over 4 partitions give 4 files, with or without the property."""
    import pyarrow.parquet as pq
    inputs = []
    for i in range(20):
        f = tmp_path / f"in{i}.parquet"
        pq.write_table(pa.table({"n": pa.array(range(i * 100, (i + 1) * 100), pa.int64()),
                                 "p": [str(j % 4) for j in range(100)]}), f, row_group_size=10)
        inputs.append(f)
    props = {"delta.autoOptimize.optimizeWrite": optimize_write} if optimize_write else None
    r = w.write_files(tmp_path / "t", inputs, partition_by=["p"], properties=props)
    assert r["numFilesAdded"] == 4
    files = cli.files_json(tmp_path / "t")
    assert sorted(f["partitionValues"]["p"] for f in files) == ["0", "1", "2", "3"]
    assert sum(f["numRecords"] for f in files) == 2000
