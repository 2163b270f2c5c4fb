"""DELETE of 1% of the rows of a ROWS-row table (default 10M rows in 10 files of 1M rows;
predicate `id % 100 = 7`, so every file holds matches), on two tables of the same rows: "narrow"
(id BIGINT, v DOUBLE, s STRING) and "wide" (ten columns, WIDE_SCHEMA: the narrow three plus a
timestamp, a date, a high-cardinality string, an int, a double, a boolean and a category):
`deltactl delete` with deletion vectors and rewriting files, against delta-rs's
DeltaTable.delete (which rewrites; delta-rs refuses tables with the deletionVectors feature, so
it gets the same rows in a table without it). Every run is on a fresh copy, in its own
subprocess: wall time (deltactl: the whole command with process start; delta-rs: opening the
table + the call) and the peak RSS of that subprocess (for delta-rs including Python and
pyarrow). Every run must delete exactly ROWS/100 rows.

A deletion vector needs only the id column, a rewrite every column: the wider table shows
the ratio on a table shaped more like a fact table.

    .venv/bin/python bench/dml_delete.py [ROWS] [--repeat N] [--json FILE]
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dml_common import parse_args, write_id_files  # noqa: E402

DELTACTL = os.environ.get("DELTACTL", str(Path(__file__).resolve().parents[1] / "build" / "deltactl"))
PREDICATE = "id % 100 = 7"
NARROW_SCHEMA = "id BIGINT, v DOUBLE, s STRING"
WIDE_SCHEMA = ("id BIGINT, v DOUBLE, s STRING, ts TIMESTAMP, d DATE, name STRING, qty INT, amount DOUBLE, "
               "flag BOOLEAN, category STRING")
KINDS = ["deltacpp dv", "deltacpp rewrite", "delta-rs"]


def runner(kind: str, table: str) -> None:
    """One measured DELETE (in a fresh process); prints JSON {seconds, rss_mb, deleted}."""
    start = time.perf_counter()
    if kind.startswith("deltacpp"):
        flag = "--dv" if kind.endswith("dv") else "--no-dv"
        out = subprocess.run([DELTACTL, "delete", table, "--where", PREDICATE, flag, "--json"], check=True,
                             capture_output=True, text=True)
        seconds = time.perf_counter() - start
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        deleted = json.loads(out.stdout)["numDeletedRows"]
    else:
        from deltalake import DeltaTable
        deleted = DeltaTable(table).delete(PREDICATE)["num_deleted_rows"]
        seconds = time.perf_counter() - start
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "rss_mb": rss / 1024, "deleted": deleted}))


def make_table(path: Path, schema: str, inputs: list[Path], dvs: bool) -> None:
    args = [DELTACTL, "create", str(path), "--schema", schema]
    if dvs:
        args += ["--property", "delta.enableDeletionVectors=true"]
    subprocess.run(args, check=True, capture_output=True)
    for f in inputs:
        subprocess.run([DELTACTL, "write", str(path), "--input", str(f)], check=True, capture_output=True)


def widen(inputs: list[Path], directory: Path) -> list[Path]:
    """The narrow files plus seven columns derived from id (deterministic)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    out = []
    for k, f in enumerate(inputs):
        t = pq.read_table(f)
        ids = t["id"]
        hashed = pc.bit_wise_and(pc.multiply(ids, 2654435761), 0xFFFFFFF)
        t = (t.append_column("ts", pc.cast(pc.add(pc.multiply(ids, 1_000_000), 1_600_000_000_000_000),
                                          pa.timestamp("us", tz="UTC")))
              .append_column("d", pc.cast(pc.cast(pc.add(pc.divide(ids, 10_000), 18_000), pa.int32()), pa.date32()))
              .append_column("name", pc.binary_join_element_wise("customer-", pc.cast(hashed, pa.string()), ""))
              .append_column("qty", pc.cast(pc.remainder(ids, 97), pa.int32()))
              .append_column("amount", pc.divide(pc.cast(pc.remainder(hashed, 1_000_000), pa.float64()), 100.0))
              .append_column("flag", pc.equal(pc.remainder(ids, 3), 0))
              .append_column("category", pc.binary_join_element_wise("cat-", pc.cast(pc.remainder(ids, 20), pa.string()), "")))
        w = directory / f"wide{k}.parquet"
        pq.write_table(t, w)
        out.append(w)
    return out


def measure(tmp: Path, base: str, rows: int, repeat: int) -> dict:
    """Runs every contestant `repeat` times (interleaved) on copies of tmp/base[_dv]."""
    runs = {k: [] for k in KINDS}
    for rep in range(repeat):
        for kind in KINDS[rep % 3:] + KINDS[:rep % 3]:
            t = tmp / "run"
            shutil.rmtree(t, ignore_errors=True)
            shutil.copytree(tmp / (base + "_dv" if kind.startswith("deltacpp") else base), t)
            os.sync()  # the copy's writeback must not land in the timed run
            out = subprocess.run([sys.executable, __file__, "--run", kind, str(t)], check=True,
                                 capture_output=True, text=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            assert r["deleted"] == rows // 100, (kind, r)
            runs[kind].append(r)
            print(f"{base:7s} {kind:18s} {r['seconds']:6.2f} s  peak RSS {r['rss_mb']:6.0f} MB  "
                  f"({r['deleted']} rows deleted)", flush=True)
    return {k: {"median": statistics.median(r["seconds"] for r in v), "min": min(r["seconds"] for r in v),
                "rss_mb": statistics.median(r["rss_mb"] for r in v), "runs": len(v), "deleted": v[0]["deleted"]}
            for k, v in runs.items()}


def main() -> None:
    args = parse_args()
    rows = args.rows
    tmp = Path(tempfile.mkdtemp(prefix="dml_bench_"))
    report = {"rows": rows, "files": 10, "predicate": PREDICATE, "shapes": {}}
    try:
        inputs = write_id_files(rows, 10, tmp)
        for shape, schema, files in (("narrow", NARROW_SCHEMA, inputs), ("wide", WIDE_SCHEMA, widen(inputs, tmp))):
            make_table(tmp / (shape + "_dv"), schema, files, dvs=True)
            make_table(tmp / shape, schema, files, dvs=False)
            report["shapes"][shape] = {"schema": schema, "kinds": measure(tmp, shape, rows, args.repeat)}
            for name in (shape, shape + "_dv"):
                shutil.rmtree(tmp / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--run":
        runner(sys.argv[2], sys.argv[3])
    else:
        main()
