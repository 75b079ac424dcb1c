"""The KOSTRA quality worklist (mart_kostra_kvalitet): planted reporting errors are found, real
figures raise few flags, and the March flags are followed up when the June release comes."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.storage.warehouse import sql_text
from tests.conftest import ROOT, flat_index, rewrite_table, run_cli, write_config

VALUE_RULES = ("endring", "utenfor_spenn", "ugyldig_verdi", "stemmer_ikke")


@pytest.fixture(scope="module")
def sweden(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Haparanda's warehouse from the snapshot: real Kolada values for every municipality."""
    tmp = tmp_path_factory.mktemp("haparanda")
    config = write_config(tmp, home=("SE", "2583"))
    mp = pytest.MonkeyPatch()
    try:
        assert run_cli(config, mp) == 0
    finally:
        mp.undo()
    return tmp / "data/warehouse/malestokk.duckdb"


def _writable(published: Path, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(published, copy)
    copy.chmod(0o644)
    return duckdb.connect(str(copy))


def _flags(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    con.execute(sql_text("marts/mart_kostra_kvalitet.sql"))
    return set(con.execute("SELECT indicator_id, rule FROM mart_kostra_kvalitet").fetchall())


def test_real_kolada_figures_raise_few_flags(sweden: Path, tmp_path: Path) -> None:
    """Every fifth Swedish municipality as the home, on real Kolada figures nobody planted
    anything in: the value rules flag at most 1.5 % of the figures checked, and at most 0.3 %
    with high certainty (measured on all 290: 0.7 % and 0.06 %)."""
    con = _writable(sweden, tmp_path)
    con.execute("DELETE FROM core_peer_sets WHERE is_default")  # the group is Haparanda's only
    homes = [
        code
        for (code,) in con.execute(
            "SELECT DISTINCT region_code FROM core_indicator_series WHERE country = 'SE' ORDER BY 1"
        ).fetchall()
    ][::5]
    assert len(homes) >= 55
    checked = flagged = sure = 0
    for code in homes:
        con.execute("UPDATE core_settings__home SET municipality = ?", [code])
        con.execute(sql_text("marts/mart_kostra_kvalitet.sql"))
        year = con.execute("SELECT max(year) FROM mart_kostra_kvalitet").fetchall()[0][0]
        checked += con.execute(
            "SELECT count(*) FROM core_indicator_series WHERE region_code = ? AND year = "
            "(SELECT max(year) FROM core_indicator_series s JOIN core_catalog__indicators c "
            "USING (indicator_id) WHERE s.region_code = ? AND s.value IS NOT NULL) "
            "AND value IS NOT NULL",
            [code, code],
        ).fetchall()[0][0]
        rows = con.execute(
            "SELECT count(DISTINCT indicator_id), count(DISTINCT indicator_id) FILTER (WHERE "
            "sikkerhet = 'høy') FROM mart_kostra_kvalitet WHERE rule IN ?",
            [list(VALUE_RULES)],
        ).fetchall()[0]
        flagged, sure = flagged + rows[0], sure + rows[1]
        assert year is None or year >= 2020
    assert checked > 3000
    assert flagged / checked <= 0.015, (flagged, checked)
    assert sure / checked <= 0.003, (sure, checked)


def test_planted_errors_in_a_real_series_are_flagged(sweden: Path, tmp_path: Path) -> None:
    """Into Haparanda's real Kolada figures of the newest year: a misplaced decimal, an amount
    a thousand times too large (kronor for thousands), a figure reported under another KPI's
    code, a share above 100 % and a figure dropped. Each is flagged, nothing else changes."""
    con = _writable(sweden, tmp_path)
    before = _flags(con)
    year = con.execute(
        "SELECT max(year) FROM core_indicator_series WHERE region_code = '2583' AND value IS NOT "
        "NULL AND indicator_id IN (SELECT indicator_id FROM core_catalog__indicators)"
    ).fetchall()[0][0]

    def value(indicator: str) -> float:
        (v,) = con.execute(
            "SELECT value FROM core_indicator_series WHERE region_code = '2583' AND year = ? "
            "AND indicator_id = ? AND gender = 'T'",
            [year, indicator],
        ).fetchall()[0]
        assert v is not None and v > 0, indicator
        return v

    def plant(indicator: str, new: float) -> None:
        con.execute(
            "UPDATE core_indicator_series SET value = ? WHERE region_code = '2583' AND year = ? "
            "AND indicator_id = ? AND gender = 'T'",
            [new, year, indicator],
        )

    decimal, thousands = "kolada.kkik.n20048", "kolada.kkik.n30101"
    swapped, share, dropped = "kolada.kkik.n11102", "kolada.behorighet_yrkesprogram", None
    plant(decimal, value(decimal) * 10)
    plant(thousands, value(thousands) * 1000)
    plant(swapped, value("kolada.kkik.n11008"))  # kr per child in the children-per-staff cell
    plant(share, 250.0)
    dropped = next(
        i
        for (i,) in con.execute(
            "SELECT indicator_id FROM core_indicator_series WHERE region_code = '2583' AND "
            "year = ? AND value IS NOT NULL AND indicator_id NOT IN ? AND indicator_id IN "
            "(SELECT indicator_id FROM core_indicator_series WHERE region_code = '2583' AND "
            "year = ? - 1 AND value IS NOT NULL) ORDER BY 1",
            [year, [decimal, thousands, swapped, share], year],
        ).fetchall()
    )
    con.execute(
        "DELETE FROM core_indicator_series WHERE region_code = '2583' AND year = ? AND "
        "indicator_id = ?",
        [year, dropped],
    )
    found = _flags(con) - before
    assert {
        (decimal, "endring"),
        (thousands, "endring"),
        (thousands, "utenfor_spenn"),
        (swapped, "endring"),
        (swapped, "utenfor_spenn"),
        (share, "ugyldig_verdi"),
        (dropped, "mangler"),
    } <= found
    assert {i for i, _ in found} == {decimal, thousands, swapped, share, dropped}
    sure = dict(
        con.execute(
            "SELECT indicator_id, min(sikkerhet) FROM mart_kostra_kvalitet WHERE rule IN "
            "('endring', 'ugyldig_verdi', 'mangler') GROUP BY 1"
        ).fetchall()
    )
    assert all(sure[i] == "høy" for i in (decimal, thousands, swapped, share, dropped))


def test_a_ratio_that_disagrees_with_its_parts_is_flagged(sweden: Path, tmp_path: Path) -> None:
    """A published ratio the catalog gives numerator and denominator for: flagged when it is
    more than 1 % from ratio_scale x numerator / denominator, not when it matches."""
    con = _writable(sweden, tmp_path)
    year = con.execute(
        "SELECT max(year) FROM core_indicator_series WHERE region_code = '2583' AND "
        "indicator_id = 'kolada.kkik.n11008' AND value IS NOT NULL"
    ).fetchall()[0][0]
    # kr per enrolled child = costs / children: made from two real series of Haparanda
    con.execute(
        "UPDATE core_catalog__indicators SET numerator = 'kolada.kkik.n20048', "
        "denominator = 'kolada.kkik.n11102', ratio_scale = 1, denominator_year_offset = 0 "
        "WHERE indicator_id = 'kolada.kkik.n11008'"
    )
    parts = con.execute(
        "SELECT max(value) FILTER (WHERE indicator_id = 'kolada.kkik.n20048') / max(value) "
        "FILTER (WHERE indicator_id = 'kolada.kkik.n11102') FROM core_indicator_series "
        "WHERE region_code = '2583' AND year = ? AND gender = 'T'",
        [year],
    ).fetchall()[0][0]
    update = (
        "UPDATE core_indicator_series SET value = ? WHERE region_code = '2583' AND year = ? "
        "AND indicator_id = 'kolada.kkik.n11008' AND gender = 'T'"
    )
    con.execute(update, [parts * 1.005, year])  # within rounding
    assert ("kolada.kkik.n11008", "stemmer_ikke") not in _flags(con)
    con.execute(update, [parts * 1.2, year])
    assert ("kolada.kkik.n11008", "stemmer_ikke") in _flags(con)
    (expected,) = con.execute(
        "SELECT expected_value FROM mart_kostra_kvalitet WHERE rule = 'stemmer_ikke'"
    ).fetchall()[0]
    assert expected == pytest.approx(parts)


def test_march_flags_are_followed_up_when_june_comes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """The demo's unrevised 12293 carries two planted errors for Stavanger 2024 (a misplaced
    decimal, a figure under the wrong code). After the March refresh both are on the worklist,
    waiting; the summary says so and each service area has its page and its Word/PDF list.
    In June SSB publishes the corrected decimal; the other stands."""
    snapshot = tmp_path / "snapshot"
    shutil.copytree(ROOT / "snapshot", snapshot)
    config = write_config(tmp_path, snapshot=snapshot)
    assert run_cli(config, monkeypatch) == 0
    out = capsys.readouterr().out
    assert "KOSTRA 15. mars: 2 tall å sjekke (2 med høy sikkerhet), se " in out
    warehouse = tmp_path / "data/warehouse/malestokk.duckdb"
    con = duckdb.connect(str(warehouse), read_only=True)
    march = {
        (i, r): (v, f)
        for i, r, v, f in con.execute(
            "SELECT indicator_id, rule, value, follow_up FROM mart_kostra_kvalitet "
            "WHERE check_release = '2025-03-15' AND year = 2024"
        ).fetchall()
    }
    con.close()
    assert set(march) == {
        ("kostra.legetimer_per_beboer", "endring"),
        ("kostra.legetimer_per_beboer", "utenfor_spenn"),
        ("kostra.belegg_institusjon", "endring"),
        ("kostra.belegg_institusjon", "utenfor_spenn"),
    }
    assert {f for _, f in march.values()} == {"venter"}
    planted = march[("kostra.legetimer_per_beboer", "endring")][0]
    outputs = tmp_path / "data/outputs"
    page = (outputs / "dashboards/kvalitetssjekk-pleie-og-omsorg.html").read_text("utf-8")
    assert "10,2 ganger så høyt" in page and "venter på reviderte tall" in page
    assert "Ingen tall å sjekke" in (
        outputs / "dashboards/kvalitetssjekk-barnehage.html"
    ).read_text("utf-8")
    lists = outputs / "reports/kvalitetssjekk"
    assert sorted(p.name for p in lists.iterdir()) == [
        f"kvalitetssjekk-pleie-og-omsorg.{s}" for s in ("docx", "html", "pdf")
    ]

    def correct_the_decimal(ds: dict) -> None:
        flat = flat_index(
            ds, KOKkommuneregion0000="1103", ContentsCode="KOSlegetimperbeb0000", Tid="2024"
        )
        ds["value"][flat] = round(ds["value"][flat] / 10, 2)

    rewrite_table(snapshot, "12293", "2025-06-15T06:00:00Z", correct_the_decimal)
    assert run_cli(config, monkeypatch) == 0
    con = duckdb.connect(str(warehouse), read_only=True)
    june = {
        i: (f, by, now)
        for i, f, by, now in con.execute(
            "SELECT DISTINCT indicator_id, follow_up, revised_by, value_now "
            "FROM mart_kostra_kvalitet WHERE check_release = '2025-03-15'"
        ).fetchall()
    }
    assert june["kostra.belegg_institusjon"][0] == "står"
    follow, by, now = june["kostra.legetimer_per_beboer"]
    assert follow == "revidert" and now == pytest.approx(round(planted / 10, 2))
    assert by == pytest.approx(now - planted)
