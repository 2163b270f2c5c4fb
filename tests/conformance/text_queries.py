"""Which query produced each table of the corpus's expected-text files.

The expected-text files come from delta-kernel-rs's integration tests
(kernel/tests/integration/read/mod.rs, features/cdf.rs). Their headers name the upstream test
and, for CDF files, the (table, start, end) of every block. Scan files do not say which
projection or predicate was used, and for rstest-parametrized upstream tests the extractor
attributed each literal table to the *preceding* function (e.g. the blocks in
read__predicate_on_unprojected_column.txt are the cases of
partition_pruning_with_checkpoint_parsed_values, on table app-txn-checkpoint). This module
states, block by block, the query that really produced it, read from the upstream source.

Upstream scans apply predicates only for file skipping, so a block may hold rows the predicate
rejects. deltactl's --where filters rows (SQL semantics: keep rows where it is TRUE), so
`keep` gives the row filter to apply to such a block to obtain the exact answer. It receives a
row as {column: canonical value} (see helpers.compare) and is None when the block is exact.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

Row = dict[str, Any]


@dataclass(frozen=True)
class BlockQuery:
    """The query behind one expected-text table.

    kind: "scan" (cat), "cdf" (changes; range from the file header), or "error" (the upstream
          test expects the query to fail; deltactl must exit 1 with one of `error_kinds`).
    table: upstream table folder name when the block belongs to another table than the case
          that lists the file (None: the case's own table).
    """
    kind: str = "scan"
    columns: tuple[str, ...] | None = None
    where: str | None = None
    keep: Callable[[Row], bool] | None = None
    table: str | None = None
    error_kinds: tuple[str, ...] = ()
    note: str = ""


def _gt(col: str, v: Any) -> Callable[[Row], bool]:
    return lambda r: r[col] is not None and r[col] > v


def _ts(col: str, op: str, micros: int) -> Callable[[Row], bool]:
    ops = {">": lambda a: a > micros, ">=": lambda a: a >= micros, "<": lambda a: a < micros,
           "<=": lambda a: a <= micros, "=": lambda a: a == micros}
    return lambda r: r[col] is not None and ops[op](r[col].micros)


_TS_4_0004 = "TIMESTAMP '1970-01-01 00:00:04.000400+00:00'"

# file name -> one BlockQuery per boxed table, in file order.
QUERIES: dict[str, list[BlockQuery]] = {
    # ---- scans (kernel/tests/integration/read/mod.rs)
    "read__data.txt": [BlockQuery()],
    "read__column_ordering.txt": [BlockQuery(columns=("a_float", "letter", "number"))],
    "read__column_ordering_and_projection.txt": [BlockQuery(columns=("a_float", "number"))],
    # block is predicate_on_letter::is_null (the predicate_on_number cases print no literal)
    "read__predicate_on_number.txt": [
        BlockQuery(columns=("letter", "number"), where="letter IS NULL",
                   note="upstream predicate_on_letter::is_null")],
    # block is predicate_on_letter_and_number::or_with_pruning
    "read__predicate_on_letter.txt": [
        BlockQuery(columns=("letter", "number"), where="letter > 'a' OR number > 3",
                   note="upstream predicate_on_letter_and_number::or_with_pruning")],
    # blocks are the three predicate_on_unprojected_column cases
    "read__predicate_on_letter_and_number.txt": [
        BlockQuery(columns=("a_float",), where="number > 4"),
        BlockQuery(columns=("a_float",), where="letter = 'a'"),
        BlockQuery(columns=("a_float",), where="a_float > 4.0 AND number < 6"),
    ],
    # blocks are partition_pruning_with_checkpoint_parsed_values (table app-txn-checkpoint)
    "read__predicate_on_unprojected_column.txt": [
        BlockQuery(columns=("id", "modified", "value"), where="modified = '2021-02-02'",
                   table="app-txn-checkpoint"),
        BlockQuery(columns=("id", "modified", "value"), where="modified = '2021-02-01'",
                   table="app-txn-checkpoint"),
    ],
    # blocks are mixed_predicate_with_checkpoint_parsed_columns (file skipping only upstream)
    "read__partition_pruning_with_checkpoint_parsed_values.txt": [
        BlockQuery(columns=("id", "modified", "value"),
                   where="modified = '2021-02-01' AND value > 9",
                   keep=lambda r: r["modified"] == "2021-02-01" and r["value"] > 9),
        BlockQuery(columns=("id", "modified", "value"),
                   where="modified = '2021-02-02' OR value > 11",
                   keep=lambda r: r["modified"] == "2021-02-02" or r["value"] > 11),
        BlockQuery(columns=("id", "modified", "value"),
                   where="modified = '2021-02-02' OR value > 9",
                   keep=lambda r: r["modified"] == "2021-02-02" or r["value"] > 9),
    ],
    "read__predicate_on_number_with_not_null.txt": [
        BlockQuery(columns=("a_float", "number"), where="number IS NOT NULL AND number < 3")],
    "read__partition_values_parsed_skipping.txt": [BlockQuery(where="part = 0")],
    "read__with_predicate_and_removes.txt": [
        BlockQuery(where="value > 3", keep=_gt("value", 3))],
    "read__short_dv.txt": [BlockQuery()],
    "read__basic_decimal.txt": [BlockQuery()],
    "read__timestamp_ntz.txt": [BlockQuery()],
    "read__read_spark_table_with_void_column.txt": [BlockQuery()],
    "read__type_widening_basic.txt": [BlockQuery(columns=(
        "byte_long", "int_long", "float_double", "byte_double", "short_double", "int_double",
        "date_timestamp_ntz"))],
    "read__type_widening_decimal.txt": [BlockQuery(columns=(
        "decimal_decimal_same_scale", "decimal_decimal_greater_scale", "byte_decimal",
        "short_decimal", "int_decimal", "long_decimal"))],
    "read__predicate_references_invalid_missing_column.txt": [
        # `missing` is in the schema but in no data file: all NULL, so `missing < 10` is
        # never TRUE and a row filter returns nothing (upstream only checks skipping).
        BlockQuery(columns=("chrono", "missing"), where="missing < 10",
                   keep=lambda r: r["missing"] is not None and r["missing"] < 10),
        # upstream: `invalid < 10` must fail ("unknown column")
        BlockQuery(kind="error", columns=("chrono", "missing"), where="invalid < 10",
                   error_kinds=("InvalidArgument", "SchemaMismatch", "ParseError")),
    ],
    "read__timestamp_truncation_real_table_gt.txt": [
        BlockQuery(where=f"ts_col > {_TS_4_0004}", keep=_ts("ts_col", ">", 4_000_400))],
    "read__timestamp_truncation_real_table_ge.txt": [
        BlockQuery(where=f"ts_col >= {_TS_4_0004}", keep=_ts("ts_col", ">=", 4_000_400))],
    "read__timestamp_truncation_real_table_lt.txt": [
        BlockQuery(where=f"ts_col < {_TS_4_0004}", keep=_ts("ts_col", "<", 4_000_400))],
    "read__timestamp_truncation_real_table_le.txt": [
        BlockQuery(where=f"ts_col <= {_TS_4_0004}", keep=_ts("ts_col", "<=", 4_000_400))],
    "read__timestamp_truncation_real_table_eq.txt": [
        BlockQuery(where=f"ts_col = {_TS_4_0004}", keep=_ts("ts_col", "=", 4_000_400))],
}


def queries_for(file_name: str, n_blocks: int, is_cdf: bool) -> list[BlockQuery]:
    """The BlockQuery of every block of a file (CDF blocks: all kind='cdf')."""
    if is_cdf:
        return [BlockQuery(kind="cdf") for _ in range(n_blocks)]
    qs = QUERIES.get(file_name)
    if qs is None:
        raise KeyError(f"no query known for expected-text file {file_name}; "
                       f"add it to tests/conformance/text_queries.py")
    if len(qs) != n_blocks:
        raise ValueError(f"{file_name}: {n_blocks} tables in the file, {len(qs)} queries known")
    return qs
