"""A table's contract: its documented columns, its keys and how many rows it must have.

The rule behind every table's blocking contract check (sql/table_contracts.toml): a table the
refresh makes is published only when its columns are the documented ones, no two rows share
its keys, and it is not empty where it must not be. The publish gate then holds every table to
the fingerprint this check saw (pipelines/storage/build_record.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import duckdb


@dataclass(frozen=True)
class Contract:
    keys: tuple[str, ...] = ()
    rows: str = "any"  # "one", "some" or "any"

    @classmethod
    def from_toml(cls, entry: Mapping[str, object]) -> Contract:
        rows = str(entry.get("rows", "any"))
        if rows not in ("one", "some", "any"):
            raise ValueError(f"rows must be one, some or any, not {rows!r}")
        return cls(tuple(entry.get("keys", ())), rows)  # type: ignore[arg-type]


def contract_problems(
    con: duckdb.DuckDBPyConnection,
    table: str,
    contract: Contract,
    described: Mapping[str, str],
    common: Mapping[str, str],
) -> list[str]:
    """What breaks the contract, in words; empty when the table keeps it."""
    columns = dict(
        con.execute(
            "SELECT column_name, comment FROM duckdb_columns() WHERE database_name = "
            "current_database() AND schema_name = 'main' AND table_name = ? ORDER BY column_index",
            [table],
        ).fetchall()
    )
    if not columns:
        return [f"{table} does not exist"]
    problems = [  # described by its model's COMMENT ON or in sql/column_docs.toml
        f"column {c} is not in the documented schema (sql/column_docs.toml)"
        for c, comment in columns.items()
        if not (comment or described.get(c) or common.get(c))
    ]
    missing = [k for k in contract.keys if k not in columns]
    problems += [f"key column {k} is missing" for k in missing]
    if contract.keys and not missing:
        keys = ", ".join(f'"{k}"' for k in contract.keys)
        rows, distinct = con.execute(
            f'SELECT count(*), count(DISTINCT ({keys})) FROM "{table}"'
        ).fetchone()
        if rows != distinct:
            problems.append(
                f"{rows - distinct} rows repeat a key ({', '.join(contract.keys)}) of another row"
            )
    elif contract.rows != "any":
        rows = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    if contract.rows == "one" and rows != 1:
        problems.append(f"{rows} rows where there must be exactly one")
    if contract.rows == "some" and rows == 0:
        problems.append("no rows where there must be some")
    return problems
