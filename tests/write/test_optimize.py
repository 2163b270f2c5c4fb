"""`deltactl optimize TABLE [--where EXPR] [--zorder-by a,b] [--target-size SIZE]`: bin-packing
compaction and Z-ORDER BY (Spark's OPTIMIZE).

  compaction   small files of each partition become one file per bin; rows identical; every
               add and remove of the commit has dataChange=false; metrics exact; a second run
               rewrites nothing;
  --where      only the matching partitions are touched; non-partition columns are refused;
  DVs          a file with a deletion vector is rewritten without the deleted rows and without DV;
  Z-ORDER      on 1M rows of two random columns, selective predicates on either column read a
               small fraction of the files afterwards (printed before/after); re-running skips;
               partition columns, unknown columns and columns without stats are refused;
  readers      delta-rs and Spark read identical rows after OPTIMIZE; Spark's DESCRIBE HISTORY
               shows our OPTIMIZE with its metrics.
Concurrency (appends never conflict; removal of a rewritten file does) is proven deterministically
in tests/unit/optimize_test.cc, where a rival commit is injected at the moment OPTIMIZE commits.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from helpers import deltactl as cli
from helpers.compare import assert_tables_equal

pytestmark = [pytest.mark.group("write: optimize"), pytest.mark.usefixtures("require_deltactl")]

CONFORMANCE_DIR = Path(os.environ.get("DELTA_CONFORMANCE_DIR")
                       or cli.REPO_ROOT.parent / "shared" / "conformance")
if not CONFORMANCE_DIR.exists():  # a git worktree under /work/wt/<name>
    CONFORMANCE_DIR = cli.REPO_ROOT.parents[1] / "shared" / "conformance"
DV_TABLE = CONFORMANCE_DIR / "delta-kernel-rs-data" / "table-with-dv-small"


def run(*args) -> str:
    return cli.check_ok(cli.run_deltactl([str(a) for a in args])).stdout


def optimize(path: Path, *args) -> dict:
    return json.loads(run("optimize", path, *args, "--json"))


def log_actions(path: Path, version: int) -> list[dict]:
    with open(path / "_delta_log" / f"{version:020d}.json") as f:
        return [json.loads(line) for line in f if line.strip()]


def sorted_rows(t: pa.Table, keys=("id",)) -> pa.Table:
    return t.sort_by([(k, "ascending") for k in keys])


def files_read(path: Path, where: str) -> tuple[int, int]:
    """(files to read, total files) for `where`, from `deltactl cat --explain`."""
    proc = cli.check_ok(cli.run_deltactl(["cat", path, "--where", where, "--explain", "--format", "csv"]))
    m = re.search(r"files: (\d+) total, .* (\d+) to read", proc.stderr + proc.stdout)
    assert m, proc.stderr
    return int(m.group(2)), int(m.group(1))


def make_small_files(path: Path, tmp: Path, appends: int = 10, rows: int = 30) -> pa.Table:
    """A table partitioned by p (a, b, c) written by `appends` appends: 3 files each."""
    run("create", path, "--schema", "id BIGINT, p STRING, v DOUBLE, s STRING", "--partition-by", "p")
    batches = []
    for i in range(appends):
        ids = np.arange(i * rows, (i + 1) * rows, dtype=np.int64)
        t = pa.table({"id": ids, "p": [["a", "b", "c"][j % 3] for j in ids],
                      "v": ids * 0.5, "s": [f"row-{j}" for j in ids]})
        f = tmp / f"in{i}.parquet"
        pq.write_table(t, f)
        run("write", path, "--input", f)
        batches.append(t)
    return pa.concat_tables(batches)


@pytest.fixture
def small(tmp_path):
    path = tmp_path / "t"
    expected = make_small_files(path, tmp_path)
    return path, expected


def test_compaction_packs_each_partition_into_one_file_with_identical_rows(small):
    path, expected = small
    before = cli.files_json(path)
    assert len(before) == 30
    m = optimize(path)
    assert m["version"] == 11
    assert m["numFilesRemoved"] == 30 and m["numFilesAdded"] == 3
    assert m["partitionsOptimized"] == 3 and m["numBins"] == 3 and m["numBatches"] == 1
    assert m["totalConsideredFiles"] == 30 and m["totalFilesSkipped"] == 0
    assert m["preserveInsertionOrder"] is True
    sizes_before = [f["size"] for f in before]
    assert m["filesRemoved"] == {"min": min(sizes_before), "max": max(sizes_before),
                                 "avg": sum(sizes_before) / 30, "totalFiles": 30,
                                 "totalSize": sum(sizes_before)}
    after = cli.files_json(path)
    sizes_after = [f["size"] for f in after]
    assert len(after) == 3 and sorted(f["partitionValues"]["p"] for f in after) == ["a", "b", "c"]
    assert m["filesAdded"]["totalSize"] == sum(sizes_after)
    assert m["filesAdded"]["min"] == min(sizes_after) and m["filesAdded"]["max"] == max(sizes_after)
    assert all(f["numRecords"] == 100 for f in after)
    assert_tables_equal(sorted_rows(cli.read_cat(path)), sorted_rows(expected.select(["id", "p", "v", "s"])))

    actions = log_actions(path, 11)
    info = actions[0]["commitInfo"]
    assert info["operation"] == "OPTIMIZE"
    assert info["operationParameters"] == {"predicate": "[]", "zOrderBy": "[]", "clusterBy": "[]",
                                           "auto": "false"}
    om = info["operationMetrics"]
    assert om["numRemovedFiles"] == "30" and om["numAddedFiles"] == "3"
    assert om["numRemovedBytes"] == str(sum(sizes_before))
    assert om["numAddedBytes"] == str(sum(sizes_after))
    assert om["minFileSize"] == str(min(sizes_after)) and om["maxFileSize"] == str(max(sizes_after))
    adds = [a["add"] for a in actions if "add" in a]
    removes = [a["remove"] for a in actions if "remove" in a]
    assert len(adds) == 3 and len(removes) == 30
    assert all(a["dataChange"] is False for a in adds + removes)
    assert info["isBlindAppend"] is False

    # Idempotent: nothing left to do, no new version.
    again = optimize(path)
    assert again["version"] == 11 and again["numFilesRemoved"] == 0 and again["numFilesAdded"] == 0
    assert again["totalConsideredFiles"] == 3 and again["totalFilesSkipped"] == 3
    assert not (path / "_delta_log" / f"{12:020d}.json").exists()


def test_target_size_bounds_the_bins(tmp_path):
    path = tmp_path / "t"
    make_small_files(path, tmp_path, appends=12, rows=300)  # 36 files, 12 per partition
    size = max(f["size"] for f in cli.files_json(path))
    target = size * 4
    m = optimize(path, "--target-size", str(target))
    # Each bin holds at most `target` bytes of input: 4 files per bin, 3 bins per partition.
    assert m["numFilesRemoved"] == 36 and m["numBins"] == 9 and m["numFilesAdded"] == 9
    assert all(f["size"] <= target for f in cli.files_json(path))
    # A second run packs the 3 files of each partition, which together exceed the target:
    # bins of at most target bytes, 3 files each of ~4 inputs can't pair under the target.
    m2 = optimize(path, "--target-size", str(target))
    assert m2["numFilesAdded"] <= m2["numFilesRemoved"]


def test_where_restricts_to_matching_partitions(small):
    path, expected = small
    m = optimize(path, "--where", "p = 'a'")
    assert m["numFilesRemoved"] == 10 and m["numFilesAdded"] == 1 and m["partitionsOptimized"] == 1
    assert m["totalConsideredFiles"] == 10
    counts = {}
    for f in cli.files_json(path):
        counts[f["partitionValues"]["p"]] = counts.get(f["partitionValues"]["p"], 0) + 1
    assert counts == {"a": 1, "b": 10, "c": 10}
    info = log_actions(path, 11)[0]["commitInfo"]
    assert json.loads(info["operationParameters"]["predicate"]) == ["p = 'a'"]
    assert_tables_equal(sorted_rows(cli.read_cat(path)), sorted_rows(expected.select(["id", "p", "v", "s"])))


def test_where_on_a_data_column_is_refused(small):
    path, _ = small
    proc = cli.run_deltactl(["optimize", path, "--where", "id > 3"])
    assert proc.returncode == 1
    err = cli.parse_error(proc.stderr)
    assert err.kind == "InvalidArgument"
    assert "Predicate references non-partition column 'id'" in err.message and "[p]" in err.message


def test_bad_target_size_is_a_usage_error(small):
    path, _ = small
    proc = cli.run_deltactl(["optimize", path, "--target-size", "lots"])
    assert proc.returncode == 2 and "--target-size" in proc.stderr


@pytest.mark.skipif(not DV_TABLE.exists(), reason="conformance corpus not present")
def test_deletion_vectors_are_purged_from_rewritten_files(tmp_path):
    path = tmp_path / "dv"
    shutil.copytree(DV_TABLE, path)
    expected = cli.read_cat(path)
    assert cli.files_json(path)[0]["deletionVectorCardinality"] == 2
    m = optimize(path)
    assert m["numFilesRemoved"] == 1 and m["numFilesAdded"] == 1
    assert m["numDeletionVectorsRemoved"] == 1 and m["numDeletionVectorRowsRemoved"] == 2
    adds = [a["add"] for a in log_actions(path, m["version"]) if "add" in a]
    assert len(adds) == 1 and adds[0].get("deletionVector") is None
    assert json.loads(adds[0]["stats"])["numRecords"] == 8
    info = log_actions(path, m["version"])[0]["commitInfo"]
    assert info["operationMetrics"]["numDeletionVectorsRemoved"] == "1"
    assert_tables_equal(cli.read_cat(path), expected)
    assert optimize(path)["numFilesRemoved"] == 0  # no DV left, one file: nothing to do


# ---- Z-ORDER BY -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def zordered(tmp_path_factory):
    """1M rows of two independent uniform columns in ~40 files, before and after Z-ORDER."""
    tmp = tmp_path_factory.mktemp("zorder")
    rng = np.random.default_rng(7)
    n = 1_000_000
    data = pa.table({"x": rng.integers(0, 1_000_000, n), "y": rng.integers(0, 1_000_000, n),
                     "id": np.arange(n, dtype=np.int64)})
    path = tmp / "t"
    run("create", path, "--schema", "x BIGINT, y BIGINT, id BIGINT")
    # Written in random order, in ~40 files: every file spans (nearly) the whole range of both.
    for i in range(40):
        f = tmp / f"in{i}.parquet"
        pq.write_table(data.slice(i * n // 40, n // 40), f)
        run("write", path, "--input", f)
    predicates = ["x = 500000", "y = 123456", "x BETWEEN 1000 AND 2000", "y < 20000"]
    before = {p: files_read(path, p) for p in predicates}
    m = optimize(path, "--zorder-by", "x,y", "--target-size", "200KB")
    after = {p: files_read(path, p) for p in predicates}
    print("\nZ-ORDER BY (x, y) of 1,000,000 rows: files read per predicate")
    for p in predicates:
        print(f"  {p:28s} before {before[p][0]:3d}/{before[p][1]:3d}   after {after[p][0]:3d}/{after[p][1]:3d}")
    return path, data, m, before, after


def test_zorder_makes_selective_predicates_read_few_files(zordered):
    path, data, m, before, after = zordered
    assert m["zOrderBy"] == ["x", "y"] and m["numFilesRemoved"] == 40
    assert m["numFilesAdded"] >= 20 and m["preserveInsertionOrder"] is False
    for p, (read, total) in before.items():
        assert read == total == 40, p
    for p, (read, total) in after.items():
        assert total == m["numFilesAdded"]
        assert read <= 0.35 * total, f"{p}: {read}/{total} files read after Z-ORDER"
    # Point predicates on either column read at most ~a third of sqrt-many files.
    assert after["x = 500000"][0] <= 0.25 * after["x = 500000"][1]
    got = cli.read_cat(path)
    assert_tables_equal(sorted_rows(got), sorted_rows(data))
    info = log_actions(path, m["version"])[0]["commitInfo"]
    assert info["operation"] == "OPTIMIZE" and info["operationParameters"]["zOrderBy"] == '["x","y"]'
    adds = [a["add"] for a in log_actions(path, m["version"]) if "add" in a]
    assert all(a["dataChange"] is False and a["tags"]["deltacpp.zOrderBy"] == '["x","y"]' for a in adds)


def test_zorder_again_rewrites_nothing_until_new_files_arrive(zordered, tmp_path):
    path, _, m, _, _ = zordered
    again = optimize(path, "--zorder-by", "x,y", "--target-size", "200KB")
    assert again["numFilesRemoved"] == 0 and again["version"] == m["version"]
    # Other columns are a different clustering: it is redone.
    copy = tmp_path / "copy"
    shutil.copytree(path, copy)
    f = tmp_path / "more.parquet"
    pq.write_table(pa.table({"x": [1], "y": [2], "id": [-1]}), f)
    run("write", copy, "--input", f)
    redo = optimize(copy, "--zorder-by", "x,y", "--target-size", "200KB")
    assert redo["numFilesRemoved"] == m["numFilesAdded"] + 1


def test_zorder_on_a_partition_column_is_refused(small):
    path, _ = small
    proc = cli.run_deltactl(["optimize", path, "--zorder-by", "p"])
    err = cli.parse_error(proc.stderr)
    assert proc.returncode == 1 and err.kind == "InvalidArgument"
    assert err.message == "p is a partition column. Z-Ordering can only be performed on data columns"


def test_zorder_on_an_unknown_column_is_refused(small):
    path, _ = small
    err = cli.parse_error(cli.run_deltactl(["optimize", path, "--zorder-by", "nope"]).stderr)
    assert err.kind == "InvalidArgument" and "nope does not exist" in err.message


def test_zorder_on_a_column_without_stats_is_refused(tmp_path):
    path = tmp_path / "t"
    run("create", path, "--schema", "a BIGINT, b BIGINT", "--property", "delta.dataSkippingNumIndexedCols=1")
    err = cli.parse_error(cli.run_deltactl(["optimize", path, "--zorder-by", "a,b"]).stderr)
    assert err.kind == "InvalidArgument"
    assert err.message.startswith("Z-Ordering on [b] will be ineffective, because we currently do not "
                                  "collect stats for these columns")


def test_zorder_orders_strings_dates_and_decimals(tmp_path):
    path = tmp_path / "t"
    run("create", path, "--schema", "s STRING, d DATE, m DECIMAL(10,2), k BIGINT")
    import datetime as dt
    from decimal import Decimal
    rng = np.random.default_rng(3)
    rows = []
    for i in range(4):
        k = rng.permutation(2000)
        t = pa.table({"s": [f"name-{v:05d}" for v in k],
                      "d": pa.array([dt.date(2020, 1, 1) + dt.timedelta(days=int(v)) for v in k[::-1]]),
                      "m": pa.array([Decimal(int(v)) / 100 for v in k], pa.decimal128(10, 2)),
                      "k": pa.array(k + i * 2000, pa.int64())})
        rows.append(t)
        f = tmp_path / f"i{i}.parquet"
        pq.write_table(t, f)
        run("write", path, "--input", f)
    m = optimize(path, "--zorder-by", "s,d,m", "--target-size", "16KB")
    assert m["numFilesRemoved"] == 4 and m["numFilesAdded"] > 4
    assert_tables_equal(sorted_rows(cli.read_cat(path), ["k"]),
                        sorted_rows(pa.concat_tables(rows), ["k"]))


# ---- other readers --------------------------------------------------------------------------

def test_deltars_reads_identical_rows_after_optimize(small):
    deltalake = pytest.importorskip("deltalake")
    path, expected = small
    optimize(path)
    theirs = deltalake.DeltaTable(str(path)).to_pyarrow_table().select(["id", "p", "v", "s"])
    assert_tables_equal(sorted_rows(theirs), sorted_rows(expected.select(["id", "p", "v", "s"])))
    # delta-rs can keep appending to and compacting the table.
    assert deltalake.DeltaTable(str(path)).version() == 11


@pytest.mark.spark
@pytest.mark.spark_smoke
def test_spark_reads_optimized_table_and_shows_its_history(spark, small):
    path, expected = small
    m = optimize(path)
    optimize(path, "--zorder-by", "id")
    from helpers.spark import spark_read
    got = spark_read(spark, str(path)).select(["id", "p", "v", "s"])
    assert_tables_equal(sorted_rows(got), sorted_rows(expected.select(["id", "p", "v", "s"])))
    hist = spark.sql(f"DESCRIBE HISTORY delta.`{path}`").orderBy("version", ascending=False).limit(2).collect()
    assert [h.operation for h in hist] == ["OPTIMIZE", "OPTIMIZE"]
    zo, compaction = hist
    assert compaction.version == m["version"]
    assert compaction.operationParameters["zOrderBy"] == "[]"
    assert zo.operationParameters["zOrderBy"] == '["id"]'
    assert compaction.operationMetrics["numRemovedFiles"] == "30"
    assert compaction.operationMetrics["numAddedFiles"] == "3"
    assert compaction.operationMetrics["numAddedBytes"] == str(m["filesAdded"]["totalSize"])
    assert compaction.isBlindAppend is False
