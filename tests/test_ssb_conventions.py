"""SSB's conventions, checked on the warehouse a user builds (`malestokk refresh --offline`) and
on a live refresh against a local look-alike of KLASS: the 31.12 population, group and national
figures as SSB publishes them (sums of absolute figures, every member, the home too), only
municipalities in peer sets, names exactly as KLASS gives them, and prosentpoeng for the gaps
of percentages. See docs/conventions.md."""

from __future__ import annotations

import html
import json
import re
import tomllib
from pathlib import Path

import duckdb
import httpx
import pytest

from pipelines import cli
from pipelines.sources.snapshot.ssb import KlassSnapshotTransport, SsbSnapshotTransport
from tests.conftest import ROOT
from tests.fake_server import serve
from tests.test_real_data import refresh_live, ssb_only_catalog

# SSB's published population of Norway on 1 January 2024 (table 07459, "Hele landet"); the demo's
# 07459 figures are SSB's own per municipality (snapshot/sources, see the snapshot manifest).
SSB_LANDET_1_1_2024 = 5_550_203


@pytest.fixture(scope="module")
def demo(stavanger: Path):
    con = duckdb.connect(str(stavanger / "data/warehouse/malestokk.duckdb"), read_only=True)
    yield con
    con.close()


def test_derived_figures_divide_by_the_population_at_31_12_of_the_year(demo) -> None:
    """Times the 31.12 population (07459 at 1.1 of the next year) every derived per-inhabitant
    figure of Stavanger gives back its numerator, for every year; with the same year's 1.1
    count it would not."""
    rows = demo.execute(
        """
        SELECT c.indicator_id, s.year, s.value, n.value, d.value, same.value, c.ratio_scale,
               s.harmonisation
        FROM core_catalog__indicators AS c
        JOIN core_catalog__indicators AS dc ON dc.indicator_id = c.denominator
        JOIN core_indicator_series AS s ON s.indicator_id = c.indicator_id
        JOIN core_indicator_series AS n ON n.indicator_id = c.numerator
            AND n.region_code = s.region_code AND n.year = s.year AND n.gender = s.gender
        JOIN core_indicator_series AS d ON d.indicator_id = c.denominator
            AND d.region_code = s.region_code AND d.year = s.year + 1 AND d.gender = s.gender
        JOIN core_indicator_series AS same ON same.indicator_id = c.denominator
            AND same.region_code = s.region_code AND same.year = s.year
            AND same.gender = s.gender
        WHERE c.source = 'derived' AND dc.population_at = '1.1' AND s.region_code = '1103'
          AND s.gender = 'T' AND s.value IS NOT NULL
        """
    ).fetchall()
    derived = {r[0] for r in rows}
    assert len(derived) >= 5 and {r[1] for r in rows} == set(range(2017, 2025))
    for ind, year, value, numerator, year_end, jan_1, scale, how in rows:
        assert value * year_end / scale == pytest.approx(numerator, rel=1e-12), (ind, year)
        assert f"at 31.12.{year} (1.1.{year + 1})" in how
        if year_end != jan_1:
            assert value * jan_1 / scale != pytest.approx(numerator, rel=1e-9)
    # the example: Stavanger 2023, barnevern per child 0-17 divides by 31 345 children
    children = demo.execute(
        "SELECT value FROM core_indicator_series WHERE indicator_id = 'ssb.befolkning_0_17' "
        "AND region_code = '1103' AND year = 2024"
    ).fetchone()[0]
    assert children == 31_345


def test_the_national_population_is_ssbs_sum_of_every_municipality(demo) -> None:
    value, method, n = demo.execute(
        "SELECT peer_value, peer_method, n_peers_with_data FROM mart_comparisons "
        "WHERE indicator_id = 'ssb.befolkning' AND peer_set = 'national' AND year = 2024 "
        "AND release = 'latest'"
    ).fetchone()
    assert value == SSB_LANDET_1_1_2024
    assert method.startswith("sum of 357 members (absolute figures, as SSB), home included")
    assert n == 357


