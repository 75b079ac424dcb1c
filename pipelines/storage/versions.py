"""Dagster data and code versions: how a refresh knows what changed, and rebuilds only that.

Source assets (what SSB, KLASS, Kolada and the municipality's own files hold) report a data
version made from their content: the build record's fingerprint of each table (row count and
the sum of the rows' hashes), or the same sum over the frames a source loads. Every other asset
carries a code version of its own (its module, its SQL, the library it runs on, the settings),
so Dagster derives its data version from that and its inputs' versions; an asset is stale when
one of them moved since it was built (pipelines/orchestration/refresh.py).
"""

from __future__ import annotations

import ast
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import ModuleType

import dagster as dg
import duckdb
import polars as pl

from pipelines.settings.config import Settings
from pipelines.storage.build_record import fingerprint

PROJECT = Path(__file__).resolve().parents[2]
ROOT = PROJECT
# What the built tables and pages are made by: the code, the SQL models, the page templates and
# the column descriptions. Settings and the files they name are added per home.
CODE_FOLDERS = ("assets", "dashboards", "pipelines", "quality", "sql", "templates")
CODE_SUFFIXES = {".py", ".sql", ".toml", ".html", ".j2", ".css", ".js", ".json", ".csv", ".md"}


def _digest(parts: Iterable[str]) -> str:
    sha = hashlib.sha256()
    for part in parts:
        sha.update(part.encode("utf-8"))
        sha.update(b"\0")
    return sha.hexdigest()[:16]


def _file_digest(path: Path) -> str:
    if not path.is_file():
        return f"{path}:absent"
    return f"{path.name}:{hashlib.sha256(path.read_bytes()).hexdigest()}"


def code_files(root: Path | None = None) -> list[Path]:
    root = root or ROOT
    return sorted(
        p
        for folder in CODE_FOLDERS
        for p in (root / folder).rglob("*")
        if p.suffix in CODE_SUFFIXES and p.is_file() and "__pycache__" not in p.parts
    )


def owned_assets(module: ModuleType) -> list[dg.AssetsDefinition]:
    """The assets a module defines in its own file (not those it imports to depend on)."""
    tree = ast.parse(Path(module.__file__ or "").read_text(encoding="utf-8"))
    names = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    names |= {
        t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets
        if isinstance(t, ast.Name)
    }  # fmt: skip
    found: list[dg.AssetsDefinition] = []
    for name in sorted(names):
        value = getattr(module, name, None)
        for item in value if type(value) in (list, tuple) else [value]:
            if isinstance(item, dg.AssetsDefinition):
                found.append(item)
    return found


# groups whose assets draw pages and documents: the presentation code is theirs too
DRAWING_GROUPS = ("outputs", "homes")


def code_versions(
    owners: Mapping[Path, Sequence[dg.AssetsDefinition]],
    settings: Settings,
    root: Path | None = None,
) -> dict[dg.AssetKey, str]:
    """Each asset's own code version: the module that declares it, the SQL files named after
    the tables its step writes, the library code it runs on and the settings.

    Editing one SQL model or one asset module moves the versions of that step's assets only, so
    a refresh rebuilds them and what is built from them; an edit to the shared library (the
    warehouse, the clients, the quality rules, the presentation for the outputs) moves every
    asset that uses it."""
    root = (root or ROOT).resolve()  # where the code is read from (a test edits a copy)
    sql = {p.stem: p for p in (root / "sql").rglob("*.sql")}
    own: list[tuple[dg.AssetsDefinition, list[Path]]] = []
    for module_file, definitions in owners.items():
        for definition in definitions:
            names = [k.to_user_string() for k in definition.keys]
            module = root / module_file.resolve().relative_to(PROJECT)
            own.append((definition, [module, *sorted(sql[n] for n in names if n in sql)]))
    owned = {p for _, paths in own for p in paths}
    library = [p for p in code_files(root) if p not in owned]
    drawing = _digest(_hashed(library, root))
    other = _digest(_hashed([p for p in library if p.parts[len(root.parts)] != "dashboards"], root))
    versions: dict[dg.AssetKey, str] = {}
    for definition, paths in own:
        shaping = _settings_digest(settings, settings_read(paths[0]))
        for key in definition.keys:
            group = definition.group_names_by_key.get(key)
            shared = drawing if group in DRAWING_GROUPS else other
            versions[key] = _digest([*_hashed(paths, root), shared, shaping])
    return versions


