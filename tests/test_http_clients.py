"""The shared client behaviour against recorded and scripted responses (no network)."""

import json
from pathlib import Path

import httpx
import pytest

from pipelines.sources.http import ApiError, JsonApiClient, RateLimiter, RetryPolicy
from pipelines.sources.kolada.client import KoladaClient, plan_data_queries
from pipelines.sources.ssb.pxweb import PxWebClient, plan_requests
from tests.conftest import FakeClock

FIXTURES = Path(__file__).parent / "fixtures"


def scripted(responses: list) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = responses.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    return httpx.MockTransport(handler), seen


def client(transport, clock: FakeClock, cls=JsonApiClient, **kw):
    return cls(
        "https://example.test/api",
        transport=transport,
        rate_limiter=RateLimiter(30, 60, clock=clock, sleep=clock.sleep),
        retry=RetryPolicy(max_attempts=4, backoff_base=1.0),
        sleep=clock.sleep,
        **kw,
    )


def test_rate_limiter_spaces_calls_over_the_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(3, 60, clock=clock, sleep=clock.sleep)
    for _ in range(7):
        limiter.acquire()
    # calls 4-6 wait for the first window to pass, call 7 for the second
    assert clock.sleeps == [60.0, 60.0]


def test_429_waits_for_retry_after_then_succeeds() -> None:
    clock = FakeClock()
    transport, seen = scripted(
        [
            httpx.Response(429, headers={"Retry-After": "7"}, json={"error": "Too many requests"}),
            httpx.Response(200, json={"ok": 1}),
        ]
    )
    body, _ = client(transport, clock).request_json("GET", "x")
    assert body == {"ok": 1} and len(seen) == 2
    assert 7.0 in clock.sleeps


def test_503_and_timeout_are_retried_with_backoff() -> None:
    clock = FakeClock()
    transport, _seen = scripted(
        [
            httpx.Response(503, text="maintenance"),
            httpx.ReadTimeout("slow"),
            httpx.ConnectError("refused"),
            httpx.Response(200, json=[1]),
        ]
    )
    c = client(transport, clock)
    assert c.request_json("GET", "x")[0] == [1]
    assert clock.sleeps == [1.0, 2.0, 4.0] and c.stats.retries == 3


def test_gives_up_after_max_attempts_naming_the_last_problem() -> None:
    clock = FakeClock()
    transport, _ = scripted([httpx.Response(503, text="down")] * 4)
    with pytest.raises(ApiError, match="after 4 tries; last: HTTP 503: down"):
        client(transport, clock).request_json("GET", "x")


def test_a_server_that_never_answers_is_called_unreachable_within_seconds() -> None:
    """No network: two tries a second apart, then every later request fails at once."""
    clock = FakeClock()
    transport, seen = scripted([httpx.ConnectError("[Errno 111] Connection refused")] * 4)
    c = client(transport, clock)
    with pytest.raises(ApiError) as err:
        c.request_json("GET", "x")
    assert str(err.value).startswith("api unreachable after 2 tries (connection refused)")
    with pytest.raises(ApiError, match=r"^api unreachable \(connection refused\)"):
        c.request_json("GET", "y")
    assert len(seen) == 2 and sum(clock.sleeps) <= 1.0
    assert c.http.timeout.connect == 5.0  # a host that does not answer costs seconds


def test_400_fails_at_once_with_ssb_title_and_the_request() -> None:
    clock = FakeClock()
    transport, seen = scripted(
        [
            httpx.Response(200, json={"maxDataCells": 800000}),  # GET /config comes first
            httpx.Response(
                400, json={"type": "Parameter error", "title": "Non-existent value", "status": 400}
            ),
        ]
    )
    c = client(transport, clock, cls=PxWebClient)
    request = plan_requests(
        "12134",
        {"KOKkommuneregion0000": ["9999"], "ContentsCode": ["X"], "Tid": ["2024"]},
        800_000,
        ["Tid"],
    )[0]
    with pytest.raises(ApiError) as err:
        c.data(request)
    assert len(seen) == 2  # the config, then the data request: not retried
    assert "HTTP 400: Non-existent value" in str(err.value)
    assert "POST https://example.test/api/tables/12134/data" in err.value.request
    assert '"valueCodes":["9999"]' in err.value.request


def test_truncated_body_is_an_error_not_empty_data() -> None:
    clock = FakeClock()
    text = (FIXTURES / "ks_12191_kostra_kommunehelse_v0_jsonstat2.json").read_bytes()
    transport, _ = scripted([httpx.Response(200, content=text[: len(text) // 2])])
    with pytest.raises(ApiError, match="not complete JSON"):
        client(transport, clock).request_json("GET", "x")


def test_server_announced_rate_limit_is_followed() -> None:
    clock = FakeClock()
    transport, _ = scripted(
        [httpx.Response(200, json={}, headers={"x-ratelimit-policy": "10;w=60s"})]
    )
    c = client(transport, clock)
    c.request_json("GET", "x")
    assert c.limiter.windows == {60.0: 30, 63.25: 10}


def test_cell_limit_planning_splits_into_the_fewest_requests() -> None:
    regions = [f"{i:04d}" for i in range(1000)]
    years = [str(y) for y in range(2015, 2025)]
    plan = plan_requests(
        "t",
        {"R": regions + regions[:5], "ContentsCode": ["a", "b"], "Tid": years},
        max_cells=4000,
        split_vars=["R"],
    )
    assert all(r.cells <= 4000 for r in plan)
    assert len(plan) == 5  # 1000 regions x 2 x 10 = 20 000 cells -> ceil(20 000 / 4 000)
    assert sum(len(r.selection["R"]) for r in plan) == 1000  # duplicates dropped, none lost


def test_kolada_follows_next_url_across_three_pages_and_plans_25_id_chunks() -> None:
    clock = FakeClock()
    rows = json.loads((FIXTURES / "v3_data_N21704_2023_5munis__omsorgsradar.json").read_text())
    rows = rows["values"] if isinstance(rows, dict) else rows
    pages = [
        httpx.Response(
            200,
            json={
                "count": 2,
                "values": rows[:2],
                "next_url": "https://example.test/api/data/kpi/N21704/year/2023?page=2",
            },
        ),
        httpx.Response(
            200,
            json={"count": 2, "values": rows[2:4], "next_url": "data/kpi/N21704/year/2023?page=3"},
        ),
        httpx.Response(200, json={"count": 1, "values": rows[4:], "next_url": None}),
    ]
    transport, seen = scripted(pages)
    c = client(transport, clock, cls=KoladaClient)
    got = [v for p in c.pages("data/kpi/N21704/year/2023") for v in p.values]
    assert got == rows and len(seen) == 3
    assert str(seen[2].url) == "https://example.test/api/data/kpi/N21704/year/2023?page=3"
    assert len(plan_data_queries([f"N{i:05d}" for i in range(26)], ["0180"], [2024])) == 2
