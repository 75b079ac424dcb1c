"""The scorecard (måleskjema): targets from the departments' file, status from the warehouse."""

from pathlib import Path

import dagster as dg

from assets.core.indicators import core_catalog__indicators
from assets.marts.comparisons import mart_comparisons
from assets.sql_model import sql_model
from pipelines.resources import StudyResource, WarehouseResource
from pipelines.targets import load_targets
from quality.asset_checks import markdown_table


@dg.asset(
    group_name="core",
    kinds={"duckdb"},
    deps=[core_catalog__indicators],
    description="Targets per indicator and year from the scorecard file (paths.targets); rows "
    "that cannot be read are listed in core_targets__rejected with row number and reason.",
)
def core_targets(study: StudyResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    wh = warehouse.get()
    with wh.build() as con:
        ids = {
            r[0]
            for r in con.execute("SELECT indicator_id FROM core_catalog__indicators").fetchall()
        }
        path = Path(study.targets_file) if study.targets_file else None
        targets = load_targets(path, study.catalog(), ids)
        wh.replace_table(con, "core_targets", targets.good, "Scorecard targets (måleskjema).")
        wh.replace_table(
            con, "core_targets__rejected", targets.rejected, "Scorecard rows left out, and why."
        )
    return dg.MaterializeResult(
        metadata={
            "file": str(path) if path else "none",
            "targets": targets.good.height,
            "rejected": dg.MetadataValue.md(markdown_table(targets.rejected)),
        }
    )


mart_scorecard = sql_model(
    "marts/mart_scorecard.sql",
    deps=[core_targets, mart_comparisons],
    description="Each target with its status (met, not met, no data) from the latest vintage and "
    "the peer comparison beside it",
    count_by="status",
)
