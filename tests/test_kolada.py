"""Kolada v3: paging, chunking, faults, unknown ids, deletions, gender order, from_date, groups.

The real values of the bundled snapshot are served by its httpx transport (and over real HTTP by
a local server); faults and incremental answers are scripted. No network.
"""

import json
from pathlib import Path

import httpx
import polars as pl
import pytest

from pipelines.settings.catalog import load_catalog
from pipelines.sources.archive import RawArchive
from pipelines.sources.http import ApiError, RateLimiter, RetryPolicy
from pipelines.sources.kolada.client import (
    KoladaClient,
    Page,
    pages_needed,
    plan_data_queries,
    requests_lower_bound,
)
from pipelines.sources.kolada.groups import expanded_indicators
from pipelines.sources.kolada.pull import pull_kolada, rows_from_pages
from pipelines.sources.snapshot.kolada import KoladaSnapshotTransport
from quality.asset_checks import validate_frame
from quality.schemas import kolada_values
from tests.conftest import ROOT, FakeClock
from tests.fake_server import serve

BASE = "https://api.kolada.se/v3"
SNAPSHOT = ROOT / "snapshot"
HAPARANDA, KIRUNA = "2583", "2584"


SNAPSHOT_TRANSPORT = object()


def kolada(transport=SNAPSHOT_TRANSPORT, base: str = BASE, clock=None, tmp=None) -> KoladaClient:
    """A client on the snapshot transport, a given transport, or (None) real HTTP to `base`."""
    clock = clock or FakeClock()
    return KoladaClient(
        base,
        transport=KoladaSnapshotTransport(SNAPSHOT)
        if transport is SNAPSHOT_TRANSPORT
        else transport,
        rate_limiter=RateLimiter(5, 1.0, clock=clock, sleep=clock.sleep),
        retry=RetryPolicy(max_attempts=4, backoff_base=1.0),
        sleep=clock.sleep,
        archive=RawArchive(tmp, "kolada") if tmp else None,
    )


def wrapping(handler):
    """A transport that answers with `handler` when it returns a response, else the snapshot."""
    snapshot = KoladaSnapshotTransport(SNAPSHOT)
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request) or snapshot.handle_request(request)

    return httpx.MockTransport(handle), seen


def pull(client, kpis, munis, years, previous=None, **kw):
    history, log = previous if previous else (None, None)
    return pull_kolada(
        client, kpis, munis, years,
        previous_history=history, previous_log=log,
        known_kpis=kw.pop("known_kpis", {k for k in kpis if not k.endswith("99999")}),
        known_municipalities=kw.pop("known_municipalities", set(munis)),
        vintage=kw.pop("vintage", "2024-08"), provenance="snapshot:recorded",
        run_id=kw.pop("run_id", "r1"), today=kw.pop("today", "2026-11-01"), **kw,
    )  # fmt: skip


def current(history: pl.DataFrame) -> pl.DataFrame:
    return history.filter(pl.col("is_current") & ~pl.col("isdeleted"))


# --- planning and paging ------------------------------------------------------------------------


def test_26_kpis_are_split_into_two_requests() -> None:
    kpis = [f"N{i:05d}" for i in range(26)]
    plan = plan_data_queries(kpis, [HAPARANDA], [2023])
    assert len(plan) == 2 and all(len(q.kpis) <= 25 for q in plan)
    assert sorted(k for q in plan for k in q.kpis) == kpis
    transport, seen = wrapping(lambda r: None)
    result = pull(kolada(transport), kpis, [HAPARANDA], [2023])
    assert len([r for r in seen if "/data/" in r.url.path]) == 2
    assert result.planned_requests == 2