def test_no_group_or_national_figure_of_an_absolute_indicator_is_a_mean(demo) -> None:
    """Every computed peer figure of a grunnlagstall is the sum of the set's members, the home
    included; a published one (SSB's own row) says it is the members' sum."""
    rows = demo.execute(
        """
        WITH sums AS (
            SELECT v.release, v.peer_set, v.year, v.indicator_id, sum(v.value) AS total,
                   count(*) AS n
            FROM mart_peer_values AS v
            JOIN (SELECT DISTINCT peer_set, year, member_code FROM core_peer_sets) AS p
                ON p.peer_set = v.peer_set AND p.year = v.year AND p.member_code = v.region_code
            GROUP BY ALL
        )
        SELECT c.peer_set, c.indicator_id, c.year, c.peer_kind, c.peer_value, s.total,
               c.peer_method
        FROM mart_comparisons AS c
        LEFT JOIN sums AS s USING (release, peer_set, year, indicator_id)
        WHERE c.indicator_kind = 'grunnlagstall' AND c.release = 'latest'
          AND c.peer_value IS NOT NULL
        """
    ).fetchall()
    computed = [r for r in rows if r[3] == "computed"]
    assert computed and len({r[0] for r in computed}) >= 4
    for peer_set, ind, year, _, value, total, method in computed:
        assert value == pytest.approx(total), (peer_set, ind, year)
        assert method.startswith("sum of ") and "mean" not in method
    for *_, method in rows:
        assert "mean" not in method


def test_the_year_after_the_last_is_checked_for_the_population_counts_only(demo) -> None:
    """07459 is fetched for 1.1.2025 (the 31.12.2024 population): that year is no study year,
    and no other indicator is called 'not measured' in it."""
    beyond = demo.execute(
        "SELECT DISTINCT v.indicator_id, c.population_at FROM core_indicator_coverage AS v "
        "JOIN core_catalog__indicators AS c USING (indicator_id) WHERE v.year = 2025"
    ).fetchall()
    assert beyond and all(at == "1.1" for _, at in beyond)
    years = demo.execute("SELECT max(year) FROM core_peer_sets").fetchone()[0]
    assert years == 2024
    assert demo.execute("SELECT max(year) FROM mart_comparisons").fetchone()[0] == 2024


def test_the_snapshots_published_landet_row_is_reproduced_from_its_members(demo) -> None:
    """The EAK row of an absolute KOSTRA figure (1000 kr, årsverk) equals the sum of the 357
    municipalities Målestokk holds, to SSB's printed precision; the members' sum is what
    Målestokk computes where SSB publishes no row."""
    rows = demo.execute(
        """
        SELECT v.indicator_id, v.year, v.value,
               (SELECT sum(p.value) FROM mart_peer_values AS p
                WHERE p.release = 'latest' AND p.peer_set = 'national' AND p.year = v.year
                  AND p.indicator_id = v.indicator_id) AS members
        FROM core_indicator_values AS v
        JOIN core_catalog__indicators AS c USING (indicator_id)
        WHERE v.region_code = 'EAK' AND v.year = 2024 AND c.kind = 'grunnlagstall'
          AND c.fixed NOT LIKE '%+%' AND v.gender = 'T'
        """
    ).fetchall()
    # (a series Målestokk sums over functions is missing where one part is, so its EAK row,
    # summed per function, is not the sum of the complete series: only single series here)
    assert len(rows) >= 3
    for ind, _, published, members in rows:
        assert members == pytest.approx(published, abs=0.05), ind  # to the printed decimal


def test_a_synthetic_kostra_group_is_never_called_ssbs(demo, stavanger: Path) -> None:
    groups = demo.execute(
        "SELECT DISTINCT provenance FROM raw_klass__kostra_groups WHERE group_code = 'EKG12'"
    ).fetchall()
    assert groups == [("snapshot:synthetic",)]
    label, method = demo.execute(
        "SELECT DISTINCT peer_label, peer_method FROM mart_comparisons "
        "WHERE peer_set = 'kostra_group' AND year = 2024 AND peer_kind = 'published'"
    ).fetchone()
    assert label == "KOSTRA-gruppe 12 (syntetisk inndeling)"
    assert "SYNTHETIC group membership" in method and "published by SSB" not in method
    oslo = demo.execute(
        "SELECT DISTINCT provenance FROM raw_klass__kostra_groups WHERE group_code = 'EKG13'"
    ).fetchall()
    assert oslo == [("snapshot:real",)]
    report = (stavanger / "data/outputs/reports/arsberetning-2024.html").read_text("utf-8")
    assert "KOSTRA-gruppe 12 (syntetisk inndeling)" in report
    assert "KOSTRA-gruppe 12 (" + "tall publisert av SSB" not in report


