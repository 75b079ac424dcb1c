"""The refresh, in one place for the CLI, the nightly schedule and the sensors.

A refresh runs in two steps. First the sources (`refresh_sources`: SSB, KLASS, Kolada, the own
figures) are read; each reports a data version made from its content
(pipelines/storage/versions.py).
Then every asset that is stale is rebuilt, with what is built from it, the outputs and the
publish, since a release carries all of them together. When nothing is stale the published
release stays as it is.

Stale is decided on Dagster's public record: an asset's latest materialization carries its code
version and the data versions of the inputs it was built from (`dg.DataProvenance`); it is stale
when it was never built, when its code version is not the one it has now, or when an input's
latest data version is not the one it was built from. The CLI runs both steps in its process;
the schedule runs the first and the `rebuild_what_changed` sensor asks for the second.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from pipelines.storage.graph_shape import GraphShape
from pipelines.storage.warehouse import Warehouse

SOURCE_GROUPS = ("ssb_raw", "kolada_raw", "local_raw")
# the per-home outputs are partitions written after the publish (assets/homes), by their own
# job: never part of the national rebuild
HOME_GROUPS = ("homes",)
# read from files beside the own figures (malestokk utfordringsnotat --import, malestokk tiltak
# les), so sources too
SOURCE_ASSETS = ("core_challenge_answers", "core_tiltak", "core_tiltak__rejected")
# a release holds every output of the run that published it: rebuilt whenever anything is
ALWAYS_WITH_A_REBUILD = ("outputs", "publish")

# logs every read of the sources appends to, whatever it found: their contract checks run with
# the read, so a staging build where nothing else changed stays vouched for (build_record)
SOURCE_LOGS = ("raw_ssb__fetch_log", "raw_kolada__pull_log")
# the sources' other checks run with the rebuild: on data that did not change they passed before
sources_selection = (
    dg.AssetSelection.groups(*SOURCE_GROUPS) | dg.AssetSelection.assets(*SOURCE_ASSETS)
).without_checks() | dg.AssetSelection.checks(
    *(dg.AssetCheckKey(dg.AssetKey(t), f"{t}_contract") for t in SOURCE_LOGS)
)
DATA_VERSION_TAG = "dagster/data_version"  # Dagster's documented tag on a materialization

full_refresh_job = dg.define_asset_job(
    name="full_refresh",
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups(*HOME_GROUPS),
    description="Fetch, validate, load, compare, draw and publish everything.",
    tags={"malestokk/kind": "refresh"},  # deploy/dagster.yaml: one refresh run at a time
)

refresh_sources_job = dg.define_asset_job(
    name="refresh_sources",
    selection=sources_selection,
    description="Read the sources (SSB, KLASS, Kolada, the own figures) and check them; what "
    "changed is then rebuilt by the rebuild_what_changed sensor (or by `malestokk refresh`).",
    tags={"malestokk/kind": "refresh"},
)


def nightly_schedule(cron: str, timezone: str) -> dg.ScheduleDefinition:
    """The first step every night; the sensor asks for the second when a source moved."""
    return dg.ScheduleDefinition(
        name="nightly_refresh",
        job=refresh_sources_job,
        cron_schedule=cron,
        execution_timezone=timezone,
        description="Nightly refresh; SSB publishes KOSTRA at 08:00 on 15 March and 15 June.",
        default_status=dg.DefaultScheduleStatus.STOPPED,
    )


def arshjul_schedules(arshjul_file: Path | None, timezone: str) -> list[dg.ScheduleDefinition]:
    """The årshjul's schedules (pipelines/domain/arshjul.py): the first step of a refresh on
    each SSB release day and the days after, and on each day a worklist or document is due;
    every run tagged with the milestone it serves. Off until turned on, like the nightly one."""
    from pipelines.domain.arshjul import read_arshjul, schedule_specs

    if arshjul_file is None:
        return []
    milestones, _ = read_arshjul(arshjul_file)  # rows left out are shown by the warehouse
    return [
        dg.ScheduleDefinition(
            name=spec["name"],
            job=refresh_sources_job,
            cron_schedule=spec["cron"],
            execution_timezone=timezone,
            description=f"Årshjul: {spec['milestone']} ({spec['who']}).",
            tags={
                "malestokk/milestone": spec["milestone"],
                "malestokk/milestone_kind": spec["kind"],
            },
            default_status=dg.DefaultScheduleStatus.STOPPED,
        )
        for spec in schedule_specs(milestones)
    ]


@dataclass
class Plan:
    """The assets the second step builds, and why; empty when nothing changed."""

    keys: list[dg.AssetKey] = field(default_factory=list)
    checks: list[dg.AssetCheckKey] = field(default_factory=list)  # of these and of the sources
    reason: str = ""
    stale: dict[str, str] = field(default_factory=dict)  # asset -> why it is stale

    @property
    def nothing_to_do(self) -> bool:
        return not self.keys

    @property
    def names(self) -> list[str]:
        return [k.to_user_string() for k in self.keys]


def stale_assets(instance: dg.DagsterInstance, shape: GraphShape) -> dict[str, str]:
    """Every national asset below the sources that must be built again, with the reason."""
    names = sorted(_national(shape) - _sources(shape))
    wanted = set(names) | {p for n in names for p in shape.parents[n]}
    # one query for every asset's latest materialization, not one per asset (57 in the demo)
    events = instance.get_latest_materialization_events([dg.AssetKey(n) for n in wanted])
    latest: dict[str, tuple[str | None, dg.DataProvenance | None] | None] = {}
    for key, event in events.items():
        if event is None or event.asset_materialization is None:
            continue
        tags = event.asset_materialization.tags or {}
        latest[key.to_user_string()] = (
            tags.get(DATA_VERSION_TAG),
            dg.DataProvenance.from_tags(tags),
        )

    def record(name: str):
        return latest.get(name)

    found: dict[str, str] = {}
    for name in names:
        built = record(name)
        if built is None:
            found[name] = "never built"
            continue
        provenance = built[1]
        if provenance is None or provenance.code_version != shape.code_versions.get(name):
            found[name] = "its code or settings changed"
            continue
        for parent in sorted(shape.parents[name]):
            now = record(parent)
            before = provenance.input_data_versions.get(dg.AssetKey(parent))
            if now is None or before is None or now[0] != before.value:
                found[name] = f"{parent} changed"
                break
    return found


def rebuild_plan(
    instance: dg.DagsterInstance, shape: GraphShape, *, staging_ok: str | None, full: bool = False
) -> Plan:
    """The second step: stale assets and what is built from them, with the outputs and the
    publish; everything when the staging build cannot be trusted (`staging_ok` is the reason
    it cannot, None when it can)."""
    national = _national(shape)
    sources = _sources(shape)
    derived = national - sources
    if full or staging_ok is not None:
        why = "a full refresh was asked for" if full else staging_ok
        return _plan(shape, derived, sources, why or "", {})
    stale = stale_assets(instance, shape)
    if not stale:
        return Plan([], [], "no source changed since the published release")
    extra = shape.in_group(*ALWAYS_WITH_A_REBUILD) & derived
    # what is built from a stale asset moves when it is rebuilt, so everything downstream goes
    # too; a step that writes several tables runs whole
    keys = shape.downstream([*stale, *extra]) & derived
    return _plan(shape, keys, sources, f"{len(stale)} stale", stale)


def _plan(shape: GraphShape, keys, sources, reason: str, stale: dict[str, str]) -> Plan:
    checks = shape.checks_on(set(keys) | set(sources))
    return Plan(
        [dg.AssetKey(k) for k in sorted(keys)],
        [dg.AssetCheckKey(dg.AssetKey(a), c) for a, c in checks],
        reason,
        stale,
    )


def describe(plan: Plan) -> list[str]:
    """What a refresh says it rebuilds: the stale assets by reason, then the rest it rebuilds."""
    import textwrap

    by_reason: dict[str, list[str]] = {}
    for name, why in sorted(plan.stale.items()):
        by_reason.setdefault(why, []).append(name)
    rest = [n for n in plan.names if n not in plan.stale]
    groups = [*by_reason.items(), *([("rebuilt with them", rest)] if rest else [])]
    lines = [f"rebuilding {len(plan.keys)} assets: {plan.reason}"]
    for why, names in groups:
        text = f"{why}: {', '.join(names)}"
        lines += textwrap.wrap(text, 100, initial_indent="  ", subsequent_indent="    ")
    return lines


def _national(shape: GraphShape) -> set[str]:
    return {a for a in shape.assets if shape.groups[a] not in HOME_GROUPS}


def _sources(shape: GraphShape) -> set[str]:
    return shape.in_group(*SOURCE_GROUPS) | (set(SOURCE_ASSETS) & shape.assets)


def staging_problem(warehouse_dir: Path) -> str | None:
    """Why the staging build may not match Dagster's record of it (then everything is rebuilt):
    it is gone, nothing was ever published from it, or the last refresh failed a blocking check
    on it (what that run wrote was never vouched for, and an unchanged source would not run
    the check again). None when it can be trusted."""
    import duckdb

    from pipelines.storage.build_record import failed_checks

    wh = Warehouse(warehouse_dir)
    if not wh.staging.exists():
        return "no staging build to start from"
    if wh.last_publish() is None:
        return "nothing published yet"
    try:
        con = duckdb.connect(str(wh.staging), read_only=True)
    except duckdb.IOException:  # held by another process: the refresh's steps name it
        return None
    try:
        failed = failed_checks(con)
    finally:
        con.close()
    if failed:
        return f"the last refresh failed {', '.join(failed[:3])} on the staging build"
    return None


def set_aside_foreign_staging(warehouse_dir: Path, shape: GraphShape) -> str | None:
    """A staging build holding tables, views or macros the refresh does not make is moved
    aside (kept, never deleted) so the refresh builds a clean one; says so, or None."""
    import duckdb

    from pipelines.storage.build_record import foreign_objects

    wh = Warehouse(warehouse_dir)
    if not wh.staging.exists():
        return None
    try:
        con = duckdb.connect(str(wh.staging), read_only=True)
    except duckdb.IOException:  # held by another process: the refresh's steps name it
        return None
    try:
        foreign = foreign_objects(con, shape)
    finally:
        con.close()
    if not foreign:
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = wh.staging.with_name(f"staging.set-aside-{stamp}.duckdb")
    os.replace(wh.staging, aside)
    wal = wh.staging.with_name(wh.staging.name + ".wal")
    if wal.exists():
        os.replace(wal, aside.with_name(aside.name + ".wal"))
    names = ", ".join(sorted(foreign))
    return f"the staging build held {names}, which the refresh does not make; kept as {aside}"


@dataclass
class Outcome:
    """What the two steps did: the last run (the rebuild, or the sources when they failed or
    nothing was stale), every event of both, and the plan (None when the sources failed)."""

    result: dg.ExecuteInProcessResult
    events: list[dg.DagsterEvent]
    plan: Plan | None


def run_in_process(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    warehouse_dir: Path,
    *,
    full: bool,
    run_config: dict,
    say: Callable[[str], None],
    after_run: Callable[[str], None] = lambda run_id: None,
) -> Outcome:
    """Both steps in this process, as `malestokk refresh` runs them (the lock is the caller's)."""
    from pipelines.storage.graph_shape import shape_of_repository

    shape = shape_of_repository(defs.get_repository_def())
    aside = set_aside_foreign_staging(warehouse_dir, shape)
    if aside:
        say(aside)
    trust = staging_problem(warehouse_dir)  # before the sources rewrite their tables
    sources = defs.resolve_job_def(refresh_sources_job.name).execute_in_process(
        instance=instance, raise_on_error=False, run_config=run_config
    )
    after_run(sources.run_id)
    if not sources.success:
        return Outcome(sources, list(sources.all_events), None)
    plan = rebuild_plan(instance, shape, staging_ok=trust, full=full)
    if plan.nothing_to_do:
        return Outcome(sources, list(sources.all_events), plan)
    for line in describe(plan):
        say(line)
    rebuild = defs.resolve_job_def(full_refresh_job.name).get_subset(
        asset_selection=set(plan.keys), asset_check_selection=set(plan.checks)
    )
    result = rebuild.execute_in_process(
        instance=instance, raise_on_error=False, run_config=run_config
    )
    after_run(result.run_id)
    return Outcome(result, [*sources.all_events, *result.all_events], plan)
