"""The last step of a refresh: publish the staging warehouse atomically.

It is downstream of every asset (through the graph's final assets), so Dagster skips it when any
blocking check fails: the last good warehouse then stays published.
"""

from collections.abc import Sequence

import dagster as dg

from pipelines.build_record import verify
from pipelines.resources import WarehouseResource
from pipelines.schema_docs import apply_column_docs


def final_assets(assets: Sequence[dg.AssetsDefinition]) -> list[dg.AssetKey]:
    """The assets nothing else depends on: every other asset is upstream of one of them."""
    keys = {key for a in assets for key in a.keys}
    used = {dep.asset_key for a in assets for spec in a.specs for dep in spec.deps}
    return sorted(keys - used, key=lambda k: k.to_user_string())


def warehouse_published_after(assets: Sequence[dg.AssetsDefinition]) -> dg.AssetsDefinition:
    """The publish step, downstream of the graph's final assets: derived, never a hand-kept list,
    so an asset added anywhere is upstream of the publish and its failed blocking check stops it
    (a failed or skipped step skips everything below it)."""

    @dg.asset(
        group_name="publish",
        kinds={"duckdb"},
        deps=final_assets(assets),
        description="Publishes the staging warehouse with the run's dashboards, reports and "
        "exports as one release, only when every blocking check passed on exactly the data "
        "that is there (whatever started the run: the full job, a partial selection, a "
        "re-execution).",
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

    return warehouse_published