def test_names_are_kept_as_klass_gives_them(demo) -> None:
    names = dict(demo.execute("SELECT code, name FROM core_region__codes WHERE country = 'NO'")
                 .fetchall())  # fmt: skip
    assert names["3114"] == "Våler (Østfold)"
    assert names["3018"] == "Våler (Viken)"
    assert names["5610"] == "Kárášjohka - Karasjok"
    assert names["5622"] == "Porsanger - Porsáŋgu - Porsanki"
    assert names["5612"] == "Guovdageaidnu - Kautokeino"
    assert names["5636"] == "Unjárga - Nesseby"
    assert not [n for n in names.values() if "?" in n or "\ufffd" in n]
    shown = demo.execute(
        "SELECT DISTINCT region_label FROM mart_peer_values WHERE region_code = '5610'"
    ).fetchall()
    assert shown == [("Kárášjohka - Karasjok",)]


def test_gaps_of_percentages_are_in_prosentpoeng(demo, stavanger: Path) -> None:
    rows = demo.execute(
        "SELECT unit, home_value, peer_value, gap_pct, gap_points FROM mart_comparisons "
        "WHERE release = 'latest' AND home_value IS NOT NULL AND peer_value IS NOT NULL"
    ).fetchall()
    shares = [r for r in rows if r[0] in ("prosent", "%")]
    assert shares
    for _, home, peer, pct, points in shares:
        assert pct is None and points == pytest.approx(home - peer)
    assert all(r[4] is None for r in rows if r[0] not in ("prosent", "%"))
    note = (stavanger / "data/outputs/reports/utfordringsnotat-2024.html").read_text("utf-8")
    report = (stavanger / "data/outputs/reports/arsberetning-2024.html").read_text("utf-8")
    assert "prosentpoeng" in report and "prosentpoeng" in note
    assert "Avvik %" not in note
    # in the note, every difference on a row of percentages (gap and trend against the network)
    # is in prosentpoeng
    share_rows = 0
    for row in re.findall(r"<tr>(.*?)</tr>", note, re.S):
        cells = [html.unescape(re.sub("<[^>]+>", "", c)).strip()
                 for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]  # fmt: skip
        if len(cells) > 4 and cells[1].endswith("%"):
            share_rows += 1
            assert all(c.endswith("prosentpoeng") for c in cells[3:5] if c), cells
    assert share_rows


class _KlassWithUoppgitt(httpx.BaseTransport):
    """SSB and KLASS from the snapshot, with KLASS 131 listing 9999 Uoppgitt as the real code
    list does (shared/samples/ssb/klass131_kommuner_2020_export.csv has it)."""

    def __init__(self) -> None:
        self.pxweb = SsbSnapshotTransport(ROOT / "snapshot")
        self.pxweb.config.update(maxCallsPerTimeWindow=0, timeWindow=0)
        self.klass = KlassSnapshotTransport(ROOT / "snapshot")

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if "/api/klass/" not in request.url.path:
            return self.pxweb.handle_request(request)
        answer = self.klass.handle_request(request)
        path = request.url.path
        if "/classifications/131/codesAt" in path or "/correspondsAt" in path:
            body = json.loads(answer.read())
            if "codes" in body:
                body["codes"].append(
                    {
                        "code": "9999",
                        "parentCode": None,
                        "level": "1",
                        "name": "Uoppgitt",
                        "shortName": "",
                        "notes": "",
                    }
                )
            else:
                body["correspondenceItems"].append(
                    {"sourceCode": "9999", "sourceName": "Uoppgitt", "sourceShortName": "",
                     "targetCode": "EKG12", "targetName": "KOSTRA-gruppe 12",
                     "targetShortName": ""})  # fmt: skip
            return httpx.Response(200, json=body)
        return answer


