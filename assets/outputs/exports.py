"""Exports for Excel and BI users: every mart as Parquet, privacy rules already applied."""

import dagster as dg

from assets.marts.challenge_note import mart_challenge_note
from assets.marts.comparisons import mart_comparisons, mart_peer_values
from assets.marts.expenditure_need import mart_expenditure_need
from assets.marts.home import mart_home
from assets.marts.local import (
    mart_local__files,
    mart_local__own_measures,
    mart_local__sick_leave,
    mart_local__survey_plan,
    mart_local__surveys,
)
from assets.marts.malekart import mart_malekart, mart_malekart__rejected
from assets.marts.scorecard import mart_scorecard
from pipelines.resources import WarehouseResource
from pipelines.storage.build_record import record_output
from pipelines.storage.graph_shape import GraphShape


@dg.asset(
    group_name="outputs",
    kinds={"parquet"},
    deps=[
        mart_peer_values,
        mart_comparisons,
        mart_challenge_note,
        mart_local__sick_leave,
        mart_local__surveys,
        mart_scorecard,
        mart_expenditure_need,
        mart_home,
        mart_malekart,
        mart_malekart__rejected,
        mart_local__files,
        mart_local__own_measures,
        mart_local__survey_plan,
    ],
    description="Every mart_* table as outputs/parquet/<table>.parquet. Only marts leave the "
    "warehouse, and their small-unit figures are already suppressed.",
)
def out_exports__parquet(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    graph_shape: dg.ResourceParam[GraphShape],
) -> dg.MaterializeResult:
    wh = warehouse.get()
    out_dir = wh.releases.outputs_for(context.run.run_id) / "parquet"  # published with the run
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    with wh.build() as con:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'main' AND table_name LIKE 'mart\\_%' ESCAPE '\\' ORDER BY 1"
            ).fetchall()
        ]
        for table in tables:
            path = out_dir / f"{table}.parquet"
            tmp = path.with_suffix(".parquet.tmp")
            con.execute(f"COPY \"{table}\" TO '{tmp}' (FORMAT parquet, COMPRESSION zstd)")
            tmp.replace(path)
            written[table] = con.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0]
        record_output(
            con, graph_shape, "out_exports__parquet", wh.releases.building(context.run.run_id)
        )
    return dg.MaterializeResult(metadata={"folder": str(out_dir), **written})
