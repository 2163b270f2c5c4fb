"""DeltaTable: reading a Delta table (snapshots, time travel, scans, history, change data)."""
from __future__ import annotations

import copy
import decimal
import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional, Tuple, Union

import pyarrow as pa

from . import _core
from ._storage import resolve_uri

if TYPE_CHECKING:
    from .merge import TableMerger

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


def is_deltatable(path: PathLike, storage_options: Optional[Dict[str, str]] = None) -> bool:
    """True when `path` holds a Delta table with at least one commit."""
    from .exceptions import TableNotFoundError

    try:
        _core._Table.open(resolve_uri(os.fspath(path), storage_options), None)
    except TableNotFoundError:
        return False
    return True


class DeltaTable:
    """A Delta table loaded at one version (the latest unless `version` is given).

    Every read method reads that version; :meth:`load_as_version` and
    :meth:`update_incremental` move it. Operations that commit (delete, update, merge,
    optimize, vacuum, restore, alter, write_deltalake) act on the table's latest version, as
    Spark's do, and then load the version they committed. Objects are not thread-safe to
    mutate (load_as_version, operations that commit) but reads from several threads are
    fine; all I/O releases the GIL.

    Raises :class:`~deltacpp.exceptions.TableNotFoundError` when there is no table at `path`
    and :class:`~deltacpp.exceptions.VersionNotFoundError` for a version that does not exist.
    """

    def __init__(self, path: PathLike, version: Optional[int] = None,
                 storage_options: Optional[Dict[str, str]] = None) -> None:
        self._path = os.fspath(path)
        # The URI the core opens: storage_options folded in (credentials included, so it is
        # never shown; table_uri is the path as given).
        self._uri = resolve_uri(self._path, storage_options)
        self._alias: Optional[str] = None
        self._table = _core._Table.open(self._uri, version)

    @classmethod
    def forPath(cls, *args: Any,  # noqa: N802 (delta-spark's name)
                storage_options: Optional[Dict[str, str]] = None) -> "DeltaTable":
        """delta-spark's constructor: ``DeltaTable.forPath(path)`` or
        ``DeltaTable.forPath(spark, path)`` (the session is ignored)."""
        if len(args) not in (1, 2):
            raise TypeError("forPath(path) or forPath(spark, path)")
        return cls(args[-1], storage_options=storage_options)

    for_path = forPath

    # --- versions -------------------------------------------------------------------------

    def version(self) -> int:
        """The loaded version."""
        return self._table.version()

    @property
    def table_uri(self) -> str:
        """The table's location as given when it was opened."""
        return self._path

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

    def update_incremental(self) -> None:
        """Load the latest version (reading only the commits after the loaded one). Every
        operation of this object that commits (delete, update, merge, optimize, restore,
        alter, write_deltalake given this object) loads its new version itself."""
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
        return _core.create_checkpoint(self._uri, self.version())

    @property
    def alter(self) -> "TableAlterer":
        """Schema and property changes: ``dt.alter.add_columns(...)``,
        ``dt.alter.set_properties(...)``."""
        return TableAlterer(self)

    # --- row-level operations -------------------------------------------------------------

    def delete(self, predicate: Optional[str] = None, *,
               use_deletion_vectors: Optional[bool] = None) -> Dict[str, Any]:
        """DELETE FROM the table [WHERE `predicate`] (a SQL string; None deletes every row).

        Also delta-spark's ``delete(condition)``. Rows where the predicate is NULL are kept.
        With ``delta.enableDeletionVectors`` (or `use_deletion_vectors=True`) the rows are
        marked deleted instead of their files being rewritten. Nothing is committed when no row
        matches. Returns the metrics: ``num_deleted_rows``, ``num_copied_rows``,
        ``num_added_files``, ``num_removed_files``, ``num_deletion_vectors_added``,
        ``execution_time_ms``, ``scan_time_ms``, ``rewrite_time_ms``, ... and ``version`` (the
        committed one) and ``committed``; the object then loads the new version.

        ParseError for a predicate that does not parse, InvalidArgumentError for an unknown
        column, CommitConflictError when a concurrent commit changed what was read."""
        metrics = _core.delete(self._uri, predicate, use_deletion_vectors)
        self.update_incremental()
        return metrics

    def update(self, updates: Optional[Union[Dict[str, str], str]] = None,
               new_values: Optional[Dict[str, Any]] = None,
               predicate: Optional[str] = None, *,
               set: Optional[Dict[str, str]] = None,  # noqa: A002 (delta-spark's name)
               condition: Optional[str] = None,
               use_deletion_vectors: Optional[bool] = None) -> Dict[str, Any]:
        """UPDATE the table SET ... [WHERE `predicate`].

        `updates` (delta-rs) or `set` (delta-spark): ``{"column": "SQL expression"}`` over the
        row's old values (``{"price": "price * 1.1"}``); `new_values`: ``{"column": value}``
        with Python values (None, bool, int, float, str, decimal, date, datetime) taken
        literally. `predicate` (or delta-spark's `condition`): the rows to update (all when
        None; NULL keeps the row). Values are cast to the column types; CHECK and NOT NULL
        constraints apply (ConstraintViolationError). Returns the metrics
        (``num_updated_rows``, ``num_copied_rows``, ``num_added_files``,
        ``num_removed_files``, ..., ``version``); the object then loads the new version.

        delta-spark's positional form ``update("id > 1", {"x": "x + 1"})`` (a condition
        string first, then SQL expressions) is recognised by the string first argument."""
        if isinstance(updates, str):  # delta-spark: update(condition, set)
            if condition is not None or set is not None:
                raise TypeError("update(condition, set) given condition= or set= again")
            condition, set, updates, new_values = updates, new_values, None, None
        assignments: Dict[str, str] = {}
        for given in (updates, set):
            if given:
                assignments.update({str(k): str(v) for k, v in given.items()})
        for column, value in (new_values or {}).items():
            assignments[str(column)] = sql_literal(value)
        if not assignments:
            raise TypeError("update() needs updates=, new_values= or set= (to load the latest "
                            "version use update_incremental())")
        if predicate is not None and condition is not None:
            raise TypeError("give predicate= or condition=, not both")
        where = predicate if predicate is not None else condition
        metrics = _core.update(self._uri, list(assignments.items()), where, use_deletion_vectors)
        self.update_incremental()
        return metrics

    def restoreToVersion(self, version: int) -> Dict[str, Any]:  # noqa: N802
        """delta-spark's name of ``restore(version)``."""
        return self.restore(int(version))

    def restoreToTimestamp(self, timestamp: Union[str, datetime]) -> Dict[str, Any]:  # noqa: N802
        """delta-spark's name of ``restore(timestamp)``."""
        return self.restore(timestamp)

    def alias(self, name: str) -> "DeltaTable":
        """delta-spark's ``DeltaTable.alias``: the target alias :meth:`merge` uses."""
        other = copy.copy(self)
        other._alias = name
        return other

    def merge(self, source: Any, predicate: str, source_alias: Optional[str] = None,
              target_alias: Optional[str] = None, merge_schema: bool = False, *,
              use_deletion_vectors: Optional[bool] = None) -> "TableMerger":
        """MERGE `source` INTO this table ON `predicate`; add clauses and call
        :meth:`TableMerger.execute`::

            (dt.merge(source, "t.id = s.id", source_alias="s", target_alias="t")
               .when_matched_update_all()
               .when_not_matched_insert_all()
               .execute())

        `source`: anything with the Arrow PyCapsule interface (pyarrow Table / RecordBatch /
        RecordBatchReader, polars DataFrame, ...), a pandas DataFrame or a dict of columns;
        it is read once. Columns are qualified by the aliases (defaults ``source`` and
        ``target``; delta-spark's ``dt.alias("t")`` sets the target's). `merge_schema`: add the
        source columns the table lacks (with ``*_all`` clauses). See :class:`TableMerger`."""
        from .merge import TableMerger

        return TableMerger(self, source, predicate, source_alias,
                           target_alias if target_alias is not None else self._alias,
                           merge_schema, use_deletion_vectors)

    @property
    def optimize(self) -> "TableOptimizer":
        """OPTIMIZE: ``dt.optimize.compact()``, ``dt.optimize.z_order(["x", "y"])`` (delta-rs),
        or delta-spark's ``dt.optimize().where("p = 1").executeCompaction()``."""
        return TableOptimizer(self)

    def vacuum(self, retention_hours: Optional[float] = None, dry_run: bool = True,
               enforce_retention_duration: bool = True, full: bool = False) -> List[str]:
        """VACUUM: delete the files no version within the retention references; returns their
        paths (relative to the table root), sorted. delta-rs's defaults: `dry_run=True` only
        lists them.

        `retention_hours`: default the table's ``delta.deletedFileRetentionDuration`` (7
        days); a shorter one raises InvalidArgumentError unless
        `enforce_retention_duration=False`. `full=False` (delta-rs's default, Spark's LITE)
        considers the files the log removed; `full=True` lists the table directory and also
        deletes files no commit ever referenced. A real run commits VACUUM START / END."""
        result = _core.vacuum(self._uri, retention_hours, dry_run, enforce_retention_duration,
                              full)
        if not dry_run:
            self.update_incremental()
        return result["files"]

    def restore(self, target: Union[int, str, datetime]) -> Dict[str, Any]:
        """RESTORE the table to version `target` (an int) or to the version in effect at a
        timestamp (a datetime, naive ones being UTC, or a string such as
        ``"2024-01-02 10:00:00Z"``): one commit makes the live files, schema and properties
        those of that version (the protocol is never downgraded).

        Returns Spark's metrics (``numRemovedFiles``, ``numRestoredFiles``,
        ``tableSizeAfterRestore``, ``numOfFilesAfterRestore``, ``removedFilesSize``,
        ``restoredFilesSize``), delta-rs's ``numRemovedFile`` / ``numRestoredFile``, and
        ``version`` / ``restored_version``. VersionNotFoundError for a missing version,
        DeltaIOError when a file the version needs was vacuumed (nothing is committed)."""
        if not hasattr(_core, "restore"):
            raise NotImplementedError("this build of deltacpp has no RESTORE")
        if isinstance(target, bool):
            raise TypeError("target must be an int version, a str timestamp or a datetime")
        if isinstance(target, int):
            metrics = _core.restore(self._uri, target, None)
        else:
            metrics = _core.restore(self._uri, None, _to_ms(target))
        self.update_incremental()
        return metrics

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
        version = _core.add_columns(self._dt._uri, schema.__arrow_c_schema__())
        self._dt.update_incremental()
        return version

    def set_properties(self, properties: Dict[str, str]) -> int:
        """Set table properties (``delta.*`` and user keys); returns the committed version."""
        version = _core.set_properties(self._dt._uri,
                                       {str(k): str(v) for k, v in properties.items()})
        self._dt.update_incremental()
        return version

    def add_constraint(self, constraints: Dict[str, str]) -> int:
        """Add CHECK constraints, ``{"name": "SQL predicate"}``; every existing row must
        satisfy them (ConstraintViolationError otherwise). Later writes of violating rows fail
        with ConstraintViolationError. Returns the last committed version."""
        version = self._dt.version()
        for name, expression in constraints.items():
            version = _core.add_constraint(self._dt._uri, name, expression)
        self._dt.update_incremental()
        return version

    def drop_constraint(self, name: str, raise_if_not_exists: bool = True) -> int:
        """Drop a CHECK constraint; returns the committed version."""
        version = _core.drop_constraint(self._dt._uri, name, not raise_if_not_exists)
        self._dt.update_incremental()
        return version

    def rename_column(self, old: str, new: str) -> int:
        """Rename a column (needs column mapping: ``set_properties({"delta.columnMapping.mode":
        "name"})`` first; ProtocolError otherwise). Metadata only, no file is rewritten."""
        version = _core.rename_column(self._dt._uri, old, new)
        self._dt.update_incremental()
        return version

    def drop_columns(self, columns: Union[str, Iterable[str]]) -> int:
        """Drop columns (needs column mapping, like :meth:`rename_column`); returns the last
        committed version."""
        if isinstance(columns, str):
            columns = [columns]
        version = self._dt.version()
        for column in columns:
            version = _core.drop_column(self._dt._uri, column)
        self._dt.update_incremental()
        return version

    def unset_properties(self, keys: Iterable[str], raise_if_not_exists: bool = True) -> int:
        """Remove table properties; returns the committed version."""
        version = _core.unset_properties(self._dt._uri, list(keys), not raise_if_not_exists)
        self._dt.update_incremental()
        return version

    set_table_properties = set_properties  # delta-rs's name


