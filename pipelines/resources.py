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
from typing import TypeVar

import dagster as dg
import httpx
from pydantic import PrivateAttr

from pipelines.archive import RawArchive
from pipelines.catalog import Catalog, load_catalog
from pipelines.http import JsonApiClient, NoRateLimit, RateLimiter, RetryPolicy, shared_limiter
from pipelines.killed_runs import mark_killed_runs
from pipelines.klass import KlassClient
from pipelines.kolada.client import KoladaClient
from pipelines.local.private_store import PrivateStore
from pipelines.local.store import LocalArchive
from pipelines.refresh_lock import LockWait, refresh_lock
from pipelines.snapshot.kolada import KoladaSnapshotTransport
from pipelines.snapshot.ssb import KlassSnapshotTransport, SsbSnapshotTransport
from pipelines.ssb.pxweb import PxWebApi, PxWebClient, PxWebV0Client
from pipelines.warehouse import Warehouse

ClientT = TypeVar("ClientT", bound=JsonApiClient)


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


class PeerSetConfig(dg.Config):
    """A user's own peer set, as the settings file names it."""

    name: str
    label: str
    country: str
    members: list[str]


class StudyResource(dg.ConfigurableResource):
    """What is being compared: the home municipality, the years, the catalog, where outputs go.

    Every value comes from the validated settings (`definitions.build_resources`); the defaults
    live in `pipelines.config` only.
    """

    home_country: str
    home_municipality: str
    first_year: int
    last_year: int
    catalog_file: str
    outputs_dir: str
    peer_sets: list[PeerSetConfig]
    targets_file: str | None  # the scorecard (måleskjema); None: none yet
    expenditure_need_file: str | None  # utgiftsbehov index (Grønt hefte, tabell C); None: none
    network_peer_set: str | None  # the peer set the challenge note is drawn against, if any

    def catalog(self) -> Catalog:
        return load_catalog(self.catalog_file)

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))


class _ApiResource(dg.ConfigurableResource):
    mode: str  # "live" or "snapshot"
    snapshot_dir: str
    raw_dir: str
    timeout_seconds: float = 60.0
    max_attempts: int = 5
    backoff_seconds: float  # first wait after a transient fault; doubles each try

    def provenance(self, source: str) -> tuple[str, str | None]:
        if self.mode == "snapshot":
            return snapshot_provenance(self.snapshot_dir, source)
        return "live", None

    def table_provenance(self, source: str) -> dict[str, tuple[str, str]]:
        if self.mode == "snapshot":
            return snapshot_table_provenance(self.snapshot_dir, source)
        return {}

    def _client(
        self,
        cls: type[ClientT],
        base_url: str,
        snapshot: type[httpx.BaseTransport],
        limiter: RateLimiter,
        archive_name: str,
    ) -> ClientT:
        """The same client either way; only the transport differs in snapshot mode."""
        transport = snapshot(Path(self.snapshot_dir)) if self.mode == "snapshot" else None
        return cls(
            base_url,
            transport=transport,
            rate_limiter=limiter,
            retry=RetryPolicy(max_attempts=self.max_attempts, backoff_base=self.backoff_seconds),
            timeout=self.timeout_seconds,
            archive=RawArchive(Path(self.raw_dir), archive_name),
        )


class SsbResource(_ApiResource):
    pxweb_url: str
    klass_url: str
    api: str  # "v2" or the v0 fallback
    full_refresh: bool  # fetch every table even if its `updated` has not changed
    v0_url: str
    calls_per_window: int
    window_seconds: float = 60.0

    def _limiter(self) -> RateLimiter:
        """SSB limits per IP address, so PxWebApi and KLASS calls share one window."""
        if self.mode == "snapshot":  # a local file answers; there is no server to spare
            return NoRateLimit()
        return shared_limiter("ssb", self.calls_per_window, self.window_seconds)

    def pxweb(self) -> PxWebApi:
        if self.api == "v0":
            return self._client(
                PxWebV0Client, self.v0_url, SsbSnapshotTransport, self._limiter(), "ssb"
            )
        return self._client(
            PxWebClient, self.pxweb_url, SsbSnapshotTransport, self._limiter(), "ssb"
        )

    def klass(self) -> KlassClient:
        return self._client(
            KlassClient, self.klass_url, KlassSnapshotTransport, self._limiter(), "klass"
        )


class KoladaResource(_ApiResource):
    base_url: str
    requests_per_second: int
    full_pull: bool  # ignore from_date and pull everything again

    def client(self) -> KoladaClient:
        return self._client(
            KoladaClient,
            self.base_url,
            KoladaSnapshotTransport,
            shared_limiter("kolada", self.requests_per_second, 1.0)
            if self.mode == "live"
            else NoRateLimit(),
            "kolada",
        )


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
