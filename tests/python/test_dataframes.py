"""pandas, polars and DuckDB through the Arrow PyCapsule interface (skipped when missing)."""
from __future__ import annotations

import pyarrow as pa
import pytest

import deltacpp

pytestmark = pytest.mark.group("python package")


def test_polars_reads_and_writes_through_pycapsules(table_path):
    pl = pytest.importorskip("polars")
    deltacpp.write_deltalake(table_path, pl.DataFrame({"id": [1, 2], "s": ["x", "y"]}))
    df = pl.from_arrow(deltacpp.DeltaTable(table_path).to_batches())
    assert sorted(df.rows()) == [(1, "x"), (2, "y")]
    df = pl.DataFrame(deltacpp.DeltaTable(table_path))  # __arrow_c_stream__
    assert sorted(df.rows()) == [(1, "x"), (2, "y")]


def test_duckdb_queries_a_delta_table(table_path):
    duckdb = pytest.importorskip("duckdb")
    deltacpp.write_deltalake(table_path, pa.table({"id": [1, 2, 3]}))
    dt = deltacpp.DeltaTable(table_path)  # noqa: F841 (DuckDB finds it by name)
    assert duckdb.sql("SELECT sum(id) FROM dt").fetchall() == [(6,)]
    deltacpp.write_deltalake(table_path, duckdb.sql("SELECT 10::BIGINT AS id").arrow(),
                             mode="append")
    assert sorted(deltacpp.DeltaTable(table_path).to_pyarrow_table().column("id").to_pylist()) \
        == [1, 2, 3, 10]
