"""KOSTRA from SSB: planning, both PxWebApi versions, incremental refresh, vintages, KLASS, checks.

Everything runs against the bundled snapshot (served by its httpx transport, or over real HTTP by
a local server) and scripted responses; nothing touches the network.
"""

import gzip
import json
import shutil
import tempfile
from pathlib import Path

import httpx
import polars as pl
import pytest

from pipelines.settings.catalog import Indicator
from pipelines.sources.archive import RawArchive, ReplayTransport
from pipelines.sources.http import NoRateLimit, RateLimiter, RetryPolicy
from pipelines.sources.klass import KlassClient
from pipelines.sources.snapshot.ssb import KlassSnapshotTransport, SsbSnapshotTransport
from pipelines.sources.ssb.code_history import CodeChange
from pipelines.sources.ssb.pxweb import PxWebClient, PxWebV0Client, lower_bound, plan_requests
from pipelines.sources.ssb.refresh import fetch_groups, refresh_kostra
from quality.asset_checks import validate_frame
from quality.schemas import ssb_kostra_values
from tests.conftest import ROOT, flat_index, rewrite_table
from tests.fake_server import serve

YEARS = list(range(2017, 2025))


def ssb_indicator(id_: str, table: str, code: str, **fixed: str) -> Indicator:
    return Indicator(
        id=id_,
        source="ssb",
        label=id_,
        unit="prosent",
        service_area="økonomi",
        perspective="økonomi",
        higher_is_better=True,
        table=table,
        contents_code=code,
        fixed=fixed,
    )


CATALOG = {
    "12134": [ssb_indicator("a", "12134", "KOSAGD230000")],
    "12367": [
        ssb_indicator(
            f"f{f}", "12367", "KOSbelop0000",
            KOKregnskapsomfa0000="A", KOKfunksjon0000=f, KOKart0000="AGD2",
        )
        for f in ("201", "202")
    ],
}  # fmt: skip


def pxweb(cls=PxWebClient, snapshot: Path = ROOT / "snapshot", **kw):
    base = (
        "https://data.ssb.no/api/v0"
        if cls is PxWebV0Client
        else "https://data.ssb.no/api/pxwebapi/v2"
    )
    return cls(
        kw.pop("base_url", base),
        transport=kw.pop("transport", SsbSnapshotTransport(snapshot)),
        rate_limiter=kw.pop("rate_limiter", NoRateLimit()),
        retry=kw.pop("retry", RetryPolicy(max_attempts=3, backoff_base=0.01)),
        archive=kw.pop("archive", RawArchive(Path(tempfile.mkdtemp(prefix="malestokk-")), "ssb")),
        **kw,
    )


def refresh(client, previous=None, catalog=CATALOG):
    history, log = previous if previous else (None, None)
    return refresh_kostra(
        client,
        fetch_groups(catalog),
        YEARS,
        previous_history=history,
        previous_log=log,
        provenance="snapshot:synthetic",
        run_id="test",
    )


def snapshot_copy(tmp_path: Path) -> Path:
    target = tmp_path / "snapshot"
    shutil.copytree(ROOT / "snapshot", target)
    return target


# --- planning ---------------------------------------------------------------------------------


def test_planner_picks_the_split_order_that_reaches_the_lower_bound() -> None:
    selection = {
        "R": [f"{i:04d}" for i in range(300)],
        "C": ["x"],
        "Tid": [str(y) for y in range(10)],
    }
    # Splitting years first would need 4 requests (3 years x 300 regions per request);
    # splitting regions reaches ceil(3 000 / 1 000) = 3.
    plan = plan_requests("t", selection, 1000, ["Tid", "R"])
    assert len(plan) == lower_bound(3000, 1000) == 3
    assert all(r.cells <= 1000 for r in plan)
    cells = {(r_, t) for req in plan for r_ in req.selection["R"] for t in req.selection["Tid"]}
    assert len(cells) == 3000  # every cell asked for exactly once


def test_planner_stays_under_800_000_for_a_national_detail_table() -> None:
    regions = [f"{i:04d}" for i in range(540)]
    selection = {
        "KOKkommuneregion0000": regions + regions[:3],  # duplicates: SSB answers 500
        "KOKfunksjon0000": [f"{i:03d}" for i in range(97)],
        "KOKart0000": [f"AGD{i}" for i in range(20)],
        "ContentsCode": ["KOSbelop0000"],
        "Tid": [str(y) for y in range(2015, 2025)],
    }
    plan = plan_requests("12367", selection, 800_000, ["Tid", "KOKkommuneregion0000"])
    total = 540 * 97 * 20 * 10
    assert all(r.cells <= 800_000 for r in plan)
    assert sum(r.cells for r in plan) == total
    assert len(plan) == lower_bound(total, 800_000) == 14
    assert all(
        len(set(r.selection["KOKkommuneregion0000"])) == len(r.selection["KOKkommuneregion0000"])
        for r in plan
    )


