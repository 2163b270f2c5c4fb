#!/usr/bin/env python3
"""Generates the benchmark tables under bench/data/<size>/, idempotently.

Tables (full size; ``--quick`` in parentheses):

* ``many_commits``: 100,000 (10,000) tiny Parquet data files of 10 rows, added by 10,000
  (1,000) JSON commits of 10 ``add`` actions each, with Spark-like stats and commitInfo. No
  checkpoint: loading the latest snapshot replays every commit.
* ``many_commits_cp``: the same log plus a checkpoint at the last version, written by
  delta-rs (``DeltaTable.create_checkpoint()``). Its data files are hard links to those of
  ``many_commits``.
* ``scan_10m``: 10,000,000 (1,000,000) rows of (id int64, value double with 1% nulls,
  name string, event_date date, event_ts timestamp) in 50 (10) Parquet files of 200,000
  (100,000) rows, with a hand-written log of one commit.

A table is regenerated only when its stamp file (``.bench-stamp``, holding the parameters)
is missing or differs, so reruns cost nothing.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

BENCH_DIR = Path(__file__).resolve().parent
STAMP = ".bench-stamp"
EPOCH_MS = 1_700_000_000_000  # commit timestamps start here (2023-11-14)

SIZES = {
    "full": {"commits": 10_000, "adds_per_commit": 10, "scan_rows": 10_000_000, "scan_files": 50},
    "quick": {"commits": 1_000, "adds_per_commit": 10, "scan_rows": 1_000_000, "scan_files": 10},
}
ROWS_PER_SMALL_FILE = 10


def delta_field(name: str, type_name: str) -> dict:
    return {"name": name, "type": type_name, "nullable": True, "metadata": {}}


SMALL_SCHEMA = pa.schema([
    ("id", pa.int64()),
    ("value", pa.float64()),
    ("category", pa.string()),
    ("event_date", pa.date32()),
])
SMALL_DELTA_SCHEMA = {"type": "struct", "fields": [
    delta_field("id", "long"), delta_field("value", "double"),
    delta_field("category", "string"), delta_field("event_date", "date")]}

SCAN_SCHEMA = pa.schema([
    ("id", pa.int64()),
    ("value", pa.float64()),
    ("name", pa.string()),
    ("event_date", pa.date32()),
    ("event_ts", pa.timestamp("us", tz="UTC")),
])
SCAN_DELTA_SCHEMA = {"type": "struct", "fields": [
    delta_field("id", "long"), delta_field("value", "double"), delta_field("name", "string"),
    delta_field("event_date", "date"), delta_field("event_ts", "timestamp")]}


def data_file_name(index: int) -> str:
    # The shape Spark and delta-rs use; deterministic so reruns produce the same table.
    return f"part-{index % 100000:05d}-{uuid.UUID(int=index + 1)}-c000.snappy.parquet"


def json_scalar(v):
    """A Parquet-statistics value as Delta's stats JSON writes it."""
    if isinstance(v, float):
        return v
    if hasattr(v, "isoformat"):
        if hasattr(v, "hour"):  # timestamp: millisecond precision, UTC
            return v.strftime("%Y-%m-%dT%H:%M:%S.") + f"{v.microsecond // 1000:03d}Z"
        return v.isoformat()
    return v


def stats_json(table: pa.Table) -> str:
    mins, maxs, nulls = {}, {}, {}
    for name in table.column_names:
        col = table.column(name)
        nulls[name] = col.null_count
        mm = pc.min_max(col)
        if mm["min"].is_valid:
            lo, hi = mm["min"].as_py(), mm["max"].as_py()
            if isinstance(lo, str):  # Delta truncates string stats to 32 characters
                lo, hi = lo[:32], hi[:32]
            mins[name], maxs[name] = json_scalar(lo), json_scalar(hi)
    return json.dumps({"numRecords": table.num_rows, "minValues": mins, "maxValues": maxs,
                       "nullCount": nulls}, separators=(",", ":"))


def add_action(path: str, size: int, mtime_ms: int, stats: str) -> dict:
    return {"add": {"path": path, "partitionValues": {}, "size": size,
                    "modificationTime": mtime_ms, "dataChange": True, "stats": stats}}


