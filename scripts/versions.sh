# Pinned versions of everything the bootstrap installs from PyPI (one place).
PYARROW_VERSION=26.0.1
DELTALAKE_VERSION=1.6.6
NANOBIND_VERSION=2.9.2
PYSPARK_VERSION=4.0.1
DELTA_SPARK_VERSION=4.0.0
