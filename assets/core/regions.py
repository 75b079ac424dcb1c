"""Core: the region dimension across reforms, continuous series, and the peer sets."""

import dagster as dg

from assets.core.indicators import (
    core_catalog__indicators,
    core_indicator_values,
    core_releases,
)
from assets.kolada.raw import raw_kolada__municipalities, raw_kolada__municipality_groups
from assets.ssb.raw import (
    raw_klass__kostra_groups,
    raw_klass__municipality_changes,
    raw_klass__region_codes,
    raw_ssb__kostra_values,
)
from pipelines.models import build_series
from pipelines.resources import WarehouseResource


@dg.asset(
    group_name="core",
    kinds={"duckdb"},
    deps=[
        raw_klass__region_codes,
        raw_klass__municipality_changes,
        raw_kolada__municipalities,
        raw_ssb__kostra_values,
    ],
    description="Municipality codes valid by year, and each code's lineage to today's code "
    "(KLASS 131 changes: 2018, 2020, 2024); Swedish codes map to themselves.",
)
def core_regions(warehouse: WarehouseResource) -> dg.MaterializeResult:
    wh = warehouse.get()
    with wh.build() as con:
        wh.run_model(con, "core/core_regions.sql")
        codes, renumbered, splits = con.execute(
            "SELECT (SELECT count(*) FROM core_region__codes), "
            "count(*) FILTER (WHERE code <> current_code), "
            "count(DISTINCT code) FILTER (WHERE current_codes > 1) FROM core_region__lineage"
        ).fetchall()[0]
    return dg.MaterializeResult(
        metadata={"codes": codes, "renumbered_codes": renumbered, "split_codes": splits}
    )


@dg.asset(
    group_name="core",
    kinds={"duckdb"},
    deps=[core_indicator_values, core_regions, core_releases],
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


@dg.asset(
    group_name="core",
    kinds={"duckdb"},
    deps=[
        core_catalog__indicators,
        core_regions,
        core_indicator_values,
        raw_klass__kostra_groups,
        raw_kolada__municipality_groups,
    ],
    description="Peer sets per year: KOSTRA group (2019/2020 break marked), national, ASSS "
    "(10, then 12 from 2022), SKR kommungrupp, Riket and the user's own sets.",
)
def core_peer_sets(warehouse: WarehouseResource) -> dg.MaterializeResult:
    wh = warehouse.get()
    with wh.build() as con:
        wh.run_model(con, "core/core_peer_sets.sql")
        sets = dict(
            con.execute(
                "SELECT peer_set, count(DISTINCT year) FROM core_peer_sets GROUP BY 1"
            ).fetchall()
        )
    return dg.MaterializeResult(metadata={"peer_sets": len(sets), **sets})
