"""Normalizes Arrow tables and compares them as multisets of rows.

The rules are those of shared/conformance/README.md, shared by every Python suite:
  - same top-level column names in the same order; nullability and field metadata ignored;
  - rows compared as a multiset (order-insensitive, duplicates counted);
  - timestamps as UTC microseconds whatever their physical type (INT96/ns, ms, us; with or
    without a time zone); dates as days;
  - decimals by exact value (1.0 == 1.00); integers by value whatever their width;
  - floats bit-exact, except that every NaN equals every NaN;
  - nested values recursively: struct fields by name and position, list elements in order,
    map entries as a multiset of (key, value); inner field names of lists and maps ignored;
  - dictionary-encoded, large and view types compare like their plain counterparts.
"""
from __future__ import annotations

import math
import struct
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


class Float:
    """A float compared bit-exactly, with all NaNs equal."""
    __slots__ = ("value", "_key")

    def __init__(self, value: float):
        self.value = value
        self._key = "nan" if math.isnan(value) else struct.pack(">d", value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Float) and self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __repr__(self) -> str:
        return repr(self.value)


class Timestamp:
    """A timestamp as UTC microseconds since the epoch (repr shows ISO for readable diffs)."""
    __slots__ = ("micros",)

    def __init__(self, micros: int):
        self.micros = micros

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Timestamp) and self.micros == other.micros

    def __hash__(self) -> int:
        return hash(("ts", self.micros))

    def __repr__(self) -> str:
        import datetime as dt
        try:
            d = dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=self.micros)
            return f"ts({d.isoformat()})"
        except OverflowError:
            return f"ts({self.micros}us)"


def _plain_type(t: pa.DataType) -> pa.DataType:
    """Type with timestamps as int64 microseconds' carrier (timestamp('us')), dictionaries
    decoded, large/view types made plain; names of nested fields kept."""
    if pa.types.is_timestamp(t):
        return pa.timestamp("us")
    if pa.types.is_dictionary(t):
        return _plain_type(t.value_type)
    if pa.types.is_large_string(t) or getattr(pa.types, "is_string_view", lambda _: False)(t):
        return pa.string()
    if pa.types.is_large_binary(t) or getattr(pa.types, "is_binary_view", lambda _: False)(t):
        return pa.binary()
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, _plain_type(f.type)) for f in t])
    if pa.types.is_map(t):
        return pa.map_(_plain_type(t.key_type), _plain_type(t.item_type))
    if (pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t)
            or getattr(pa.types, "is_list_view", lambda _: False)(t)
            or getattr(pa.types, "is_large_list_view", lambda _: False)(t)):
        return pa.list_(pa.field("element", _plain_type(t.value_type)))
    return t


def _timestamps_to_int(t: pa.DataType) -> pa.DataType:
    if pa.types.is_timestamp(t):
        return pa.int64()
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, _timestamps_to_int(f.type)) for f in t])
    if pa.types.is_map(t):
        return pa.map_(_timestamps_to_int(t.key_type), _timestamps_to_int(t.item_type))
    if pa.types.is_list(t):
        return pa.list_(pa.field("element", _timestamps_to_int(t.value_type)))
    return t


def _contains_timestamp(t: pa.DataType) -> bool:
    if pa.types.is_timestamp(t):
        return True
    if pa.types.is_struct(t):
        return any(_contains_timestamp(f.type) for f in t)
    if pa.types.is_map(t):
        return _contains_timestamp(t.key_type) or _contains_timestamp(t.item_type)
    if pa.types.is_list(t):
        return _contains_timestamp(t.value_type)
    return False


def _canonical_column(col: pa.ChunkedArray | pa.Array) -> tuple[list, pa.DataType]:
    """Python values of a column with timestamps as int64 micros, plus the type describing
    them (timestamps marked by a sentinel: the plain type still says timestamp)."""
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks() if col.num_chunks else pa.array([], type=col.type)
    plain = _plain_type(col.type)
    if plain != col.type:
        col = col.cast(plain, safe=False)  # ns -> us truncates, as the rules say
    if _contains_timestamp(plain):
        col = col.cast(_timestamps_to_int(plain))
    return col.to_pylist(), plain


