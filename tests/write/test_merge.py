"""MERGE (`deltactl merge`): exact rows against a Python model of the clauses (update, delete,
insert, not matched by source, NULL keys), the cardinality error, delta-rs reading the result,
and (slow) a seeded differential test against Spark SQL's MERGE INTO: random tables and
merges with every clause kind, NULL and duplicate keys, partitioned or not, deletion vectors
and change data feed on or off; identical final rows, identical errors, identical
table_changes.
"""
from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pyarrow as pa
import pytest

from helpers import deltactl as cli
from helpers.compare import canonical_rows as _canonical_rows
from helpers.writing import create, expect_error, write, write_input

pytestmark = [pytest.mark.group("write: merge"), pytest.mark.usefixtures("require_deltactl")]

SCHEMA = "id BIGINT, p STRING, v BIGINT, s STRING"
COLS = ["id", "p", "v", "s"]
ROW_SCHEMA = pa.schema([("id", pa.int64()), ("p", pa.string()), ("v", pa.int64()), ("s", pa.string())])


def canonical_rows(table: pa.Table) -> list[tuple]:
    return sorted(_canonical_rows(table), key=lambda r: tuple((v is not None, v) for v in r))


def to_table(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=ROW_SCHEMA)


def rows_of(path: Path) -> list[tuple]:
    return canonical_rows(cli.read_cat(path).select(COLS))


def make_table(path: Path, scratch: Path, rows: list[dict], *, partitioned=False, dv=False, cdf=False):
    props = {}
    if dv:
        props["delta.enableDeletionVectors"] = "true"
    if cdf:
        props["delta.enableChangeDataFeed"] = "true"
    create(path, SCHEMA, partition_by=["p"] if partitioned else [], properties=props)
    half = len(rows) // 2
    write(path, to_table(rows[:half]), scratch)
    write(path, to_table(rows[half:]), scratch)


def merge(path: Path, source: Path, whens: list[str], *extra) -> dict:
    args = ["merge", str(path), "--source", str(source), "--on", "t.id = s.id", "--target-alias", "t",
            "--source-alias", "s"]
    for w in whens:
        args += ["--when", w]
    proc = cli.check_ok(cli.run_deltactl(args + list(extra) + ["--json"]))
    return json.loads(proc.stdout)


