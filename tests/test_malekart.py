"""The målekart: targets at every level, their colours and reasons, roll-ups and the survey plan."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines.settings.catalog import load_catalog
from pipelines.settings.targets import Units, load_targets
from pipelines.storage.warehouse import sql_text
from tests.conftest import ROOT, run_cli, write_config

HEADER = "Nivå;Enhet/område;Indikator;År;Målverdi;Toleranse;Retning;Perspektiv;Sammenlign med\n"
UNITS = Units({"1001": "grunnskole", "1002": "grunnskole", "2001": "barnehage"})


def read(tmp_path: Path, rows: str, header: str = HEADER, encoding: str = "utf-8"):
    path = tmp_path / "malekart.csv"
    path.write_bytes((header + rows).encode(encoding))
    return load_targets(path, load_catalog(ROOT / "indicators.toml"), units=UNITS)


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        ("fylke;;sykefravaer;2024;7;;;;", "Nivå", "bruk kommune, tjenesteområde eller enhet"),
        (";1001;sykefravaer;2024;7;;;;", "Nivå", "må si nivået"),
        ("enhet;;sykefravaer;2024;7;;;;", "Enhet/område", "nevner enheten"),
        ("enhet;9999;sykefravaer;2024;7;;;;", "Enhet/område", "«9999» finnes ikke i enhetsfila"),
        ("tjenesteområde;kultur;sykefravaer;2024;7;;;;", "Enhet/område", "ingen enhet hører til"),
        ("kommune;1001;sykefravaer;2024;7;;;;", "Enhet/område", "nevner ingen enhet eller område"),
        ("enhet;1001;kostra.grunnskolepoeng;2024;45;;;;", "Nivå", "ikke én enhet"),
        (
            "kommune;;sykefraver;2024;7;;;;",
            "Indikator",
            "verken en indikator i katalogen eller et eget måltall; mente du «sykefravaer»?",
        ),
        (
            "kommune;;kostra.grunskolepoeng;2024;45;;;;",
            "Indikator",
            "mente du «kostra.grunnskolepoeng»?",
        ),
        ("kommune;;kolada.behorighet_yrkesprogram;2024;85;;;;", "Indikator", "Kolada (Sverige)"),
        ("kommune;;kostra.ergoterapeut_aarsverk;2024;50;;høyere;;", "Indikator", "grunnlagstall"),
        ("kommune;;sykefravaer;2024-13;7;;;;", "År", "ikke et år eller en periode"),
        ("kommune;;kostra.grunnskolepoeng;2024K1;45;;;;", "År", "årstall: oppgi et år"),
        ("kommune;;sykefravaer;2024;;;;;", "Målverdi", "mangler verdi"),
        ("kommune;;sykefravaer;2024;to komma fem;;;;", "Målverdi", "ikke et tall"),
        ("kommune;;sykefravaer;2024;7;6;;;", "Toleranse", "må være over målet (7)"),
        ("kommune;;frisknaervaer;2024;93;94;;;", "Toleranse", "må være under målet (93)"),
        ("kommune;;sykefravaer;2024;7;;opp;;", "Retning", "bruk høyere eller lavere"),
        ("kommune;;egen:apningstimer;2024;40;;;tjenester/brukere;", "Retning", "ingen retning"),
        ("kommune;;egen:apningstimer;2024;40;;høyere;;", "Perspektiv", "mangler verdi"),
        ("kommune;;sykefravaer;2024;7;;;trivsel;", "Perspektiv", "bruk ett av"),
        ("kommune;;sykefravaer;2024;7;;;;kostra.finnes_ikke", "Sammenlign med", "finnes ikke i"),
    ],
)
def test_each_error_names_its_row_and_column(tmp_path: Path, row, column, reason) -> None:
    good_row = "kommune;;sykefravaer;2023;7;8;;;\n"
    targets = read(tmp_path, good_row + row + "\n")
    assert targets.good["row"].to_list() == [2]  # the good row still loads
    rejected = targets.rejected.row(0, named=True)
    assert (rejected["row"], rejected["column"]) == (3, column)
    assert reason in rejected["reason"]


def test_swedish_headers_decimal_commas_and_own_measures(tmp_path: Path) -> None:
    header = "Nivå;Enhet/område;Mått;År;Målvärde;Tolerans;Riktning;Perspektiv;Ansvarig\n"
    rows = (
        "enhet;1001;sjukfranvaro;2024K2;6,5;7,25;;;Rektor\n"
        "tjenesteområde;grunnskole;medarbetarundersokning:Indeks;2024;4,2;;;;Chef\n"
        "enhet;2001;brukerundersokelse:Trivsel;2024;4,5;;;;Styrer\n"
        "enhet;2001;egen:Vedtak_innen_frist;2024;90;85;högre;tjänster/brukare;Styrer\n"
        "kommune;;undersokelsesplan;2024;;;;;Direktør\n"
        "kommune;;svar:brukerundersokelse;2024;300;;;;Direktør\n"
    )
    targets = read(tmp_path, rows, header=header, encoding="cp1252")
    assert targets.rejected.is_empty(), targets.rejected
    got = targets.good.select(
        "level", "unit_id", "service_area", "indicator_id", "measure_kind", "measure",
        "period", "target", "tolerance", "direction", "perspective", "owner",
    ).rows()  # fmt: skip
    assert got == [
        ("enhet", "1001", "grunnskole", "sykefravaer", "sick_leave", "sick_leave_rate",
         "2024K2", 6.5, 7.25, "lower", "organisasjon/medarbeidere", "Rektor"),
        ("tjenesteområde", None, "grunnskole", "medarbeiderundersokelse:indeks", "survey",
         "index", "2024", 4.2, None, "higher", "organisasjon/medarbeidere", "Chef"),
        ("enhet", "2001", "barnehage", "brukerundersokelse:trivsel", "survey", "Trivsel",
         "2024", 4.5, None, "higher", "tjenester/brukere", "Styrer"),
        ("enhet", "2001", "barnehage", "egen:vedtak_innen_frist", "own", "vedtak_innen_frist",
         "2024", 90.0, 85.0, "higher", "tjenester/brukere", "Styrer"),
        ("kommune", None, "alle", "undersokelsesplan", "survey_plan", "survey_plan",
         "2024", None, None, None, "tjenester/brukere", "Direktør"),
        ("kommune", None, None, "svar:brukerundersokelse", "survey_responses", "respondents",
         "2024", 300.0, None, "higher", "tjenester/brukere", "Direktør"),
    ]  # fmt: skip


def test_an_old_targets_file_is_a_municipality_level_malekart(tmp_path: Path) -> None:
    path = tmp_path / "targets.csv"
    path.write_text(
        "Indikator;År;Målverdi;Retning;Målområde;Perspektiv\n"
        "kostra.netto_driftsresultat;2024;1,75;høyere;Sunn økonomi;økonomi\n",
        encoding="utf-8",
    )
    targets = load_targets(path, load_catalog(ROOT / "indicators.toml"))
    assert targets.good.select("level", "indicator_id", "measure_kind", "target").rows() == [
        ("kommune", "kostra.netto_driftsresultat", "catalog", 1.75)
    ]


# ---- status: the colour rule, on the mart's own SQL -------------------------------------------


def _world(con: duckdb.DuckDBPyConnection, targets, sick_rows: list[tuple]) -> None:
    """The marts mart_malekart reads, empty but for the sick-leave rows given."""
    con.register("_targets", targets.good.to_arrow())
    con.execute("CREATE TABLE core_targets AS SELECT * FROM _targets")
    con.execute(
        "CREATE TABLE mart_local__sick_leave (level VARCHAR, unit_id VARCHAR, unit_name VARCHAR, "
        "service_area VARCHAR, period VARCHAR, contracted_days DOUBLE, sick_leave_rate DOUBLE, "
        "self_certified_rate DOUBLE, doctor_certified_rate DOUBLE, suppressed_by VARCHAR, "
        "suppression_setting VARCHAR, suppression_threshold INTEGER)"
    )
    con.executemany(
        "INSERT INTO mart_local__sick_leave VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", sick_rows
    )
    con.execute(
        "CREATE TABLE mart_local__surveys (level VARCHAR, survey_kind VARCHAR, unit_id VARCHAR, "
        "unit_name VARCHAR, service_area VARCHAR, year INTEGER, question VARCHAR, "
        "respondents BIGINT, mean_score DOUBLE, suppressed_by VARCHAR, "
        "suppression_setting VARCHAR, suppression_threshold INTEGER)"
    )
    con.execute(
        "CREATE TABLE mart_local__own_measures (level VARCHAR, unit_id VARCHAR, "
        "unit_name VARCHAR, service_area VARCHAR, measure VARCHAR, period VARCHAR, "
        "value DOUBLE, denominator DOUBLE, size BIGINT, suppressed_by VARCHAR, "
        "suppression_setting VARCHAR, suppression_threshold INTEGER, aggregation VARCHAR)"
    )
    con.execute(
        "CREATE TABLE mart_local__survey_plan (service_area VARCHAR, survey VARCHAR, "
        "survey_kind VARCHAR, year INTEGER, status VARCHAR)"
    )
    con.execute(
        "CREATE TABLE mart_comparisons (indicator_id VARCHAR, year INTEGER, "
        "is_default_peer_set BOOLEAN, release VARCHAR, home_value DOUBLE, peer_label VARCHAR, "
        "peer_value DOUBLE, vintage VARCHAR)"
    )
    con.execute(sql_text("marts/mart_malekart.sql"))


def _unit(unit: str, period: str, days, rate, hidden: tuple = (None, None, None)) -> tuple:
    """A unit's sick-leave row; `hidden`: (rule, setting, minimum) as the mart gives them."""
    half = None if rate is None else rate / 2
    return ("unit", unit, f"Enhet {unit}", UNITS.area_of[unit], period, days, rate, half, half,
            *hidden)  # fmt: skip


