"""Marts of the municipality's own figures, small units suppressed (sql/marts/mart_local__*)."""

import dagster as dg

from assets.local.raw import raw_local__imports
from pipelines.build_record import recorded
from pipelines.models import build_local_marts
from pipelines.resources import LocalDataResource, WarehouseResource


@dg.asset(
    group_name="marts",
    kinds={"duckdb"},
    deps=[raw_local__imports],
    description="Sick-leave rates per unit and per service area, and survey results, with every "
    "figure for a small unit hidden and the rule that hid it recorded.",
)
def mart_local__figures(
    local: LocalDataResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    wh = warehouse.get()
    rules = {
        "min_employees": str(local.sick_leave_min_employees),
        "min_respondents": str(local.survey_min_respondents),
    }
    with wh.build() as con:
        build_local_marts(
            wh, con, local.private_store(), local.sick_leave_min_employees,
            local.survey_min_respondents,
        )  # fmt: skip
        counts = dict(
            con.execute(
                "SELECT 'sick_leave', count(*) FILTER (WHERE suppressed_by IS NOT NULL) "
                "FROM mart_local__sick_leave UNION ALL SELECT 'surveys', count(*) FILTER "
                "(WHERE suppressed_by IS NOT NULL) FROM mart_local__surveys"
            ).fetchall()
        )
    return dg.MaterializeResult(
        metadata={
            "sick_leave_cells_suppressed": counts.get("sick_leave", 0),
            "survey_cells_suppressed": counts.get("surveys", 0),
            **{f"rule_{k}": int(v) for k, v in rules.items()},
        }
    )


@dg.asset_check(
    asset=mart_local__figures,
    blocking=True,
    description="No figure of a unit under the privacy threshold is visible in the marts.",
)
def mart_local__figures_suppressed(
    context: dg.AssetCheckExecutionContext, local: LocalDataResource, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    with warehouse.get().build() as con:
        leaks = con.execute(
            "SELECT (SELECT count(*) FROM mart_local__sick_leave WHERE "
            "(suppressed_by IS NULL AND employees < ?) OR (suppressed_by IS NOT NULL AND "
            "(sick_leave_rate IS NOT NULL OR employees IS NOT NULL))) + "
            "(SELECT count(*) FROM mart_local__surveys WHERE "
            "(suppressed_by IS NULL AND respondents < ?) OR (suppressed_by IS NOT NULL AND "
            "(mean_score IS NOT NULL OR respondents IS NOT NULL)))",
            [local.sick_leave_min_employees, local.survey_min_respondents],
        ).fetchall()[0][0]
    result = dg.AssetCheckResult(
        passed=leaks == 0,
        description=f"{leaks} figure(s) of a unit under the threshold visible" if leaks else None,
        metadata={"visible_small_cells": leaks},
    )
    return recorded(context, warehouse, result)
