"""The HTTP behaviour every API client shares: politeness, retries, clear errors, raw archiving.

SSB limits callers per IP address and Kolada asks clients to throttle themselves, so every request
goes through one rate limiter. Transient faults (429, 5xx, timeouts, dropped connections) are
retried with backoff; a 4xx is the caller's mistake and fails at once with the server's own words
and the request that caused it. A body that is not complete JSON is an error, never empty data.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from pipelines.sources.archive import RawArchive

USER_AGENT = "malestokk/0.1 (+https://github.com/malestokk/malestokk)"


def parse_json(body: bytes) -> Any:
    """An API answer's JSON (a KOSTRA table runs to hundreds of MB); ValueError when broken."""
    return json.loads(body)


class ApiError(RuntimeError):
    """An API answered with an error, or with a body that cannot be used."""

    def __init__(self, message: str, request: str, status: int | None = None) -> None:
        self.status = status
        self.request = request
        super().__init__(f"{message} [request: {request}]")


class RateLimiter:
    """Sliding windows: at most `max_calls` request starts in any `period` seconds, and as many
    further limits as the server announces (5 calls per 10 s on top of 30 per 60 s, say); every
    window holds at once."""

    def __init__(
        self,
        max_calls: int,
        period: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_calls < 1 or period <= 0:
            raise ValueError("a rate limit needs max_calls >= 1 and period > 0")
        self.windows: dict[float, int] = {float(period): max_calls}  # period -> max calls
        self._clock = clock
        self._sleep = sleep
        self._starts: deque[float] = deque()
        self._lock = threading.Lock()
        self.waited = 0.0

    def _pause_needed(self, now: float) -> float:
        longest = max(self.windows)
        while self._starts and now - self._starts[0] >= longest:
            self._starts.popleft()
        pause = 0.0
        for period, max_calls in self.windows.items():
            inside = [t for t in self._starts if now - t < period]
            if len(inside) >= max_calls:
                pause = max(pause, period - (now - inside[-max_calls]))
        return pause

    def acquire(self) -> None:
        with self._lock:
            while True:
                now = self._clock()
                pause = self._pause_needed(now)
                if pause <= 0:
                    self._starts.append(now)
                    return
                self.waited += pause
                self._sleep(pause)

    def block_for(self, seconds: float) -> None:
        """The server said wait (429): hold every caller back for that long."""
        self.waited += seconds
        self._sleep(seconds)

    def tighten(self, limit: int, window: float) -> None:
        """Follow a limit announced by the server (its config or x-ratelimit-* headers).

        The server counts arrivals, the limiter counts starts; a little slack on the window keeps
        a request that starts just inside it from arriving just outside it.
        """
        if limit < 1 or window <= 0:
            return  # SSB announces 0 for "not used"
        window = round(window * 1.05 + 0.25, 3)
        with self._lock:
            self.windows[window] = min(limit, self.windows.get(window, limit))


class NoRateLimit(RateLimiter):
    """For a transport that answers from local files: no server to spare, so no waiting."""

    def __init__(self) -> None:
        super().__init__(1, 1.0)

    def acquire(self) -> None:
        return

    def tighten(self, limit: int, window: float) -> None:
        return


_SHARED: dict[tuple[str, int, float], RateLimiter] = {}
_SHARED_LOCK = threading.Lock()


def shared_limiter(name: str, max_calls: int, period: float) -> RateLimiter:
    """One limiter per API in this process: SSB counts calls per IP address, not per client."""
    with _SHARED_LOCK:
        key = (name, max_calls, period)
        if key not in _SHARED:
            _SHARED[key] = RateLimiter(max_calls, period)
        return _SHARED[key]


@dataclass
class RetryPolicy:
    max_attempts: int = 5
    # a host that never answers (no route, no name, refused) is given up after this many tries:
    # a machine without network learns it in seconds, not after every backoff of every request
    connect_attempts: int = 2
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    retry_statuses: frozenset[int] = frozenset({429, 500, 502, 503, 504})

    def delay(self, attempt: int) -> float:
        return min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))


@dataclass
class RequestStats:
    """What a client did, reported in asset metadata and benchmarks."""

    requests: int = 0
    retries: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str) -> None:
        self.requests += 1
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1


CONNECT_TIMEOUT = 5.0  # seconds to open a connection: a reachable API answers far sooner


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After is either seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def transport_problem(exc: Exception) -> str:
    """'connection refused', 'timed out', ...: what a person needs from a transport error."""
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    text = re.sub(r"^\[Errno -?\d+\]\s*", "", str(exc).strip()) or type(exc).__name__
    return text[:1].lower() + text[1:]


