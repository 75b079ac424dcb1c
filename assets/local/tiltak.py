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
    context: dg.AssetExecutionContext,
    study: dg.ResourceParam[Settings],
    local: LocalDataResource,
    warehouse: WarehouseResource,
) -> Iterator[dg.MaterializeResult]:
    from pipelines.domain.tiltak import REJECTED_SCHEMA, SCHEMA, load, read_tiltak

    listed, rejected = pl.DataFrame(schema=SCHEMA), pl.DataFrame(schema=REJECTED_SCHEMA)
    if study.tiltak_file:
        # the list's rows count as read before anything `tiltak les` read later
        listed, rejected = read_tiltak(study.tiltak_file, imported_at="")
    wh = warehouse.get()
    from_inbox = read_inbox(Path(local.inbox_dir) / "tiltak", Path(local.local_dir), wh)
    for line in from_inbox["said"]:
        context.log.info(line)
    rejected = pl.concat([rejected, from_inbox["rejected"]])
    tiltak = load(Path(local.local_dir) / LEDGER, listed)
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


def read_inbox(folder: Path, local_dir: Path, wh) -> dict:
    """Tiltak lists and filled-in sheets dropped in inbox/tiltak/: each read as `malestokk
    tiltak les` reads it (kept by sha256, good rows to the ledger), then moved to done/ (or
    failed/, with the reason beside it, when it cannot be read at all). A sheet's indicator
    names are mapped back through the målekart of the last build."""
    from pipelines.domain.tiltak import REJECTED_SCHEMA, keep

    said: list[str] = []
    rejected = [pl.DataFrame(schema=REJECTED_SCHEMA)]
    if not folder.is_dir():
        return {"said": said, "rejected": rejected[0]}

    def ids_of_unit(unit: str) -> dict[str, str]:
        with wh.build() as con:
            known = con.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'mart_malekart' "
                "AND database_name = current_database()"
            ).fetchall()[0][0]
            if not known:
                return {}
            return dict(con.execute(
                "SELECT label, indicator_id FROM mart_malekart WHERE level = 'enhet' "
                "AND unit_id = ?", [unit],
            ).fetchall())  # fmt: skip

    for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
        try:
            count, bad = keep(path, local_dir / LEDGER, local_dir / "tiltak", ids_of_unit)
        except (ValueError, OSError) as exc:
            (folder / "failed").mkdir(exist_ok=True)
            (folder / "failed" / f"{path.name}.reason.txt").write_text(str(exc), encoding="utf-8")
            path.replace(folder / "failed" / path.name)
            said.append(f"tiltak: {exc}")
            continue
        (folder / "done").mkdir(exist_ok=True)
        path.replace(folder / "done" / path.name)
        rejected.append(bad)
        said.append(
            f"tiltak: {count} read from {path.name}, {bad['row'].n_unique()} row(s) left out"
        )
    return {"said": said, "rejected": pl.concat(rejected)}
