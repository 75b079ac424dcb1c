"""The warehouse tables an SQL model reads, from its SQL: a model's inputs are declared once.

Parsed with sqlglot in DuckDB's dialect. `${name}` placeholders (values and table names the code
fills in) are no tables; a file's own tables, temporary views and CTEs are left out, and so is
anything in another schema.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def tables_read(sql: str) -> set[str]:
    import sqlglot
    from sqlglot import exp

    placeholders = {f"filled_{n}" for n in PLACEHOLDER.findall(sql)}
    sql = PLACEHOLDER.sub(r"filled_\1", sql)
    read: set[str] = set()
    made: set[str] = set()  # the file's own tables and temporary views
    for statement in sqlglot.parse(sql, read="duckdb"):
        if statement is None or not isinstance(statement, exp.Create):
            continue
        target = statement.this  # a table, a view, or a macro with its parameters
        made |= {target.name} | {t.name for t in target.find_all(exp.Table)}
        ctes = {c.alias_or_name for c in statement.find_all(exp.CTE)}
        read |= {
            t.name
            for t in statement.find_all(exp.Table)
            if t.name not in ctes and not t.db and t.name
        }
    return read - made - placeholders


TEMPORARY = re.compile(r"CREATE\s+OR\s+REPLACE\s+TEMP(?:ORARY)?\s+VIEW\s+(\w+)", re.IGNORECASE)


@cache
def temporary_views(sql_dir: Path) -> frozenset[str]:
    """The temporary views the build's SQL files make for each other (current_units): read by
    a model, made by its step, no table of the graph."""
    return frozenset(
        name
        for path in sql_dir.rglob("*.sql")
        for name in TEMPORARY.findall(path.read_text("utf-8"))
    )


@cache
def model_inputs(path: Path) -> tuple[str, ...]:
    """The tables the model file reads, sorted (kept: a file does not change while loaded)."""
    read = tables_read(path.read_text(encoding="utf-8")) - temporary_views(path.parents[1])
    return tuple(sorted(read))
