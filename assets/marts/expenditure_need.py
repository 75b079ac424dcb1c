"""Need-adjusted service spending (utgiftsbehov), as ASSS compares it."""

from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from assets.sql_model import sql_model
from pipelines.domain.expenditure_need import load_expenditure_need
from pipelines.resources import WarehouseResource
from pipelines.settings.config import Settings
from quality.asset_checks import markdown_table

core_expenditure_need = dg.AssetKey("core_expenditure_need")
core_expenditure_need__rejected = dg.AssetKey("core_expenditure_need__rejected")


@dg.multi_asset(
    name="core_expenditure_need",
    group_name="core",
    specs=[
        dg.AssetSpec(
            core_expenditure_need,
            kinds={"duckdb"},
            description="Expenditure-need index per municipality, year and service area with "
            "inhabitants (paths.expenditure_need; Grønt hefte, tabell C).",
        ),
        dg.AssetSpec(
            core_expenditure_need__rejected,
            kinds={"duckdb"},
            description="Need-index rows that could not be read, with row number and reason.",
        ),
    ],
)
def core_expenditure_need_and_rejected(
    study: dg.ResourceParam[Settings], warehouse: WarehouseResource
) -> Iterator[dg.MaterializeResult]:
    """One read of the file gives both: the good rows and, beside them, the rejected ones."""
    path = Path(study.expenditure_need_file) if study.expenditure_need_file else None
    good, rejected = load_expenditure_need(path)
    wh = warehouse.get()
    with wh.build() as con:
        wh.replace_table(
            con, "core_expenditure_need", good, "Expenditure-need index (utgiftsbehov)."
        )
        wh.replace_table(
            con, "core_expenditure_need__rejected", rejected, "Need-index rows left out, and why."
        )
    yield dg.MaterializeResult(
        asset_key=core_expenditure_need__rejected,
        metadata={
            "dagster/row_count": rejected.height,
            "rejected": dg.MetadataValue.md(markdown_table(rejected)),
        },
    )
    yield dg.MaterializeResult(
        asset_key=core_expenditure_need,
        metadata={
            "file": str(path) if path else "none",
            "dagster/row_count": good.height,
            "sources": ", ".join(sorted({s for s in good["source"].to_list() if s})) or "none",
        },
    )


mart_expenditure_need = sql_model(
    "marts/mart_expenditure_need.sql",
    description="Spending per inhabitant divided by the need index, against ASSS, the KOSTRA "
    "group and own sets, with mer-/mindreforbruk in NOK",
)
