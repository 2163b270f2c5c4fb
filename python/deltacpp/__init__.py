"""deltacpp: Delta Lake tables from Python on a native C++ core.

Read a table::

    import deltacpp
    dt = deltacpp.DeltaTable("/data/events")
    dt.to_pyarrow_table(columns=["id"], filter="day = '2024-01-01'")

Write one::

    deltacpp.write_deltalake("/data/events", pa_table, mode="append", partition_by=["day"])

Change it (delta-rs's names; delta-spark's camelCase ones work too)::

    dt.delete("id < 10")
    dt.update({"price": "price * 2"}, predicate="day = '2024-01-01'")
    (dt.merge(new_rows, "t.id = s.id", source_alias="s", target_alias="t")
       .when_matched_update_all().when_not_matched_insert_all().execute())
    dt.optimize.compact(); dt.optimize.z_order(["x", "y"])
    dt.vacuum(retention_hours=168, dry_run=False); dt.restore(3)

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
    MergeCardinalityError,
    EvaluationError,
    ParseError,
    ProtocolError,
    SchemaMismatchError,
    TableNotFoundError,
    VersionNotFoundError,
)
from .merge import TableMerger
from .table import DeltaTable, Metadata, Protocol, TableAlterer, TableOptimizer, is_deltatable
from .writer import write_deltalake

__version__ = "0.1.0"

__all__ = [
    "DeltaTable",
    "Metadata",
    "Protocol",
    "TableAlterer",
    "TableMerger",
    "TableOptimizer",
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
    "MergeCardinalityError",
    "EvaluationError",
    "ParseError",
]
