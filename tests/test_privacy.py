"""Suppression that survives arithmetic: the differencing attacks of issue 13, played against
the marts the refresh builds (sql/marts/privacy_rules.sql), recover nothing hidden."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.settings.config import load_settings
from pipelines.sources.local.kinds import KINDS
from pipelines.sources.local.private_store import PrivateStore
from pipelines.sources.local.store import empty_history
from pipelines.storage.models import build_local_marts
from pipelines.storage.warehouse import Warehouse
from tests.conftest import ROOT

MIN = 5
UNITS = {  # unit -> service area
    "A1": "alpha", "A2": "alpha", "A3": "alpha",  # A2 is small: 4 employees
    "B1": "beta", "B2": "beta",  # two units only
    "C1": "gamma", "C2": "gamma", "C3": "gamma",  # C1 files months and quarters for 2024
    "D1": "delta", "D2": "delta",  # surveys: D1 has 3 respondents, all answering 1
}  # fmt: skip


def sick_row(unit: str, period: str, employees: int, days: float, absent: float) -> dict:
    return {"unit_id": unit, "unit_name": f"Enhet {unit}", "period": period,
            "employees": employees, "contracted_days": days, "self_certified_days": absent / 2,
            "doctor_certified_days": absent / 2, "short_term_days": None, "long_term_days": None,
            "vintage": "2026-11-01", "file": "f.csv", "file_sha256": "x", "sheet": None, "row": 1,
            "is_current": True}  # fmt: skip


def survey_row(unit: str, question: str, respondents: int, mean: float) -> dict:
    return {"unit_id": unit, "unit_name": f"Enhet {unit}", "year": 2024, "question": question,
            "respondents": respondents, "mean_score": mean, "scale_max": 6, "vintage": "x",
            "file": "s.csv", "file_sha256": "y", "sheet": None, "row": 1, "is_current": True,
            **{f"andel_{n}": None for n in range(1, 7)}}  # fmt: skip


SICK = [
    sick_row("A1", "2024K1", 20, 1200, 60), sick_row("A2", "2024K1", 4, 240, 30),
    sick_row("A3", "2024K1", 15, 900, 45),
    sick_row("B1", "2024K1", 20, 1200, 50), sick_row("B2", "2024K1", 10, 600, 21),
    # C1: a quarter and its three months; in January only 4 people were employed
    sick_row("C1", "2024K1", 10, 600, 33), sick_row("C1", "2024M01", 4, 80, 13),
    sick_row("C1", "2024M02", 10, 200, 10), sick_row("C1", "2024M03", 10, 320, 10),
    sick_row("C2", "2024K1", 12, 700, 20), sick_row("C3", "2024K1", 30, 1800, 90),
]  # fmt: skip
SURVEYS = [
    survey_row("D1", "Trivsel", 3, 1.0), survey_row("D2", "Trivsel", 12, 5.0),
    survey_row("A1", "Trivsel", 9, 4.0), survey_row("A2", "Trivsel", 8, 5.0),
    survey_row("A3", "Trivsel", 10, 4.5),
]  # fmt: skip

# an own measure with a numerator and denominator: A2 (4 employees) is hidden, and so is the area
OWN = [
    {"unit_id": u, "measure": "vedtak_innen_frist", "period": "2024", "unit_name": f"Enhet {u}",
     "value": 100 * n / d, "numerator": n, "denominator": d, "respondents": None,
     "employees": e, "vintage": "x", "file": "m.csv", "file_sha256": "m", "sheet": None,
     "row": 1, "is_current": True}
    for u, n, d, e in (("A1", 18, 20, 20), ("A2", 1, 4, 4), ("A3", 9, 10, 15),
                       ("B1", 5, 10, None), ("B2", 7, 10, None))
]  # fmt: skip
# C1 reports an inspection share for the year and for each quarter (4 employees in Q4), and a
# waiting time for Q2 and its months (3 employees in May): the year or the quarter would give the
# hidden one away
OWN_GRAINS = {
    ("tilsyn", "2024"): (40, 50, 10), ("tilsyn", "2024K1"): (10, 12, 10),
    ("tilsyn", "2024K2"): (10, 13, 10), ("tilsyn", "2024K3"): (10, 12, 10),
    ("tilsyn", "2024K4"): (10, 13, 4),
    ("svartid", "2024K2"): (30, 40, 10), ("svartid", "2024M04"): (10, 13, 10),
    ("svartid", "2024M05"): (10, 14, 3), ("svartid", "2024M06"): (10, 13, 10),
}  # fmt: skip
OWN += [
    {"unit_id": "C1", "measure": m, "period": p, "unit_name": "Enhet C1",
     "value": 100 * n / d, "numerator": n, "denominator": d, "respondents": None,
     "employees": e, "vintage": "x", "file": "m.csv", "file_sha256": "m", "sheet": None,
     "row": 1, "is_current": True}
    for (m, p), (n, d, e) in OWN_GRAINS.items()
]  # fmt: skip


@pytest.fixture
def marts(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    tables = {name: empty_history(name) for name in KINDS}
    text = pl.String
    tables["files"] = pl.DataFrame(schema={"file": text, "kind": text, "source": text,
                                           "imported_at": text, "status": text,
                                           "rows_loaded": pl.Int64})  # fmt: skip
    tables["units"] = pl.DataFrame(
        [{"unit_id": u, "unit_name": f"Enhet {u}", "service_area": a, "vintage": "x",
          "file": "u.csv", "file_sha256": "z", "sheet": None, "row": 1, "is_current": True}
         for u, a in UNITS.items()],
        schema=tables["units"].schema,
    )  # fmt: skip
    tables["sick_leave"] = pl.DataFrame(SICK, schema=tables["sick_leave"].schema)
    tables["user_survey"] = pl.DataFrame(SURVEYS, schema=tables["user_survey"].schema)
    tables["own_measure"] = pl.DataFrame(OWN, schema=tables["own_measure"].schema)
    store = PrivateStore(tmp_path / "private")
    store.write(tables, {})
    wh = Warehouse(tmp_path / "warehouse")
    with wh.build() as con:
        build_local_marts(wh, con, store, MIN, MIN)
    con = duckdb.connect(str(wh.staging), read_only=True)
    yield con
    con.close()


def truth(unit: str, period: str) -> float:
    return next(r["contracted_days"] for r in SICK if (r["unit_id"], r["period"]) == (unit, period))


def test_own_measures_hide_small_units_and_sum_areas_never_averaging(marts) -> None:
    rows = {
        (r[0], r[1] or r[2]): r[3:]
        for r in marts.execute(
            "SELECT level, unit_id, service_area, value, size, suppressed_by, "
            "suppression_setting, suppression_threshold FROM mart_local__own_measures"
        ).fetchall()
    }
    # the rule as data, the own rule's setting (not the sick-leave rule's) and its minimum
    assert rows[("unit", "A2")] == (None, None, "unit_below_minimum", "min_employees", MIN)
    assert rows[("service_area", "alpha")][0] is None  # A2's figure would be had from it
    assert rows[("unit", "A1")][:2] == (90.0, 20)
    # beta: no employees given (cases, not people): shown, and summed 12 / 20, not (50 + 70) / 2
    assert rows[("service_area", "beta")] == (pytest.approx(60.0), None, None, None, None)


def test_a_hidden_unit_cannot_be_had_from_its_area_total(marts) -> None:
    sick = marts.sql("SELECT * FROM mart_local__sick_leave").pl()
    for (area, period), rows in sick.group_by("service_area", "period"):
        units = rows.filter(pl.col("level") == "unit")
        total = rows.filter(pl.col("level") == "service_area")["contracted_days"]
        hidden = units.filter(pl.col("contracted_days").is_null())
        if total.is_empty() or total[0] is None or hidden.is_empty():
            continue
        # the attack: area total minus the units that are shown
        derived = total[0] - units["contracted_days"].drop_nulls().sum()
        assert not any(derived == truth(u, period) for u in hidden["unit_id"]), (area, period)
    alpha = sick.filter((pl.col("service_area") == "alpha") & (pl.col("level") == "service_area"))
    assert alpha["contracted_days"].to_list() == [None]  # A2 is hidden: so is alpha's total


def test_a_unit_that_knows_its_own_figures_learns_nothing_of_its_one_neighbour(marts) -> None:
    beta = marts.sql(
        "SELECT level, contracted_days, suppressed_by, suppression_setting, suppression_threshold "
        "FROM mart_local__sick_leave WHERE service_area = 'beta' AND level = 'service_area'"
    ).fetchall()
    assert beta == [("service_area", None, "area_fewer_than_3_units", None, 3)]
    # the 3-respondent survey of D1 with a mean of 1.0 (every answer a 1): D2 knows its own
    d = marts.sql(
        "SELECT level, unit_id, respondents, mean_score FROM mart_local__surveys "
        "WHERE service_area = 'delta' ORDER BY level, unit_id"
    ).fetchall()
    assert ("service_area", None, None, None) in d and ("unit", "D1", None, None) in d
    # where three units answered and none is hidden, the area result is shown, weighted
    alpha = marts.execute(
        "SELECT respondents, mean_score FROM mart_local__surveys WHERE level = 'service_area' "
        "AND service_area = 'alpha'"
    ).fetchall()
    assert alpha == [(27, round((9 * 4.0 + 8 * 5.0 + 10 * 4.5) / 27, 2))]


def test_a_quarter_minus_two_months_does_not_give_the_third_away(marts) -> None:
    c1 = dict(marts.execute(
        "SELECT period, contracted_days FROM mart_local__sick_leave WHERE unit_id = 'C1'"
    ).fetchall())  # fmt: skip
    assert c1["2024K1"] == 600  # one granularity per unit and year: the quarter
    assert c1["2024M01"] is None and c1["2024M02"] is None and c1["2024M03"] is None
    shown_months = [v for p, v in c1.items() if "M" in p and v is not None]
    if c1["2024K1"] is not None and len(shown_months) == 2:
        assert c1["2024K1"] - sum(shown_months) != truth("C1", "2024M01")


def test_an_own_measures_hidden_quarter_or_month_cannot_be_had_from_another_granularity(
    marts,
) -> None:
    rows = marts.execute(
        "SELECT measure, period, numerator, denominator, suppressed_by FROM "
        "mart_local__own_measures WHERE unit_id = 'C1'"
    ).fetchall()
    shown = {(m, p): (n, d) for m, p, n, d, why in rows if why is None}
    hidden = {(m, p): why for m, p, n, d, why in rows if why is not None}
    # one granularity per unit, measure and year: the quarters, the year is held back
    assert sorted(p for m, p in shown if m == "tilsyn") == ["2024K1", "2024K2", "2024K3"]
    assert hidden[("tilsyn", "2024K4")] == "unit_below_minimum"
    assert hidden[("tilsyn", "2024")] == "quarters_shown"
    assert sorted(p for m, p in shown if m == "svartid") == ["2024K2"]
    assert hidden[("svartid", "2024M04")] == "quarters_shown"
    # the attacks: year minus three quarters, quarter minus two months
    for measure, whole, parts, secret in (
        ("tilsyn", "2024", ("2024K1", "2024K2", "2024K3"), "2024K4"),
        ("svartid", "2024K2", ("2024M04", "2024M06"), "2024M05"),
    ):
        if (measure, whole) in shown and all((measure, p) in shown for p in parts):
            derived = shown[(measure, whole)][0] - sum(shown[(measure, p)][0] for p in parts)
            assert derived != OWN_GRAINS[(measure, secret)][0]
    # the area is built from the shown granularity only, and hidden with its hidden unit
    gamma = dict(marts.execute(
        "SELECT period, suppressed_by FROM mart_local__own_measures WHERE level = 'service_area' "
        "AND measure = 'tilsyn'"
    ).fetchall())  # fmt: skip
    assert "2024" not in gamma and gamma["2024K4"] == "area_unit_hidden"


def test_a_hidden_row_names_its_rule_as_data_never_the_hidden_count(marts) -> None:
    """Rule, setting and minimum are columns the pages put into words; no column of a hidden
    row holds the size that was hidden."""
    reasons = set(marts.execute(
        "SELECT suppressed_by, suppression_setting, suppression_threshold "
        "FROM mart_local__sick_leave WHERE suppressed_by IS NOT NULL UNION "
        "SELECT suppressed_by, suppression_setting, suppression_threshold "
        "FROM mart_local__surveys WHERE suppressed_by IS NOT NULL UNION "
        "SELECT suppressed_by, suppression_setting, suppression_threshold "
        "FROM mart_local__own_measures WHERE suppressed_by IS NOT NULL"
    ).fetchall())  # fmt: skip
    rules = {
        "unit_below_minimum", "area_unit_hidden", "area_fewer_than_3_units",
        "area_one_unit_dominant", "quarters_shown", "months_shown",
    }  # fmt: skip
    assert {r for r, _, _ in reasons} >= {"unit_below_minimum", "area_fewer_than_3_units"}
    for rule, setting, minimum in reasons:
        assert rule in rules
        if rule in ("quarters_shown", "months_shown"):
            assert (setting, minimum) == (None, None)
        elif rule == "area_fewer_than_3_units":
            assert (setting, minimum) == (None, 3)
        else:
            assert setting in (
                "sick_leave_min_employees", "survey_min_respondents", "min_employees",
                "min_respondents",
            ) and minimum == MIN  # fmt: skip


@pytest.mark.parametrize(
    ("check_name", "table", "leak"),
    [
        ("mart_local__sick_leave_suppressed", "mart_local__sick_leave",
         "UPDATE mart_local__sick_leave SET suppressed_by = NULL, employees = 2 WHERE rowid = 0"),
        ("mart_local__surveys_suppressed", "mart_local__surveys",
         "UPDATE mart_local__surveys SET mean_score = 4.1 WHERE suppressed_by IS NOT NULL"),
    ],
)  # fmt: skip
def test_the_blocking_check_fails_when_a_small_unit_shows(
    tmp_path: Path, check_name: str, table: str, leak: str
) -> None:
    """The same rule guards both marts: a figure of a unit under the threshold, or a figure left
    on a suppressed row, fails the check that keeps the warehouse from being published."""
    import dagster as dg

    from assets.marts import local as local_assets
    from pipelines.resources import LocalDataResource, WarehouseResource
    from pipelines.storage.graph_shape import shape_of

    wh = Warehouse(tmp_path / "warehouse")
    with wh.build() as con:  # a suppressed row and a shown one in each mart
        con.execute(
            "CREATE TABLE mart_local__sick_leave AS SELECT * FROM (VALUES "
            "('U1', 'a', '2024K1', NULL::DOUBLE, NULL::INTEGER, 'unit_below_minimum'), "
            "('U2', 'a', '2024K1', 5.5, 40, NULL)) "
            "AS t(unit_id, service_area, period, sick_leave_rate, employees, suppressed_by)"
        )
        con.execute(
            "CREATE TABLE mart_local__surveys AS SELECT * FROM (VALUES "
            "('U1', 'a', 2024, 'q1', NULL::DOUBLE, NULL::INTEGER, 'unit_below_minimum'), "
            "('U2', 'a', 2024, 'q1', 4.8, 30, NULL)) "
            "AS t(unit_id, service_area, year, question, mean_score, respondents, suppressed_by)"
        )
    resources = {
        "warehouse": WarehouseResource(warehouse_dir=str(wh.dir)),
        "local": LocalDataResource(
            local_dir=str(tmp_path / "l"), inbox_dir=str(tmp_path), private_dir=str(tmp_path / "p"),
            samples_dir=None, sick_leave_min_employees=MIN, survey_min_respondents=MIN,
        ),
    }  # fmt: skip
    check = getattr(local_assets, check_name)
    resources["graph_shape"] = shape_of([local_assets.mart_local__figures], [check])
    resources["study"] = load_settings(ROOT / "malestokk.toml", env={})  # thresholds: 5 = MIN

    def outcome() -> bool:
        result = dg.materialize(
            [local_assets.mart_local__figures, check], resources=resources,
            selection=dg.AssetSelection.checks(check), raise_on_error=False,
        )  # fmt: skip
        (evaluation,) = result.get_asset_check_evaluations()
        return evaluation.passed

    assert outcome() is True
    with wh.build() as con:
        con.execute(leak)
    assert outcome() is False
