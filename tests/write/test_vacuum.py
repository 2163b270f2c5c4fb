"""`deltactl vacuum TABLE [--retain HOURS] [--dry-run] [--lite|--full] [--no-retention-check]`.

Tables are written with deltactl (an overwrite leaves remove tombstones) or copied from the
conformance corpus (deletion vectors and `_change_data` files written by Spark). File ages are
set with os.utime. The expected set of deleted files is computed here from the table's live
files (`deltactl files --json`, deletion-vector names decoded from the log) and a listing:
  exactness      exactly the unreferenced, expired files go; a dry run lists the same set with
                 sizes and deletes nothing; hidden files and _delta_log are untouched;
  retention      a retention below the table's is refused unless the check is off;
  lite vs full   an orphan never referenced goes only in full mode;
  dv / cdc       live DV files stay, dead ones and old _change_data files go;
  commits        VACUUM START / VACUUM END as Spark writes them;
  time travel    reading a vacuumed version fails naming the missing file;
  interop        delta-rs and Spark read the same rows after VACUUM; delta-rs's full dry run
                 lists the same files as ours.
"""
from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from pathlib import Path

import pytest

from helpers import deltactl as cli
from helpers.compare import assert_tables_equal

deltalake = pytest.importorskip("deltalake")
from deltalake import DeltaTable  # noqa: E402

pytestmark = [pytest.mark.group("write: vacuum"), pytest.mark.usefixtures("require_deltactl")]

OLD = time.time() - 30 * 86400
CONFORMANCE = Path(os.environ.get("DELTA_CONFORMANCE_DIR", Path(__file__).resolve().parents[3] / "shared/conformance"))
DV_TABLE = CONFORMANCE / "delta-kernel-rs-golden" / "dv-partitioned-with-checkpoint" / "delta"
Z85 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"


def z85_decode(s: str) -> bytes:
    out = bytearray()
    for i in range(0, len(s), 5):
        v = 0
        for c in s[i:i + 5]:
            v = v * 85 + Z85.index(c)
        out += v.to_bytes(4, "big")
    return bytes(out)


def dv_file(dv: dict) -> str | None:
    """The table-relative file of a 'u' deletion vector descriptor (PROTOCOL.md)."""
    if dv.get("storageType") != "u":
        return None
    s = dv["pathOrInlineDv"]
    prefix, encoded = s[:-20], s[-20:]
    name = f"deletion_vector_{uuid.UUID(bytes=z85_decode(encoded))}.bin"
    return f"{prefix}/{name}" if prefix else name


def live_files(table: Path) -> set[str]:
    """Live data files and their DV files, replaying the commit files (newest action wins)."""
    state: dict[tuple, dict | None] = {}
    commits = sorted(p for p in (table / "_delta_log").glob("*.json") if p.stem.isdigit())
    for c in commits:
        for line in c.read_text().splitlines():
            a = json.loads(line)
            for kind in ("add", "remove"):
                if kind in a:
                    dv = a[kind].get("deletionVector")
                    key = (a[kind]["path"], json.dumps(dv, sort_keys=True) if dv else None)
                    state[key] = a[kind] if kind == "add" else None
    out = set()
    for add in state.values():
        if add:
            out.add(add["path"])
            if add.get("deletionVector") and dv_file(add["deletionVector"]):
                out.add(dv_file(add["deletionVector"]))
    return out


def listing(table: Path) -> dict[str, int]:
    return {str(p.relative_to(table)): p.stat().st_size for p in table.rglob("*") if p.is_file()}


def hidden(rel: str) -> bool:
    return any(part.startswith((".", "_")) and not part.startswith("_change_data") for part in rel.split("/"))


def age(table: Path, when: float = OLD) -> None:
    for p in table.rglob("*"):
        if "_delta_log" not in p.parts:
            os.utime(p, (when, when))


def vacuum(table: Path, *args) -> dict:
    proc = cli.check_ok(cli.run_deltactl(["vacuum", table, *args, "--json"]))
    return json.loads(proc.stdout)


def vacuum_error(table: Path, *args) -> cli.CliError:
    proc = cli.run_deltactl(["vacuum", table, *args])
    assert proc.returncode == 1, proc.stderr
    return cli.parse_error(proc.stderr)


def write_csv(path: Path, rows: list[tuple]) -> Path:
    path.write_text("id,p\n" + "".join(f"{i},{p}\n" for i, p in rows))
    return path


