"""Shared helpers of deltacpp's Python test suites (conformance corpus and interop).

`deltactl` runs the CLI and parses its output and errors; `compare` normalizes Arrow tables
and compares them as multisets, following the rules of shared/conformance/README.md;
`arrow_text` parses tables printed by arrow-rs's pretty printer (the corpus's expected-text
files); `spark` reads Spark DataFrames as Arrow (the session itself is the `spark` fixture of
tests/conftest.py); `writing` makes input files and drives `deltactl create` / `write`.
"""
