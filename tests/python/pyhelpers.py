"""Helpers of the Python package suite."""
from __future__ import annotations

import pyarrow as pa


def rows(table: pa.Table, *keys: str) -> list:
    """Rows as sorted tuples (order-insensitive comparison)."""
    keys = keys or tuple(table.column_names)
    return sorted(zip(*(table.column(k).to_pylist() for k in keys)))
