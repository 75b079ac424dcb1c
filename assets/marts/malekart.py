"""Mart: the målekart, every target with its result, colour and reason."""

import dagster as dg

from assets.sql_model import sql_model
from pipelines.build_record import recorded
from pipelines.graph_shape import GraphShape
from pipelines.resources import WarehouseResource

mart_malekart__rejected = sql_model(
    "marts/mart_malekart__rejected.sql",
    description="The målekart rows left out: row, column, value and why, in the home's language",
)


@dg.asset_check(
    asset=mart_malekart__rejected,
    blocking=False,
    description="Målekart rows that could not be read (warning): named in the refresh summary "
    "and listed on the dashboards' page malekart-avviste-rader.html.",
)
def mart_malekart__rejected_rows(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.get().build() as con:
        rows = con.execute(
            'SELECT "row", "column", "value", reason FROM mart_malekart__rejected'
        ).fetchall()
    first = "; ".join(f"row {r}, {c} {v!r}: {why}" for r, c, v, why in rows[:3])
    more = f"; and {len(rows) - 3} more" if len(rows) > 3 else ""
    return dg.AssetCheckResult(
        passed=not rows,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"målekart: {len(rows)} row(s) rejected ({first}{more}); see "
        "outputs/dashboards/malekart-avviste-rader.html"
        if rows
        else "målekart: every row read",
        metadata={"rejected_rows": len(rows)},
    )


mart_malekart = sql_model(
    "marts/mart_malekart.sql",
    description="The målekart: each target per level, unit or area, indicator and period with "
    "result, target, tolerance, status (green, amber, red, grey) and its reason",
    count_by="status",
)


@dg.asset_check(
    asset=mart_malekart,
    blocking=True,
    description="No hidden own figure reaches the målekart: a suppressed row has no value, and "
    "every own figure shown is one its suppressed mart shows too.",
)
def mart_malekart_shows_no_hidden_figure(
    context: dg.AssetCheckExecutionContext,
    warehouse: WarehouseResource,
    graph_shape: dg.ResourceParam[GraphShape],
) -> dg.AssetCheckResult:
    with warehouse.get().build() as con:
        leaks = con.execute(
            "SELECT count(*) FROM mart_malekart WHERE status_reason = 'suppressed' "
            "AND (value IS NOT NULL OR previous_value IS NOT NULL)"
        ).fetchall()[0][0]
        unit_leaks = con.execute(
            "SELECT count(*) FROM mart_malekart AS m WHERE m.level = 'enhet' "
            "AND m.measure_kind = 'sick_leave' AND m.value IS NOT NULL AND EXISTS ("
            "SELECT 1 FROM mart_local__sick_leave AS s WHERE s.level = 'unit' "
            "AND s.unit_id = m.unit_id AND left(s.period, 4) = CAST(m.year AS VARCHAR) "
            "AND s.suppressed_by IS NOT NULL "
            "AND s.suppressed_by NOT IN ('quarters_shown', 'months_shown'))"
        ).fetchall()[0][0]
    total = leaks + unit_leaks
    return recorded(
        context,
        warehouse,
        graph_shape,
        dg.AssetCheckResult(
            passed=total == 0,
            description=f"{total} hidden figure(s) visible in the målekart" if total else None,
            metadata={"visible_hidden_figures": total},
        ),
    )
