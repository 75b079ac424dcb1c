"""Runs killed mid-way (power cut, `kill -9`, an out-of-memory kill) stay STARTED in Dagster's
history for ever; the next run, once it holds the refresh lock, marks them failed.

A run is taken for killed when the process that executed its steps no longer exists. A run that
is alive but waiting for the refresh lock keeps its status.
"""

from __future__ import annotations

import os

import dagster as dg

IN_PROGRESS = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _step_process(instance: dg.DagsterInstance, run_id: str) -> int | None:
    for record in reversed(instance.all_logs(run_id)):
        event = record.dagster_event
        if event is not None and event.pid:
            return event.pid
    return None


def mark_killed_runs(instance: dg.DagsterInstance, current_run_id: str | None) -> list[str]:
    """Mark in-progress runs whose process is gone as failed; return their ids."""
    marked = []
    for record in instance.get_run_records(dg.RunsFilter(statuses=IN_PROGRESS)):
        run = record.dagster_run
        if run.run_id == current_run_id:
            continue
        pid = _step_process(instance, run.run_id)
        if pid is None or pid == os.getpid() or _alive(pid):
            continue
        instance.report_run_failed(
            run,
            f"marked failed by run {current_run_id}: its process {pid} ended without finishing "
            "(killed mid-way); the last good warehouse stayed published",
        )
        marked.append(run.run_id)
    return marked
