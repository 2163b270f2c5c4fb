"""DeltaTable: reading a Delta table (snapshots, time travel, scans, history, change data)."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Iterable, List, Optional, Union

import pyarrow as pa

from . import _core

PathLike = Union[str, "os.PathLike[str]"]


@dataclass(frozen=True)
class Metadata:
    """The table's metaData action at the loaded version."""

    id: str
    name: Optional[str]
    description: Optional[str]
    partition_columns: List[str]
    configuration: Dict[str, str]
    created_time: Optional[int]
    """Creation time in milliseconds since the epoch."""
    schema_string: str = field(repr=False, default="")
    """The schema as Delta schema JSON."""


@dataclass(frozen=True)
class Protocol:
    """The table's protocol action at the loaded version."""

    min_reader_version: int
    min_writer_version: int
    reader_features: Optional[List[str]] = None
    writer_features: Optional[List[str]] = None


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _to_ms(timestamp: Union[str, datetime, int]) -> int:
    if isinstance(timestamp, datetime):
        if timestamp.tzinfo is None:  # naive datetimes are taken as UTC
            timestamp = timestamp.replace(tzinfo=timezone.utc)
        # Exact integer milliseconds (timestamp() * 1000 in floating point can lose one).
        return (timestamp - _EPOCH) // timedelta(milliseconds=1)
    if isinstance(timestamp, str):
        return _core.parse_timestamp_ms(timestamp)
    raise TypeError(f"expected a timestamp str or datetime, not {type(timestamp).__name__}")


def is_deltatable(path: PathLike) -> bool:
    """True when `path` holds a Delta table with at least one commit."""
    from .exceptions import TableNotFoundError

    try:
        _core._Table.open(os.fspath(path), None)
    except TableNotFoundError:
        return False
    return True


class DeltaTable:
    """A Delta table loaded at one version (the latest unless `version` is given).

    Every method reads that version; :meth:`load_as_version` and :meth:`update` move it.
    Objects are not thread-safe to mutate (load_as_version/update) but reads from several
    threads are fine; all I/O releases the GIL.

    Raises :class:`~deltacpp.exceptions.TableNotFoundError` when there is no table at `path`
    and :class:`~deltacpp.exceptions.VersionNotFoundError` for a version that does not exist.
    """

    def __init__(self, path: PathLike, version: Optional[int] = None) -> None:
        self._table = _core._Table.open(os.fspath(path), version)

    @classmethod
    def forPath(cls, *args: Any) -> "DeltaTable":  # noqa: N802 (delta-spark's name)
        """delta-spark's constructor: ``DeltaTable.forPath(path)`` or
        ``DeltaTable.forPath(spark, path)`` (the session is ignored)."""
        if len(args) not in (1, 2):
            raise TypeError("forPath(path) or forPath(spark, path)")
        return cls(args[-1])

    for_path = forPath

    # --- versions -------------------------------------------------------------------------

    def version(self) -> int:
        """The loaded version."""
        return self._table.version()

    @property
    def table_uri(self) -> str:
        """The table's location as given when it was opened."""
        return self._table.uri()

    def load_as_version(self, version: Union[int, str, datetime]) -> None:
        """Time travel: load `version` (an int) or the version in effect at a timestamp (a
        datetime, naive ones being UTC, or a string such as ``"2024-01-02 10:00:00Z"``).

        VersionNotFoundError for a missing version; TimestampOutOfRangeError (a subclass)
        for a timestamp before the first commit; a later one gives the latest version."""
        if isinstance(version, bool):
            raise TypeError("version must be an int, str or datetime")
        if isinstance(version, int):
            self._table.load_version(version)
        else:
            self._table.load_timestamp(_to_ms(version))

    def update(self) -> None:
        """Load the latest version (reading only the commits after the loaded one)."""
        self._table.load_version(None)

    # --- table state ----------------------------------------------------------------------

    def schema(self) -> pa.Schema:
        """The logical schema (partition columns included) as a pyarrow.Schema."""
        return pa.Schema._import_from_c_capsule(self._table.schema())

    def metadata(self) -> Metadata:
        """The metaData action: id, name, description, partition columns, configuration."""
        return Metadata(**self._table.metadata())

    def protocol(self) -> Protocol:
        """The protocol action: reader/writer versions and table features."""
        return Protocol(**self._table.protocol())

    def files(self, filter: Optional[str] = None) -> List[str]:
        """Paths of the live data files (as in the log: relative to the table root and
        URI-encoded). With `filter` (a SQL predicate), only files it cannot skip by partition
        values and statistics."""
        return self._table.files(filter)

    def history(self, limit: Optional[int] = None) -> List[Dict[str, Any]]:
        """The commits newest first (at most `limit`): each commitInfo as a dict, with
        ``version`` and ``timestamp`` always present. ``timestamp`` (ms since the epoch) is
        the commit's time as time travel uses it, like Spark's DESCRIBE HISTORY: the
        in-commit timestamp when enabled, else the commit file's modification time."""
        out = []
        for version, timestamp_ms, info_json in self._table.history(limit):
            info = json.loads(info_json) if info_json else {}
            info["version"] = version
            info["timestamp"] = timestamp_ms
            out.append(info)
        return out

    # --- reading rows ---------------------------------------------------------------------

    def to_batches(self, columns: Optional[Iterable[str]] = None,
                   filter: Optional[str] = None,
                   limit: Optional[int] = None) -> pa.RecordBatchReader:
        """Stream the rows as a pyarrow.RecordBatchReader (bounded memory).

        `columns`: top-level columns to return, in that order. `filter`: a SQL predicate
        (``"id > 10 AND day = '2024-01-01'"``), used to skip files and to filter rows.
        ParseError for a filter that does not parse; InvalidArgumentError for an unknown
        column."""
        capsule = self._table.scan(list(columns or []), filter, limit)
        return pa.RecordBatchReader._import_from_c_capsule(capsule)

    def to_pyarrow_table(self, columns: Optional[Iterable[str]] = None,
                         filter: Optional[str] = None,
                         limit: Optional[int] = None) -> pa.Table:
        """The rows as a pyarrow.Table (see :meth:`to_batches` for the arguments)."""
        return self.to_batches(columns, filter, limit).read_all()

    def to_pandas(self, columns: Optional[Iterable[str]] = None,
                  filter: Optional[str] = None,
                  limit: Optional[int] = None, **kwargs: Any) -> Any:
        """The rows as a pandas.DataFrame (needs pandas); `kwargs` go to
        pyarrow.Table.to_pandas."""
        return self.to_pyarrow_table(columns, filter, limit).to_pandas(**kwargs)

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        """The Arrow PyCapsule stream of all rows: ``pa.table(dt)``, ``polars.from_arrow``,
        DuckDB's ``FROM dt`` read the table directly."""
        capsule = self._table.scan([], None, None)
        if requested_schema is None:
            return capsule
        reader = pa.RecordBatchReader._import_from_c_capsule(capsule)
        return reader.__arrow_c_stream__(requested_schema)

    def load_cdf(self, starting_version: int = 0, ending_version: Optional[int] = None,
                 columns: Optional[Iterable[str]] = None,
                 filter: Optional[str] = None) -> pa.RecordBatchReader:
        """The change data feed from `starting_version` to `ending_version` (inclusive,
        latest when None): the table's columns plus ``_change_type``, ``_commit_version`` and
        ``_commit_timestamp``. `filter` may name those columns too."""
        capsule = self._table.cdf(starting_version, ending_version, filter)
        reader = pa.RecordBatchReader._import_from_c_capsule(capsule)
        if columns is None:
            return reader
        names = list(columns)
        schema = pa.schema([reader.schema.field(n) for n in names])
        return pa.RecordBatchReader.from_batches(schema, (b.select(names) for b in reader))

    # --- maintenance ----------------------------------------------------------------------

    def create_checkpoint(self) -> Dict[str, Any]:
        """Write a checkpoint of the loaded version; returns its metrics (version, kind,
        num_actions, num_add_files, num_parts, num_sidecars, size_in_bytes, path)."""
        return _core.create_checkpoint(self.table_uri, self.version())

    @property
    def alter(self) -> "TableAlterer":
        """Schema and property changes: ``dt.alter.add_columns(...)``,
        ``dt.alter.set_properties(...)``."""
        return TableAlterer(self)

    def __repr__(self) -> str:
        return f"DeltaTable({self.table_uri!r}, version={self.version()})"


