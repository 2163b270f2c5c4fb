"""Concurrent `deltactl write` processes on one table (optimistic concurrency, put-if-absent
commits, rebase and conflict checks).

Lanes run in parallel; each lane starts its next `deltactl write` as soon as the previous one
ended, so there are always as many writer processes racing as lanes. Every write carries a
unique (lane, seq) in its rows, so the final table says exactly which writes landed.

Input files are JSON lines; the commit protocol under test does not depend on the input
format.
"""
from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pyarrow as pa
import pytest

from helpers import deltactl as cli
from helpers.compare import assert_same_rows, canonical_rows
from helpers.writing import create, log_versions, write, write_args, write_input

deltalake = pytest.importorskip("deltalake")

pytestmark = [pytest.mark.group("write: concurrency"), pytest.mark.usefixtures("require_deltactl")]

SCHEMA = "lane INT NOT NULL, seq INT NOT NULL, k INT"
INPUT_FORMAT = "json"
PER_WRITE_TIMEOUT_S = 60


def batch(lane: int, seq: int, n: int = 1) -> pa.Table:
    return pa.table({"lane": pa.array([lane] * n, pa.int32()),
                     "seq": pa.array([seq] * n, pa.int32()),
                     "k": pa.array(range(n), pa.int32())})


def run_lanes(lanes: dict[int, list[list[str]]]) -> dict[tuple[int, int], dict]:
    """Runs each lane's commands one after the other, all lanes at once. Returns, for every
    (lane, index), {"rc", "stdout", "stderr", "result" (parsed --json or None)}."""
    argv0 = str(cli.deltactl_path())
    pending = {lane: list(enumerate(cmds)) for lane, cmds in lanes.items()}
    running: dict[int, tuple[int, subprocess.Popen, float]] = {}
    out: dict[tuple[int, int], dict] = {}

    def start(lane):
        if pending[lane]:
            i, args = pending[lane].pop(0)
            p = subprocess.Popen([argv0] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)
            running[lane] = (i, p, time.monotonic())

    for lane in lanes:
        start(lane)
    while running:
        for lane, (i, p, t0) in list(running.items()):
            if p.poll() is None:
                if time.monotonic() - t0 > PER_WRITE_TIMEOUT_S:
                    p.kill()
                    p.wait()
                    pytest.fail(f"lane {lane} write {i} hung for {PER_WRITE_TIMEOUT_S}s: "
                                f"{' '.join(p.args)}")
                continue
            stdout, stderr = p.communicate()
            result = None
            if p.returncode == 0:
                try:
                    result = json.loads(stdout)
                except json.JSONDecodeError:
                    pass
            out[(lane, i)] = {"rc": p.returncode, "stdout": stdout, "stderr": stderr,
                              "result": result, "args": p.args}
            del running[lane]
            start(lane)
        time.sleep(0.005)
    return out


def read_deltars(path, version=None) -> pa.Table:
    from deltalake import DeltaTable
    dt = DeltaTable(str(path)) if version is None else DeltaTable(str(path), version=version)
    return dt.to_pyarrow_table()


def assert_log_is_dense(path, last: int) -> None:
    versions = log_versions(path)
    assert versions == list(range(0, last + 1)), \
        f"_delta_log commits: expected 0..{last}, got {len(versions)} files; missing " \
        f"{sorted(set(range(last + 1)) - set(versions))[:10]}"
    for v in versions:  # one commitInfo per commit file, each file complete JSON lines
        lines = (Path(path) / "_delta_log" / f"{v:020d}.json").read_text().splitlines()
        actions = [json.loads(line) for line in lines if line.strip()]
        assert sum("commitInfo" in a for a in actions) <= 1, f"version {v}: {actions}"


