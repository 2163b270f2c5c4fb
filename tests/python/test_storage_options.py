"""storage_options (delta-rs's names) on S3, against a moto server: deltacpp writes, changes and
reads a table delta-rs also reads and writes."""
from __future__ import annotations

import pyarrow as pa
import pytest

import deltacpp
from deltacpp import exceptions as exc

from pyhelpers import rows

moto_server = pytest.importorskip("moto.server")
boto3 = pytest.importorskip("boto3")
deltalake = pytest.importorskip("deltalake")

pytestmark = pytest.mark.group("python package")


@pytest.fixture(scope="module")
def s3(monkeypatch_module=None):
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server._server.server_address  # noqa: SLF001 - moto picks a free port
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="testing",
                 aws_secret_access_key="testing", region_name="us-east-1") \
        .create_bucket(Bucket="lake")
    yield endpoint
    server.stop()


def _opts(endpoint, secret="testing"):
    return {"AWS_ENDPOINT_URL": endpoint, "AWS_ALLOW_HTTP": "true", "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_S3_ALLOW_UNSAFE_RENAME": "true"}


def test_write_change_read_on_s3_with_deltars(s3):
    uri = "s3://lake/py-table"
    opts = _opts(s3)
    t = pa.table({"id": pa.array([1, 2, 3], pa.int64()), "p": ["a", "b", "a"]})
    m = deltacpp.write_deltalake(uri, t, partition_by=["p"], storage_options=opts)
    assert m.version == 0
    dt = deltacpp.DeltaTable(uri, storage_options=opts)
    assert dt.table_uri == uri and "testing" not in repr(dt)
    dt.delete("id = 2")
    dt.update({"id": "id * 10"}, predicate="id = 3")
    assert rows(dt.to_pyarrow_table(), "id", "p") == [(1, "a"), (30, "a")]
    theirs = deltalake.DeltaTable(uri, storage_options=opts)
    assert theirs.version() == 2
    assert rows(theirs.to_pyarrow_table(), "id", "p") == [(1, "a"), (30, "a")]
    deltalake.write_deltalake(uri, pa.table({"id": pa.array([7], pa.int64()), "p": ["c"]}),
                              mode="append", storage_options=opts)
    assert rows(deltacpp.DeltaTable.forPath(uri, storage_options=opts).to_pyarrow_table(),
                "id") == [(1,), (7,), (30,)]
    assert deltacpp.is_deltatable(uri, storage_options=opts)


def test_wrong_credentials_fail_without_leaking_the_secret(s3):
    with pytest.raises(deltacpp.DeltaError) as e:
        deltacpp.DeltaTable("s3://lake/missing", storage_options=_opts(s3, "s3cr3t-value"))
    assert "s3cr3t-value" not in str(e.value)
    with pytest.raises(exc.TableNotFoundError):
        deltacpp.DeltaTable("s3://lake/missing", storage_options=_opts(s3))


def test_session_token_uses_the_sdk_environment_chain(s3, monkeypatch):
    """Temporary credentials (AWS_SESSION_TOKEN, as from STS): Arrow's S3 URIs cannot carry a
    token, so the key, secret and token go to the SDK's environment provider and the URI holds
    no credentials; the table round-trips."""
    from deltacpp import _storage
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(k, "placeholder")  # so that teardown restores the original state
        monkeypatch.delenv(k)
    opts = dict(_opts(s3), AWS_SESSION_TOKEN="tok-123")
    uri = _storage.resolve_uri("s3://lake/session-table", opts)
    assert "@" not in uri and "testing" not in uri and "tok-123" not in uri
    import os
    assert os.environ["AWS_SESSION_TOKEN"] == "tok-123" and os.environ["AWS_ACCESS_KEY_ID"] == "testing"
    t = pa.table({"id": pa.array([1, 2], pa.int64())})
    deltacpp.write_deltalake("s3://lake/session-table", t, storage_options=opts)
    assert rows(deltacpp.DeltaTable("s3://lake/session-table", storage_options=opts).to_pyarrow_table(),
                "id") == [(1,), (2,)]
    with pytest.raises(ValueError, match="AWS_SESSION_TOKEN needs"):
        _storage.resolve_uri("s3://lake/x", {"AWS_SESSION_TOKEN": "t", "AWS_ENDPOINT_URL": s3,
                                             "AWS_ALLOW_HTTP": "true"})
