"""Sensors: start a refresh when a user drops sick-leave or survey files into the inbox folder."""

from __future__ import annotations

import hashlib
from pathlib import Path

import dagster as dg

from pipelines.local.store import ACCEPTED_SUFFIXES


def inbox_state(inbox: Path) -> str:
    """A fingerprint of the files waiting in the inbox (names, sizes, modification times)."""
    if not inbox.is_dir():
        return ""
    files = sorted(
        (p.name, p.stat().st_size, p.stat().st_mtime_ns)
        for p in inbox.iterdir()
        if p.is_file() and p.suffix.lower() in ACCEPTED_SUFFIXES
    )
    if not files:
        return ""
    return hashlib.sha256(repr(files).encode()).hexdigest()[:16]


def local_inbox_sensor(job: dg.JobDefinition | dg.UnresolvedAssetJobDefinition, inbox: Path):
    @dg.sensor(
        name="local_inbox_sensor",
        job=job,
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description=f"Runs a refresh when .csv/.xlsx files appear in {inbox}; the refresh "
        "archives and imports them (raw_local__imports) and moves them to inbox/done/.",
    )
    def _sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
        state = inbox_state(inbox)
        if not state:
            return dg.SkipReason(f"no files waiting in {inbox}")
        if state == context.cursor:
            return dg.SkipReason("these files already started a run")
        return dg.SensorResult(run_requests=[dg.RunRequest(run_key=state)], cursor=state)

    return _sensor
