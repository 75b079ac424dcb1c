"""The record a staging build carries: what every blocking check said about it, and on what data.

Dagster's blocking checks stop the run they are in, but the staging file outlives runs: a person
can materialize `warehouse_published` alone in the UI, re-execute a part of a failed run, or
rebuild one asset after the checks ran. So each blocking check writes its result into the
staging file itself (`build_record.checks`) together with a content fingerprint of every table
it vouches for: the tables of its asset and of everything upstream of it. The publish step
fingerprints the file again and publishes only when every blocking check of the graph passed on
exactly the data that is there now; otherwise it refuses with one line naming the check.

A table's fingerprint is its row count and the sum of its rows' hashes: any changed, added or
removed row changes it, whoever wrote it (a later asset, a failed step, a hand-made edit).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

import dagster as dg
import duckdb

SCHEMA = "build_record"

# The warehouse tables each asset writes, where they are not simply the asset's own name.
# Assets that write no warehouse table (the private store, the outputs) map to ().
ASSET_TABLES: dict[str, tuple[str, ...]] = {
    # views hold no rows of their own: the tables they read are fingerprinted
    "core_indicator_values__by_release": (),
    "core_indicator_series__by_release": (),
    "raw_local__imports": (),
    "out_dashboards__site": (),
    "out_exports__parquet": (),
    "out_reports__latest": (),
    "out_malekart__dialogue_sheets": (),
    "warehouse_published": (),
}


def tables_of(asset: str) -> tuple[str, ...]:
    return ASSET_TABLES.get(asset, (asset,))


@cache
def asset_graph():
    """The whole asset graph with its checks, whatever a run selected (a run of the publish
    alone knows nothing of the checks upstream of it)."""
    from pipelines.definitions import ASSET_MODULES, all_assets

    assets = all_assets()
    checks = dg.load_asset_checks_from_modules(ASSET_MODULES)
    keys = {k for d in [*assets, *checks] for k in d.required_resource_keys} - {"io_manager"}
    return dg.Definitions(  # the shape of the graph only: no resource is used
        assets=assets,
        asset_checks=checks,
        resources={k: dg.ResourceDefinition.none_resource() for k in keys},
    ).resolve_asset_graph()


def upstream(asset: str) -> set[str]:
    """The asset and everything it is built from."""
    graph = asset_graph()
    seen: set[str] = set()
    todo = [dg.AssetKey(asset)]
    while todo:
        key = todo.pop()
        name = key.to_user_string()
        if name not in seen:
            seen.add(name)
            todo.extend(graph.get(key).parent_keys)
    return seen


def covered_tables(asset: str) -> list[str]:
    return sorted({t for a in upstream(asset) for t in tables_of(a)})


def blocking_checks(asset: str) -> list[tuple[str, str]]:
    """(asset, check) of every blocking check on the asset or upstream of it."""
    graph = asset_graph()
    found = []
    for key in graph.asset_check_keys:
        if key.asset_key.to_user_string() in upstream(asset) and graph.get_check_spec(key).blocking:
            found.append((key.asset_key.to_user_string(), key.name))
    return sorted(found)


def fingerprint(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND table_name = ?",
        [table],
    ).fetchone()[0]
    if not exists:
        return None
    rows, total = con.execute(f'SELECT count(*), sum(hash(t)) FROM "{table}" AS t').fetchone()
    return f"{rows}:{total or 0}"


def _ensure(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {SCHEMA}.checks (check_name VARCHAR, asset VARCHAR, "
        "run_id VARCHAR, passed BOOLEAN, evaluated_at TIMESTAMP, fingerprints VARCHAR)"
    )
    con.execute(
        f"COMMENT ON TABLE {SCHEMA}.checks IS 'The blocking checks run on this build: result, run, "
        "time and the fingerprint (rows:sum of row hashes) of every table each vouched for.'"
    )


def record_check(
    con: duckdb.DuckDBPyConnection, asset: str, check: str, passed: bool, run_id: str | None
) -> None:
    """A blocking check's result on the data it saw, written into the staging file."""
    _ensure(con)
    prints = {t: fingerprint(con, t) for t in covered_tables(asset)}
    con.execute(
        f"INSERT INTO {SCHEMA}.checks VALUES (?, ?, ?, ?, ?, ?)",
        [check, asset, run_id, passed, datetime.now(UTC).replace(tzinfo=None),
         json.dumps(prints, sort_keys=True)],
    )  # fmt: skip
    con.execute(  # the staging file outlives runs: keep the last few results per check
        f"DELETE FROM {SCHEMA}.checks WHERE (check_name, evaluated_at) IN (SELECT check_name, "
        f"evaluated_at FROM {SCHEMA}.checks QUALIFY row_number() OVER (PARTITION BY asset, "
        "check_name ORDER BY evaluated_at DESC) > 5)"
    )


def recorded(context, warehouse, result: dg.AssetCheckResult) -> dg.AssetCheckResult:
    """Record a blocking check's result in the staging file, and hand the result on."""
    spec = next(
        (s for s in context.check_specs if result.check_name in (None, s.name)),
        context.check_specs[0],
    )
    asset = (result.asset_key or spec.asset_key).to_user_string()
    with warehouse.get().build() as con:
        record_check(con, asset, result.check_name or spec.name, result.passed, warehouse.run_id())
    return result


def _when(run_id: str | None, at: datetime) -> str:
    return f"run {(run_id or '?')[:8]}, {at:%Y-%m-%d %H:%M} UTC"


@dataclass
class Verdict:
    ok: bool
    reason: str
    checks: list[dict]


def verify(con: duckdb.DuckDBPyConnection, target: str = "warehouse_published") -> Verdict:
    """Whether the staging file is fully checked and unchanged since: the publish's gate."""
    _ensure(con)
    latest = {
        (asset, check): (run_id, passed, at, json.loads(prints))
        for check, asset, run_id, passed, at, prints in con.execute(
            f"SELECT check_name, asset, run_id, passed, evaluated_at, fingerprints FROM "
            f"{SCHEMA}.checks QUALIFY row_number() OVER (PARTITION BY asset, check_name "
            "ORDER BY evaluated_at DESC) = 1"
        ).fetchall()
    }
    wanted = blocking_checks(target)
    # the most telling reason first: a check that failed, then one that never ran, then data
    # that changed after its check passed
    for asset, check in wanted:
        if (asset, check) in latest and not latest[(asset, check)][1]:
            run_id, _, at, _ = latest[(asset, check)]
            return Verdict(False, f"{check} failed on this staging build ({_when(run_id, at)})", [])
    for asset, check in wanted:
        if (asset, check) not in latest:
            return Verdict(False, f"{check} never ran on this staging build", [])
    now: dict[str, str | None] = {}
    summary = []
    for asset, check in wanted:
        run_id, _, at, prints = latest[(asset, check)]
        for table, seen in prints.items():
            if table not in now:
                now[table] = fingerprint(con, table)
            if now[table] != seen:
                change = "is missing" if now[table] is None else "changed"
                return Verdict(
                    False,
                    f"{table} {change} after {check} passed ({_when(run_id, at)}); run the whole "
                    "refresh so its checks see the data that would be published",
                    [],
                )
        summary.append({"check": check, "asset": asset, "run_id": run_id, "at": str(at)})
    for asset in sorted(upstream(target)):
        for table in tables_of(asset):
            if table not in now:
                now[table] = fingerprint(con, table)
            if now[table] is None:
                return Verdict(False, f"{table} (from {asset}) is not in the staging build", [])
    return Verdict(True, f"{len(summary)} blocking checks passed on this data", summary)