PartitionFilters = List[Tuple[str, str, Any]]


def sql_literal(value: Any) -> str:
    """`value` as a literal of deltacpp's expression language."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, decimal.Decimal)):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return f"CAST('{value}' AS DOUBLE)"
        return repr(value) + "D"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return f"TIMESTAMP_NTZ '{value.isoformat(sep=' ')}'"
        return f"TIMESTAMP '{value.astimezone(timezone.utc).isoformat(sep=' ')}'"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, bytes):
        return "X'" + value.hex() + "'"
    raise TypeError(f"cannot use a {type(value).__name__} as a SQL literal")


def partition_filters_sql(filters: Optional[PartitionFilters]) -> Optional[str]:
    """delta-rs's partition filters ``[("p", "=", "a"), ("q", "in", ["x", "y"])]`` as SQL."""
    if not filters:
        return None
    terms = []
    for item in filters:
        if len(item) != 3:
            raise ValueError(f"a partition filter is (column, op, value), not {item!r}")
        column, op, value = item
        name = "`" + str(column).replace("`", "``") + "`"
        op = str(op).strip().lower()
        if op in ("in", "not in"):
            if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
                raise ValueError(f"partition filter {op!r} needs a list of values")
            listed = ", ".join(sql_literal(v) for v in value)
            terms.append(f"{name} {op.upper()} ({listed})")
        elif op in ("=", "!=", "<", "<=", ">", ">="):
            terms.append(f"{name} {op} {sql_literal(value)}")
        else:
            raise ValueError(f"unknown partition filter operator {op!r}")
    return " AND ".join(terms)


