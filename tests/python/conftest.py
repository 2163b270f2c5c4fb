"""Fixtures of the Python package suite (tests/python).

The package must be installed (`make test-python` pip-installs it into .venv). Without it the
suite is skipped, unless DELTACPP_REQUIRED=1 (the Makefile sets it), then it fails.
"""
from __future__ import annotations

import os

import pyarrow as pa
import pytest

if os.environ.get("DELTACPP_REQUIRED") != "1":
    pytest.importorskip("deltacpp", reason="deltacpp not installed (make test-python installs it)")

import deltacpp  # noqa: E402


@pytest.fixture
def table_path(tmp_path):
    return str(tmp_path / "table")


@pytest.fixture
def three_versions(table_path):
    """v0: ids 1-3 (partitioned by p), v1: append id 4, v2: overwrite with ids 10-11."""
    deltacpp.write_deltalake(
        table_path, pa.table({"id": pa.array([1, 2, 3], pa.int64()), "p": ["a", "b", "a"]}),
        partition_by=["p"], name="events", description="test table",
        configuration={"delta.appendOnly": "false", "owner": "tests"})
    deltacpp.write_deltalake(
        table_path, pa.table({"id": pa.array([4], pa.int64()), "p": ["b"]}), mode="append")
    deltacpp.write_deltalake(
        table_path, pa.table({"id": pa.array([10, 11], pa.int64()), "p": ["c", "c"]}),
        mode="overwrite")
    return table_path
