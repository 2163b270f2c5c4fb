#!/usr/bin/env python3
"""Runs deltacpp's benchmarks side by side with delta-rs and Arrow; writes bench/RESULTS.md.

``make bench`` runs this after bootstrap and build. Steps:

1. ``bench/generate.py`` writes the tables (skipped when present).
2. For each benchmark, ``build/bench/delta_bench`` times deltacpp (and the Arrow C++
   baselines) in a subprocess and reports JSON; the delta-rs and pyarrow contestants are timed
   here, in-process, the same way: ``--warmup`` untimed runs (warm page cache), then
   ``--repeat`` timed runs, min and median reported.
3. Every contestant must produce the same file or row count, else the run fails.
4. RESULTS.md gets the figures, ratios, targets, machine and versions.

The write benchmarks (10M rows, unpartitioned and partitioned) generate their data in memory,
outside the timed region, with one deterministic function (``write_data`` here,
``GenerateWriteData`` in delta_bench.cc); every run writes into an emptied directory under
bench/.work/write/. Before timing, the table deltacpp writes is read back with delta-rs and
compared with the generated data.

The VACUUM benchmark builds a table whose version 0 adds 10,100 one-row files and version 1
removes 10,000 of them (bench/.work/vacuum/template); before each run the contestant's copy is
made afresh with every file 30 days old (untimed), then VACUUM with zero retention (check off)
deletes the 10,000 files: deltacpp's `delta::Vacuum` against delta-rs's `DeltaTable(path).vacuum`,
in full mode (listing) and lite mode (the log only).

``--quick`` uses small tables (10k files/1k commits, 1M rows) and writes
bench/.work/RESULTS-quick.md instead, so a smoke run never overwrites the real results.
The ``python`` section runs ``bench/python_api.py`` (the installed ``deltacpp`` package against
``deltalake``: write, read to pyarrow, MERGE) in a subprocess and includes its table.

The ``merge``, ``delete`` and ``zorder`` sections run ``bench/dml_merge.py``,
``bench/dml_delete.py`` and ``bench/zorder.py`` (each contestant in its own subprocess, so peak
RSS is measured per run) and include their figures: time and peak memory.

The ``plan`` section times a DELETE that per-file statistics rule out in every file of
``many_commits_cp``: loading the table and data skipping over 100,000 files.

``--only write`` (or snapshot, plan, scan, vacuum, optimize, merge, delete, zorder, python;
comma-separated) runs some
sections and writes
bench/.work/RESULTS-partial.md.
"""
from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent

SNAPSHOT_TARGET = 3.0  # deltacpp snapshot load at least this many times faster than delta-rs
SCAN_TARGET = 1.2      # deltacpp scan at most this many times the time of Arrow directly
WRITE_ARROW_TARGET = 1.15  # deltacpp write at most this many times the time of Arrow directly
#                            (and faster than delta-rs)

WRITE_ROWS = {"full": 10_000_000, "quick": 1_000_000}
WRITE_BATCH_ROWS = 64 * 1024
ROW_GROUP_ROWS = 1 << 20  # deltacpp's Parquet row groups; every contestant is given the same
# Produced values reported but not required to agree between runs (e.g. compressed bytes of a
# threaded writer, whose row order within files varies).
NOT_COMPARED = ("bytes",)
VACUUM_REMOVED = {"full": 10_000, "quick": 1_000}
VACUUM_LIVE = 100
DML_ROWS = {"full": 10_000_000, "quick": 1_000_000}  # MERGE / DELETE / Z-ORDER tables
DML_REPEAT = {"full": 5, "quick": 2}     # MERGE / DELETE runs per contestant (short runs, noisy)
ZORDER_REPEAT = {"full": 3, "quick": 2}  # Z-ORDER runs per contestant (16 s each for delta-rs)
MERGE_SPEED_TARGET = 2.0    # MERGE at least this many times faster than delta-rs
MERGE_MEMORY_TARGET = 0.5   # with less than this fraction of delta-rs's peak memory
DELETE_DV_TARGET = 10.0     # DELETE of 1% with deletion vectors vs rewriting


# ---- timing ---------------------------------------------------------------------------------
#
# The machine is shared, so contestants are interleaved: each round times every contestant
# once, in an order rotated from round to round, and noise from other jobs spreads over all of
# them instead of landing on one. delta_bench contestants run one process per round, each with
# its own untimed warm-up run first; in-process contestants get their warm-up runs before the
# first round.

class Contestant:
    def __init__(self, name: str, timed: str, role: str, run_once, warm=None):
        self.name, self.timed, self.role = name, timed, role
        self.run_once = run_once  # () -> (seconds, produced: dict)
        self.warm = warm or (lambda: None)
        self.seconds: list[float] = []
        self.produced: dict | None = None

    def record(self) -> None:
        seconds, produced = self.run_once()

        def compared(p):
            return {k: v for k, v in p.items() if k not in NOT_COMPARED}
        if self.produced is not None and compared(produced) != compared(self.produced):
            raise RuntimeError(f"{self.name}: runs disagree: {produced} vs {self.produced}")
        self.produced = produced
        self.seconds.append(seconds)

    def result(self) -> dict:
        return {"name": self.name, "timed": self.timed, "role": self.role,
                "seconds": self.seconds, "min": min(self.seconds),
                "median": statistics.median(self.seconds), **self.produced}


def native(binary: Path, args: list[str], warmup: int, keys: tuple[str, ...]):
    """A run_once that times one delta_bench run (after `warmup` untimed ones in-process)."""
    def run_once():
        r = delta_bench(binary, [*args, "--repeat", "1", "--warmup", str(warmup)])
        return r["seconds"][0], {k: r[k] for k in keys if k in r}
    return run_once


def in_process(fn, untimed=None, after=None):
    """A run_once that times fn() here; `untimed()` runs first, outside the timed region, and
    `after(produced)`, when given, completes what fn() produced, also outside it."""
    def run_once():
        if untimed:
            untimed()
        gc.collect()
        start = time.perf_counter()
        produced = fn()
        seconds = time.perf_counter() - start
        return seconds, after(produced) if after else produced
    return run_once


# Other engineers' builds and test runs share the two cores: rounds wait for them to finish.
BUSY_NAMES = ("cc1plus", "ninja", "pytest", "java", "ld", "collect2")
QUIET_WAIT_S = 300
NOISE = {"waited_s": 0.0, "contended_rounds": 0, "seen": set()}


