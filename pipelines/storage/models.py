"""SQL models that run in more than one step: today's series and the series of earlier releases."""

from __future__ import annotations

import duckdb

from pipelines.sources.local.private_store import PrivateStore
from pipelines.storage.warehouse import Warehouse

RELEASES_KEPT = 3  # the newest release and two before it (15 March, 15 June, a correction)


def build_releases(wh: Warehouse, con: duckdb.DuckDBPyConnection) -> None:
    wh.run_model(con, "core/core_releases.sql", releases_kept=str(RELEASES_KEPT))


def build_series(wh: Warehouse, con: duckdb.DuckDBPyConnection) -> None:
    """core_indicator_series from today's values, then, for each earlier release, only the rows
    one of whose parts stood otherwise then (core_indicator_series__asof), and the view of both.
    """
    wh.run_model(
        con, "core/core_indicator_series.sql", target="core_indicator_series",
        keep="* EXCLUDE (release)",
        values="(SELECT 'latest' AS release, *, true AS published FROM core_indicator_values)",
        parts_filter="true",
    )  # fmt: skip
    # the series rows a changed cell touches: every part (code) of the municipality and year
    # it belongs to, as the release saw it. Only these rows are read, not the whole release.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _changed_parts AS SELECT DISTINCT a.release, a.country, "
        "a.indicator_id, l.current_code, a.year, a.gender FROM core_indicator_values__asof a "
        "JOIN core_region__lineage l ON l.country = a.country AND l.code = a.region_code"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _changed_cells AS SELECT DISTINCT x.release, x.country, "
        "x.indicator_id, l.code AS region_code, x.year, x.gender FROM _changed_parts AS x "
        "JOIN core_region__lineage AS l "
        "ON l.country = x.country AND l.current_code = x.current_code"
    )
    wh.run_model(
        con, "core/core_indicator_series.sql", target="core_indicator_series__asof",
        keep="*",
        # the release's view of those cells (core_indicator_values__by_release, narrowed first):
        # the cell as it stood then where it differs, today's row where it does not
        values="(SELECT * FROM core_indicator_values__asof UNION ALL BY NAME "
        "SELECT x.release, c.*, true AS published FROM _changed_cells AS x "
        "JOIN core_indicator_values AS c ON c.country = x.country "
        "AND c.indicator_id = x.indicator_id AND c.region_code = x.region_code "
        "AND c.year = x.year AND c.gender = x.gender "
        "ANTI JOIN core_indicator_values__asof AS a ON a.release = x.release "
        "AND a.indicator_id = x.indicator_id AND a.region_code = x.region_code "
        "AND a.year = x.year AND a.gender = x.gender)",
        parts_filter="EXISTS (SELECT 1 FROM _changed_parts AS x WHERE x.release = v.release "
        "AND x.indicator_id = v.indicator_id AND x.current_code = l.current_code "
        "AND x.year = v.year AND x.gender = v.gender)",
    )  # fmt: skip
    con.execute("DROP TABLE _changed_parts; DROP TABLE _changed_cells")
    wh.run_model(con, "core/core_indicator_series__by_release.sql")
    wh.run_model(con, "core/core_indicator_series__derived.sql")


def build_local_marts(
    wh: Warehouse,
    con: duckdb.DuckDBPyConnection,
    store: PrivateStore,
    min_employees: int,
    min_respondents: int,
) -> None:
    """The suppressed marts of own figures, from the private store (attached read-only)."""
    rules = {"min_employees": str(min_employees), "min_respondents": str(min_respondents)}
    with store.attached(con):
        wh.run_model(con, "marts/privacy_rules.sql")
        wh.run_model(con, "marts/local_units.sql")  # the temporary view current_units
        wh.run_model(con, "marts/mart_local__sick_leave.sql", **rules)
        wh.run_model(con, "marts/mart_local__surveys.sql", **rules)
        wh.run_model(con, "marts/mart_local__own_measures.sql", **rules)
        wh.run_model(con, "marts/mart_local__survey_plan.sql")
        wh.run_model(con, "marts/mart_local__files.sql")
