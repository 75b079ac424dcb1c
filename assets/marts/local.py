"""Marts of the municipality's own figures, small units suppressed (sql/marts/mart_local__*)."""

from collections.abc import Iterator

import dagster as dg

from assets.local.raw import raw_local__imports
from assets.sql_checks import sql_check
from pipelines.resources import LocalDataResource, WarehouseResource
from pipelines.storage.models import build_local_marts

mart_local__sick_leave = dg.AssetKey("mart_local__sick_leave")
mart_local__surveys = dg.AssetKey("mart_local__surveys")
mart_local__own_measures = dg.AssetKey("mart_local__own_measures")
mart_local__survey_plan = dg.AssetKey("mart_local__survey_plan")
mart_local__files = dg.AssetKey("mart_local__files")


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
        dg.AssetSpec(
            mart_local__own_measures,
            deps=[raw_local__imports],
            kinds={"duckdb"},
            description="Units' own measures per unit and service area: small units hidden, "
            "area figures summed from numerators and denominators or weighted by size.",
        ),
        dg.AssetSpec(
            mart_local__survey_plan,
            deps=[raw_local__imports],
            kinds={"duckdb"},
            description="Each planned survey with its status from the imported results "
            "(conducted, not yet due, overdue) and results without a plan.",
        ),
        dg.AssetSpec(
            mart_local__files,
            deps=[raw_local__imports],
            kinds={"duckdb"},
            description="The imported files the own figures come from (names and counts, no "
            "figures); source snapshot marks the demo's synthetic samples.",
        ),
    ],
)
def mart_local__figures(
    local: LocalDataResource, warehouse: WarehouseResource
) -> Iterator[dg.MaterializeResult]:
    """The marts of own figures in one step: the private store is attached once, read-only."""
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
            for table in (
                "mart_local__sick_leave",
                "mart_local__surveys",
                "mart_local__own_measures",
            )
        }
        files = con.execute("SELECT count(*) FROM mart_local__files").fetchall()[0][0]
        plan = dict(
            con.execute(
                "SELECT status, count(*) FROM mart_local__survey_plan GROUP BY 1"
            ).fetchall()
        )
    rules = {
        mart_local__sick_leave: ("rule_min_employees", local.sick_leave_min_employees),
        mart_local__surveys: ("rule_min_respondents", local.survey_min_respondents),
        mart_local__own_measures: ("rule_min_employees", local.sick_leave_min_employees),
    }
    for key, (rule, threshold) in rules.items():
        rows, hidden = counts[key.to_user_string()]
        yield dg.MaterializeResult(
            asset_key=key,
            metadata={"dagster/row_count": rows, "cells_suppressed": hidden, rule: threshold},
        )
    yield dg.MaterializeResult(asset_key=mart_local__files, metadata={"dagster/row_count": files})
    yield dg.MaterializeResult(
        asset_key=mart_local__survey_plan,
        metadata={
            "dagster/row_count": sum(plan.values()),
            **{f"status_{k}": v for k, v in plan.items()},
        },
    )


def _suppression_check(key: dg.AssetKey, params) -> dg.AssetChecksDefinition:
    """One rule for every mart of own figures: no unit under its threshold shows a figure or
    its size, and a suppressed row shows neither (sql/checks/<mart>_suppressed.sql)."""
    table = key.to_user_string()
    return sql_check(
        key,
        f"{table}_suppressed",
        blocking=True,
        description=f"No figure of a unit under its privacy threshold is visible in {table}.",
        problem="{n} figure(s) of a unit under the threshold visible: {examples}",
        params=params,
    )


mart_local__sick_leave_suppressed = _suppression_check(
    mart_local__sick_leave, lambda s: {"min_employees": str(s.sick_leave_min_employees)}
)
mart_local__surveys_suppressed = _suppression_check(
    mart_local__surveys, lambda s: {"min_respondents": str(s.survey_min_respondents)}
)
mart_local__own_measures_suppressed = _suppression_check(
    mart_local__own_measures,
    lambda s: {"min_size": str(min(s.sick_leave_min_employees, s.survey_min_respondents))},
)
