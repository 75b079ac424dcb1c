"""Marts: what dashboards, reports and notebooks read."""

import dagster as dg

from assets.sql_model import sql_model
from pipelines.build_record import recorded
from pipelines.graph_shape import GraphShape
from pipelines.resources import WarehouseResource

mart_peer_values = sql_model(
    "marts/mart_peer_values.sql",
    description="The home's and every peer-set member's value per release, peer set, indicator "
    "and year, ranked (nøkkeltall): what comparisons and ranked bars rest on",
    count_by="peer_set",
)


mart_comparisons = sql_model(
    "marts/mart_comparisons.sql",
    description="Home municipality against each peer set per indicator and year: published or "
    "computed peer figure, gap, whether it is good, rank, percentile, 3-year trend",
    count_by="peer_set",
)


@dg.asset_check(
    asset=mart_comparisons,
    blocking=True,
    description="The home municipality has at least one comparison with a peer value.",
)
def mart_comparisons_has_home(
    context: dg.AssetCheckExecutionContext,
    warehouse: WarehouseResource,
    graph_shape: dg.ResourceParam[GraphShape],
) -> dg.AssetCheckResult:
    with warehouse.get().build() as con:
        rows, with_peer = con.execute(
            "SELECT count(*), count(peer_value) FROM mart_comparisons"
        ).fetchone()
    result = dg.AssetCheckResult(
        passed=with_peer > 0,
        description=None if with_peer else "no comparison of the home has a peer value",
        metadata={"rows": rows, "rows_with_peer_value": with_peer},
    )
    return recorded(context, warehouse, graph_shape, result)
