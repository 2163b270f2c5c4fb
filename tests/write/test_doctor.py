"""`deltactl doctor TABLE [--json]` on real tables built with `deltactl write`: the exact findings,
the exact fix commands, and that running each fix command makes its finding go away.

  healthy      a fresh table has no finding, exit 0;
  small files  5 appends to 2 partitions -> small-files (10 compactable) -> `deltactl optimize`;
  backlog      an old file nobody references -> vacuum-backlog -> `deltactl vacuum`;
  checkpoints  a log without its checkpoint -> checkpoint-overdue; without _last_checkpoint ->
               last-checkpoint-missing -> `deltactl checkpoint`;
  stats        a column filtered by two DELETEs outside dataSkippingNumIndexedCols ->
               stats-not-collected -> `deltactl alter ... set-properties`, then files-without-stats
               -> `deltactl optimize --zorder-by`;
  retention    deletedFileRetentionDuration of 30 minutes is an error (exit 1) -> `deltactl alter`;
  keys         a nullable user_id without constraint is a hint -> `deltactl alter add-constraint`;
  DVs          20% of rows deleted by deletion vectors -> deletion-vector-backlog -> optimize.
The pure analysis is covered finding by finding in tests/unit/doctor_test.cc.
"""
from __future__ import annotations

import json
import os
import shlex
import time
from pathlib import Path

import pyarrow as pa
import pytest

from helpers import deltactl as cli
from helpers import writing as w

pytestmark = [pytest.mark.group("write: doctor"), pytest.mark.usefixtures("require_deltactl")]


def doctor(path: Path, expect_exit: int = 0) -> dict:
    proc = cli.run_deltactl(["doctor", path, "--json"])
    assert proc.returncode == expect_exit, (proc.returncode, proc.stdout, proc.stderr)
    return json.loads(proc.stdout)


def ids(report: dict) -> list[str]:
    return [f["id"] for f in report["findings"]]


def run_fix(fix: str) -> None:
    argv = shlex.split(fix)
    assert argv[0] == "deltactl", fix
    cli.check_ok(cli.run_deltactl(argv[1:]))


def rows(path: Path) -> pa.Table:
    return cli.read_cat(path).sort_by("n")


def make_table(path: Path, tmp: Path, n: int = 100, **kw) -> None:
    data = pa.table({"n": pa.array(range(n), pa.int64()), "v": pa.array([float(i) for i in range(n)]),
                     "c": pa.array([i % 10 for i in range(n)], pa.int32())})
    w.write(path, data, tmp / "in", **kw)


def test_healthy_table_has_no_findings(tmp_path):
    t = tmp_path / "t"
    make_table(t, tmp_path)
    report = doctor(t)
    assert report == {"table": str(t), "version": 0, "findings": []}
    human = cli.check_ok(cli.run_deltactl(["doctor", t])).stdout
    assert f"table {t} at version 0: 0 error(s), 0 warning(s), 0 hint(s)" in human
    assert "no findings" in human


def test_json_shape_and_help_state_the_exit_status(tmp_path):
    help_text = cli.check_ok(cli.run_deltactl(["doctor", "--help"])).stdout
    assert "Exit status: 0 when no finding is an error" in help_text
    t = tmp_path / "t"
    for i in range(5):
        data = pa.table({"n": pa.array([i, i + 100], pa.int64()), "p": ["a", "b"]})
        w.write(t, data, tmp_path / "in", partition_by=["p"] if i == 0 else ())
    report = doctor(t)
    assert list(report) == ["table", "version", "findings"]
    for f in report["findings"]:
        assert list(f) == ["id", "severity", "message", "metrics", "fix"]


