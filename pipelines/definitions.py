"""The Dagster code location: assets, checks, the refresh job, the nightly schedule, resources.

Nothing is read at import: `defs` is built when Dagster asks for it (`dagster dev -m
pipelines.definitions`, `dagster definitions validate`), from the settings file MALESTOKK_CONFIG
names (or ./malestokk.toml), so the code location loads from any folder. Assets get the settings
only through the resources built below.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from assets import publish
from assets.contracts import contract_checks
from assets.core import indicators as core_indicators
from assets.core import regions as core_regions
from assets.core import settings as core_settings
from assets.homes import outputs as home_outputs
from assets.homes.outputs import home_definitions
from assets.kolada import raw as kolada_raw
from assets.local import challenge_answers as local_challenge_answers
from assets.local import raw as local_raw
from assets.local import tiltak as local_tiltak
from assets.marts import arshjul as marts_arshjul
from assets.marts import challenge_note as marts_challenge_note
from assets.marts import comparisons as marts_comparisons
from assets.marts import expenditure_need as marts_expenditure_need
from assets.marts import gx_checks as marts_gx_checks
from assets.marts import home as marts_home
from assets.marts import kvalitet as marts_kvalitet
from assets.marts import local as marts_local
from assets.marts import malekart as marts_malekart
from assets.marts import scorecard as marts_scorecard
from assets.outputs import dashboards as outputs_dashboards
from assets.outputs import exports as outputs_exports
from assets.outputs import malekart as outputs_malekart
from assets.outputs import reports as outputs_reports
from assets.ssb import raw as ssb_raw
from pipelines.orchestration import run_output
from pipelines.orchestration.refresh import (
    arshjul_schedules,
    full_refresh_job,
    nightly_schedule,
    refresh_sources_job,
)
from pipelines.orchestration.sensors import local_inbox_sensor, rebuild_what_changed_sensor
from pipelines.resources import build_resources
from pipelines.settings.config import Settings, load_settings
from pipelines.storage.graph_shape import shape_of
from pipelines.storage.versions import code_versions, owned_assets

ASSET_MODULES = [
    ssb_raw,
    kolada_raw,
    local_raw,
    local_challenge_answers,
    local_tiltak,
    core_indicators,
    core_settings,
    core_regions,
    marts_home,
    marts_comparisons,
    marts_challenge_note,
    marts_kvalitet,
    marts_arshjul,
    marts_local,
    marts_gx_checks,
    marts_expenditure_need,
    marts_scorecard,
    marts_malekart,
    outputs_exports,
    outputs_dashboards,
    outputs_reports,
    outputs_malekart,
]


def all_assets() -> list[dg.AssetsDefinition]:
    """Every asset, the publish step last: it depends on every other asset."""
    assets = dg.load_assets_from_modules(ASSET_MODULES)
    return [*assets, publish.warehouse_published_after(assets)]  # type: ignore[list-item]


def all_checks(assets: list[dg.AssetsDefinition]) -> list[dg.AssetChecksDefinition]:
    """The checks written beside their assets, and a contract check for every table."""
    return [*dg.load_asset_checks_from_modules(ASSET_MODULES), *contract_checks(assets)]


def build_definitions(settings: Settings) -> dg.Definitions:
    nightly = nightly_schedule(settings.schedule_cron, settings.schedule_timezone)
    national = all_assets()
    homes = home_definitions(settings, national[-1].key)  # after the publish
    owners = {Path(m.__file__ or ""): owned_assets(m) for m in ASSET_MODULES}
    owners[Path(publish.__file__ or "")] = [national[-1]]
    owners[Path(home_outputs.__file__ or "")] = homes["assets"]
    versions = code_versions(owners, settings)
    assets = dg.map_asset_specs(
        lambda s: s.replace_attributes(code_version=versions[s.key]), [*national, *homes["assets"]]
    )
    checks = all_checks(national)
    return dg.Definitions(
        assets=assets,
        asset_checks=checks,
        jobs=[full_refresh_job, refresh_sources_job, *homes["jobs"]],
        schedules=[nightly, *arshjul_schedules(settings.arshjul_file, settings.schedule_timezone)],
        sensors=[
            local_inbox_sensor(refresh_sources_job, settings.inbox_dir),
            rebuild_what_changed_sensor(refresh_sources_job, full_refresh_job, settings),
            *homes["sensors"],
        ],
        resources={
            **build_resources(settings),
            "graph_shape": shape_of(assets, checks),
        },
        loggers={"console": dg.colored_console_logger, **run_output.LOGGERS},
        # every step writes the one staging DuckDB file, which takes one writing process: steps
        # run one after another in the run's process (which also holds the refresh lock)
        executor=dg.in_process_executor,
    )


@dg.definitions
def defs() -> dg.Definitions:
    """The code location Dagster loads: built on demand from the user's settings."""
    return build_definitions(load_settings())
