"""The DuckDB warehouse: built in a staging file, published as part of one release.

DuckDB allows one writing process and a reader's connection can block a writer, so the refresh
never writes or reads the file analysts read. Assets build into `staging.duckdb`; when every
blocking check has passed on it (pipelines/storage/build_record.py), the publish step
checkpoints it, copies it into the run's release folder with the outputs and makes that release
current (pipelines/storage/release.py). A reader holding the old file keeps reading the old,
complete warehouse; the next connection sees the new one. A failed refresh never reaches the swap.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import string
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipelines.domain.regions import ASSS_MEMBERS_FILE
from pipelines.storage.release import Releases

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"
# Tables the next refresh starts from (value histories and fetch logs), published as Parquet.
STATE_TABLES = (
    "raw_ssb__kostra_values",
    "raw_ssb__fetch_log",
    "raw_kolada__values",
    "raw_kolada__pull_log",
)


# DuckDB takes up to 80 % of the machine's memory by default. A refresh shares the machine with
# the Dagster UI, readers and the refresh's own Python, so the build stays within this and spills
# its large joins, groupings and sorts to <warehouse>/staging.duckdb.tmp instead (national scale:
# benchmarks/warehouse.py --size 4).
BUILD_MEMORY_LIMIT = "1200MB"


class PublishError(RuntimeError):
    pass


def sql_text(name: str, **params: str) -> str:
    """A SQL model from sql/, with ${name} placeholders filled (identifiers and literals we own);
    ${asss_members} is the one list of the ASSS network (pipelines/reference_data)."""
    text = (SQL_DIR / name).read_text(encoding="utf-8")
    return string.Template(text).substitute({"asss_members": str(ASSS_MEMBERS_FILE), **params})


def _per_home(name: str) -> bool:
    """A home's outputs, their status files and the index of homes: written from one release,
    never carried into the next (the homes are written again after each publish)."""
    return name.startswith(".") or name == "index.html" or bool(_HOME_FOLDER.fullmatch(name))


_HOME_FOLDER = re.compile(r"(NO|SE)-\d{4}")


class Warehouse:
    def __init__(self, warehouse_dir: Path) -> None:
        self.dir = Path(warehouse_dir)
        self.staging = self.dir / "staging.duckdb"
        self.published = self.dir / "malestokk.duckdb"  # a link into the current release
        self.publish_record = self.dir / "published.json"
        self.releases = Releases(self.dir)

    @contextmanager
    def build(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A write connection to the staging file (never to the published one)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.staging), config={"memory_limit": BUILD_MEMORY_LIMIT})
        try:
            yield con
        finally:
            con.close()

    def replace_table(
        self,
        con: duckdb.DuckDBPyConnection,
        name: str,
        frame: pl.DataFrame,
        comment: str | None = None,
    ) -> int:
        """Create or replace a whole table from a polars frame (handed over through Arrow).

        `name` may carry a schema ("local_raw.sick_leave"); the schema is created if needed.
        """
        arrow = frame.to_arrow()
        if "." in name:
            schema, table = name.split(".", 1)
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            quoted = f'"{schema}"."{table}"'
        else:
            quoted = f'"{name}"'
        con.register("_incoming", arrow)
        try:
            con.execute(f"CREATE OR REPLACE TABLE {quoted} AS SELECT * FROM _incoming")
        finally:
            con.unregister("_incoming")
        if comment:
            con.execute(f"COMMENT ON TABLE {quoted} IS '{comment.replace(chr(39), chr(39) * 2)}'")
        return frame.height

    def write_table(self, name: str, frame: pl.DataFrame, comment: str | None = None) -> int:
        """One table into the staging file: what most raw assets do last."""
        with self.build() as con:
            return self.replace_table(con, name, frame, comment)

    def run_model(self, con: duckdb.DuckDBPyConnection, name: str, **params: str) -> None:
        con.execute(sql_text(name, **params))

    def publish(self, run_id: str, summary: dict[str, Any]) -> Path:
        """Copy the finished staging file into the run's release folder with its record and the
        state the next refresh starts from, then make that folder current (pipelines/release)."""
        if not self.staging.exists():
            raise PublishError(f"nothing to publish: {self.staging} does not exist")
        with self.build() as con:
            con.execute("CHECKPOINT")
        folder = self.releases.building(run_id)
        candidate = folder / "malestokk.duckdb.tmp"
        shutil.copyfile(self.staging, candidate)
        check = duckdb.connect(str(candidate), read_only=True)
        try:
            tables = check.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main'"
            ).fetchone()[0]
            if tables == 0:
                raise PublishError("the built warehouse has no tables")
            state = folder / "state"
            state.mkdir(exist_ok=True)
            for table in STATE_TABLES:
                check.execute(f"COPY \"{table}\" TO '{state / table}.parquet' (FORMAT parquet)")
        finally:
            check.close()
        # read-only by construction: a reader's read-write connection would lock every other
        # reader out of the file (DuckDB allows one read-write process, and then no one else)
        os.chmod(candidate, 0o444)
        os.replace(candidate, folder / "malestokk.duckdb")
        self._carry_over_outputs(folder / "outputs")
        record = {
            "run_id": run_id,
            "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
            **summary,
        }
        (folder / "published.json").write_text(
            json.dumps(record, indent=1, ensure_ascii=False, default=str), encoding="utf-8"
        )
        self.releases.make_current(run_id)
        self.releases.clean()
        return self.published

    def _carry_over_outputs(self, outputs: Path) -> None:
        """A run that rebuilt only what changed wrote only those outputs: the others (built
        from inputs that did not change) are copied from the current release, so the new
        release is whole. Copied, not linked: a report rewritten later in one release must
        not change the file another release holds."""
        current = self.releases.current_dir()
        if current is None or not (current / "outputs").is_dir():
            return
        outputs.mkdir(parents=True, exist_ok=True)
        for entry in (current / "outputs").iterdir():
            target = outputs / entry.name
            if target.exists() or _per_home(entry.name):
                continue
            if entry.is_dir():
                shutil.copytree(entry, target, symlinks=True)
            else:
                shutil.copy2(entry, target)

    def read_published(self, table: str) -> pl.DataFrame | None:
        """A table of the last published state (what the next refresh starts from), or None.

        It comes from the Parquet copy published beside the warehouse, never from the warehouse
        file, so an analyst's open connection (even a read-write one) cannot block a refresh.
        """
        current = self.releases.current_dir()
        path = current / "state" / f"{table}.parquet" if current else None
        if path is None or not path.exists():
            return None
        return pl.read_parquet(path)

    def last_publish(self) -> dict[str, Any] | None:
        if not self.publish_record.exists():
            return None
        return json.loads(self.publish_record.read_text(encoding="utf-8"))


def connect_published(warehouse_dir: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection for analysts and dashboards; it never blocks a refresh."""
    path = Path(warehouse_dir) / "malestokk.duckdb"
    if not path.exists():
        raise FileNotFoundError(f"no published warehouse at {path}; run `malestokk refresh`")
    return duckdb.connect(str(path), read_only=True)
