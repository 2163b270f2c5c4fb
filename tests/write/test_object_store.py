"""Tables on S3 (a moto server standing in for AWS): deltacpp reads what delta-rs wrote there,
writes there when the user opts into single-writer commits, and delta-rs reads the result.

Arrow's S3 filesystem has no conditional put, so deltacpp refuses to commit to S3 unless
DELTACPP_UNSAFE_OBJECT_STORE_COMMITS=true says only one writer commits at a time (the same
bargain as delta-rs's AWS_S3_ALLOW_UNSAFE_RENAME).
"""
from __future__ import annotations

import json
import os

import pyarrow as pa
import pytest

from helpers import deltactl as cli
from helpers.compare import assert_tables_equal
from helpers.writing import create_args, write_args, write_input

moto_server = pytest.importorskip("moto.server")
boto3 = pytest.importorskip("boto3")
deltalake = pytest.importorskip("deltalake")

pytestmark = [pytest.mark.group("write: object stores"), pytest.mark.usefixtures("require_deltactl")]

UNSAFE = "DELTACPP_UNSAFE_OBJECT_STORE_COMMITS"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}


@pytest.fixture(scope="module")
def s3():
    """A moto S3 server with one bucket; yields (endpoint host:port, bucket)."""
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server._server.server_address  # noqa: SLF001 - moto picks a free port
    saved = {k: os.environ.get(k) for k in CREDENTIALS}
    os.environ.update(CREDENTIALS)
    endpoint = f"127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=f"http://{endpoint}").create_bucket(Bucket="lake")
    yield endpoint, "lake"
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    server.stop()


def uri(s3, name: str, scheme: str = "s3") -> str:
    endpoint, bucket = s3
    return f"{scheme}://{bucket}/{name}?endpoint_override={endpoint}&scheme=http&region=us-east-1"


def deltars_options(s3) -> dict[str, str]:
    return {"AWS_ENDPOINT_URL": f"http://{s3[0]}", "AWS_ALLOW_HTTP": "true",
            "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing", "AWS_S3_ALLOW_UNSAFE_RENAME": "true"}


def run(args, unsafe: bool = False):
    env = dict(os.environ)
    if unsafe:
        env[UNSAFE] = "true"
    else:
        env.pop(UNSAFE, None)
    return cli.run_deltactl(args, env=env)


def cat(table_uri: str, *extra: str) -> list[dict]:
    proc = cli.check_ok(run(["cat", table_uri, "--format", "json", *extra]))
    return [json.loads(line) for line in proc.stdout.splitlines()]


def test_reads_a_table_delta_rs_wrote_on_s3(s3):
    rows = pa.table({"id": pa.array([1, 2, 3], pa.int64()), "p": ["x", "y", "x"]})
    deltalake.write_deltalake(f"s3://{s3[1]}/from-deltars", rows, partition_by=["p"],
                              storage_options=deltars_options(s3))
    deltalake.write_deltalake(f"s3://{s3[1]}/from-deltars", rows.slice(0, 1), mode="append",
                              partition_by=["p"], storage_options=deltars_options(s3))
    got = cat(uri(s3, "from-deltars"), "--where", "p = 'x'")
    assert sorted(r["id"] for r in got) == [1, 1, 3]
    assert sorted(r["id"] for r in cat(uri(s3, "from-deltars"), "--version", "0")) == [1, 2, 3]
    # Spark's and Hadoop's s3a:// names the same table
    assert len(cat(uri(s3, "from-deltars", scheme="s3a"))) == 4


def test_commits_are_refused_without_the_single_writer_opt_in(s3, tmp_path):
    table = uri(s3, "refused")
    proc = run(create_args(table, "id BIGINT"))
    assert proc.returncode == 1
    err = cli.parse_error(proc.stderr)
    assert err is not None and err.kind == "UnsupportedFeature", proc.stderr
    assert UNSAFE in proc.stderr and "conditional put" in proc.stderr
    # nothing was committed
    s3c = boto3.client("s3", endpoint_url=f"http://{s3[0]}")
    listed = s3c.list_objects_v2(Bucket=s3[1], Prefix="refused/_delta_log/")
    assert listed.get("KeyCount", 0) == 0


def test_writes_partitioned_table_with_checkpoint_that_delta_rs_reads(s3, tmp_path):
    table = uri(s3, "ours")
    cli.check_ok(run(create_args(table, "id BIGINT, name STRING, p STRING", partition_by=["p"]),
                     unsafe=True))
    expected = []
    for k in range(3):
        batch = pa.table({"id": pa.array([k * 10 + i for i in range(4)], pa.int64()),
                          "name": [f"n{k}{i}" for i in range(4)],
                          "p": ["a b", "a b", "c/d", None]})
        expected.append(batch)
        cli.check_ok(run(write_args(table, [write_input(batch, tmp_path, "json")]), unsafe=True))
    cli.check_ok(run(["checkpoint", table], unsafe=True))
    want = pa.concat_tables(expected)

    dt = deltalake.DeltaTable(f"s3://{s3[1]}/ours", storage_options=deltars_options(s3))
    assert dt.version() == 3
    assert_tables_equal(dt.to_pyarrow_table(), want)
    info = json.loads(cli.check_ok(run(["info", table, "--json"])).stdout)
    assert (info["version"], info["numFiles"], info["numRecords"]) == (3, 9, 12)
    assert sorted(r["id"] for r in cat(table)) == sorted(want.column("id").to_pylist())
    # a second create of the same table is refused, naming it
    again = run(create_args(table, "id BIGINT"), unsafe=True)
    assert again.returncode == 1 and "already exists" in again.stderr


def test_deltacpp_appends_to_a_delta_rs_s3_table(s3, tmp_path):
    base = pa.table({"id": pa.array([1, 2], pa.int64()), "v": pa.array([0.5, 1.5])})
    deltalake.write_deltalake(f"s3://{s3[1]}/shared", base, storage_options=deltars_options(s3))
    more = pa.table({"id": pa.array([3], pa.int64()), "v": pa.array([2.5])})
    res = json.loads(cli.check_ok(run(write_args(uri(s3, "shared"),
                                                 [write_input(more, tmp_path, "parquet")]),
                                      unsafe=True)).stdout)
    assert res["version"] == 1
    dt = deltalake.DeltaTable(f"s3://{s3[1]}/shared", storage_options=deltars_options(s3))
    assert_tables_equal(dt.to_pyarrow_table(), pa.concat_tables([base, more]))