# What an asset module may read of the settings, through the `study` resource (the settings
# model) or the `local` resource, and the settings fields each comes from. An asset's code
# version holds those fields (and the files they name) only: an edited målekart rebuilds
# core_targets and what is built from it, not the KOSTRA core.
READS: dict[str, tuple[str, ...]] = {
    "catalog": ("catalog_file",),
    "catalog_file": ("catalog_file",),
    "targets_file": ("targets_file",),
    "expenditure_need_file": ("expenditure_need_file",),
    "arshjul_file": ("arshjul_file",),
    "tiltak_file": ("tiltak_file",),
    "first_year": ("years",),
    "last_year": ("years",),
    "study_years": ("years",),
    "years": ("years",),
    "home_country": ("home_country",),
    "home_municipality": ("home_municipality",),
    "home_region_key": ("home_country", "home_municipality"),
    "network_peer_set": ("network_peer_set",),
    "peer_sets": ("peer_sets",),
    "sick_leave_min_employees": ("sick_leave_min_employees",),
    "survey_min_respondents": ("survey_min_respondents",),
    # where the own figures are kept: folders under the data folder, not what is built
    "archive": (),
    "private_store": (),
    "inbox_dir": (),
    "local_dir": (),
    "samples_dir": ("source_mode", "snapshot_dir"),
}
FILES = ("catalog_file", "targets_file", "expenditure_need_file", "arshjul_file", "tiltak_file")


def settings_read(module_file: Path) -> tuple[str, ...] | None:
    """The settings fields an asset module reads (`study.x`, `local.x`), or None when it reads
    one this table does not know (then all of them count: never too few)."""
    tree = ast.parse(module_file.read_text(encoding="utf-8"))
    fields: set[str] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in ("study", "local")
        ):
            if node.attr not in READS:
                return None
            fields.update(READS[node.attr])
    return tuple(sorted(fields))


def _hashed(paths: Iterable[Path], root: Path) -> list[str]:
    return [f"{p.relative_to(root)}:{hashlib.sha256(p.read_bytes()).hexdigest()}" for p in paths]


def _settings_digest(settings: Settings, fields: tuple[str, ...] | None = None) -> str:
    """The settings `fields` (all that shape a build when None) and the files they name (the
    catalog, the målekart, the need weights)."""
    shaping = _settings_fields(settings)
    if fields is not None:
        shaping = {k: v for k, v in shaping.items() if k in fields}
    named = [getattr(settings, f) for f in FILES if f in shaping]
    parts = [_file_digest(p) for p in named if p]
    parts.append(json.dumps(shaping, sort_keys=True, default=str))
    return _digest(parts)


# settings that say how and when to fetch, not what is built: a --full refresh, the schedule or
# a rate limit must not make everything stale for the refresh after
OPERATIONAL = (
    "notices", "config_file", "full_refresh", "schedule_cron", "schedule_timezone",
    "retry_backoff_seconds", "ssb_calls_per_minute", "kolada_requests_per_second",
    # which other homes get outputs, and how: they are written after the publish
    "homes", "homes_workers", "homes_executor",
)  # fmt: skip


def _settings_fields(settings: Settings) -> Mapping[str, object]:
    """The settings that shape what is built."""
    return {k: v for k, v in vars(settings).items() if k not in OPERATIONAL}


def table_version(con: duckdb.DuckDBPyConnection, *tables: str) -> dg.DataVersion:
    """A source's data version from the content of the tables it wrote."""
    return dg.DataVersion(_digest(f"{t}={fingerprint(con, t)}" for t in tables))


def frames_version(frames: Mapping[str, pl.DataFrame]) -> dg.DataVersion:
    """A data version from frames that live outside the warehouse (the private store)."""
    parts = []
    for name in sorted(frames):
        frame = frames[name]
        total = int(frame.hash_rows(seed=0).sum()) if frame.height else 0
        parts.append(f"{name}={frame.height}:{total}:{','.join(frame.columns)}")
    return dg.DataVersion(_digest(parts))


def stored_version(warehouse, *tables: str) -> dg.DataVersion:
    """table_version on a Warehouse (pipelines/storage/warehouse.py), through its own connection."""
    with warehouse.build() as con:
        return table_version(con, *tables)
