"""The private store: the municipality's own figures as imported, never in the published warehouse.

Sick leave and survey results of small units can identify people, so the unsuppressed tables
(`units`, `sick_leave`, `user_survey`, `employee_survey`, `survey_plan`, `quarantine`, `files`)
live in their own DuckDB file, `<data>/private/local.duckdb`, readable by its owner only (mode
0600 in a 0700 folder) and outside the folder analysts are given. Only the refresh opens it:
the import writes it, and the mart step attaches it read-only as `local_raw` to build the
suppressed marts, which are all that reaches the warehouse.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl

CATALOG = "local_raw"  # the name the mart SQL reads the private tables by


class PrivateStore:
    def __init__(self, directory: Path) -> None:
        self.dir = Path(directory)
        self.path = self.dir / "local.duckdb"

    def write(self, tables: dict[str, pl.DataFrame], comments: dict[str, str]) -> None:
        """Replace the whole store at once (a new file renamed over the old one)."""
        from pipelines.storage.schema_docs import apply_column_docs

        self.dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.dir, 0o700)  # nobody else can reach the file, even while it is written
        tmp = self.dir / ".local.duckdb.tmp"
        tmp.unlink(missing_ok=True)
        con = duckdb.connect(str(tmp))
        try:
            for name, frame in tables.items():
                con.register("_incoming", frame.to_arrow())
                con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _incoming')
                con.unregister("_incoming")
                text = comments.get(name, "").replace("'", "''")
                con.execute(f"COMMENT ON TABLE \"{name}\" IS '{text}'")
            apply_column_docs(con, prefix=f"{CATALOG}.")
        finally:
            con.close()
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)

    @contextmanager
    def attached(self, con: duckdb.DuckDBPyConnection) -> Iterator[None]:
        """The private tables readable as local_raw.<table> on `con`, for the block only."""
        if not self.path.exists():
            raise FileNotFoundError(
                f"no private store at {self.path}: the import step (raw_local__imports) has "
                "not run yet"
            )
        con.execute(f"ATTACH '{self.path}' AS {CATALOG} (READ_ONLY)")
        try:
            yield
        finally:
            con.execute(f"DETACH {CATALOG}")

    def read(self, sql: str) -> pl.DataFrame:
        con = duckdb.connect(str(self.path), read_only=True)
        try:
            return con.sql(sql).pl()
        finally:
            con.close()
