"""The SSB, KLASS and Kolada clients, built the same way for a refresh and for the catalog tools.

Only the transport differs between live and offline: offline, the bundled snapshot answers
through the same client code, with no rate limit (no server is there to spare). Kept free of
Dagster so that the catalog commands start without loading it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx

from pipelines.sources.archive import RawArchive
from pipelines.sources.http import (
    JsonApiClient,
    NoRateLimit,
    RateLimiter,
    RetryPolicy,
    shared_limiter,
)
from pipelines.sources.klass import KlassClient
from pipelines.sources.kolada.client import KoladaClient
from pipelines.sources.snapshot.kolada import KoladaSnapshotTransport
from pipelines.sources.snapshot.ssb import KlassSnapshotTransport, SsbSnapshotTransport
from pipelines.sources.ssb.pxweb import PxWebApi, PxWebClient, PxWebV0Client

ClientT = TypeVar("ClientT", bound=JsonApiClient)
TIMEOUT_SECONDS = 60.0
MAX_ATTEMPTS = 5
SSB_WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class ClientMaker:
    mode: str  # "live" or "snapshot"
    snapshot_dir: str
    raw_dir: str
    backoff_seconds: float  # first wait after a transient fault; doubles each try
    timeout_seconds: float = TIMEOUT_SECONDS
    max_attempts: int = MAX_ATTEMPTS

    def make(
        self,
        cls: type[ClientT],
        base_url: str,
        snapshot: type[httpx.BaseTransport],
        limiter: RateLimiter,
        archive_name: str,
    ) -> ClientT:
        transport = snapshot(Path(self.snapshot_dir)) if self.mode == "snapshot" else None
        return cls(
            base_url,
            transport=transport,
            rate_limiter=limiter if self.mode == "live" else NoRateLimit(),
            retry=RetryPolicy(max_attempts=self.max_attempts, backoff_base=self.backoff_seconds),
            timeout=self.timeout_seconds,
            archive=RawArchive(Path(self.raw_dir), archive_name),
        )

    def ssb_limiter(self, calls_per_window: int, window_seconds: float) -> RateLimiter:
        """SSB limits per IP address, so PxWebApi and KLASS calls share one window."""
        if self.mode != "live":
            return NoRateLimit()
        return shared_limiter("ssb", calls_per_window, window_seconds)

    def pxweb(self, api: str, pxweb_url: str, v0_url: str, limiter: RateLimiter) -> PxWebApi:
        if api == "v0":
            return self.make(PxWebV0Client, v0_url, SsbSnapshotTransport, limiter, "ssb")
        return self.make(PxWebClient, pxweb_url, SsbSnapshotTransport, limiter, "ssb")

    def klass(self, klass_url: str, limiter: RateLimiter) -> KlassClient:
        return self.make(KlassClient, klass_url, KlassSnapshotTransport, limiter, "klass")

    def kolada(self, base_url: str, requests_per_second: int) -> KoladaClient:
        limiter = (
            shared_limiter("kolada", requests_per_second, 1.0)
            if self.mode == "live"
            else NoRateLimit()
        )
        return self.make(KoladaClient, base_url, KoladaSnapshotTransport, limiter, "kolada")


def clients_for(settings, want: str | None = None) -> tuple[PxWebApi | None, KoladaClient | None]:
    """The SSB PxWebApi client and the Kolada client the settings describe (either or both)."""
    maker = ClientMaker(
        settings.source_mode,
        str(settings.snapshot_dir),
        str(settings.raw_dir),
        settings.retry_backoff_seconds,
    )
    ssb = kolada = None
    if want in (None, "ssb"):
        limiter = maker.ssb_limiter(settings.ssb_calls_per_minute, SSB_WINDOW_SECONDS)
        ssb = maker.pxweb(settings.ssb_api, settings.ssb_pxweb_url, settings.ssb_v0_url, limiter)
    if want in (None, "kolada"):
        kolada = maker.kolada(settings.kolada_url, settings.kolada_requests_per_second)
    return ssb, kolada
