"""Helpers of the Python package suite."""
from __future__ import annotations

import pyarrow as pa


def rows(table: pa.Table, *keys: str) -> list:
    """Rows as sorted tuples (order-insensitive comparison)."""
    keys = keys or tuple(table.column_names)
    return sorted(zip(*(table.column(k).to_pylist() for k in keys)))


def longest_python_stall(op) -> tuple[float, float]:
    """Runs `op()` while a Python thread ticks every millisecond; returns (the longest gap
    between ticks during the call, the call's duration). A native call that holds the GIL
    stalls the ticker for its whole duration."""
    import threading
    import time

    ticks, stop = [], threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    t = threading.Thread(target=tick)
    t.start()
    time.sleep(0.05)
    start = time.perf_counter()
    op()
    end = time.perf_counter()
    stop.set()
    t.join()
    points = [start] + [x for x in ticks if start <= x <= end] + [end]
    return max(b - a for a, b in zip(points, points[1:])), end - start
