"""`deltactl write` killed with SIGKILL at random points leaves a readable table.

Each iteration starts two writers at once (each adds ROWS rows with its own `batch` id, k =
0..ROWS-1) and SIGKILLs each after a random delay (fixed seed). Then:
  - every `_delta_log/*.json` parses as JSON lines, `_last_checkpoint` (if any) as JSON and
    every checkpoint as Parquet: no partial commit or checkpoint is ever visible;
  - the commit files are 0..N with no gap, and deltactl info, deltactl cat and delta-rs all
    open the table at version N;
  - every batch is either fully present (ROWS rows, k = 0..ROWS-1) or absent, exactly N
    batches are present (one commit per write, version 0 is the create), and every writer
    that exited 0 before its kill has its batch present; deltactl and delta-rs agree.
delta.checkpointInterval is 2, so kills also land while a checkpoint is being written.

The kill delay is drawn from [0, min(300 ms, 1.5 x an uncontended write's duration)] so that
most kills land inside the write rather than after it (a write takes tens of ms here).
Input files are CSV.
"""
from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from helpers import deltactl as cli
from helpers.writing import create, log_versions, write_args, write_input

deltalake = pytest.importorskip("deltalake")

pytestmark = [pytest.mark.group("write: crash safety"), pytest.mark.usefixtures("require_deltactl")]

ROWS = 5000
SEED = 20240229
ITERATIONS = 30
WRITERS_PER_ITERATION = 2


def batch_table(batch: int) -> pa.Table:
    return pa.table({"batch": pa.array([batch] * ROWS, pa.int32()),
                     "k": pa.array(range(ROWS), pa.int32()),
                     "pad": pa.array([f"row {batch}/{k}" for k in range(ROWS)])})


def check_log_files(path: Path) -> int:
    """Asserts every commit file is whole JSON lines and the commits are dense; returns the
    latest version."""
    log = path / "_delta_log"
    for f in sorted(log.glob("*.json")):
        text = f.read_text()
        assert text.endswith("\n") or "\n" not in text.strip(), f"{f.name}: no final newline"
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    json.loads(line)
                except json.JSONDecodeError as e:
                    raise AssertionError(f"{f.name}:{n} is not JSON ({e}): {line[:200]!r}")
    last_cp = log / "_last_checkpoint"
    if last_cp.exists():
        cp = json.loads(last_cp.read_text())
        cp_file = log / f"{cp['version']:020d}.checkpoint.parquet"
        assert cp_file.exists() or cp.get("parts"), f"_last_checkpoint {cp} names a missing file"
    for f in sorted(log.glob("*.checkpoint*.parquet")):  # a checkpoint appears whole or not
        try:
            pq.read_metadata(f)
        except Exception as e:  # noqa: BLE001 - any unreadable checkpoint is the finding
            raise AssertionError(f"{f.name} is not readable Parquet: {e}")
    versions = log_versions(path)
    assert versions == list(range(len(versions))), f"gap in the commits: {versions}"
    return versions[-1]


def batches_of(table: pa.Table, who: str) -> set[int]:
    """The batch ids in `table`, asserting each one is complete."""
    counts = Counter(table.column("batch").to_pylist())
    sums = {}
    for b, k in zip(table.column("batch").to_pylist(), table.column("k").to_pylist()):
        sums[b] = sums.get(b, 0) + k
    partial = {b: (n, sums[b]) for b, n in counts.items()
               if n != ROWS or sums[b] != ROWS * (ROWS - 1) // 2}
    assert not partial, f"{who}: partial batches (rows, sum k): {partial}"
    return set(counts)


def test_sigkill_during_writes_never_leaves_a_partial_table(tmp_path):
    from deltalake import DeltaTable

    rng = random.Random(SEED)
    path = tmp_path / "t"
    create(path, "batch INT NOT NULL, k INT NOT NULL, pad STRING",
           properties={"delta.checkpointInterval": "2"})
    inputs = tmp_path / "in"
    argv0 = str(cli.deltactl_path())

    # calibrate: how long does one uncontended write take on this machine?
    calib = tmp_path / "calib"
    create(calib, "batch INT NOT NULL, k INT NOT NULL, pad STRING")
    f = write_input(batch_table(0), inputs, "csv")
    t0 = time.monotonic()
    cli.check_ok(cli.run_deltactl(write_args(calib, [f])))
    max_delay = min(0.3, 1.5 * (time.monotonic() - t0))

    completed: set[int] = set()
    started: set[int] = set()
    killed_mid_write = 0
    next_batch = 1
    for it in range(ITERATIONS):
        procs = []
        for _ in range(WRITERS_PER_ITERATION):
            b = next_batch
            next_batch += 1
            f = write_input(batch_table(b), inputs, "csv")
            procs.append((b, subprocess.Popen([argv0] + write_args(path, [f]),
                                              stdout=subprocess.PIPE, stderr=subprocess.PIPE),
                          rng.uniform(0, max_delay)))
            started.add(b)
        t0 = time.monotonic()
        for b, p, delay in sorted(procs, key=lambda x: x[2]):
            time.sleep(max(0.0, t0 + delay - time.monotonic()))
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                killed_mid_write += 1
        for b, p, _ in procs:
            _, err = p.communicate(timeout=60)
            if p.returncode == 0:
                completed.add(b)
            else:
                assert p.returncode == -signal.SIGKILL, \
                    f"iteration {it}: writer of batch {b} failed by itself " \
                    f"(exit {p.returncode}): {err.decode(errors='replace')[-400:]}"

        last = check_log_files(path)
        ctx = f"iteration {it} (latest version {last})"
        info = cli.info_json(path)
        assert info["version"] == last, f"{ctx}: deltactl info says version {info['version']}"
        ours = cli.read_cat(path, columns=["batch", "k"])
        present = batches_of(ours, f"{ctx}: deltactl cat")
        assert len(present) == last, \
            f"{ctx}: {len(present)} batches present but {last} write commits"
        assert completed <= present, f"{ctx}: completed writes missing: {completed - present}"
        assert present <= started, f"{ctx}: unknown batches {present - started}"
        assert info.get("numRecords") in (None, last * ROWS), info
        theirs = DeltaTable(str(path)).to_pyarrow_table(columns=["batch", "k"])
        assert batches_of(theirs, f"{ctx}: delta-rs") == present, \
            f"{ctx}: delta-rs sees batches {sorted(batches_of(theirs, 'delta-rs'))}, " \
            f"deltactl {sorted(present)}"
        assert theirs.num_rows == ours.num_rows

    # the table still takes writes after all this, and older versions still read
    f = write_input(batch_table(next_batch), inputs, "csv")
    res = json.loads(cli.check_ok(cli.run_deltactl(write_args(path, [f]))).stdout)
    final = cli.read_cat(path, columns=["batch"])
    assert res["version"] == last + 1
    assert pc.count_distinct(final.column("batch")).as_py() == last + 1
    assert cli.read_cat(path, version=1, columns=["batch"]).num_rows == ROWS
    print(f"{ITERATIONS} iterations, {killed_mid_write} writers killed mid-write, "
          f"{len(completed)} completed, {last} commits, max delay {max_delay * 1000:.0f} ms")
