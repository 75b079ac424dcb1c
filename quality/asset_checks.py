"""Run a pandera schema against a warehouse table and report the failing rows to Dagster.

`quality` holds rules and imports nothing from `pipelines`: the flow is one way, pipelines and
assets apply the rules.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Protocol

import dagster as dg
import duckdb
import polars as pl

if TYPE_CHECKING:  # pandera pulls in pandas: loaded when a check runs, not with the code location
    import pandera.polars as pa

MAX_FAILURE_ROWS = 50


class BuildsTables(Protocol):
    """The staging warehouse as the checks need it (pipelines.storage.warehouse.Warehouse)."""

    def build(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]: ...


def validate_table(
    warehouse: BuildsTables, table: str, schema: pa.DataFrameSchema
) -> dg.AssetCheckResult:
    with warehouse.build() as con:
        frame = con.sql(f'SELECT * FROM "{table}"').pl()
    return validate_frame(frame, schema)


def validate_frame(frame: pl.DataFrame, schema: pa.DataFrameSchema) -> dg.AssetCheckResult:
    import pandera.errors

    try:
        schema.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        if not isinstance(cases, pl.DataFrame):
            cases = pl.from_pandas(cases)
        preview = cases.head(MAX_FAILURE_ROWS).with_columns(pl.all().cast(pl.String))
        metadata = {
            "rows_checked": frame.height,
            "failure_cases": cases.height,
            "failures": dg.MetadataValue.md(markdown_table(preview)),
        }
        if "index" in cases.columns:
            index = cases["index"].drop_nulls().cast(pl.Int64).unique().sort()
            rows = frame.with_row_index("row").filter(pl.col("row").is_in(index.implode()))
            metadata["failing_rows_count"] = rows.height
            metadata["failing_rows"] = dg.MetadataValue.md(
                markdown_table(rows.head(MAX_FAILURE_ROWS).with_columns(pl.all().cast(pl.String)))
            )
        return dg.AssetCheckResult(
            passed=False, severity=dg.AssetCheckSeverity.ERROR, metadata=metadata
        )
    return dg.AssetCheckResult(passed=True, metadata={"rows_checked": frame.height})


def markdown_table(frame: pl.DataFrame) -> str:
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = [
        "| " + " | ".join("" if v is None else str(v) for v in row) + " |"
        for row in frame.iter_rows()
    ]
    return "\n".join([header, rule, *rows])
