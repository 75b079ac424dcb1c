"""Need-adjusted service spending (utgiftsbehov), as ASSS compares it."""

from pathlib import Path

import dagster as dg

from assets.core.regions import core_indicator_series, core_peer_sets
from assets.core.settings import core_settings__home
from assets.sql_model import sql_model
from pipelines.expenditure_need import load_expenditure_need
from pipelines.resources import StudyResource, WarehouseResource
from quality.asset_checks import markdown_table


@dg.asset(
    group_name="core",
    kinds={"duckdb"},
    description="Expenditure-need index per municipality, year and service area with "
    "inhabitants (paths.expenditure_need; Grønt hefte, tabell C). Bad rows are listed.",
)
def core_expenditure_need(
    study: StudyResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
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
    return dg.MaterializeResult(
        metadata={
            "file": str(path) if path else "none",
            "rows": good.height,
            "sources": ", ".join(sorted({s for s in good["source"].to_list() if s})) or "none",
            "rejected": dg.MetadataValue.md(markdown_table(rejected)),
        }
    )


mart_expenditure_need = sql_model(
    "marts/mart_expenditure_need.sql",
    deps=[core_expenditure_need, core_indicator_series, core_peer_sets, core_settings__home],
    description="Spending per inhabitant divided by the need index, against ASSS, the KOSTRA "
    "group and own sets, with mer-/mindreforbruk in NOK",
)
