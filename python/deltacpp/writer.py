"""write_deltalake: create a table, append, overwrite, replaceWhere."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Literal, Optional, Union

import pyarrow as pa

from . import _core
from ._storage import resolve_uri

if TYPE_CHECKING:
    from .table import DeltaTable


@dataclass(frozen=True)
class WriteMetrics:
    """What a write committed."""

    version: int
    """The committed version (the table's current one when the write was skipped)."""
    skipped: bool
    """True for mode="ignore" on an existing table."""
    num_files_added: int
    num_files_removed: int
    num_output_rows: int
    num_output_bytes: int
    num_removed_bytes: int
    commit_attempts: int


def _stream_capsule(data: Any, schema: Optional[pa.Schema]) -> Any:
    """An Arrow C stream capsule for any supported input."""
    requested = schema.__arrow_c_schema__() if schema is not None else None
    module = type(data).__module__.split(".", 1)[0]
    if module == "pandas":
        data = pa.Table.from_pandas(data, schema=schema, preserve_index=False)
        requested = None
    if hasattr(data, "__arrow_c_stream__"):
        return data.__arrow_c_stream__(requested)
    if hasattr(data, "__arrow_c_array__"):
        return pa.Table.from_batches([pa.record_batch(data)]).__arrow_c_stream__(requested)
    if isinstance(data, dict):
        return pa.table(data, schema=schema).__arrow_c_stream__()
    if isinstance(data, Iterable):
        batches = iter(data)
        if schema is None:
            first = next(batches, None)
            if first is None:
                raise ValueError("an empty iterable of batches needs schema=")
            schema = first.schema
            import itertools
            batches = itertools.chain([first], batches)
        return pa.RecordBatchReader.from_batches(schema, batches).__arrow_c_stream__()
    raise TypeError(
        f"cannot write {type(data).__name__}: pass an object with __arrow_c_stream__ or "
        "__arrow_c_array__ (pyarrow, polars, ...), a pandas.DataFrame, a dict of columns or an "
        "iterable of pyarrow.RecordBatch")


def write_deltalake(
    table_or_uri: Union[str, "os.PathLike[str]", "DeltaTable"],
    data: Any,
    *,
    schema: Optional[pa.Schema] = None,
    partition_by: Optional[Union[str, List[str]]] = None,
    mode: Literal["error", "append", "overwrite", "ignore"] = "error",
    schema_mode: Optional[Literal["merge", "overwrite"]] = None,
    predicate: Optional[str] = None,
    partition_overwrite_mode: Optional[Literal["static", "dynamic"]] = None,
    configuration: Optional[Dict[str, Optional[str]]] = None,
    name: Optional[str] = None,
    description: Optional[str] = None,
    target_file_size: Optional[int] = None,
    compression: Literal["snappy", "zstd"] = "snappy",
    storage_options: Optional[Dict[str, str]] = None,
) -> WriteMetrics:
    """Write `data` to the Delta table at `table_or_uri` in one commit, creating the table
    when it does not exist.

    `data`: anything exposing the Arrow PyCapsule interface (pyarrow Table / RecordBatch /
    RecordBatchReader, polars DataFrame, ...), a pandas DataFrame, a dict of columns or an
    iterable of RecordBatches; `schema` casts it first.

    `mode`: "error" (fail when the table exists), "append", "overwrite" or "ignore" (do
    nothing when the table exists). `predicate` (a SQL string, with mode="overwrite") replaces
    only the matching rows (replaceWhere); every new row must match it.
    `partition_overwrite_mode="dynamic"` replaces only the partitions the data writes to.
    `schema_mode`: "merge" adds new columns to the table schema; "overwrite" (with
    mode="overwrite") replaces it. `partition_by`, `configuration` (table properties), `name`
    and `description` apply when the write creates the table. `target_file_size` in bytes.
    `storage_options`: S3 settings under delta-rs's names (AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL, AWS_ALLOW_HTTP,
    AWS_S3_ALLOW_UNSAFE_RENAME), for an s3:// or s3a:// `table_or_uri`.

    Raises SchemaMismatchError when the data does not fit the schema (nothing is committed),
    InvalidArgumentError for mode="error" on an existing table or bad arguments,
    CommitConflictError when a concurrent commit conflicts (appends never do).
    """
    from .table import DeltaTable

    table = table_or_uri if isinstance(table_or_uri, DeltaTable) else None
    if table is not None:
        uri = table._uri
    else:
        uri = resolve_uri(os.fspath(table_or_uri), storage_options)  # type: ignore[arg-type]
    if isinstance(partition_by, str):
        partition_by = [partition_by]
    capsule = _stream_capsule(data, schema)
    config = {str(k): str(v) for k, v in (configuration or {}).items() if v is not None}
    metrics = _core.write(uri, capsule, mode, list(partition_by or []), schema_mode, predicate,
                          partition_overwrite_mode, config, name, description, target_file_size,
                          compression)
    if table is not None:
        table.update_incremental()
    return WriteMetrics(**metrics)
