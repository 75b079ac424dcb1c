"""Core layer: the catalog and settings as tables, and one fact table of indicator values."""

import dagster as dg
import polars as pl

from assets.core.settings import core_settings__home
from assets.kolada.raw import (
    raw_kolada__kpi_groups,
    raw_kolada__kpis,
    raw_kolada__municipalities,
    raw_kolada__municipality_groups,
    raw_kolada__values,
)
from assets.sql_checks import sql_check
from assets.sql_model import sql_model, sql_step
from assets.ssb.raw import raw_ssb__kostra_values
from pipelines.resources import WarehouseResource
from pipelines.settings.catalog import year_offset
from pipelines.settings.config import Settings
from pipelines.sources.kolada.groups import expanded_indicators
from pipelines.storage.models import build_releases


@dg.asset(
    group_name="core",
    kinds={"duckdb"},
    deps=[raw_kolada__kpi_groups, raw_kolada__kpis],
    description="The indicator catalog (Kolada KPI groups expanded to their members), as a "
    "warehouse table.",
)
def core_catalog__indicators(
    study: dg.ResourceParam[Settings], warehouse: WarehouseResource
) -> dg.MaterializeResult:
    catalog = study.catalog()
    wh = warehouse.get()
    with wh.build() as con:
        members: dict[str, list[str]] = {}
        for group_id, member in con.execute(
            "SELECT group_id, member_id FROM raw_kolada__kpi_groups"
        ).fetchall():
            members.setdefault(group_id, []).append(member)
        meta = {
            row[0]: {"title": row[1]}
            for row in con.execute("SELECT id, title FROM raw_kolada__kpis").fetchall()
        }
    indicators = expanded_indicators(catalog, members, meta)
    by_id = {i.id: i for i in indicators}
    frame = pl.DataFrame(
        [
            {
                "indicator_id": i.id,
                "source": i.source,
                "kind": i.kind,
                "per": i.per,
                "label": i.label,
                "unit": i.unit,
                "service_area": i.service_area,
                "perspective": i.perspective,
                "higher_is_better": i.higher_is_better,
                "direction_note": i.direction_note,
                "table_id": i.table,
                "contents_code": i.contents_code,
                "fixed": i.fixed_text,
                "kpi": i.kpi,
                "additive": i.additive,
                "kpi_group": i.kpi_group,
                "numerator": i.numerator,
                "denominator": i.denominator,
                "ratio_scale": i.ratio_scale,
                "weight": i.weight,
                "confirmed_by": i.confirmed_by,
                "valid_min": i.valid_min,
                "valid_max": i.valid_max,
                "expenditure_need_area": i.expenditure_need_area,
                "population_at": i.population_at,
                "denominator_year_offset": year_offset(by_id, i.denominator),
                "weight_year_offset": year_offset(by_id, i.weight),
            }
            for i in indicators
        ],
        schema={
            "indicator_id": pl.String,
            "source": pl.String,
            "kind": pl.String,
            "per": pl.String,
            "label": pl.String,
            "unit": pl.String,
            "service_area": pl.String,
            "perspective": pl.String,
            "higher_is_better": pl.Boolean,
            "direction_note": pl.String,
            "table_id": pl.String,
            "contents_code": pl.String,
            "fixed": pl.String,
            "kpi": pl.String,
            "additive": pl.Boolean,
            "kpi_group": pl.String,
            "numerator": pl.String,
            "denominator": pl.String,
            "ratio_scale": pl.Float64,
            "weight": pl.String,
            "confirmed_by": pl.String,
            "valid_min": pl.Float64,
            "valid_max": pl.Float64,
            "expenditure_need_area": pl.String,
            "population_at": pl.String,
            "denominator_year_offset": pl.Int32,
            "weight_year_offset": pl.Int32,
        },
    )
    with wh.build() as con:
        rows = wh.replace_table(
            con, "core_catalog__indicators", frame, f"Indicator catalog ({catalog.path.name})."
        )
    return dg.MaterializeResult(
        metadata={"indicators": rows, "from_kpi_groups": rows - len(catalog.indicators)}
    )


core_catalog__indicators_directions_decided = sql_check(
    core_catalog__indicators,
    "core_catalog__indicators_directions_decided",
    blocking=False,
    description="Every member of a Kolada KPI group has a direction decided in the catalog "
    "(warning: a KPI Kolada added to the group later is neutral until someone decides).",
    problem="no direction decided, shown as neutral: {examples}",
)


core_indicator_values = dg.AssetKey("core_indicator_values")
core_indicator_values__history = dg.AssetKey("core_indicator_values__history")
core_indicator_values_step = sql_step(
    "core_indicator_values",
    group="core",
    build=lambda wh, con: wh.run_model(con, "core/core_indicator_values.sql"),
    tables={
        "core_indicator_values": "One fact table of today's indicator values from both sources "
        "(sql/core/core_indicator_values.sql).",
        "core_indicator_values__history": "Every version of every value as the sources "
        "published it, with is_deleted (sql/core/core_indicator_values.sql).",
    },
    deps=[
        core_catalog__indicators.key,
        raw_ssb__kostra_values,
        raw_kolada__values,
        raw_kolada__municipalities.key,
        raw_kolada__municipality_groups.key,
    ],
)


core_indicator_values_has_values = sql_check(
    core_indicator_values,
    "core_indicator_values_has_values",
    blocking=False,
    description="Every indicator listed in the catalog has values in some study year (warning: "
    "a catalog entry the source has nothing for is the source's gap or a wrong entry).",
    problem="no value in any study year: {examples}",
)


core_releases = dg.AssetKey("core_releases")
core_indicator_values__asof = dg.AssetKey("core_indicator_values__asof")
core_indicator_values__by_release = dg.AssetKey("core_indicator_values__by_release")
core_releases_step = sql_step(
    "core_releases",
    group="core",
    build=build_releases,
    tables={
        "core_releases": "The releases of the home country's source a comparison can be drawn "
        "as of (sql/core/core_releases.sql).",
        "core_indicator_values__asof": "Per earlier release, the cells that stood otherwise "
        "then (sql/core/core_releases.sql).",
        "core_indicator_values__by_release": "View: each release's values whole, today's as "
        "'latest' (sql/core/core_releases.sql).",
    },
    deps=[core_indicator_values, core_indicator_values__history, core_settings__home.key],
)


core_indicator_coverage = sql_model(
    "core/core_indicator_coverage.sql",
    description="Per indicator and study year: what the source delivered against what reached "
    "core_indicator_values. Years the source did not measure are recorded as source gaps "
    "(shown as 'not measured'); values lost or changed on the way block the publish "
    "(sql/core/core_indicator_coverage.sql)",
    count_by="coverage",
)


core_indicator_coverage_source_gaps = sql_check(
    core_indicator_coverage,
    "core_indicator_coverage_source_gaps",
    blocking=False,
    description="Years the source has no value for (biennial surveys, KPIs not yet started or "
    "discontinued, releases not out yet): reported, never a reason to keep the old warehouse.",
    problem="{n} indicator(s) with years not measured by the source (e.g. {examples}); see "
    "core_indicator_coverage",
)
