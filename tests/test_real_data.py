"""A nightly refresh on real data the project did not make: real Kolada KPIs with their real gaps,
served live over HTTP with injected faults, each country on its own with the other's APIs
unreachable, and a home municipality given by its pre-2024 number."""

from __future__ import annotations

import json
import random
import re
import socket
import threading
from pathlib import Path

import duckdb
import httpx
import polars as pl
import pytest

from pipelines import cli
from pipelines.sources.snapshot.kolada import KoladaSnapshotTransport
from pipelines.sources.snapshot.ssb import KlassSnapshotTransport, SsbSnapshotTransport
from tests.conftest import ROOT, run_cli, write_config
from tests.fake_server import serve

# Real KPIs with real gaps (values: snapshot/kolada, open-numbers/ddf--kolada--dump, Aug 2024):
GAPS = {
    "N15452": "no 2020 or 2021 anywhere (national tests cancelled)",
    "U23490": "no 2013, 2014, 2020 or 2021",
    "U07451": "no 2011 or 2013",
    "U21468": "no 2021",
    "N00640": "starts in 2021",
    "N15659": "2022 only",
    "N00090": "dense, 2006-2022",
}
YEARS = (2010, 2024)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens here once the socket is closed


class Faulty(httpx.BaseTransport):
    """Kolada as a bad night has it: about one request in five answered 429 or 503."""

    def __init__(self, inner: httpx.BaseTransport, rate: float = 0.2) -> None:
        self.inner, self.rate = inner, rate
        self.random = random.Random(20261124)
        self.lock = threading.Lock()
        self.faults = 0
        self.requests = 0
        self.data_answered: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.requests += 1
            fault = self.random.random() < self.rate
            if fault:
                self.faults += 1
                status = 429 if self.faults % 2 else 503
        if fault:
            return httpx.Response(status, headers={"Retry-After": "0"}, text="busy")
        if "/data/" in request.url.path:
            with self.lock:
                self.data_answered.append(str(request.url))
        return self.inner.handle_request(request)


def kolada_catalog(path: Path) -> None:
    titles = {
        r["id"]: r["title"]
        for r in pl.read_csv(ROOT / "snapshot/kolada/kpi.csv").iter_rows(named=True)
    }
    entries = [
        f'[[indicator]]\nid = "kolada.{kpi.lower()}"\nsource = "kolada"\nkpi = "{kpi}"\n'
        f'label = {json.dumps(titles[kpi], ensure_ascii=False)}\nunit = "andel"\n'
        'service_area = "test"\nperspective = "tjenester/brukere"\nhigher_is_better = true\n'
        for kpi in GAPS
    ]
    path.write_text("\n".join(entries), encoding="utf-8")


def refresh_live(config: Path, monkeypatch) -> int:
    for name in list(__import__("os").environ):
        if name.startswith("MALESTOKK_") or name == "DAGSTER_HOME":
            monkeypatch.delenv(name, raising=False)
    return cli.main(["--config", str(config), "refresh"])