def test_split_requests_reassemble_the_whole_table(tmp_path: Path) -> None:
    """With a tiny server cell limit, the refresh splits and still gets every cell once."""
    small = pxweb(transport=SsbSnapshotTransport(ROOT / "snapshot", max_cells=1_000))
    whole = refresh(pxweb())
    split = refresh(small)
    assert split.planned > 4 and split.planned == small.stats.by_kind["data"]
    key = ["table_id", "contents_code", "fixed", "region_code", "period"]
    assert (
        split.history.sort(key)
        .select(*key, "value", "status")
        .equals(whole.history.sort(key).select(*key, "value", "status"))
    )


# --- the two API versions ----------------------------------------------------------------------


def test_v0_fallback_gives_the_same_cells_as_v2() -> None:
    v2 = refresh(pxweb(PxWebClient)).history
    v0_client = pxweb(PxWebV0Client)
    v0 = refresh(v0_client).history
    key = ["table_id", "contents_code", "fixed", "region_code", "period"]
    cols = [*key, "region_label", "value", "status", "unit", "vintage"]
    assert v0.height == v2.height > 0
    assert v0.sort(key).select(cols).equals(v2.sort(key).select(cols))
    assert v0_client.stats.by_kind["data"] == 2  # one POST per table


def test_v0_query_body_asks_for_json_stat2() -> None:
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return SsbSnapshotTransport(ROOT / "snapshot").handle_request(request)

    client = pxweb(PxWebV0Client, transport=httpx.MockTransport(handler))
    refresh(client, catalog={"12134": CATALOG["12134"]})
    posts = [json.loads(r.content) for r in seen if r.method == "POST"]
    assert posts and posts[0]["response"] == {"format": "json-stat2"}
    assert {q["selection"]["filter"] for q in posts[0]["query"]} == {"item"}


# --- faults over real HTTP ---------------------------------------------------------------------


def test_timeout_then_success_against_a_local_server() -> None:
    calls = {"data": 0}

    def delay(request: httpx.Request) -> float:
        if request.method == "POST":
            calls["data"] += 1
            return 1.5 if calls["data"] == 1 else 0.0
        return 0.0

    with serve(SsbSnapshotTransport(ROOT / "snapshot"), delay) as url:
        client = pxweb(base_url=f"{url}/api/pxwebapi/v2", transport=None, timeout=0.5)
        result = refresh(client, catalog={"12134": CATALOG["12134"]})
    assert client.stats.retries == 1 and calls["data"] == 2
    assert result.history.filter(pl.col("region_code") == "1103").height == len(YEARS)


def test_a_wrong_contents_code_names_the_catalog_entry() -> None:
    bad = {"12134": [ssb_indicator("kostra.typo", "12134", "KOSAGD239999")]}
    with pytest.raises(ValueError, match=r"kostra.typo.*KOSAGD239999 not in the table"):
        refresh(pxweb(), catalog=bad)


def test_missing_table_fails_with_ssb_title(tmp_path: Path) -> None:
    from pipelines.sources.http import ApiError

    gone = {"99999": [ssb_indicator("x", "99999", "KOS")]}
    with pytest.raises(ApiError, match="HTTP 404: Non-existent table") as err:
        refresh(pxweb(), catalog=gone)
    assert "GET https://data.ssb.no/api/pxwebapi/v2/tables/99999" in err.value.request


# --- incremental refresh and vintages ----------------------------------------------------------


def test_unchanged_table_makes_no_data_request() -> None:
    first = refresh(pxweb())
    client = pxweb()
    second = refresh(client, (first.history, first.log))
    assert client.stats.by_kind.get("data", 0) == 0
    assert client.stats.by_kind["metadata"] == 3  # the server's config, one table info per table
    assert second.history.equals(first.history)
    assert set(second.log.filter(pl.col("run_id") == "test").tail(3)["action"]) == {"unchanged"}


def test_a_new_year_in_the_catalog_is_fetched_even_if_the_table_is_unchanged() -> None:
    first = refresh_kostra(
        pxweb(), fetch_groups(CATALOG), YEARS[:-1], previous_history=None, previous_log=None,
        provenance="snapshot:synthetic", run_id="r1",
    )  # fmt: skip
    client = pxweb()
    second = refresh(client, (first.history, first.log))
    assert client.stats.by_kind["data"] == 2
    assert "2024" in second.history["period"].to_list()


