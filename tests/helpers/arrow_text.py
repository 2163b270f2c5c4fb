"""Parses tables printed by arrow-rs's pretty printer (the corpus's expected-text files) and
compares them with Arrow tables, value by value, under the rules of `compare`.

A file has '#' header lines, then one or more boxed tables:

    +----+--------+
    | id | name   |
    +----+--------+
    | 1  | Steve  |
    +----+--------+

Cells are trimmed; an empty cell is NULL (the printer shows NULL and '' alike, so an empty
string on the compared side counts as NULL too). Cell text is turned into a typed value
using the type of the column it is compared with, so 1.0 equals 1.00 for decimals and
'2023-05-31T18:58:33.633Z' equals any timestamp type holding that instant.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyarrow as pa

from .compare import Float, Timestamp, _canonical_column, canonical_value

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


@dataclass
class TextTable:
    columns: list[str]
    rows: list[list[str | None]]


@dataclass
class TextFile:
    path: Path
    header: dict[str, str] = field(default_factory=dict)
    tables: list[TextTable] = field(default_factory=list)

    @property
    def cdf_queries(self) -> list[tuple[str, int, int | None]]:
        """(table, start_version, end_version) for each block of a CDF file, in order."""
        raw = self.header.get("CDF queries (table, start_version, end_version) in order")
        if not raw:
            return []
        out = []
        for m in re.finditer(r"\(([^,()]+),\s*(\d+),\s*(\w+)\)", raw):
            end = None if m.group(3) == "None" else int(m.group(3))
            out.append((m.group(1).strip(), int(m.group(2)), end))
        return out

    @property
    def upstream_tables(self) -> list[str]:
        raw = self.header.get("tables", "")
        return [t.strip() for t in raw.split(",") if t.strip()]


def _split_row(line: str) -> list[str]:
    inner = line.strip()
    if inner.startswith("|"):
        inner = inner[1:]
    if inner.endswith("|"):
        inner = inner[:-1]
    return [c.strip() for c in inner.split("|")]


def parse_text_file(path: Path) -> TextFile:
    """Header lines (`# key: value`) and every boxed table of an expected-text file."""
    tf = TextFile(Path(path))
    lines = Path(path).read_text().splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        if line.startswith("#"):
            body = line[1:].strip()
            # "a: x; b: y" holds two entries; the CDF line's "; " separates its queries.
            parts = [body] if body.startswith("CDF") else body.split("; ")
            for part in parts:
                if ":" in part:
                    k, v = part.split(":", 1)
                    tf.header[k.strip()] = v.strip()
            i += 1
            continue
        if line.startswith("+") and i + 2 < len(lines) and lines[i + 1].lstrip().startswith("|"):
            columns = _split_row(lines[i + 1])
            i += 3  # border, header, border
            rows: list[list[str | None]] = []
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                cells = _split_row(lines[i])
                if len(cells) != len(columns):
                    raise ValueError(f"{path}:{i + 1}: {len(cells)} cells for "
                                     f"{len(columns)} columns")
                rows.append([c if c != "" else None for c in cells])
                i += 1
            if i < len(lines) and lines[i].startswith("+"):
                i += 1  # closing border (absent when a table has no rows: header only)
            tf.tables.append(TextTable(columns, rows))
            continue
        i += 1
    return tf


def parse_timestamp_micros(text: str) -> int:
    """ISO-8601 timestamp text ('Z', an offset, or none = UTC) as UTC microseconds."""
    s = text.strip().replace(" ", "T", 1)
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    d = dt.datetime.fromisoformat(s)
    if d.tzinfo is None:
        d = d.replace(tzinfo=dt.timezone.utc)
    delta = d - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def _is_nested(t: pa.DataType) -> bool:
    return pa.types.is_struct(t) or pa.types.is_list(t) or pa.types.is_map(t)


def format_like_arrow_rs(v: Any, t: pa.DataType) -> str:
    """A (canonical) value printed the way arrow-rs's pretty printer prints it."""
    if v is None:
        return ""
    if pa.types.is_timestamp(t):
        micros = v.micros if isinstance(v, Timestamp) else int(v)
        d = dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=micros)
        frac = micros % 1_000_000
        s = d.strftime("%Y-%m-%dT%H:%M:%S")
        if frac:
            s += f".{frac // 1000:03d}" if frac % 1000 == 0 else f".{frac:06d}"
        return s + ("Z" if t.tz is not None else "")
    if pa.types.is_struct(t):
        parts = dict(v)
        return "{" + ", ".join(f"{f.name}: {format_like_arrow_rs(parts.get(f.name), f.type)}"
                               for f in t) + "}"
    if pa.types.is_list(t):
        return "[" + ", ".join(format_like_arrow_rs(x, t.value_type) for x in v) + "]"
    if pa.types.is_map(t):
        return "{" + ", ".join(f"{format_like_arrow_rs(k, t.key_type)}: "
                               f"{format_like_arrow_rs(x, t.item_type)}" for k, x in v[1]) + "}"
    if isinstance(v, Float):
        return repr(v.value)
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def text_cell_value(cell: str | None, t: pa.DataType) -> Any:
    """The canonical value (see compare.canonical_value) that cell text stands for in a
    column of plain type `t`. Nested types compare as their printed text."""
    if cell is None:
        return None
    try:
        if pa.types.is_null(t):
            return cell  # a non-empty cell in a null column never matches
        if pa.types.is_integer(t):
            return int(cell)
        if pa.types.is_floating(t):
            if pa.types.is_float32(t):
                import numpy as np
                return Float(float(np.float32(cell)))
            return Float(float(cell))
        if pa.types.is_decimal(t):
            return Decimal(cell)
        if pa.types.is_boolean(t):
            return {"true": True, "false": False}.get(cell.lower(), cell)
        if pa.types.is_date(t):
            return dt.date.fromisoformat(cell)
        if pa.types.is_timestamp(t):
            return Timestamp(parse_timestamp_micros(cell))
        if pa.types.is_binary(t) or pa.types.is_fixed_size_binary(t):
            return bytes.fromhex(cell) if re.fullmatch(r"([0-9a-fA-F]{2})+", cell) else \
                cell.encode()
    except (ValueError, InvalidOperation):
        return ("unparseable", cell)
    return cell


def rows_for_text_compare(table: pa.Table) -> tuple[list[tuple], list[pa.DataType]]:
    """Canonical rows of an Arrow table for comparison with text: nested columns become
    their arrow-rs text; empty strings become NULL. Also returns the plain column types."""
    cols, types = [], []
    for col in table.columns:
        values, plain = _canonical_column(col)
        canon = [canonical_value(v, plain) for v in values]
        if _is_nested(plain):
            canon = [None if v is None else format_like_arrow_rs(v, plain) for v in canon]
        elif pa.types.is_string(plain):
            canon = [None if v == "" else v for v in canon]
        cols.append(canon)
        types.append(plain)
    rows = list(zip(*cols)) if cols else [() for _ in range(table.num_rows)]
    return rows, types


def text_rows(tt: TextTable, types: list[pa.DataType]) -> list[tuple]:
    """Canonical rows of a text table, typed like the columns they are compared with."""
    return [tuple(text_cell_value(c, t) for c, t in zip(row, types)) for row in tt.rows]