@pytest.mark.parametrize(
    ("indicator", "target", "tolerance", "rate", "status", "reason"),
    [
        # sick leave: lower is better
        ("sykefravaer", "6", "7", 6.0, "green", "reached"),  # on the target is reached
        ("sykefravaer", "6", "7", 6.8, "amber", "within_tolerance"),
        ("sykefravaer", "6", "7", 7.0, "amber", "within_tolerance"),  # on the tolerance
        ("sykefravaer", "6", "7", 7.1, "red", "missed"),
        ("sykefravaer", "6", "", 6.1, "red", "missed"),  # no tolerance: no amber
        # frisknærvær: higher is better (100 - rate)
        ("frisknaervaer", "94", "93", 5.5, "green", "reached"),
        ("frisknaervaer", "94", "93", 6.5, "amber", "within_tolerance"),
        ("frisknaervaer", "94", "93", 7.5, "red", "missed"),
    ],
)
def test_the_colour_follows_target_tolerance_and_direction(
    tmp_path: Path, indicator, target, tolerance, rate, status, reason
) -> None:
    targets = read(tmp_path, f"enhet;1001;{indicator};2024K1;{target};{tolerance};;;\n")
    con = duckdb.connect()
    _world(con, targets, [_unit("1001", "2024K1", 100.0, rate)])
    got = con.execute("SELECT status, status_reason FROM mart_malekart").fetchall()
    assert got == [(status, reason)]


