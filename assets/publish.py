"""The last step of a refresh: publish the staging warehouse atomically.

It is downstream of every asset, so Dagster runs it last in any selection and skips it when any
blocking check fails: the last good warehouse then stays published.
"""

import shutil
from collections.abc import Sequence

import dagster as dg

from pipelines.resources import WarehouseResource
from pipelines.storage.build_record import BUILT, outputs_match, verify
from pipelines.storage.graph_shape import GraphShape
from pipelines.storage.schema_docs import apply_column_docs


def every_asset(assets: Sequence[dg.AssetsDefinition]) -> list[dg.AssetKey]:
    """Every asset of the graph. The publish depends on each directly, not only on the final
    ones: in a run of a few assets (the UI's Materialize on a selection) no path through the
    assets left out orders them, and the publish would run before what it publishes."""
    return sorted({key for a in assets for key in a.keys}, key=lambda k: k.to_user_string())


def warehouse_published_after(assets: Sequence[dg.AssetsDefinition]) -> dg.AssetsDefinition:
    """The publish step, downstream of every asset: derived, never a hand-kept list, so an
    asset added anywhere is upstream of the publish and its failed blocking check stops it
    (a failed or skipped step skips everything below it), whatever a run selects."""

    @dg.asset(
        group_name="publish",
        kinds={"duckdb"},
        deps=every_asset(assets),
        description="Publishes the staging warehouse with the run's dashboards, reports and "
        "exports as one release, only when every blocking check passed on exactly the data "
        "that is there (whatever started the run: the full job, a partial selection, a "
        "re-execution).",
    )
    def warehouse_published(
        context: dg.AssetExecutionContext,
        warehouse: WarehouseResource,
        graph_shape: dg.ResourceParam[GraphShape],
    ) -> dg.MaterializeResult:
        wh = warehouse.get()
        with wh.build() as con:
            shape = graph_shape
            verdict = verify(con, shape)
            if not verdict.ok:
                raise dg.Failure(description=f"not published: {verdict.reason}")
            building = wh.releases.building(context.run.run_id)
            current = wh.releases.current_dir()
            problem, carried = outputs_match(verdict.fingerprints, building, current, shape)
            if problem:
                raise dg.Failure(description=f"not published: {problem}")
            for asset in carried:  # the record goes with the outputs carried over
                (building / BUILT).mkdir(exist_ok=True)
                shutil.copy2(current / BUILT / f"{asset}.json", building / BUILT / f"{asset}.json")
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

    return warehouse_published