def test_codes_that_are_no_municipality_join_no_peer_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    from tests.conftest import write_config

    with serve(_KlassWithUoppgitt()) as url:
        config = write_config(tmp_path, extra=(
            f'ssb_pxweb_url = "{url}/api/pxwebapi/v2"\nssb_klass_url = "{url}/api/klass/v1"\n'
            f'kolada_url = "{url}/v3"\nretry_backoff_seconds = 0.01\n'
            "ssb_calls_per_minute = 600\n"
        ))  # fmt: skip
        config.write_text(config.read_text().replace('mode = "snapshot"', 'mode = "live"'))
        ssb_only_catalog(tmp_path / "indicators.toml")
        (tmp_path / "malekart.csv").unlink()
        assert refresh_live(config, monkeypatch) == cli.EXIT_OK, capsys.readouterr().err
    con = duckdb.connect(str(tmp_path / "data/warehouse/malestokk.duckdb"), read_only=True)
    assert (
        con.execute("SELECT count(*) FROM raw_klass__region_codes WHERE code = '9999'").fetchone()[
            0
        ]
        > 0
    )  # the real list's code arrived
    assert (
        con.execute("SELECT count(*) FROM core_peer_sets WHERE member_code = '9999'").fetchone()[0]
        == 0
    )
    members = dict(con.execute(
        "SELECT peer_set, count(DISTINCT member_code) FROM core_peer_sets WHERE year = 2024 "
        "AND peer_set IN ('national', 'national_excl_oslo') GROUP BY 1"
    ).fetchall())  # fmt: skip
    assert members == {"national": 357, "national_excl_oslo": 356}
    con.close()


def test_the_demo_figures_move_as_real_kostra_figures_do(stavanger: Path) -> None:
    """The synthetic KOSTRA figures keep to the pace of real ones: no nøkkeltall of the home
    moves more than 10 % in a year, and no share sits at 100 % (issue 29: barnehagedekning
    jumped 80 -> 100 % and spending by 50 000 kr in three years). The reporting errors planted
    on purpose for the quality worklist (snapshot/manifest.toml) are left out."""
    manifest = tomllib.loads((ROOT / "snapshot/manifest.toml").read_text(encoding="utf-8"))
    planted = {
        tuple(key.split("/")) for key in manifest["ssb"]["planted_errors"]
    }  # (table, region, contents, year)
    assert planted  # the worklist has something to find
    con = duckdb.connect(str(stavanger / "data/warehouse/malestokk.duckdb"), read_only=True)
    catalog = con.execute(
        "SELECT table_id, contents_code, indicator_id FROM core_catalog__indicators"
    ).fetchall()
    skip = {(i, int(year)) for t, c, i in catalog for pt, _, pc, year in planted
            if (t, c) == (pt, pc)}  # fmt: skip
    assert len(skip) == len(planted)
    moves = con.execute(
        "WITH s AS (SELECT s.indicator_id, c.unit, s.value, lag(s.value) OVER (PARTITION BY "
        "s.indicator_id ORDER BY s.year) AS before FROM core_indicator_series AS s JOIN "
        "core_catalog__indicators AS c USING (indicator_id) WHERE s.region_code = '1103' AND "
        "c.source IN ('ssb', 'derived') AND c.kind = 'nøkkeltall' AND (s.indicator_id, s.year) "
        f"NOT IN ({', '.join(f'({i!r}, {y})' for i, y in sorted(skip))})) "
        "SELECT indicator_id, unit, max(abs(value - before) / nullif(abs(before), 0)), "
        "max(value) FROM s GROUP BY ALL"
    ).fetchall()
    con.close()
    assert len(moves) >= 15
    for indicator, unit, change, highest in moves:
        assert change is not None and change <= 0.10, (indicator, change)
        if unit == "prosent" and "driftsresultat" not in indicator:
            assert highest < 99.5, (indicator, highest)
