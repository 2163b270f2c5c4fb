"""Exceptions raised by deltacpp.

Every failure of the native core carries a Delta error kind (``include/delta/error.h``);
each kind maps to one class below, all subclasses of :class:`DeltaError`::

    DeltaError
    ├── TableNotFoundError            no _delta_log with commits at the location
    ├── VersionNotFoundError          the version does not exist / its log was cleaned up
    │   └── TimestampOutOfRangeError  time travel before the first commit
    ├── CorruptLogError               the log violates the protocol
    ├── ProtocolError                 a reader/writer feature deltacpp does not support,
    │                                 or no protocol/metaData in the log
    ├── SchemaMismatchError           data does not fit the table schema
    ├── ParseError                    a filter / predicate does not parse
    ├── InvalidArgumentError          a malformed request (also a ValueError)
    ├── DeletionVectorError           a deletion vector is missing or corrupt
    ├── DeltaIOError                  the storage layer failed
    ├── CommitConflictError           a concurrent commit conflicts (``.kind``)
    ├── ConstraintViolationError      a row violates a CHECK constraint
    ├── MergeCardinalityError         MERGE: a target row matched by several source rows
    ├── EvaluationError               an expression failed on the data (overflow, bad cast)
    └── InternalError
"""
from __future__ import annotations

import re
from typing import Optional

__all__ = [
    "DeltaError",
    "TableNotFoundError",
    "VersionNotFoundError",
    "TimestampOutOfRangeError",
    "CorruptLogError",
    "ProtocolError",
    "SchemaMismatchError",
    "ParseError",
    "InvalidArgumentError",
    "DeletionVectorError",
    "DeltaIOError",
    "CommitConflictError",
    "ConstraintViolationError",
    "MergeCardinalityError",
    "EvaluationError",
    "InternalError",
]


class DeltaError(Exception):
    """Base class of every deltacpp error. ``code`` is the Delta error kind's name
    (e.g. ``"VersionNotFound"``), as ``deltactl --json`` prints it."""

    code: str = "Internal"

    def __init__(self, message: str, code: Optional[str] = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class TableNotFoundError(DeltaError):
    """There is no Delta table (a _delta_log with commits) at the location."""

    code = "TableNotFound"


class VersionNotFoundError(DeltaError):
    """The requested version does not exist, or its log files were cleaned up."""

    code = "VersionNotFound"


class TimestampOutOfRangeError(VersionNotFoundError):
    """Time travel to a timestamp before the first commit still in the log."""

    code = "TimestampOutOfRange"


class CorruptLogError(DeltaError):
    """The transaction log violates the Delta protocol."""

    code = "CorruptLog"


class ProtocolError(DeltaError):
    """The table needs a reader/writer feature (or protocol version) deltacpp does not
    implement, or its log has no protocol / metaData action."""

    code = "UnsupportedFeature"


class SchemaMismatchError(DeltaError):
    """The data does not fit the table schema (the message lists every difference)."""

    code = "SchemaMismatch"


class ParseError(DeltaError):
    """A filter or predicate does not parse (the message gives the position)."""

    code = "ParseError"


class InvalidArgumentError(DeltaError, ValueError):
    """The request is malformed (unknown column, bad mode, table already exists, ...)."""

    code = "InvalidArgument"


class DeletionVectorError(DeltaError):
    """A deletion vector is missing, corrupt or fails its checksum."""

    code = "DeletionVectorError"


class DeltaIOError(DeltaError):
    """The storage layer failed."""

    code = "IoError"


class CommitConflictError(DeltaError):
    """A concurrent commit conflicts with this transaction.

    ``kind`` is Spark's name of the conflict: ``"ConcurrentAppend"``,
    ``"ConcurrentDeleteRead"``, ``"ConcurrentDeleteDelete"``, ``"MetadataChanged"``,
    ``"ProtocolChanged"``, ``"ConcurrentTransaction"`` (None when the writer gave up
    retrying or the table was created concurrently)."""

    code = "CommitConflict"
    KINDS = (
        "ConcurrentAppend",
        "ConcurrentDeleteRead",
        "ConcurrentDeleteDelete",
        "MetadataChanged",
        "ProtocolChanged",
        "ConcurrentTransaction",
    )

    def __init__(self, message: str, code: Optional[str] = None) -> None:
        super().__init__(message, code)
        head = message.split(":", 1)[0].strip()
        self.kind: Optional[str] = head if head in self.KINDS else None


class ConstraintViolationError(DeltaError):
    """A row violates a CHECK constraint (delta.constraints.*) or a NOT NULL column."""

    code = "ConstraintViolation"


class MergeCardinalityError(DeltaError):
    """MERGE: a target row is matched by more than one source row and a WHEN MATCHED clause
    would update or delete it (the message names the ON condition); nothing is committed.
    Deduplicate the source, or make the ON condition match at most one source row."""

    code = "MergeCardinalityViolation"


class EvaluationError(DeltaError):
    """An expression failed on the table's or the source's values: integer overflow in
    arithmetic (``id + 1`` at the type's maximum), a value that does not fit the column it is
    assigned to, an invalid cast. The message names the column or predicate; nothing is
    committed."""

    code = "EvaluationError"


class InternalError(DeltaError):
    """An unexpected failure inside deltacpp."""

    code = "Internal"


_BY_CODE = {
    "TableNotFound": TableNotFoundError,
    "VersionNotFound": VersionNotFoundError,
    "TimestampOutOfRange": TimestampOutOfRangeError,
    "CorruptLog": CorruptLogError,
    "MissingProtocolOrMetadata": ProtocolError,
    "UnsupportedFeature": ProtocolError,
    "SchemaMismatch": SchemaMismatchError,
    "ParseError": ParseError,
    "InvalidArgument": InvalidArgumentError,
    "DeletionVectorError": DeletionVectorError,
    "IoError": DeltaIOError,
    "CommitConflict": CommitConflictError,
    "ConstraintViolation": ConstraintViolationError,
    "MergeCardinalityViolation": MergeCardinalityError,
    "EvaluationError": EvaluationError,
    "Internal": InternalError,
}


# Credentials given as storage_options travel to the native core inside the URI
# (s3://KEY:SECRET@bucket/...); messages quoting a URI must not show them.
_USERINFO = re.compile(r"(://)[^/@\s'\"]*:[^/@\s'\"]*@")


def _redact(message: str) -> str:
    return _USERINFO.sub(r"\1***@", message)


def _from_code(code: str, message: str) -> DeltaError:
    """The exception for a native error (called by the extension)."""
    return _BY_CODE.get(code, DeltaError)(_redact(message), code)
