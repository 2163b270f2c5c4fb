"""`deltactl lake list DIR` and `deltactl lake maintain DIR [--dry-run]` on a folder of real tables.

The lake: three tables (one nested two levels down), a folder that is not a table, a folder whose
_delta_log has no commit, and a broken table (its only commit is not JSON).
  list       exact paths, versions, file counts, sizes and last operations; the broken table is
             listed with its error, not aborting the list; --recursive bounds the search depth;
  dry run    prints what it would do and changes nothing: the _delta_log listing and contents and
             the data files are byte-identical afterwards;
  maintain   compacts the table with small files, vacuums the table with an old orphan file,
             checkpoints the table that is due; afterwards delta-rs reads identical rows and the
             doctor finds nothing on those tables.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import pyarrow as pa
import pytest

from helpers import deltactl as cli
from helpers import writing as w

pytestmark = [pytest.mark.group("write: lake"), pytest.mark.usefixtures("require_deltactl")]


def snapshot_tree(root: Path) -> dict[str, str]:
    """Every file under `root` with a hash of its content."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def build_lake(root: Path, tmp: Path) -> dict[str, Path]:
    tables = {"compact": root / "compact", "orphans": root / "orphans", "nested": root / "group" / "nested"}
    # compact: 5 appends to 2 partitions -> 10 small files (versions 0..4).
    for i in range(5):
        data = pa.table({"n": pa.array([i, i + 100], pa.int64()), "p": ["a", "b"]})
        w.write(tables["compact"], data, tmp / "in", partition_by=["p"] if i == 0 else ())
    # orphans: one write and a 10-day-old file nobody references.
    w.write(tables["orphans"], pa.table({"n": pa.array(range(50), pa.int64())}), tmp / "in")
    orphan = tables["orphans"] / "orphan.parquet"
    orphan.write_bytes(next(tables["orphans"].glob("part-*.parquet")).read_bytes())
    old = time.time() - 10 * 86400
    os.utime(orphan, (old, old))
    # nested: 3 commits with a checkpoint interval of 100, then the interval lowered to 2
    # (at version 3, odd: no automatic checkpoint) -> a checkpoint is due.
    w.write(tables["nested"], pa.table({"n": pa.array([1, 2, 3], pa.int64())}), tmp / "in",
            properties={"delta.checkpointInterval": "100"})
    for _ in range(2):
        w.write(tables["nested"], pa.table({"n": pa.array([4], pa.int64())}), tmp / "in")
    cli.check_ok(cli.run_deltactl(["alter", tables["nested"], "set-properties", "delta.checkpointInterval=2"]))
    # Not tables.
    (root / "notes").mkdir()
    (root / "notes" / "readme.txt").write_text("not a table")
    (root / "empty_log" / "_delta_log").mkdir(parents=True)
    broken = root / "broken" / "_delta_log"
    broken.mkdir(parents=True)
    (broken / "00000000000000000000.json").write_text("this is not json\n")
    tables["broken"] = root / "broken"
    return tables


@pytest.fixture
def lake(tmp_path):
    root = tmp_path / "lake"
    root.mkdir()
    return root, build_lake(root, tmp_path)


def lake_json(*args, expect_exit: int = 0):
    proc = cli.run_deltactl(["lake", *map(str, args), "--json"])
    assert proc.returncode == expect_exit, (proc.returncode, proc.stdout, proc.stderr)
    return json.loads(proc.stdout)


def test_list_finds_tables_and_reports_the_broken_one(lake):
    root, tables = lake
    listed = lake_json("list", root, "--recursive", "2")
    assert [t["path"] for t in listed] == [str(root / p) for p in ("broken", "compact", "group/nested", "orphans")]
    by = {Path(t["path"]).name: t for t in listed}
    assert by["broken"]["error"].startswith("[CorruptLog]") and "version" not in by["broken"]
    assert (by["compact"]["version"], by["compact"]["numFiles"], by["compact"]["lastOperation"]) == (4, 10, "WRITE")
    assert by["compact"]["sizeInBytes"] == sum(p.stat().st_size for p in tables["compact"].rglob("*.parquet"))
    assert (by["nested"]["version"], by["nested"]["numFiles"], by["nested"]["lastOperation"]) == \
        (3, 3, "SET TBLPROPERTIES")
    assert (by["orphans"]["version"], by["orphans"]["numFiles"]) == (0, 1)
    for t in ("compact", "nested", "orphans"):
        assert by[t]["error"] is None and by[t]["lastOperationTime"]

    # The default depth (1) does not reach group/nested; depth 0 looks at DIR itself only.
    assert [Path(t["path"]).name for t in lake_json("list", root)] == ["broken", "compact", "orphans"]
    assert lake_json("list", root, "--recursive", "0") == []
    assert [t["path"] for t in lake_json("list", tables["compact"], "--recursive", "0")] == [str(tables["compact"])]

    human = cli.check_ok(cli.run_deltactl(["lake", "list", root, "--recursive", "2"])).stdout
    lines = human.splitlines()
    assert lines[0].split() == ["PATH", "VERSION", "FILES", "BYTES", "LAST", "OPERATION", "AT"]
    assert any(l.startswith(str(root / "broken")) and "[CorruptLog]" in l for l in lines)
    assert any(l.split()[:3] == [str(root / "compact"), "4", "10"] for l in lines)
    assert lines[-1] == "4 table(s)"


