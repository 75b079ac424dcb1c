"""Dagster resources: every connection and setting an asset needs, configured in one place.

`definitions.py` builds these from the validated settings; assets only ever receive them. In
snapshot mode the API resources hand the same clients an httpx transport that answers from the
bundled snapshot, so offline runs exercise the real client code.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from pydantic import PrivateAttr

from pipelines.orchestration.killed_runs import mark_killed_runs
from pipelines.orchestration.refresh_lock import LockWait, refresh_lock
from pipelines.settings.config import Settings
from pipelines.sources.clients import MAX_ATTEMPTS, SSB_WINDOW_SECONDS, TIMEOUT_SECONDS, ClientMaker
from pipelines.sources.http import RateLimiter
from pipelines.sources.klass import KlassClient
from pipelines.sources.kolada.client import KoladaClient
from pipelines.sources.local.ledger import LocalArchive
from pipelines.sources.local.private_store import PrivateStore
from pipelines.sources.ssb.pxweb import PxWebApi
from pipelines.storage.warehouse import Warehouse


def snapshot_provenance(snapshot_dir: str, source: str) -> tuple[str, str]:
    """(provenance label, vintage of the recording) from snapshot/manifest.toml."""
    manifest = tomllib.loads((Path(snapshot_dir) / "manifest.toml").read_text(encoding="utf-8"))
    entry = manifest[source]
    return entry["provenance"], entry["retrieved"]


def snapshot_table_provenance(snapshot_dir: str, source: str) -> dict[str, tuple[str, str]]:
    """Tables whose snapshot values differ in kind from the rest: table -> (label, source)."""
    manifest = tomllib.loads((Path(snapshot_dir) / "manifest.toml").read_text(encoding="utf-8"))
    tables = manifest[source].get("tables", {})
    return {t: (e["provenance"], e.get("values_from", "")) for t, e in tables.items()}


def snapshot_group_provenance(snapshot_dir: str) -> tuple[str, dict[str, str]]:
    """How far the snapshot's KOSTRA-group membership can be trusted: the label for every row,
    and the groups whose membership is SSB's own (group code -> where that is stated)."""
    manifest = tomllib.loads((Path(snapshot_dir) / "manifest.toml").read_text(encoding="utf-8"))
    ssb = manifest.get("ssb", {})
    entry = ssb.get("kostra_groups", {})
    # a snapshot recorded from KLASS (`malestokk snapshot record`) holds SSB's own membership:
    # its rows take the snapshot's label unless the manifest says otherwise
    default = ssb.get("provenance", "snapshot:synthetic")
    return entry.get("provenance", default), dict(entry.get("real_groups", {}))


class _ApiResource(dg.ConfigurableResource):
    mode: str  # "live" or "snapshot"
    snapshot_dir: str
    raw_dir: str
    timeout_seconds: float = TIMEOUT_SECONDS
    max_attempts: int = MAX_ATTEMPTS
    backoff_seconds: float  # first wait after a transient fault; doubles each try

    def provenance(self, source: str) -> tuple[str, str | None]:
        if self.mode == "snapshot":
            return snapshot_provenance(self.snapshot_dir, source)
        return "live", None

    def group_provenance(self) -> tuple[str, dict[str, str]]:
        """(label of each KOSTRA-group row, groups whose membership is SSB's own)."""
        if self.mode == "snapshot":
            return snapshot_group_provenance(self.snapshot_dir)
        return "ssb:klass", {}

    def table_provenance(self, source: str) -> dict[str, tuple[str, str]]:
        if self.mode == "snapshot":
            return snapshot_table_provenance(self.snapshot_dir, source)
        return {}

    def _maker(self) -> ClientMaker:
        """The same clients as the catalog tools build (pipelines/sources/clients.py)."""
        return ClientMaker(
            self.mode, self.snapshot_dir, self.raw_dir, self.backoff_seconds,
            self.timeout_seconds, self.max_attempts,
        )  # fmt: skip


class SsbResource(_ApiResource):
    pxweb_url: str
    klass_url: str
    api: str  # "v2" or the v0 fallback
    full_refresh: bool  # fetch every table even if its `updated` has not changed
    v0_url: str
    calls_per_window: int
    window_seconds: float = SSB_WINDOW_SECONDS

    def _limiter(self) -> RateLimiter:
        return self._maker().ssb_limiter(self.calls_per_window, self.window_seconds)

    def pxweb(self) -> PxWebApi:
        return self._maker().pxweb(self.api, self.pxweb_url, self.v0_url, self._limiter())

    def klass(self) -> KlassClient:
        return self._maker().klass(self.klass_url, self._limiter())


