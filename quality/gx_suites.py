"""Great Expectations suites on the core and mart tables, and the data docs they write.

Each table's suites run in one ephemeral GX context as that table's asset check; the data docs go
to `outputs/gx_docs/<table>/`, linked from `outputs/gx_docs/index.html`. The frames are read
from the staging warehouse by SQL in `sql/quality/`, which also derives what a plain table
cannot show (completeness per indicator and year, values against the catalog's range).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


# Great Expectations takes seconds and 250 MB to import: it is imported when a suite runs, not
# when the code location or the CLI loads
QUALITY_SQL = Path(__file__).resolve().parents[1] / "sql" / "quality"


@dataclass(frozen=True)
class Suite:
    name: str  # also the Dagster check name
    table: str  # the asset the check belongs to
    sql: str  # file under sql/quality/
    expectations: Callable[[Any], tuple[Any, ...]]  # gx.expectations -> the expectations
    blocking: bool = True


SUITES = (
    Suite(
        "gx_core_indicator_values",
        "core_indicator_values",
        "core_indicator_values.sql",
        lambda gx_expect: (
            gx_expect.ExpectColumnValuesToNotBeNull(column="indicator_id"),
            gx_expect.ExpectColumnValuesToNotBeNull(column="region_code"),
            gx_expect.ExpectColumnValuesToBeBetween(column="year", min_value=1990, max_value=2100),
            gx_expect.ExpectColumnValuesToBeInSet(
                column="status", value_set=[".", "..", ":", "...", "-", "*"], mostly=1.0
            ),
            gx_expect.ExpectCompoundColumnsToBeUnique(
                column_list=["indicator_id", "country", "region_code", "year", "gender", "vintage"]
            ),
            gx_expect.ExpectColumnValuesToBeInSet(
                column="within_catalog_range",
                value_set=[True],
                meta={"notes": "value between the catalog's valid_min and valid_max"},
            ),
        ),
    ),
    Suite(
        "gx_core_completeness",
        "core_indicator_coverage",
        "completeness.sql",
        lambda gx_expect: (
            gx_expect.ExpectColumnValuesToBeBetween(
                column="lost_or_changed",
                min_value=0,
                max_value=0,
                meta={"notes": "every value the source delivered reached core unchanged"},
            ),
            gx_expect.ExpectColumnValuesToBeBetween(
                column="unexpected",
                min_value=0,
                max_value=0,
                meta={"notes": "core holds no value the source did not deliver"},
            ),
        ),
    ),
    Suite(
        "gx_core_indicator_series",
        "core_indicator_series",
        "core_indicator_series.sql",
        lambda gx_expect: (
            gx_expect.ExpectCompoundColumnsToBeUnique(
                column_list=["indicator_id", "country", "region_code", "year", "gender"]
            ),
            gx_expect.ExpectColumnValuesToNotBeNull(column="harmonisation"),
        ),
    ),
    Suite(
        "gx_mart_comparisons",
        "mart_comparisons",
        "mart_comparisons.sql",
        lambda gx_expect: (
            gx_expect.ExpectCompoundColumnsToBeUnique(
                column_list=["release", "indicator_id", "year", "peer_set"]
            ),
            gx_expect.ExpectColumnValuesToNotBeNull(column="peer_method"),
            gx_expect.ExpectColumnValuesToBeBetween(
                column="home_percentile", min_value=0, max_value=100
            ),
            gx_expect.ExpectColumnValuesToBeBetween(
                column="peers_behind_a_computed_figure",
                min_value=1,
                meta={"notes": "a computed peer figure rests on at least one peer"},
            ),
        ),
    ),
)


def _context(docs_dir: Path | None):
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    context = gx.get_context(mode="ephemeral")
    # no "Calculating Metrics" bars on the terminal: the results go to the check and the docs
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    if docs_dir is not None:
        context.add_data_docs_site(
            site_name="malestokk",
            site_config={
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
    return context


def suites_for(table: str) -> tuple[Suite, ...]:
    return tuple(s for s in SUITES if s.table == table)


def write_docs_index(docs_root: Path) -> Path:
    """gx_docs/index.html: one link per table's data docs (each check writes its own site)."""
    docs_root.mkdir(parents=True, exist_ok=True)
    tables = sorted({s.table for s in SUITES})
    links = "".join(f'<li><a href="{t}/index.html">{t}</a></li>' for t in tables)
    index = docs_root / "index.html"
    index.write_text(
        "<!doctype html><meta charset='utf-8'><title>Målestokk: Great Expectations</title>"
        f"<h1>Great Expectations data docs</h1><ul>{links}</ul>",
        encoding="utf-8",
    )
    return index


def _frame(con, suite: Suite) -> pd.DataFrame:
    """The suite's rows as a pandas frame with every text column categorical: codes, years'
    statuses and vintages repeat millions of times at national scale, and a column of Python
    strings would hold each one again (6.5 GB for the 12 M facts of benchmarks/national.py
    size 4; GX's pandas checks read categoricals as they read text)."""
    table = con.sql((QUALITY_SQL / suite.sql).read_text("utf-8")).arrow()
    if hasattr(table, "read_all"):  # a record batch reader in newer DuckDB releases
        table = table.read_all()
    return table.to_pandas(strings_to_categorical=True)


def run_suites(
    con, docs_dir: Path | None, suites: tuple[Suite, ...] = SUITES
) -> dict[str, dict[str, Any]]:
    """Validate the suites; name -> {"success", "expectations": [...]}; write their data docs."""
    import great_expectations as gx

    context = _context(docs_dir)
    source = context.data_sources.add_pandas("warehouse")
    frames: dict[str, pd.DataFrame] = {}
    definitions = []
    for suite in suites:
        frames[suite.name] = _frame(con, suite)
        batch = source.add_dataframe_asset(suite.name).add_batch_definition_whole_dataframe("all")
        gx_suite = context.suites.add(gx.ExpectationSuite(name=suite.name))
        for expectation in suite.expectations(gx.expectations):
            gx_suite.add_expectation(expectation)
        definitions.append(
            context.validation_definitions.add(
                gx.ValidationDefinition(name=suite.name, data=batch, suite=gx_suite)
            )
        )
    outcome: dict[str, dict[str, Any]] = {}
    for suite, definition in zip(suites, definitions, strict=True):
        result = definition.run(batch_parameters={"dataframe": frames[suite.name]})
        outcome[suite.name] = {
            "success": bool(result.success),
            "rows": len(frames[suite.name]),
            "expectations": [
                {
                    "expectation": r.expectation_config.type,
                    "column": r.expectation_config.kwargs.get("column")
                    or ",".join(r.expectation_config.kwargs.get("column_list", [])),
                    "success": bool(r.success),
                    "unexpected": r.result.get("unexpected_count"),
                    "examples": str(r.result.get("partial_unexpected_list", [])[:5]),
                }
                for r in result.results
            ],
        }
    if docs_dir is not None:
        docs_dir.mkdir(parents=True, exist_ok=True)
        context.build_data_docs()
    return outcome