def test_a_revised_value_is_kept_as_a_second_vintage(tmp_path: Path) -> None:
    snapshot = snapshot_copy(tmp_path)
    rewrite_table(snapshot, "12134", "2025-03-15T07:00:00Z")
    march = refresh(pxweb(snapshot=snapshot), catalog={"12134": CATALOG["12134"]})
    cell = dict(KOKkommuneregion0000="1103", ContentsCode="KOSAGD230000", Tid="2024")
    with gzip.open(snapshot / "ssb/tables/12134.json.gz") as fh:
        ds = json.load(fh)
    old_value = ds["value"][flat_index(ds, **cell)]

    def revise(ds: dict) -> None:
        ds["value"][flat_index(ds, **cell)] = round(old_value + 1.3, 1)

    rewrite_table(snapshot, "12134", "2025-06-15T06:00:00Z", revise)
    client = pxweb(snapshot=snapshot)
    june = refresh(client, (march.history, march.log), catalog={"12134": CATALOG["12134"]})
    assert client.stats.by_kind["data"] == 1
    versions = june.history.filter(
        (pl.col("region_code") == "1103") & (pl.col("period") == "2024")
    ).sort("vintage")
    assert versions.select("value", "vintage", "is_current").rows() == [
        (old_value, "2025-03-15", False),
        (round(old_value + 1.3, 1), "2025-06-15", True),
    ]
    # every other cell is unchanged and keeps the release that first published it
    assert june.history.height == march.history.height + 1
    assert june.history.filter(pl.col("is_current"))["vintage"].value_counts().sort(
        "vintage"
    ).rows() == [("2025-03-15", march.history.height - 1), ("2025-06-15", 1)]
    check = validate_frame(june.history, ssb_kostra_values)
    assert check.passed, check.metadata


# --- KLASS --------------------------------------------------------------------------------------


def klass() -> KlassClient:
    return KlassClient(
        "https://data.ssb.no/api/klass/v1",
        transport=KlassSnapshotTransport(ROOT / "snapshot"),
        rate_limiter=RateLimiter(1000, 1.0),
    )


def test_klass_code_changes_map_drammen_0602_to_3005_to_3301() -> None:
    client = klass()
    items = [
        *client.changes(131, "2019-01-02", "2020-01-02"),
        *client.changes(131, "2023-01-02", "2024-01-02"),
    ]
    changes = [c for c in (CodeChange.from_klass(i) for i in items) if c]
    # the rows raw_klass__municipality_changes holds; sql/core/core_region__lineage.sql follows them
    pairs = {(c.old_code, c.new_code, c.occurred) for c in changes}
    assert {("0602", "3005", "2020-01-01"), ("3005", "3301", "2024-01-01")} <= pairs
    assert ("0625", "3005", "2020-01-01") in pairs  # Nedre Eiker merged into Drammen
    assert {("1507", "1508", "2024-01-01"), ("1507", "1580", "2024-01-01")} <= pairs  # split
    assert not any(c.old_code == "0301" for c in changes)  # Oslo never changed


def test_name_only_changes_are_not_renumberings() -> None:
    item = {"oldCode": "1942", "newCode": "1942", "oldName": "Nordreisa",
            "newName": "Nordreisa - Ráisa - Raisi", "changeOccurred": "2020-01-01"}  # fmt: skip
    assert CodeChange.from_klass(item) is None
    assert CodeChange.from_klass({"newCode": "5001", "changeOccurred": "2018-01-01"}) is None


def test_klass_lists_and_kostra_groups_per_year() -> None:
    client = klass()
    municipalities_2024 = {c["code"] for c in client.codes_at(131, "2024-01-01")}
    assert {"3301", "1508", "1580"} <= municipalities_2024 and "3005" not in municipalities_2024
    counties = {c["code"] for c in client.codes_at(104, "2024-01-01")}
    assert {"31", "32", "33", "39", "40", "55", "56"} <= counties and "30" not in counties
    groups = {
        i["sourceCode"]: i["targetCode"] for i in client.corresponds_at(131, 112, "2024-01-01")
    }
    assert groups["0301"] == "EKG13" and groups["3301"] == "EKG12"
    with pytest.raises(Exception, match="HTTP 404"):
        client.corresponds_at(131, 112, "2019-01-01")  # no 2020-grouping before 2020


# --- pandera ------------------------------------------------------------------------------------