def appends_race(tmp_path, lanes: int, per_lane: int) -> None:
    path = tmp_path / "t"
    create(path, SCHEMA)
    inputs = tmp_path / "in"
    cmds = {lane: [write_args(path, [write_input(batch(lane, seq), inputs, INPUT_FORMAT)],
                              mode="append") for seq in range(per_lane)]
            for lane in range(lanes)}
    t0 = time.monotonic()
    results = run_lanes(cmds)
    elapsed = time.monotonic() - t0
    failures = [f"lane {k[0]} write {k[1]}: exit {r['rc']}: {r['stderr'].strip()[-300:]}"
                for k, r in sorted(results.items()) if r["rc"] != 0 or r["result"] is None]
    assert not failures, f"{len(failures)} of {lanes * per_lane} blind appends failed " \
        f"(they never conflict logically and must be retried):\n" + "\n".join(failures[:5])
    total = lanes * per_lane
    versions = sorted(r["result"]["version"] for r in results.values())
    assert versions == list(range(1, total + 1)), \
        f"versions reported by the writers are not 1..{total} once each: {versions}"
    attempts = [r["result"]["commitAttempts"] for r in results.values()]
    assert all(a >= 1 for a in attempts), attempts
    assert_log_is_dense(path, total)
    info = cli.info_json(path)
    assert (info["version"], info["numFiles"], info["numRecords"]) == (total, total, total), info
    expected = [(lane, seq, 0) for lane in range(lanes) for seq in range(per_lane)]
    assert_same_rows(cli.read_cat(path), ["lane", "seq", "k"], expected, "deltactl cat")
    assert_same_rows(read_deltars(path), ["lane", "seq", "k"], expected, "delta-rs")
    history = cli.history_json(path)
    assert sorted(h["version"] for h in history) == list(range(0, total + 1))
    # a commit's row is in the table from exactly the version the writer reported
    by_version = {r["result"]["version"]: k for k, r in results.items()}
    for v in (1, total // 2, total):
        lane, seq = by_version[v]
        rows = set(canonical_rows(read_deltars(path, v)))
        prev = set(canonical_rows(read_deltars(path, v - 1))) if v > 1 else set()
        assert rows - prev == {(lane, seq, 0)}, f"version {v}: added {rows - prev}"
    print(f"{lanes}x{per_lane} appends in {elapsed:.1f}s, "
          f"{sum(attempts) - total} retried attempts")


def test_concurrent_appends_4x50_all_land_once(tmp_path):
    appends_race(tmp_path, lanes=4, per_lane=50)


@pytest.mark.slow
def test_concurrent_appends_8x50_all_land_once(tmp_path):
    appends_race(tmp_path, lanes=8, per_lane=50)


def test_concurrent_overwrites_and_appends_stay_consistent(tmp_path):
    """Lanes 0-1 overwrite (3 rows per batch), lanes 2-3 append (1 row). Every write either
    commits or fails with CommitConflict; the final rows are those the history implies:
    the last committed overwrite's rows plus every append committed after the version that
    overwrite read (blind appends may be serialized after a concurrent overwrite)."""
    path = tmp_path / "t"
    create(path, SCHEMA)
    inputs = tmp_path / "in"
    write(path, batch(9, 0, 5), inputs, INPUT_FORMAT)  # version 1
    per_lane = {0: 8, 1: 8, 2: 15, 3: 15}
    overwriters = {0, 1}
    cmds = {}
    for lane, n in per_lane.items():
        mode = "overwrite" if lane in overwriters else "append"
        rows = 3 if lane in overwriters else 1
        cmds[lane] = [write_args(path, [write_input(batch(lane, seq, rows), inputs,
                                                    INPUT_FORMAT)], mode=mode)
                      for seq in range(n)]
    results = run_lanes(cmds)

    bad = []
    committed: dict[int, tuple[int, int]] = {}  # version -> (lane, seq)
    conflicts = 0
    for (lane, seq), r in sorted(results.items()):
        if r["rc"] == 0 and r["result"] is not None:
            v = r["result"]["version"]
            assert v not in committed, f"version {v} reported by {committed[v]} and {(lane, seq)}"
            committed[v] = (lane, seq)
            continue
        err = cli.parse_error(r["stderr"])
        if r["rc"] == 1 and err is not None and err.kind == "CommitConflict":
            conflicts += 1
            continue
        bad.append(f"lane {lane} write {seq}: exit {r['rc']}: {r['stderr'].strip()[-300:]}")
    assert not bad, "writes that neither committed nor failed with CommitConflict:\n" + \
        "\n".join(bad[:5])

    last = cli.info_json(path)["version"]
    assert sorted(committed) == list(range(2, last + 1)), \
        f"committed versions {sorted(committed)} do not cover 2..{last} exactly"
    assert_log_is_dense(path, last)

    history = {h["version"]: h for h in cli.history_json(path)}
    overwrites = [v for v, (lane, _) in committed.items() if lane in overwriters]
    if overwrites:
        o = max(overwrites)
        read_version = history[o].get("readVersion")
        assert isinstance(read_version, int) and read_version < o, history[o]
        between = [committed[v] for v in range(read_version + 1, o)]
        assert all(lane not in overwriters for lane, _ in between), \
            f"overwrite v{o} read v{read_version} but commits {between} came in between"
        expected = [(*committed[o], k) for k in range(3)]
        expected += [(lane, seq, 0) for v, (lane, seq) in committed.items()
                     if lane not in overwriters and v > read_version]
    else:
        expected = [(9, 0, k) for k in range(5)]
        expected += [(lane, seq, 0) for lane, seq in committed.values()]
    assert_same_rows(cli.read_cat(path), ["lane", "seq", "k"], expected, "deltactl cat")
    assert_same_rows(read_deltars(path), ["lane", "seq", "k"], expected, "delta-rs")
    rebased = sum(1 for v in overwrites if history[v].get("readVersion") != v - 1)
    print(f"{len(committed)} commits, {conflicts} CommitConflict, "
          f"{len(overwrites)} overwrites committed ({rebased} after concurrent appends)")
