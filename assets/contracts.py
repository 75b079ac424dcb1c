"""One blocking contract check per table and view the refresh makes (sql/table_contracts.toml).

Made from the asset graph, not listed by hand: an asset that writes a warehouse table gets its
check the moment it exists, and a table without an entry in the contracts file fails its check.
The check records the fingerprint of what it saw, which the publish holds the file to
(pipelines/storage/build_record.py): nothing reaches a release that no blocking check vouched for.
"""

import tomllib
from collections.abc import Sequence
from functools import cache

import dagster as dg

from pipelines.resources import WarehouseResource
from pipelines.storage.build_record import recorded
from pipelines.storage.graph_shape import GraphShape, tables_of
from pipelines.storage.warehouse import SQL_DIR
from quality.contracts import Contract, contract_problems

CONTRACTS_FILE = SQL_DIR / "table_contracts.toml"


@cache
def contracts() -> dict[str, Contract]:
    entries = tomllib.loads(CONTRACTS_FILE.read_text(encoding="utf-8"))
    return {table: Contract.from_toml(entry) for table, entry in entries.items()}


@cache
def _docs() -> dict[str, dict[str, str]]:
    return tomllib.loads((SQL_DIR / "column_docs.toml").read_text(encoding="utf-8"))


def _contract_check(asset: dg.AssetKey, table: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=asset,
        name=f"{table}_contract",
        blocking=True,
        description=f"{table} keeps its contract (sql/table_contracts.toml): documented columns, "
        "unique keys, rows where there must be some. Its fingerprint is what the publish "
        "holds the table to.",
    )
    def _check(
        context: dg.AssetCheckExecutionContext,
        warehouse: WarehouseResource,
        graph_shape: dg.ResourceParam[GraphShape],
    ) -> dg.AssetCheckResult:
        contract = contracts().get(table)
        if contract is None:
            problems = [f"{table} has no entry in sql/table_contracts.toml"]
        else:
            with warehouse.get().build() as con:
                problems = contract_problems(
                    con, table, contract, _docs().get(table, {}), _docs().get("_common", {})
                )
        result = dg.AssetCheckResult(
            passed=not problems,
            description="; ".join(problems) or None,
            metadata={"problems": "\n".join(problems) or "none"},
        )
        return recorded(context, warehouse, graph_shape, result)

    return _check


def contract_checks(assets: Sequence[dg.AssetsDefinition]) -> list[dg.AssetChecksDefinition]:
    """A contract check for every table and view an asset of the graph writes."""
    return [
        _contract_check(key, table)
        for a in assets
        for key in a.keys
        for table in tables_of(key.to_user_string())
    ]
