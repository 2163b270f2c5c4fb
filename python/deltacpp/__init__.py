"""deltacpp: Delta Lake tables from Python on a native C++ core.

Read a table::

    import deltacpp
    dt = deltacpp.DeltaTable("/data/events")
    dt.to_pyarrow_table(columns=["id"], filter="day = '2024-01-01'")

Write one::

    deltacpp.write_deltalake("/data/events", pa_table, mode="append", partition_by=["day"])

Data goes in and out through the Arrow PyCapsule interface, so pyarrow, pandas, polars and
DuckDB work without copies. Errors are the classes of :mod:`deltacpp.exceptions`.
"""
from __future__ import annotations

# pyarrow first: the extension links the Arrow C++ libraries bundled with pyarrow and must
# use the copies pyarrow has loaded (only the Arrow C ABI crosses between them).
import pyarrow  # noqa: F401

from . import exceptions
from .exceptions import (
    CommitConflictError,
    ConstraintViolationError,
    DeltaError,
    ParseError,
    ProtocolError,
    SchemaMismatchError,
    TableNotFoundError,
    VersionNotFoundError,
)
from .table import DeltaTable, Metadata, Protocol, TableAlterer, is_deltatable
from .writer import write_deltalake

__version__ = "0.1.0"

__all__ = [
    "DeltaTable",
    "Metadata",
    "Protocol",
    "TableAlterer",
    "is_deltatable",
    "write_deltalake",
    "exceptions",
    "DeltaError",
    "TableNotFoundError",
    "VersionNotFoundError",
    "ProtocolError",
    "SchemaMismatchError",
    "CommitConflictError",
    "ConstraintViolationError",
    "ParseError",
]
