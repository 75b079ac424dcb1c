"""How every benchmark measures: one fresh process per measurement, the median of several runs,
the machine's load said beside the figures. Nothing is timed in a process that has already
parsed, imported or cached what it is timed on."""

from __future__ import annotations

import contextlib
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


@dataclass
class Run:
    wall: float  # seconds, process start to exit
    peak_mb: float  # the process's own peak RSS
    stdout: str
    cpu: float = 0.0  # user + system seconds of the process and the children it waited for
    stderr: str = ""  # fresh_tree only: what the command wrote to stderr (its step lines)


def fresh_runs(cmd: list[str], runs: int, **kwargs) -> list[Run]:
    return [fresh(cmd, **kwargs) for _ in range(runs)]


def fresh(cmd: list[str], *, env: dict[str, str] | None = None, cwd: Path = ROOT) -> Run:
    """Run one command in a new process: its wall time, and its own peak RSS from os.wait4
    (the figure `time -v` prints)."""
    with tempfile.TemporaryFile() as err:  # a file, so a chatty stderr never blocks the child
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=cwd, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=err
        )
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            err.seek(0)
            tail = err.read().decode(errors="replace")[-3000:]
            raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{tail}")
    return Run(wall, usage.ru_maxrss / 1024, out.decode(), usage.ru_utime + usage.ru_stime)


def fresh_tree(cmd: list[str], *, env: dict[str, str] | None = None, cwd: Path = ROOT) -> Run:
    """Like `fresh`, for a command that starts worker processes: peak_mb is the largest sum of
    the memory of the process and all its descendants, sampled every 0.1 s (workers that run
    at once add up; os.wait4 would give only the largest single process). Each process counts
    its proportional set size (PSS): pages a forked worker shares with its forkserver are
    counted once, not once per process as RSS would."""
    import psutil

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=cwd, env={**os.environ, **(env or {})}, stdout=out, stderr=err
        )
        parent = psutil.Process(proc.pid)
        peak = 0
        while proc.poll() is None:
            total = 0
            try:
                for p in [parent, *parent.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        total += p.memory_full_info().pss
            except psutil.Error:
                pass
            peak = max(peak, total)
            time.sleep(0.1)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        errors = err.read().decode(errors="replace")
        if proc.returncode:
            tail = errors[-3000:]
            raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{tail}")
        return Run(wall, peak / 1024 / 1024, out.read().decode(), stderr=errors)


def drop_page_cache() -> bool:
    """Empty the OS page cache (a cold start reads its files from disk): root on a machine
    that lets it (/proc/sys/vm/drop_caches is read-only in most containers). True if done."""
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        return False
    return True


def cold_note(dropped: list[bool]) -> str:
    if dropped and all(dropped):
        return "OS page cache dropped before each cold run"
    return (
        "OS page cache NOT dropped (/proc/sys/vm/drop_caches is not writable here): "
        "'cold' runs are new processes on a warm file cache"
    )


def median(values: list[float]) -> float:
    return statistics.median(values)


def spread(values: list[float]) -> str:
    return f"{min(values):.2f}-{max(values):.2f}"


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def machine() -> str:
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    mem = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal"))
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, {mem / 1024 / 1024:.0f} GB, "
        f"python {platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M')}; {load()}"
    )