def test_small_files_are_fixed_by_the_optimize_command(tmp_path):
    t = tmp_path / "t"
    for i in range(5):
        data = pa.table({"n": pa.array([i, i + 100], pa.int64()), "p": ["a", "b"]})
        w.write(t, data, tmp_path / "in", partition_by=["p"] if i == 0 else ())
    before = rows(t)
    report = doctor(t)
    assert report["version"] == 4
    assert ids(report) == ["small-files"]
    f = report["findings"][0]
    assert f["severity"] == "warning"
    m = f["metrics"]
    assert (m["small_files"], m["compactable_small_files"], m["total_files"]) == (10, 10, 10)
    assert m["partitions_with_small_files"] == 2
    assert m["small_file_threshold_bytes"] == 32 << 20
    assert m["small_file_share"] == 1.0
    assert f["fix"] == f"deltactl optimize {t}"
    human = cli.check_ok(cli.run_deltactl(["doctor", t])).stdout
    assert "warning  small-files" in human and f"fix: deltactl optimize {t}" in human

    run_fix(f["fix"])
    after = doctor(t)
    assert after["version"] == 5
    assert ids(after) == []  # the compacted files are still within the retention: no backlog
    assert rows(t).equals(before)


def test_vacuum_backlog_of_a_never_referenced_file_is_fixed_by_vacuum(tmp_path):
    t = tmp_path / "t"
    make_table(t, tmp_path)
    data_file = next(t.glob("*.parquet"))
    orphan = t / "orphan-from-a-failed-job.parquet"
    orphan.write_bytes(data_file.read_bytes())
    old = time.time() - 10 * 86400
    os.utime(orphan, (old, old))
    report = doctor(t)
    assert ids(report) == ["vacuum-backlog"]
    f = report["findings"][0]
    assert f["severity"] == "warning"  # as large as the live data
    m = f["metrics"]
    assert (m["vacuumable_files"], m["never_referenced_files"], m["removed_expired_files"]) == (1, 1, 0)
    assert m["vacuumable_bytes"] == m["never_referenced_bytes"] == orphan.stat().st_size
    assert m["retained_files"] == 0 and m["retention_hours"] == 168.0
    assert f["fix"] == f"deltactl vacuum {t}"
    run_fix(f["fix"])
    assert not orphan.exists() and data_file.exists()
    assert ids(doctor(t)) == []


def test_missing_checkpoints_are_fixed_by_the_checkpoint_command(tmp_path):
    t = tmp_path / "t"
    make_table(t, tmp_path, properties={"delta.checkpointInterval": "2"})
    for _ in range(3):
        make_table(t, tmp_path)  # versions 1..3; writers checkpoint at 2
    log = t / "_delta_log"
    assert (log / "00000000000000000002.checkpoint.parquet").exists()
    (log / "_last_checkpoint").unlink()
    report = doctor(t)
    assert ids(report) == ["last-checkpoint-missing"]
    assert report["findings"][0]["metrics"] == {"last_checkpoint_version": 2}
    assert report["findings"][0]["fix"] == f"deltactl checkpoint {t}"
    run_fix(report["findings"][0]["fix"])
    assert ids(doctor(t)) == []

    # A writer that never checkpoints (the checkpoints gone): 3 versions since version 0.
    for f in log.glob("*.checkpoint.parquet"):
        f.unlink()
    (log / "_last_checkpoint").unlink()
    report = doctor(t)
    assert ids(report) == ["checkpoint-overdue"]
    assert report["findings"][0]["metrics"] == {"versions_since_checkpoint": 3, "checkpoint_interval": 2,
                                                "last_checkpoint_version": -1}
    run_fix(report["findings"][0]["fix"])
    assert ids(doctor(t)) == []


def test_filtered_column_without_stats_is_fixed_by_the_property_then_a_rewrite(tmp_path):
    t = tmp_path / "t"
    make_table(t, tmp_path, properties={"delta.dataSkippingNumIndexedCols": "1"})
    before = rows(t)
    cli.check_ok(cli.run_deltactl(["delete", t, "--where", "c = 9"]))
    cli.check_ok(cli.run_deltactl(["delete", t, "--where", "c = 8 AND n > 50"]))
    report = doctor(t)
    assert ids(report) == ["stats-not-collected"]
    f = report["findings"][0]
    assert f["metrics"] == {"column": "c", "predicate_commits": 2}
    assert f["fix"] == f"deltactl alter {t} set-properties delta.dataSkippingStatsColumns=n,c"
    run_fix(f["fix"])

    report = doctor(t)
    assert ids(report) == ["files-without-stats"]
    f = report["findings"][0]
    assert f["metrics"] == {"column": "c", "predicate_commits": 2, "files_without_stats": 1, "total_files": 1}
    assert f["fix"] == f"deltactl optimize {t} --zorder-by c"
    run_fix(f["fix"])
    assert ids(doctor(t)) == []
    expected = before.filter(pa.compute.invert(pa.compute.or_(
        pa.compute.equal(before["c"], 9),
        pa.compute.and_(pa.compute.equal(before["c"], 8), pa.compute.greater(before["n"], 50)))))
    assert rows(t).equals(expected)


