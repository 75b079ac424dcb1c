"""Sensors: start a refresh when a user drops sick-leave or survey files into the inbox folder."""

from __future__ import annotations

import hashlib
from pathlib import Path

import dagster as dg

from pipelines.orchestration.refresh import rebuild_plan, staging_problem
from pipelines.settings.config import Settings
from pipelines.sources.local.ledger import ACCEPTED_SUFFIXES
from pipelines.storage.graph_shape import shape_of_repository

TILTAK_SUFFIXES = (".csv", ".xlsx", ".docx")  # lists and filled-in resultatdialog sheets


def inbox_state(inbox: Path) -> str:
    """A fingerprint of the files waiting in the inbox and in inbox/tiltak/ (names, sizes,
    modification times)."""
    if not inbox.is_dir():
        return ""
    waiting = [p for p in inbox.iterdir() if p.suffix.lower() in ACCEPTED_SUFFIXES]
    if (inbox / "tiltak").is_dir():
        waiting += [p for p in (inbox / "tiltak").iterdir() if p.suffix.lower() in TILTAK_SUFFIXES]
    files = sorted(
        (str(p.relative_to(inbox)), p.stat().st_size, p.stat().st_mtime_ns)
        for p in waiting
        if p.is_file()
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
        description=f"Runs a refresh when .csv/.xlsx files appear in {inbox} (own figures: "
        "raw_local__imports archives, imports and moves them to inbox/done/) or tiltak lists and "
        "filled-in resultatdialog sheets in its tiltak/ folder (core_tiltak reads them and moves "
        "them to tiltak/done/).",
    )
    def _sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
        state = inbox_state(inbox)
        if not state:
            return dg.SkipReason(f"no files waiting in {inbox}")
        if state == context.cursor:
            return dg.SkipReason("these files already started a run")
        return dg.SensorResult(run_requests=[dg.RunRequest(run_key=state)], cursor=state)

    return _sensor


def rebuild_what_changed_sensor(
    sources_job: dg.UnresolvedAssetJobDefinition,
    full_job: dg.UnresolvedAssetJobDefinition,
    settings: Settings,
):
    """After the sources were read (nightly schedule, inbox sensor, the UI), rebuild what their
    new data versions made stale, with the outputs and the publish; nothing when none moved."""

    @dg.run_status_sensor(
        name="rebuild_what_changed",
        run_status=dg.DagsterRunStatus.SUCCESS,
        monitored_jobs=[sources_job],
        request_job=full_job,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Rebuilds the assets a finished refresh_sources run made stale.",
    )
    def _sensor(context: dg.RunStatusSensorContext) -> dg.RunRequest | dg.SkipReason:
        plan = rebuild_plan(
            context.instance,
            shape_of_repository(context.repository_def),
            staging_ok=staging_problem(settings.warehouse_dir),
            full=settings.full_refresh,
        )
        if plan.nothing_to_do:
            return dg.SkipReason(plan.reason)
        return dg.RunRequest(
            run_key=context.dagster_run.run_id,
            asset_selection=plan.keys,
            asset_check_keys=plan.checks,
            tags={"malestokk/rebuild": plan.reason[:200]},
        )

    return _sensor