def describe(method: str, url: str, body: Any = None) -> str:
    text = f"{method} {url}"
    if body is not None:
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        text += f" body={payload[:300]}" + ("…" if len(payload) > 300 else "")
    return text


class JsonApiClient:
    """An httpx client with the shared behaviour; subclasses add each API's endpoints."""

    source = "api"

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        rate_limiter: RateLimiter,
        retry: RetryPolicy | None = None,
        timeout: float = 60.0,
        archive: RawArchive | None = None,
        sleep: Callable[[float], None] = time.sleep,
        error_text: Callable[[httpx.Response], str] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT)),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            follow_redirects=True,
        )
        self.limiter = rate_limiter
        self.retry = retry or RetryPolicy()
        self.archive = archive
        self.stats = RequestStats()
        self._sleep = sleep
        self._error_text = error_text or (lambda r: r.text[:500])
        self._unreachable: str | None = None  # why the host never answered, once it did not

    def close(self) -> None:
        self.http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def request_json(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        kind: str = "data",
        parse: Callable[[bytes], Any] = parse_json,
    ) -> tuple[Any, str]:
        """Send with retries; return (parsed JSON, archive id or ""). `parse` turns the body
        into what the caller reads (JSON-stat data: a typed parse); ValueError when broken."""
        url = self.url(path)
        request_text = describe(method, str(httpx.URL(url, params=params)), json_body)
        if self._unreachable:  # the host did not answer before: say so at once, not after retries
            raise ApiError(f"{self.source} unreachable ({self._unreachable})", request_text)
        last_problem = ""
        unreachable = True  # every attempt failed before the server answered
        tries = 0
        for attempt in range(1, self.retry.max_attempts + 1):
            tries = attempt
            self.limiter.acquire()
            self.stats.count(kind)
            try:
                response = self.http.request(method, url, params=params, json=json_body)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                last_problem = transport_problem(exc)
                never_connected = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout))
                if unreachable and never_connected and attempt >= self.retry.connect_attempts:
                    break
                if attempt < self.retry.max_attempts:
                    self._back_off(attempt, None)
                continue
            unreachable = False
            self._follow_rate_headers(response)
            if response.status_code in self.retry.retry_statuses:
                last_problem = f"HTTP {response.status_code}: {self._error_text(response)}"
                wait = retry_after_seconds(response.headers.get("Retry-After"))
                if attempt < self.retry.max_attempts:
                    if response.status_code == 429 and wait is not None:
                        self.stats.retries += 1
                        self.limiter.block_for(wait)
                    else:
                        self._back_off(attempt, wait)
                continue
            if response.status_code >= 400:
                raise ApiError(
                    f"{self.source} answered HTTP {response.status_code}: "
                    f"{self._error_text(response)}",
                    request_text,
                    response.status_code,
                )
            body = response.content
            try:
                parsed = parse(body)
            except ValueError as exc:
                raise ApiError(
                    f"{self.source} sent a body that is not complete JSON "
                    f"({len(body)} bytes, {exc.msg} at char {exc.pos})",
                    request_text,
                    response.status_code,
                ) from exc
            archive_id = ""
            if self.archive is not None:
                archive_id = self.archive.store(
                    method=method,
                    url=str(response.request.url),
                    body=json_body,
                    content=body,
                    status=response.status_code,
                )
            return parsed, archive_id
        if unreachable:
            self._unreachable = last_problem
            raise ApiError(
                f"{self.source} unreachable after {tries} tries ({last_problem})", request_text
            )
        raise ApiError(
            f"{self.source} still failing after {self.retry.max_attempts} tries; last: "
            f"{last_problem}",
            request_text,
        )

    def _back_off(self, attempt: int, server_wait: float | None) -> None:
        if attempt >= self.retry.max_attempts:
            return
        self.stats.retries += 1
        self._sleep(max(server_wait or 0.0, self.retry.delay(attempt)))

    def _follow_rate_headers(self, response: httpx.Response) -> None:
        policy = response.headers.get("x-ratelimit-policy")  # e.g. "40;w=60s"
        if not policy:
            return
        try:
            limit_text, window_text = policy.split(";w=")
            self.limiter.tighten(int(limit_text), float(window_text.rstrip("s")))
        except ValueError:
            return