def test_a_swedish_live_refresh_with_real_gaps_publishes_without_ssb(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    server = Faulty(KoladaSnapshotTransport(ROOT / "snapshot"))
    dead = f"http://127.0.0.1:{closed_port()}"
    with serve(server) as url:
        config = write_config(tmp_path, home=("SE", "2583"), extra=(
            f'kolada_url = "{url}/v3"\nssb_pxweb_url = "{dead}/api/pxwebapi/v2"\n'
            f'ssb_klass_url = "{dead}/api/klass/v1"\nretry_backoff_seconds = 0.01\n'
            f'kolada_requests_per_second = 50\n[years]\nfirst = {YEARS[0]}\nlast = {YEARS[1]}\n'
        ))  # fmt: skip
        text = config.read_text().replace('mode = "snapshot"', 'mode = "live"')
        config.write_text(text)
        kolada_catalog(tmp_path / "indicators.toml")
        assert refresh_live(config, monkeypatch) == cli.EXIT_OK, capsys.readouterr().err
        err = capsys.readouterr().err
        first_data = len(server.data_answered)
        server.data_answered.clear()
        assert refresh_live(config, monkeypatch) == cli.EXIT_OK  # the unchanged second night
    assert server.faults >= 3 and server.faults >= 0.1 * server.requests  # ridden out
    skipped = [line for line in err.splitlines() if line.startswith("SSB")]
    assert skipped == ["SSB (PxWebApi and KLASS): skipped: the catalog has no SSB (KOSTRA) "
                       "indicators"]  # fmt: skip
    # one KPI chunk: the second, unchanged pull costs one data request
    assert len(server.data_answered) == 1 and first_data >= 1
    assert "from_date=" in server.data_answered[0]
    con = duckdb.connect(str(tmp_path / "data/warehouse/malestokk.duckdb"), read_only=True)
    # every value equals the source, for every municipality, KPI, year and gender
    source = pl.read_parquet(ROOT / "snapshot/kolada/values.parquet").filter(
        pl.col("kpi").is_in(list(GAPS)) & pl.col("period").is_between(*YEARS)
        & (pl.col("municipality").str.len_chars() == 4)
        & (~pl.col("municipality").str.starts_with("00") | (pl.col("municipality") == "0000"))
    )  # fmt: skip
    mine = con.sql(
        "SELECT kpi, municipality, period, gender, value FROM raw_kolada__values "
        "WHERE is_current AND NOT isdeleted AND municipality NOT LIKE 'G%'"
    ).pl()
    joined = source.join(mine, on=["kpi", "municipality", "period", "gender"], how="full",
                         coalesce=True)  # fmt: skip
    assert joined.height == source.height == mine.height
    assert (joined["value"] == joined["value_right"]).all()
    # the source's gaps are recorded as such, not as errors, and nothing was lost on the way
    coverage = {
        (kpi, year): (kind, note)
        for kpi, year, kind, note in con.execute(
            "SELECT upper(split_part(indicator_id, '.', 2)), year, coverage, note "
            "FROM core_indicator_coverage"
        ).fetchall()
    }
    assert (
        con.execute(
            "SELECT sum(lost_or_changed) + sum(unexpected) FROM core_indicator_coverage"
        ).fetchone()[0]
        == 0
    )
    years_with_values = {(k, y) for k, y in source.select("kpi", "period").unique().iter_rows()}
    for kpi in GAPS:
        for year in range(YEARS[0], YEARS[1] + 1):
            kind, _ = coverage[(kpi, year)]
            assert kind == ("measured" if (kpi, year) in years_with_values else "source_gap")
    assert coverage[("N15452", 2020)][1].startswith("not measured this year")
    assert coverage[("N00640", 2015)][1] == "not measured before 2021"
    assert coverage[("N00090", 2024)][1].startswith("no value after 2022")
    # SSB and KLASS tables exist, empty by design
    for table in ("raw_ssb__kostra_values", "raw_klass__kostra_groups", "raw_klass__region_codes"):
        assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
    rows = con.execute(
        "SELECT count(*) FROM mart_comparisons WHERE peer_set = 'skr_group' "
        "AND peer_value IS NOT NULL"
    ).fetchone()[0]
    assert rows > 0


class SsbServer(httpx.BaseTransport):
    """SSB's PxWebApi v2 and KLASS, answered from the snapshot on one local port."""

    def __init__(self) -> None:
        self.pxweb = SsbSnapshotTransport(ROOT / "snapshot")
        # as SSB's live config has it since 2026-08: 0 = no calls-per-window limit announced
        self.pxweb.config.update(maxCallsPerTimeWindow=0, timeWindow=0)
        self.klass = KlassSnapshotTransport(ROOT / "snapshot")

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if "/api/klass/" in request.url.path:
            return self.klass.handle_request(request)
        return self.pxweb.handle_request(request)


def ssb_only_catalog(path: Path) -> int:
    text = (ROOT / "indicators.toml").read_text(encoding="utf-8")
    blocks = re.split(r"\n(?=\[\[)", text)
    keep = [b for b in blocks if b.startswith("[[indicator]]") and 'source = "ssb"' in b]
    path.write_text("\n".join(keep), encoding="utf-8")
    return len(keep)


def test_a_norwegian_live_refresh_runs_with_kolada_unreachable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    dead = f"http://127.0.0.1:{closed_port()}"
    with serve(SsbServer()) as url:
        config = write_config(tmp_path, extra=(
            f'ssb_pxweb_url = "{url}/api/pxwebapi/v2"\nssb_klass_url = "{url}/api/klass/v1"\n'
            f'kolada_url = "{dead}/v3"\nretry_backoff_seconds = 0.01\n'
            "ssb_calls_per_minute = 600\n"  # a local server, not SSB's per-IP limit
        ))  # fmt: skip
        config.write_text(config.read_text().replace('mode = "snapshot"', 'mode = "live"'))
        assert ssb_only_catalog(tmp_path / "indicators.toml") >= 12
        (tmp_path / "malekart.csv").unlink()  # the demo targets name Kolada indicators too
        assert refresh_live(config, monkeypatch) == cli.EXIT_OK, capsys.readouterr().err
    err = capsys.readouterr().err
    assert "Kolada: skipped: the catalog has no Kolada indicators or KPI groups" in err
    con = duckdb.connect(str(tmp_path / "data/warehouse/malestokk.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM raw_kolada__values").fetchone()[0] == 0
    assert (
        con.execute(
            "SELECT count(*) FROM mart_comparisons WHERE peer_set = 'kostra_group' "
            "AND peer_value IS NOT NULL"
        ).fetchone()[0]
        > 0
    )


def test_a_home_given_by_its_old_number_keeps_its_kostra_group_across_2024(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    config = write_config(tmp_path, home=("NO", "3001"))  # Halden before 2024
    assert run_cli(config, monkeypatch) == cli.EXIT_OK
    err = capsys.readouterr().err
    notices = [line for line in err.splitlines() if line.startswith("notice: home.")]
    assert notices == ["notice: home.municipality 3001 (Halden) is numbered 3101 since 2024; "
                       "using 3101 (3001 > 3101)"]  # fmt: skip
    con = duckdb.connect(str(tmp_path / "data/warehouse/malestokk.duckdb"), read_only=True)
    years = con.execute(
        "SELECT year, peer_region FROM mart_comparisons WHERE peer_set = 'kostra_group' "
        "AND indicator_id = 'kostra.netto_driftsresultat' AND peer_value IS NOT NULL "
        "AND release = 'latest' "
        "ORDER BY year"
    ).fetchall()
    assert [y for y, _ in years] == [2020, 2021, 2022, 2023, 2024]
    # the group each year is the one KLASS gives Halden's code of that year
    klass = dict(con.execute(
        "SELECT year, group_code FROM raw_klass__kostra_groups "
        "WHERE municipality IN ('3001', '3101')"
    ).fetchall())  # fmt: skip
    assert dict(years) == {y: klass[y] for y, _ in years}


def test_a_merged_old_code_as_home_is_refused_naming_todays_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    config = write_config(tmp_path, home=("NO", "0625"))  # Nedre Eiker, merged into Drammen
    assert run_cli(config, monkeypatch) == cli.EXIT_CONFIG
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "merged into 3005 (Drammen), today 3301" in err


def test_unreachable_sources_fail_in_one_line_naming_the_hosts_with_the_full_log_in_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    dead = f"http://127.0.0.1:{closed_port()}"
    config = write_config(tmp_path, extra=(
        f'ssb_pxweb_url = "{dead}/api/pxwebapi/v2"\nssb_klass_url = "{dead}/api/klass/v1"\n'
        f'kolada_url = "{dead}/v3"\nretry_backoff_seconds = 0.01\n'
    ))  # fmt: skip
    config.write_text(config.read_text().replace('mode = "snapshot"', 'mode = "live"'))
    assert refresh_live(config, monkeypatch) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert "Traceback" not in err and "Calculating Metrics" not in err
    (line,) = [x for x in err.splitlines() if x.startswith("refresh failed")]
    host = dead.removeprefix("http://")
    assert line.startswith(
        f"refresh failed: {host} unreachable (connection refused); nothing was published; "
        "full log: "
    ), line
    log = Path(re.search(r"full log: (\S+)", line).group(1))
    text = log.read_text(encoding="utf-8")
    assert "raise ApiError" in text  # the stack, and each step's request, are in the log
    assert f"SSB KLASS unreachable after 2 tries (connection refused) [request: GET {dead}" in text


def test_a_value_lost_or_changed_on_the_way_into_core_blocks_the_publish(
    stavanger: Path, tmp_path: Path
) -> None:
    import shutil

    from pipelines.storage.warehouse import sql_text
    from quality.gx_suites import run_suites, suites_for

    copy = tmp_path / "w.duckdb"
    shutil.copy(stavanger / "data/warehouse/malestokk.duckdb", copy)
    con = duckdb.connect(str(copy))
    con.execute(sql_text("core/core_indicator_coverage.sql"))
    suites = suites_for("core_indicator_coverage")
    assert run_suites(con, None, suites)["gx_core_completeness"]["success"]  # real data: clean
    # lose one value, change another, and invent a third
    con.execute(
        "DELETE FROM core_indicator_values WHERE indicator_id = 'kostra.netto_driftsresultat' "
        "AND region_code = '1103' AND year = 2022"
    )
    con.execute(
        "UPDATE core_indicator_values SET value = value + 0.1 WHERE indicator_id = "
        "'kolada.behorighet_yrkesprogram' AND region_code = '2583' AND year = 2019 "
        "AND gender = 'T'"
    )
    con.execute(
        "INSERT INTO core_indicator_values SELECT * REPLACE (2017 AS year) FROM "
        "core_indicator_values WHERE indicator_id = 'kolada.kkik.n00640' LIMIT 1"
    )
    con.execute(sql_text("core/core_indicator_coverage.sql"))
    gaps = con.execute(
        "SELECT indicator_id, year, lost_or_changed, unexpected FROM core_indicator_coverage "
        "WHERE coverage = 'load_gap' ORDER BY 1"
    ).fetchall()
    assert gaps == [
        ("kolada.behorighet_yrkesprogram", 2019, 1, 1),
        ("kolada.kkik.n00640", 2017, 0, 1),
        ("kostra.netto_driftsresultat", 2022, 1, 0),
    ]
    assert not run_suites(con, None, suites)["gx_core_completeness"]["success"]
    con.close()
