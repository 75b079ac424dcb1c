"""Outputs: a plotly chart per indicator (home against peer group), as standalone HTML."""

from pathlib import Path

import dagster as dg
import plotly.graph_objects as go
import polars as pl

from assets.marts.comparisons import mart_comparisons
from pipelines.resources import StudyResource, WarehouseResource


def comparison_figure(frame: pl.DataFrame) -> go.Figure:
    """Home and peer over the years for one indicator, with unit, peer set and source."""
    first = frame.row(0, named=True)
    fig = go.Figure()
    fig.add_scatter(
        x=frame["year"].to_list(),
        y=frame["home_value"].to_list(),
        name=first["home_label"],
        mode="lines+markers",
    )
    fig.add_scatter(
        x=frame["year"].to_list(),
        y=frame["peer_value"].to_list(),
        name=first["peer_label"],
        mode="lines+markers",
        line={"dash": "dash"},
    )
    synthetic = " · SYNTETISKE DEMODATA" if first["provenance"] == "snapshot:synthetic" else ""
    fig.update_layout(
        title=f"{first['label']}<br><sup>{first['home_label']} mot {first['peer_label']} · "
        f"{first['peer_method']} · utgave {first['vintage']}</sup>",
        yaxis_title=first["unit"],
        xaxis_title="År",
        template="plotly_white",
        annotations=[
            {
                "text": f"{first['attribution']}{synthetic}",
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": -0.18,
                "showarrow": False,
            }
        ],
    )
    return fig


@dg.asset(
    group_name="outputs",
    kinds={"plotly"},
    deps=[mart_comparisons],
    description="One HTML chart per indicator with a home value, in outputs/charts/.",
)
def out_charts__comparisons(
    study: StudyResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with warehouse.get().build() as con:
        frame = con.sql(
            "SELECT * FROM mart_comparisons WHERE home_value IS NOT NULL "
            "AND is_default_peer_set ORDER BY indicator_id, year"
        ).pl()
    out_dir = Path(study.outputs_dir) / "charts"
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for (indicator_id,), part in frame.group_by(["indicator_id"], maintain_order=True):
        path = out_dir / f"{indicator_id}.html"
        comparison_figure(part).write_html(path, include_plotlyjs="directory", full_html=True)
        written.append(str(path))
    return dg.MaterializeResult(
        metadata={
            "charts": len(written),
            "files": dg.MetadataValue.md("\n".join(f"- {p}" for p in written)),
        }
    )
