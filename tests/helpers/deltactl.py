"""Runs `deltactl` (the CLI under test) and turns its output into Arrow tables and JSON.

The CLI contract: exit 0 ok, 1 error, 2 usage error; on error stderr holds a line
`deltactl: error [<Kind>]: <message>`. Every call here has a timeout (a hang is a failure,
never a stuck test run). The binary is $DELTACTL, else <repo>/build/deltactl.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import pyarrow as pa
import pyarrow.parquet as pq

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TIMEOUT_S = 120

ERROR_KINDS = (
    "TableNotFound", "VersionNotFound", "TimestampOutOfRange", "CorruptLog",
    "MissingProtocolOrMetadata", "UnsupportedFeature", "SchemaMismatch", "ParseError",
    "InvalidArgument", "DeletionVectorError", "IoError", "Internal",
)
_ERROR_LINE = re.compile(r"^deltactl: error \[(?P<kind>[A-Za-z]+)\]: (?P<message>.*)$", re.M)


def deltactl_path() -> Path:
    """The CLI binary under test."""
    return Path(os.environ.get("DELTACTL") or REPO_ROOT / "build" / "deltactl")


def deltactl_available() -> bool:
    p = deltactl_path()
    return p.is_file() and os.access(p, os.X_OK)


@dataclass
class CliError:
    """The error line a failed call printed (kind is None if there was no such line)."""
    kind: str | None
    message: str


class CliFailure(AssertionError):
    """A deltactl call that did not succeed; carries everything needed to report it."""

    def __init__(self, args: Sequence[str], returncode: int | None, stdout: str, stderr: str,
                 reason: str):
        self.args_ = list(args)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.reason = reason
        self.error = parse_error(stderr)
        super().__init__(self.describe())

    @property
    def kind(self) -> str | None:
        return self.error.kind if self.error else None

    def describe(self) -> str:
        tail = self.stderr.strip().splitlines()[-5:]
        return (f"deltactl {' '.join(self.args_)}: {self.reason} (exit {self.returncode}); "
                f"stderr: {' | '.join(tail) if tail else '<empty>'}")


def parse_error(stderr: str) -> CliError | None:
    """The `deltactl: error [Kind]: message` line of stderr, if any."""
    m = _ERROR_LINE.search(stderr or "")
    if not m:
        return None
    return CliError(m.group("kind"), m.group("message").strip())


def run_deltactl(args: Sequence[Any], timeout: float = DEFAULT_TIMEOUT_S,
                 env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Runs `deltactl ARGS` (in `env`, default: this process's environment); returns the
    CompletedProcess (text mode). Raises CliFailure with reason 'timeout' when the call hangs."""
    argv = [str(deltactl_path())] + [str(a) for a in args]
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                              errors="replace", env=env)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        err = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
        raise CliFailure(argv[1:], None, out, err, f"timeout after {timeout:.0f}s") from None


