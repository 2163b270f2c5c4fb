"""`deltactl restore TABLE (--version N | --timestamp TS)` — RESTORE TABLE ... TO VERSION AS OF.

  rows       after restoring, the latest version reads exactly the rows of the restored version
             (appends, overwrites, schema changes and deletion vectors undone);
  log        one commit: removes for files added since, adds (dataChange=true) for files removed
             since, the old metadata; the protocol is never downgraded;
  metrics    Spark's names and values (numRestoredFiles, numRemovedFiles, ...);
  no-op      restoring the current state commits nothing;
  vacuumed   a version whose files VACUUM deleted is refused naming a file; nothing committed;
  timestamp  --timestamp picks the version in effect then;
  interop    delta-rs reads the restored table; Spark reads it, and Spark's own RESTORE of a copy
             writes the same metrics (slow).
"""
from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pyarrow as pa
import pytest

from helpers import deltactl as cli
from helpers import writing as w
from helpers.compare import canonical_rows

pytestmark = [pytest.mark.group("write: restore"), pytest.mark.usefixtures("require_deltactl")]


def run(args) -> dict:
    proc = cli.check_ok(cli.run_deltactl([*map(str, args), "--json"]))
    return json.loads(proc.stdout)


def rows(path: Path, version: int | None = None) -> list[tuple]:
    return sorted(canonical_rows(cli.read_cat(path, version=version)))


def commit(path: Path, version: int) -> list[dict]:
    text = (path / "_delta_log" / f"{version:020d}.json").read_text()
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def build(path: Path, tmp: Path, *, dv: bool = False) -> None:
    """v0 create+write ids 0..9, v1 append 10..14, v2 delete id < 3, v3 append 100."""
    props = {"delta.enableDeletionVectors": "true"} if dv else {}
    w.write(path, pa.table({"id": pa.array(range(10), pa.int64()), "s": [f"r{i}" for i in range(10)]}),
            tmp / "in", properties=props)
    w.write(path, pa.table({"id": pa.array(range(10, 15), pa.int64()), "s": [f"r{i}" for i in range(10, 15)]}),
            tmp / "in")
    cli.check_ok(cli.run_deltactl(["delete", path, "--where", "id < 3"]))
    w.write(path, pa.table({"id": pa.array([100], pa.int64()), "s": ["x"]}), tmp / "in")


@pytest.mark.parametrize("dv", [False, True], ids=["rewrite", "dv"])
def test_restore_to_version_reads_that_versions_rows_and_commits_once(tmp_path, dv):
    path = tmp_path / "t"
    build(path, tmp_path, dv=dv)
    expected = rows(path, 1)
    live_then = {f["path"] for f in cli.files_json(path, version=1)}
    now_files = cli.files_json(path)
    live_now = {f["path"] for f in now_files}
    with_dv = {f["path"] for f in now_files if f.get("deletionVectorCardinality")}
    out = run(["restore", path, "--version", 1])
    assert (out["version"], out["restoredVersion"], out["committed"]) == (4, 1, True)
    assert rows(path) == expected
    actions = commit(path, 4)
    info = next(a["commitInfo"] for a in actions if "commitInfo" in a)
    assert info["operation"] == "RESTORE"
    assert info["operationParameters"] == {"version": 1, "timestamp": None}  # raw JSON, as Spark
    removed = {a["remove"]["path"] for a in actions if "remove" in a}
    added = {a["add"]["path"] for a in actions if "add" in a}
    assert all(a["add"]["dataChange"] for a in actions if "add" in a)
    assert all(a["remove"]["dataChange"] for a in actions if "remove" in a)
    if dv:
        # The delete marked rows of one file in a DV: that path is live in both versions with
        # another DV, so it is removed (with the DV) and re-added (without).
        assert len(with_dv) == 1
        assert removed == (live_now - live_then) | with_dv and added == (live_then - live_now) | with_dv
    else:
        assert removed == live_now - live_then and added == live_then - live_now
    files_after = cli.files_json(path)
    assert out["numOfFilesAfterRestore"] == len(files_after) == len(live_then)
    assert out["tableSizeAfterRestore"] == sum(f["size"] for f in files_after)
    assert out["numRestoredFiles"] == len(added) and out["numRemovedFiles"] == len(removed)
    assert json.loads(info["operationMetrics"]["numRestoredFiles"]) == len(added)


