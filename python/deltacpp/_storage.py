"""storage_options: delta-rs's object-store option names, mapped onto the URI the native core
opens (Arrow's filesystem URIs: credentials as user info, the rest as query parameters)."""
from __future__ import annotations

import os
from typing import Dict, Mapping, Optional
from urllib.parse import quote, urlsplit

# Case-insensitive; with or without the AWS_ prefix, as delta-rs accepts them.
_ALIASES = {
    "access_key_id": "access_key_id",
    "secret_access_key": "secret_access_key",
    "session_token": "session_token",
    "token": "session_token",
    "region": "region",
    "default_region": "region",
    "endpoint_url": "endpoint_url",
    "endpoint": "endpoint_url",
    "allow_http": "allow_http",
    "s3_allow_unsafe_rename": "allow_unsafe_rename",
    "ec2_metadata_disabled": "ignored",
}
SUPPORTED = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION",
             "AWS_DEFAULT_REGION",
             "AWS_ENDPOINT_URL", "AWS_ENDPOINT", "AWS_ALLOW_HTTP", "AWS_S3_ALLOW_UNSAFE_RENAME",
             "AWS_EC2_METADATA_DISABLED")

UNSAFE_COMMITS_ENV = "DELTACPP_UNSAFE_OBJECT_STORE_COMMITS"


def _truthy(value: str) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


_s3_finalizer_registered = False


def _finalize_s3_at_exit() -> None:
    """Arrow's S3 client must be shut down before the process exits (else it may crash in
    static destructors); pyarrow.fs.finalize_s3 shuts down the one the core loaded, which is
    pyarrow's."""
    global _s3_finalizer_registered
    if _s3_finalizer_registered:
        return
    _s3_finalizer_registered = True
    import atexit

    import pyarrow.fs

    atexit.register(pyarrow.fs.finalize_s3)


def resolve_uri(path: str, storage_options: Optional[Mapping[str, str]]) -> str:
    """The URI deltacpp's core opens for `path` with delta-rs-style `storage_options`.

    Only s3:// and s3a:// take options; ValueError names an unknown or unsupported key.
    AWS_S3_ALLOW_UNSAFE_RENAME=true sets DELTACPP_UNSAFE_OBJECT_STORE_COMMITS=true for the
    whole process (the core reads it from the environment when it commits)."""
    scheme = path.split("://", 1)[0].lower() if "://" in path else ""
    if scheme in ("s3", "s3a"):
        _finalize_s3_at_exit()
    if not storage_options:
        return path
    if scheme not in ("s3", "s3a"):
        raise ValueError(f"storage_options apply to s3:// and s3a:// tables, not to {path!r}")
    opts: Dict[str, str] = {}
    for key, value in storage_options.items():
        k = key.lower()
        if k.startswith("aws_"):
            k = k[4:]
        canonical = _ALIASES.get(k)
        if canonical is None:
            raise ValueError(f"unsupported storage option {key!r}; deltacpp understands "
                             f"{', '.join(SUPPORTED)}")
        opts[canonical] = str(value)
    if "allow_unsafe_rename" in opts and _truthy(opts["allow_unsafe_rename"]):
        os.environ[UNSAFE_COMMITS_ENV] = "true"
    parts = urlsplit(path)
    if parts.username is not None:
        raise ValueError("give credentials either in the URI or in storage_options, not both")
    query = [q for q in parts.query.split("&") if q]
    if "endpoint_url" in opts:
        endpoint = urlsplit(opts["endpoint_url"])
        if endpoint.scheme not in ("http", "https") or not endpoint.netloc:
            raise ValueError(f"AWS_ENDPOINT_URL must be http(s)://host[:port], not "
                             f"{opts['endpoint_url']!r}")
        if endpoint.scheme == "http" and not _truthy(opts.get("allow_http", "false")):
            raise ValueError("an http:// AWS_ENDPOINT_URL needs AWS_ALLOW_HTTP=true")
        query += [f"endpoint_override={quote(endpoint.netloc, safe=':')}",
                  f"scheme={endpoint.scheme}"]
    if "region" in opts:
        query.append(f"region={quote(opts['region'], safe='')}")
    netloc = parts.netloc
    if "access_key_id" in opts or "secret_access_key" in opts:
        if "access_key_id" not in opts or "secret_access_key" not in opts:
            raise ValueError("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together")
        if "session_token" in opts:
            # Temporary credentials: Arrow's S3 URIs carry no session token, so the three go
            # to the AWS SDK's environment credential provider, which every S3 filesystem the
            # core opens without credentials in its URI consults (process-wide: one set of
            # temporary credentials per process).
            os.environ["AWS_ACCESS_KEY_ID"] = opts["access_key_id"]
            os.environ["AWS_SECRET_ACCESS_KEY"] = opts["secret_access_key"]
            os.environ["AWS_SESSION_TOKEN"] = opts["session_token"]
        else:
            netloc = (f"{quote(opts['access_key_id'], safe='')}:"
                      f"{quote(opts['secret_access_key'], safe='')}@{netloc}")
    elif "session_token" in opts:
        raise ValueError("AWS_SESSION_TOKEN needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
    uri = f"{parts.scheme}://{netloc}{parts.path}"
    return uri + ("?" + "&".join(query) if query else "")
