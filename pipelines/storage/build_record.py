"""The record a staging build carries: what every blocking check said about it, and on what data.

Dagster's blocking checks stop the run they are in, but the staging file outlives runs: a person
can materialize `warehouse_published` alone in the UI, re-execute a part of a failed run, or
edit the file by hand after the checks ran. So each blocking check writes its result into the
staging file itself (`build_record.checks`) with the fingerprints of the tables and views it
vouches for (its asset's own, hashed then) and of the inputs it was checked against (upstream
tables, as their own checks recorded them). The publish fingerprints every object in the file
and publishes only when each one is vouched for by a passed blocking check on exactly what is
there now; anything else (a changed row or column, a new table, a replaced view) is refused
with one line naming it. Every table and view the refresh makes has a blocking contract check
of its own (assets/contracts.py), so nothing is published on trust.

A table's fingerprint is its row count, the sum of its rows' hashes and a digest of its columns
and types: any changed, added or removed row or column changes it, whoever wrote it. A view's is
a digest of its SQL and columns (its rows are its tables', fingerprinted themselves).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

import dagster as dg
import duckdb

from pipelines.storage.graph_shape import GraphShape, tables_of

SCHEMA = "build_record"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _quoted(name: str) -> str:
    schema, _, table = name.rpartition(".")
    return f'"{schema or "main"}"."{table}"'


def objects(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Every table, view and macro of the file (kind by name; `schema.name` outside main),
    the build record itself left out: what a publish would make public."""
    found: dict[str, str] = {}
    for schema, name, kind in con.execute(
        "SELECT schema_name, table_name, 'table' FROM duckdb_tables() "
        "WHERE database_name = current_database() AND NOT temporary UNION ALL "
        "SELECT schema_name, view_name, 'view' FROM duckdb_views() "
        "WHERE database_name = current_database() AND NOT internal AND NOT temporary UNION ALL "
        "SELECT DISTINCT schema_name, function_name, 'macro' FROM duckdb_functions() "
        "WHERE database_name = current_database() AND NOT internal "
        "AND function_type IN ('macro', 'table_macro')"
    ).fetchall():
        if schema != SCHEMA:
            found[name if schema == "main" else f"{schema}.{name}"] = kind
    return found


def foreign_objects(con: duckdb.DuckDBPyConnection, shape: GraphShape) -> dict[str, str]:
    """Objects in the file that no asset of the graph makes (a hand-made table, view or macro)."""
    made = shape.tables()
    return {name: kind for name, kind in objects(con).items() if name not in made}