def canonical_value(v: Any, t: pa.DataType) -> Any:
    """Hashable canonical form of one Python value of Arrow type `t` (a _plain_type)."""
    if v is None:
        return None
    if pa.types.is_timestamp(t):
        return Timestamp(int(v))
    if pa.types.is_floating(t):
        return Float(float(v))
    if pa.types.is_struct(t):
        return tuple((f.name, canonical_value(v.get(f.name), f.type)) for f in t)
    if pa.types.is_map(t):
        items = [(canonical_value(k, t.key_type), canonical_value(x, t.item_type))
                 for k, x in v]
        return ("map", tuple(sorted(items, key=repr)))
    if pa.types.is_list(t):
        return tuple(canonical_value(x, t.value_type) for x in v)
    if isinstance(v, (bytearray, memoryview)):
        return bytes(v)
    return v


def canonical_rows(table: pa.Table) -> list[tuple]:
    """Rows of `table` as tuples of canonical values."""
    columns = []
    for col in table.columns:
        values, plain = _canonical_column(col)
        columns.append([canonical_value(v, plain) for v in values])
    return list(zip(*columns)) if columns else [() for _ in range(table.num_rows)]


def read_expected_folder(folder: Path) -> tuple[list[str] | None, list[tuple]]:
    """All `*.parquet` of an expected folder (names starting with '.' or '_' skipped).
    Returns (column names of the first file or None when the folder has none, rows)."""
    folder = Path(folder)
    names: list[str] | None = None
    rows: list[tuple] = []
    files = sorted(p for p in folder.rglob("*.parquet")
                   if not any(part.startswith((".", "_"))
                              for part in p.relative_to(folder).parts))
    for f in files:
        t = pq.read_table(f, partitioning=None)
        if names is None:
            names = t.column_names
        elif t.column_names != names:
            t = t.select(names)  # same columns, different order in another file
        rows.extend(canonical_rows(t))
    return names, rows


def diff_rows(actual: Iterable[tuple], expected: Iterable[tuple], limit: int = 5) -> str | None:
    """None when the multisets are equal; else a readable description of the difference."""
    a, e = Counter(actual), Counter(expected)
    if a == e:
        return None
    missing = e - a
    extra = a - e
    lines = [f"{sum(a.values())} rows, expected {sum(e.values())}; "
             f"{sum(missing.values())} expected rows missing, "
             f"{sum(extra.values())} unexpected rows"]
    for label, c in (("missing", missing), ("unexpected", extra)):
        for row, n in list(c.items())[:limit]:
            lines.append(f"  {label}{'' if n == 1 else f' x{n}'}: {row!r}")
        if len(c) > limit:
            lines.append(f"  ... {len(c) - limit} more {label}")
    return "\n".join(lines)


def assert_same_rows(actual: pa.Table, expected_names: Sequence[str] | None,
                     expected_rows: list[tuple], context: str = "") -> None:
    """Asserts `actual` has the expected column names (in order; skipped when None) and the
    same multiset of rows."""
    prefix = f"{context}: " if context else ""
    if expected_names is not None and list(actual.column_names) != list(expected_names):
        raise AssertionError(f"{prefix}columns {actual.column_names}, "
                             f"expected {list(expected_names)}")
    d = diff_rows(canonical_rows(actual), expected_rows)
    if d:
        raise AssertionError(f"{prefix}rows differ: {d}")


def assert_tables_equal(actual: pa.Table, expected: pa.Table, context: str = "") -> None:
    """Asserts two Arrow tables are equal under the rules above."""
    assert_same_rows(actual, expected.column_names, canonical_rows(expected), context)


def table_from_batches(reader_or_table: Any) -> pa.Table:
    """An Arrow table from anything speaking the Arrow C stream interface (arro3, pyarrow)."""
    if isinstance(reader_or_table, pa.Table):
        return reader_or_table
    if hasattr(reader_or_table, "read_all"):
        try:
            return pa.table(reader_or_table)
        except Exception:  # noqa: BLE001
            pass
    return pa.RecordBatchReader.from_stream(reader_or_table).read_all()


def drop_columns(table: pa.Table, names: Sequence[str]) -> pa.Table:
    keep = [n for n in table.column_names if n not in set(names)]
    return table.select(keep)


__all__ = ["Float", "Timestamp", "canonical_rows", "canonical_value", "read_expected_folder",
           "diff_rows", "assert_same_rows", "assert_tables_equal", "table_from_batches",
           "drop_columns", "pc"]
