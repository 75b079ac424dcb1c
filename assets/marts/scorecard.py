"""The scorecard (måleskjema): targets from the departments' file, status from the warehouse."""

from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from assets.core.indicators import core_catalog__indicators
from assets.local.raw import raw_local__imports
from assets.sql_model import sql_model
from pipelines.resources import LocalDataResource, WarehouseResource
from pipelines.settings.config import Settings
from pipelines.settings.targets import Units, load_targets
from quality.asset_checks import markdown_table

core_targets = dg.AssetKey("core_targets")
core_targets__rejected = dg.AssetKey("core_targets__rejected")


@dg.multi_asset(
    name="core_targets",
    group_name="core",
    specs=[
        dg.AssetSpec(
            core_targets,
            deps=[core_catalog__indicators, raw_local__imports],
            kinds={"duckdb"},
            description="The målekart's targets (paths.targets): level, unit or area, indicator "
            "or own measure, period, ambition, tolerance, direction, perspective, owner.",
        ),
        dg.AssetSpec(
            core_targets__rejected,
            deps=[core_catalog__indicators, raw_local__imports],
            kinds={"duckdb"},
            description="Målekart rows that could not be read: row, column, value and reason.",
        ),
    ],
)
def core_targets_and_rejected(
    study: dg.ResourceParam[Settings], local: LocalDataResource, warehouse: WarehouseResource
) -> Iterator[dg.MaterializeResult]:
    """One read of the file gives both: the good rows and, beside them, the rejected ones."""
    wh = warehouse.get()
    with wh.build() as con:
        ids = {
            r[0]
            for r in con.execute("SELECT indicator_id FROM core_catalog__indicators").fetchall()
        }
        path = Path(study.targets_file) if study.targets_file else None
        targets = load_targets(path, study.catalog(), ids, _units(local), study.home_country)
        wh.replace_table(con, "core_targets", targets.good, "The målekart's targets.")
        wh.replace_table(
            con, "core_targets__rejected", targets.rejected, "Målekart rows left out, and why."
        )
    yield dg.MaterializeResult(
        asset_key=core_targets__rejected,
        metadata={
            "dagster/row_count": targets.rejected.height,
            "rejected": dg.MetadataValue.md(markdown_table(targets.rejected)),
        },
    )
    yield dg.MaterializeResult(
        asset_key=core_targets,
        metadata={"file": str(path) if path else "none", "dagster/row_count": targets.good.height},
    )


def _units(local: LocalDataResource) -> Units | None:
    """The units file as imported (ids and areas are not private; the figures are)."""
    store = local.private_store()
    if not store.path.exists():
        return None
    frame = store.read("SELECT unit_id, service_area FROM units WHERE is_current")
    return Units(dict(frame.iter_rows()))


mart_scorecard = sql_model(
    "marts/mart_scorecard.sql",
    description="Each target with its status (met, not met, no data) from the latest vintage and "
    "the peer comparison beside it",
    count_by="status",
)
