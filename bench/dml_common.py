"""Shared by the DML / maintenance benchmark scripts (dml_merge.py, dml_delete.py, zorder.py):
their command line and the id/v/s input files."""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


def parse_args() -> argparse.Namespace:
    """ROWS [--repeat N] [--json FILE]."""
    ap = argparse.ArgumentParser()
    ap.add_argument("rows", nargs="?", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=1, help="runs per contestant (interleaved)")
    ap.add_argument("--json", help="write the figures here (for bench/run.py)")
    return ap.parse_args()


def write_id_files(rows: int, files: int, directory: Path) -> list[Path]:
    """`files` Parquet files of rows // files rows each: id BIGINT (consecutive from 0),
    v DOUBLE (id / 2), s STRING (id % 1000)."""
    per = rows // files
    out = []
    for k in range(files):
        ids = pa.array(np.arange(k * per, (k + 1) * per, dtype=np.int64))
        t = pa.table({"id": ids, "v": pc.multiply(pc.cast(ids, pa.float64()), 0.5),
                      "s": pc.cast(pc.remainder(ids, 1000), pa.string())})
        f = directory / f"in{k}.parquet"
        pq.write_table(t, f)
        out.append(f)
    return out