def test_grey_says_whether_the_figure_is_missing_or_hidden(tmp_path: Path) -> None:
    targets = read(
        tmp_path,
        "enhet;1001;sykefravaer;2024K1;6;;;;\nenhet;1002;sykefravaer;2024K1;6;;;;\n",
    )
    con = duckdb.connect()
    rule = ("unit_below_minimum", "sick_leave_min_employees", 5)
    _world(con, targets, [_unit("1002", "2024K1", None, None, rule)])
    got = con.execute(
        "SELECT unit_id, value, status, status_reason, suppressed_by, suppression_setting, "
        "suppression_threshold FROM mart_malekart ORDER BY unit_id"
    ).fetchall()
    assert got == [
        ("1001", None, "grey", "no_data", None, None, None),
        ("1002", None, "grey", "suppressed", *rule),
    ]
    # the page puts the rule into the reader's words; nothing parses prose
    from dashboards.malekart import status_text
    from dashboards.words import words

    row = dict(
        zip(["suppressed_by", "suppression_setting", "suppression_threshold"], rule, strict=True)
    )
    text = status_text({**row, "status_reason": "suppressed", "period": "2024K1"}, words("NO"))
    assert "færre enn 5 ansatte" in text


def test_a_year_is_weighted_by_contracted_days_not_an_average_of_quarters(tmp_path: Path) -> None:
    targets = read(tmp_path, "enhet;1001;sykefravaer;2024;6;;;;\n")
    con = duckdb.connect()
    # a small first quarter with much absence, a large second one with little
    _world(
        con, targets, [_unit("1001", "2024K1", 100.0, 20.0), _unit("1001", "2024K2", 900.0, 2.0)]
    )
    value = con.execute("SELECT value FROM mart_malekart").fetchone()[0]
    assert value == pytest.approx((20.0 * 100 + 2.0 * 900) / 1000)  # 3.8, not (20 + 2) / 2


