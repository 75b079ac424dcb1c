"""Source: the tiltak (actions) against målekart rows, from the settings' list and from what
`malestokk tiltak les` read back (a ledger beside the own figures, like the challenge answers)."""

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import polars as pl

from pipelines.resources import LocalDataResource, WarehouseResource
from pipelines.settings.config import Settings
from pipelines.storage.versions import stored_version

LEDGER = "tiltak.jsonl"  # under data/local, written by `malestokk tiltak les`

core_tiltak = dg.AssetKey("core_tiltak")
core_tiltak__rejected = dg.AssetKey("core_tiltak__rejected")


@dg.multi_asset(
    name="core_tiltak",
    group_name="core",
    specs=[
        dg.AssetSpec(
            core_tiltak,
            kinds={"duckdb"},
            description="Tiltak per målekart row: what, who, by when, cost, status and the "
            "assessment (paths.tiltak and the lists and sheets read with `malestokk tiltak les`).",
        ),
        dg.AssetSpec(
            core_tiltak__rejected,
            kinds={"duckdb"},
            description="Cells that kept a row of the tiltak list out, and why.",
        ),
    ],
)
def core_tiltak_and_rejected(
    study: dg.ResourceParam[Settings], local: LocalDataResource, warehouse: WarehouseResource
) -> Iterator[dg.MaterializeResult]:
    from pipelines.domain.tiltak import REJECTED_SCHEMA, SCHEMA, load, read_tiltak

    listed, rejected = pl.DataFrame(schema=SCHEMA), pl.DataFrame(schema=REJECTED_SCHEMA)
    if study.tiltak_file:
        # the list's rows count as read before anything `tiltak les` read later
        listed, rejected = read_tiltak(study.tiltak_file, imported_at="")
    tiltak = load(Path(local.local_dir) / LEDGER, listed)
    wh = warehouse.get()
    with wh.build() as con:
        wh.replace_table(con, "core_tiltak", tiltak, "Tiltak per målekart row.")
        wh.replace_table(con, "core_tiltak__rejected", rejected, "Tiltak rows left out, and why.")
    yield dg.MaterializeResult(
        asset_key=core_tiltak__rejected,
        data_version=stored_version(wh, "core_tiltak__rejected"),
        metadata={"dagster/row_count": rejected.height},
    )
    yield dg.MaterializeResult(
        asset_key=core_tiltak,
        data_version=stored_version(wh, "core_tiltak"),
        metadata={"dagster/row_count": tiltak.height},
    )
