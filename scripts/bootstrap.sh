#!/usr/bin/env bash
# Installs everything deltacpp needs to build and test, idempotently:
#   - Debian packages (compiler toolchain, RapidJSON, nlohmann-json, GoogleTest, CLI11, CRoaring, ...)
#   - a project-local virtualenv (.venv) with the pinned pyarrow wheel, whose bundled Arrow C++
#     (headers + shared libraries) the CMake build links against when no system Arrow exists,
#     plus the test oracles (deltalake, pyspark + delta-spark) and pytest.
# Usage: scripts/bootstrap.sh [--with-spark]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/versions.sh

WITH_SPARK=0
for a in "$@"; do [ "$a" = "--with-spark" ] && WITH_SPARK=1; done

APT_PKGS=(build-essential cmake ninja-build pkg-config python3-venv python3-dev
  rapidjson-dev nlohmann-json3-dev libgtest-dev libgmock-dev libcli11-dev libroaring-dev
  libxxhash-dev libbenchmark-dev libdivide-dev)
if [ "$WITH_SPARK" = 1 ]; then APT_PKGS+=(openjdk-17-jre-headless); fi

missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" != 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv"
  $PY -m venv .venv
  .venv/bin/pip install -q --upgrade pip
fi
want=("pyarrow==${PYARROW_VERSION}" "deltalake==${DELTALAKE_VERSION}" "pytest" "numpy"
      "nanobind==${NANOBIND_VERSION}" "scikit-build-core" "moto[server]==${MOTO_VERSION}"
      "pandas==${PANDAS_VERSION}" "polars==${POLARS_VERSION}" "duckdb==${DUCKDB_VERSION}")
if [ "$WITH_SPARK" = 1 ]; then want+=("pyspark==${PYSPARK_VERSION}" "delta-spark==${DELTA_SPARK_VERSION}"); fi
# A stamp lists what an earlier run installed; skip pip when some stamp covers every wanted pin.
covered=0
for st in .venv/.deltacpp-*; do
  [ -f "$st" ] || continue
  ok=1
  for w in "${want[@]}"; do grep -qxF "$w" "$st" || { ok=0; break; }; done
  [ "$ok" = 1 ] && { covered=1; break; }
done
if [ "$covered" = 0 ]; then
  echo "bootstrap: installing Python packages: ${want[*]}"
  .venv/bin/pip install -q "${want[@]}"
  printf '%s\n' "${want[@]}" > ".venv/.deltacpp-$(printf '%s\n' "${want[@]}" | sha1sum | cut -c1-12)"
fi
# The pyarrow wheel ships libarrow.so.NNNN only; give the linker the unversioned names.
.venv/bin/python - <<'PY'
import pyarrow, os
d = pyarrow.get_library_dirs()[0]
if not os.path.exists(os.path.join(d, "libarrow.so")):
    pyarrow.create_library_symlinks()
PY
