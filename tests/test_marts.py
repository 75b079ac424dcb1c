"""The warehouse model against hand-computed values: lineage, continuous series, peer figures,
rank and percentile. Small tables are written straight into DuckDB and the sql/ models run on
them in the order the refresh runs them."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.storage.models import build_releases, build_series
from pipelines.storage.warehouse import Warehouse

MODELS = [
    "core/core_region__codes.sql",
    "core/core_region__lineage.sql",
    build_releases,
    build_series,
    "core/core_peer_sets.sql",
    "marts/mart_peer_values.sql",
    "marts/mart_comparisons.sql",
    "marts/mart_scorecard.sql",
    "marts/mart_expenditure_need.sql",
]
NEED = [("1103", 1.25, 1000), ("4601", 1.0, 1000), ("5001", 0.8, 500), ("0301", 1.0, 2000)]
TARGETS = [  # indicator, year, target, direction
    ("plain", 2022, 4.5, "higher"),
    ("cost", 2022, 4.0, "lower"),
    ("plain", 2021, 4.0, "higher"),
]


def catalog_row(id_: str, **kw) -> dict:
    additive = kw.get("additive", False)
    return {
        "indicator_id": id_, "source": kw.get("source", "ssb"),
        "kind": kw.get("kind", "grunnlagstall" if additive else "nøkkeltall"), "per": None,
        "weight": kw.get("weight"), "confirmed_by": None,
        "label": id_, "unit": kw.get("unit", "prosent"),
        "service_area": "pleie og omsorg", "perspective": "økonomi",
        "higher_is_better": kw.get("hib", None if additive else True), "table_id": "99999",
        "contents_code": id_,
        "fixed": "", "kpi": None, "additive": kw.get("additive", False), "kpi_group": None,
        "numerator": kw.get("numerator"), "denominator": kw.get("denominator"),
        "ratio_scale": kw.get("scale", 1.0),
        "expenditure_need_area": kw.get("need_area"),
        "population_at": kw.get("population_at"),
        "denominator_year_offset": kw.get("denominator_offset", 0),
        "weight_year_offset": kw.get("weight_offset", 0),
    }  # fmt: skip


def value_row(indicator: str, region: str, year: int, value, status=None, kind=None) -> dict:
    if kind is None:
        kind = "municipality" if region[0].isdigit() else "kostra_group"
    return {
        "indicator_id": indicator, "source": "ssb", "country": "NO", "region_code": region,
        "region_label": region, "region_kind": kind, "year": year, "gender": "T",
        "value": value, "status": status, "unit": "x", "vintage": "2025-06-15",
        "source_series": "99999/x", "archive_id": "a" * 64, "provenance": "test",
    }  # fmt: skip


CODES = {  # code: (first year, last year) in the KLASS 131 lists
    "1103": (2017, 2024), "4601": (2020, 2024), "5001": (2018, 2024), "0301": (2017, 2024),
    "0219": (2017, 2019), "3024": (2020, 2023), "3201": (2024, 2024),
    "0602": (2017, 2019), "0625": (2017, 2019), "0711": (2017, 2019), "3005": (2020, 2023),
    "3301": (2024, 2024), "1507": (2020, 2023), "1508": (2024, 2024), "1580": (2024, 2024),
}  # fmt: skip
CHANGES = [
    ("0219", "3024", "2020-01-01"), ("3024", "3201", "2024-01-01"),
    ("0602", "3005", "2020-01-01"), ("0625", "3005", "2020-01-01"), ("0711", "3005", "2020-01-01"),
    ("3005", "3301", "2024-01-01"), ("1507", "1508", "2024-01-01"), ("1507", "1580", "2024-01-01"),
]  # fmt: skip


@pytest.fixture
def warehouse(tmp_path: Path):
    con = build_warehouse(tmp_path)
    yield con
    con.close()


def build_warehouse(
    tmp_path: Path, home: str = "1103", more_values: list | None = None,
    more_groups: list | None = None,
) -> duckdb.DuckDBPyConnection:  # fmt: skip
    wh = Warehouse(tmp_path)
    catalog = [
        catalog_row("num", additive=True, unit="1000 kr", need_area="pleie"),
        catalog_row("den", additive=True, unit="innbyggere"),
        catalog_row("ratio", numerator="num", denominator="den"),
        catalog_row("plain"),
        catalog_row("cost", hib=False),
        catalog_row(
            "per_capita",
            source="derived",
            numerator="num",
            denominator="den",
            scale=1000.0,
            unit="kr",
        ),
        catalog_row("weighted", weight="den"),
    ]
    values = []
    # ASSS members with data in 2022 (home 1103 and three peers); ratio = num / den
    for code, num, den in [("1103", 500, 100), ("4601", 300, 100), ("5001", 100, 50),
                           ("0301", 800, 200)]:  # fmt: skip
        values += [value_row("num", code, 2022, num), value_row("den", code, 2022, den),
                   value_row("ratio", code, 2022, num / den),
                   value_row("plain", code, 2022, num / den),
                   value_row("cost", code, 2022, num / den),
                   value_row("weighted", code, 2022, den / 10)]  # fmt: skip
    values += [value_row("plain", "1103", 2019, 4.2), value_row("plain", "EKG12", 2022, 2.3)]
    # Bærum through two renumberings, with '.' where a code did not exist
    for year, code in [(2019, "0219"), (2020, "3024"), (2023, "3024"), (2024, "3201")]:
        values.append(value_row("plain", code, year, float(year - 2000)))
    values += [
        value_row("plain", "3201", 2019, None, "."),
        value_row("plain", "0219", 2024, None, "."),
    ]
    # Drammen: three parts in 2019, one code from 2020
    for code, part in [("0602", 10.0), ("0625", 20.0), ("0711", 30.0)]:
        values += [value_row("num", code, 2019, part), value_row("ratio", code, 2019, part / 10)]
    values += [value_row("num", "3005", 2020, 70.0), value_row("ratio", "3005", 2020, 7.0)]
    # Ålesund split in 2024
    values.append(value_row("num", "1507", 2023, 99.0))
    groups = [{"year": 2022, "municipality": m, "municipality_name": m, "group_code": "EKG12",
               "group_name": "KOSTRA-gruppe 12", "provenance": "ssb:klass"}
              for m in ("1103", "4601", "5001")]  # fmt: skip
    values += more_values or []
    groups += more_groups or []
    tables = {
        "core_catalog__indicators": pl.DataFrame(catalog),
        "core_indicator_values": pl.DataFrame(values, infer_schema_length=None),
        "core_settings__home": pl.DataFrame(
            {"country": ["NO"], "municipality": [home], "first_year": [2017], "last_year": [2024]}
        ),
        "core_settings__peer_sets": pl.DataFrame(
            {
                "name": ["mine"] * 2,
                "label": ["Mine"] * 2,
                "country": ["NO"] * 2,
                "member_code": ["4601", "1103"],
            }
        ),
        "raw_klass__region_codes": pl.DataFrame(
            [
                {
                    "classification": 131,
                    "year": y,
                    "code": c,
                    "name": c,
                    "level": "1",
                    "valid_from": None,
                    "valid_to": None,
                }
                for c, (a, b) in CODES.items()
                for y in range(a, b + 1)
            ],
            schema_overrides={"valid_from": pl.String, "valid_to": pl.String},
        ),
        "raw_klass__municipality_changes": pl.DataFrame(
            [
                {
                    "reform_year": int(d[:4]),
                    "old_code": o,
                    "old_name": o,
                    "new_code": n,
                    "new_name": n,
                    "change_occurred": d,
                    "kind": "renumbering",
                }
                for o, n, d in CHANGES
            ]
        ),
        "raw_klass__kostra_groups": pl.DataFrame(groups),
        "raw_kolada__municipalities": pl.DataFrame(
            schema={"id": pl.String, "title": pl.String, "type": pl.String}
        ),
        "raw_kolada__municipality_groups": pl.DataFrame(
            schema={
                "group_id": pl.String,
                "title": pl.String,
                "member_id": pl.String,
                "member_title": pl.String,
            }
        ),
        "raw_ssb__kostra_values": pl.DataFrame({"region_code": list(CODES)}),
        "core_expenditure_need": pl.DataFrame(
            [
                {
                    "municipality": m,
                    "year": 2022,
                    "service_area": "pleie",
                    "index": i,
                    "inhabitants": n,
                    "source": "test",
                }
                for m, i, n in NEED
            ],
            schema_overrides={"year": pl.Int32},
        ),
        "core_targets": pl.DataFrame(
            [
                {
                    "level": "kommune",
                    "measure_kind": "catalog",
                    "indicator_id": i,
                    "year": y,
                    "target": t,
                    "direction": d,
                    "focus_area": "f",
                    "perspective": None,
                    "measured_by": "x",
                    "measured_when": "juni",
                    "owner": "o",
                    "row": n,
                }
                for n, (i, y, t, d) in enumerate(TARGETS, start=2)
            ],
            schema_overrides={"year": pl.Int32, "perspective": pl.String},
        ),
    }
    with wh.build() as con:
        for name, frame in tables.items():
            wh.replace_table(con, name, frame)
        con.execute(  # no earlier versions: every value is as first published
            "CREATE TABLE core_indicator_values__history AS "
            "SELECT *, false AS is_deleted FROM core_indicator_values WHERE false"
        )
        for model in MODELS:
            if callable(model):
                model(wh, con)
            else:
                wh.run_model(con, model)
    return duckdb.connect(str(wh.staging), read_only=True)


def one(con, sql: str, *params):
    rows = con.execute(sql, list(params)).fetchall()
    assert len(rows) == 1, rows
    return rows[0]


def comparison(con, indicator: str, peer_set: str, year: int = 2022):
    return one(
        con,
        "SELECT peer_value, peer_method, n_peers_with_data, home_rank, n_ranked, "
        "home_percentile, home_value FROM mart_comparisons "
        "WHERE indicator_id = ? AND peer_set = ? AND year = ?",
        indicator, peer_set, year,
    )  # fmt: skip


def test_the_asss_ratio_is_summed_over_every_member_the_home_too(warehouse) -> None:
    """As SSB makes its group rows: sum of numerators / sum of denominators of every member."""
    value, method, n, *_ = comparison(warehouse, "ratio", "asss")
    assert value == pytest.approx((500 + 300 + 100 + 800) / (100 + 100 + 50 + 200))
    assert method == (
        "sum of numerators / sum of denominators of 4 members, home included (as SSB)"
    )
    assert n == 4


def test_without_numerator_and_denominator_the_peer_mean_is_unweighted(warehouse) -> None:
    value, method, n, *_ = comparison(warehouse, "plain", "asss")
    assert value == pytest.approx((5 + 3 + 2 + 4) / 4)
    assert method == "unweighted mean of 4 members (no weight in the catalog), home included"
    assert n == 4


def test_the_kostra_group_figure_is_ssbs_own_ekg_row(warehouse) -> None:
    value, method, n, *_ = comparison(warehouse, "plain", "kostra_group")
    assert value == 2.3  # SSB's EKG12 figure, not a mean of 1103, 4601 and 5001
    assert method == "published by SSB (EKG12 row): SSB's figure for all its members"
    assert n == 3  # members of the group with data, the home among them
    _, method_2019, *_ = comparison(warehouse, "plain", "kostra_group", 2019)
    assert "series break between 2019 and 2020" in method_2019


def test_rank_and_percentile_follow_the_catalog_direction(warehouse) -> None:
    # values: home 5, peers 3, 2, 4
    *_, rank, n, percentile, home = comparison(warehouse, "plain", "asss")
    assert (home, rank, n, percentile) == (5.0, 1, 4, 100.0)
    *_, rank, n, percentile, _ = comparison(warehouse, "cost", "asss")  # lower is better
    assert (rank, n, percentile) == (4, 4, 0.0)
    # a user set with one peer: the home ranks against it
    value, _, n, rank, n_ranked, *_ = comparison(warehouse, "plain", "custom:mine")
    assert (value, n, rank, n_ranked) == ((5.0 + 3.0) / 2, 2, 1, 2)  # the home is a member


def test_the_2024_renumbering_gives_one_continuous_series(warehouse) -> None:
    rows = warehouse.execute(
        "SELECT year, value, harmonisation FROM core_indicator_series "
        "WHERE indicator_id = 'plain' AND region_code = '3201' ORDER BY year"
    ).fetchall()
    assert rows == [
        (2019, 19.0, "renumbered: published as 0219"),
        (2020, 20.0, "renumbered: published as 3024"),
        (2023, 23.0, "renumbered: published as 3024"),
        (2024, 24.0, "as published"),
    ]
    assert one(warehouse, "SELECT path FROM core_region__lineage WHERE code = '0219'") == (
        "0219 > 3024 > 3201",
    )


def test_a_merger_sums_additive_parts_and_leaves_ratios_missing(warehouse) -> None:
    additive = one(
        warehouse,
        "SELECT value, harmonisation FROM core_indicator_series "
        "WHERE indicator_id = 'num' AND region_code = '3301' AND year = 2019",
    )
    assert additive == (60.0, "sum of merged parts 0602+0625+0711")
    ratio = one(
        warehouse,
        "SELECT value, harmonisation FROM core_indicator_series "
        "WHERE indicator_id = 'ratio' AND region_code = '3301' AND year = 2019",
    )
    assert ratio == (None, "merged parts 0602+0625+0711: a ratio cannot be summed")
    after = one(
        warehouse,
        "SELECT value FROM core_indicator_series "
        "WHERE indicator_id = 'ratio' AND region_code = '3301' AND year = 2020",
    )
    assert after == (7.0,)


def test_a_split_is_not_attributed_to_either_successor(warehouse) -> None:
    rows = warehouse.execute(
        "SELECT region_code, value, harmonisation FROM core_indicator_series "
        "WHERE indicator_id = 'num' AND year = 2023 AND region_code IN ('1508', '1580') "
        "ORDER BY 1"
    ).fetchall()
    assert [(r[0], r[1]) for r in rows] == [("1508", None), ("1580", None)]
    assert all(r[2].startswith("split: 1507") for r in rows)


def test_three_year_trend_and_asss_membership_by_year(warehouse) -> None:
    trend = one(
        warehouse,
        "SELECT home_trend_3y FROM mart_comparisons "
        "WHERE indicator_id = 'plain' AND peer_set = 'asss' AND year = 2022",
    )
    assert trend == (pytest.approx(5.0 - 4.2),)
    members = dict(
        warehouse.execute(
            "SELECT year, count(*) FROM core_peer_sets WHERE peer_set = 'asss' GROUP BY 1"
        ).fetchall()
    )
    assert members[2019] == 10 and members[2022] == 12  # Asker and Lillestrøm from 2022


def test_target_status_from_the_latest_result(warehouse) -> None:
    rows = warehouse.execute(
        "SELECT indicator_id, year, result, status, peer_value FROM mart_scorecard ORDER BY 1, 2"
    ).fetchall()
    assert rows == [
        # lower is better: 5 > 4; the source has no EKG12 row for it, so the group's members
        # (1103, 4601 and 5001, the home too) give (5 + 3 + 2) / 3
        ("cost", 2022, 5.0, "not met", pytest.approx(10 / 3)),
        ("plain", 2021, None, "no data", None),
        ("plain", 2022, 5.0, "met", 2.3),  # 5 >= 4.5; beside it SSB's EKG12 figure
    ]


def test_the_targets_file_reads_norwegian_headers_and_lists_bad_rows(tmp_path: Path) -> None:
    from pipelines.settings.catalog import load_catalog
    from pipelines.settings.targets import load_targets
    from tests.conftest import ROOT

    path = tmp_path / "targets.csv"
    path.write_bytes(
        "Indikator;År;Målverdi;Retning;Målområde\n"
        "kostra.netto_driftsresultat;2024;1,75;;Sunn økonomi\n"
        "kostra.netto_lanegjeld_per_innbygger;2024;90000;lavere;Sunn økonomi\n"
        "kostra.finnes_ikke;2024;1;høyere;x\n"
        "kostra.netto_lanegjeld_per_innbygger;2024;85000;lavere;dobbel\n"
        "kostra.gruppestorrelse;2024;14;;x\n"
        "kostra.ergoterapeut_aarsverk;2024;50;høyere;x\n".encode("cp1252")
    )
    targets = load_targets(path, load_catalog(ROOT / "indicators.toml"))
    assert targets.good.select("indicator_id", "target", "direction").rows() == [
        ("kostra.netto_driftsresultat", 1.75, "higher")  # direction from the catalog
    ]
    reasons = dict(targets.rejected.select("row", "reason").iter_rows())
    assert "verken en indikator i katalogen eller et eget måltall" in reasons[4]
    assert reasons[3] == reasons[5] == "to mål for samme nivå, enhet, indikator og periode"
    assert "ingen retning selv" in reasons[6]
    # an absolute count of man-years is no target to compare: a grunnlagstall is refused
    assert "er et grunnlagstall" in reasons[7] and "nøkkeltall" in reasons[7]


def test_need_adjusted_spending_and_mer_mindreforbruk(warehouse) -> None:
    row = one(
        warehouse,
        "SELECT home_per_inhabitant, home_adjusted, peer_adjusted, n_peers, "
        "mer_mindreforbruk_per_innbygger, mer_mindreforbruk_kr FROM mart_expenditure_need "
        "WHERE indicator_id = 'num' AND year = 2022 AND peer_set = 'asss'",
    )
    # home: 500 (1000 kr) / 1000 inhabitants = 500 kr, / index 1.25 = 400
    # ASSS, every member: summed kroner over summed need-weighted inhabitants
    # (500 + 300 + 100 + 800) * 1000 / (1000*1.25 + 1000*1.0 + 500*0.8 + 2000*1.0)
    peer = 1_700_000 / 4650
    assert row == pytest.approx(
        (500.0, 400.0, peer, 4, (400 - peer) * 1.25, (400 - peer) * 1.25 * 1000)
    )


def test_the_default_peer_set_is_decided_once(warehouse) -> None:
    defaults = warehouse.execute(
        "SELECT DISTINCT peer_set FROM core_peer_sets WHERE is_default"
    ).fetchall()
    assert defaults == [("kostra_group",)]  # Norway; Sweden's is skr_group
    shown = warehouse.execute(
        "SELECT DISTINCT peer_set FROM mart_comparisons WHERE is_default_peer_set"
    ).fetchall()
    assert shown == [("kostra_group",)]


def test_user_files_missing_a_column_are_rejected_and_bad_rows_listed(tmp_path: Path) -> None:
    from pipelines.domain.expenditure_need import load_expenditure_need
    from pipelines.settings.catalog import load_catalog
    from pipelines.settings.targets import load_targets
    from pipelines.sources.local.reader import FileRejected
    from tests.conftest import ROOT

    need = tmp_path / "utgiftsbehov.csv"
    need.write_text(
        "Kommune;År;Tjenesteområde;Indeks;Innbyggere\n"
        "1103;2024;barnehage;1,05;150000\n"
        "1108;2024;barnehage;9,5;80000\n"
        "1124;2024;barnehage;1,0;mange\n",
        encoding="utf-8",
    )
    good, rejected = load_expenditure_need(need)
    assert good.select("municipality", "index").rows() == [("1103", 1.05)]
    reasons = dict(rejected.iter_rows())
    assert "outside 0.2-5" in reasons[3] and "not a number: 'mange'" in reasons[4]
    need.write_text("Kommune;År;Indeks\n1103;2024;1,0\n", encoding="utf-8")
    with pytest.raises(FileRejected, match=r"missing column\(s\) service_area, inhabitants"):
        load_expenditure_need(need)
    targets = tmp_path / "targets.csv"
    targets.write_text("Indikator;Målverdi\nkostra.netto_driftsresultat;1\n", encoding="utf-8")
    with pytest.raises(FileRejected, match=r"targets.csv: missing column\(s\) year"):
        load_targets(targets, load_catalog(ROOT / "indicators.toml"))


def test_the_kostra_group_follows_a_renumbered_home_through_its_lineage(tmp_path: Path) -> None:
    """Drammen is 3005 in the KLASS lists of 2020-2023 and 3301 from 2024: its KOSTRA-group
    comparison must not vanish for the years it had the old number."""

    def group(year: int, code: str) -> dict:
        return {"year": year, "municipality": code, "municipality_name": code,
                "group_code": "EKG12", "group_name": "KOSTRA-gruppe 12",
                "provenance": "ssb:klass"}  # fmt: skip

    more_groups = [group(2022, "3005"), group(2024, "3301"), group(2024, "4601"),
                   group(2024, "1103"), group(2022, "3024"), group(2024, "3201")]  # fmt: skip
    more_values = [
        value_row("plain", "3005", 2022, 5.0), value_row("plain", "3301", 2024, 6.0),
        value_row("plain", "EKG12", 2024, 2.9), value_row("plain", "4601", 2024, 1.0),
        value_row("plain", "1103", 2024, 7.0),
    ]  # fmt: skip
    con = build_warehouse(tmp_path, home="3301", more_values=more_values, more_groups=more_groups)
    rows = con.execute(
        "SELECT year, home_value, peer_value, home_rank, n_ranked FROM mart_comparisons "
        "WHERE indicator_id = 'plain' AND peer_set = 'kostra_group' AND year IN (2022, 2024) "
        "ORDER BY year"
    ).fetchall()
    # 2022: Drammen (as 3005) ranked with 1103 (5.0, a tie), 4601 and 5001; Bærum (3024) has no
    # 2022 value. 2024: as 3301 (6.0) behind 1103 (7.0) and Bærum 3201 (24.0), before 4601.
    assert rows == [(2022, 5.0, 2.3, 1, 4), (2024, 6.0, 2.9, 3, 4)]
    members = {r[0] for r in con.execute(
        "SELECT member_code FROM core_peer_sets WHERE peer_set = 'kostra_group' AND year = 2022"
    ).fetchall()}  # fmt: skip
    assert members == {"3301", "1103", "4601", "5001", "3201"}  # today's codes throughout
    con.close()


def test_grunnlagstall_are_compared_but_never_ranked_or_coloured(warehouse) -> None:
    """An absolute amount of a big city is not better than a small town's: no rank, no colour."""
    value, method, _, rank, n_ranked, percentile, home = comparison(warehouse, "num", "asss")
    assert (home, value) == (500, 500 + 300 + 100 + 800)  # a sum, as SSB's group rows
    assert method == "sum of 4 members (absolute figures, as SSB), home included"
    assert (rank, n_ranked, percentile) == (None, None, None)
    kinds = dict(warehouse.execute(
        "SELECT indicator_id, bool_or(gap_is_good IS NOT NULL) FROM mart_comparisons "
        "WHERE indicator_kind = 'grunnlagstall' GROUP BY 1"
    ).fetchall())  # fmt: skip
    assert kinds == {"num": False, "den": False}
    assert comparison(warehouse, "plain", "asss")[3] is not None  # nøkkeltall are ranked


