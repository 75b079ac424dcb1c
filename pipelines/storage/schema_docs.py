"""Column descriptions (sql/column_docs.toml) onto the warehouse, and the schema reference.

Descriptions are applied as COMMENT ON COLUMN before a publish, so DBeaver, notebooks and
`duckdb_columns()` show them; `docs/schema.md` is rendered from the same comments.
"""

from __future__ import annotations

import tomllib

import duckdb

from pipelines.storage.warehouse import SQL_DIR

SCHEMAS = ("main",)


def _columns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, str, str | None]]:
    return con.execute(
        "SELECT schema_name, table_name, column_name, data_type, comment FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = 'main' "
        "ORDER BY table_name, column_index"
    ).fetchall()


def apply_column_docs(con: duckdb.DuckDBPyConnection, prefix: str = "") -> list[str]:
    """Comment every column that has a description; return 'table.column' for those without.

    `prefix` names the tables of another file in the docs (the private store's "local_raw.")."""
    docs = tomllib.loads((SQL_DIR / "column_docs.toml").read_text(encoding="utf-8"))
    common = docs.get("_common", {})
    missing = []
    for schema, table, column, _, _ in _columns(con):
        name = prefix + table if schema == "main" else f"{schema}.{table}"
        text = docs.get(name, {}).get(column) or common.get(column)
        if not text:
            missing.append(f"{name}.{column}")
            continue
        quoted = f'"{schema}"."{table}"."{column}"'
        con.execute(f"COMMENT ON COLUMN {quoted} IS '{text.replace(chr(39), chr(39) * 2)}'")
    return missing


def render_reference(con: duckdb.DuckDBPyConnection) -> str:
    """docs/schema.md: every table with its description and its columns' types and meanings."""
    tables = dict(
        ((schema, table), comment)
        for schema, table, comment in con.execute(
            "SELECT schema_name, table_name, comment FROM duckdb_tables() "
            "WHERE database_name = current_database() AND schema_name = 'main' UNION ALL "
            "SELECT schema_name, view_name, '(view) ' || comment FROM duckdb_views() "
            "WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal"
        ).fetchall()
    )
    lines = [
        "# Warehouse schema reference",
        "",
        "Generated from the warehouse's own comments (`COMMENT ON`); do not edit by hand.",
        "Regenerate with `make schema-docs` after a refresh. Layers: `raw_*` as fetched, `core_*`",
        "typed and harmonised, `mart_*` what dashboards, reports and notebooks read. The",
        "municipality's own figures as imported (unsuppressed) are not here: they stay in the",
        "private store `data/private/local.duckdb`; only the suppressed `mart_local__*` are.",
    ]
    current = None
    for schema, table, column, data_type, comment in _columns(con):
        if (schema, table) != current:
            current = (schema, table)
            name = table if schema == "main" else f"{schema}.{table}"
            lines += ["", f"## `{name}`", "", tables.get(current) or "", "",
                      "| column | type | meaning |", "|---|---|---|"]  # fmt: skip
        meaning = (comment or "").replace("|", "\\|")
        lines.append(f"| `{column}` | {data_type} | {meaning} |")
    return "\n".join(lines) + "\n"
