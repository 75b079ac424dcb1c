"""The one-way flow the README promises, checked on the source: a new import that turns it into a
loop fails here, naming the file."""

from __future__ import annotations

import ast
import re

from tests.conftest import ROOT

FOLDERS = ("pipelines", "assets", "quality", "dashboards")


def imports_of(folder: str) -> dict[str, set[str]]:
    """file -> the top-level project folders it imports (at module level or inside functions)."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = (names & set(FOLDERS)) - {folder}
    return found


def test_quality_holds_rules_and_imports_no_other_project_folder() -> None:
    offenders = {f: n for f, n in imports_of("quality").items() if n}
    assert offenders == {}


def test_only_the_code_location_reaches_from_pipelines_into_assets() -> None:
    """pipelines/ is the library (clients, warehouse, settings) and the composition root
    (definitions.py); no library module depends on an asset."""
    reaching = {f for f, n in imports_of("pipelines").items() if "assets" in n}
    assert reaching == {"pipelines/definitions.py"}


def test_presentation_reads_the_warehouse_and_never_the_assets_or_pipelines() -> None:
    offenders = {f: n for f, n in imports_of("dashboards").items() if n & {"assets", "pipelines"}}
    assert offenders == {}


def test_the_asss_list_is_written_once() -> None:
    """The members live in pipelines/reference_data/asss_members.csv, nowhere else in code: no
    source file spells out all twelve codes. (The region-history builder holds the code history
    of every renumbered municipality, members among them: a lineage, not a member list.)"""
    with (ROOT / "pipelines/reference_data/asss_members.csv").open(encoding="utf-8") as fh:
        members = [line.split(",")[0] for line in fh.read().splitlines()[1:]]
    assert len(members) == 12
    spelled_out = []
    for path in [*ROOT.glob("sql/**/*.sql"), *ROOT.glob("**/*.py")]:
        if {".venv", "tests", "data"} & set(path.parts) or path.name == "build_region_history.py":
            continue
        text = path.read_text(encoding="utf-8")
        if all(f"'{c}'" in text or f'"{c}"' in text for c in members):
            spelled_out.append(str(path.relative_to(ROOT)))
    assert spelled_out == []


def _tables_read(sql: str) -> set[str]:
    """The warehouse tables a model's SQL reads (its own CTEs and other schemas left out),
    parsed with sqlglot in DuckDB's dialect."""
    import sqlglot
    from sqlglot import exp

    # ${min_employees}, ${target}: values and names the code fills in, not tables of the graph
    placeholders = {f"filled_{n}" for n in re.findall(r"\$\{(\w+)\}", sql)}
    sql = re.sub(r"\$\{(\w+)\}", r"filled_\1", sql)
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


def test_every_sql_model_depends_on_every_table_its_sql_reads() -> None:
    """A model's SQL names its inputs; its asset must be downstream of each of them, or Dagster
    can build it before a table it reads (mart_challenge_note read mart_home undeclared)."""
    import dagster as dg

    from pipelines.build_record import asset_graph, tables_of, upstream

    keys = {k.to_user_string() for k in asset_graph().get_all_asset_keys()}
    checked = 0
    for path in sorted((ROOT / "sql").glob("*/*.sql")):
        if path.stem not in keys:
            continue  # macros, the quality frames and the per-home settings are no assets
        # what comes before it, and what its own step writes with it (a table and its views)
        node = asset_graph().get(dg.AssetKey(path.stem))
        together = {k.to_user_string() for k in node.execution_set_asset_keys}
        before = {t for a in upstream(path.stem) | together - {path.stem} for t in tables_of(a)}
        missing = _tables_read(path.read_text(encoding="utf-8")) - before
        assert not missing, f"{path.relative_to(ROOT)} reads {sorted(missing)} undeclared"
        checked += 1
    assert checked >= 15
    assert "mart_home" in upstream("mart_challenge_note")