def test_a_derived_figure_is_computed_per_municipality_and_weighted_for_every_set(
    warehouse,
) -> None:
    home = one(warehouse, "SELECT value, harmonisation FROM core_indicator_series WHERE "
               "indicator_id = 'per_capita' AND region_code = '1103' AND year = 2022")  # fmt: skip
    assert home[0] == pytest.approx(1000 * 500 / 100)
    assert home[1] == "derived: 1000.0 x num / den"
    asss = comparison(warehouse, "per_capita", "asss")
    assert asss[0] == pytest.approx(1000 * (500 + 300 + 100 + 800) / (100 + 100 + 50 + 200))
    # SSB publishes no EKG12 row for a derived figure: computed from every member of the group
    group = one(warehouse, "SELECT peer_value, peer_kind, peer_method FROM mart_comparisons "
                "WHERE indicator_id = 'per_capita' AND peer_set = 'kostra_group' AND "
                "year = 2022")  # fmt: skip
    assert group[0] == pytest.approx(1000 * (500 + 300 + 100) / (100 + 100 + 50))
    assert group[1] == "computed" and "computed from the members of EKG12" in group[2]
    # Drammen 2019: the parts' spending sums, but no population: missing, and why
    drammen = one(
        warehouse,
        "SELECT value, harmonisation FROM core_indicator_series WHERE "
        "indicator_id = 'per_capita' AND region_code = '3301' AND year = 2019",
    )
    assert drammen[0] is None and drammen[1].startswith("derived: no den")


def test_a_ratio_without_its_parts_is_weighted_by_the_catalogs_population(warehouse) -> None:
    value, method, n, *_ = comparison(warehouse, "weighted", "asss")
    weights = (100, 100, 50, 200)
    expected = (10 * 100 + 10 * 100 + 5 * 50 + 20 * 200) / sum(weights)
    assert value == pytest.approx(expected)  # not the plain mean, 11.25
    assert method == "mean of 4 members weighted by den, home included (as SSB)" and n == 4
