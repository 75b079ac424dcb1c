"""Core: the region dimension across reforms, continuous series, and the peer sets."""

import dagster as dg

from assets.core.indicators import (
    core_catalog__indicators,
    core_indicator_values,
    core_releases,
)
from assets.core.settings import core_settings__home, core_settings__peer_sets
from assets.kolada.raw import raw_kolada__municipalities, raw_kolada__municipality_groups
from assets.sql_model import sql_model
from assets.ssb.raw import (
    raw_klass__kostra_groups,
    raw_klass__municipality_changes,
    raw_klass__region_codes,
    raw_ssb__kostra_values,
)
from pipelines.models import build_series
from pipelines.resources import WarehouseResource

core_region__codes = sql_model(
    "core/core_region__codes.sql",
    deps=[raw_klass__region_codes, raw_kolada__municipalities],
    description="Municipality codes with the years they were valid (NO: KLASS 131 lists at "
    "1 January; SE: Kolada's municipality list)",
    count_by="country",
)

core_region__lineage = sql_model(
    "core/core_region__lineage.sql",
    deps=[core_region__codes, raw_klass__municipality_changes, raw_ssb__kostra_values],
    description="Each code's lineage to today's code(s) (KLASS 131 changes: 2018, 2020, 2024); "
    "Swedish codes map to themselves",
    count_by="country",
)


@dg.asset(
    group_name="core",
    kinds={"duckdb"},
    deps=[core_indicator_values, core_region__codes, core_region__lineage, core_releases],
    description="One continuous series per indicator and today's municipality; merged parts "
    "summed only for additive indicators (sql/core/core_indicator_series.sql); and the rows "
    "that stood otherwise at an earlier release (core_indicator_series__asof).",
)
def core_indicator_series(warehouse: WarehouseResource) -> dg.MaterializeResult:
    wh = warehouse.get()
    with wh.build() as con:
        build_series(wh, con)
        revised = con.execute("SELECT count(*) FROM core_indicator_series__asof").fetchone()[0]
        by_method = dict(
            con.execute(
                "SELECT split_part(harmonisation, ':', 1), count(*) FROM core_indicator_series "
                "GROUP BY 1"
            ).fetchall()
        )
    return dg.MaterializeResult(
        metadata={
            "rows": sum(by_method.values()),
            "rows_differing_in_earlier_releases": revised,
            **{k: v for k, v in by_method.items()},
        }
    )


core_peer_sets = sql_model(
    "core/core_peer_sets.sql",
    deps=[
        core_settings__home,
        core_settings__peer_sets,
        core_catalog__indicators,
        core_region__codes,
        core_region__lineage,
        core_indicator_values,
        raw_klass__kostra_groups,
        raw_kolada__municipality_groups,
    ],
    description="Peer sets per year: KOSTRA group (2019/2020 break marked), national, ASSS "
    "(10, then 12 from 2022), SKR kommungrupp, Riket and the user's own sets",
    count_by="peer_set",
)
