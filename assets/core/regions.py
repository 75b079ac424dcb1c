"""Core: the region dimension across reforms, continuous series, and the peer sets."""

import dagster as dg

from assets.core.indicators import (
    core_indicator_values,
    core_indicator_values__asof,
    core_indicator_values__by_release,
    core_releases,
)
from assets.sql_model import sql_model, sql_step
from pipelines.storage.models import build_series

core_region__codes = sql_model(
    "core/core_region__codes.sql",
    description="Municipality codes with the years they were valid (NO: KLASS 131 lists at "
    "1 January; SE: Kolada's municipality list)",
    count_by="country",
)

core_region__lineage = sql_model(
    "core/core_region__lineage.sql",
    description="Each code's lineage to today's code(s) (KLASS 131 changes: 2018, 2020, 2024); "
    "Swedish codes map to themselves",
    count_by="country",
)


core_indicator_series = dg.AssetKey("core_indicator_series")
core_indicator_series__by_release = dg.AssetKey("core_indicator_series__by_release")
core_indicator_series_step = sql_step(
    "core_indicator_series",
    group="core",
    build=build_series,
    tables={
        "core_indicator_series": "One continuous series per indicator and today's "
        "municipality; merged parts summed only for additive indicators; derived nøkkeltall "
        "(sql/core/core_indicator_series*.sql).",
        "core_indicator_series__asof": "The series rows that stood otherwise at an earlier "
        "release (sql/core/core_indicator_series.sql).",
        "core_indicator_series__by_release": "View: each release's series whole "
        "(sql/core/core_indicator_series__by_release.sql).",
    },
    deps=[
        core_indicator_values,
        core_indicator_values__asof,
        core_indicator_values__by_release,
        core_region__codes.key,
        core_region__lineage.key,
        core_releases,
    ],
)


core_peer_sets = sql_model(
    "core/core_peer_sets.sql",
    description="Peer sets per year: KOSTRA group (2019/2020 break marked), national, ASSS "
    "(10, then 12 from 2022), SKR kommungrupp, Riket and the user's own sets",
    count_by="peer_set",
)
