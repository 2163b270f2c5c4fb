"""pytest configuration shared by the conformance and interop suites.

- `--runslow` runs tests marked `slow` (expensive Spark tables); without it they are skipped,
  except those also marked `spark_smoke`, which the default run always covers.
- `require_deltactl` skips a test when the CLI binary does not exist yet (set
  DELTACTL_REQUIRED=1 to make that a failure instead, e.g. in CI).
- Every test carries a report group (marker `group(name)`); the end of the session prints a
  pass/fail table per group.
- `spark` is one local SparkSession with Delta for the whole session (the JVM starts slowly),
  shared by every Spark suite; tests using it skip when pyspark/delta-spark are missing.
"""
from __future__ import annotations

import os
import time
from collections import defaultdict

import pytest

from helpers import deltactl as cli

_RESULTS: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
_FAILED: dict[str, list[str]] = defaultdict(list)
_START = time.monotonic()


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False,
                     help="run tests marked slow (the full Spark interop suite)")


def pytest_collection_modifyitems(config, items):
    runslow = config.getoption("--runslow")
    skip_slow = pytest.mark.skip(reason="slow: run with --runslow")
    for item in items:
        marker = item.get_closest_marker("group")
        group = marker.args[0] if marker and marker.args else item.module.__name__
        item.user_properties.append(("group", group))
        if not runslow and "slow" in item.keywords and "spark_smoke" not in item.keywords:
            item.add_marker(skip_slow)


@pytest.fixture(scope="session")
def require_deltactl():
    if not cli.deltactl_available():
        msg = f"deltactl not built at {cli.deltactl_path()} (set DELTACTL or build it)"
        if os.environ.get("DELTACTL_REQUIRED") == "1":
            pytest.fail(msg)
        pytest.skip(msg)
    return cli.deltactl_path()


@pytest.fixture(scope="session")
def spark(tmp_path_factory, require_deltactl):
    """One local SparkSession with Delta (JVM start is slow: built once, reused)."""
    pytest.importorskip(
        "pyspark", reason="pyspark not installed (scripts/bootstrap.sh --with-spark installs it)")
    pytest.importorskip(
        "delta", reason="delta-spark not installed (scripts/bootstrap.sh --with-spark installs it)")
    from delta import configure_spark_with_delta_pip
    from pyspark.sql import SparkSession

    tmp = tmp_path_factory.mktemp("spark")
    builder = (
        SparkSession.builder.master("local[2]").appName("deltacpp-interop")
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog",
                "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.databricks.delta.snapshotPartitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", str(tmp / "warehouse"))
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={tmp / 'derby'}")
        .config("spark.driver.memory", "1g")
    )
    if os.environ.get("SPARK_IVY_DIR"):
        builder = builder.config("spark.jars.ivy", os.environ["SPARK_IVY_DIR"])
    session = configure_spark_with_delta_pip(builder).getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _group_of(report) -> str:
    for k, v in getattr(report, "user_properties", []):
        if k == "group":
            return v
    return "other"


def pytest_runtest_logreport(report):
    group = _group_of(report)
    if report.when == "call":
        outcome = "xfailed" if hasattr(report, "wasxfail") and report.skipped else report.outcome
        _RESULTS[group][outcome] += 1
        if report.failed:
            _FAILED[group].append(report.nodeid)
    elif report.when == "setup" and not report.passed:
        _RESULTS[group]["skipped" if report.skipped else "error"] += 1
        if report.failed:
            _FAILED[group].append(report.nodeid)
    elif report.when == "teardown" and report.failed:
        _RESULTS[group]["error"] += 1


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not _RESULTS:
        return
    tr = terminalreporter
    tr.section("deltacpp results per group")
    width = max(len(g) for g in _RESULTS) + 2
    tr.write_line(f"{'group':<{width}}{'passed':>8}{'failed':>8}{'error':>8}{'skipped':>9}"
                  f"{'xfailed':>9}")
    totals: dict[str, int] = defaultdict(int)
    for group in sorted(_RESULTS):
        r = _RESULTS[group]
        for k in ("passed", "failed", "error", "skipped", "xfailed"):
            totals[k] += r.get(k, 0)
        tr.write_line(f"{group:<{width}}{r.get('passed', 0):>8}{r.get('failed', 0):>8}"
                      f"{r.get('error', 0):>8}{r.get('skipped', 0):>9}{r.get('xfailed', 0):>9}")
    tr.write_line(f"{'TOTAL':<{width}}{totals['passed']:>8}{totals['failed']:>8}"
                  f"{totals['error']:>8}{totals['skipped']:>9}{totals['xfailed']:>9}")
    tr.write_line(f"wall time {time.monotonic() - _START:.1f}s")
