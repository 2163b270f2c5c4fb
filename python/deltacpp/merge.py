"""TableMerger: the MERGE builder of DeltaTable.merge, with delta-rs's names and delta-spark's
camelCase ones side by side."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional, Tuple

import pyarrow as pa

from . import _core

if TYPE_CHECKING:
    from .table import DeltaTable

_Clause = Tuple[str, str, List[Tuple[str, str]], bool]


def _source_reader(source: Any) -> pa.RecordBatchReader:
    from .writer import _stream_capsule

    return pa.RecordBatchReader._import_from_c_capsule(_stream_capsule(source, None))


def _pairs(mapping: Optional[Dict[str, Any]], what: str) -> List[Tuple[str, str]]:
    if not mapping:
        raise TypeError(f"{what} needs a non-empty dict of column -> SQL expression")
    return [(str(k), str(v)) for k, v in mapping.items()]


class TableMerger:
    """Clauses of one MERGE, applied by :meth:`execute` in one commit.

    Clauses are tried in the order given, per kind: a target row matched by a source row takes
    the first WHEN MATCHED clause whose `predicate` holds (none: the row is kept); a source
    row without a match the first WHEN NOT MATCHED clause; a target row no source row matches
    the first WHEN NOT MATCHED BY SOURCE clause. Expressions are SQL strings over the aliased
    columns (``"s.price * 2"``); ``*_all`` clauses assign every target column from the source
    column of the same name. A target row matched by several source rows that a MATCHED clause
    would change raises MergeCardinalityError. Every method returns the merger, so calls
    chain."""

    def __init__(self, table: "DeltaTable", source: Any, predicate: str,
                 source_alias: Optional[str], target_alias: Optional[str], merge_schema: bool,
                 use_deletion_vectors: Optional[bool]) -> None:
        self._dt = table
        self._source = _source_reader(source)
        self._predicate = predicate
        self._source_alias = source_alias
        self._target_alias = target_alias
        self._merge_schema = merge_schema
        self._use_dvs = use_deletion_vectors
        self._clauses: List[_Clause] = []
        self._executed = False

    def _add(self, kind: str, predicate: Optional[str],
             assignments: Optional[List[Tuple[str, str]]] = None,
             star: bool = False) -> "TableMerger":
        self._clauses.append((kind, predicate or "", assignments or [], star))
        return self

    def _all_except(self, except_cols: Optional[Iterable[str]]) -> Optional[List[Tuple[str, str]]]:
        """Explicit assignments for ``*_all(except_cols=...)``: every target column the
        source has (case-insensitive), minus `except_cols`."""
        if not except_cols:
            return None
        excluded = {c.lower() for c in except_cols}
        source = {n.lower(): n for n in self._source.schema.names}
        alias = self._source_alias or "source"
        out = [(name, f"`{alias}`.`{source[name.lower()]}`")
               for name in self._dt.schema().names
               if name.lower() in source and name.lower() not in excluded]
        if not out:
            raise ValueError("except_cols excludes every column the source shares with the table")
        return out

    # --- delta-rs's names ---------------------------------------------------------------

    def when_matched_update(self, updates: Dict[str, str],
                            predicate: Optional[str] = None) -> "TableMerger":
        """WHEN MATCHED [AND predicate] THEN UPDATE SET col = expr, ..."""
        return self._add("matched_update", predicate, _pairs(updates, "when_matched_update"))

    def when_matched_update_all(self, predicate: Optional[str] = None,
                                except_cols: Optional[List[str]] = None) -> "TableMerger":
        """WHEN MATCHED [AND predicate] THEN UPDATE SET * (but `except_cols`)."""
        explicit = self._all_except(except_cols)
        if explicit is not None:
            return self._add("matched_update", predicate, explicit)
        return self._add("matched_update", predicate, star=True)

    def when_matched_delete(self, predicate: Optional[str] = None) -> "TableMerger":
        """WHEN MATCHED [AND predicate] THEN DELETE."""
        return self._add("matched_delete", predicate)

    def when_not_matched_insert(self, updates: Dict[str, str],
                                predicate: Optional[str] = None) -> "TableMerger":
        """WHEN NOT MATCHED [AND predicate] THEN INSERT (cols) VALUES (exprs); columns not
        given are NULL."""
        return self._add("not_matched_insert", predicate,
                         _pairs(updates, "when_not_matched_insert"))

    def when_not_matched_insert_all(self, predicate: Optional[str] = None,
                                    except_cols: Optional[List[str]] = None) -> "TableMerger":
        """WHEN NOT MATCHED [AND predicate] THEN INSERT * (but `except_cols`)."""
        explicit = self._all_except(except_cols)
        if explicit is not None:
            return self._add("not_matched_insert", predicate, explicit)
        return self._add("not_matched_insert", predicate, star=True)

    def when_not_matched_by_source_update(self, updates: Dict[str, str],
                                          predicate: Optional[str] = None) -> "TableMerger":
        """WHEN NOT MATCHED BY SOURCE [AND predicate] THEN UPDATE SET ... (target columns
        only)."""
        return self._add("not_matched_by_source_update", predicate,
                         _pairs(updates, "when_not_matched_by_source_update"))

    def when_not_matched_by_source_delete(self, predicate: Optional[str] = None) -> "TableMerger":
        """WHEN NOT MATCHED BY SOURCE [AND predicate] THEN DELETE."""
        return self._add("not_matched_by_source_delete", predicate)

    def execute(self) -> Dict[str, Any]:
        """Run the MERGE (one commit; nothing when nothing changes) and load the new version.

        Returns delta-rs's metrics (``num_source_rows``, ``num_target_rows_inserted``,
        ``num_target_rows_updated``, ``num_target_rows_deleted``, ``num_target_rows_copied``,
        ``num_output_rows``, ``num_target_files_added``, ``num_target_files_removed``,
        ``num_target_files_scanned``, ``num_target_files_skipped_during_scan``,
        ``execution_time_ms``, ``scan_time_ms``, ``rewrite_time_ms``), Spark's finer
        counts (``num_target_rows_matched_updated``, ...) and ``version``. A merger runs
        once (its source is consumed)."""
        if self._executed:
            raise RuntimeError("this MERGE was already executed (its source is consumed)")
        if not self._clauses:
            raise ValueError("a MERGE needs at least one when_* clause")
        if not hasattr(_core, "merge"):
            raise NotImplementedError("this build of deltacpp has no MERGE")
        self._executed = True
        metrics = _core.merge(self._dt._uri, self._source.__arrow_c_stream__(), self._predicate,
                              self._source_alias, self._target_alias, self._merge_schema,
                              self._clauses, self._use_dvs)
        self._dt.update_incremental()
        return metrics

    # --- delta-spark's names ------------------------------------------------------------

    def whenMatchedUpdate(self, condition: Optional[str] = None,  # noqa: N802
                          set: Optional[Dict[str, str]] = None) -> "TableMerger":  # noqa: A002
        """delta-spark: ``whenMatchedUpdate(condition=None, set={...})``."""
        return self.when_matched_update(set or {}, condition)

    def whenMatchedUpdateAll(self, condition: Optional[str] = None) -> "TableMerger":  # noqa: N802
        """delta-spark: ``whenMatchedUpdateAll(condition=None)``."""
        return self.when_matched_update_all(condition)

    def whenMatchedDelete(self, condition: Optional[str] = None) -> "TableMerger":  # noqa: N802
        """delta-spark: ``whenMatchedDelete(condition=None)``."""
        return self.when_matched_delete(condition)

    def whenNotMatchedInsert(self, condition: Optional[str] = None,  # noqa: N802
                             values: Optional[Dict[str, str]] = None) -> "TableMerger":
        """delta-spark: ``whenNotMatchedInsert(condition=None, values={...})``."""
        return self.when_not_matched_insert(values or {}, condition)

    def whenNotMatchedInsertAll(self, condition: Optional[str] = None) -> "TableMerger":  # noqa: N802
        """delta-spark: ``whenNotMatchedInsertAll(condition=None)``."""
        return self.when_not_matched_insert_all(condition)

    def whenNotMatchedBySourceUpdate(self, condition: Optional[str] = None,  # noqa: N802
                                     set: Optional[Dict[str, str]] = None  # noqa: A002
                                     ) -> "TableMerger":
        """delta-spark: ``whenNotMatchedBySourceUpdate(condition=None, set={...})``."""
        return self.when_not_matched_by_source_update(set or {}, condition)

    def whenNotMatchedBySourceDelete(self, condition: Optional[str] = None  # noqa: N802
                                     ) -> "TableMerger":
        """delta-spark: ``whenNotMatchedBySourceDelete(condition=None)``."""
        return self.when_not_matched_by_source_delete(condition)

    def withSchemaEvolution(self) -> "TableMerger":  # noqa: N802
        """delta-spark: add the source columns the table lacks (``merge_schema=True``)."""
        self._merge_schema = True
        return self
