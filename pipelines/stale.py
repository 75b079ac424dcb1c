"""What a refresh must rebuild after the sources were read: Dagster's own stale status.

A refresh runs in two steps. First the sources (`refresh_sources`: SSB, KLASS, Kolada, the own
figures) are read; each reports a data version made from its content (pipelines/versions.py).
Then every asset Dagster finds STALE or MISSING is rebuilt, with the outputs and the publish,
since a release carries all of them together. When nothing is stale the published release stays
as it is. This is the resolution Dagster's daemon makes for `RunRequest(stale_assets_only=True)`
(dagster/_scheduler/stale.py); it lives in Dagster's internal modules, so it is wrapped here once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
from dagster._core.asset_graph_view.asset_graph_view import AssetGraphView, TemporalContext
from dagster._core.definitions.data_version import CachingStaleStatusResolver, StaleStatus
from dagster._time import get_current_datetime

from pipelines.warehouse import Warehouse

SOURCE_GROUPS = ("ssb_raw", "kolada_raw", "local_raw")
# the per-home outputs are partitions written after the publish (assets/homes), by their own
# job: never part of the national rebuild
HOME_GROUPS = ("homes",)
# read from a file beside the own figures (malestokk utfordringsnotat --import), so a source too
SOURCE_ASSETS = ("core_challenge_answers",)
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


@dataclass
class Plan:
    """The assets the second step builds, and why; empty when nothing changed."""

    keys: list[dg.AssetKey] = field(default_factory=list)
    checks: list[dg.AssetCheckKey] = field(default_factory=list)  # of these and of the sources
    reason: str = ""
    stale: list[str] = field(default_factory=list)

    @property
    def nothing_to_do(self) -> bool:
        return not self.keys


def stale_keys(instance: dg.DagsterInstance, asset_graph) -> list[dg.AssetKey]:
    """Every asset whose data or code version moved since it was built, or never built."""
    view = AssetGraphView(
        temporal_context=TemporalContext(effective_dt=get_current_datetime(), last_event_id=None),
        instance=instance,
        asset_graph=asset_graph,
    )
    resolver = CachingStaleStatusResolver(instance, asset_graph, view)
    return sorted(
        (
            key
            for key in _national(asset_graph)
            if resolver.get_status(key) in (StaleStatus.STALE, StaleStatus.MISSING)
        ),
        key=lambda k: k.to_user_string(),
    )


def rebuild_plan(
    instance: dg.DagsterInstance, asset_graph, *, staging_ok: str | None, full: bool = False
) -> Plan:
    """The second step: stale assets plus outputs and publish, or everything when the staging
    build cannot be trusted (`staging_ok` is the reason it cannot, None when it can)."""
    national = _national(asset_graph)
    sources = {k for k in national if _is_source(asset_graph, k)}
    derived = sorted(national - sources, key=_name)
    if full:
        return Plan(derived, _checks(asset_graph, derived, sources), "a full refresh was asked for")
    if staging_ok is not None:
        return Plan(derived, _checks(asset_graph, derived, sources), staging_ok)
    stale = [k for k in stale_keys(instance, asset_graph) if k in national and k not in sources]
    if not stale:
        return Plan([], [], "no source changed since the published release")
    extra = {k for k in derived if asset_graph.get(k).group_name in ALWAYS_WITH_A_REBUILD}
    # Dagster marks an asset stale when its own inputs moved; what is built from it moves when
    # it is rebuilt, so everything downstream goes too; a multi-asset (a table and its views)
    # is built whole
    keys = (
        dg.AssetSelection.assets(*stale).downstream() | dg.AssetSelection.assets(*extra)
    ).required_multi_asset_neighbors()
    ordered = sorted(keys.resolve(asset_graph) & national, key=_name)
    checks = _checks(asset_graph, ordered, sources)
    return Plan(ordered, checks, f"{len(stale)} stale", [_name(k) for k in stale])


def _national(asset_graph) -> set[dg.AssetKey]:
    return {
        k
        for k in asset_graph.materializable_asset_keys
        if asset_graph.get(k).group_name not in HOME_GROUPS
    }


def _checks(asset_graph, keys, sources) -> list[dg.AssetCheckKey]:
    """Every check on the assets rebuilt and on the sources (run without theirs)."""
    wanted = set(keys) | set(sources)
    return sorted(
        (c for c in asset_graph.asset_check_keys if c.asset_key in wanted),
        key=lambda c: (c.asset_key.to_user_string(), c.name),
    )


def staging_problem(warehouse_dir: Path) -> str | None:
    """Why the staging build may not match Dagster's record of it (then everything is rebuilt):
    it is gone, or nothing was ever published from it. None when it can be trusted."""
    wh = Warehouse(warehouse_dir)
    if not wh.staging.exists():
        return "no staging build to start from"
    if wh.last_publish() is None:
        return "nothing published yet"
    return None


def set_aside_foreign_staging(warehouse_dir: Path) -> str | None:
    """A staging build holding tables, views or macros the refresh does not make is moved
    aside (kept, never deleted) so the refresh builds a clean one; says so, or None."""
    import duckdb

    from pipelines.build_record import foreign_objects

    wh = Warehouse(warehouse_dir)
    if not wh.staging.exists():
        return None
    try:
        con = duckdb.connect(str(wh.staging), read_only=True)
    except duckdb.IOException:  # held by another process: the refresh's steps name it
        return None
    try:
        foreign = foreign_objects(con)
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


def _is_source(asset_graph, key: dg.AssetKey) -> bool:
    return asset_graph.get(key).group_name in SOURCE_GROUPS or _name(key) in SOURCE_ASSETS


def _name(key: dg.AssetKey) -> str:
    return key.to_user_string()