def test_very_short_file_retention_is_an_error_with_exit_status_1(tmp_path):
    t = tmp_path / "t"
    make_table(t, tmp_path)
    cli.check_ok(cli.run_deltactl(["alter", t, "set-properties",
                                   "delta.deletedFileRetentionDuration=interval 30 minutes"]))
    report = doctor(t, expect_exit=1)
    assert ids(report) == ["file-retention-short"]
    f = report["findings"][0]
    assert f["severity"] == "error"
    assert f["metrics"] == {"deleted_file_retention_hours": 0.5}
    assert f["fix"] == f"deltactl alter {t} set-properties 'delta.deletedFileRetentionDuration=interval 7 days'"
    proc = cli.run_deltactl(["doctor", t])
    assert proc.returncode == 1 and "error    file-retention-short" in proc.stdout
    run_fix(f["fix"])
    assert ids(doctor(t)) == []


def test_nullable_key_column_hint_is_fixed_by_a_constraint(tmp_path):
    t = tmp_path / "t"
    w.write(t, pa.table({"user_id": pa.array([1, 2, 3], pa.int64()), "name": ["a", "b", "c"]}), tmp_path / "in")
    report = doctor(t)
    assert ids(report) == ["key-column-unconstrained"]
    f = report["findings"][0]
    assert f["severity"] == "hint" and f["metrics"] == {"column": "user_id"}
    assert f["fix"] == f"deltactl alter {t} add-constraint user_id_not_null 'user_id IS NOT NULL'"
    run_fix(f["fix"])
    assert ids(doctor(t)) == []


def test_rows_deleted_by_deletion_vectors_are_purged_by_optimize(tmp_path):
    t = tmp_path / "t"
    make_table(t, tmp_path, properties={"delta.enableDeletionVectors": "true"})
    cli.check_ok(cli.run_deltactl(["delete", t, "--where", "n < 20", "--dv"]))
    report = doctor(t)
    assert ids(report) == ["deletion-vector-backlog", "reader-features"]
    dv = report["findings"][0]
    assert dv["metrics"] == {"rows_deleted_by_dv": 20, "rows_in_files": 100, "deleted_share": 0.2,
                             "files_with_dv": 1}
    assert dv["fix"] == f"deltactl optimize {t}"
    features = report["findings"][1]
    assert features["severity"] == "hint" and features["fix"] is None
    assert "deletionVectors" in features["metrics"]["reader_features"]
    run_fix(dv["fix"])
    assert ids(doctor(t)) == ["reader-features"]
    assert rows(t)["n"].to_pylist() == list(range(20, 100))


def test_not_a_table_is_table_not_found(tmp_path):
    w.expect_error(["doctor", tmp_path / "nothing", "--json"], "TableNotFound")


def test_missing_and_foreign_data_files_are_errors(tmp_path):
    import pyarrow.parquet as pq
    t = tmp_path / "t"
    make_table(t, tmp_path)
    make_table(t, tmp_path)
    first, second = sorted(t.glob("part-*.parquet"), key=lambda p: p.stat().st_mtime_ns)
    # A file replaced behind Delta's back by one whose `n` is a string.
    pq.write_table(pa.table({"n": ["x"], "v": [1.0], "c": pa.array([1], pa.int32())}), second)
    report = doctor(t, expect_exit=1)
    assert ids(report) == ["file-schema-mismatch"]
    f = report["findings"][0]
    assert f["severity"] == "error" and f["fix"] is None
    assert f["metrics"] == {"mismatched_files": 1, "files_checked": 2, "first_mismatched_file": second.name}
    assert "stores column n as string, the table declares int64" in f["message"]
    first.unlink()
    report = doctor(t, expect_exit=1)
    assert ids(report) == ["missing-data-files", "file-schema-mismatch"]
    assert report["findings"][0]["metrics"] == {"missing_files": 1, "first_missing_file": first.name}