@pytest.fixture
def table(tmp_path) -> Path:
    """Partitioned table: v0 writes p=a,p=b; v1 overwrites (removing both); v2 appends; plus an
    orphan, hidden files, and every file 30 days old except a fresh orphan."""
    t = tmp_path / "t"
    cli.check_ok(cli.run_deltactl(["write", t, "--input", write_csv(tmp_path / "0.csv", [(1, "a"), (2, "b")]),
                                   "--partition-by", "p"]))
    cli.check_ok(cli.run_deltactl(["write", t, "--input", write_csv(tmp_path / "1.csv", [(3, "a"), (4, "c")]),
                                   "--mode", "overwrite", "--partition-by", "p"]))
    cli.check_ok(cli.run_deltactl(["write", t, "--input", write_csv(tmp_path / "2.csv", [(5, "c")]),
                                   "--partition-by", "p"]))
    (t / "orphan.parquet").write_bytes(b"x" * 10)
    (t / "p=zz").mkdir()
    (t / "p=zz" / "orphan.parquet").write_bytes(b"y" * 20)
    (t / ".hidden").mkdir()
    (t / ".hidden" / "keep.parquet").write_bytes(b"h")
    (t / "_tmp").mkdir()
    (t / "_tmp" / "keep.parquet").write_bytes(b"h")
    (t / "p=a" / ".keep.crc").write_bytes(b"c")
    (t / "p=a" / "_SUCCESS").write_bytes(b"")
    (t / "_change_data").mkdir()  # CDC files are never in the table state: they go by age
    (t / "_change_data" / "cdc-00000-old.c000.snappy.parquet").write_bytes(b"d" * 40)
    age(t)
    for fresh in (t / "fresh-orphan.parquet", t / "_change_data" / "fresh-cdc.c000.snappy.parquet"):
        fresh.write_bytes(b"f" * 30)
        os.utime(fresh, (time.time() + 3600, time.time() + 3600))  # newer than any horizon
    return t


def expected_deletions(t: Path) -> dict[str, int]:
    live = live_files(t)
    return {rel: size for rel, size in listing(t).items()
            if rel not in live and not hidden(rel) and not rel.split("/")[-1].startswith("fresh-")}


def test_dry_run_lists_exactly_the_unreferenced_expired_files_and_deletes_nothing(table):
    before = listing(table)
    expected = expected_deletions(table)
    assert "orphan.parquet" in expected and "p=zz/orphan.parquet" in expected
    assert "_change_data/cdc-00000-old.c000.snappy.parquet" in expected
    m = vacuum(table, "--retain", "0", "--no-retention-check", "--dry-run")
    assert {f["path"]: f["size"] for f in m["files"]} == expected
    assert m["numFilesToDelete"] == len(expected)
    assert m["sizeOfDataToDelete"] == sum(expected.values())
    assert m["startVersion"] == -1 and m["endVersion"] == -1
    assert listing(table) == before
    # The human form lists the same files with sizes and a total.
    proc = cli.check_ok(cli.run_deltactl(["vacuum", table, "--retain", "0", "--no-retention-check", "--dry-run"]))
    lines = proc.stdout.splitlines()
    assert {line.split("\t")[1]: int(line.split("\t")[0]) for line in lines[:-1]} == expected
    assert f"{len(expected)} files ({sum(expected.values())} bytes)" in lines[-1]


def test_vacuum_deletes_exactly_those_and_keeps_hidden_files_and_the_log(table):
    rows = cli.read_cat(table)
    before = listing(table)
    expected = expected_deletions(table)
    log_before = {k: v for k, v in before.items() if k.startswith("_delta_log/")}
    m = vacuum(table, "--retain", "0", "--no-retention-check")
    after = listing(table)
    assert set(before) - set(after) == set(expected)
    assert m["numDeletedFiles"] == len(expected)
    for rel in ("fresh-orphan.parquet", "_change_data/fresh-cdc.c000.snappy.parquet", ".hidden/keep.parquet", "_tmp/keep.parquet", "p=a/.keep.crc",
                "p=a/_SUCCESS"):
        assert rel in after
    for k, v in log_before.items():
        assert after[k] == v
    assert not (table / "p=zz").exists()  # emptied partition directory removed
    assert (table / "p=a").exists()
    assert_tables_equal(cli.read_cat(table), rows)
    assert_tables_equal(DeltaTable(str(table)).to_pyarrow_table().select(rows.column_names), rows)
    # Nothing left to do.
    assert vacuum(table, "--retain", "0", "--no-retention-check", "--dry-run")["files"] == []


def test_default_retention_keeps_fresh_tombstones(table):
    m = vacuum(table, "--dry-run")
    # The overwrite's tombstones are younger than 7 days: only never-referenced old files go.
    assert {f["path"] for f in m["files"]} == {"orphan.parquet", "p=zz/orphan.parquet",
                                               "_change_data/cdc-00000-old.c000.snappy.parquet"}
    assert m["retentionMillis"] == 7 * 86400 * 1000


