"""The last step of a refresh: publish the staging warehouse atomically.

It depends on every warehouse asset, so Dagster skips it when any blocking check fails: the last
good warehouse then stays published.
"""

import dagster as dg

from assets.core.indicators import (
    core_catalog__indicators,
    core_indicator_coverage,
    core_indicator_values,
    core_releases,
)
from assets.core.regions import core_indicator_series, core_peer_sets, core_regions
from assets.kolada.raw import (
    raw_kolada__kpi_groups,
    raw_kolada__kpis,
    raw_kolada__municipalities,
    raw_kolada__municipality_groups,
    raw_kolada__values,
)
from assets.local.raw import raw_local__imports
from assets.marts.comparisons import mart_comparisons
from assets.marts.expenditure_need import core_expenditure_need, mart_expenditure_need
from assets.marts.local import mart_local__figures
from assets.marts.scorecard import core_targets, mart_scorecard
from assets.outputs.dashboards import out_dashboards__site
from assets.outputs.exports import out_exports__parquet
from assets.outputs.reports import core_challenge_answers, out_reports__latest
from assets.ssb.raw import (
    raw_klass__kostra_groups,
    raw_klass__municipality_changes,
    raw_klass__region_codes,
    raw_ssb__kostra_values,
)
from pipelines.build_record import verify
from pipelines.resources import WarehouseResource
from pipelines.schema_docs import apply_column_docs

# Every asset that writes the warehouse or its outputs: a failed blocking check on any of them
# keeps the last good warehouse published (a test checks that nothing is left out).
WAREHOUSE_ASSETS = [
    raw_ssb__kostra_values,
    raw_klass__region_codes,
    raw_klass__municipality_changes,
    raw_klass__kostra_groups,
    raw_kolada__municipalities,
    raw_kolada__municipality_groups,
    raw_kolada__kpi_groups,
    raw_kolada__kpis,
    raw_kolada__values,
    raw_local__imports,
    core_catalog__indicators,
    core_indicator_values,
    core_indicator_coverage,
    core_releases,
    core_regions,
    core_indicator_series,
    core_peer_sets,
    core_targets,
    mart_comparisons,
    mart_local__figures,
    mart_scorecard,
    core_expenditure_need,
    mart_expenditure_need,
    out_exports__parquet,
    out_dashboards__site,
    core_challenge_answers,
    out_reports__latest,
]


@dg.asset(
    group_name="publish",
    kinds={"duckdb"},
    deps=WAREHOUSE_ASSETS,
    description="Publishes the staging warehouse with the run's dashboards, reports and exports "
    "as one release, only when every blocking check passed on exactly the data that is there "
    "(whatever started the run: the full job, a partial selection, a re-execution).",
)
def warehouse_published(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    wh = warehouse.get()
    with wh.build() as con:
        verdict = verify(con)
        if not verdict.ok:
            raise dg.Failure(description=f"not published: {verdict.reason}")
        undocumented = apply_column_docs(con)  # sql/column_docs.toml -> COMMENT ON COLUMN
        if undocumented:
            context.log.warning(f"columns without a description: {', '.join(undocumented)}")
        tables = con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'main' ORDER BY 1"
        ).fetchall()
        counts = {
            name: con.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0]
            for (name,) in tables
        }
    path = wh.publish(context.run.run_id, {"tables": counts, "checks": verdict.checks})
    return dg.MaterializeResult(
        metadata={"path": str(path), **{f"rows.{k}": v for k, v in counts.items()}}
    )
