# deltacpp developer entry points. The README's two commands are `make demo` and `make test`.
BUILD ?= build
JOBS ?= $(shell nproc)
PY := .venv/bin/python
export DELTACTL := $(CURDIR)/$(BUILD)/deltactl

.PHONY: bootstrap bootstrap-full build python demo test bench-python test-unit test-python test-slow bench clean

bootstrap:
	scripts/bootstrap.sh

bootstrap-full:
	scripts/bootstrap.sh --with-spark

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja

build: bootstrap $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# The Python package deltacpp, pip-installed into .venv. It links the libdeltacpp.a that
# `build` compiled (only the bindings and nanobind compile here, in the persistent build-python/).
python: build
	CMAKE_BUILD_PARALLEL_LEVEL=$(JOBS) $(PY) -m pip install -q --no-build-isolation \
	  --root-user-action=ignore -Ccmake.define.DELTA_PREBUILT_LIBRARY=$(CURDIR)/$(BUILD)/libdeltacpp.a .

demo: build
	scripts/demo.sh

test-unit: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# Python-driven suites: conformance corpus, interop with delta-rs and Spark (smoke subset of
# the slow Spark suite by default; `make test-slow` runs all of it), and the Python package
# (tests/python; DELTACPP_REQUIRED makes a missing package a failure, not a skip).
test-python: build python
	DELTACPP_REQUIRED=1 $(PY) -m pytest -q tests

test: bootstrap-full build test-unit test-python

test-slow: bootstrap-full build python
	DELTACPP_REQUIRED=1 $(PY) -m pytest -q tests --runslow

bench: bootstrap-full build python
	$(PY) bench/run.py

# The Python API against delta-rs (write, read to pyarrow, merge); prints and writes
# bench/.work/RESULTS-python.md.
bench-python: python
	$(PY) bench/python_api.py

clean:
	rm -rf $(BUILD) build-python