class TableAlterer:
    """ALTER TABLE operations; each commits a new version and reloads the table to it."""

    def __init__(self, table: DeltaTable) -> None:
        self._dt = table

    def add_columns(self, fields: Union[pa.Field, Iterable[pa.Field], pa.Schema]) -> int:
        """Add nullable columns at the end of the schema; returns the committed version."""
        if isinstance(fields, pa.Field):
            fields = [fields]
        schema = fields if isinstance(fields, pa.Schema) else pa.schema(list(fields))
        version = _core.add_columns(self._dt.table_uri, schema.__arrow_c_schema__())
        self._dt.update()
        return version

    def set_properties(self, properties: Dict[str, str]) -> int:
        """Set table properties (``delta.*`` and user keys); returns the committed version."""
        version = _core.set_properties(self._dt.table_uri,
                                       {str(k): str(v) for k, v in properties.items()})
        self._dt.update()
        return version

    def add_constraint(self, constraints: Dict[str, str]) -> int:
        """Add CHECK constraints, ``{"name": "SQL predicate"}``; every existing row must
        satisfy them (ConstraintViolationError otherwise). Later writes of violating rows fail
        with ConstraintViolationError. Returns the last committed version."""
        version = self._dt.version()
        for name, expression in constraints.items():
            version = _core.add_constraint(self._dt.table_uri, name, expression)
        self._dt.update()
        return version

    def drop_constraint(self, name: str, raise_if_not_exists: bool = True) -> int:
        """Drop a CHECK constraint; returns the committed version."""
        version = _core.drop_constraint(self._dt.table_uri, name, not raise_if_not_exists)
        self._dt.update()
        return version

    def rename_column(self, old: str, new: str) -> int:
        """Rename a column (needs column mapping: ``set_properties({"delta.columnMapping.mode":
        "name"})`` first; ProtocolError otherwise). Metadata only, no file is rewritten."""
        version = _core.rename_column(self._dt.table_uri, old, new)
        self._dt.update()
        return version

    def drop_columns(self, columns: Union[str, Iterable[str]]) -> int:
        """Drop columns (needs column mapping, like :meth:`rename_column`); returns the last
        committed version."""
        if isinstance(columns, str):
            columns = [columns]
        version = self._dt.version()
        for column in columns:
            version = _core.drop_column(self._dt.table_uri, column)
        self._dt.update()
        return version

    def unset_properties(self, keys: Iterable[str], raise_if_not_exists: bool = True) -> int:
        """Remove table properties; returns the committed version."""
        version = _core.unset_properties(self._dt.table_uri, list(keys), not raise_if_not_exists)
        self._dt.update()
        return version

    set_table_properties = set_properties  # delta-rs's name
