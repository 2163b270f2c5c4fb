#!/usr/bin/env python3
"""The Python API against delta-rs's: write, read-to-pyarrow and MERGE of the same data.

``make bench-python`` runs it (after installing the package); ``bench/run.py`` runs it as its
``python`` section. Each contestant runs ``--warmup`` untimed rounds then ``--repeat`` timed
ones, interleaved (the machine is shared); min and median wall time are reported. Writes go to
emptied directories under bench/.work/python/; reads read one table (written by deltacpp) with
both libraries and must return the same row count. MERGE upserts a source of
``--merge-source-rows`` rows (half of them update existing ids, half insert new ones) into a
fresh copy (made untimed) of a ``--merge-target-rows``-row table written by deltacpp, with
``when_matched_update_all().when_not_matched_insert_all()``; both libraries must report the same
updated/inserted counts and leave the same row count. Prints a Markdown table and writes
bench/.work/RESULTS-python.md (or ``--output``); ``--json`` also writes the figures.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

import deltacpp
import deltalake
from deltacpp import _core

WORK = Path(__file__).resolve().parent / ".work" / "python"
SIZES = {"full": {"rows": 2_000_000, "merge_target_rows": 4_000_000,
                  "merge_source_rows": 1_000_000},
         "quick": {"rows": 200_000, "merge_target_rows": 400_000, "merge_source_rows": 100_000}}


def make_data(rows: int, start: int = 0, seed: int = 42) -> pa.Table:
    rng = np.random.default_rng(seed)
    ids = np.arange(start, start + rows, dtype=np.int64)
    return pa.table({
        "id": pa.array(ids),
        "value": pa.array(rng.random(rows)),
        "category": pa.array(np.char.add("c", (ids % 100).astype(str))),
        "day": pa.array((ids % 10).astype(np.int32)),
    })


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def merge_source(target_rows: int, source_rows: int) -> pa.Table:
    """Half the rows update ids spread over the whole target, half insert new ids."""
    half = source_rows // 2
    updated = np.linspace(0, target_rows - 1, half).astype(np.int64)
    fresh = np.arange(target_rows, target_rows + (source_rows - half), dtype=np.int64)
    ids = np.concatenate([updated, fresh])
    rng = np.random.default_rng(7)
    return pa.table({
        "id": pa.array(ids),
        "value": pa.array(rng.random(len(ids))),
        "category": pa.array(np.char.add("u", (ids % 100).astype(str))),
        "day": pa.array((ids % 10).astype(np.int32)),
    })


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    ap.add_argument("--rows", type=int, help="rows written and read (2M; quick 200k)")
    ap.add_argument("--merge-target-rows", type=int, help="MERGE target rows (4M; quick 400k)")
    ap.add_argument("--merge-source-rows", type=int, help="MERGE source rows (1M; quick 100k)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--merge-repeat", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--output", help="Markdown report (bench/.work/RESULTS-python.md)")
    ap.add_argument("--json", help="also write the figures here")
    args = ap.parse_args()
    size = SIZES["quick" if args.quick else "full"]
    rows = args.rows or size["rows"]
    target_rows = args.merge_target_rows or size["merge_target_rows"]
    source_rows = args.merge_source_rows or size["merge_source_rows"]

    data = make_data(rows)
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
    assert n_ours == n_theirs == rows, (n_ours, n_theirs)

    cases = {
        f"write {rows:,} rows (unpartitioned)": {
            "deltacpp": (None, write_with("deltacpp")),
            "delta-rs": (None, write_with("deltalake"))},
        f"read {rows:,} rows to pyarrow (all rows)": {
            "deltacpp": (None, lambda: deltacpp.DeltaTable(read_path).to_pyarrow_table()),
            "delta-rs": (None, lambda: deltalake.DeltaTable(read_path).to_pyarrow_table())},
        "read to pyarrow (day = 3, 2 columns)": {
            "deltacpp": (None, lambda: deltacpp.DeltaTable(read_path).to_pyarrow_table(
                columns=["id", "value"], filter="day = 3")),
            "delta-rs": (None, lambda: deltalake.DeltaTable(read_path).to_pyarrow_table(
                columns=["id", "value"], partitions=[("day", "=", "3")]))},
    }
    notes = []
    if hasattr(_core, "merge"):
        template = WORK / "merge-template"
        shutil.rmtree(template, ignore_errors=True)
        deltacpp.write_deltalake(str(template), make_data(target_rows, seed=1),
                                 target_file_size=64 << 20)
        source = merge_source(target_rows, source_rows)
        outcome: dict = {}

        def merge_with(lib):
            path = WORK / f"merge-{lib}"

            def fresh():
                shutil.rmtree(path, ignore_errors=True)
                shutil.copytree(template, path)

            def run():
                mod = deltacpp if lib == "deltacpp" else deltalake
                m = (mod.DeltaTable(str(path))
                     .merge(source, "t.id = s.id", source_alias="s", target_alias="t")
                     .when_matched_update_all().when_not_matched_insert_all().execute())
                outcome[lib] = (m["num_target_rows_updated"], m["num_target_rows_inserted"])
            return fresh, run

        name = (f"MERGE {source_rows:,} source rows (50% update, 50% insert) into "
                f"{target_rows:,} rows")
        cases[name] = {"deltacpp": merge_with("deltacpp"), "delta-rs": merge_with("deltalake")}
        merge_name = name
    else:
        merge_name = None
        notes.append("MERGE not measured: this build of the package has no MERGE.")

    results = []
    lines = [f"Python API: deltacpp {deltacpp.__version__}, deltalake {deltalake.__version__}, "
             f"pyarrow {pa.__version__}. Rows: id int64, value double, category string "
             "(100 values), day int32 (10 values); the read table is partitioned by day. "
             f"{args.repeat} timed runs ({args.merge_repeat} for MERGE) after {args.warmup} "
             "warm-up, contestants interleaved; wall-clock seconds, each run in-process and "
             "including opening the table.", "",
             "| workload | deltacpp min / median s | delta-rs min / median s "
             "| delta-rs / deltacpp (median) |",
             "|---|---|---|---|"]
    for name, contestants in cases.items():
        repeat = args.merge_repeat if name == merge_name else args.repeat
        times: dict = {k: [] for k in contestants}
        for i in range(args.warmup + repeat):
            order = list(contestants.items())
            if i % 2:
                order.reverse()
            for k, (prepare, fn) in order:
                if prepare is not None:
                    prepare()
                t = timed(fn)
                if i >= args.warmup:
                    times[k].append(t)
        if name == merge_name:
            ours, theirs = outcome["deltacpp"], outcome["deltalake"]
            assert ours == theirs == (source_rows // 2, source_rows - source_rows // 2), outcome
            n1 = deltacpp.DeltaTable(str(WORK / "merge-deltacpp")).to_pyarrow_table(
                columns=["id"]).num_rows
            n2 = deltalake.DeltaTable(str(WORK / "merge-deltalake")).to_pyarrow_table(
                columns=["id"]).num_rows
            assert n1 == n2 == target_rows + source_rows - source_rows // 2, (n1, n2)
        ours, theirs = times["deltacpp"], times["delta-rs"]
        ratio = statistics.median(theirs) / statistics.median(ours)
        results.append({"workload": name, "deltacpp_min": min(ours),
                        "deltacpp_median": statistics.median(ours),
                        "deltars_min": min(theirs), "deltars_median": statistics.median(theirs),
                        "speedup": ratio})
        lines.append(f"| {name} | {min(ours):.3f} / {statistics.median(ours):.3f} | "
                     f"{min(theirs):.3f} / {statistics.median(theirs):.3f} | {ratio:.2f}x |")
        print(lines[-1], flush=True)
    if merge_name:
        notes.append("MERGE: both libraries report the same updated / inserted counts and leave "
                     "the same row count (checked). The target is one deltacpp-written table "
                     "(64 MiB files) copied afresh, untimed, before each run.")
    text = "\n".join(lines + ([""] + notes if notes else [])) + "\n"
    print(text)
    out = Path(args.output) if args.output else WORK.parent / "RESULTS-python.md"
    out.write_text(text)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