def test_merge_every_clause_kind_exact_rows(tmp_path):
    target = [{"id": i, "p": "ab"[i % 2], "v": i * 10, "s": f"t{i}"} for i in range(10)]
    target.append({"id": None, "p": "a", "v": 0, "s": "null-key"})
    source = [{"id": i, "p": "ab"[i % 2], "v": i, "s": f"s{i}"} for i in range(5, 15)]
    source.append({"id": None, "p": "b", "v": 99, "s": "null-src"})
    path = tmp_path / "t"
    make_table(path, tmp_path, target, partitioned=True)
    src = write_input(to_table(source), tmp_path / "src")
    whens = ["WHEN MATCHED AND s.v = 5 THEN DELETE",
             "WHEN MATCHED THEN UPDATE SET v = t.v + s.v, s = s.s",
             "WHEN NOT MATCHED AND s.v > 12 THEN INSERT (id, p, v) VALUES (s.id, s.p, -1)",
             "WHEN NOT MATCHED THEN INSERT *",
             "WHEN NOT MATCHED BY SOURCE AND t.id < 2 THEN DELETE",
             "WHEN NOT MATCHED BY SOURCE THEN UPDATE SET s = 'orphan'"]
    out = merge(path, src, whens)
    # the model
    by_id = {r["id"]: r for r in source if r["id"] is not None}
    expected, matched_src = [], set()
    n = {"upd": 0, "del": 0, "ins": 0, "nmbs_upd": 0, "nmbs_del": 0}
    for t in target:
        s = by_id.get(t["id"]) if t["id"] is not None else None
        if s is not None:
            matched_src.add(s["id"])
            if s["v"] == 5:
                n["del"] += 1
                continue
            n["upd"] += 1
            expected.append({**t, "v": t["v"] + s["v"], "s": s["s"]})
        elif t["id"] is not None and t["id"] < 2:
            n["nmbs_del"] += 1
        else:
            n["nmbs_upd"] += 1
            expected.append({**t, "s": "orphan"})
    for s in source:
        if s["id"] in matched_src:
            continue
        n["ins"] += 1
        expected.append({**s, "s": None, "v": -1} if s["v"] > 12 else dict(s))
    assert rows_of(path) == canonical_rows(to_table(expected))
    assert out["committed"]
    assert out["numSourceRows"] == len(source)
    assert out["numTargetRowsMatchedUpdated"] == n["upd"]
    assert out["numTargetRowsMatchedDeleted"] == n["del"]
    assert out["numTargetRowsNotMatchedBySourceUpdated"] == n["nmbs_upd"]
    assert out["numTargetRowsNotMatchedBySourceDeleted"] == n["nmbs_del"]
    assert out["numTargetRowsInserted"] == n["ins"]
    # the commit as Spark writes it
    commit = [json.loads(line) for line in
              (path / "_delta_log" / f"{out['version']:020d}.json").read_text().splitlines()]
    info = next(a["commitInfo"] for a in commit if "commitInfo" in a)
    assert info["operation"] == "MERGE"
    assert json.loads(info["operationParameters"]["matchedPredicates"]) == [
        {"predicate": "s.v = 5", "actionType": "delete"}, {"actionType": "update"}]
    assert info["operationMetrics"]["numTargetRowsInserted"] == str(n["ins"])


def test_merge_duplicate_source_matches_fail_with_cardinality_error(tmp_path):
    path = tmp_path / "t"
    make_table(path, tmp_path, [{"id": 1, "p": "a", "v": 1, "s": "x"}, {"id": 2, "p": "a", "v": 2, "s": "y"}])
    src = write_input(to_table([{"id": 1, "p": "a", "v": 5, "s": "u"}, {"id": 1, "p": "a", "v": 6, "s": "w"}]),
                      tmp_path / "src")
    before = rows_of(path)
    expect_error(["merge", str(path), "--source", str(src), "--on", "target.id = source.id",
                  "--when", "WHEN MATCHED THEN UPDATE SET *"], "MergeCardinalityViolation", "several source rows matched")
    assert rows_of(path) == before
    # insert-only: duplicates are fine
    out = merge(path, src, ["WHEN NOT MATCHED THEN INSERT *"])
    assert not out["committed"] and rows_of(path) == before


def test_merge_bad_clause_is_parse_error(tmp_path):
    path = tmp_path / "t"
    make_table(path, tmp_path, [{"id": 1, "p": "a", "v": 1, "s": "x"}, {"id": 2, "p": "a", "v": 2, "s": "y"}])
    src = write_input(to_table([{"id": 1, "p": "a", "v": 5, "s": "u"}]), tmp_path / "src")
    expect_error(["merge", str(path), "--source", str(src), "--on", "target.id = source.id",
                  "--when", "WHEN MATCHED THEN UPSERT"], "ParseError", "--when")


def test_merge_schema_and_deletion_vectors(tmp_path):
    path = tmp_path / "t"
    make_table(path, tmp_path, [{"id": i, "p": "a", "v": i, "s": None} for i in range(6)], dv=True)
    src_rows = pa.table({"id": pa.array([4, 5, 6], pa.int64()), "p": ["a", "a", "b"], "v": pa.array([40, 50, 60], pa.int64()),
                         "s": ["x", "y", "z"], "extra": pa.array([1.5, 2.5, 3.5])})
    src = write_input(src_rows, tmp_path / "src")
    out = merge(path, src, ["WHEN MATCHED THEN UPDATE SET *", "WHEN NOT MATCHED THEN INSERT *"], "--merge-schema")
    assert out["numTargetDeletionVectorsAdded"] == 1 and out["numTargetFilesRemoved"] == 0
    got = cli.read_cat(path)
    assert got.schema.names == COLS + ["extra"]
    rows = sorted(got.to_pylist(), key=lambda r: r["id"])
    assert [(r["id"], r["v"], r["s"], r["extra"]) for r in rows] == [
        (0, 0, None, None), (1, 1, None, None), (2, 2, None, None), (3, 3, None, None),
        (4, 40, "x", 1.5), (5, 50, "y", 2.5), (6, 60, "z", 3.5)]