class TableOptimizer:
    """OPTIMIZE of one table (``dt.optimize``): bin-packing compaction and Z-ORDER.

    Both return delta-rs's metrics dict (``numFilesAdded``, ``numFilesRemoved``,
    ``filesAdded`` / ``filesRemoved`` as ``{avg, max, min, totalFiles, totalSize}``,
    ``partitionsOptimized``, ``numBatches``, ``totalConsideredFiles``, ``totalFilesSkipped``,
    ``preserveInsertionOrder``) plus ``version`` (the committed one; the loaded one when
    nothing needed rewriting, which commits nothing). Files are rewritten with
    dataChange=false, so streaming readers and concurrent appends are unaffected."""

    def __init__(self, table: DeltaTable) -> None:
        self._dt = table
        self._where: Optional[str] = None

    def __call__(self) -> "TableOptimizer":
        """delta-spark's ``dt.optimize()`` (the builder itself)."""
        return self

    def _run(self, zorder: List[str], partition_filters: Optional[PartitionFilters],
             where: Optional[str], target_size: Optional[int],
             max_concurrent_tasks: Optional[int]) -> Dict[str, Any]:
        clauses = [c for c in (partition_filters_sql(partition_filters), where, self._where) if c]
        predicate = " AND ".join(f"({c})" for c in clauses) if clauses else None
        metrics = _core.optimize(self._dt._uri, predicate, zorder, target_size,
                                 max_concurrent_tasks, "snappy")
        self._dt.update_incremental()
        return metrics

    def compact(self, partition_filters: Optional[PartitionFilters] = None,
                target_size: Optional[int] = None, max_concurrent_tasks: Optional[int] = None,
                *, where: Optional[str] = None) -> Dict[str, Any]:
        """Bin-pack the small files of each partition into files of about `target_size`
        bytes (default: the table's ``delta.targetFileSize``, else 1 GiB, as Spark).

        `partition_filters` (delta-rs's ``[("p", "=", "a")]``) or `where` (a SQL predicate on
        partition columns; InvalidArgumentError for another column) restrict the partitions.
        Running it twice rewrites nothing the second time."""
        return self._run([], partition_filters, where, target_size, max_concurrent_tasks)

    def z_order(self, columns: Iterable[str], partition_filters: Optional[PartitionFilters] = None,
                target_size: Optional[int] = None, max_concurrent_tasks: Optional[int] = None,
                *, where: Optional[str] = None) -> Dict[str, Any]:
        """Cluster each partition's rows by a Z-order (Morton) curve over `columns` (data
        columns with statistics) and rewrite them into files of about `target_size` bytes, so
        that filters on any of those columns skip more files. One partition is held in memory
        at a time. Partitions already Z-ordered by the same columns are skipped."""
        if isinstance(columns, str):
            columns = [columns]
        return self._run(list(columns), partition_filters, where, target_size,
                         max_concurrent_tasks)

    # delta-spark's builder: dt.optimize().where("p = 1").executeCompaction()
    def where(self, predicate: str) -> "TableOptimizer":
        """delta-spark's partition predicate of the builder."""
        self._where = predicate
        return self

    def executeCompaction(self) -> Dict[str, Any]:  # noqa: N802
        """delta-spark's name of :meth:`compact`."""
        return self.compact()

    def executeZOrderBy(self, *columns: Union[str, Iterable[str]]) -> Dict[str, Any]:  # noqa: N802
        """delta-spark's name of :meth:`z_order` (columns as arguments or one list)."""
        cols: List[str] = []
        for c in columns:
            cols.extend([c] if isinstance(c, str) else list(c))
        return self.z_order(cols)