def test_retention_below_the_tables_is_refused_unless_the_check_is_off(table):
    err = vacuum_error(table, "--retain", "1")
    assert err.kind == "InvalidArgument"
    assert "Are you sure you would like to vacuum files with such a low retention period?" in err.message
    assert '"168 hours"' in err.message
    cli.check_ok(cli.run_deltactl(["alter", table, "set-properties",
                                   "delta.deletedFileRetentionDuration=interval 2 hours"]))
    assert vacuum(table, "--retain", "2", "--dry-run")["defaultRetentionMillis"] == 2 * 3600 * 1000
    err = vacuum_error(table, "--retain", "1")
    assert err.kind == "InvalidArgument" and '"2 hours"' in err.message
    assert vacuum_error(table, "--retain", "-1", "--no-retention-check").kind == "InvalidArgument"
    assert vacuum(table, "--retain", "1", "--no-retention-check", "--dry-run")["retentionMillis"] == 3600 * 1000


def test_lite_uses_the_log_only_and_never_finds_orphans(table):
    expected = expected_deletions(table)
    m = vacuum(table, "--retain", "0", "--no-retention-check", "--lite")
    deleted = {f["path"] for f in m["files"]}
    never_referenced = {"orphan.parquet", "p=zz/orphan.parquet", "_change_data/cdc-00000-old.c000.snappy.parquet"}
    assert deleted == set(expected) - never_referenced
    assert all((table / p).exists() for p in never_referenced)
    m = vacuum(table, "--retain", "0", "--no-retention-check", "--full")
    assert {f["path"] for f in m["files"]} == never_referenced


def test_vacuum_commits_start_and_end_as_spark(table):
    m = vacuum(table, "--retain", "0", "--no-retention-check")
    assert (m["startVersion"], m["endVersion"]) == (3, 4)
    end, start = cli.history_json(table, limit=2)
    assert start["operation"] == "VACUUM START" and end["operation"] == "VACUUM END"
    assert start["operationParameters"] == {"retentionCheckEnabled": "false", "defaultRetentionMillis": "604800000",
                                            "specifiedRetentionMillis": "0"}
    assert start["operationMetrics"] == {"numFilesToDelete": str(m["numFilesToDelete"]),
                                         "sizeOfDataToDelete": str(m["sizeOfDataToDelete"])}
    assert end["operationParameters"] == {"status": "COMPLETED"}
    assert end["operationMetrics"]["numDeletedFiles"] == str(m["numDeletedFiles"])
    assert int(end["operationMetrics"]["numVacuumedDirectories"]) >= 3
    assert start["readVersion"] == 2 and end["readVersion"] == 3
    for c in (3, 4):  # commitInfo only
        lines = (table / "_delta_log" / f"{c:020d}.json").read_text().splitlines()
        assert [list(json.loads(x)) for x in lines] == [["commitInfo"]]
    # Without --retain, no specifiedRetentionMillis (Spark omits it).
    vacuum(table)
    assert cli.history_json(table, limit=2)[1]["operationParameters"] == {
        "retentionCheckEnabled": "true", "defaultRetentionMillis": "604800000"}


def test_time_travel_to_a_vacuumed_version_fails_naming_the_file(table):
    removed = {f["path"] for f in cli.files_json(table, version=0)}
    vacuum(table, "--retain", "0", "--no-retention-check")
    proc = cli.run_deltactl(["cat", table, "--version", "0"])
    assert proc.returncode == 1
    err = cli.parse_error(proc.stderr)
    assert err.kind == "IoError"
    assert any(p in err.message for p in removed)
    assert "VACUUM" in err.message and "version 0" in err.message


def test_deltars_full_dry_run_lists_the_same_files(table):
    ours = {f["path"] for f in vacuum(table, "--retain", "0", "--no-retention-check", "--dry-run")["files"]}
    theirs = set(DeltaTable(str(table)).vacuum(retention_hours=0, enforce_retention_duration=False,
                                               dry_run=True, full=True))
    # delta-rs 1.x checks only a path's first component for hiddenness, so it would also delete
    # hidden files inside partition directories; Spark (and we) keep them.
    assert theirs - ours == {"p=a/_SUCCESS", "p=a/.keep.crc"}
    assert ours <= theirs


@pytest.fixture
def dv_table(tmp_path) -> Path:
    t = tmp_path / "dv"
    shutil.copytree(DV_TABLE, t)
    age(t)
    return t


@pytest.mark.skipif(not DV_TABLE.exists(), reason=f"conformance corpus not found at {CONFORMANCE} "
                                                  "(set DELTA_CONFORMANCE_DIR)")
