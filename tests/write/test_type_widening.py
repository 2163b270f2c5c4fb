"""Type widening (PROTOCOL.md "Type Widening") on deltacpp's write path.

`deltactl alter T change-column-type COL TYPE` applies only the changes the protocol allows,
only with `delta.enableTypeWidening=true` (which puts the typeWidening reader+writer feature in
the protocol), records them in `delta.typeChanges` on the nearest struct field (`fieldPath` for
array elements and map keys/values) and rewrites no data: older files read as the new type.
`--merge-schema` on such a table widens a column the data has wider, as Spark's schema
evolution does. Interop: Spark reads our widened table, we read Spark's.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from helpers import deltactl as cli
from helpers.compare import assert_same_rows, canonical_rows
from helpers.writing import create, expect_error, write, write_args, write_input

pytestmark = [pytest.mark.group("write: type widening"),
              pytest.mark.usefixtures("require_deltactl")]

SCHEMA = ("id SMALLINT, b BYTE, f FLOAT, d DATE, dec DECIMAL(5,2), i INT, "
          "tags ARRAY<INT>, m MAP<STRING, FLOAT>, s STRUCT<a: INT, b: BYTE>")


def first_rows() -> pa.Table:
    return pa.table({
        "id": pa.array([1, 2], pa.int16()), "b": pa.array([-128, 127], pa.int8()),
        "f": pa.array([1.5, None], pa.float32()),
        "d": pa.array([dt.date(2024, 1, 2), dt.date(1970, 1, 1)], pa.date32()),
        "dec": pa.array([Decimal("1.25"), Decimal("-999.99")], pa.decimal128(5, 2)),
        "i": pa.array([2147483647, -5], pa.int32()),
        "tags": pa.array([[1, 2], None], pa.list_(pa.int32())),
        "m": pa.array([[("k", 0.5)], []], pa.map_(pa.string(), pa.float32())),
        "s": pa.array([{"a": 1, "b": 2}, None],
                      pa.struct([("a", pa.int32()), ("b", pa.int8())])),
    })


def alter(path, *args):
    return cli.check_ok(cli.run_deltactl(["alter", str(path), *args]))


def fields(path) -> dict:
    return {f["name"]: f for f in cli.info_json(path)["schema"]["fields"]}


@pytest.fixture
def table(tmp_path):
    path = tmp_path / "t"
    create(path, SCHEMA)
    write(path, first_rows(), tmp_path / "in")
    return path


@pytest.fixture
def widening(table):
    alter(table, "set-properties", "delta.enableTypeWidening=true")
    return table


def test_change_needs_type_widening_enabled(table):
    expect_error(["alter", table, "change-column-type", "id", "INT"], "UnsupportedFeature",
                 "changing the type of column id needs type widening on table",
                 "set-properties delta.enableTypeWidening=true")
    assert cli.info_json(table)["version"] == 1


def test_enabling_adds_the_reader_writer_feature(widening):
    p = cli.info_json(widening)["protocol"]
    assert (p["minReaderVersion"], p["minWriterVersion"]) == (3, 7)
    assert "typeWidening" in p["readerFeatures"] and "typeWidening" in p["writerFeatures"]


CHANGES = [
    # (column, new type, field holding the history, entry)
    ("id", "INT", "id", {"fromType": "short", "toType": "integer"}),
    ("b", "DOUBLE", "b", {"fromType": "byte", "toType": "double"}),
    ("f", "DOUBLE", "f", {"fromType": "float", "toType": "double"}),
    ("d", "TIMESTAMP_NTZ", "d", {"fromType": "date", "toType": "timestamp_ntz"}),
    ("dec", "DECIMAL(8,3)", "dec", {"fromType": "decimal(5,2)", "toType": "decimal(8,3)"}),
    ("i", "DECIMAL(12,2)", "i", {"fromType": "integer", "toType": "decimal(12,2)"}),
    ("tags.element", "BIGINT", "tags",
     {"fromType": "integer", "toType": "long", "fieldPath": "element"}),
    ("m.value", "DOUBLE", "m", {"fromType": "float", "toType": "double", "fieldPath": "value"}),
]


@pytest.mark.parametrize("column,new_type,holder,entry", CHANGES, ids=[c[0] for c in CHANGES])
def test_allowed_change_is_recorded_and_old_files_read_as_new_type(
        widening, column, new_type, holder, entry):
    alter(widening, "change-column-type", column, new_type)
    assert fields(widening)[holder]["metadata"] == {"delta.typeChanges": [entry]}
    got = cli.read_cat(widening)
    expected = first_rows()
    want_type = {"INT": pa.int32(), "DOUBLE": pa.float64(), "BIGINT": pa.int64(),
                 "TIMESTAMP_NTZ": pa.timestamp("us"), "DECIMAL(8,3)": pa.decimal128(8, 3),
                 "DECIMAL(12,2)": pa.decimal128(12, 2)}[new_type]
    if column == "tags.element":
        want_type = pa.list_(pa.field("element", pa.int64()))
    elif column == "m.value":
        want_type = pa.map_(pa.string(), pa.float64())
    top = column.split(".")[0]
    assert got.schema.field(top).type.equals(want_type), got.schema.field(top).type
    col = expected.column(top).cast(want_type)
    expected = expected.set_column(expected.column_names.index(top), top, col)
    assert_same_rows(got, expected.column_names, canonical_rows(expected))
    # no data file was rewritten
    assert [a["version"] for a in cli.history_json(widening)][:1] == [3]
    assert len(cli.files_json(widening)) == 1


def test_nested_struct_field_records_on_the_nested_field(widening):
    alter(widening, "change-column-type", "s.b", "SMALLINT")
    alter(widening, "change-column-type", "s.b", "INT")
    s = fields(widening)["s"]
    assert s["metadata"] == {}
    assert s["type"]["fields"][1] == {
        "name": "b", "type": "integer", "nullable": True,
        "metadata": {"delta.typeChanges": [{"fromType": "byte", "toType": "short"},
                                           {"fromType": "short", "toType": "integer"}]}}
    assert cli.read_cat(widening).column("s").to_pylist() == [{"a": 1, "b": 2}, None]


def test_successive_changes_keep_the_history(widening):
    alter(widening, "change-column-type", "id", "INT")
    alter(widening, "change-column-type", "id", "BIGINT")
    assert fields(widening)["id"]["metadata"] == {"delta.typeChanges": [
        {"fromType": "short", "toType": "integer"}, {"fromType": "integer", "toType": "long"}]}


@pytest.mark.parametrize("column,new_type,message", [
    ("i", "SMALLINT", "column i cannot change type from integer to short"),
    ("i", "FLOAT", "column i cannot change type from integer to float"),
    ("i", "DECIMAL(9,0)", "column i cannot change type from integer to decimal(9,0)"),
    ("i", "DECIMAL(11,2)", "column i cannot change type from integer to decimal(11,2)"),
    ("dec", "DECIMAL(6,4)", "column dec cannot change type from decimal(5,2) to decimal(6,4)"),
    ("dec", "DECIMAL(6,1)", "column dec cannot change type from decimal(5,2) to decimal(6,1)"),
    ("f", "DECIMAL(10,2)", "column f cannot change type from float to decimal(10,2)"),
    ("d", "TIMESTAMP", "column d cannot change type from date to timestamp"),
    ("tags.element", "STRING", "column tags.element cannot change type from integer to string"),
])
def test_disallowed_change_is_a_schema_mismatch(widening, column, new_type, message):
    expect_error(["alter", widening, "change-column-type", column, new_type], "SchemaMismatch",
                 message + ": not a type widening the Delta protocol allows")
    assert cli.info_json(widening)["version"] == 2


def test_unknown_column_and_same_type(widening):
    expect_error(["alter", widening, "change-column-type", "nope", "INT"], "InvalidArgument",
                 "column nope does not exist")
    expect_error(["alter", widening, "change-column-type", "s.zz", "INT"], "InvalidArgument",
                 "column s.zz does not exist")
    expect_error(["alter", widening, "change-column-type", "i", "INT"], "InvalidArgument",
                 "column i already has type integer")


def test_column_used_by_a_generated_column_cannot_change(tmp_path):
    path = tmp_path / "g"
    create(path, "a INT, b INT GENERATED ALWAYS AS (a + 1)",
           properties={"delta.enableTypeWidening": "true"})
    expect_error(["alter", path, "change-column-type", "a", "BIGINT"], "UnsupportedFeature",
                 "cannot change the type of column a: generated column b (a + 1) uses it")


def test_new_files_after_widening_and_data_skipping_on_old_stats(widening, tmp_path):
    alter(widening, "change-column-type", "i", "BIGINT")
    alter(widening, "change-column-type", "d", "TIMESTAMP_NTZ")
    write(widening, pa.table({"i": pa.array([2**40], pa.int64()),
                              "d": pa.array([dt.datetime(2024, 1, 2, 12)], pa.timestamp("us"))}),
          tmp_path / "in2")
    got = cli.read_cat(widening, columns=["i", "d"], where="i > 2147483646")
    assert sorted(canonical_rows(got), key=repr) == sorted(canonical_rows(pa.table({
        "i": pa.array([2147483647, 2**40], pa.int64()),
        "d": pa.array([dt.datetime(2024, 1, 2), dt.datetime(2024, 1, 2, 12)],
                      pa.timestamp("us"))})), key=repr)
    got = cli.read_cat(widening, columns=["i"],
                       where="d >= TIMESTAMP_NTZ '2024-01-02 00:00:00'")
    assert sorted(got.column("i").to_pylist()) == [2147483647, 2**40]


# ------------------------------------------------------------------ schema evolution on write

def test_merge_schema_widens_when_enabled(widening, tmp_path):
    data = pa.table({"id": pa.array([3], pa.int64()), "f": pa.array([2.25], pa.float64()),
                     "dec": pa.array([Decimal("12345.678")], pa.decimal128(8, 3))})
    write(widening, data, tmp_path / "in", merge_schema=True)
    fs = fields(widening)
    assert fs["id"]["type"] == "long"
    assert fs["id"]["metadata"] == {"delta.typeChanges": [{"fromType": "short", "toType": "long"}]}
    assert fs["f"]["metadata"] == {"delta.typeChanges": [{"fromType": "float", "toType": "double"}]}
    assert fs["dec"]["metadata"] == {
        "delta.typeChanges": [{"fromType": "decimal(5,2)", "toType": "decimal(8,3)"}]}
    got = cli.read_cat(widening, columns=["id", "f", "dec"])
    assert sorted(canonical_rows(got), key=repr) == sorted(canonical_rows(pa.table({
        "id": pa.array([1, 2, 3], pa.int64()), "f": pa.array([1.5, None, 2.25], pa.float64()),
        "dec": pa.array([Decimal("1.25"), Decimal("-999.99"), Decimal("12345.678")],
                        pa.decimal128(8, 3))})), key=repr)


def test_merge_schema_widens_nested_element(widening, tmp_path):
    data = pa.table({"tags": pa.array([[2**40]], pa.list_(pa.int64()))})
    write(widening, data, tmp_path / "in", merge_schema=True)
    assert fields(widening)["tags"]["metadata"] == {"delta.typeChanges": [
        {"fromType": "integer", "toType": "long", "fieldPath": "element"}]}


def test_merge_schema_does_not_widen_integers_to_double(widening, tmp_path):
    data = pa.table({"i": pa.array([1.5], pa.float64())})
    expect_error(write_args(widening, [write_input(data, tmp_path / "in")], merge_schema=True),
                 "SchemaMismatch", "column i has type double in the data but integer in the table")


@pytest.mark.parametrize("enable,merge", [(False, True), (True, False)])
def test_wider_data_is_refused_without_widening_and_merge(table, tmp_path, enable, merge):
    if enable:
        alter(table, "set-properties", "delta.enableTypeWidening=true")
    data = pa.table({"id": pa.array([3], pa.int64())})
    expect_error(write_args(table, [write_input(data, tmp_path / "in")], merge_schema=merge),
                 "SchemaMismatch", "column id has type long in the data but short in the table")
    assert fields(table)["id"]["type"] == "short"


def test_narrower_data_still_casts_up(widening, tmp_path):
    alter(widening, "change-column-type", "i", "BIGINT")
    write(widening, pa.table({"i": pa.array([7], pa.int8())}), tmp_path / "in")
    assert sorted(cli.read_cat(widening, columns=["i"]).column("i").to_pylist()) == \
        [-5, 7, 2147483647]


# ------------------------------------------------------------------ interop

@pytest.mark.spark
@pytest.mark.spark_smoke
@pytest.mark.slow
def test_spark_reads_our_widened_table(spark, widening, tmp_path):
    from helpers.spark import spark_read
    for column, new_type, _, _ in CHANGES:
        if column != "m.value":  # pyspark cannot compare maps; checked below separately
            alter(widening, "change-column-type", column, new_type)
    write(widening, pa.table({"id": pa.array([3], pa.int32()), "i": pa.array([Decimal("1.5")],
                                                                           pa.decimal128(12, 2))}),
          tmp_path / "in2")
    ours = cli.read_cat(widening).drop_columns(["m"])
    theirs = spark_read(spark, str(widening)).drop_columns(["m"])
    assert_same_rows(theirs, ours.column_names, canonical_rows(ours), "Spark reads our table")
    schema = {f.name: f.dataType.simpleString()
              for f in spark.read.format("delta").load(str(widening)).schema.fields}
    assert schema["id"] == "int" and schema["d"] == "timestamp_ntz" and \
        schema["i"] == "decimal(12,2)" and schema["tags"] == "array<bigint>"


@pytest.mark.spark
@pytest.mark.spark_smoke
@pytest.mark.slow
def test_we_read_and_append_to_a_spark_widened_table(spark, tmp_path):
    from helpers.spark import spark_read
    path = str(tmp_path / "spark_tw")
    spark.sql(f"CREATE TABLE delta.`{path}` (a SMALLINT, f FLOAT, d DATE, arr ARRAY<INT>) "
              "USING DELTA TBLPROPERTIES ('delta.enableTypeWidening' = 'true', "
              "'delta.feature.timestampNtz' = 'supported')")
    spark.sql(f"INSERT INTO delta.`{path}` VALUES (1, 1.5, DATE '2024-01-02', array(1, 2))")
    for col, t in (("a", "INT"), ("f", "DOUBLE"), ("d", "TIMESTAMP_NTZ"), ("arr.element", "BIGINT")):
        spark.sql(f"ALTER TABLE delta.`{path}` CHANGE COLUMN {col} TYPE {t}")
    spark.sql(f"INSERT INTO delta.`{path}` VALUES "
              "(2147483647, 2.5, TIMESTAMP_NTZ '2024-01-02 03:04:05', array(1099511627776))")
    fs = fields(path)
    assert fs["a"]["metadata"]["delta.typeChanges"][0]["toType"] == "integer"
    assert fs["arr"]["metadata"]["delta.typeChanges"][0]["fieldPath"] == "element"
    theirs = spark_read(spark, path)
    ours = cli.read_cat(path)
    assert_same_rows(ours, theirs.column_names, canonical_rows(theirs), "we read Spark's table")
    # we append (with a further widening by schema evolution) and Spark reads it
    write(path, pa.table({"a": pa.array([2**40], pa.int64()), "f": pa.array([0.25], pa.float64())}),
          tmp_path / "in", merge_schema=True)
    assert fields(path)["a"]["metadata"]["delta.typeChanges"][-1] == {
        "fromType": "integer", "toType": "long"}
    theirs = spark_read(spark, path)
    ours = cli.read_cat(path)
    assert theirs.num_rows == 3
    assert_same_rows(ours, theirs.column_names, canonical_rows(theirs), "Spark reads our append")