class KoladaResource(_ApiResource):
    base_url: str
    requests_per_second: int
    full_pull: bool  # ignore from_date and pull everything again

    def client(self) -> KoladaClient:
        return self._maker().kolada(self.base_url, self.requests_per_second)


class LocalDataResource(dg.ConfigurableResource):
    """Where imported files are archived, the inbox users drop files into, and the privacy rules."""

    local_dir: str
    inbox_dir: str
    private_dir: str  # the unsuppressed figures: readable by the refresh only
    samples_dir: str | None  # the demo's sample files (snapshot mode only)
    sick_leave_min_employees: int
    survey_min_respondents: int

    def archive(self) -> LocalArchive:
        return LocalArchive(Path(self.local_dir))

    def private_store(self) -> PrivateStore:
        return PrivateStore(Path(self.private_dir))


class WarehouseResource(dg.ConfigurableResource):
    """The staging and published warehouse. A run holds the refresh lock while it has this
    resource, so two runs (UI, schedule, sensor, CLI) never write the staging file at once; a run
    started while another refreshes waits for it (up to `lock_wait_seconds`)."""

    warehouse_dir: str
    lock_wait_seconds: float = 4 * 3600.0
    _run_id: str | None = PrivateAttr(default=None)

    def get(self) -> Warehouse:
        return Warehouse(Path(self.warehouse_dir))

    def run_id(self) -> str | None:
        """The run that holds the warehouse now (recorded with every blocking check)."""
        return self._run_id

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[WarehouseResource]:
        def waiting(holder: str) -> None:
            if context.log is not None:
                context.log.info(f"waiting for the refresh lock: {holder}")

        run_id = context.run.run_id if context.run else None
        with refresh_lock(
            Path(self.warehouse_dir),
            wait=LockWait(self.lock_wait_seconds),
            run_id=run_id,
            command="dagster run",
            on_wait=waiting,
        ):
            self._run_id = run_id
            # holding the lock, this run is the only one that can be building: what other runs
            # left behind was left by runs that died
            removed = self.get().releases.clean(running=run_id)
            killed = mark_killed_runs(context.instance, run_id) if context.instance else []
            if context.log is not None and (removed or killed):
                context.log.info(
                    f"cleaned up after earlier runs: removed {', '.join(removed) or 'nothing'}; "
                    f"marked failed {', '.join(killed) or 'none'}"
                )
            yield self


class PublishedWarehouseResource(dg.ConfigurableResource):
    """The published release, for the per-home outputs: they only read it, so they take no
    refresh lock and any number run at once (a publish meanwhile swaps `current`, and the
    release a home writes into is kept with the two before it)."""

    warehouse_dir: str

    @property
    def dir(self) -> Path:
        return Path(self.warehouse_dir)


def build_resources(settings: Settings) -> dict[str, object]:
    common = {
        "mode": settings.source_mode,
        "snapshot_dir": str(settings.snapshot_dir),
        "raw_dir": str(settings.raw_dir),
        "backoff_seconds": settings.retry_backoff_seconds,
    }
    return {
        # what is compared (home, years, catalog, peer sets, målekart): the settings model
        # itself, declared once in pipelines/settings/config.py, never copied into fields here
        "study": settings,
        "ssb": SsbResource(
            pxweb_url=settings.ssb_pxweb_url,
            klass_url=settings.ssb_klass_url,
            api=settings.ssb_api,
            v0_url=settings.ssb_v0_url,
            calls_per_window=settings.ssb_calls_per_minute,
            full_refresh=settings.full_refresh,
            **common,
        ),
        "kolada": KoladaResource(
            base_url=settings.kolada_url,
            requests_per_second=settings.kolada_requests_per_second,
            full_pull=settings.full_refresh,
            **common,
        ),
        "warehouse": WarehouseResource(warehouse_dir=str(settings.warehouse_dir)),
        "published": PublishedWarehouseResource(warehouse_dir=str(settings.warehouse_dir)),
        "local": LocalDataResource(
            local_dir=str(settings.local_dir),
            inbox_dir=str(settings.inbox_dir),
            private_dir=str(settings.private_dir),
            samples_dir=_local_samples(settings),
            sick_leave_min_employees=settings.sick_leave_min_employees,
            survey_min_respondents=settings.survey_min_respondents,
        ),
    }


def _local_samples(settings: Settings) -> str | None:
    """The demo's own-figure files, offline and only for the home they were made for (the
    snapshot manifest's [local] home): a Swedish home must not show Stavanger's units."""
    if settings.source_mode != "snapshot":
        return None
    manifest = settings.snapshot_dir / "manifest.toml"
    made_for = tomllib.loads(manifest.read_text("utf-8")).get("local", {}).get("home")
    if made_for != settings.home_region_key:
        return None
    return str(settings.snapshot_dir / "local")