def test_kkik_plan_fills_pages_and_meets_the_lower_bound() -> None:
    kpis = [f"N{i:05d}" for i in range(40)]
    munis = [f"{i:04d}" for i in range(299)]
    plan = plan_data_queries(kpis, munis, range(2015, 2025))
    assert all(len(q.kpis) <= 25 and len(q.municipalities) <= 25 for q in plan)
    assert pages_needed(plan) == requests_lower_bound(40, 299, 10) == 24
    # every KPI x municipality x year is asked for exactly once
    cells = {(k, m, y) for q in plan for k in q.kpis for m in q.municipalities for y in q.years}
    assert len(cells) == 40 * 299 * 10


def test_paging_across_three_pages_over_http(tmp_path: Path) -> None:
    """5 000 rows per page: 3 KPIs x ~290 municipalities x 15 years (11 596 rows): 3 pages."""
    with serve(KoladaSnapshotTransport(SNAPSHOT)) as url:
        client = kolada(transport=None, base=f"{url}/v3", tmp=tmp_path)
        pages = list(
            client.pages(
                "data/kpi/N15428,N20048,N00096/year/" + ",".join(map(str, range(2010, 2025)))
            )
        )
    assert len(pages) == 3
    assert all(len(p.values) <= 5000 for p in pages) and len(pages[0].values) == 5000
    assert pages[1].url.startswith(url)  # next_url is followed, not rebuilt from page numbers
    assert len({p.archive_id for p in pages}) == len(pages)
    keys = [(v["kpi"], v["municipality"], v["period"]) for p in pages for v in p.values]
    assert len(keys) == len(set(keys))  # no row twice across pages


# --- faults -------------------------------------------------------------------------------------


def test_429_with_retry_after_then_success() -> None:
    clock = FakeClock()
    calls = []

    def handler(request):
        calls.append(request)
        if len(calls) == 1:
            return httpx.Response(429, headers={"Retry-After": "7"}, json={"detail": "slow down"})
        return None

    transport, _ = wrapping(handler)
    client = kolada(transport, clock=clock)
    rows = [
        v
        for p in client.data(plan_data_queries(["N15428"], [HAPARANDA], [2019])[0])
        for v in p.values
    ]
    assert rows and rows[0]["municipality"] == HAPARANDA
    assert 7.0 in clock.sleeps and client.stats.retries == 1 and len(calls) == 2


def test_422_fails_at_once_with_the_body_and_the_request() -> None:
    ids = ",".join(f"N{i:05d}" for i in range(26))
    with pytest.raises(ApiError) as err:
        list(kolada().pages(f"data/kpi/{ids}/year/2023"))
    assert err.value.status == 422
    assert "at most 25 ids in 'kpi'" in str(err.value)  # the server's own body
    assert f"GET {BASE}/data/kpi/N00000," in err.value.request


def test_unknown_kpi_id_is_reported_by_name() -> None:
    result = pull(kolada(), ["N15428", "N99999"], [HAPARANDA], [2019])
    assert result.unknown_kpis == ["N99999"]
    row = result.log.filter(pl.col("kpi") == "N99999").row(0, named=True)
    assert (row["known_to_kolada"], row["rows"]) == (False, 0)
    assert result.log.filter(pl.col("kpi") == "N15428")["rows"].item() > 0


# --- rows ---------------------------------------------------------------------------------------


def test_gender_order_varies_but_each_value_keeps_its_gender() -> None:
    item = {"kpi": "N15428", "municipality": HAPARANDA, "period": 2019}
    pages = [
        Page([{**item, "values": [
            {"gender": "M", "count": 1, "status": "", "value": 60.0, "isdeleted": False},
            {"gender": "T", "count": 1, "status": "", "value": 67.9, "isdeleted": False},
            {"gender": "K", "count": 1, "status": "", "value": 76.2, "isdeleted": False},
        ]}], "a" * 64, "u1"),
        Page([{**item, "period": 2020, "values": [
            {"gender": "K", "count": 1, "status": "", "value": 70.0, "isdeleted": False},
            {"gender": "T", "count": 1, "status": "", "value": None, "isdeleted": False},
        ]}], "b" * 64, "u2"),
    ]  # fmt: skip
    frame = rows_from_pages(pages, "2024-08", "live")
    by = {(r["period"], r["gender"]): r["value"] for r in frame.iter_rows(named=True)}
    assert by == {(2019, "M"): 60.0, (2019, "T"): 67.9, (2019, "K"): 76.2, (2020, "K"): 70.0,
                  (2020, "T"): None}  # fmt: skip
    assert frame.filter(pl.col("period") == 2020)["archive_id"].unique().to_list() == ["b" * 64]


