"""Z-ORDER BY (a, b) of a ROWS-row table (default 10M rows in 20 unclustered files; columns
a BIGINT uniform random, b DOUBLE uniform random, s STRING): `deltactl optimize --zorder-by a,b`
against delta-rs's DeltaTable.optimize.z_order(["a", "b"]), both with a 16 MiB target file
size. Every run is on a fresh copy of the same table, in its own subprocess: wall time (deltactl:
the whole command with process start; delta-rs: the call) and the peak RSS of that subprocess
(getrusage ru_maxrss; for delta-rs it includes the Python interpreter and pyarrow). Skipping:
how many files a selective predicate (a in the lowest 5% AND b in the lowest 5%) may read,
judged from each file's min/max statistics in the log, before and after.

    .venv/bin/python bench/zorder.py [ROWS] [--repeat N] [--json FILE]
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
import pyarrow.parquet as pq

DELTACTL = os.environ.get("DELTACTL", str(Path(__file__).resolve().parents[1] / "build" / "deltactl"))
TARGET = 16 * 1024 * 1024
FILES = 20


def runner(kind: str, table: str) -> None:
    """One measured Z-ORDER (in a fresh process); prints JSON {seconds, rss_mb, removed, added}."""
    start = time.perf_counter()
    if kind == "deltacpp":
        out = json.loads(subprocess.run([DELTACTL, "optimize", table, "--zorder-by", "a", "b", "--target-size",
                                         str(TARGET), "--json"], check=True, capture_output=True, text=True).stdout)
        seconds = time.perf_counter() - start
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        removed, added = out["numFilesRemoved"], out["numFilesAdded"]
    else:
        from deltalake import DeltaTable
        m = DeltaTable(table).optimize.z_order(["a", "b"], target_size=TARGET)
        seconds = time.perf_counter() - start
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        removed, added = m["numFilesRemoved"], m["numFilesAdded"]
    print(json.dumps({"seconds": seconds, "rss_mb": rss / 1024, "removed": removed, "added": added}))


def files_read(table: Path, a_hi: int, b_hi: float) -> tuple[int, int]:
    """(files whose stats admit a <= a_hi AND b <= b_hi, live files)."""
    from deltalake import DeltaTable
    adds = pa.table(DeltaTable(str(table)).get_add_actions(flatten=True)).to_pydict()
    n = len(adds["path"])
    hits = sum(1 for i in range(n) if adds["min.a"][i] <= a_hi and adds["min.b"][i] <= b_hi)
    return hits, n


def main() -> None:
    import statistics
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from dml_common import parse_args
    args = parse_args()
    json_out = args.json
    rows = args.rows
    tmp = Path(tempfile.mkdtemp(prefix="zorder_bench_"))
    results = {"rows": rows, "files_before": FILES, "runs": {}}
    try:
        base = tmp / "base"
        subprocess.run([DELTACTL, "create", str(base), "--schema", "a BIGINT, b DOUBLE, s STRING"], check=True,
                       capture_output=True)
        rng = np.random.default_rng(5)
        per = rows // FILES
        inputs = []
        for k in range(FILES):
            a = rng.integers(0, 1_000_000_000, per, dtype=np.int64)
            t = pa.table({"a": a, "b": rng.random(per), "s": pa.array(np.char.mod("s%06d", a % 1_000_000))})
            f = tmp / f"in{k}.parquet"
            pq.write_table(t, f)
            inputs.append(f)
        for f in inputs:  # one commit per file: 20 files of `per` rows
            subprocess.run([DELTACTL, "write", str(base), "--input", str(f)], check=True, capture_output=True)
            f.unlink()
        a_hi, b_hi = 50_000_000, 0.05
        before = files_read(base, a_hi, b_hi)
        results["predicate"] = f"a <= {a_hi} AND b <= {b_hi}"
        print(f"{rows} rows in {FILES} files; predicate {results['predicate']} may read {before[0]} of "
              f"{before[1]} files before", flush=True)
        kinds = ["deltacpp", "delta-rs"]
        runs = {k: [] for k in kinds}
        for rep in range(args.repeat):
            for kind in kinds[rep % 2:] + kinds[:rep % 2]:
                t = tmp / "run"
                shutil.rmtree(t, ignore_errors=True)
                shutil.copytree(base, t)
                os.sync()  # the copy's writeback must not land in the timed run
                out = subprocess.run([sys.executable, __file__, "--run", kind, str(t)], check=True,
                                     capture_output=True, text=True)
                r = json.loads(out.stdout.strip().splitlines()[-1])
                hits, n = files_read(t, a_hi, b_hi)
                r.update({"files_read_after": hits, "files_after": n, "files_read_before": before[0]})
                runs[kind].append(r)
                print(f"{kind:10s} {r['seconds']:7.2f} s  peak RSS {r['rss_mb']:7.0f} MB  {r['removed']} -> "
                      f"{r['added']} files; predicate reads {hits} of {n} files after", flush=True)
        for kind, v in runs.items():
            last = dict(v[-1])
            last.update({"median": statistics.median(r["seconds"] for r in v), "min": min(r["seconds"] for r in v),
                         "rss_mb": statistics.median(r["rss_mb"] for r in v), "runs": len(v)})
            results["runs"][kind] = last
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if json_out:
        Path(json_out).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--run":
        runner(sys.argv[2], sys.argv[3])
    else:
        main()