def test_live_deletion_vectors_stay_and_dead_ones_go(dv_table):
    rows = cli.read_cat(dv_table)
    live = live_files(dv_table)
    live_dvs = {p for p in live if "deletion_vector_" in p}
    assert live_dvs, "the corpus table must have live files with DVs"
    expected = expected_deletions(dv_table)
    assert any("deletion_vector_" in k for k in expected), "and dead DV files"
    m = vacuum(dv_table, "--retain", "0", "--no-retention-check", "--dry-run")
    assert {f["path"]: f["size"] for f in m["files"]} == expected
    # delta-rs's full dry run also lists live files' DV files (it ignores DV descriptors, so a
    # real run would break the table) and hidden .crc files inside partition directories (see
    # above); apart from those it agrees.
    theirs = set(DeltaTable(str(dv_table)).vacuum(retention_hours=0, enforce_retention_duration=False,
                                                  dry_run=True, full=True))
    assert any(hidden(p) for p in theirs)
    theirs = {p for p in theirs if not hidden(p)}
    assert theirs - set(expected) == live_dvs
    assert set(expected) <= theirs
    # Lite finds the removed files and their DV files from the log (checkpoint and commits).
    lite = {f["path"] for f in vacuum(dv_table, "--retain", "0", "--no-retention-check", "--lite",
                                      "--dry-run")["files"]}
    assert lite and lite <= set(expected)
    vacuum(dv_table, "--retain", "0", "--no-retention-check")
    after = listing(dv_table)
    assert live <= set(after)
    assert not set(expected) & set(after)
    assert_tables_equal(cli.read_cat(dv_table), rows)  # delta-rs cannot read DV tables; Spark: below


@pytest.mark.spark_smoke
def test_spark_reads_its_dv_and_cdf_table_after_vacuum(spark, tmp_path):
    """Spark writes a partitioned table with deletion vectors and change data feed (DELETEs
    leave DV files, an UPDATE leaves _change_data files, a second DELETE makes a DV file dead);
    after VACUUM, Spark reads the same rows as before, and deltactl too."""
    from helpers.spark import spark_read
    t = tmp_path / "spark_dv"
    spark.sql(f"CREATE TABLE delta.`{t}` (id INT, p STRING) USING delta PARTITIONED BY (p) "
              "TBLPROPERTIES ('delta.enableDeletionVectors'='true', 'delta.enableChangeDataFeed'='true')")
    spark.sql(f"INSERT INTO delta.`{t}` SELECT id, CAST(id % 2 AS STRING) FROM range(40)")
    spark.sql(f"DELETE FROM delta.`{t}` WHERE id % 3 = 0")
    spark.sql(f"UPDATE delta.`{t}` SET id = id + 100 WHERE id = 1")
    spark.sql(f"DELETE FROM delta.`{t}` WHERE id % 5 = 0")
    age(t)
    rows = spark_read(spark, str(t))
    expected = expected_deletions(t)
    assert any(k.startswith("_change_data/") for k in expected)
    m = vacuum(t, "--retain", "0", "--no-retention-check")
    assert {f["path"] for f in m["files"]} == set(expected)
    assert live_files(t) <= set(listing(t))
    assert_tables_equal(spark_read(spark, str(t)), rows)
    assert_tables_equal(cli.read_cat(t).select(rows.column_names), rows)


def test_vacuum_never_conflicts_with_concurrent_appends(table, tmp_path):
    import concurrent.futures as cf
    rows_before = cli.read_cat(table).num_rows
    inputs = [write_csv(tmp_path / f"c{i}.csv", [(100 + i, "c")]) for i in range(6)]
    with cf.ThreadPoolExecutor(max_workers=4) as pool:
        appends = [pool.submit(cli.run_deltactl, ["write", table, "--input", p, "--partition-by", "p"])
                   for p in inputs]
        vacuums = [pool.submit(cli.run_deltactl, ["vacuum", table, "--json"]) for _ in range(2)]
        for f in appends + vacuums:
            cli.check_ok(f.result())
    assert cli.read_cat(table).num_rows == rows_before + len(inputs)
    ops = [c["operation"] for c in cli.history_json(table)]
    assert ops.count("VACUUM START") == 2 and ops.count("VACUUM END") == 2 and ops.count("WRITE") == 3 + 6
    assert not (table / "orphan.parquet").exists()


def test_escaped_partition_directories_are_matched_to_their_log_paths(tmp_path):
    t = tmp_path / "esc"
    (tmp_path / "e.csv").write_text("id,p\n1,a b:c%d\n2,x/y\n3,\n")
    cli.check_ok(cli.run_deltactl(["write", t, "--input", tmp_path / "e.csv", "--partition-by", "p"]))
    age(t)
    for mode in ("--full", "--lite"):
        assert vacuum(t, "--retain", "0", "--no-retention-check", mode)["files"] == []
    assert cli.read_cat(t).num_rows == 3
