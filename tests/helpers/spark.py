"""Spark as a test oracle: reading DataFrames back as Arrow without losing NULL structs.

The SparkSession itself is the session fixture `spark` in tests/conftest.py (one JVM per test
session, shared by every suite that needs it).
"""
from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc


def spark_arrow(df) -> pa.Table:
    """A DataFrame as Arrow. pyspark's toArrow turns a NULL struct into a struct of NULLs,
    so top-level struct columns get their nullness from Spark separately."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StructType
    structs = [f.name for f in df.schema.fields if isinstance(f.dataType, StructType)]
    if not structs:
        return df.toArrow()
    flags = [F.col(f"`{c}`").isNull().alias(f"__isnull_{i}") for i, c in enumerate(structs)]
    t = df.select("*", *flags).toArrow()
    for i, c in enumerate(structs):
        flag = t.column(f"__isnull_{i}")
        col = t.column(c).combine_chunks()
        mask = pc.fill_null(flag, False).combine_chunks()
        fixed = pa.StructArray.from_arrays(
            [col.field(j) for j in range(col.type.num_fields)],
            fields=list(col.type), mask=mask)
        t = t.set_column(t.column_names.index(c), c, fixed)
    return t.drop_columns([f"__isnull_{i}" for i in range(len(structs))])


def spark_versions(spark, path: str) -> list[int]:
    """Versions of a Delta table, ascending, as Spark's DESCRIBE HISTORY lists them."""
    rows = spark.sql(f"DESCRIBE HISTORY delta.`{path}`").select("version").collect()
    return sorted(r.version for r in rows)


def spark_read(spark, path: str, version: int | None = None) -> pa.Table:
    """`spark.read.format("delta")[.option("versionAsOf", v)].load(path)` as Arrow."""
    reader = spark.read.format("delta")
    if version is not None:
        reader = reader.option("versionAsOf", version)
    return spark_arrow(reader.load(path))