def check_ok(proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    """Raises CliFailure unless the call exited 0."""
    if proc.returncode != 0:
        reason = (f"killed by signal {-proc.returncode}" if proc.returncode < 0
                  else "non-zero exit")
        raise CliFailure(proc.args[1:], proc.returncode, proc.stdout, proc.stderr, reason)
    return proc


def _read_parquet_output(path: Path, args: Sequence[Any], proc) -> pa.Table:
    if not path.exists():
        raise CliFailure(list(map(str, args)), proc.returncode, proc.stdout, proc.stderr,
                         "exit 0 but no output file written")
    try:
        return pq.read_table(path)
    except Exception as e:  # noqa: BLE001 - any unreadable output is a CLI failure
        raise CliFailure(list(map(str, args)), proc.returncode, proc.stdout, proc.stderr,
                         f"output is not readable Parquet: {e}") from None


def _tmp_parquet() -> Path:
    fd, name = tempfile.mkstemp(prefix="deltactl-", suffix=".parquet")
    os.close(fd)
    os.unlink(name)  # the CLI creates it; a leftover empty file would hide "no output"
    return Path(name)


def cat_args(table: Any, *, version: int | None = None, timestamp: str | None = None,
             columns: Sequence[str] | None = None, where: str | None = None,
             limit: int | None = None) -> list[str]:
    args = ["cat", str(table)]
    if version is not None:
        args += ["--version", str(version)]
    if timestamp is not None:
        args += ["--timestamp", timestamp]
    if columns:
        args += ["--columns", ",".join(columns)]
    if where is not None:
        args += ["--where", where]
    if limit is not None:
        args += ["--limit", str(limit)]
    return args


def read_cat(table: Any, *, version: int | None = None, timestamp: str | None = None,
             columns: Sequence[str] | None = None, where: str | None = None,
             limit: int | None = None, timeout: float = DEFAULT_TIMEOUT_S) -> pa.Table:
    """`deltactl cat TABLE ... --format parquet` read back as an Arrow table.
    Raises CliFailure when the call fails."""
    out = _tmp_parquet()
    args = cat_args(table, version=version, timestamp=timestamp, columns=columns, where=where,
                    limit=limit) + ["--format", "parquet", "--output", str(out)]
    try:
        proc = check_ok(run_deltactl(args, timeout=timeout))
        return _read_parquet_output(out, args, proc)
    finally:
        out.unlink(missing_ok=True)


def read_changes(table: Any, from_version: int, to_version: int | None = None, *,
                 timeout: float = DEFAULT_TIMEOUT_S) -> pa.Table:
    """`deltactl changes TABLE --from-version N [--to-version M]` as an Arrow table."""
    out = _tmp_parquet()
    args = ["changes", str(table), "--from-version", str(from_version)]
    if to_version is not None:
        args += ["--to-version", str(to_version)]
    args += ["--format", "parquet", "--output", str(out)]
    try:
        proc = check_ok(run_deltactl(args, timeout=timeout))
        return _read_parquet_output(out, args, proc)
    finally:
        out.unlink(missing_ok=True)


def _json_call(args: list[str], timeout: float) -> Any:
    proc = check_ok(run_deltactl(args, timeout=timeout))
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError as e:
        raise CliFailure(args, proc.returncode, proc.stdout, proc.stderr,
                         f"stdout is not JSON ({e}): {proc.stdout[:200]!r}") from None


def info_json(table: Any, *, timeout: float = DEFAULT_TIMEOUT_S) -> dict:
    """`deltactl info TABLE --json`."""
    return _json_call(["info", str(table), "--json"], timeout)


def files_json(table: Any, *, version: int | None = None,
               timeout: float = DEFAULT_TIMEOUT_S) -> list:
    """`deltactl files TABLE [--version N] --json`."""
    args = ["files", str(table)]
    if version is not None:
        args += ["--version", str(version)]
    return _json_call(args + ["--json"], timeout)


def history_json(table: Any, *, limit: int | None = None,
                 timeout: float = DEFAULT_TIMEOUT_S) -> list:
    """`deltactl history TABLE [--limit N] --json`."""
    args = ["history", str(table)]
    if limit is not None:
        args += ["--limit", str(limit)]
    return _json_call(args + ["--json"], timeout)


def cat_expect_failure(table: Any, *, version: int | None = None,
                       timeout: float = DEFAULT_TIMEOUT_S, **kw) -> tuple[
                           subprocess.CompletedProcess, pa.Table | None]:
    """Runs `cat` to Parquet without raising; returns (process, rows written or None)."""
    out = _tmp_parquet()
    args = cat_args(table, version=version, **kw) + ["--format", "parquet", "--output", str(out)]
    try:
        proc = run_deltactl(args, timeout=timeout)
        rows = None
        if out.exists() and out.stat().st_size > 0:
            try:
                rows = pq.read_table(out)
            except Exception:  # noqa: BLE001 - a partial file counts as no readable rows
                rows = None
        return proc, rows
    finally:
        out.unlink(missing_ok=True)
