"""The resultatdialog sheets: one Word and PDF sheet per unit leader, rebuilt on every refresh."""

import dagster as dg

from assets.marts.home import mart_home
from assets.marts.local import mart_local__files
from assets.marts.malekart import mart_malekart, mart_tiltak
from dashboards.malekart import dialogue_sheets, own_figures_synthetic
from pipelines.resources import WarehouseResource
from pipelines.storage.build_record import record_output
from pipelines.storage.graph_shape import GraphShape


@dg.asset(
    group_name="outputs",
    kinds={"docx", "pdf"},
    deps=[mart_home, mart_malekart, mart_local__files, mart_tiltak],
    description="One resultatdialog sheet per unit with targets: its tiltak and what they gave, "
    "its målekart by perspective and empty dialogue fields, as Word and PDF in "
    "outputs/resultatdialog/.",
)
def out_malekart__dialogue_sheets(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    graph_shape: dg.ResourceParam[GraphShape],
) -> dg.MaterializeResult:
    wh = warehouse.get()
    out = wh.releases.outputs_for(context.run.run_id) / "resultatdialog"  # published with the run
    with wh.build() as con:
        country = con.execute("SELECT country FROM mart_home").fetchall()[0][0]
        written = dialogue_sheets(con, out, country, own_figures_synthetic(con))
        record_output(
            con,
            graph_shape,
            "out_malekart__dialogue_sheets",
            wh.releases.building(context.run.run_id),
        )
    return dg.MaterializeResult(
        metadata={
            "folder": dg.MetadataValue.path(str(out)),
            "sheets": len([p for p in written if p.suffix == ".docx"]),
        }
    )
