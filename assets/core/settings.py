"""Core: the study's settings as warehouse tables, so every SQL model reads them like data."""

from collections.abc import Iterator

import dagster as dg
import polars as pl

from pipelines.resources import WarehouseResource
from pipelines.settings.config import Settings


@dg.asset(
    group_name="core",
    kinds={"duckdb"},
    description="The home municipality and the study years (malestokk.toml [home], [years]).",
)
def core_settings__home(
    study: dg.ResourceParam[Settings], warehouse: WarehouseResource
) -> dg.MaterializeResult:
    home = pl.DataFrame(
        {
            "country": [study.home_country],
            "municipality": [study.home_municipality],
            "first_year": [study.first_year],
            "last_year": [study.last_year],
            "network_peer_set": [study.network_peer_set],
        },
        schema_overrides={"network_peer_set": pl.String},
    )
    wh = warehouse.get()
    with wh.build() as con:
        rows = wh.replace_table(
            con, "core_settings__home", home, "The home municipality and the study years."
        )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "home": f"{study.home_country}:{study.home_municipality}",
        }
    )


@dg.asset(
    group_name="core",
    kinds={"duckdb"},
    description="The user's own peer sets (malestokk.toml [peer_sets.*]), one row per member.",
)
def core_settings__peer_sets(
    study: dg.ResourceParam[Settings], warehouse: WarehouseResource
) -> dg.MaterializeResult:
    frame = pl.DataFrame(
        [
            {"name": p.name, "label": p.label, "country": p.country, "member_code": m}
            for p in study.peer_sets
            for m in p.members
        ],
        schema={"name": pl.String, "label": pl.String, "country": pl.String,
                "member_code": pl.String},
    )  # fmt: skip
    wh = warehouse.get()
    with wh.build() as con:
        rows = wh.replace_table(
            con,
            "core_settings__peer_sets",
            frame,
            "The user's own peer sets (malestokk.toml [peer_sets.*]), one row per member.",
        )
    return dg.MaterializeResult(
        metadata={"dagster/row_count": rows, "peer_sets": len(study.peer_sets)}
    )


core_settings__arshjul = dg.AssetKey("core_settings__arshjul")
core_settings__arshjul__rejected = dg.AssetKey("core_settings__arshjul__rejected")


@dg.multi_asset(
    name="core_settings__arshjul",
    group_name="core",
    specs=[
        dg.AssetSpec(
            core_settings__arshjul,
            kinds={"duckdb"},
            description="The KOSTRA year (årshjul, paths.arshjul): release days, deadlines and "
            "meetings with who answers for each.",
        ),
        dg.AssetSpec(
            core_settings__arshjul__rejected,
            kinds={"duckdb"},
            description="Årshjul rows left out, with row, column and reason.",
        ),
    ],
)
def core_settings__arshjul_and_rejected(
    study: dg.ResourceParam[Settings], warehouse: WarehouseResource
) -> Iterator[dg.MaterializeResult]:
    """One read of the file gives both: the milestones and, beside them, the rows left out."""
    from pipelines.domain.arshjul import REJECTED_SCHEMA, as_frame, read_arshjul

    path = study.arshjul_file
    milestones, rejected = (
        read_arshjul(path) if path else ([], pl.DataFrame(schema=REJECTED_SCHEMA))
    )
    wh = warehouse.get()
    with wh.build() as con:
        wh.replace_table(
            con, "core_settings__arshjul", as_frame(milestones),
            "The KOSTRA year (årshjul): release days, deadlines, meetings and who answers.",
        )  # fmt: skip
        wh.replace_table(
            con, "core_settings__arshjul__rejected", rejected, "Årshjul rows left out, and why."
        )
    yield dg.MaterializeResult(
        asset_key=core_settings__arshjul__rejected,
        metadata={"dagster/row_count": rejected.height},
    )
    yield dg.MaterializeResult(
        asset_key=core_settings__arshjul,
        metadata={"dagster/row_count": len(milestones), "file": str(path) if path else "none"},
    )
