"""Dagster data and code versions: how a refresh knows what changed, and rebuilds only that.

Source assets (what SSB, KLASS, Kolada and the municipality's own files hold) report a data
version made from their content: the build record's fingerprint of each table (row count and
the sum of the rows' hashes), or the same sum over the frames a source loads. Every other asset
carries the build version below as its code version, so Dagster derives its data version from
that and its inputs' versions; an asset is stale when one of them moved since it was built
(pipelines/stale.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from pipelines.build_record import fingerprint
from pipelines.config import Settings

ROOT = Path(__file__).resolve().parents[1]
# What the built tables and pages are made by: the code, the SQL models, the page templates and
# the column descriptions. Settings and the files they name are added per home.
CODE_FOLDERS = ("assets", "dashboards", "pipelines", "quality", "sql", "templates")
CODE_SUFFIXES = {".py", ".sql", ".toml", ".html", ".css", ".js", ".json", ".csv", ".md"}


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


def code_files() -> list[Path]:
    return sorted(
        p
        for folder in CODE_FOLDERS
        for p in (ROOT / folder).rglob("*")
        if p.suffix in CODE_SUFFIXES and p.is_file() and "__pycache__" not in p.parts
    )


def build_version(settings: Settings) -> str:
    """One version for every derived asset: the code and the settings with the files they name.

    Any edit to either makes everything below the sources stale once (the next refresh rebuilds
    all); a refresh where neither moved rebuilds only what a changed source feeds."""
    named = [settings.catalog_file]  # the settings themselves: their resolved fields below
    named += [p for p in (settings.targets_file, settings.expenditure_need_file) if p]
    parts = [f"{p.relative_to(ROOT)}:{hashlib.sha256(p.read_bytes()).hexdigest()}"
             for p in code_files()]  # fmt: skip
    parts += [_file_digest(p) for p in named]
    parts.append(json.dumps(_settings_fields(settings), sort_keys=True, default=str))
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
    """table_version on a Warehouse (pipelines/warehouse.py), through its own connection."""
    with warehouse.build() as con:
        return table_version(con, *tables)
