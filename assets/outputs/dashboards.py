"""The static comparison dashboards, rebuilt on every refresh (outputs/dashboards/)."""

import dagster as dg

from assets.marts.arshjul import mart_arshjul
from assets.marts.comparisons import mart_comparisons
from assets.marts.home import mart_home
from assets.marts.kvalitet import mart_kostra_kvalitet
from assets.marts.local import mart_local__files, mart_local__sick_leave, mart_local__surveys
from assets.marts.malekart import mart_malekart, mart_malekart__rejected, mart_tiltak
from assets.marts.scorecard import mart_scorecard
from dashboards.site import build_site
from pipelines.resources import WarehouseResource
from pipelines.storage.build_record import record_output
from pipelines.storage.graph_shape import GraphShape


@dg.asset(
    group_name="outputs",
    kinds={"html", "plotly"},
    deps=[
        mart_home,
        mart_comparisons,
        mart_scorecard,
        mart_malekart,
        mart_malekart__rejected,
        mart_local__sick_leave,
        mart_local__surveys,
        mart_local__files,
        mart_kostra_kvalitet,
        mart_arshjul,
        mart_tiltak,
    ],
    description="Static site: overview, one page per service area, and the målekart (one page "
    "per service area and per unit), with CSV and Excel tables, the KOSTRA quality worklist and "
    "the årshjul (page and arshjul.ics); open "
    "outputs/dashboards/index.html or run `malestokk serve`.",
)
def out_dashboards__site(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    graph_shape: dg.ResourceParam[GraphShape],
) -> dg.MaterializeResult:
    wh = warehouse.get()
    out = wh.releases.outputs_for(context.run.run_id) / "dashboards"  # published with the run
    with wh.build() as con:
        sizes = build_site(con, out)
        record_output(
            con, graph_shape, "out_dashboards__site", wh.releases.building(context.run.run_id)
        )
    return dg.MaterializeResult(
        metadata={
            "index": dg.MetadataValue.path(str(out / "index.html")),
            "pages": len(sizes),
            **{f"bytes_{name}": size for name, size in sizes.items()},
        }
    )
