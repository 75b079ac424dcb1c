"""Faults of the machine, not of the data: a full disk, a read-only folder, a locked file.

A refresh or command that meets one ends with one line naming the cause and what stays
published, never a traceback (that goes to the log). Dagster and DuckDB wrap the operating
system's error in their own, so the whole chain of causes is read.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Iterator

FULL = "the disk is full"
READ_ONLY = "the data folder is read-only"
DENIED = "no permission to write"
LOCKED = "is locked by another process"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _path(exc: BaseException) -> str:
    name = getattr(exc, "filename", None)
    if name:
        return str(name)
    found = re.search(r"""["']?(/[^"'\s:]+)""", str(exc))
    return found.group(1) if found else ""


def _classify(text: str, code: int | None, where: str) -> str | None:
    at = f" ({where})" if where else ""
    if code == errno.ENOSPC or "No space left on device" in text or "disk I/O error" in text:
        return f"{FULL}{at}"
    if code == errno.EROFS or "Read-only file system" in text:
        return f"{READ_ONLY}{at}"
    if code in (errno.EACCES, errno.EPERM) or "Permission denied" in text:
        return f"{DENIED} {where}" if where else DENIED
    if "Could not set lock on file" in text or "Conflicting lock is held" in text:
        return f"the warehouse file{at} {LOCKED} (a read-write connection: open it read-only)"
    return None


def machine_fault(exc: BaseException) -> str | None:
    """The cause in a few words ('the disk is full (/data/warehouse)'), or None when the
    exception is not a fault of the machine (a bug: then the traceback is what helps)."""
    for link in _chain(exc):
        found = _classify(str(link), getattr(link, "errno", None), _path(link))
        if found:
            return found
    return None


def machine_fault_in(error) -> str | None:
    """The same for a failed Dagster step's error (a SerializableErrorInfo and its causes)."""
    while error is not None:
        text = error.message or ""
        found = _classify(text, None, _path(Exception(text)))
        if found:
            return found
        error = error.cause or error.context
    return None
