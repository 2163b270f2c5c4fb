"""The conformance corpus (shared/conformance/cases.json) read through `deltactl`.

One test per case and check, named after the case id:
  expected[<case>@<label>]     `cat` at the version equals the expected Parquet folder
  text[<case>::<file>#<n>]     `cat`/`changes` equals table n of an expected-text file
  must_fail[<case>]            `cat` exits 1 with the right error kind and writes no rows
  smoke[<case>]                `cat` succeeds, or fails cleanly naming an unsupported feature
  info[<case>]                 `info --json` agrees with the case's protocol, features,
                               partition columns and latest version
Comparison rules: shared/conformance/README.md, implemented in tests/helpers/compare.py.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from helpers import deltactl as cli
from helpers.arrow_text import parse_text_file, rows_for_text_compare, text_rows
from helpers.compare import assert_same_rows, diff_rows, read_expected_folder

from text_queries import queries_for

CONFORMANCE_DIR = Path(os.environ.get("DELTA_CONFORMANCE_DIR")
                       or cli.REPO_ROOT.parent / "shared" / "conformance")


def _load_cases() -> list[dict]:
    f = CONFORMANCE_DIR / "cases.json"
    if not f.is_file():
        return []
    data = json.loads(f.read_text())
    return data["cases"] if isinstance(data, dict) else data


CASES = _load_cases()
CASES_BY_ID = {c["id"]: c for c in CASES}
SMOKE_PREFIX = "smoke"

pytestmark = [
    pytest.mark.skipif(not CASES, reason=f"conformance corpus not found at {CONFORMANCE_DIR} "
                                          f"(set DELTA_CONFORMANCE_DIR)"),
    pytest.mark.usefixtures("require_deltactl"),
]

# must_fail text in cases.json -> acceptable error kinds
MUST_FAIL_KINDS = {
    "protocol version unsupported": {"UnsupportedFeature"},
    "no metaData action": {"MissingProtocolOrMetadata"},
    "checkpoint lacks protocol": {"MissingProtocolOrMetadata"},
    "not a Delta table": {"TableNotFound"},
    "commit versions have a gap": {"CorruptLog"},
}

# Smoke tables whose corpus copy cannot be scanned by any reader: data or DV files the log
# points to are absent or were written under a Spark test-only file-name prefix
# (test%file%prefix-, test%dv%prefix-) that the log does not record, or the log is a hand-made
# fragment without a schema or metaData. For these the right answer is a clean error of one of
# the listed kinds (exit 1, an error line, no rows).
CORPUS_UNREADABLE: dict[str, tuple[set[str], str]] = {
    "delta-io-spark/table-with-dv-small": ({"DeletionVectorError", "IoError"},
        "DV files carry Spark's test-only name prefix 'test%dv%prefix-' that the log omits"),
    "delta-io-spark/table-with-dv-large": ({"DeletionVectorError", "IoError"},
        "DV files carry Spark's test-only name prefix 'test%dv%prefix-' that the log omits"),
    "delta-io-spark/partitioned-table-with-dv-large": ({"DeletionVectorError", "IoError"},
        "DV files carry Spark's test-only name prefix 'test%dv%prefix-' that the log omits"),
    "delta-io-spark/table-with-dv-gigantic": ({"DeletionVectorError", "IoError"},
        "the corpus holds none of its DV files"),
    "delta-io-spark/table-with-dv-special-char": ({"DeletionVectorError", "IoError"},
        "DV path is an unexpanded template 'file:{{FOLDER_WITH_SPECIAL_CHAR}}/...'"),
    "delta-io-kernel-defaults/spark-variant-stable-feature-checkpoint": (
        {"IoError", "UnsupportedFeature"},
        "log names data files 'test%file%prefix-part-*', the corpus holds them without prefix"),
    "delta-kernel-rs-data/app-txn-with-last-updated": ({"IoError"},
        "the corpus holds only _delta_log"),
    "delta-kernel-rs-golden/log-replay-special-characters-b": ({"IoError"},
        "the data file 'special p@#h' is not in the corpus"),
    "delta-kernel-rs-golden/deltalog-commit-info": ({"CorruptLog"},
        "metaData has no schemaString (log fragment)"),
    "delta-kernel-rs-golden/update-deleted-directory": ({"CorruptLog"},
        "metaData has no schemaString (log fragment)"),
    "delta-io-golden/corrupted-last-checkpoint": ({"CorruptLog"},
        "metaData has no schemaString (log fragment)"),
    "delta-kernel-rs-golden/data-reader-absolute-paths-escaped-chars": (
        {"MissingProtocolOrMetadata"}, "the log has no metaData action (log fragment)"),
}

# The corpus records configuration from the first commit's metaData; where a later checkpoint
# holds a different metaData, the checkpoint is the table state (PROTOCOL.md, "Checkpoints").
CHECKPOINT_CONFIGURATION = {
    "delta-kernel-rs-data/parquet_row_group_skipping": {"delta.checkpointInterval": "1"},
}

# Table features named by the protocol (PROTOCOL.md "Table Features"), for smoke errors.
KNOWN_FEATURES = (
    "appendOnly", "invariants", "checkConstraints", "changeDataFeed", "generatedColumns",
    "columnMapping", "identityColumns", "deletionVectors", "rowTracking", "timestampNtz",
    "domainMetadata", "v2Checkpoint", "icebergCompatV1", "icebergCompatV2", "clustering",
    "liquid", "vacuumProtocolCheck", "typeWidening", "typeWidening-preview", "variantType",
    "variantType-preview", "variantShredding", "inCommitTimestamp", "collations",
    "allowColumnDefaults", "catalogManaged", "catalogOwned", "checkpointProtection",
    "icebergWriterCompatV1", "materializePartitionColumns",
)
_PROTOCOL_VERSION_WORDS = re.compile(r"(reader|writer)\s*version|minReaderVersion|"
                                     r"minWriterVersion|protocol", re.I)


def _group(case: dict) -> str:
    g = case["group"]
    return "smoke" if g.startswith(SMOKE_PREFIX) else g


def _table(case: dict) -> Path:
    return CONFORMANCE_DIR / case["table"]


def _latest_version(case: dict) -> int | None:
    m = re.match(r"\s*(\d+)\.\.(\d+)", case.get("versions") or "")
    return int(m.group(2)) if m else None


def _label_version(label: str) -> int | None:
    if label == "latest":
        return None
    m = re.fullmatch(r"v(\d+)", label)
    if not m:
        raise ValueError(f"unknown expected label {label!r}")
    return int(m.group(1))


# ---------------------------------------------------------------- parametrization


# Expected folders known to be wrong upstream (the reason quotes the upstream skip).
KNOWN_BAD_EXPECTED = {
    "delta-kernel-rs-golden/data-reader-partition-values":
        "delta-kernel-rs skips it: 'Golden data needs to have 2021-09-08T11:11:11+00:00 as "
        "expected value for as_timestamp col' (expected was written in a UTC-7 session)",
}


def _expected_params():
    for c in CASES:
        for label, folder in (c.get("expected") or {}).items():
            marks = [pytest.mark.group(_group(c))]
            if c["id"] in KNOWN_BAD_EXPECTED:
                marks.append(pytest.mark.xfail(reason=KNOWN_BAD_EXPECTED[c["id"]], strict=False))
            yield pytest.param(c, label, folder, id=f"{c['id']}@{label}", marks=marks)


def _text_params():
    for c in CASES:
        for rel in c.get("expected_text") or []:
            path = CONFORMANCE_DIR / rel
            tf = parse_text_file(path)
            for n in range(len(tf.tables)):
                yield pytest.param(c, rel, n, id=f"{c['id']}::{path.stem}#{n}",
                                   marks=pytest.mark.group(_group(c) + " (expected-text)"))


def _case_params(pred, group=None):
    for c in CASES:
        if pred(c):
            yield pytest.param(c, id=c["id"], marks=pytest.mark.group(group or _group(c)))


# ---------------------------------------------------------------- expected Parquet folders


@pytest.mark.parametrize("case,label,folder", list(_expected_params()))
def test_expected(case, label, folder):
    version = _label_version(label)
    names, rows = read_expected_folder(CONFORMANCE_DIR / folder)
    actual = cli.read_cat(_table(case), version=version)
    assert_same_rows(actual, names, rows,
                     context=f"cat {case['id']} {'latest' if version is None else f'v{version}'}")


# ---------------------------------------------------------------- expected text


def _resolve_table(case: dict, upstream_table: str | None) -> Path:
    """The corpus table a block was computed on (usually the case's own)."""
    if upstream_table is None or case["id"].rsplit("/", 1)[-1] == upstream_table:
        return _table(case)
    for source in ("delta-kernel-rs-data", "delta-kernel-rs-golden"):
        other = CASES_BY_ID.get(f"{source}/{upstream_table}")
        if other:
            return _table(other)
    pytest.skip(f"block belongs to upstream table {upstream_table}, not in the corpus")


@pytest.mark.parametrize("case,text_file,block", list(_text_params()))
def test_expected_text(case, text_file, block):
    if case["id"] in CORPUS_UNREADABLE:
        pytest.skip(f"corpus copy unreadable: {CORPUS_UNREADABLE[case['id']][1]}")
    tf = parse_text_file(CONFORMANCE_DIR / text_file)
    tt = tf.tables[block]
    cdf = tf.cdf_queries
    query = queries_for(Path(text_file).name, len(tf.tables), bool(cdf))[block]
    if query.kind == "cdf":
        upstream, start, end = cdf[block]
        if case["id"].rsplit("/", 1)[-1] != upstream:
            pytest.skip(f"CDF block {block} is for upstream table {upstream}")
        actual = cli.read_changes(_table(case), start, end)
        what = f"changes {case['id']} --from-version {start}" + \
            (f" --to-version {end}" if end is not None else "")
        missing = [c for c in tt.columns if c not in actual.column_names]
        assert not missing, f"{what}: output lacks columns {missing} (has {actual.column_names})"
        # upstream projects out _commit_timestamp (file times change with git checkouts)
        actual = actual.select(tt.columns)
    else:
        table = _resolve_table(case, query.table)
        what = (f"cat {table.relative_to(CONFORMANCE_DIR)}"
                + (f" --columns {','.join(query.columns)}" if query.columns else "")
                + (f" --where \"{query.where}\"" if query.where else ""))
        if query.kind == "error":
            proc, rows = cli.cat_expect_failure(table, columns=query.columns, where=query.where)
            err = cli.parse_error(proc.stderr)
            assert proc.returncode == 1, \
                f"{what}: expected exit 1 (upstream fails this query), got {proc.returncode}; " \
                f"stderr: {proc.stderr.strip()[-300:]}"
            assert err and err.kind in query.error_kinds, \
                f"{what}: expected error kind in {query.error_kinds}, got " \
                f"{err.kind if err else 'no error line'}: {proc.stderr.strip()[-300:]}"
            assert rows is None or rows.num_rows == 0, f"{what}: failed but wrote rows"
            return
        actual = cli.read_cat(table, columns=query.columns, where=query.where)
    assert list(actual.column_names) == tt.columns, \
        f"{what}: columns {actual.column_names}, expected {tt.columns}"
    actual_rows, types = rows_for_text_compare(actual)
    expected = text_rows(tt, types)
    if query.keep is not None:
        expected = [r for r in expected if query.keep(dict(zip(tt.columns, r)))]
    d = diff_rows(actual_rows, expected)
    assert d is None, f"{what}: rows differ from {Path(text_file).name} table {block}" \
                      f"{' (' + query.note + ')' if query.note else ''}: {d}"


# ---------------------------------------------------------------- negative cases


@pytest.mark.parametrize("case", list(_case_params(lambda c: c.get("must_fail"))))
def test_must_fail(case):
    proc, rows = cli.cat_expect_failure(_table(case))
    err = cli.parse_error(proc.stderr)
    want = MUST_FAIL_KINDS.get(case["must_fail"])
    context = f"cat {case['id']} (must fail: {case['must_fail']})"
    assert proc.returncode == 1, \
        f"{context}: exit {proc.returncode}, expected 1; stderr: {proc.stderr.strip()[-300:]}"
    assert err is not None, f"{context}: no 'deltactl: error [Kind]: ...' line on stderr: " \
                            f"{proc.stderr.strip()[-300:]!r}"
    assert err.kind != "Internal", f"{context}: Internal error: {err.message}"
    if want:
        assert err.kind in want, f"{context}: error kind {err.kind} ({err.message}), " \
                                 f"expected {sorted(want)}"
    assert err.message, f"{context}: empty error message"
    assert rows is None or rows.num_rows == 0, f"{context}: wrote {rows.num_rows} rows"
    assert not proc.stdout.strip(), f"{context}: printed to stdout: {proc.stdout[:200]!r}"


# ---------------------------------------------------------------- smoke (no oracle)


def _names_a_feature(message: str, case: dict) -> bool:
    lower = message.lower()
    feats = list(case.get("readerFeatures") or []) + list(case.get("writerFeatures") or [])
    if any(f.lower() in lower for f in list(feats) + list(KNOWN_FEATURES)):
        return True
    return bool(_PROTOCOL_VERSION_WORDS.search(message))


@pytest.mark.parametrize("case", list(_case_params(
    lambda c: c["group"].startswith(SMOKE_PREFIX))))
def test_smoke(case):
    proc, rows = cli.cat_expect_failure(_table(case))
    context = f"cat {case['id']}"
    assert proc.returncode >= 0, f"{context}: crashed (signal {-proc.returncode}); " \
                                 f"stderr: {proc.stderr.strip()[-300:]}"
    if proc.returncode == 0:
        assert rows is not None, f"{context}: exit 0 but no readable Parquet output"
        return
    err = cli.parse_error(proc.stderr)
    assert proc.returncode == 1, f"{context}: exit {proc.returncode}; " \
                                 f"stderr: {proc.stderr.strip()[-300:]}"
    assert err is not None, f"{context}: exit 1 without an error line: " \
                            f"{proc.stderr.strip()[-300:]!r}"
    assert err.kind != "Internal", f"{context}: Internal error: {err.message}"
    if case.get("versions") == "none" and err.kind == "TableNotFound":
        return  # the corpus marks these folders as holding no Delta log at all
    if case["id"] in CORPUS_UNREADABLE:
        kinds, reason = CORPUS_UNREADABLE[case["id"]]
        assert err.kind in kinds, f"{context}: corpus copy unreadable ({reason}); expected " \
                                  f"a {sorted(kinds)} error, got {err.kind}: {err.message}"
        assert rows is None or rows.num_rows == 0, f"{context}: failed but wrote rows"
        return
    assert err.kind == "UnsupportedFeature", \
        f"{context}: failed with {err.kind}: {err.message}"
    assert _names_a_feature(err.message, case), \
        f"{context}: UnsupportedFeature error does not name the feature: {err.message}"
    assert rows is None or rows.num_rows == 0, f"{context}: failed but wrote rows"


# ---------------------------------------------------------------- info --json


def _protocol_pair(case: dict) -> tuple[int, int] | None:
    p = case.get("protocol")
    if not p:
        return None
    r, w = p.split("/")
    return int(r), int(w)


@pytest.mark.parametrize("case", list(_case_params(
    lambda c: not c.get("must_fail") and _protocol_pair(c) is not None,
    group="info --json")))
def test_info(case):
    context = f"info {case['id']}"
    try:
        info = cli.info_json(_table(case))
    except cli.CliFailure as e:
        if case["group"].startswith(SMOKE_PREFIX) and e.kind == "UnsupportedFeature":
            pytest.skip(f"unsupported: {e.error.message}")
        unreadable = CORPUS_UNREADABLE.get(case["id"])
        if unreadable and e.returncode == 1 and e.kind in unreadable[0] and \
                e.kind in ("CorruptLog", "MissingProtocolOrMetadata"):
            return  # the log itself is a fragment: a clean error is right for info too
        raise
    problems = []
    latest = _latest_version(case)
    if latest is not None and info.get("version") != latest:
        problems.append(f"version {info.get('version')}, expected {latest}")
    proto = info.get("protocol") or {}
    want_r, want_w = _protocol_pair(case)
    if (proto.get("minReaderVersion"), proto.get("minWriterVersion")) != (want_r, want_w):
        problems.append(f"protocol {proto.get('minReaderVersion')}/"
                        f"{proto.get('minWriterVersion')}, expected {want_r}/{want_w}")
    for key in ("readerFeatures", "writerFeatures"):
        got = set(proto.get(key) or [])
        want = set(case.get(key) or [])
        if got != want:
            problems.append(f"{key} {sorted(got)}, expected {sorted(want)}")
    if case.get("partitionColumns") is not None and \
            list(info.get("partitionColumns") or []) != list(case["partitionColumns"]):
        problems.append(f"partitionColumns {info.get('partitionColumns')}, "
                        f"expected {case['partitionColumns']}")
    conf = info.get("configuration") or {}
    want_conf = CHECKPOINT_CONFIGURATION.get(case["id"], case.get("configuration") or {})
    for k, v in want_conf.items():
        if conf.get(k) != v:
            problems.append(f"configuration[{k}] = {conf.get(k)!r}, expected {v!r}")
    assert not problems, f"{context}: " + "; ".join(problems)