# ---- the survey plan ----------------------------------------------------------------------------


def test_each_planned_survey_gets_its_status_from_the_imported_results() -> None:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA local_raw")
    con.execute(
        "CREATE TABLE local_raw.units AS SELECT * FROM (VALUES ('1', 'Eik', 'barnehage', true), "
        "('2', 'Bjørk', 'skole', true)) AS t(unit_id, unit_name, service_area, is_current)"
    )
    con.execute(
        "CREATE TABLE local_raw.user_survey AS SELECT * FROM (VALUES ('1', 2020, true), "
        "('2', 2021, true)) AS t(unit_id, year, is_current)"
    )
    con.execute(
        "CREATE TABLE local_raw.employee_survey AS SELECT * FROM (VALUES ('2', 2020, true)) "
        "AS t(unit_id, year, is_current)"
    )
    con.execute(
        "CREATE TABLE local_raw.survey_plan AS SELECT * FROM (VALUES "
        "('barnehage', 'Foreldreundersøkelsen', 'bruker', 2020, true), "  # results: conducted
        "('barnehage', 'Foreldreundersøkelsen', 'bruker', 2019, true), "  # none: overdue
        "('alle', '10-FAKTOR', 'medarbeider', 2020, true), "  # one area answered: conducted
        "('alle', '10-FAKTOR', 'employee', 2099, true)) "  # later: not yet due
        "AS t(service_area, survey, survey_kind, year, is_current)"
    )
    con.execute(sql_text("marts/local_units.sql"))  # the units as they are today
    con.execute(sql_text("marts/mart_local__survey_plan.sql"))
    got = con.execute(
        "SELECT service_area, survey_kind, year, status FROM mart_local__survey_plan "
        "ORDER BY year, service_area, survey_kind"
    ).fetchall()
    assert got == [
        ("barnehage", "bruker", 2019, "overdue"),
        ("alle", "medarbeider", 2020, "conducted"),
        ("barnehage", "bruker", 2020, "conducted"),
        ("skole", "bruker", 2021, "conducted without a plan"),  # the school's user survey
        ("alle", "medarbeider", 2099, "not yet due"),
    ]


# ---- the demo's målekart ------------------------------------------------------------------------


def test_the_demo_malekart_shows_every_colour_with_its_reason(stavanger: Path) -> None:
    con = duckdb.connect(str(stavanger / "data/warehouse/malestokk.duckdb"), read_only=True)
    by_status = dict(
        con.execute(
            "SELECT status, list(DISTINCT status_reason ORDER BY status_reason) "
            "FROM mart_malekart GROUP BY 1"
        ).fetchall()
    )
    assert set(by_status) == {"green", "amber", "red", "grey"}
    assert {"no_data", "suppressed"} <= set(by_status["grey"])
    assert "overdue" in by_status["red"] and "conducted" in by_status["green"]
    # every hidden figure says which rule hid it, and no hidden figure has a value
    assert con.execute(
        "SELECT count(*) FROM mart_malekart WHERE status_reason = 'suppressed' "
        "AND (value IS NOT NULL OR suppressed_by IS NULL)"
    ).fetchone() == (0,)
    coverage = con.execute(
        "SELECT count(DISTINCT service_area) FILTER (WHERE level = 'tjenesteområde'), "
        "count(DISTINCT unit_id), count(DISTINCT perspective), "
        "list(DISTINCT measure_kind ORDER BY measure_kind) FROM mart_malekart"
    ).fetchone()
    assert coverage[0] >= 3 and coverage[1] >= 6 and coverage[2] == 4
    assert {"catalog", "own", "sick_leave", "survey", "survey_plan"} <= set(coverage[3])
    assert con.execute(
        "SELECT count(DISTINCT indicator_id) FROM mart_malekart WHERE indicator_id IN "
        "('brukerundersokelse:indeks', 'medarbeiderundersokelse:indeks')"
    ).fetchone() == (2,)