def test_merge_rewrite_of_multi_batch_files_keeps_every_row(tmp_path):
    """Files of 200,000 rows are read in several batches and processed in parallel; a file whose
    first change comes in a later batch has its earlier rows copied on a second read, rows its
    deletion vector deleted stay deleted, a file without a source key is left alone."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    path = tmp_path / "t"
    create(path, SCHEMA, properties={"delta.enableDeletionVectors": "true"})
    n = 200_000
    for k in range(3):
        ids = pa.array(range(k * n, (k + 1) * n), pa.int64())
        write(path, pa.table({"id": ids, "p": pa.array(["a"] * n), "v": ids,
                              "s": pc.cast(pc.remainder(ids, 7), pa.string())}, schema=ROW_SCHEMA), tmp_path)
    # rows 10..19 of the first file deleted through a deletion vector
    cli.check_ok(cli.run_deltactl(["delete", str(path), "--where", "id >= 10 AND id < 20", "--dv"]))
    updates = [190_000, 200_001]  # late in file 0 (4th batch), early in file 1; none in file 2
    src = write_input(to_table([{"id": i, "p": "a", "v": -1, "s": "new"} for i in updates + [900_000]]),
                      tmp_path / "src")
    out = merge(path, src, ["WHEN MATCHED THEN UPDATE SET *", "WHEN NOT MATCHED THEN INSERT *"],
                "--no-deletion-vectors")
    assert out["numTargetFilesRemoved"] == 2
    assert out["numTargetRowsUpdated"] == 2 and out["numTargetRowsInserted"] == 1
    assert out["numTargetRowsCopied"] == 2 * n - 10 - 2

    got = cli.read_cat(path).select(COLS).sort_by("id")
    ids = [i for i in range(3 * n) if not 10 <= i < 20] + [900_000]
    changed = set(updates) | {900_000}
    expected = pa.table({"id": pa.array(ids, pa.int64()), "p": ["a"] * len(ids),
                         "v": pa.array([-1 if i in changed else i for i in ids], pa.int64()),
                         "s": ["new" if i in changed else str(i % 7) for i in ids]}, schema=ROW_SCHEMA)
    assert got.equals(expected)

    # The rewritten rows' unique columns were written without a dictionary (theirs overflowed
    # in the files read); the low-cardinality string column kept its dictionary.
    log = sorted((path / "_delta_log").glob("*.json"))[-1].read_text().splitlines()
    added = [json.loads(l)["add"]["path"] for l in log if '"add"' in l]
    biggest = max((pq.ParquetFile(path / a).metadata for a in added), key=lambda m: m.num_rows)
    chunks = {biggest.row_group(0).column(i).path_in_schema: biggest.row_group(0).column(i)
              for i in range(biggest.num_columns)}
    assert not chunks["id"].has_dictionary_page and not chunks["v"].has_dictionary_page
    assert chunks["s"].has_dictionary_page


def test_merge_parquet_source_of_several_row_groups(tmp_path):
    """A Parquet source is read one row group per batch: row groups of different sizes (one
    with a NULL key, one empty of matches) all arrive, each source row exactly once."""
    import pyarrow.parquet as pq

    path = tmp_path / "t"
    make_table(path, tmp_path, [{"id": i, "p": "a", "v": i, "s": "old"} for i in range(1000)])
    src_rows = ([{"id": i, "p": "a", "v": -i, "s": "upd"} for i in range(0, 300, 3)]        # 100 updates
                + [{"id": None, "p": "a", "v": 7, "s": "null key"}]                         # never matches
                + [{"id": 5000 + i, "p": "b", "v": i, "s": "ins"} for i in range(250)])     # 250 inserts
    src = tmp_path / "src.parquet"
    pq.write_table(to_table(src_rows), src, row_group_size=64)  # 6 row groups, the last of 31 rows
    assert pq.ParquetFile(src).metadata.num_row_groups == 6
    out = merge(path, src, ["WHEN MATCHED THEN UPDATE SET *", "WHEN NOT MATCHED THEN INSERT *"])
    assert out["numSourceRows"] == 351
    assert out["numTargetRowsUpdated"] == 100 and out["numTargetRowsInserted"] == 251
    updated = set(range(0, 300, 3))
    expected = ([(i, "a", -i if i in updated else i, "upd" if i in updated else "old") for i in range(1000)]
                + [(None, "a", 7, "null key")] + [(5000 + i, "b", i, "ins") for i in range(250)])
    assert rows_of(path) == canonical_rows(pa.Table.from_pylist(
        [dict(zip(COLS, r)) for r in expected], schema=ROW_SCHEMA))


def test_deltars_reads_merge_result(tmp_path):
    deltalake = pytest.importorskip("deltalake")
    path = tmp_path / "t"
    make_table(path, tmp_path, [{"id": i, "p": "ab"[i % 2], "v": i, "s": None} for i in range(20)], cdf=True)
    src = write_input(to_table([{"id": i, "p": "a", "v": -i, "s": "new"} for i in range(15, 25)]), tmp_path / "src")
    merge(path, src, ["WHEN MATCHED THEN UPDATE SET *", "WHEN NOT MATCHED THEN INSERT *"])
    got = canonical_rows(deltalake.DeltaTable(str(path)).to_pyarrow_table().select(COLS))
    assert got == rows_of(path)
    assert len(got) == 25


# ------------------------------------------------------------------ Spark differential

def _collect(df, schema: pa.Schema) -> list[tuple]:
    return canonical_rows(pa.Table.from_pylist([r.asDict() for r in df.collect()], schema=schema))


def _last_commit_info(path: Path) -> dict:
    last = sorted((path / "_delta_log").glob("*.json"))[-1]
    return next(json.loads(line)["commitInfo"] for line in last.read_text().splitlines()
                if line.strip() and "commitInfo" in json.loads(line))


def _random_rows(rng: random.Random, n: int, key_range: int, null_rate: float) -> list[dict]:
    return [{"id": None if rng.random() < null_rate else rng.randrange(key_range), "p": rng.choice("abc"),
             "v": None if rng.random() < 0.1 else rng.randrange(50),
             "s": None if rng.random() < 0.1 else f"s{rng.randrange(5)}"} for _ in range(n)]


def _random_clauses(rng: random.Random) -> list[str]:
    """Up to two clauses of each kind; as Spark requires, only the last of a kind may be
    unconditional."""
    kinds = [
        ("WHEN MATCHED", [" AND s.v > 20", " AND t.v < 25", " AND s.s = 's1'", " AND t.v IS NULL"],
         ["UPDATE SET v = t.v + 1000, s = s.s", "DELETE", "UPDATE SET *"]),
        ("WHEN NOT MATCHED", [" AND s.v > 20", " AND s.s IS NULL"],
         ["INSERT *", "INSERT (id, p, v) VALUES (s.id, s.p, s.v * 2)"]),
        ("WHEN NOT MATCHED BY SOURCE", [" AND t.v > 30", " AND t.p = 'a'"],
         ["DELETE", "UPDATE SET s = 'gone'"]),
    ]
    out = []
    for head, conds, actions in kinds:
        k = rng.randint(0, 2)
        for i in range(k):
            last = i == k - 1
            cond = rng.choice(conds + ([""] if last else []))
            out.append(f"{head}{cond} THEN {rng.choice(actions)}")
    return out or ["WHEN MATCHED THEN DELETE"]


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4))
def test_differential_against_spark_merge(spark, tmp_path, seed):
    rng = random.Random(20261122 + seed)
    partitioned, dv, cdf = seed % 2 == 1, seed in (1, 2), seed >= 2
    ours = tmp_path / "ours"
    make_table(ours, tmp_path, _random_rows(rng, 60, 40, 0.05), partitioned=partitioned, dv=dv, cdf=cdf)
    theirs = tmp_path / "theirs"
    shutil.copytree(ours, theirs)
    for step in range(4):
        source_rows = _random_rows(rng, 25, 50, 0.08)
        if step % 2 == 0:  # unique non-null keys: no cardinality error
            seen = set()
            source_rows = [r for r in source_rows if r["id"] is None or not (r["id"] in seen or seen.add(r["id"]))]
        src = write_input(to_table(source_rows), tmp_path / f"src{step}")
        whens = _random_clauses(rng)
        args = ["merge", str(ours), "--source", str(src), "--on", "t.id = s.id", "--target-alias", "t",
                "--source-alias", "s"]
        for w in whens:
            args += ["--when", w]
        proc = cli.run_deltactl(args + ["--json"])
        spark.read.parquet(str(src)).createOrReplaceTempView("merge_src")
        spark_error = None
        try:
            spark.sql(f"MERGE INTO delta.`{theirs}` t USING merge_src s ON t.id = s.id {' '.join(whens)}")
        except Exception as e:  # noqa: BLE001 - compared below
            spark_error = str(e)
        if spark_error is not None:
            assert proc.returncode == 1, f"Spark failed, we did not: {whens} {spark_error[:600]}"
            assert "MULTIPLE_SOURCE_ROW" in spark_error, spark_error[:500]
            assert cli.parse_error(proc.stderr).kind == "MergeCardinalityViolation"
            continue
        assert proc.returncode == 0, (whens, proc.stderr)
        assert rows_of(ours) == _collect(spark.read.format("delta").load(str(theirs)).select(*COLS), ROW_SCHEMA), whens
        out = json.loads(proc.stdout)
        if out["committed"]:
            # the commitInfo as Spark writes it: the same metric names and parameters
            mine_info, their_info = _last_commit_info(ours), _last_commit_info(theirs)
            assert set(mine_info["operationMetrics"]) == set(their_info["operationMetrics"]), \
                set(mine_info["operationMetrics"]) ^ set(their_info["operationMetrics"])
            for key in ["numSourceRows", "numTargetRowsInserted", "numTargetRowsUpdated", "numTargetRowsDeleted",
                        "numTargetRowsMatchedUpdated", "numTargetRowsMatchedDeleted",
                        "numTargetRowsNotMatchedBySourceUpdated", "numTargetRowsNotMatchedBySourceDeleted"]:
                assert mine_info["operationMetrics"][key] == their_info["operationMetrics"][key], (key, whens)
            assert set(mine_info["operationParameters"]) == set(their_info["operationParameters"])
            assert len(json.loads(mine_info["operationParameters"]["predicate"])) == 1  # Spark: ["<cond>"]
            assert len(json.loads(their_info["operationParameters"]["predicate"])) == 1
            for key in ["matchedPredicates", "notMatchedPredicates", "notMatchedBySourcePredicates"]:
                actions = [c["actionType"] for c in json.loads(mine_info["operationParameters"][key])]
                assert actions == [c["actionType"] for c in json.loads(their_info["operationParameters"][key])]
        if cdf and out["committed"]:
            cols = COLS + ["_change_type"]
            v_ours = out["version"]
            v_theirs = spark.sql(f"DESCRIBE HISTORY delta.`{theirs}` LIMIT 1").collect()[0]["version"]
            mine = canonical_rows(cli.read_changes(ours, v_ours).select(cols))
            schema = ROW_SCHEMA.append(pa.field("_change_type", pa.string()))
            spark_changes = _collect(spark.sql(
                f"SELECT {', '.join(cols)} FROM table_changes_by_path('{theirs}', {v_theirs}, {v_theirs})"), schema)
            assert mine == spark_changes, whens
    # Spark reads our table
    assert _collect(spark.read.format("delta").load(str(ours)).select(*COLS), ROW_SCHEMA) == rows_of(ours)


def _deltars_merge(path: Path, source: pa.Table, whens: list[str]) -> dict:
    """Runs the clauses `_random_clauses` writes through delta-rs's TableMerger."""
    import deltalake
    m = deltalake.DeltaTable(str(path)).merge(source, "t.id = s.id", source_alias="s", target_alias="t")
    heads = [("WHEN NOT MATCHED BY SOURCE", "nmbs"), ("WHEN NOT MATCHED", "nm"), ("WHEN MATCHED", "m")]
    for w in whens:
        head, kind = next((h, k) for h, k in heads if w.startswith(h))
        rest = w[len(head):]
        cond, action = rest.split(" THEN ", 1)
        pred = cond.strip()[len("AND "):] if cond.strip() else None
        if action == "DELETE":
            m = m.when_matched_delete(pred) if kind == "m" else m.when_not_matched_by_source_delete(pred)
        elif action == "UPDATE SET *":
            m = m.when_matched_update_all(pred)
        elif action.startswith("UPDATE SET "):
            sets = dict(a.strip().split(" = ", 1) for a in action[len("UPDATE SET "):].split(", "))
            m = (m.when_matched_update(sets, pred) if kind == "m" else m.when_not_matched_by_source_update(sets, pred))
        elif action == "INSERT *":
            m = m.when_not_matched_insert_all(pred)
        else:  # INSERT (cols) VALUES (exprs)
            cols = action[action.index("(") + 1:action.index(")")].split(", ")
            vals = action[action.index("VALUES (") + len("VALUES ("):-1].split(", ")
            m = m.when_not_matched_insert(dict(zip(cols, vals)), pred)
    return m.execute()


