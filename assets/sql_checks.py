"""Checks written as one SQL query that lists what is wrong, made by one factory.

The query is a file, `sql/checks/<check>.sql`, beside the models: it returns one row per problem
(none when all is well), its first column naming the problem in a few words. The factory runs
it, passes when there are no rows, and says how many and which; a blocking check also records
what it vouched for in the staging file (pipelines/storage/build_record.py), a warning says what the
source or the user's file lacks without stopping the publish.
"""

from collections.abc import Callable

import dagster as dg

from pipelines.resources import WarehouseResource
from pipelines.settings.config import Settings
from pipelines.storage.build_record import recorded
from pipelines.storage.graph_shape import GraphShape
from pipelines.storage.warehouse import sql_text

SHOWN = 3  # problems named in the check's one line; all of them are in its metadata


def sql_check(
    asset: dg.AssetKey | dg.AssetsDefinition,
    name: str,
    *,
    blocking: bool,
    description: str,
    problem: str,
    params: Callable[[Settings], dict[str, str]] | None = None,
) -> dg.AssetChecksDefinition:
    """The check `name` on `asset` from sql/checks/<name>.sql; `problem` is its one line when
    rows come back ({n} how many, {examples} the first few), `params` fill ${placeholders}."""

    def evaluate(warehouse: WarehouseResource, study: Settings) -> dg.AssetCheckResult:
        query = sql_text(f"checks/{name}.sql", **(params(study) if params else {}))
        with warehouse.get().build() as con:
            rows = con.execute(query).fetchall()
        named = [str(r[0]) for r in rows]
        examples = "; ".join(named[:SHOWN]) + (
            f"; and {len(named) - SHOWN} more" if len(named) > SHOWN else ""
        )
        return dg.AssetCheckResult(
            passed=not rows,
            severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
            description=problem.format(n=len(rows), examples=examples) if rows else None,
            metadata={"problems": len(rows), "listed": "\n".join(named) or "none"},
        )

    if blocking:

        @dg.asset_check(asset=asset, name=name, blocking=True, description=description)
        def _blocking(
            context: dg.AssetCheckExecutionContext,
            warehouse: WarehouseResource,
            study: dg.ResourceParam[Settings],
            graph_shape: dg.ResourceParam[GraphShape],
        ) -> dg.AssetCheckResult:
            return recorded(context, warehouse, graph_shape, evaluate(warehouse, study))

        return _blocking

    @dg.asset_check(asset=asset, name=name, blocking=False, description=description)
    def _warning(
        warehouse: WarehouseResource, study: dg.ResourceParam[Settings]
    ) -> dg.AssetCheckResult:
        return evaluate(warehouse, study)

    return _warning
