"""Marts of the municipality's own figures, small units suppressed (sql/marts/mart_local__*)."""

from collections.abc import Iterator

import dagster as dg

from assets.local.raw import raw_local__imports
from pipelines.build_record import recorded
from pipelines.models import build_local_marts
from pipelines.resources import LocalDataResource, WarehouseResource

mart_local__sick_leave = dg.AssetKey("mart_local__sick_leave")
mart_local__surveys = dg.AssetKey("mart_local__surveys")


@dg.multi_asset(
    name="mart_local__figures",
    group_name="marts",
    specs=[
        dg.AssetSpec(
            mart_local__sick_leave,
            deps=[raw_local__imports],
            kinds={"duckdb"},
            description="Sick-leave rates per unit and per service area, every figure of a "
            "unit under the employee threshold hidden and the rule that hid it recorded.",
        ),
        dg.AssetSpec(
            mart_local__surveys,
            deps=[raw_local__imports],
            kinds={"duckdb"},
            description="User and employee survey results per unit and question, every figure "
            "under the respondent threshold hidden and the rule that hid it recorded.",
        ),
    ],
)
def mart_local__figures(
    local: LocalDataResource, warehouse: WarehouseResource
) -> Iterator[dg.MaterializeResult]:
    """Both marts in one step: the private store is attached once, read-only, and detached."""
    wh = warehouse.get()
    with wh.build() as con:
        build_local_marts(
            wh, con, local.private_store(), local.sick_leave_min_employees,
            local.survey_min_respondents,
        )  # fmt: skip
        counts = {
            table: con.execute(
                f"SELECT count(*), count(*) FILTER (WHERE suppressed_by IS NOT NULL) FROM {table}"
            ).fetchone()
            for table in ("mart_local__sick_leave", "mart_local__surveys")
        }
    rules = {
        mart_local__sick_leave: ("rule_min_employees", local.sick_leave_min_employees),
        mart_local__surveys: ("rule_min_respondents", local.survey_min_respondents),
    }
    for key, (rule, threshold) in rules.items():
        rows, hidden = counts[key.to_user_string()]
        yield dg.MaterializeResult(
            asset_key=key,
            metadata={"dagster/row_count": rows, "cells_suppressed": hidden, rule: threshold},
        )


def _leaks(warehouse: WarehouseResource, sql: str, threshold: int) -> int:
    with warehouse.get().build() as con:
        return con.execute(sql, [threshold]).fetchall()[0][0]


def _verdict(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource, leaks: int
) -> dg.AssetCheckResult:
    result = dg.AssetCheckResult(
        passed=leaks == 0,
        description=f"{leaks} figure(s) of a unit under the threshold visible" if leaks else None,
        metadata={"visible_small_cells": leaks},
    )
    return recorded(context, warehouse, result)


@dg.asset_check(
    asset=mart_local__sick_leave,
    blocking=True,
    description="No sick-leave figure of a unit under the employee threshold is visible.",
)
def mart_local__sick_leave_suppressed(
    context: dg.AssetCheckExecutionContext, local: LocalDataResource, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    leaks = _leaks(
        warehouse,
        "SELECT count(*) FROM mart_local__sick_leave WHERE "
        "(suppressed_by IS NULL AND employees < ?) OR (suppressed_by IS NOT NULL AND "
        "(sick_leave_rate IS NOT NULL OR employees IS NOT NULL))",
        local.sick_leave_min_employees,
    )
    return _verdict(context, warehouse, leaks)


@dg.asset_check(
    asset=mart_local__surveys,
    blocking=True,
    description="No survey figure under the respondent threshold is visible.",
)
def mart_local__surveys_suppressed(
    context: dg.AssetCheckExecutionContext, local: LocalDataResource, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    leaks = _leaks(
        warehouse,
        "SELECT count(*) FROM mart_local__surveys WHERE "
        "(suppressed_by IS NULL AND respondents < ?) OR (suppressed_by IS NOT NULL AND "
        "(mean_score IS NOT NULL OR respondents IS NOT NULL))",
        local.survey_min_respondents,
    )
    return _verdict(context, warehouse, leaks)
