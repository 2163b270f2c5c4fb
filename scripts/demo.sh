#!/usr/bin/env bash
# The main job: a short tour of deltacpp on a local table. A table is written with delta-rs
# (deltacpp's own writer arrives with the write-path issue), then read back with deltactl:
# info, history, files, a filtered read, time travel and the change data feed.
set -euo pipefail
cd "$(dirname "$0")/.."
DELTACTL=${DELTACTL:-build/deltactl}
TABLE=${1:-$(mktemp -d)/demo_table}

.venv/bin/python - "$TABLE" <<'PY'
import sys, datetime, pyarrow as pa
from deltalake import write_deltalake, DeltaTable
path = sys.argv[1]
def batch(ids, city):
    return pa.table({"id": pa.array(ids, pa.int64()),
                     "city": [city] * len(ids),
                     "amount": [i * 1.5 for i in ids],
                     "day": [datetime.date(2024, 1, 1 + i % 28) for i in ids]})
cfg = {"delta.enableChangeDataFeed": "true"}
write_deltalake(path, batch(range(0, 5), "Paris"), partition_by=["city"], configuration=cfg)
write_deltalake(path, batch(range(5, 10), "Lyon"), mode="append")
write_deltalake(path, batch(range(10, 12), "Nice"), mode="append")
DeltaTable(path).delete("id = 3")
print(f"demo table written by delta-rs at {path}")
PY

run() { echo; echo "\$ deltactl $*"; "$DELTACTL" "$@"; }
run info "$TABLE"
run history "$TABLE" --limit 3
run files "$TABLE"
run cat "$TABLE" --where "amount > 6 AND city <> 'Nice'" --explain
run cat "$TABLE" --version 0 --columns id,city --limit 3
run changes "$TABLE" --from-version 3
