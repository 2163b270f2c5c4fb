"""Drives deltactl's write path from tests: input files made from Arrow tables, `create` and
`write` calls with their `--json` results, and refusals checked by kind and message.

Input files are written with pyarrow in one of three formats:
  parquet  the Arrow types as they are (the only format that carries maps, and the data's own
           types for schema-enforcement tests);
  csv      pyarrow's CSV writer; deltactl types the columns with the table schema. NULL and ''
           both read back as NULL, so CSV tests avoid empty strings;
  json     JSON lines; timestamps as ISO-8601 text, decimals as strings, structs as objects,
           lists as arrays. deltactl types the columns with the table schema.
"""
from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Sequence

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from . import deltactl as cli

INPUT_FORMATS = ("parquet", "csv", "json")
_SUFFIX = {"parquet": ".parquet", "csv": ".csv", "json": ".json"}
_counter = itertools.count()


def _json_value(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(dt.timezone.utc).replace(tzinfo=None)
            return v.isoformat(sep="T") + "Z"
        return v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, bytes):
        return base64.b64encode(v).decode()
    if isinstance(v, dict):
        return {k: _json_value(x) for k, x in v.items()}
    if isinstance(v, list):
        if v and isinstance(v[0], tuple):  # a map as pyarrow lists it: [(key, value), ...]
            return {str(k): _json_value(x) for k, x in v}
        return [_json_value(x) for x in v]
    return v


def write_input(table: pa.Table, folder: Path, fmt: str = "parquet",
                name: str | None = None) -> Path:
    """Writes `table` as an input file of format `fmt` in `folder`; returns its path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name or f'input-{next(_counter)}'}{_SUFFIX[fmt]}"
    if fmt == "parquet":
        pq.write_table(table, path)
    elif fmt == "csv":
        pacsv.write_csv(table, path)
    elif fmt == "json":
        with open(path, "w", encoding="utf-8") as f:
            for row in table.to_pylist():
                f.write(json.dumps({k: _json_value(v) for k, v in row.items()},
                                   ensure_ascii=False) + "\n")
    else:
        raise ValueError(f"unknown input format {fmt}")
    return path


def create_args(table: Any, schema: str, *, partition_by: Sequence[str] = (),
                properties: dict[str, str] | None = None, name: str | None = None,
                description: str | None = None, if_not_exists: bool = False) -> list[str]:
    args = ["create", str(table), "--schema", schema]
    if partition_by:
        args += ["--partition-by", ",".join(partition_by)]
    for k, v in (properties or {}).items():
        args += ["--property", f"{k}={v}"]
    if name is not None:
        args += ["--name", name]
    if description is not None:
        args += ["--description", description]
    if if_not_exists:
        args.append("--if-not-exists")
    return args + ["--json"]


def create(table: Any, schema: str, **kw) -> dict:
    """`deltactl create TABLE --schema ... --json`; raises CliFailure when it fails."""
    args = create_args(table, schema, **kw)
    proc = cli.check_ok(cli.run_deltactl(args))
    return json.loads(proc.stdout)


def write_args(table: Any, inputs: Iterable[Path], *, mode: str | None = None,
               input_format: str | None = None, partition_by: Sequence[str] = (),
               replace_where: str | None = None, partition_overwrite_mode: str | None = None,
               merge_schema: bool = False,
               overwrite_schema: bool = False, properties: dict[str, str] | None = None,
               compression: str | None = None) -> list[str]:
    args = ["write", str(table)]
    for i in inputs:
        args += ["--input", str(i)]
    if input_format:
        args += ["--input-format", input_format]
    if mode:
        args += ["--mode", mode]
    if partition_by:
        args += ["--partition-by", ",".join(partition_by)]
    if replace_where is not None:
        args += ["--replace-where", replace_where]
    if partition_overwrite_mode is not None:
        args += ["--partition-overwrite-mode", partition_overwrite_mode]
    if merge_schema:
        args.append("--merge-schema")
    if overwrite_schema:
        args.append("--overwrite-schema")
    for k, v in (properties or {}).items():
        args += ["--property", f"{k}={v}"]
    if compression:
        args += ["--compression", compression]
    return args + ["--json"]


def write_files(table: Any, inputs: Iterable[Path], **kw) -> dict:
    """`deltactl write TABLE --input ... --json` of existing files; returns the JSON result."""
    args = write_args(table, inputs, **kw)
    proc = cli.check_ok(cli.run_deltactl(args))
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError as e:
        raise cli.CliFailure(args, proc.returncode, proc.stdout, proc.stderr,
                             f"stdout is not JSON ({e})") from None


def write(table: Any, data: pa.Table, folder: Path, fmt: str = "parquet", **kw) -> dict:
    """Writes `data` to an input file of format `fmt` in `folder`, then `deltactl write`s it
    into `table`; returns the `--json` result."""
    return write_files(table, [write_input(data, folder, fmt)], **kw)


def expect_error(args: Sequence[Any], kind: str, *substrings: str,
                 exit_code: int = 1) -> cli.CliError:
    """Runs deltactl ARGS, asserting it fails with exit `exit_code`, error kind `kind` and a
    message containing every substring. Returns the parsed error."""
    proc = cli.run_deltactl(args)
    where = f"deltactl {' '.join(map(str, args))}"
    assert proc.returncode == exit_code, \
        f"{where}: exit {proc.returncode}, expected {exit_code}; stdout {proc.stdout[-300:]!r}; " \
        f"stderr {proc.stderr[-500:]!r}"
    err = cli.parse_error(proc.stderr)
    assert err is not None, f"{where}: no 'deltactl: error [Kind]: ...' line in {proc.stderr!r}"
    full = proc.stderr[proc.stderr.index("deltactl: error"):]
    assert err.kind == kind, f"{where}: kind {err.kind}, expected {kind}: {full.strip()}"
    for s in substrings:
        assert s in full, f"{where}: message lacks {s!r}: {full.strip()}"
    err.message = full.split("]: ", 1)[1].strip()
    return err


def log_versions(table: Any) -> list[int]:
    """Versions that have a commit file in `_delta_log`, ascending."""
    log = Path(table) / "_delta_log"
    return sorted(int(p.name[:20]) for p in log.glob("*.json")
                  if len(p.name) == 25 and p.name[:20].isdigit())