def test_schema_failure_shows_the_failing_rows() -> None:
    good = refresh(pxweb(), catalog={"12134": CATALOG["12134"]}).history
    bad = pl.concat(
        [
            good.head(5),
            good.head(1).with_columns(pl.lit("EKG1").alias("region_code")),  # not EKGnn
            good.slice(1, 1).with_columns(pl.lit("X").alias("status"), pl.lit(1.0).alias("value")),
        ]
    )
    result = validate_frame(bad, ssb_kostra_values)
    assert not result.passed
    rows = result.metadata["failing_rows"].value
    assert "EKG1 " in rows or "| EKG1 |" in rows
    assert "| X |" in rows
    assert result.metadata["failing_rows_count"].value >= 2


# --- raw archive --------------------------------------------------------------------------------


def test_a_load_replays_from_the_raw_archive_without_the_network(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path, "ssb")
    live = pxweb(archive=archive)
    original = refresh(live).history
    entries = archive.requests()
    assert {e["method"] for e in entries} == {"GET", "POST"}
    posts = [e for e in entries if e["method"] == "POST"]
    assert posts[0]["body"]["selection"] and posts[0]["url"].endswith("outputFormat=json-stat2")
    assert set(original["archive_id"]) == {e["sha256"] for e in posts}
    replayed = refresh(pxweb(transport=ReplayTransport(archive))).history
    assert replayed.drop("archive_id").equals(original.drop("archive_id"))


def test_a_full_refresh_fetches_unchanged_tables_again() -> None:
    first = refresh(pxweb())
    client = pxweb()
    refresh_kostra(
        client, fetch_groups(CATALOG), YEARS, previous_history=first.history,
        previous_log=first.log, provenance="snapshot:synthetic", run_id="full", force=True,
    )  # fmt: skip
    assert client.stats.by_kind["data"] == 2  # `malestokk refresh --full`


def test_pxwebapi_and_klass_share_one_rate_limit_live() -> None:
    """SSB counts calls per IP address: every client of this process draws on one window."""
    from pipelines.resources import SsbResource

    same = {"snapshot_dir": "snapshot", "raw_dir": "/tmp", "pxweb_url": "https://x",
            "klass_url": "https://y", "v0_url": "https://z", "api": "v2", "calls_per_window": 30,
            "full_refresh": False, "backoff_seconds": 1.0}  # fmt: skip
    ssb = SsbResource(mode="live", **same)
    a, b, c = ssb.pxweb(), ssb.klass(), ssb.pxweb()
    assert a.limiter is b.limiter is c.limiter
    offline = SsbResource(mode="snapshot", **same)
    assert offline.pxweb().limiter is not a.limiter


class _LimitedServer(httpx.BaseTransport):
    """SSB as it would enforce what its /config announces: N calls per window, by arrival."""

    def __init__(self, calls: int, window: float) -> None:
        import threading

        self.inner = SsbSnapshotTransport(ROOT / "snapshot")
        self.inner.config.update(maxCallsPerTimeWindow=calls, timeWindow=window)
        self.calls, self.window = calls, window
        self.arrivals: list[float] = []
        self.refused = 0
        self.lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        import time

        with self.lock:
            now = time.monotonic()
            recent = [t for t in self.arrivals if now - t < self.window]
            self.arrivals.append(now)
            if len(recent) >= self.calls:
                self.refused += 1
                return httpx.Response(429, headers={"Retry-After": str(self.window)})
        return self.inner.handle_request(request)


def test_calls_per_time_window_announced_in_config_are_followed_without_a_429() -> None:
    server = _LimitedServer(calls=5, window=1)
    with serve(server) as url:
        client = PxWebClient(
            f"{url}/api/pxwebapi/v2",
            rate_limiter=RateLimiter(30, 60),  # what SSB documents; the server is stricter
            retry=RetryPolicy(max_attempts=3, backoff_base=0.01),
        )
        for table in ["12134", "12367", "12191", "12293"] * 4:
            assert client.table_updated(table)
    assert len(server.arrivals) == 17  # the config first, then 16 table infos
    assert server.refused == 0 and client.stats.retries == 0


def test_v0_config_limits_are_followed_too() -> None:
    client = pxweb(PxWebV0Client, rate_limiter=RateLimiter(30, 60))
    client.max_cells()
    assert client.limiter.windows[63.25] == 30  # the config's 30 per 60 s, with slack
    strict = PxWebV0Client(
        "https://data.ssb.no/api/v0",
        transport=httpx.MockTransport(
            lambda r: httpx.Response(200, json={"maxCalls": 10, "timeWindow": 10, "maxCells": 5})
        ),
        rate_limiter=RateLimiter(30, 60),
    )
    assert strict.max_cells() == 5
    assert strict.limiter.windows == {60.0: 30, 10.75: 10}
