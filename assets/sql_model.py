"""SQL models as assets, declared once: one file in sql/<layer>/<table>.sql makes one table.

Every model asset does the same thing (run its file in the staging warehouse, report rows), so it
is written here once; the asset modules only say which file and what it is, and the file says
what it reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence

import dagster as dg
import duckdb

from pipelines.resources import WarehouseResource
from pipelines.storage.sql_reads import model_inputs
from pipelines.storage.warehouse import SQL_DIR, Warehouse


def sql_model(path: str, *, description: str, count_by: str | None = None) -> dg.AssetsDefinition:
    """The asset that builds `sql/<path>`; its table is the file's name, its group the folder,
    its deps the tables its SQL reads (pipelines/storage/sql_reads.py): written once, in the SQL.

    Metadata: the standard row count, and with `count_by` the rows per value of that column
    (rows_<value>), so the UI shows at a glance what a run produced.
    """
    layer, file = path.split("/")
    table = file.removesuffix(".sql")

    @dg.asset(
        name=table,
        group_name=layer,
        kinds={"duckdb"},
        deps=model_inputs(SQL_DIR / path),
        description=f"{description} (sql/{path}).",
    )
    def _model(warehouse: WarehouseResource) -> dg.MaterializeResult:
        wh = warehouse.get()
        with wh.build() as con:
            wh.run_model(con, path)
            rows = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            by = (
                con.execute(
                    f'SELECT "{count_by}"::VARCHAR, count(*) FROM "{table}" GROUP BY 1 ORDER BY 1'
                ).fetchall()
                if count_by
                else []
            )
        return dg.MaterializeResult(
            metadata={"dagster/row_count": rows, **{f"rows_{k}": n for k, n in by}}
        )

    return _model


def sql_step(
    name: str,
    *,
    group: str,
    build: Callable[[Warehouse, duckdb.DuckDBPyConnection], None],
    tables: Mapping[str, str],
    deps: Sequence[dg.AssetKey | str],
) -> dg.AssetsDefinition:
    """One step that writes several tables which only make sense together (today's values and
    their history; a series and its earlier-release rows): each table is its own asset in the
    UI with its own row count, and the step runs once for all of them."""

    @dg.multi_asset(
        name=name,
        group_name=group,
        specs=[
            dg.AssetSpec(table, deps=deps, kinds={"duckdb"}, description=description)
            for table, description in tables.items()
        ],
    )
    def _step(warehouse: WarehouseResource) -> Iterator[dg.MaterializeResult]:
        wh = warehouse.get()
        with wh.build() as con:
            build(wh, con)
            counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
        for table, rows in counts.items():
            yield dg.MaterializeResult(asset_key=table, metadata={"dagster/row_count": rows})

    return _step
