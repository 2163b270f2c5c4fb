"""MERGE (upsert) of a source of ROWS/10 rows (50% updates of existing keys, 50% new keys) into a
ROWS-row table (10 files, columns id BIGINT, v DOUBLE, s STRING; default 10M rows, 1M source
rows): `deltactl merge` (rewriting files, and with deletion vectors) against delta-rs's
DeltaTable.merge(...).when_matched_update_all().when_not_matched_insert_all(). Two key
layouts: "clustered" (the updated keys are one contiguous range: few files touched) and
"random" (updated keys spread over every file). Every run is on a fresh copy of the same
table, in its own subprocess: wall time of the merge (deltactl: the whole command, with
process start and reading the source file; delta-rs: reading the source file + the merge)
and the peak RSS of that subprocess (getrusage ru_maxrss; for delta-rs it includes the
Python interpreter and pyarrow).

    .venv/bin/python bench/dml_merge.py [ROWS] [--repeat N] [--json FILE]

With --repeat N every contestant runs N times per layout (interleaved); --json writes the
figures (median / min seconds, median peak RSS) for bench/run.py's report.

Measured 2026-12-06 on the 2-core dev machine, `make bench`, medians of 5, 10M-row target, 1M
source rows, seconds / peak RSS:
  clustered  deltacpp rewrite 0.33 s, 151 MB; with DVs 0.28 s, 140 MB; delta-rs 1.67 s, 1008 MB
  random     deltacpp rewrite 0.98 s, 218 MB; with DVs 0.41 s, 158 MB; delta-rs 2.26 s, 548 MB
  (2026-11-22: random rewrite 1.10 s / 246 MB vs delta-rs 2.14 s / 594 MB; delta-rs varies
  2.0-3.0 s and 515-594 MB run to run)
(Clustered: only the files holding source keys are read. Random: every file is touched; the
rewrite re-encodes 9.5M copied rows, files in parallel, streamed batch by batch; with DVs
nothing is copied.)
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dml_common import parse_args, write_id_files  # noqa: E402

DELTACTL = os.environ.get("DELTACTL", str(Path(__file__).resolve().parents[1] / "build" / "deltactl"))


def runner(kind: str, table: str, source: str) -> None:
    """One measured merge (in a fresh process); prints JSON {seconds, rss_mb, updated, inserted}."""
    start = time.perf_counter()
    if kind.startswith("deltacpp"):
        args = [DELTACTL, "merge", table, "--source", source, "--on", "t.id = s.id", "--target-alias", "t",
                "--source-alias", "s", "--when", "WHEN MATCHED THEN UPDATE SET *",
                "--when", "WHEN NOT MATCHED THEN INSERT *", "--json"]
        args.append("--deletion-vectors" if kind.endswith("dv") else "--no-deletion-vectors")
        out = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
        seconds = time.perf_counter() - start
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        updated, inserted = out["numTargetRowsUpdated"], out["numTargetRowsInserted"]
    else:
        from deltalake import DeltaTable
        src = pq.read_table(source)
        m = (DeltaTable(table).merge(source=src, predicate="t.id = s.id", source_alias="s", target_alias="t")
             .when_matched_update_all().when_not_matched_insert_all().execute())
        seconds = time.perf_counter() - start
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        updated, inserted = m["num_target_rows_updated"], m["num_target_rows_inserted"]
    print(json.dumps({"seconds": seconds, "rss_mb": rss / 1024, "updated": updated, "inserted": inserted}))


def main() -> None:
    import statistics
    args = parse_args()
    rows = args.rows
    report = {"rows": rows, "source_rows": rows // 10, "files": 10, "layouts": {}}
    tmp = Path(tempfile.mkdtemp(prefix="merge_bench_"))
    try:
        base = tmp / "base"
        subprocess.run([DELTACTL, "create", str(base), "--schema", "id BIGINT, v DOUBLE, s STRING"],
                       check=True, capture_output=True)
        for f in write_id_files(rows, 10, tmp):
            subprocess.run([DELTACTL, "write", str(base), "--input", str(f)], check=True, capture_output=True)
            f.unlink()
        n_src = rows // 10
        rng = np.random.default_rng(7)
        sources = {
            "clustered": np.arange(rows // 2, rows // 2 + n_src // 2, dtype=np.int64),
            "random": rng.choice(rows, n_src // 2, replace=False).astype(np.int64),
        }
        print(f"target {rows} rows in 10 files; source {n_src} rows (50% updates, 50% inserts)", flush=True)
        for layout, updates in sources.items():
            ids = np.concatenate([updates, np.arange(rows, rows + n_src - len(updates), dtype=np.int64)])
            rng.shuffle(ids)
            src = tmp / f"source_{layout}.parquet"
            ids_a = pa.array(ids)
            pq.write_table(pa.table({"id": ids_a, "v": pc.cast(ids_a, pa.float64()),
                                     "s": pa.array(np.full(len(ids), "new"))}), src)
            kinds = ["deltacpp", "deltacpp dv", "delta-rs"]
            runs = {k: [] for k in kinds}
            for rep in range(args.repeat):
                for kind in kinds[rep % 3:] + kinds[:rep % 3]:  # order rotated each round
                    t = tmp / "run"
                    shutil.rmtree(t, ignore_errors=True)
                    shutil.copytree(base, t)
                    os.sync()  # the copy's writeback must not land in the timed run
                    if kind.endswith("dv"):
                        subprocess.run([DELTACTL, "alter", str(t), "set-properties",
                                        "delta.enableDeletionVectors=true"], check=True, capture_output=True)
                    out = subprocess.run([sys.executable, __file__, "--run", kind, str(t), str(src)], check=True,
                                         capture_output=True, text=True)
                    r = json.loads(out.stdout.strip().splitlines()[-1])
                    assert r["updated"] == len(updates) and r["inserted"] == n_src - len(updates), (kind, r)
                    runs[kind].append(r)
                    print(f"{layout:10s} {kind:12s} {r['seconds']:7.2f} s  peak RSS {r['rss_mb']:7.0f} MB",
                          flush=True)
            report["layouts"][layout] = {
                k: {"median": statistics.median(r["seconds"] for r in v), "min": min(r["seconds"] for r in v),
                    "rss_mb": statistics.median(r["rss_mb"] for r in v), "runs": len(v),
                    "updated": v[0]["updated"], "inserted": v[0]["inserted"]}
                for k, v in runs.items()}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--run":
        runner(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        main()