def incremental_answer(changes: list[dict]):
    """Answer from_date data queries with `changes` (Kolada's shape); leave the rest alone."""
    asked: list[str] = []

    def handler(request: httpx.Request):
        if "/data/" in request.url.path and "from_date" in request.url.params:
            asked.append(request.url.params["from_date"])
            return httpx.Response(200, json={"count": len(changes), "values": changes,
                                             "next_url": None})  # fmt: skip
        return None

    return handler, asked


def test_from_date_merges_updates_and_deletions_into_the_history(tmp_path: Path) -> None:
    first = pull(kolada(tmp=tmp_path), ["N15428"], [HAPARANDA, KIRUNA], [2018, 2019])
    before = current(first.history)
    old = before.filter(
        (pl.col("municipality") == HAPARANDA)
        & (pl.col("period") == 2019)
        & (pl.col("gender") == "T")
    )["value"].item()
    changes = [
        {"kpi": "N15428", "municipality": HAPARANDA, "period": 2019, "values": [
            {"gender": "T", "count": 1, "status": "", "value": old + 2.5, "isdeleted": False}]},
        {"kpi": "N15428", "municipality": KIRUNA, "period": 2018, "values": [
            {"gender": "K", "count": 0, "status": "", "value": None, "isdeleted": True}]},
    ]  # fmt: skip
    handler, asked = incremental_answer(changes)
    transport, _ = wrapping(handler)
    second = pull(
        kolada(transport, tmp=tmp_path), ["N15428"], [HAPARANDA, KIRUNA], [2018, 2019],
        previous=(first.history, first.log), vintage="2026-11-20", run_id="r2", today="2026-11-20",
    )  # fmt: skip
    assert asked == ["2026-11-01"]  # the date of the last successful pull of that KPI
    assert second.rows_changed == 2
    now = current(second.history)
    assert now.height == before.height - 1  # the deletion left the current view
    versions = second.history.filter(
        (pl.col("municipality") == HAPARANDA)
        & (pl.col("period") == 2019)
        & (pl.col("gender") == "T")
    ).sort("vintage")
    assert versions.select("value", "vintage", "is_current").rows() == [
        (old, "2024-08", False), (old + 2.5, "2026-11-20", True)
    ]  # fmt: skip
    deleted = second.history.filter(
        (pl.col("municipality") == KIRUNA) & (pl.col("period") == 2018) & (pl.col("gender") == "K")
    ).sort("vintage")
    assert deleted["isdeleted"].to_list() == [False, True]  # kept in the history
    assert deleted["is_current"].to_list() == [False, True]
    assert second.log.filter(pl.col("run_id") == "r2")["mode"].to_list() == ["incremental"]
    check = validate_frame(second.history, kolada_values)
    assert check.passed, check.metadata


def test_a_second_pull_with_nothing_changed_touches_no_rows() -> None:
    first = pull(kolada(), ["N15428"], [HAPARANDA], [2019])
    client = kolada()
    second = pull(client, ["N15428"], [HAPARANDA], [2019], previous=(first.history, first.log),
                  today="2026-11-02")  # fmt: skip
    assert second.rows_received == 0 and second.rows_changed == 0
    assert client.stats.by_kind["data"] == 1
    assert second.history.equals(first.history)


