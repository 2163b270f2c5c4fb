#!/usr/bin/env python3
"""The Python API against delta-rs's: write and read-to-pyarrow of the same data.

``make bench-python`` runs it (after installing the package). Each contestant runs
``--warmup`` untimed rounds then ``--repeat`` timed ones, interleaved (the machine is shared);
min and median wall time are reported. Writes go to emptied directories under
bench/.work/python/; reads read one table (written by deltacpp) with both libraries and must
return the same row count. Prints a Markdown table and writes bench/.work/RESULTS-python.md.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

import deltacpp
import deltalake

WORK = Path(__file__).resolve().parent / ".work" / "python"


def make_data(rows: int) -> pa.Table:
    rng = np.random.default_rng(42)
    return pa.table({
        "id": pa.array(np.arange(rows, dtype=np.int64)),
        "value": pa.array(rng.random(rows)),
        "category": pa.array(np.char.add("c", (np.arange(rows) % 100).astype(str))),
        "day": pa.array((np.arange(rows) % 10).astype(np.int32)),
    })


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    args = ap.parse_args()

    data = make_data(args.rows)
    WORK.mkdir(parents=True, exist_ok=True)

    def write_with(lib):
        def run():
            path = WORK / f"write-{lib}"
            shutil.rmtree(path, ignore_errors=True)
            if lib == "deltacpp":
                deltacpp.write_deltalake(str(path), data, mode="overwrite")
            else:
                deltalake.write_deltalake(str(path), data, mode="overwrite")
        return run

    read_path = str(WORK / "read")
    shutil.rmtree(read_path, ignore_errors=True)
    deltacpp.write_deltalake(read_path, data, partition_by=["day"])
    n_ours = deltacpp.DeltaTable(read_path).to_pyarrow_table().num_rows
    n_theirs = deltalake.DeltaTable(read_path).to_pyarrow_table().num_rows
    assert n_ours == n_theirs == args.rows, (n_ours, n_theirs)

    cases = {
        "write (unpartitioned)": {"deltacpp": write_with("deltacpp"),
                                  "delta-rs": write_with("deltalake")},
        "read to pyarrow (all rows)": {
            "deltacpp": lambda: deltacpp.DeltaTable(read_path).to_pyarrow_table(),
            "delta-rs": lambda: deltalake.DeltaTable(read_path).to_pyarrow_table()},
        "read to pyarrow (day = 3, 2 columns)": {
            "deltacpp": lambda: deltacpp.DeltaTable(read_path).to_pyarrow_table(
                columns=["id", "value"], filter="day = 3"),
            "delta-rs": lambda: deltalake.DeltaTable(read_path).to_pyarrow_table(
                columns=["id", "value"], partitions=[("day", "=", "3")])},
    }
    lines = [f"Python API, {args.rows:,} rows (id, value, category, day), "
             f"{args.repeat} runs; deltacpp {deltacpp.__version__}, deltalake "
             f"{deltalake.__version__}, pyarrow {pa.__version__}", "",
             "| workload | deltacpp min / median s | delta-rs min / median s "
             "| delta-rs / deltacpp |",
             "|---|---|---|---|"]
    for name, contestants in cases.items():
        times = {k: [] for k in contestants}
        for _ in range(args.warmup):
            for fn in contestants.values():
                fn()
        for _ in range(args.repeat):
            for k, fn in contestants.items():
                times[k].append(timed(fn))
        ours, theirs = times["deltacpp"], times["delta-rs"]
        lines.append(f"| {name} | {min(ours):.3f} / {statistics.median(ours):.3f} | "
                     f"{min(theirs):.3f} / {statistics.median(theirs):.3f} | "
                     f"{statistics.median(theirs) / statistics.median(ours):.2f}x |")
    text = "\n".join(lines) + "\n"
    print(text)
    (WORK.parent / "RESULTS-python.md").write_text(text)


if __name__ == "__main__":
    main()