def commit_info(version: int, timestamp_ms: int, num_files: int, num_rows: int,
                num_bytes: int) -> dict:
    return {"commitInfo": {
        "timestamp": timestamp_ms, "operation": "WRITE",
        "operationParameters": {"mode": "Append", "partitionBy": "[]"},
        "readVersion": version - 1 if version > 0 else None, "isolationLevel": "Serializable",
        "isBlindAppend": True,
        "operationMetrics": {"numFiles": str(num_files), "numOutputRows": str(num_rows),
                             "numOutputBytes": str(num_bytes)},
        "engineInfo": "deltacpp-bench", "txnId": str(uuid.UUID(int=(1 << 64) + version))}}


def protocol_and_metadata(delta_schema: dict, table_id: int) -> list[dict]:
    return [
        {"protocol": {"minReaderVersion": 1, "minWriterVersion": 2}},
        {"metaData": {"id": str(uuid.UUID(int=table_id)), "format": {"provider": "parquet",
                                                                      "options": {}},
                      "schemaString": json.dumps(delta_schema, separators=(",", ":")),
                      "partitionColumns": [], "configuration": {}, "createdTime": EPOCH_MS}},
    ]


def write_commit(log_dir: Path, version: int, actions: list[dict]) -> None:
    text = "".join(json.dumps(a, separators=(",", ":")) + "\n" for a in actions)
    (log_dir / f"{version:020d}.json").write_text(text)


# ---- many_commits ---------------------------------------------------------------------------