def test_an_area_figure_sums_its_units_days(stavanger: Path) -> None:
    """The area's sick leave is its units' absence days over their contracted days, read here
    from the private store's unsuppressed rows: not the mean of the units' rates."""
    private = duckdb.connect(str(stavanger / "data/private/local.duckdb"), read_only=True)
    days, contracted, mean_of_rates = private.execute(
        "SELECT sum(self_certified_days + doctor_certified_days), sum(contracted_days), "
        "avg(100 * (self_certified_days + doctor_certified_days) / contracted_days) "
        "FROM sick_leave JOIN units USING (unit_id) "
        "WHERE sick_leave.is_current AND units.is_current AND service_area = 'grunnskole' "
        "AND period LIKE '2024%'"
    ).fetchone()
    con = duckdb.connect(str(stavanger / "data/warehouse/malestokk.duckdb"), read_only=True)
    value = con.execute(
        "SELECT value FROM mart_malekart WHERE level = 'tjenesteområde' "
        "AND service_area = 'grunnskole' AND indicator_id = 'sykefravaer'"
    ).fetchone()[0]
    assert value == pytest.approx(100 * days / contracted, abs=0.01)
    assert abs(value - mean_of_rates) > 0.01  # the two differ on the demo: the test can tell


def test_wrong_malekart_rows_are_named_in_the_refresh_summary_and_on_a_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    config = write_config(tmp_path)
    wrong = (
        "kommune;;sykefravaer;2024;to komma fem;;;Et godt arbeidsmiljø;"
        "organisasjon/medarbeidere;HR;kvartalsvis;Kommunedirektør;;;\n"
        "kommune;;kostra.grunskolepoeng;2024;45;;;Fullført skolegang;tjenester/brukere;Oppvekst;"
        "15. mars;Direktør oppvekst;;;\n"
        "enhet;9999;sykefravaer;2024;6,0;7,0;lavere;Et godt arbeidsmiljø;"
        "organisasjon/medarbeidere;Enhetsleder;kvartalsvis;Styrer;;;\n"
    )
    malekart = tmp_path / "malekart.csv"
    lines = len(malekart.read_text(encoding="utf-8").splitlines())
    malekart.write_text(malekart.read_text(encoding="utf-8") + wrong, encoding="utf-8")
    assert run_cli(config, monkeypatch) == 0  # a wrong row costs that row, not the refresh
    err = capsys.readouterr().err
    line = next(x for x in err.splitlines() if "mart_malekart__rejected_rows" in x)
    assert "målekart: 3 row(s) rejected" in line and "malekart-avviste-rader.html" in line
    assert "mente du «kostra.grunnskolepoeng»?" in line
    page = (tmp_path / "data/outputs/dashboards/malekart-avviste-rader.html").read_text("utf-8")
    for row, column, value, reason in (
        (lines + 1, "Målverdi", "to komma fem", "ikke et tall"),
        (lines + 2, "Indikator", "kostra.grunskolepoeng", "mente du «kostra.grunnskolepoeng»?"),
        (lines + 3, "Enhet/område", "9999", "enheten «9999» finnes ikke i enhetsfila"),
    ):
        assert f"<td>{row}</td><td>{column}</td><td>{value}</td><td>" in page
        assert reason in page
    index = (tmp_path / "data/outputs/dashboards/malekart.html").read_text("utf-8")
    assert "3 rader i målekartfila ble ikke lest" in index
