"""One refresh at a time: an OS file lock beside the warehouse, whoever starts the refresh.

The CLI, the nightly schedule, the inbox sensor and a person in the Dagster UI can all start a
refresh, and two of them writing one staging DuckDB file would both fail. The lock is an
`flock` on `<warehouse>/refresh.lock`: the kernel releases it when the holding process ends, so a
killed refresh never leaves a stale lock behind. The file also names the holder (process, run,
start time) so the one that has to wait can say who it waits for.

The lock is re-entrant within one process: `malestokk refresh` takes it before it starts the
Dagster run, and the run's warehouse resource, running in the same process, then finds it held.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

LOCK_NAME = "refresh.lock"

_held: dict[str, tuple[int, int]] = {}  # lock path -> (fd, depth) held by this process
_guard = threading.Lock()


class RefreshBusy(RuntimeError):
    """Another process is refreshing; the message names it."""

    def __init__(self, holder: dict) -> None:
        self.holder = holder
        super().__init__(describe_holder(holder))


def describe_holder(holder: dict) -> str:
    if not holder:
        return "another refresh is running (no details recorded)"
    parts = [f"process {holder.get('pid', '?')}"]
    if holder.get("run_id"):
        parts.append(f"run {holder['run_id']}")
    if holder.get("command"):
        parts.append(f"'{holder['command']}'")
    return f"another refresh is running since {holder.get('started_at', '?')} ({', '.join(parts)})"


def read_holder(warehouse_dir: Path) -> dict:
    """Who holds (or last held) the lock; {} when nobody ever did."""
    path = Path(warehouse_dir) / LOCK_NAME
    try:
        text = path.read_text(encoding="utf-8")
        return json.loads(text) if text.strip() else {}
    except (OSError, ValueError):
        return {}


@dataclass
class LockWait:
    """How long to wait for a running refresh: 0 = not at all, None = as long as it takes."""

    seconds: float | None = 0.0
    poll: float = 0.5


@contextmanager
def refresh_lock(
    warehouse_dir: Path,
    *,
    wait: LockWait | None = None,
    run_id: str | None = None,
    command: str | None = None,
    on_wait=None,
) -> Iterator[None]:
    """Hold the refresh lock for the block; raise RefreshBusy if it cannot be had in time."""
    wait = wait or LockWait()
    directory = Path(warehouse_dir)
    directory.mkdir(parents=True, exist_ok=True)
    path = str(directory / LOCK_NAME)
    with _guard:
        if path in _held:
            fd, depth = _held[path]
            _held[path] = (fd, depth + 1)
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _guard:
                fd, depth = _held[path]
                _held[path] = (fd, depth - 1)
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(fd, directory, wait, on_wait)
        holder = {
            "pid": os.getpid(),
            "run_id": run_id,
            "command": command,
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        with _guard:
            _held[path] = (fd, 1)
        try:
            yield
        finally:
            with _guard:
                del _held[path]
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _acquire(fd: int, directory: Path, wait: LockWait, on_wait) -> None:
    deadline = None if wait.seconds is None else time.monotonic() + wait.seconds
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            holder = read_holder(directory)
            if deadline is not None and time.monotonic() >= deadline:
                raise RefreshBusy(holder) from None
            if on_wait is not None and not told:
                on_wait(describe_holder(holder))
                told = True
            time.sleep(wait.poll)