def fingerprint(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    """rows:sum of row hashes:columns for a table, view:digest for a view, None when absent."""
    schema, _, table = name.rpartition(".")
    schema = schema or "main"
    columns = con.execute(
        "SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY column_index) "
        "FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = ? "
        "AND table_name = ?",
        [schema, table],
    ).fetchone()[0]
    if columns is None:
        return None
    view = con.execute(
        "SELECT sql FROM duckdb_views() WHERE database_name = current_database() "
        "AND schema_name = ? AND view_name = ?",
        [schema, table],
    ).fetchone()
    if view is not None:
        return f"view:{_digest(view[0] + columns)}"
    rows, total = con.execute(f"SELECT count(*), sum(hash(t)) FROM {_quoted(name)} AS t").fetchone()
    return f"{rows}:{total or 0}:{_digest(columns)}"


def _ensure(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {SCHEMA}.checks (check_name VARCHAR, asset VARCHAR, "
        "run_id VARCHAR, passed BOOLEAN, evaluated_at TIMESTAMP, fingerprints VARCHAR)"
    )
    # the tables a check vouches for itself (`fingerprints` also holds the inputs it saw)
    con.execute(f"ALTER TABLE {SCHEMA}.checks ADD COLUMN IF NOT EXISTS own VARCHAR")
    con.execute(
        f"COMMENT ON TABLE {SCHEMA}.checks IS 'The blocking checks run on this build: result, run, "
        "time, the fingerprints of the tables each vouched for (own) and of everything it was "
        "checked on (fingerprints).'"
    )


def failed_checks(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The blocking checks whose latest result on this staging build is a failure (read only:
    nothing is created in a file that has no record)."""
    known = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = 'checks'",
        [SCHEMA],
    ).fetchone()[0]
    if not known:
        return []
    return [
        name
        for (name,) in con.execute(
            f"SELECT check_name FROM {SCHEMA}.checks QUALIFY row_number() OVER (PARTITION BY "
            "asset, check_name ORDER BY evaluated_at DESC) = 1 AND NOT passed ORDER BY 1"
        ).fetchall()
    ]


def _last_seen(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Each table's fingerprint as the newest check that vouched for it recorded it."""
    seen: dict[str, str] = {}
    for own, prints in con.execute(
        f"SELECT own, fingerprints FROM {SCHEMA}.checks WHERE own IS NOT NULL ORDER BY evaluated_at"
    ).fetchall():
        prints = json.loads(prints)
        seen.update({t: prints[t] for t in json.loads(own) if t in prints})
    return seen


def inputs_as_checked(con: duckdb.DuckDBPyConnection, tables: list[str]) -> dict[str, str | None]:
    """The fingerprints of tables as their own checks last saw them (hashed where none did):
    what a check or an output downstream of them was made from, without hashing them again."""
    seen = _last_seen(con)
    return {t: seen[t] if t in seen else fingerprint(con, t) for t in tables}


def record_check(
    con: duckdb.DuckDBPyConnection,
    shape: GraphShape,
    asset: str,
    check: str,
    passed: bool,
    run_id: str | None,
) -> None:
    """A blocking check's result on the data it saw, written into the staging file."""
    _ensure(con)
    own = list(tables_of(asset))
    prints = inputs_as_checked(con, [t for t in shape.covered_tables(asset) if t not in own])
    prints.update({t: fingerprint(con, t) for t in own})
    con.execute(
        f"INSERT INTO {SCHEMA}.checks VALUES (?, ?, ?, ?, ?, ?, ?)",
        [check, asset, run_id, passed, datetime.now(UTC).replace(tzinfo=None),
         json.dumps(prints, sort_keys=True), json.dumps(own)],
    )  # fmt: skip
    con.execute(  # the staging file outlives runs: keep the last few results per check
        f"DELETE FROM {SCHEMA}.checks WHERE (check_name, evaluated_at) IN (SELECT check_name, "
        f"evaluated_at FROM {SCHEMA}.checks QUALIFY row_number() OVER (PARTITION BY asset, "
        "check_name ORDER BY evaluated_at DESC) > 5)"
    )


def recorded(
    context, warehouse, shape: GraphShape, result: dg.AssetCheckResult
) -> dg.AssetCheckResult:
    """Record a blocking check's result in the staging file, and hand the result on."""
    spec = next(
        (s for s in context.check_specs if result.check_name in (None, s.name)),
        context.check_specs[0],
    )
    asset = (result.asset_key or spec.asset_key).to_user_string()
    with warehouse.get().build() as con:
        record_check(
            con, shape, asset, result.check_name or spec.name, result.passed,
            warehouse.run_id(),
        )  # fmt: skip
    return result


def _when(run_id: str | None, at: datetime) -> str:
    return f"run {(run_id or '?')[:8]}, {at:%Y-%m-%d %H:%M} UTC"


@dataclass
class Verdict:
    ok: bool
    reason: str
    checks: list[dict]
    fingerprints: dict[str, str | None] = field(default_factory=dict)


def verify(
    con: duckdb.DuckDBPyConnection, shape: GraphShape, target: str = "warehouse_published"
) -> Verdict:
    """Whether every object in the staging file is vouched for by a passed blocking check on
    exactly what is there now: the publish's gate."""
    _ensure(con)
    latest = {
        (asset, check): (run_id, passed, at, json.loads(prints), json.loads(own or "[]"))
        for check, asset, run_id, passed, at, prints, own in con.execute(
            f"SELECT check_name, asset, run_id, passed, evaluated_at, fingerprints, own FROM "
            f"{SCHEMA}.checks QUALIFY row_number() OVER (PARTITION BY asset, check_name "
            "ORDER BY evaluated_at DESC) = 1"
        ).fetchall()
    }
    wanted = shape.blocking_checks(target)
    # the most telling reason first: a check that failed, then one that never ran, then data
    # that changed after its check passed, then objects no check vouched for
    for asset, check in wanted:
        if (asset, check) in latest and not latest[(asset, check)][1]:
            run_id, _, at, _, _ = latest[(asset, check)]
            return Verdict(False, f"{check} failed on this staging build ({_when(run_id, at)})", [])
    for asset, check in wanted:
        if (asset, check) not in latest:
            return Verdict(False, f"{check} never ran on this staging build", [])
    present = objects(con)
    now = {name: fingerprint(con, name) for name in present}
    vouched: set[str] = set()
    summary = []
    # a table's own check first (it names what changed), then what other checks were made on
    for inputs in (False, True):
        for asset, check in wanted:
            run_id, _, at, prints, own = latest[(asset, check)]
            for table, seen in prints.items():
                if (table in own) == inputs:
                    continue
                current = now.get(table)
                if current != seen:
                    change = "is missing" if current is None else "changed"
                    return Verdict(
                        False,
                        f"{table} {change} after {check} passed ({_when(run_id, at)}); run "
                        "`malestokk refresh --full` so the checks see what would be published",
                        [],
                    )
            if inputs:
                vouched.update(own)
                summary.append({"check": check, "asset": asset, "run_id": run_id, "at": str(at)})
    for asset in sorted(shape.upstream(target)):
        for table in tables_of(asset):
            if table not in present:
                return Verdict(False, f"{table} (from {asset}) is not in the staging build", [])
    for name in sorted(set(present) - vouched):
        return Verdict(
            False,
            f"{name} ({present[name]}) is in the staging build but no blocking check vouched for "
            "it; `malestokk refresh` sets such a build aside and builds anew",
            [],
        )
    return Verdict(True, f"{len(summary)} blocking checks passed on this data", summary, now)


# What each output (dashboards, reports, exports, sheets) was drawn from, beside it in its
# release: <release>/built/<asset>.json. A release's outputs are those of its warehouse: drawn in
# the run that publishes, or carried over from the current release only when what they were
# drawn from is unchanged.
BUILT = "built"


def output_assets(shape: GraphShape, target: str = "warehouse_published") -> list[str]:
    return sorted(shape.upstream(target) & shape.in_group("outputs"))


def record_output(
    con: duckdb.DuckDBPyConnection, shape: GraphShape, asset: str, release_folder
) -> None:
    """Write down the fingerprints of the tables an output was just drawn from."""
    folder = release_folder / BUILT
    folder.mkdir(parents=True, exist_ok=True)
    _ensure(con)
    inputs = inputs_as_checked(con, shape.covered_tables(asset))
    (folder / f"{asset}.json").write_text(json.dumps(inputs, sort_keys=True), encoding="utf-8")


def _differs(inputs: dict[str, str | None], now: dict[str, str | None]) -> str | None:
    return next((t for t in sorted(inputs) if inputs[t] != now.get(t)), None)


def outputs_match(
    now: dict[str, str | None], building, current, shape: GraphShape
) -> tuple[str | None, list[str]]:
    """(why the outputs would not be this warehouse's, or None; the outputs to carry over)."""
    carried = []
    for asset in output_assets(shape):
        mine = building / BUILT / f"{asset}.json"
        if mine.exists():
            table = _differs(json.loads(mine.read_text(encoding="utf-8")), now)
            if table:
                return f"{asset} was drawn before {table} changed; run the whole refresh", []
            continue
        before = current / BUILT / f"{asset}.json" if current else None
        if before is None or not before.exists():
            return f"{asset} was not drawn from this warehouse; run the whole refresh", []
        table = _differs(json.loads(before.read_text(encoding="utf-8")), now)
        if table:
            return (
                f"{asset} was not drawn again and the published one shows {table} as it was "
                "before; run the whole refresh",
                [],
            )
        carried.append(asset)
    return None, carried
