"""The warehouse tables an SQL model reads, from its SQL: a model's inputs are declared once.

Parsed with sqlglot in DuckDB's dialect. `${name}` placeholders (values and table names the code
fills in) are no tables; a file's own tables, temporary views and CTEs are left out, and so is
anything in another schema.

Parsing every model takes a third of a second at each start (sqlglot's import included), so the
result is kept in `sql/reads.json` with each file's sha256; a file whose text differs from the
recorded one (a user's edit) is parsed as before. `python -m pipelines.storage.sql_reads`
writes the file again; a test holds it current.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from pathlib import Path

READS_FILE = "reads.json"
MODEL_LAYERS = ("core", "marts")  # where the SQL models of assets/sql_model.py live

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


def parsed_inputs(path: Path) -> tuple[str, ...]:
    read = tables_read(path.read_text(encoding="utf-8")) - temporary_views(path.parents[1])
    return tuple(sorted(read))


@cache
def _recorded(sql_dir: Path) -> dict[str, dict]:
    try:
        return json.loads((sql_dir / READS_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@cache
def model_inputs(path: Path) -> tuple[str, ...]:
    """The tables the model file reads, sorted (kept: a file does not change while loaded)."""
    sql_dir = path.parents[1]
    entry = _recorded(sql_dir).get(path.relative_to(sql_dir).as_posix())
    if entry is not None and entry.get("sha256") == _sha(path):
        return tuple(entry["reads"])
    return parsed_inputs(path)


def reads_index(sql_dir: Path) -> dict[str, dict]:
    """What sql/reads.json holds: every model file's sha256 and the tables it reads."""
    return {
        path.relative_to(sql_dir).as_posix(): {
            "sha256": _sha(path),
            "reads": list(parsed_inputs(path)),
        }
        for layer in MODEL_LAYERS
        for path in sorted((sql_dir / layer).glob("*.sql"))
    }


if __name__ == "__main__":
    SQL = Path(__file__).resolve().parents[2] / "sql"
    text = json.dumps(reads_index(SQL), indent=1, sort_keys=True) + "\n"
    (SQL / READS_FILE).write_text(text, encoding="utf-8")
    print(f"wrote {SQL / READS_FILE}")