def test_a_full_pull_turns_vanished_values_into_deletions() -> None:
    first = pull(kolada(), ["N15428"], [HAPARANDA], [2019])
    gone = first.history.with_columns(pl.lit(2031).cast(pl.Int32).alias("period")).head(1)
    history = pl.concat([first.history, gone])  # a value Kolada no longer has
    result = pull(kolada(), ["N15428"], [HAPARANDA], [2019, 2031],
                  previous=(history, first.log), full=True)  # fmt: skip
    row = result.history.filter((pl.col("period") == 2031) & pl.col("is_current"))
    assert row["isdeleted"].to_list() == [True]
    assert result.log["mode"].to_list()[-1] == "full"


# --- groups -------------------------------------------------------------------------------------


def test_a_kpi_group_in_the_catalog_expands_to_its_members(tmp_path: Path) -> None:
    catalog_file = tmp_path / "indicators.toml"
    catalog_file.write_text(
        '[[indicator]]\nid = "kolada.behorighet"\nsource = "kolada"\nkpi = "N15428"\n'
        'label = "Behörighet"\nunit = "prosent"\nservice_area = "grunnskole"\n'
        'perspective = "tjenester/brukere"\nhigher_is_better = true\n\n'
        '[[kolada_kpi_group]]\nid = "kolada.kkik"\nkpi_group = "GKPI118"\n'
        'service_area = "KKiK"\nperspective = "tjenester/brukere"\n',
        encoding="utf-8",
    )
    catalog = load_catalog(catalog_file)
    client = kolada()
    (group,) = client.kpi_groups(["GKPI118"])
    members = [m["member_id"] for m in group["members"]]
    meta = {k["id"]: k for k in client.kpis(members)}
    assert len(members) == 40 and set(meta) == set(members)
    indicators = expanded_indicators(catalog, {"GKPI118": members}, meta)
    by_kpi = {i.kpi: i for i in indicators}
    assert len(indicators) == 40  # N15428 is a member and listed once, by the catalog
    assert by_kpi["N15428"].id == "kolada.behorighet" and by_kpi["N15428"].kpi_group is None
    other = by_kpi[next(k for k in members if k != "N15428")]
    assert other.id.startswith("kolada.kkik.") and other.kpi_group == "GKPI118"
    assert other.label == meta[other.kpi]["title"]


def test_municipality_group_values_are_unweighted_means_of_members() -> None:
    client = kolada()
    (group,) = client.municipality_groups(["G92791"])
    ids = [m["member_id"] for m in group["members"]]
    result = pull(client, ["N15428"], ["G92791"], [2019])
    value = current(result.history).filter(pl.col("gender") == "T")["value"].item()
    members = pl.read_parquet(SNAPSHOT / "kolada/values.parquet").filter(
        pl.col("municipality").is_in(ids) & (pl.col("kpi") == "N15428")
        & (pl.col("period") == 2019) & (pl.col("gender") == "T")
    )  # fmt: skip
    assert value == pytest.approx(members["value"].mean())
    assert json.loads(json.dumps(group))["id"] == "G92791"


# --- national pulls: no municipality segment --------------------------------------------------

KKIK = [m["member_id"] for g in json.loads((SNAPSHOT / "kolada/kpi_groups.json").read_text())
        if g["id"] == "GKPI118" for m in g["members"]]  # fmt: skip
GAPPY = ["N15452", "U23490", "U07451", "U21468", "N00640"]  # real KPIs with years missing
SKR = [f"G{n}" for n in range(92786, 92795)]


def all_kommuner() -> list[str]:
    rows = json.loads(KoladaSnapshotTransport(SNAPSHOT).handle_request(
        httpx.Request("GET", f"{BASE}/municipality")).read())["values"]  # fmt: skip
    return [r["id"] for r in rows if r["type"] == "K"]


def national_pull(client, kpis, previous=None, **kw):
    return pull(client, kpis, [*all_kommuner(), *SKR, "0000"], list(range(2017, 2025)),
                previous=previous, national=True, **kw)  # fmt: skip