def test_restore_undoes_schema_changes_but_not_the_protocol(tmp_path):
    path = tmp_path / "t"
    w.write(path, pa.table({"id": pa.array([1, 2], pa.int64())}), tmp_path / "in")
    cli.check_ok(cli.run_deltactl(["alter", path, "add-columns", "extra STRING"]))
    cli.check_ok(cli.run_deltactl(["alter", path, "set-properties", "delta.enableDeletionVectors=true"]))
    proto_before = cli.info_json(path)["protocol"]
    run(["restore", path, "--version", 0])
    info = cli.info_json(path)
    assert [f["name"] for f in info["schema"]["fields"]] == ["id"]
    assert info["protocol"] == proto_before
    assert "delta.enableDeletionVectors" not in info.get("configuration", info.get("properties", {}))
    assert rows(path) == [(1,), (2,)]


def test_restoring_the_current_state_commits_nothing(tmp_path):
    path = tmp_path / "t"
    build(path, tmp_path)
    out = run(["restore", path, "--version", 3])
    assert (out["committed"], out["version"]) == (False, 3)
    assert w.log_versions(path) == [0, 1, 2, 3]


def test_restore_by_timestamp_picks_the_version_in_effect(tmp_path):
    path = tmp_path / "t"
    build(path, tmp_path)
    # Commit times 1 s apart, set on the commit files (the table has no in-commit timestamps).
    base = int(time.time()) - 3600  # whole seconds: the text below has no fraction
    for v in range(4):
        f = path / "_delta_log" / f"{v:020d}.json"
        os.utime(f, (base + v, base + v))
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(base + 1.5))
    expected = rows(path, 1)
    out = run(["restore", path, "--timestamp", when])
    assert out["restoredVersion"] == 1
    assert rows(path) == expected
    info = next(a["commitInfo"] for a in commit(path, 4) if "commitInfo" in a)
    assert info["operationParameters"]["timestamp"].startswith(when)


def test_restore_refuses_a_version_whose_files_were_vacuumed(tmp_path):
    path = tmp_path / "t"
    w.write(path, pa.table({"id": pa.array([1], pa.int64())}), tmp_path / "in")
    w.write(path, pa.table({"id": pa.array([2], pa.int64())}), tmp_path / "in", mode="overwrite")
    cli.check_ok(cli.run_deltactl(["vacuum", path, "--retain", "0", "--no-retention-check"]))
    old_file = cli.files_json(path, version=0)[0]["path"]
    w.expect_error(["restore", path, "--version", "0"], "IoError", "version 0", old_file, "nothing was committed")
    assert w.log_versions(path) == [0, 1, 2, 3]  # the vacuum's START/END commits, no restore
    assert rows(path) == [(2,)]


def test_restore_usage_errors(tmp_path):
    path = tmp_path / "t"
    build(path, tmp_path)
    proc = cli.run_deltactl(["restore", path])
    assert proc.returncode == 2
    w.expect_error(["restore", path, "--version", "9"], "VersionNotFound", "version 9")


def test_delta_rs_reads_the_restored_table(tmp_path):
    deltalake = pytest.importorskip("deltalake")
    path = tmp_path / "t"
    build(path, tmp_path)
    expected = rows(path, 1)
    run(["restore", path, "--version", 1])
    got = deltalake.DeltaTable(str(path)).to_pyarrow_table()
    assert sorted(canonical_rows(got.select(["id", "s"]))) == expected


@pytest.mark.slow
@pytest.mark.parametrize("dv", [False, True], ids=["rewrite", "dv"])
def test_spark_reads_our_restore_and_its_own_restore_writes_the_same_metrics(spark, tmp_path, dv):
    ours = tmp_path / "ours"
    build(ours, tmp_path, dv=dv)
    theirs = tmp_path / "theirs"
    shutil.copytree(ours, theirs)
    run(["restore", ours, "--version", 1])
    spark.sql(f"RESTORE TABLE delta.`{theirs}` TO VERSION AS OF 1")
    ours_rows = sorted(tuple(r) for r in spark.read.format("delta").load(str(ours)).select("id", "s").collect())
    theirs_rows = sorted(tuple(r) for r in spark.read.format("delta").load(str(theirs)).select("id", "s").collect())
    assert ours_rows == theirs_rows == rows(ours)
    mine = next(a["commitInfo"] for a in commit(ours, 4) if "commitInfo" in a)
    spark_info = next(a["commitInfo"] for a in commit(theirs, 4) if "commitInfo" in a)
    assert mine["operation"] == spark_info["operation"] == "RESTORE"
    assert mine["operationParameters"] == spark_info["operationParameters"]
    sizes = {"tableSizeAfterRestore", "removedFilesSize", "restoredFilesSize"}
    assert set(mine["operationMetrics"]) == set(spark_info["operationMetrics"])
    for k in set(spark_info["operationMetrics"]) - sizes:
        assert mine["operationMetrics"][k] == spark_info["operationMetrics"][k], k