@pytest.mark.parametrize("seed", range(6))
def test_differential_against_deltars_merge(tmp_path, seed):
    """delta-rs as a second oracle: the same random merges (every clause kind, NULL keys,
    partitioned or not, change data feed on or off; unique source keys, since delta-rs does not
    implement Spark's cardinality check, and no deletion vectors, which delta-rs cannot write)
    give identical rows and row counts."""
    pytest.importorskip("deltalake")
    rng = random.Random(7_000 + seed)
    partitioned, cdf = seed % 2 == 1, seed % 3 == 2
    ours = tmp_path / "ours"
    make_table(ours, tmp_path, _random_rows(rng, 60, 40, 0.05), partitioned=partitioned, cdf=cdf)
    theirs = tmp_path / "theirs"
    shutil.copytree(ours, theirs)
    for step in range(4):
        seen = set()
        source_rows = [r for r in _random_rows(rng, 25, 50, 0.08)
                       if r["id"] is None or not (r["id"] in seen or seen.add(r["id"]))]
        source = to_table(source_rows)
        src = write_input(source, tmp_path / f"src{step}")
        whens = _random_clauses(rng)
        out = merge(ours, src, whens)
        theirs_metrics = _deltars_merge(theirs, source, whens)
        assert rows_of(ours) == rows_of(theirs), (step, whens)
        if out["committed"]:
            for mine, their in [("numTargetRowsInserted", "num_target_rows_inserted"),
                                ("numTargetRowsUpdated", "num_target_rows_updated"),
                                ("numTargetRowsDeleted", "num_target_rows_deleted")]:
                assert out[mine] == theirs_metrics[their], (mine, whens, out, theirs_metrics)
