"""DELETE of 1% of the rows of a ROWS-row table (default 10M rows in 10 files of 1M rows;
columns id BIGINT, v DOUBLE, s STRING; predicate `id % 100 = 7`, so every file holds matches):
`deltactl delete` with deletion vectors and rewriting files, against delta-rs's
DeltaTable.delete (which rewrites; delta-rs refuses tables with the deletionVectors feature, so
it gets the same rows in a table without it). Every run is on a fresh copy, in its own
subprocess: wall time (deltactl: the whole command with process start; delta-rs: opening the
table + the call) and the peak RSS of that subprocess (for delta-rs including Python and
pyarrow). Every run must delete exactly ROWS/100 rows.

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


def make_table(path: Path, inputs: list[Path], dvs: bool) -> None:
    args = [DELTACTL, "create", str(path), "--schema", "id BIGINT, v DOUBLE, s STRING"]
    if dvs:
        args += ["--property", "delta.enableDeletionVectors=true"]
    subprocess.run(args, check=True, capture_output=True)
    for f in inputs:
        subprocess.run([DELTACTL, "write", str(path), "--input", str(f)], check=True, capture_output=True)


def main() -> None:
    args = parse_args()
    rows = args.rows
    tmp = Path(tempfile.mkdtemp(prefix="dml_bench_"))
    report = {"rows": rows, "files": 10, "predicate": PREDICATE, "kinds": {}}
    try:
        inputs = write_id_files(rows, 10, tmp)
        make_table(tmp / "base_dv", inputs, dvs=True)
        make_table(tmp / "base", inputs, dvs=False)
        runs = {k: [] for k in KINDS}
        for rep in range(args.repeat):
            for kind in KINDS[rep % 3:] + KINDS[:rep % 3]:
                t = tmp / "run"
                shutil.rmtree(t, ignore_errors=True)
                shutil.copytree(tmp / ("base_dv" if kind.startswith("deltacpp") else "base"), t)
                os.sync()  # the copy's writeback must not land in the timed run
                out = subprocess.run([sys.executable, __file__, "--run", kind, str(t)], check=True,
                                     capture_output=True, text=True)
                r = json.loads(out.stdout.strip().splitlines()[-1])
                assert r["deleted"] == rows // 100, (kind, r)
                runs[kind].append(r)
                print(f"{kind:18s} {r['seconds']:6.2f} s  peak RSS {r['rss_mb']:6.0f} MB  ({r['deleted']} rows deleted)",
                      flush=True)
        report["kinds"] = {
            k: {"median": statistics.median(r["seconds"] for r in v), "min": min(r["seconds"] for r in v),
                "rss_mb": statistics.median(r["rss_mb"] for r in v), "runs": len(v), "deleted": v[0]["deleted"]}
            for k, v in runs.items()}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--run":
        runner(sys.argv[2], sys.argv[3])
    else:
        main()
