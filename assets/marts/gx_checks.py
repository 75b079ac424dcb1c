"""Great Expectations suites as Dagster asset checks on the core and mart tables.

Each table's suites form one check on that table's asset, so a failure blocks what is built from
it and, through the publish's dependencies, keeps the last good warehouse published. Data docs go
to outputs/gx_docs/<table>/ with an index in outputs/gx_docs/index.html.
"""

import dagster as dg
import polars as pl

from assets.core.indicators import core_indicator_coverage, core_indicator_values
from assets.core.regions import core_indicator_series
from assets.marts.comparisons import mart_comparisons
from pipelines.resources import WarehouseResource
from pipelines.storage.build_record import recorded
from pipelines.storage.graph_shape import GraphShape
from quality.asset_checks import markdown_table
from quality.gx_suites import run_suites, suites_for, write_docs_index


def _gx_check(asset: dg.AssetsDefinition | dg.AssetKey) -> dg.AssetChecksDefinition:
    key = asset if isinstance(asset, dg.AssetKey) else asset.key
    table = key.path[-1]
    suites = suites_for(table)

    @dg.multi_asset_check(
        name=f"gx_{table}_suites",
        specs=[
            dg.AssetCheckSpec(
                s.name,
                asset=key,
                blocking=s.blocking,
                description=f"Great Expectations suite on sql/quality/{s.sql}.",
            )
            for s in suites
        ],
    )
    def _check(
        context: dg.AssetCheckExecutionContext,
        warehouse: WarehouseResource,
        graph_shape: dg.ResourceParam[GraphShape],
    ):
        docs_root = warehouse.get().releases.outputs_for(context.run.run_id) / "gx_docs"
        with warehouse.get().build() as con:
            outcome = run_suites(con, docs_root / table, suites)
        write_docs_index(docs_root)
        for suite in suites:
            result = outcome[suite.name]
            expectations = pl.DataFrame(result["expectations"]).with_columns(
                pl.all().cast(pl.String)
            )
            failed = [e for e in result["expectations"] if not e["success"]]
            yield recorded(context, warehouse, graph_shape, dg.AssetCheckResult(
                check_name=suite.name,
                description="; ".join(
                    f"{e['expectation']} on {e['column']}: {e['unexpected']} unexpected "
                    f"(e.g. {e['examples']})"
                    for e in failed
                ) or None,
                asset_key=key,
                passed=result["success"],
                severity=dg.AssetCheckSeverity.ERROR
                if suite.blocking
                else dg.AssetCheckSeverity.WARN,
                metadata={
                    "rows": result["rows"],
                    "expectations": dg.MetadataValue.md(markdown_table(expectations)),
                    "data_docs": dg.MetadataValue.path(str(docs_root / table / "index.html")),
                },
            ))  # fmt: skip

    return _check


gx_core_indicator_values = _gx_check(core_indicator_values)
gx_core_indicator_coverage = _gx_check(core_indicator_coverage)
gx_core_indicator_series = _gx_check(core_indicator_series)
gx_mart_comparisons = _gx_check(mart_comparisons)