@pytest.mark.parametrize("kpis", [KKIK, GAPPY], ids=["dense-kkik", "sparse-gaps"])
def test_a_national_pull_costs_ceil_rows_over_5000_per_kpi_chunk(kpis) -> None:
    transport, seen = wrapping(lambda r: None)
    result = national_pull(kolada(transport), kpis)
    data = [r for r in seen if "/data/" in r.url.path]
    assert all("/municipality/" not in r.url.path for r in data)
    # what the answers held, counted from the snapshot's real values independently
    values = pl.read_parquet(SNAPSHOT / "kolada/values.parquet").filter(
        pl.col("kpi").is_in(kpis) & pl.col("period").is_between(2017, 2024)
    )
    items = values.select("kpi", "municipality", "period").unique().height
    chunks = -(-len(set(kpis)) // 25)
    group_items = 9 * values.select("kpi", "period").unique().height  # every SKR group has data
    assert len(data) <= chunks + -(-(items + group_items) // 5000)
    assert len(data) == result.lower_bound
    # only what was asked for is kept: kommuner, the SKR groups and Riket, not the 21 regions
    kept = set(result.history["municipality"].unique().to_list())
    assert not any(m.startswith("00") and m != "0000" for m in kept)
    assert set(SKR) <= kept and "0000" in kept
    # every value equals the source
    mine = current(result.history).filter(~pl.col("municipality").str.starts_with("G"))
    expected = values.filter(~pl.col("municipality").str.starts_with("00") |
                             (pl.col("municipality") == "0000"))  # fmt: skip
    joined = expected.join(mine, on=["kpi", "municipality", "period", "gender"], how="left")
    assert joined.height == mine.height == expected.height
    assert (joined["value"] == joined["value_right"]).all()


def test_an_unchanged_national_pull_costs_one_request_per_kpi_chunk() -> None:
    first = national_pull(kolada(), [*KKIK, "N15428"])
    transport, seen = wrapping(lambda r: None)
    second = national_pull(kolada(transport), [*KKIK, "N15428"],
                           previous=(first.history, first.log), today="2026-11-02")  # fmt: skip
    data = [r for r in seen if "/data/" in r.url.path]
    assert len(data) == 2  # 41 KPIs: two chunks of at most 25
    assert all(r.url.params["from_date"] == "2026-11-01" for r in data)
    assert second.rows_received == 0 and second.history.equals(first.history)


def test_groups_left_out_of_a_national_answer_are_asked_for_by_id() -> None:
    def without_groups(request: httpx.Request):
        if "/municipality/" in request.url.path or "/data/" not in request.url.path:
            return None
        answer = KoladaSnapshotTransport(SNAPSHOT).handle_request(request)
        body = json.loads(answer.read())
        body["values"] = [v for v in body["values"] if not v["municipality"].startswith("G")]
        body["count"] = len(body["values"])
        return httpx.Response(200, json=body)

    transport, seen = wrapping(without_groups)
    result = national_pull(kolada(transport), ["N15428"])
    data = [r.url.path for r in seen if "/data/" in r.url.path]
    assert len(data) == 2 and "/municipality/" in data[1]
    assert set(SKR) <= set(result.history["municipality"].to_list())


def test_a_kolada_unit_is_read_from_the_title_in_swedish_words() -> None:
    """Real Kolada titles (snapshot/kolada/kpi.csv): days are 'dagar', not 'värde'."""
    import csv

    from pipelines.sources.kolada.groups import unit_from_title

    titles = {r["id"]: r["title"] for r in csv.DictReader(
        (ROOT / "snapshot/kolada/kpi.csv").open(encoding="utf-8"))}  # fmt: skip
    assert unit_from_title(titles["U23401"]) == "dagar"  # väntetid i antal dagar … medelvärde
    assert unit_from_title(titles["U31402"]) == "dagar"
    assert unit_from_title(titles["U07801"]) == "kg per invånare"
    assert unit_from_title(titles["U07451"]) == "index"
    assert unit_from_title("Elever i åk 9 som är behöriga till yrkesprogram, andel (%)") == "%"
