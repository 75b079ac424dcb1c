"""The one-way flow the README promises, checked on the source: a new import that turns it into a
loop fails here, naming the file."""

from __future__ import annotations

import ast
from pathlib import Path

from pipelines.storage.graph_shape import tables_of
from pipelines.storage.sql_reads import tables_read, temporary_views
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
    """The members live in pipelines/domain/reference_data/asss_members.csv, nowhere else in
    code: no source file spells out all twelve codes. (The region-history builder holds the code
    history of every renumbered municipality, members among them: a lineage, not a member
    list.)"""
    with (ROOT / "pipelines/domain/reference_data/asss_members.csv").open(encoding="utf-8") as fh:
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


def graph_shape():
    from pipelines.definitions import build_definitions
    from pipelines.settings.config import load_settings
    from pipelines.storage.graph_shape import shape_of_repository

    defs = build_definitions(load_settings(ROOT / "malestokk.toml", env={}))
    return shape_of_repository(defs.get_repository_def())


def test_every_sql_model_depends_on_every_table_its_sql_reads() -> None:
    """A model's SQL names its inputs; its asset must be downstream of each of them, or Dagster
    can build it before a table it reads (mart_challenge_note read mart_home undeclared)."""
    shape = graph_shape()
    checked = 0
    for path in sorted((ROOT / "sql").glob("*/*.sql")):
        if path.stem not in shape.assets:
            continue  # macros, the quality frames and the per-home settings are no assets
        # what comes before it, and what its own step writes with it (a table and its views)
        together = shape.together[path.stem]
        before = {
            t for a in shape.upstream(path.stem) | together - {path.stem} for t in tables_of(a)
        }
        made_for_the_step = temporary_views(ROOT / "sql")  # current_units
        missing = tables_read(path.read_text(encoding="utf-8")) - before - made_for_the_step
        assert not missing, f"{path.relative_to(ROOT)} reads {sorted(missing)} undeclared"
        checked += 1
    assert checked >= 15
    assert "mart_home" in shape.upstream("mart_challenge_note")
    # and every table a model reads is made by an asset (not an undeclared outside source)
    unknown = {a: p - shape.assets for a, p in shape.parents.items() if p - shape.assets}
    assert unknown == {}


def test_no_module_reaches_into_dagsters_internals() -> None:
    """Only Dagster's public API (`import dagster as dg`): an upgrade must not break a refresh."""
    offenders = []
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else []
                )
                if any(n.startswith(("dagster._", "dagster_shared")) for n in names):
                    offenders.append(str(path.relative_to(ROOT)))
            if "dagster._" in path.read_text(encoding="utf-8"):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def _module_imports() -> dict[str, set[str]]:
    """module -> the project modules it imports (anywhere in the file, functions included)."""
    modules: dict[str, object] = {}
    for folder in FOLDERS:
        for path in (ROOT / folder).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path

    def known(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str | None] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {known(a.name) for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found |= {known(f"{node.module}.{a.name}") for a in node.names}
        # an empty package __init__ runs nothing: importing through it closes no circle
        edges[name] = {
            m for m in found - {None, name}
            if modules[m].name != "__init__.py" or modules[m].read_text(encoding="utf-8").strip()
        }  # fmt: skip
    return edges


def test_no_import_circle_between_files() -> None:
    """The layers point one way: no file reaches back to one that (through others) imports it."""
    edges = _module_imports()
    circles = []
    for start in sorted(edges):
        todo, seen = list(edges[start]), set()
        while todo:
            module = todo.pop()
            if module == start:
                circles.append(start)
                break
            if module not in seen:
                seen.add(module)
                todo.extend(edges[module])
    assert circles == []


def test_only_the_entry_points_import_the_definitions() -> None:
    """The library takes the graph from the run (the graph_shape resource), never by loading
    the code location itself."""
    importers = {m for m, found in _module_imports().items() if "pipelines.definitions" in found}
    assert importers <= {"pipelines.cli", "pipelines.orchestration.homes_job"}, (
        importers
    )  # entry points
    assert "pipelines.definitions" not in _module_imports()["pipelines.storage.build_record"]


def test_every_setting_an_asset_reads_is_known_to_its_code_version() -> None:
    """An asset's code version holds the settings it reads (pipelines/storage/versions.READS):
    a module reading one the table does not know would count every setting (safe, but an edited
    målekart would then rebuild the KOSTRA core again)."""
    from pipelines.definitions import ASSET_MODULES
    from pipelines.storage.versions import settings_read

    unknown = [m.__name__ for m in ASSET_MODULES if settings_read(Path(m.__file__)) is None]
    assert unknown == []
    from assets.marts import scorecard

    assert "targets_file" in settings_read(Path(scorecard.__file__))


def test_the_recorded_reads_of_every_model_are_what_its_sql_reads(tmp_path: Path) -> None:
    """sql/reads.json spares each start the parse of every model; it must say what parsing
    says, and a model edited since (its sha256 differs) is parsed, never taken from the file."""
    import json

    from pipelines.storage.sql_reads import READS_FILE, model_inputs, reads_index

    recorded = json.loads((ROOT / "sql" / READS_FILE).read_text("utf-8"))
    assert recorded == reads_index(ROOT / "sql"), "run: python -m pipelines.storage.sql_reads"
    (tmp_path / "core").mkdir()
    model = tmp_path / "core" / "core_x.sql"
    model.write_text("CREATE OR REPLACE TABLE core_x AS SELECT * FROM core_a;\n", "utf-8")
    (tmp_path / READS_FILE).write_text(json.dumps(reads_index(tmp_path)), "utf-8")
    model.write_text("CREATE OR REPLACE TABLE core_x AS SELECT * FROM core_b;\n", "utf-8")
    assert model_inputs(model) == ("core_b",)