def competing_processes() -> list[str]:
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit() or int(d.name) == os.getpid():
            continue
        try:
            argv = (d / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if not argv or not argv[0]:
            continue
        exe = os.path.basename(argv[0].decode(errors="replace"))
        words = {exe} | {os.path.basename(a.decode(errors="replace")) for a in argv[1:3]}
        hit = next((n for n in BUSY_NAMES if n in words), None)
        if hit:
            found.append(hit)
    return found


def wait_quiet() -> None:
    """Waits (up to QUIET_WAIT_S) until no build or test job competes for the CPU."""
    start = time.time()
    while True:
        busy = competing_processes()
        if not busy:
            break
        if time.time() - start > QUIET_WAIT_S:
            NOISE["contended_rounds"] += 1
            NOISE["seen"].update(busy)
            break
        time.sleep(2)
    NOISE["waited_s"] += time.time() - start


def run_rounds(contestants: list[Contestant], repeat: int, warmup: int) -> list[dict]:
    wait_quiet()
    for c in contestants:
        for _ in range(warmup):
            c.warm()
    for i in range(repeat):
        wait_quiet()
        k = i % len(contestants)
        for c in contestants[k:] + contestants[:k]:
            c.record()
    return [c.result() for c in contestants]


def delta_bench(binary: Path, args: list[str]) -> dict:
    proc = subprocess.run([str(binary), *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"delta_bench {' '.join(args)} failed ({proc.returncode}): "
                           f"{proc.stderr.strip()}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def drain(batches) -> int:
    rows = 0
    for batch in batches:
        rows += batch.num_rows
    return rows


# ---- contestants ----------------------------------------------------------------------------

def snapshot_contestants(binary: Path, table: Path, repeat: int, warmup: int) -> list[dict]:
    from deltalake import DeltaTable

    # The loaded table outlives the timed region, as deltacpp's snapshot does in delta_bench:
    # freeing it is not timed on either side.
    keep = []

    def load():
        keep.append(DeltaTable(str(table)))
        return {"version": keep[-1].version()}

    def load_and_list():
        keep.append(DeltaTable(str(table)))
        return {"files": len(keep[-1].file_uris()), "version": keep[-1].version()}

    contestants = [
        Contestant("deltacpp", "`Table::Open` + `GetSnapshot()` (latest version, all live "
                   "`AddFile`s materialized)", "deltacpp",
                   native(binary, ["snapshot", str(table)], warmup, ("files", "version"))),
        Contestant("delta-rs", "`DeltaTable(path)` (loads the latest snapshot and materializes "
                   "its active-file metadata)", "delta-rs", in_process(load, keep.clear),
                   lambda: (keep.clear(), load())),
        Contestant("delta-rs + file list", "`DeltaTable(path)` + `len(dt.file_uris())` (the file "
                   "list handed to Python)", "delta-rs-extra",
                   in_process(load_and_list, keep.clear), lambda: (keep.clear(), load_and_list())),
    ]
    out = run_rounds(contestants, repeat, warmup)
    keep.clear()
    return out


PLAN_PREDICATE = "id < 0"  # no file's statistics admit it: nothing is read or committed


def plan_contestants(deltactl: Path, table: Path, repeat: int, warmup: int) -> list[dict]:
    """DELETE whose predicate the per-file statistics rule out in every file: the time is
    loading the table and deciding, file by file, that none needs reading."""
    from deltalake import DeltaTable

    def ours():
        start = time.perf_counter()
        out = subprocess.run([str(deltactl), "delete", str(table), "--where", PLAN_PREDICATE, "--json"],
                             check=True, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        m = json.loads(out.stdout)
        return seconds, {"deleted": m["numDeletedRows"], "version": m["version"],
                         "files read": m["numFilesAfterSkipping"]}

    def theirs():
        dt = DeltaTable(str(table))
        r = dt.delete(PLAN_PREDICATE)
        return {"deleted": r["num_deleted_rows"], "version": DeltaTable(str(table)).version()}

    contestants = [
        Contestant("deltacpp", "`deltactl delete TABLE --where 'id < 0'` (process start included)",
                   "deltacpp", ours, lambda: ours()),
        Contestant("delta-rs", "`DeltaTable(path).delete('id < 0')` (in-process)", "delta-rs",
                   in_process(theirs), theirs),
    ]
    return run_rounds(contestants, repeat, warmup)


def scan_contestants(binary: Path, table: Path, repeat: int, warmup: int) -> list[dict]:
    import pyarrow.dataset as ds
    from deltalake import DeltaTable

    dt = DeltaTable(str(table))
    files = dt.file_uris()

    def deltars_scan():
        return {"files": len(files), "rows": drain(dt.scan())}

    def deltars_dataset():
        return {"files": len(files), "rows": drain(dt.to_pyarrow_dataset().to_batches())}

    def pyarrow_dataset():
        return {"files": len(files),
                "rows": drain(ds.dataset(files, format="parquet").to_batches(batch_size=65536))}

    keys = ("files", "rows")
    contestants = [
        Contestant("deltacpp", "`Scan::Make` + `Execute()`, every batch drained (snapshot loaded "
                   "before timing)", "deltacpp",
                   native(binary, ["scan", str(table)], warmup, keys)),
        Contestant("Arrow C++ dataset", "`FileSystemDataset` of the live files + "
                   "`ParquetFileFormat`, threaded `ScanBatchesUnordered()` drained", "arrow",
                   native(binary, ["arrow-scan", str(table), "--method", "dataset"], warmup, keys)),
        Contestant("Arrow C++ parquet readers", "one `parquet::arrow::FileReader` per live file, "
                   "files in parallel on Arrow's CPU pool, batches drained", "arrow",
                   native(binary, ["arrow-scan", str(table), "--method", "parquet"], warmup, keys)),
        Contestant("delta-rs", "`dt.scan()` (DataFusion, native) drained", "delta-rs",
                   in_process(deltars_scan), deltars_scan),
        Contestant("delta-rs pyarrow dataset", "`dt.to_pyarrow_dataset().to_batches()` drained",
                   "delta-rs-extra", in_process(deltars_dataset), deltars_dataset),
        Contestant("pyarrow dataset", "`pyarrow.dataset.dataset(live files).to_batches()` "
                   "drained", "arrow-extra", in_process(pyarrow_dataset), pyarrow_dataset),
    ]
    return run_rounds(contestants, repeat, warmup)


# ---- write ----------------------------------------------------------------------------------

def write_data(rows: int):
    """The write benchmark's rows as a pyarrow Table of 64Ki-row batches: the same function as
    GenerateWriteData in delta_bench.cc. Row i: h = i * 0x9E3779B97F4A7C15 (mod 2^64),
    h ^= h >> 29; id i, key h % 16, value (h >> 11) * 2^-53 * 1000, name
    "customer-%03d" % ((h >> 20) % 1000)."""
    import numpy as np
    import pyarrow as pa

    i = np.arange(rows, dtype=np.uint64)
    with np.errstate(over="ignore"):
        h = i * np.uint64(0x9E3779B97F4A7C15)
    h ^= h >> np.uint64(29)
    names = pa.array([f"customer-{k:03d}" for k in range(1000)], pa.string())
    table = pa.table({
        "id": pa.array(i.astype(np.int64)),
        "key": pa.array((h % np.uint64(16)).astype(np.int32)),
        "value": pa.array((h >> np.uint64(11)).astype(np.float64) * 2.0 ** -53 * 1000.0),
        "name": names.take(pa.array((h >> np.uint64(20)) % np.uint64(1000))),
    })
    return pa.Table.from_batches(table.to_batches(max_chunksize=WRITE_BATCH_ROWS))


def reset_dir(path: Path) -> None:
    """Empties a write target (untimed) and flushes the page cache, as delta_bench does."""
    shutil.rmtree(path, ignore_errors=True)
    os.sync()


def count_parquet(path: Path) -> dict:
    files = [p for p in path.rglob("*.parquet") if "_delta_log" not in p.parts]
    return {"files": len(files), "bytes": sum(p.stat().st_size for p in files)}


def verify_write(binary: Path, table, work: Path, partitioned: bool) -> dict:
    """Untimed: deltacpp writes the table once, delta-rs reads it back, and its rows must equal
    the generated ones (every column, sorted by id). Returns the row counts of its files, which
    the Arrow and pyarrow contestants then use for their unpartitioned file split."""
    import pyarrow as pa
    from deltalake import DeltaTable

    target = work / "verify"
    reset_dir(target)
    r = delta_bench(binary, ["write", str(target), "--rows", str(table.num_rows), "--repeat", "1",
                             "--warmup", "0", *(["--partitioned"] if partitioned else [])])
    dt = DeltaTable(str(target))
    count = dt.count()
    back = dt.to_pyarrow_table().select(table.column_names).sort_by("id")
    if count != table.num_rows or back.num_rows != table.num_rows:
        raise RuntimeError(f"write verify: delta-rs counts {count} rows, expected {table.num_rows}")
    if not back.cast(table.schema).equals(table.combine_chunks()):
        raise RuntimeError("write verify: the rows delta-rs reads differ from those generated")
    adds = pa.table(dt.get_add_actions(flatten=True))
    file_rows = sorted(adds.column("num_records").to_pylist(), reverse=True)
    if len(file_rows) != r["files"] or sum(file_rows) != table.num_rows:
        raise RuntimeError(f"write verify: add actions {file_rows} vs {r['files']} files written")
    partitions = len(dt.partitions()) if partitioned else 0
    del back
    reset_dir(target)
    return {"rows": count, "files": len(file_rows), "file_rows": file_rows,
            "partitions": partitions}


def write_contestants(binary: Path, table, work: Path, partitioned: bool, file_rows: list[int],
                      repeat: int, warmup: int) -> list[dict]:
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq
    from deltalake import WriterProperties, write_deltalake

    rows = table.num_rows
    common = ["--rows", str(rows), *(["--partitioned"] if partitioned else [])]
    keys = ("files", "rows", "bytes")
    dirs = {name: work / name for name in ("deltacpp", "arrow-parquet", "arrow-parquet-threaded",
                                           "arrow-dataset", "delta-rs", "pyarrow")}
    for d in dirs.values():
        reset_dir(d)

    def deltars_write():
        write_deltalake(str(dirs["delta-rs"]), table, mode="error",
                        partition_by=["key"] if partitioned else None,
                        writer_properties=WriterProperties(compression="SNAPPY",
                                                           max_row_group_size=ROW_GROUP_ROWS))

    def pyarrow_write():
        out = dirs["pyarrow"]
        if partitioned:
            fmt = ds.ParquetFileFormat()
            ds.write_dataset(table, out, format=fmt, partitioning=["key"],
                             partitioning_flavor="hive",
                             file_options=fmt.make_write_options(compression="snappy"),
                             basename_template="part-{i}.snappy.parquet",
                             min_rows_per_group=ROW_GROUP_ROWS, max_rows_per_group=ROW_GROUP_ROWS,
                             existing_data_behavior="error", use_threads=True)
            return
        out.mkdir(parents=True)
        offset = 0
        for i, n in enumerate(file_rows):
            pq.write_table(table.slice(offset, n), out / f"part-{i:05d}.snappy.parquet",
                           row_group_size=ROW_GROUP_ROWS, compression="snappy")
            offset += n

    def in_process_writer(name: str, fn):
        """(run_once, warm) for an in-process writer into dirs[name]."""
        run = in_process(fn, lambda: reset_dir(dirs[name]),
                         lambda _: {"rows": rows, **count_parquet(dirs[name])})
        return run, lambda: (reset_dir(dirs[name]), fn())

    split = ["--file-rows", ",".join(map(str, file_rows))]
    contestants = [
        Contestant("deltacpp", "`delta::WriteTable` into a new table (Parquet files with "
                   "stats, then the commit)", "deltacpp",
                   native(binary, ["write", str(dirs["deltacpp"]), *common], warmup, keys)),
    ]
    if not partitioned:
        contestants += [
            Contestant("Arrow C++ parquet writer", "one `parquet::arrow::FileWriter` per file, "
                       "files in sequence (deltacpp's file split and writer properties)", "arrow",
                       native(binary, ["arrow-write", str(dirs["arrow-parquet"]), *common,
                                       "--method", "parquet", *split], warmup, keys)),
            Contestant("Arrow C++ parquet writer, threaded", "the same with `use_threads` "
                       "(a row group's columns encoded in parallel)", "arrow",
                       native(binary, ["arrow-write", str(dirs["arrow-parquet-threaded"]),
                                       *common, "--method", "parquet-threaded", *split],
                              warmup, keys)),
        ]
    contestants.append(Contestant(
        "Arrow C++ dataset", "`FileSystemDataset::Write`, threaded, "
        + ("`HivePartitioning` on key" if partitioned
           else "`max_rows_per_file` = deltacpp's largest file"), "arrow",
        native(binary, ["arrow-write", str(dirs["arrow-dataset"]), *common, "--method", "dataset"],
               warmup, keys)))
    run, warm = in_process_writer("delta-rs", deltars_write)
    contestants.append(Contestant(
        "delta-rs", "`write_deltalake(path, table"
        + (", partition_by=['key']" if partitioned else "") + ")`, snappy, 1Mi-row row groups",
        "delta-rs", run, warm))
    run, warm = in_process_writer("pyarrow", pyarrow_write)
    contestants.append(Contestant(
        "pyarrow", "`pyarrow.dataset.write_dataset`, hive partitioning on key, threaded"
        if partitioned else "`pyarrow.parquet.write_table` per file (deltacpp's file split)",
        "arrow-extra", run, warm))
    out = run_rounds(contestants, repeat, warmup)
    for d in dirs.values():
        reset_dir(d)
    return out

# ---- environment ----------------------------------------------------------------------------

def vacuum_template(path: Path, removed: int, live: int) -> None:
    """A table: version 0 adds removed + live one-row files, version 1 removes `removed`."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    import uuid
    if (path / "_delta_log" / f"{1:020d}.json").exists() and len(list(path.glob("*.parquet"))) == removed + live:
        return
    reset_dir(path)
    (path / "_delta_log").mkdir(parents=True)
    pq.write_table(pa.table({"id": pa.array([1], pa.int64())}), path / "seed")
    seed = (path / "seed").read_bytes()
    (path / "seed").unlink()
    now = int(time.time() * 1000)
    names = [f"part-{i:05d}-{uuid.UUID(int=i)}-c000.snappy.parquet" for i in range(removed + live)]
    for n in names:
        (path / n).write_bytes(seed)
    schema = {"type": "struct", "fields": [{"name": "id", "type": "long", "nullable": True, "metadata": {}}]}
    v0 = [{"protocol": {"minReaderVersion": 1, "minWriterVersion": 2}},
          {"metaData": {"id": str(uuid.UUID(int=0)), "format": {"provider": "parquet", "options": {}},
                        "schemaString": json.dumps(schema), "partitionColumns": [], "configuration": {},
                        "createdTime": now}}]
    v0 += [{"add": {"path": n, "partitionValues": {}, "size": len(seed), "modificationTime": now,
                    "dataChange": True, "stats": json.dumps({"numRecords": 1})}} for n in names]
    v1 = [{"remove": {"path": n, "deletionTimestamp": now, "dataChange": True, "size": len(seed)}}
          for n in names[:removed]]
    for v, actions in ((0, v0), (1, v1)):
        (path / "_delta_log" / f"{v:020d}.json").write_text("".join(json.dumps(a) + "\n" for a in actions))


def copy_aged(template: Path, work: Path) -> None:
    """A fresh copy of the template, every file 30 days old, synced (untimed)."""
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(template, work)
    old = time.time() - 30 * 86400
    for p in work.rglob("*"):
        os.utime(p, (old, old))
    os.sync()


def vacuum_contestants(binary: Path, template: Path, work: Path, repeat: int, warmup: int) -> list[dict]:
    from deltalake import DeltaTable

    def deltars(full: bool, w: Path):
        def run():
            deleted = DeltaTable(str(w)).vacuum(retention_hours=0, enforce_retention_duration=False,
                                                dry_run=False, full=full)
            return {"files": len(set(deleted))}
        return run

    contestants = []
    for mode in ("full", "lite"):
        cw, rw = work / f"cpp-{mode}", work / f"rs-{mode}"
        rs = deltars(mode == "full", rw)
        contestants += [
            Contestant(f"deltacpp {mode}", f"`delta::Vacuum` ({mode}: "
                       + ("lists the table" if mode == "full" else "the log's removes") + ")",
                       f"deltacpp-{mode}",
                       native(binary, ["vacuum", str(template), "--work", str(cw)]
                              + (["--lite"] if mode == "lite" else []), warmup, ("files",))),
            Contestant(f"delta-rs {mode}", f"`DeltaTable(path).vacuum(retention_hours=0, "
                       f"enforce_retention_duration=False, dry_run=False, full={mode == 'full'})`",
                       f"delta-rs-{mode}", in_process(rs, lambda rw=rw: copy_aged(template, rw)),
                       lambda rs=rs, rw=rw: (copy_aged(template, rw), rs())),
        ]
    out = run_rounds(contestants, repeat, warmup)
    shutil.rmtree(work, ignore_errors=True)
    return out


OPTIMIZE_FILES = {"full": 1_000, "quick": 200}
OPTIMIZE_FILE_ROWS = 1_000


def optimize_source(deltactl: Path, files: int) -> Path:
    """A table of `files` small files (1,000 rows each: id int64, value double, name string),
    made once by `deltactl convert` of generated Parquet files, under bench/.work/optimize/."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq
    src = BENCH_DIR / ".work" / "optimize" / f"source-{files}"
    if (src / "_delta_log").exists():
        return src
    reset_dir(src)
    src.mkdir(parents=True)
    rng = np.random.default_rng(11)
    for i in range(files):
        ids = np.arange(i * OPTIMIZE_FILE_ROWS, (i + 1) * OPTIMIZE_FILE_ROWS, dtype=np.int64)
        pq.write_table(pa.table({"id": ids, "value": rng.random(OPTIMIZE_FILE_ROWS),
                                 "name": [f"name-{j % 997:04d}" for j in ids]}),
                       src / f"part-{i:05d}.parquet")
    subprocess.run([str(deltactl), "convert", str(src)], check=True, capture_output=True)
    return src


def optimize_contestants(deltactl: Path, src: Path, repeat: int, warmup: int) -> list[dict]:
    """OPTIMIZE (compaction) of `src`: each run works on a fresh copy (copied untimed)."""
    from deltalake import DeltaTable
    work = BENCH_DIR / ".work" / "optimize" / "run"

    def fresh():
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(src, work)
        os.sync()  # the copy's writeback (1,000 files) must not land in the timed run

    def ours():
        proc = subprocess.run([str(deltactl), "optimize", str(work), "--json"], capture_output=True,
                              text=True, check=True)
        m = json.loads(proc.stdout)
        return {"removed": m["numFilesRemoved"], "added": m["numFilesAdded"]}

    def theirs():
        m = DeltaTable(str(work)).optimize.compact()
        return {"removed": m["numFilesRemoved"], "added": m["numFilesAdded"]}

    contestants = [
        Contestant("deltacpp `deltactl optimize`", "process incl. start", "deltacpp",
                   in_process(ours, untimed=fresh), warm=lambda: (fresh(), ours())),
        Contestant("delta-rs `optimize.compact()`", "in-process call", "delta-rs",
                   in_process(theirs, untimed=fresh), warm=lambda: (fresh(), theirs())),
    ]
    results = run_rounds(contestants, repeat, warmup)
    shutil.rmtree(work, ignore_errors=True)
    return results


def sh(*cmd: str) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, cwd=REPO).stdout.strip()
    except OSError:
        return ""


def cmake_cache(build_dir: Path) -> dict:
    cache = {}
    path = build_dir / "CMakeCache.txt"
    if path.exists():
        for line in path.read_text().splitlines():
            m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*):[A-Z]+=(.*)$", line)
            if m:
                cache[m.group(1)] = m.group(2)
    return cache


def stale_sources(build_dir: Path) -> list[str]:
    """Library sources newer than the delta_bench binary (it would not measure them)."""
    binary = build_dir / "bench" / "delta_bench"
    if not binary.exists():
        return []
    built = binary.stat().st_mtime
    return sorted(str(p.relative_to(REPO)) for d in ("src", "include") for p in (REPO / d).rglob("*")
                  if p.is_file() and p.stat().st_mtime > built)


def machine() -> dict:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gib": mem_kb / 1024 / 1024,
            "kernel": platform.release(), "load": os.getloadavg()}


def versions(build_dir: Path) -> dict:
    import deltalake
    import pyarrow

    cache = cmake_cache(build_dir)
    arrow_dir = cache.get("Arrow_DIR", "")
    if arrow_dir and not arrow_dir.endswith("NOTFOUND"):
        arrow = f"system Arrow C++ ({arrow_dir})"
    else:
        arrow = f"{pyarrow.cpp_version} (the pyarrow {pyarrow.__version__} wheel's libarrow)"
    sha = sh("git", "rev-parse", "--short=12", "HEAD")
    status = subprocess.run(["git", "status", "--porcelain", "--", "src", "include", "cmake",
                             "CMakeLists.txt"], capture_output=True, text=True, cwd=REPO).stdout
    dirty = [line[3:] for line in status.splitlines() if len(line) > 3]
    compiler = cache.get("CMAKE_CXX_COMPILER", "c++")
    flags = "?"
    try:
        for entry in json.loads((build_dir / "compile_commands.json").read_text()):
            if entry["file"].endswith("delta_bench.cc"):
                flags = " ".join(a for a in entry["command"].split()
                                 if re.fullmatch(r"-O\S*|-g\S*|-DNDEBUG|-march\S*|-flto\S*", a))
    except (OSError, ValueError, KeyError):
        pass
    return {
        "deltacpp": sha + (f" plus uncommitted changes to {', '.join(dirty)}" if dirty else ""),
        "stale": stale_sources(build_dir),
        "build": f"{cache.get('CMAKE_BUILD_TYPE') or 'RelWithDebInfo (default)'} ({flags}), "
                 f"{(sh(compiler, '--version').splitlines() or ['?'])[0]}",
        "arrow_cpp": arrow,
        "pyarrow": pyarrow.__version__,
        "deltalake": f"{deltalake.__version__} (core {deltalake.rust_core_version()})",
        "python": platform.python_version(),
    }


# ---- report ---------------------------------------------------------------------------------

def faster(ratio: float) -> str:
    """'2.50x faster' for ratio 2.5 (other / deltacpp), '1.25x slower' for 0.8."""
    return f"{ratio:.2f}x faster" if ratio >= 1 else f"{1 / ratio:.2f}x slower"


def fmt_s(x: float) -> str:
    return f"{x:.3f}" if x >= 0.1 else f"{x * 1000:.1f} ms"


def check_same(results: list[dict], key: str, what: str) -> None:
    values = {r["name"]: r.get(key) for r in results if r.get(key) is not None}
    if len(set(values.values())) > 1:
        raise RuntimeError(f"{what}: contestants disagree on {key}: {values}")


def table_md(results: list[dict], deltacpp: dict, ratio_header: str,
             extra: tuple = ()) -> str:
    """`extra`: (header, format(result) -> str) columns after `timed`."""
    heads = "".join(f" {h} |" for h, _ in extra)
    lines = [f"| contestant | timed |{heads} min | median | {ratio_header} |",
             "|---|---|" + "---:|" * len(extra) + "---:|---:|---:|"]
    for r in results:
        ratio = "1.00x" if r is deltacpp else f"{r['median'] / deltacpp['median']:.2f}x"
        cells = "".join(f" {f(r)} |" for _, f in extra)
        lines.append(f"| {r['name']} | {r['timed']} |{cells} {fmt_s(r['min'])} | "
                     f"{fmt_s(r['median'])} | {ratio} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small tables, smoke run")
    parser.add_argument("--repeat", type=int, help="timed runs per contestant (7; quick: 5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs first")
    parser.add_argument("--build-dir", default=os.environ.get("BUILD", "build"))
    parser.add_argument("--write-repeat", type=int,
                        help="timed runs per write contestant (5; quick: 3)")
    parser.add_argument("--only", help="comma-separated sections to run: snapshot, plan, scan, write, vacuum, optimize, "
                        "merge, delete, zorder, python "
                        "(report: bench/.work/RESULTS-partial.md)")
    parser.add_argument("--output", help="report path (bench/RESULTS.md; quick: "
                        "bench/.work/RESULTS-quick.md)")
    args = parser.parse_args()
    warnings.simplefilter("ignore", DeprecationWarning)
    repeat = args.repeat or (5 if args.quick else 7)
    write_repeat = args.write_repeat or (3 if args.quick else 5)
    only = set(args.only.split(",")) if args.only else {"snapshot", "plan", "scan", "write", "vacuum", "optimize",
                                                         "merge", "delete", "zorder", "python"}
    build_dir = (REPO / args.build_dir).resolve()
    binary = build_dir / "bench" / "delta_bench"
    if only - {"optimize", "python", "merge", "delete", "zorder"} and not binary.exists():
        print(f"run.py: {binary} is missing; build first (make build)", file=sys.stderr)
        return 1
    output = Path(args.output) if args.output else (
        BENCH_DIR / ".work" / "RESULTS-partial.md" if args.only else
        BENCH_DIR / ".work" / "RESULTS-quick.md" if args.quick else BENCH_DIR / "RESULTS.md")

    started = time.time()
    gen = [sys.executable, str(BENCH_DIR / "generate.py")] + (["--quick"] if args.quick else [])
    if only & {"snapshot", "plan", "scan"}:
        subprocess.run(gen, check=True)
    data = BENCH_DIR / "data" / ("quick" if args.quick else "full")
    env = machine()
    vers = versions(build_dir)

    sections = []
    targets = []

    def snapshot_section(table: str, title: str) -> None:
        print(f"bench: snapshot load, {title}", flush=True)
        results = snapshot_contestants(binary, data / table, repeat, args.warmup)
        check_same(results, "files", title)
        cpp = results[0]
        deltars = next(r for r in results if r["role"] == "delta-rs")
        speedup = deltars["median"] / cpp["median"]
        for r in results:
            print(f"  {r['name']:<28} min {r['min']:.4f}s median {r['median']:.4f}s", flush=True)
        targets.append((f"Snapshot load, {title}: deltacpp >= {SNAPSHOT_TARGET:.0f}x faster than "
                        f"delta-rs", faster(speedup), speedup >= SNAPSHOT_TARGET))
        sections.append(f"### Snapshot load: {title}\n\nTable `{table}`: {cpp['files']:,} live "
                        f"files, latest version {deltars['version']:,}.\n\n"
                        + table_md(results, cpp, "time / deltacpp") +
                        f"\n\ndeltacpp is **{faster(speedup)}** than delta-rs (median; "
                        f"{faster(deltars['min'] / cpp['min'])} by min).\n")

    def scan_section() -> None:
        print("bench: full scan", flush=True)
        results = scan_contestants(binary, data / "scan", repeat, args.warmup)
        check_same(results, "rows", "scan")
        check_same(results, "files", "scan")
        for r in results:
            print(f"  {r['name']:<28} min {r['min']:.4f}s median {r['median']:.4f}s", flush=True)
        cpp = results[0]
        best_arrow = min((r for r in results if r["role"] == "arrow"), key=lambda r: r["median"])
        deltars = next(r for r in results if r["role"] == "delta-rs")
        scan_ratio = cpp["median"] / best_arrow["median"]
        targets.append((f"Full scan: deltacpp within {SCAN_TARGET}x of Arrow C++ reading the same "
                        f"files (fastest Arrow method: {best_arrow['name']})",
                        f"{scan_ratio:.2f}x Arrow's time", scan_ratio <= SCAN_TARGET))
        sections.append(
            f"### Full scan: {cpp['rows']:,} rows in {cpp['files']} files\n\nTable `scan`: "
            "columns id int64, value double (1% nulls), name string, event_date date, event_ts "
            "timestamp; snappy Parquet, one row group per file. Batches of 64Ki rows where the "
            "contestant takes a batch size.\n\n" + table_md(results, cpp, "time / deltacpp") +
            f"\n\ndeltacpp takes **{scan_ratio:.2f}x** the time of the fastest Arrow C++ baseline "
            f"({best_arrow['name']}), and is {faster(deltars['median'] / cpp['median'])} than "
            "delta-rs (median).\n")

    def write_section(table, partitioned: bool) -> None:
        title = "partitioned by key (16 values)" if partitioned else "unpartitioned"
        print(f"bench: write, {title}", flush=True)
        work = BENCH_DIR / ".work" / "write"
        check = verify_write(binary, table, work, partitioned)
        print(f"  verified: delta-rs reads {check['rows']:,} rows in {check['files']} files",
              flush=True)
        results = write_contestants(binary, table, work, partitioned, check["file_rows"],
                                    write_repeat, args.warmup)
        check_same(results, "rows", f"write, {title}")
        check_same([r for r in results if r["role"] in ("deltacpp", "arrow")], "files",
                   f"write, {title}")
        for r in results:
            print(f"  {r['name']:<36} {r['files']:>3} files {r['bytes'] / 1e6:8.1f} MB "
                  f"min {r['min']:.4f}s median {r['median']:.4f}s", flush=True)
        cpp = results[0]
        arrow = [r for r in results if r["role"] == "arrow"]
        best_arrow = min(arrow, key=lambda r: r["median"])
        deltars = next(r for r in results if r["role"] == "delta-rs")
        speedup = deltars["median"] / cpp["median"]
        arrow_ratio = cpp["median"] / best_arrow["median"]
        what = f"Write {cpp['rows']:,} rows, {title}"
        targets.append((f"{what}: deltacpp faster than delta-rs", faster(speedup), speedup > 1))
        targets.append((f"{what}: deltacpp within {WRITE_ARROW_TARGET}x of Arrow C++ writing the "
                        f"same Parquet (fastest Arrow method: {best_arrow['name']})",
                        f"{arrow_ratio:.2f}x Arrow's time", arrow_ratio <= WRITE_ARROW_TARGET))
        vs_each = "; ".join(f"{cpp['median'] / r['median']:.2f}x the time of {r['name']}"
                            for r in arrow if r is not best_arrow)
        layout = (f"{check['partitions']} partition directories, one file each" if partitioned
                  else "files of " + ", ".join(f"{n:,}" for n in check["file_rows"]) + " rows")
        sections.append(
            f"### {what}\n\n"
            "Columns id int64, key int32 (16 values), value double, name string (12 chars, "
            "1,000 distinct), no nulls; generated in memory before timing, in batches of 64Ki "
            "rows (the same deterministic rows in `delta_bench` and `run.py`). Snappy, "
            "dictionary encoding, row groups of up to 1Mi rows for every contestant. Each run "
            "writes into an emptied directory (emptied and `sync`ed untimed); deltacpp's table "
            f"has {layout}. MB: bytes of the Parquet files written.\n\n"
            + table_md(results, cpp, "time / deltacpp", (
                ("files", lambda r: f"{r['files']}"),
                ("MB", lambda r: f"{r['bytes'] / 1e6:.1f}"))) +
            f"\n\ndeltacpp is **{faster(speedup)}** than delta-rs and takes "
            f"**{arrow_ratio:.2f}x** the time of the fastest Arrow C++ baseline "
            f"({best_arrow['name']})" + (f"; {vs_each}" if vs_each else "") +
            " (medians). Checked before timing: delta-rs reads the table deltacpp wrote as "
            f"{check['rows']:,} rows (`DeltaTable.count()`), equal to the generated rows in "
            "every column (sorted by id).\n")


    def vacuum_section() -> None:
        removed = VACUUM_REMOVED["quick" if args.quick else "full"]
        print(f"bench: vacuum, {removed:,} removed files", flush=True)
        template = BENCH_DIR / ".work" / "vacuum" / "template"
        vacuum_template(template, removed, VACUUM_LIVE)
        results = vacuum_contestants(binary, template, BENCH_DIR / ".work" / "vacuum" / "runs",
                                     repeat, args.warmup)
        for r in results:
            print(f"  {r['name']:<28} min {r['min']:.4f}s median {r['median']:.4f}s", flush=True)
            if r["files"] != removed:
                raise RuntimeError(f"{r['name']} deleted {r['files']} files, expected {removed}")
        text = []
        for mode in ("full", "lite"):
            cpp = next(r for r in results if r["role"] == f"deltacpp-{mode}")
            rs = next(r for r in results if r["role"] == f"delta-rs-{mode}")
            speedup = rs["median"] / cpp["median"]
            targets.append((f"VACUUM ({mode}) of {removed:,} removed files: deltacpp faster than delta-rs",
                            faster(speedup), speedup > 1))
            text.append(f"{mode}: deltacpp is **{faster(speedup)}** than delta-rs (median)")
        sections.append(
            f"### VACUUM of {removed:,} removed files\n\nTable: {removed + VACUUM_LIVE:,} one-row "
            f"files added at version 0, {removed:,} of them removed at version 1. Each run vacuums a "
            "fresh copy (made untimed, all files 30 days old, synced) with zero retention and the "
            "check off; every contestant deletes exactly the removed files (checked) and commits "
            "VACUUM START/END. The timed region includes loading the table.\n\n"
            + table_md(results,
                       next(r for r in results if r["role"] == "deltacpp-full"), "time / deltacpp full",
                       (("deleted", lambda r: f"{r['files']:,}"),))
            + "\n\n" + "; ".join(text) + ".\n")

    if "snapshot" in only:
        snapshot_section("many_commits", "no checkpoint")
        snapshot_section("many_commits_cp", "with checkpoint")
    if "plan" in only:
        print("bench: DELETE ruled out by statistics, many_commits_cp", flush=True)
        results = plan_contestants(build_dir / "deltactl", data / "many_commits_cp", repeat, args.warmup)
        check_same(results, "deleted", "plan")
        check_same(results, "version", "plan")
        cpp, deltars = results
        for r in results:
            print(f"  {r['name']:<28} min {r['min']:.4f}s median {r['median']:.4f}s", flush=True)
        speedup = deltars["median"] / cpp["median"]
        sections.append(
            f"### DML planning: a DELETE the statistics rule out, table `many_commits_cp`\n\n"
            f"`DELETE WHERE {PLAN_PREDICATE}` on the table of the snapshot benchmark with a checkpoint: "
            "no file's statistics admit the predicate, so no data file is read and nothing is "
            "committed (both checked). What is timed is loading the table (stats included) and "
            "deciding for every file that it can be skipped. No target: reported for the cost of "
            "data skipping on a table of many files.\n\n"
            + table_md(results, cpp, "time / deltacpp", (("data files read", lambda r: f"{r.get('files read', '–')}"),))
            + f"\n\ndeltacpp is **{faster(speedup)}** than delta-rs (median), its process start "
            "included.\n")
    if "scan" in only:
        scan_section()
    if "write" in only:
        write_rows = WRITE_ROWS["quick" if args.quick else "full"]
        print(f"bench: write, generating {write_rows:,} rows", flush=True)
        write_table = write_data(write_rows)
        for partitioned in (False, True):
            write_section(write_table, partitioned)
        del write_table
        shutil.rmtree(BENCH_DIR / ".work" / "write", ignore_errors=True)
    if "vacuum" in only:
        vacuum_section()

    if "optimize" in only:
        n_files = OPTIMIZE_FILES["quick" if args.quick else "full"]
        print(f"bench: optimize, {n_files:,} small files", flush=True)
        src = optimize_source(build_dir / "deltactl", n_files)
        results = optimize_contestants(build_dir / "deltactl", src, write_repeat, args.warmup)
        check_same(results, "removed", "optimize")
        cpp = results[0]
        deltars = results[1]
        for r in results:
            print(f"  {r['name']:<34} min {r['min']:.4f}s median {r['median']:.4f}s", flush=True)
        speedup = deltars["median"] / cpp["median"]
        what = f"OPTIMIZE (compaction) of {n_files:,} small files"
        targets.append((f"{what}: deltacpp faster than delta-rs", faster(speedup), speedup > 1))
        sections.append(
            f"### {what}\n\n"
            f"A table of {n_files:,} Parquet files of {OPTIMIZE_FILE_ROWS:,} rows (id int64, value "
            "double, name string), made by `deltactl convert`; every run compacts a fresh copy "
            "(copied untimed). deltacpp is timed as a `deltactl optimize` process (start "
            "included), delta-rs as an in-process `DeltaTable(path).optimize.compact()` call. "
            "Both rewrite every file into one (`removed` / `added` files).\n\n"
            + table_md(results, cpp, "time / deltacpp", (
                ("removed", lambda r: f"{r['removed']}"),
                ("added", lambda r: f"{r['added']}"))) +
            f"\n\ndeltacpp is **{faster(speedup)}** than delta-rs (median).\n")

    size_key = "quick" if args.quick else "full"
    dml_rows, dml_repeat = DML_ROWS[size_key], DML_REPEAT[size_key]
    zorder_repeat = ZORDER_REPEAT[size_key]

    def script(name: str, repeat: int = dml_repeat) -> dict:
        work = BENCH_DIR / ".work"
        work.mkdir(parents=True, exist_ok=True)
        out = work / f"{Path(name).stem}.json"
        env_ = dict(os.environ, DELTACTL=str(build_dir / "deltactl"))
        subprocess.run([sys.executable, str(BENCH_DIR / name), str(dml_rows), "--repeat", str(repeat),
                        "--json", str(out)], check=True, env=env_)
        return json.loads(out.read_text())

    def mem_row(name: str, r: dict, base: dict) -> str:
        return (f"| {name} | {fmt_s(r['min'])} | {fmt_s(r['median'])} | {r['median'] / base['median']:.2f}x | "
                f"{r['rss_mb']:,.0f} | {r['rss_mb'] / base['rss_mb']:.2f} |")

    mem_header = ("| contestant | min | median | time / delta-rs | peak RSS MB | RSS / delta-rs |\n"
                  "|---|---:|---:|---:|---:|---:|")

    if "merge" in only:
        print(f"bench: MERGE, {dml_rows:,}-row target (bench/dml_merge.py)", flush=True)
        fig = script("dml_merge.py")
        parts = []
        for layout, kinds in fig["layouts"].items():
            rs = kinds["delta-rs"]
            rows_md = [mem_row("delta-rs `merge().when_matched_update_all().when_not_matched_insert_all()`", rs, rs)]
            for kind, label in (("deltacpp", "deltacpp, rewriting files"), ("deltacpp dv", "deltacpp, deletion vectors")):
                r = kinds[kind]
                rows_md.append(mem_row(label, r, rs))
                speed, mem = rs["median"] / r["median"], r["rss_mb"] / rs["rss_mb"]
                what = f"MERGE {fig['source_rows']:,} rows into {fig['rows']:,}, keys {layout}, {label}"
                targets.append((f"{what}: >= {MERGE_SPEED_TARGET:.0f}x faster than delta-rs", faster(speed),
                                speed >= MERGE_SPEED_TARGET))
                targets.append((f"{what}: < {MERGE_MEMORY_TARGET:.0%} of delta-rs's peak memory",
                                f"{mem:.0%} ({r['rss_mb']:,.0f} vs {rs['rss_mb']:,.0f} MB)",
                                mem < MERGE_MEMORY_TARGET))
            parts.append(f"Keys **{layout}** ({kinds['deltacpp']['updated']:,} updated, "
                         f"{kinds['deltacpp']['inserted']:,} inserted by every contestant):\n\n"
                         + mem_header + "\n" + "\n".join(rows_md) + "\n")
        sections.append(
            f"### MERGE: {fig['source_rows']:,} source rows into a {fig['rows']:,}-row table\n\n"
            f"`bench/dml_merge.py`: target of {fig['files']} files (id BIGINT, v DOUBLE, s STRING); the source "
            "is 50% updates of existing keys and 50% new keys, `ON t.id = s.id WHEN MATCHED THEN UPDATE SET * "
            "WHEN NOT MATCHED THEN INSERT *`. Clustered: the updated keys are one contiguous range (few files "
            "touched); random: spread over every file. Each run on a fresh copy, in its own subprocess "
            "(deltacpp: a `deltactl merge` process, start and source read included; delta-rs: reading the "
            "source + the call, in Python); peak RSS of that subprocess (getrusage), median of "
            f"{dml_repeat} runs.\n\n" + "\n".join(parts))

    if "delete" in only:
        print(f"bench: DELETE of 1%, {dml_rows:,} rows (bench/dml_delete.py)", flush=True)
        fig = script("dml_delete.py")
        parts = []
        for shape, label in (("narrow", "3 columns"), ("wide", "10 columns")):
            sh = fig["shapes"][shape]
            k = sh["kinds"]
            rs, dv, rw = k["delta-rs"], k["deltacpp dv"], k["deltacpp rewrite"]
            dv_vs_rw = rw["median"] / dv["median"]
            what = f"DELETE of 1% of {fig['rows']:,} rows ({label})"
            targets.append((f"{what}: deletion vectors >= {DELETE_DV_TARGET:.0f}x faster than rewriting "
                            "(deltacpp both)", faster(dv_vs_rw), dv_vs_rw >= DELETE_DV_TARGET))
            targets.append((f"{what}: deltacpp (deletion vectors) faster than delta-rs",
                            faster(rs["median"] / dv["median"]), rs["median"] > dv["median"]))
            targets.append((f"{what}: deltacpp (rewriting) faster than delta-rs",
                            faster(rs["median"] / rw["median"]), rs["median"] > rw["median"]))
            parts.append(
                f"Table **{shape}** ({sh['schema']}):\n\n" + mem_header + "\n" +
                "\n".join([mem_row("delta-rs `DeltaTable.delete`", rs, rs),
                           mem_row("deltacpp, deletion vectors", dv, rs),
                           mem_row("deltacpp, rewriting files", rw, rs)]) +
                f"\n\nWith deletion vectors deltacpp is **{faster(dv_vs_rw)}** than its own rewrite and "
                f"**{faster(rs['median'] / dv['median'])}** than delta-rs's rewrite.\n")
        sections.append(
            f"### DELETE of 1% of {fig['rows']:,} rows\n\n"
            f"`bench/dml_delete.py`: {fig['files']} files, predicate `{fig['predicate']}` (matches in every "
            "file), on two tables of the same rows: narrow (3 columns) and wide (10 columns). deltacpp runs "
            "on a table with deletion vectors enabled (`--dv` marks rows, `--no-dv` rewrites the files); "
            "delta-rs, which refuses the deletionVectors feature, on the same rows without it. Each run on a "
            "fresh copy in its own subprocess (process start included for deltactl), median of "
            f"{dml_repeat}; every run deletes {fig['rows'] // 100:,} rows. A deletion vector needs only the "
            "predicate's column, whatever the width (its time hardly changes between the tables); a rewrite "
            "decodes and re-encodes every column, so the ratio grows with the width. On the narrow table the "
            "DV path is at Arrow's decode floor: about half its CPU is snappy decompressing the id column.\n\n"
            + "\n".join(parts))

    if "zorder" in only:
        print(f"bench: Z-ORDER of {dml_rows:,} rows (bench/zorder.py)", flush=True)
        fig = script("zorder.py", zorder_repeat)
        rs, cpp = fig["runs"]["delta-rs"], fig["runs"]["deltacpp"]
        speed = rs["median"] / cpp["median"]
        targets.append((f"Z-ORDER BY (a, b) of {fig['rows']:,} rows: deltacpp faster than delta-rs", faster(speed),
                        speed > 1))
        sections.append(
            f"### Z-ORDER BY (a, b) of {fig['rows']:,} rows\n\n"
            f"`bench/zorder.py`: {fig['files_before']} unclustered files (a BIGINT and b DOUBLE uniform random, "
            "s STRING), 16 MiB target files; `deltactl optimize --zorder-by a,b` against delta-rs's "
            "`optimize.z_order([\"a\", \"b\"])`, each run on a fresh copy in its own subprocess, median of "
            f"{zorder_repeat}. Files read: how many files' min/max statistics admit the predicate "
            f"`{fig['predicate']}` (5% x 5% of the space) — {cpp['files_read_before']} of {fig['files_before']} "
            "before.\n\n"
            "| contestant | min | median | time / delta-rs | peak RSS MB | RSS / delta-rs | files after | files read after |\n"
            "|---|---:|---:|---:|---:|---:|---:|---:|\n"
            + "\n".join(mem_row(n, r, rs) + f" {r['files_after']} | {r['files_read_after']} |"
                        for n, r in (("delta-rs", rs), ("deltacpp", cpp))) +
            f"\n\ndeltacpp is **{faster(speed)}** than delta-rs. Its memory is bounded: a partition larger "
            "than one target file is clustered range by range through spill files (one input file plus one "
            "output range in memory), where delta-rs sorts the whole partition in memory.\n")

    if "python" in only:
        print("bench: Python API (bench/python_api.py)", flush=True)
        work = BENCH_DIR / ".work"
        work.mkdir(parents=True, exist_ok=True)
        report, figures = work / "RESULTS-python-section.md", work / "RESULTS-python.json"
        subprocess.run([sys.executable, str(BENCH_DIR / "python_api.py"), "--output", str(report),
                        "--json", str(figures), "--warmup", str(args.warmup),
                        "--repeat", str(write_repeat)]
                       + (["--quick"] if args.quick else []), check=True)
        for r in json.loads(figures.read_text()):
            targets.append((f"Python API, {r['workload']}: deltacpp faster than delta-rs",
                            faster(r["speedup"]), r["speedup"] > 1))
        sections.append("### Python API (`deltacpp` vs `deltalake`)\n\n" + report.read_text() +
                        "\n`bench/python_api.py`, run by this script in a subprocess with the "
                        "installed package (`make python`).\n")

    elapsed = time.time() - started
    size = "quick (smoke run, small tables)" if args.quick else "full"
    lines = [
        "# deltacpp benchmarks",
        "",
        f"Written by `make bench` (`bench/run.py{' --quick' if args.quick else ''}`) on "
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; do not edit by "
        f"hand. Size: {size}. Each contestant: {args.warmup} untimed warm-up run(s), then "
        f"{repeat} timed runs ({write_repeat} for the write benchmarks), interleaved with the "
        "other contestants' (round-robin, order "
        "rotated each round, so noise from other jobs on this shared machine spreads evenly); "
        "times are wall-clock seconds (ms where marked), page cache warm. "
        f"The whole run took {elapsed:.0f} s.",
        "",
        "## Targets",
        "",
        "| target | measured | met |",
        "|---|---|---|",
        *[f"| {t} | {m} | {'yes' if ok else '**no**'} |" for t, m, ok in targets],
        "",
        "## Machine",
        "",
        f"- CPU: {env['cpu']}, {env['nproc']} logical cores (`nproc`)",
        f"- RAM: {env['ram_gib']:.1f} GiB",
        f"- Linux {env['kernel']}; load average at start "
        f"{' / '.join(f'{x:.2f}' for x in env['load'])} (1/5/15 min). A shared machine: each "
        f"round waited for other builds/tests to finish ({NOISE['waited_s']:.0f} s waited in "
        f"all); {NOISE['contended_rounds']} round(s) ran while one was still going"
        + (f" ({', '.join(sorted(NOISE['seen']))})" if NOISE["seen"] else "") + ".",
        "",
        "## Versions",
        "",
        f"- deltacpp: git {vers['deltacpp']}; build {vers['build']}",
        *([f"- **warning**: `delta_bench` is older than {', '.join(vers['stale'])}: these "
           "figures do not include those changes (run `make bench`, which builds first)"]
          if vers["stale"] else []),
        f"- Arrow C++: {vers['arrow_cpp']}",
        f"- deltalake (delta-rs): {vers['deltalake']}",
        f"- pyarrow: {vers['pyarrow']}; Python {vers['python']}",
        "",
        "## Results",
        "",
        "\"time / deltacpp\" is the contestant's median over deltacpp's median: above 1, "
        "deltacpp is faster. delta-rs's snapshot target compares with `DeltaTable(path)` alone, "
        "which already replays the log and materializes the active files (delta-rs 1.x has no "
        "lazy file loading: `without_files` is deprecated and ignored); the row with "
        "`file_uris()` adds handing the list to Python. deltacpp and the Arrow C++ baselines run "
        "in `build/bench/delta_bench`; delta-rs and pyarrow run in-process in `bench/run.py`. "
        "The write targets compare deltacpp with delta-rs's `write_deltalake` and with the "
        "fastest of the Arrow C++ writers given the same rows, file split and Parquet settings.",
        "",
        *sections,
        "## Reproduce",
        "",
        "```",
        "make bench                                   # bootstrap, build, generate, run, rewrite this file",
        ".venv/bin/python bench/run.py --quick        # smoke run on small tables",
        "build/bench/delta_bench snapshot|scan|arrow-scan TABLE --repeat N [--method dataset|parquet]",
        "build/bench/delta_bench write OUTDIR --rows N [--partitioned] --repeat N",
        "build/bench/delta_bench arrow-write OUTDIR --rows N [--partitioned] --repeat N "
        "[--method parquet|parquet-threaded|dataset] [--file-rows N,N,...]",
        ".venv/bin/python bench/run.py --only write   # the write benchmarks alone",
        ".venv/bin/python bench/run.py --only python  # the Python API (installed package) alone",
        "```",
        "",
        "Tables are generated under `bench/data/` (not committed) by `bench/generate.py`; the write "
        "benchmarks write under `bench/.work/write/` and delete what they wrote.",
        "",
    ]
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("\n".join(lines))
    print(f"bench: wrote {output} ({elapsed:.0f}s)")
    for t, m, ok in targets:
        print(f"  [{'met' if ok else 'MISSED'}] {t}: {m}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