def test_list_of_a_missing_folder_is_an_error(tmp_path):
    w.expect_error(["lake", "list", tmp_path / "nope"], "TableNotFound", str(tmp_path / "nope"))


def test_maintain_dry_run_changes_nothing(lake):
    root, tables = lake
    before = snapshot_tree(root)
    plan = lake_json("maintain", root, "--recursive", "2", "--dry-run", expect_exit=1)  # broken fails
    assert snapshot_tree(root) == before
    by = {Path(r["path"]).name: r for r in plan}
    assert by["compact"]["actions"] == ["optimize"] and by["compact"]["filesCompacted"] == 10
    orphan_size = (tables["orphans"] / "orphan.parquet").stat().st_size
    assert by["orphans"]["actions"] == ["vacuum"]
    assert (by["orphans"]["filesVacuumed"], by["orphans"]["bytesVacuumed"]) == (1, orphan_size)
    assert by["nested"]["actions"] == ["checkpoint"] and by["nested"]["checkpointVersion"] == 3
    assert by["broken"]["actions"] == [] and by["broken"]["error"].startswith("[CorruptLog]")
    assert all(r["dryRun"] for r in plan)
    human = cli.run_deltactl(["lake", "maintain", root, "--recursive", "2", "--dry-run"])
    assert human.returncode == 1
    assert "WOULD DO" in human.stdout and "(dry run: nothing changed)" in human.stdout
    assert snapshot_tree(root) == before


def test_maintain_compacts_vacuums_and_checkpoints_and_delta_rs_reads_the_same_rows(lake):
    deltalake = pytest.importorskip("deltalake")
    root, tables = lake
    good = {k: v for k, v in tables.items() if k != "broken"}
    rows_before = {k: deltalake.DeltaTable(str(p)).to_pyarrow_table().sort_by("n") for k, p in good.items()}
    result = lake_json("maintain", root, "--recursive", "2", expect_exit=1)
    by = {Path(r["path"]).name: r for r in result}
    assert by["compact"]["actions"] == ["optimize"]
    assert (by["compact"]["filesCompacted"], by["compact"]["filesWritten"]) == (10, 2)
    orphan = tables["orphans"] / "orphan.parquet"
    assert by["orphans"]["actions"] == ["vacuum"] and by["orphans"]["filesVacuumed"] == 1
    assert not orphan.exists()
    assert by["nested"]["actions"] == ["checkpoint"] and by["nested"]["checkpointVersion"] == 3
    assert (tables["nested"] / "_delta_log" / "00000000000000000003.checkpoint.parquet").exists()
    assert by["broken"]["error"].startswith("[CorruptLog]")
    for k, p in good.items():
        assert deltalake.DeltaTable(str(p)).to_pyarrow_table().sort_by("n").equals(rows_before[k]), k
        proc = cli.run_deltactl(["doctor", p, "--json"])
        assert json.loads(proc.stdout)["findings"] == [], (k, proc.stdout)
    # A second run has nothing left to do.
    again = lake_json("maintain", root, "--recursive", "2", expect_exit=1)
    assert {Path(r["path"]).name: r["actions"] for r in again} == \
        {"broken": [], "compact": [], "nested": [], "orphans": []}


def test_auto_compact_tables_are_compacted_from_two_small_files(tmp_path):
    root = tmp_path / "lake"
    for name, props in (("auto", {"delta.autoOptimize.autoCompact": "true"}), ("plain", {})):
        for i in range(2):
            w.write(root / name, pa.table({"n": pa.array([i], pa.int64())}), tmp_path / "in",
                    properties=props if i == 0 else None)
    plan = lake_json("maintain", root, "--dry-run")
    assert {Path(r["path"]).name: (r["actions"], r["filesCompacted"]) for r in plan} == \
        {"auto": (["optimize"], 2), "plain": ([], 0)}


def test_maintain_does_not_vacuum_a_table_whose_file_retention_is_under_an_hour(tmp_path):
    """An unattended sweep must not delete files running jobs may still need: the orphan stays."""
    root = tmp_path / "lake"
    t = root / "short"
    w.write(t, pa.table({"n": pa.array(range(5), pa.int64())}), tmp_path / "in",
            properties={"delta.deletedFileRetentionDuration": "interval 10 minutes"})
    orphan = t / "orphan.parquet"
    orphan.write_bytes(next(t.glob("part-*.parquet")).read_bytes())
    old = time.time() - 10 * 86400
    os.utime(orphan, (old, old))
    [result] = lake_json("maintain", root)
    assert "vacuum" not in result["actions"]
    assert len(result["skipped"]) == 1 and result["skipped"][0].startswith("vacuum: ")
    assert "deletedFileRetentionDuration" in result["skipped"][0]
    assert orphan.exists()
