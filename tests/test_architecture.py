"""The one-way flow the README promises, checked on the source: a new import that turns it into a
loop fails here, naming the file."""

from __future__ import annotations

import ast

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
