"""Idempotent writes (txn actions), automatic checkpoints, expired log cleanup, and the ALTER
TABLE operations, each checked by what a user sees: rows, versions, files in _delta_log."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import DeltaTable

from helpers import deltactl as cli
from helpers.writing import create, expect_error, write, write_args, write_input


def _rows(table) -> list[tuple]:
    t = cli.read_cat(table)
    return sorted(zip(*[t.column(c).to_pylist() for c in t.column_names]))


def test_idempotent_write_is_applied_once_per_app_version(tmp_path):
    table = tmp_path / "t"
    create(table, "id BIGINT")
    inp = write_input(pa.table({"id": pa.array([1], pa.int64())}), tmp_path, "parquet")
    args = write_args(table, [inp]) + ["--app-id", "loader", "--app-version", "1"]
    first = json.loads(cli.check_ok(cli.run_deltactl(args)).stdout)
    again = json.loads(cli.check_ok(cli.run_deltactl(args)).stdout)
    assert (first["version"], first["skipped"]) == (1, False)
    assert (again["version"], again["skipped"]) == (1, True)
    args[-1] = "2"
    third = json.loads(cli.check_ok(cli.run_deltactl(args)).stdout)
    assert (third["version"], third["skipped"]) == (2, False)
    assert _rows(table) == [(1,), (1,)]


def test_checkpoint_every_interval_and_readers_agree(tmp_path):
    table = tmp_path / "t"
    create(table, "id BIGINT", properties={"delta.checkpointInterval": "3"})
    for i in range(7):
        write(table, pa.table({"id": pa.array([i], pa.int64())}), tmp_path, "csv")
    log = table / "_delta_log"
    assert sorted(p.name for p in log.glob("*.checkpoint.parquet")) == [
        "00000000000000000003.checkpoint.parquet", "00000000000000000006.checkpoint.parquet"]
    assert json.loads((log / "_last_checkpoint").read_text())["version"] == 6
    assert cli.info_json(table)["checkpointVersion"] == 6
    assert _rows(table) == [(i,) for i in range(7)]
    assert sorted(DeltaTable(str(table)).to_pyarrow_table().column("id").to_pylist()) == list(range(7))


def test_expired_commits_are_cleaned_up_below_an_old_checkpoint(tmp_path):
    table = tmp_path / "t"
    create(table, "id BIGINT", properties={"delta.checkpointInterval": "4",
                                          "delta.logRetentionDuration": "interval 1 days"})
    for i in range(4):  # versions 1..4; checkpoint at 4
        write(table, pa.table({"id": pa.array([i], pa.int64())}), tmp_path, "csv")
    log = table / "_delta_log"
    ten_days_ago = time.time() - 10 * 86400
    for p in log.iterdir():  # age everything written so far, checkpoint 4 included
        os.utime(p, (ten_days_ago, ten_days_ago))
    for i in range(4, 8):  # versions 5..8; the checkpoint at 8 triggers cleanup
        write(table, pa.table({"id": pa.array([i], pa.int64())}), tmp_path, "csv")
    commits = sorted(int(p.name[:20]) for p in log.glob("*.json") if p.name[:20].isdigit())
    assert commits == [4, 5, 6, 7, 8]  # 0..3 expired below checkpoint 4; 4 and later stay
    assert (log / "00000000000000000004.checkpoint.parquet").exists()
    assert _rows(table) == [(i,) for i in range(8)]
    assert cli.read_cat(table, version=4).num_rows == 4  # still reconstructable from checkpoint 4
    expect_error(cli.cat_args(table, version=2), "VersionNotFound", "version 2")


def test_alter_operations_and_constraints(tmp_path):
    table = tmp_path / "t"
    create(table, "id BIGINT, name STRING, amount DOUBLE")
    write(table, pa.table({"id": [1, 2], "name": ["a", "b"], "amount": [1.5, 2.5]}), tmp_path, "csv")
    expect_error(["alter", str(table), "rename-column", "name", "label"], "UnsupportedFeature",
                 "needs column mapping", "delta.columnMapping.mode=name")
    cli.check_ok(cli.run_deltactl(["alter", str(table), "set-properties", "delta.columnMapping.mode=name"]))
    cli.check_ok(cli.run_deltactl(["alter", str(table), "rename-column", "name", "label"]))
    cli.check_ok(cli.run_deltactl(["alter", str(table), "add-columns", "note STRING"]))
    info = cli.info_json(table)
    assert [f["name"] for f in info["schema"]["fields"]] == ["id", "label", "amount", "note"]
    assert (info["protocol"]["minReaderVersion"], info["protocol"]["minWriterVersion"]) == (2, 5)
    assert _rows(table) == [(1, "a", 1.5, None), (2, "b", 2.5, None)]  # old files, new names
    expect_error(["alter", str(table), "add-constraint", "big", "amount > 2"], "ConstraintViolation",
                 "existing rows violate it")
    cli.check_ok(cli.run_deltactl(["alter", str(table), "add-constraint", "positive", "amount > 0"]))
    bad = write_input(pa.table({"id": [3], "label": ["c"], "amount": [-1.0]}), tmp_path, "csv")
    expect_error(write_args(table, [bad]), "ConstraintViolation", "CHECK constraint positive",
                 '"amount":-1.0')
    cli.check_ok(cli.run_deltactl(["alter", str(table), "drop-column", "note"]))
    cli.check_ok(cli.run_deltactl(["alter", str(table), "drop-constraint", "positive"]))
    write(table, pa.table({"id": [3], "label": ["c"], "amount": [-1.0]}), tmp_path, "csv")
    assert _rows(table) == [(1, "a", 1.5), (2, "b", 2.5), (3, "c", -1.0)]
    ops = [h["operation"] for h in cli.history_json(table)]
    assert ops[:6] == ["WRITE", "DROP CONSTRAINT", "DROP COLUMNS", "ADD CONSTRAINT", "ADD COLUMNS",
                       "RENAME COLUMN"]


@pytest.mark.spark
def test_spark_reads_columns_renamed_and_dropped_after_enabling_column_mapping(spark, tmp_path):
    from helpers.spark import spark_read
    table = tmp_path / "t"
    create(table, "id BIGINT, name STRING, extra INT")
    write(table, pa.table({"id": [1, 2], "name": ["a", "b"], "extra": [7, 8]}), tmp_path, "csv")
    for args in (["set-properties", "delta.columnMapping.mode=name"], ["rename-column", "name", "label"],
                 ["drop-column", "extra"]):
        cli.check_ok(cli.run_deltactl(["alter", str(table), *args]))
    write(table, pa.table({"id": [3], "label": ["c"]}), tmp_path, "csv")
    got = spark_read(spark, str(table))
    assert got.column_names == ["id", "label"]
    assert sorted(zip(got.column("id").to_pylist(), got.column("label").to_pylist())) == [
        (1, "a"), (2, "b"), (3, "c")]
