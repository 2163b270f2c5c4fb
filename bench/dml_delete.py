"""DELETE of 1% of the rows of a 10M-row table: deltacpp with deletion vectors, deltacpp
rewriting files, delta-rs's DeltaTable.delete (rewrites). Each run on a fresh copy of the
same table (10 files of 1M rows, columns id BIGINT, v DOUBLE, s STRING), one run each
(wall time of the whole command / call, including process start for deltactl).

    .venv/bin/python bench/dml_delete.py [ROWS]

Measured 2026-11-22 on the shared 2-core dev machine (other builds running, so noisy), three
runs, seconds: deltacpp --dv 0.69 / 0.80 / 0.65; deltacpp --no-dv 1.99 / 2.37 / 1.43;
delta-rs 2.86 / 2.04 / 1.79. Every run deletes exactly 100,000 rows. With deletion vectors
deltacpp writes one small DV file instead of ten rewritten data files.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

DELTACTL = os.environ.get("DELTACTL", str(Path(__file__).resolve().parents[1] / "build" / "deltactl"))


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    tmp = Path(tempfile.mkdtemp(prefix="dml_bench_"))
    base = tmp / "base"
    per = rows // 10
    subprocess.run([DELTACTL, "create", str(base), "--schema", "id BIGINT, v DOUBLE, s STRING",
                    "--property", "delta.enableDeletionVectors=true"], check=True, capture_output=True)
    for k in range(10):
        ids = pa.array(range(k * per, (k + 1) * per), pa.int64())
        t = pa.table({"id": ids, "v": pc.multiply(pc.cast(ids, pa.float64()), 0.5),
                      "s": pc.cast(pc.remainder(ids, 1000), pa.string())})
        f = tmp / f"in{k}.parquet"
        pq.write_table(t, f)
        subprocess.run([DELTACTL, "write", str(base), "--input", str(f)], check=True, capture_output=True)
    predicate = "id % 100 = 7"  # 1% of the rows, in every file
    results = {}
    for name in ["deltacpp --dv", "deltacpp --no-dv", "delta-rs"]:
        t = tmp / name.replace(" ", "_")
        shutil.copytree(base, t)
        start = time.perf_counter()
        if name.startswith("deltacpp"):
            out = subprocess.run([DELTACTL, "delete", str(t), "--where", predicate, name.split()[1],
                                  "--json"], check=True, capture_output=True, text=True)
            deleted = json.loads(out.stdout)["numDeletedRows"]
        else:
            from deltalake import DeltaTable, write_deltalake  # noqa: F401
            # delta-rs refuses tables with the deletionVectors feature: it gets the same data
            # in a table without it (not timed).
            shutil.rmtree(t)
            subprocess.run([DELTACTL, "create", str(t), "--schema", "id BIGINT, v DOUBLE, s STRING"],
                           check=True, capture_output=True)
            for k in range(10):
                subprocess.run([DELTACTL, "write", str(t), "--input", str(tmp / f"in{k}.parquet")],
                               check=True, capture_output=True)
            start = time.perf_counter()
            deleted = DeltaTable(str(t)).delete(predicate)["num_deleted_rows"]
        results[name] = time.perf_counter() - start
        assert deleted == rows // 100, (name, deleted)
        print(f"{name:20s} {results[name]:.2f} s  ({deleted} rows deleted)", flush=True)
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