def small_file_table(index: int) -> pa.Table:
    rng = np.random.default_rng(index)
    n = ROWS_PER_SMALL_FILE
    ids = np.arange(index * n, (index + 1) * n, dtype=np.int64)
    categories = np.array(["alpha", "beta", "gamma", "delta", "epsilon"])[rng.integers(0, 5, n)]
    dates = (19_000 + index // 100 + rng.integers(0, 3, n)).astype("int32")
    return pa.table([pa.array(ids), pa.array(rng.normal(100.0, 15.0, n)),
                     pa.array(categories.tolist(), pa.string()),
                     pa.array(dates, pa.int32()).cast(pa.date32())], schema=SMALL_SCHEMA)


def write_small_files(args: tuple[str, int, int]) -> list[tuple[int, int, str]]:
    table_dir, start, stop = args
    out = []
    for i in range(start, stop):
        table = small_file_table(i)
        path = os.path.join(table_dir, data_file_name(i))
        pq.write_table(table, path, compression="snappy")
        out.append((i, os.path.getsize(path), stats_json(table)))
    return out


def generate_many_commits(table_dir: Path, commits: int, adds_per_commit: int) -> None:
    num_files = commits * adds_per_commit
    log_dir = table_dir / "_delta_log"
    log_dir.mkdir(parents=True)
    chunk = 1000
    tasks = [(str(table_dir), s, min(s + chunk, num_files)) for s in range(0, num_files, chunk)]
    files: list[tuple[int, str] | None] = [None] * num_files
    t0 = time.time()
    with multiprocessing.Pool(2) as pool:
        for done, results in enumerate(pool.imap_unordered(write_small_files, tasks), 1):
            for i, size, stats in results:
                files[i] = (size, stats)
            if done % 10 == 0 or done == len(tasks):
                print(f"  many_commits: {done * chunk:,}/{num_files:,} data files "
                      f"({time.time() - t0:.0f}s)", flush=True)
    for version in range(commits):
        ts = EPOCH_MS + version * 60_000
        actions = [commit_info(version, ts, adds_per_commit, adds_per_commit * ROWS_PER_SMALL_FILE,
                               sum(files[i][0] for i in range(version * adds_per_commit,
                                                              (version + 1) * adds_per_commit)))]
        if version == 0:
            actions += protocol_and_metadata(SMALL_DELTA_SCHEMA, 1)
        for i in range(version * adds_per_commit, (version + 1) * adds_per_commit):
            size, stats = files[i]
            actions.append(add_action(data_file_name(i), size, ts, stats))
        write_commit(log_dir, version, actions)
    print(f"  many_commits: {commits:,} commits written ({time.time() - t0:.0f}s)", flush=True)


def generate_many_commits_cp(source: Path, table_dir: Path) -> None:
    import deltalake

    t0 = time.time()
    table_dir.mkdir(parents=True)
    shutil.copytree(source / "_delta_log", table_dir / "_delta_log")
    for entry in os.scandir(source):
        if entry.is_file() and entry.name.endswith(".parquet"):
            os.link(entry.path, table_dir / entry.name)
    deltalake.DeltaTable(str(table_dir)).create_checkpoint()
    print(f"  many_commits_cp: log copied, data hard-linked, checkpoint written by delta-rs "
          f"({time.time() - t0:.0f}s)", flush=True)


# ---- scan_10m -------------------------------------------------------------------------------

def scan_file_table(index: int, rows: int) -> pa.Table:
    rng = np.random.default_rng(1_000_000 + index)
    ids = np.arange(index * rows, (index + 1) * rows, dtype=np.int64)
    values = rng.normal(1000.0, 250.0, rows)
    value_nulls = rng.random(rows) < 0.01
    id_array = pa.array(ids)
    names = pc.binary_join_element_wise(
        "user_", pc.cast(pc.bit_wise_and(pc.multiply(id_array, 7919), 0xFFFFF), pa.string()), "")
    dates = (18_000 + ids // 5_000 % 2_000).astype("int32")
    ts_us = (EPOCH_MS * 1000 + ids * 1_000_003 + rng.integers(0, 1_000_000, rows)).astype("int64")
    return pa.table([
        id_array,
        pa.array(values, mask=value_nulls),
        names,
        pa.array(dates, pa.int32()).cast(pa.date32()),
        pa.array(ts_us, pa.int64()).cast(pa.timestamp("us", tz="UTC")),
    ], schema=SCAN_SCHEMA)


def write_scan_file(args: tuple[str, int, int]) -> tuple[int, int, str]:
    table_dir, index, rows = args
    table = scan_file_table(index, rows)
    path = os.path.join(table_dir, data_file_name(index))
    pq.write_table(table, path, compression="snappy")
    return index, os.path.getsize(path), stats_json(table)


def generate_scan(table_dir: Path, total_rows: int, num_files: int) -> None:
    rows = total_rows // num_files
    log_dir = table_dir / "_delta_log"
    log_dir.mkdir(parents=True)
    t0 = time.time()
    with multiprocessing.Pool(2) as pool:
        results = sorted(pool.map(write_scan_file,
                                  [(str(table_dir), i, rows) for i in range(num_files)]))
    actions = [commit_info(0, EPOCH_MS, num_files, total_rows, sum(r[1] for r in results))]
    actions += protocol_and_metadata(SCAN_DELTA_SCHEMA, 2)
    actions += [add_action(data_file_name(i), size, EPOCH_MS, stats) for i, size, stats in results]
    write_commit(log_dir, 0, actions)
    print(f"  scan: {total_rows:,} rows in {num_files} files ({time.time() - t0:.0f}s)", flush=True)


# ---- driver ---------------------------------------------------------------------------------

def ensure(table_dir: Path, params: dict, build, force: bool = False) -> bool:
    """Builds the table unless its stamp matches `params`; True if it was (re)built."""
    stamp = table_dir / STAMP
    want = json.dumps(params, sort_keys=True)
    if not force and stamp.exists() and stamp.read_text() == want:
        print(f"  {table_dir.name}: present, skipped", flush=True)
        return False
    if table_dir.exists():
        shutil.rmtree(table_dir)
    tmp = table_dir.with_name(table_dir.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    build(tmp)
    (tmp / STAMP).write_text(want)
    tmp.rename(table_dir)
    return True


def data_root(quick: bool) -> Path:
    return BENCH_DIR / "data" / ("quick" if quick else "full")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small tables for a smoke run")
    args = parser.parse_args()
    size = SIZES["quick" if args.quick else "full"]
    root = data_root(args.quick)
    root.mkdir(parents=True, exist_ok=True)
    print(f"generate: tables under {root}", flush=True)

    mc = {"table": "many_commits", "commits": size["commits"],
          "adds_per_commit": size["adds_per_commit"], "rows_per_file": ROWS_PER_SMALL_FILE,
          "format": 1}
    rebuilt = ensure(root / "many_commits", mc,
                     lambda d: generate_many_commits(d, size["commits"], size["adds_per_commit"]))
    # The checkpointed copy shares the data files: rebuild it whenever its source changes.
    ensure(root / "many_commits_cp", {**mc, "table": "many_commits_cp"},
           lambda d: generate_many_commits_cp(root / "many_commits", d), force=rebuilt)
    ensure(root / "scan", {"table": "scan", "rows": size["scan_rows"],
                           "files": size["scan_files"], "format": 1},
           lambda d: generate_scan(d, size["scan_rows"], size["scan_files"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
