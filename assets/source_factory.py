"""Source assets made from declarations, so every source keeps one contract.

Two shapes: a table a source is read whole into on every refresh (KLASS code lists, Kolada's
lists of municipalities, groups and KPIs), and incremental values written with the log the next
refresh starts from (SSB's KOSTRA tables, Kolada's KPI values). Either way: a source the catalog
does not use is skipped (its tables written empty, the reason in the metadata); what was read is
written into the staging warehouse with its table comment; the data version is made from the
content (pipelines/storage/versions.py), so an unchanged source leaves everything below it fresh.
The declarations say only what is source-specific: how to read, the columns, the words.
"""

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import dagster as dg
import polars as pl

from pipelines.settings.config import Settings
from pipelines.storage.versions import stored_version, table_version
from pipelines.storage.warehouse import Warehouse

GROUPS = {"ssb": "ssb_raw", "kolada": "kolada_raw"}


@dataclass(frozen=True)
class Reading:
    """What a read has: the settings, the source's resource, the staging warehouse, the run."""

    study: Settings
    client: Any  # the SsbResource or KoladaResource of the declaration's source
    warehouse: Warehouse
    context: dg.AssetExecutionContext


@dataclass(frozen=True)
class SourceTable:
    """A table read whole from a source on every refresh."""

    name: str
    source: str  # "ssb" or "kolada": whose catalog skip reason applies, whose resource is used
    description: str
    comment: str  # the table's COMMENT in the warehouse
    schema: Mapping[str, Any]  # its columns, written empty when the source is skipped
    read: Callable[[Reading], tuple[pl.DataFrame, dict[str, Any]]]  # the rows, more metadata
    deps: tuple[dg.AssetKey | dg.AssetsDefinition, ...] = ()


@dataclass(frozen=True)
class Pulled:
    """What an incremental read returns: every version so far, the log, more metadata."""

    history: pl.DataFrame
    log: pl.DataFrame
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class IncrementalSource:
    """Values kept as a history of versions and the log the next refresh starts from, written
    together: the log says what the values came from."""

    name: str
    source: str
    values: dg.AssetSpec
    log: dg.AssetSpec
    values_comment: str
    log_comment: str
    history_schema: Mapping[str, Any]
    log_schema: Mapping[str, Any]
    pull: Callable[[Reading], Pulled]


def _reading(context: dg.AssetExecutionContext, source: str) -> tuple[Reading, str | None]:
    study: Settings = context.resources.study
    reading = Reading(
        study, getattr(context.resources, source), context.resources.warehouse.get(), context
    )
    return reading, study.catalog().skip_reason(source)


def source_table(declared: SourceTable) -> dg.AssetsDefinition:
    """The asset of a table read whole."""

    @dg.asset(
        name=declared.name,
        group_name=GROUPS[declared.source],
        kinds={"duckdb"},
        deps=list(declared.deps),
        description=declared.description,
        required_resource_keys={"study", "warehouse", declared.source},
    )
    def _table(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        reading, skipped = _reading(context, declared.source)
        if skipped:
            frame, more = pl.DataFrame(schema=dict(declared.schema)), {"skipped": skipped}
        else:
            frame, more = declared.read(reading)
        wh = reading.warehouse
        rows = wh.write_table(declared.name, frame, declared.comment)
        return dg.MaterializeResult(
            data_version=stored_version(wh, declared.name),
            metadata={"dagster/row_count": rows, **more},
        )

    return _table


def incremental_source(declared: IncrementalSource) -> dg.AssetsDefinition:
    """The step that writes an incremental source's values and its log."""
    values, log = declared.values.key, declared.log.key
    names = (values.to_user_string(), log.to_user_string())

    @dg.multi_asset(
        name=declared.name,
        group_name=GROUPS[declared.source],
        specs=[declared.values, declared.log],
        required_resource_keys={"study", "warehouse", declared.source},
    )
    def _step(context: dg.AssetExecutionContext) -> Iterator[dg.MaterializeResult]:
        reading, skipped = _reading(context, declared.source)
        wh = reading.warehouse
        if skipped:
            with wh.build() as con:
                wh.replace_table(con, names[0], pl.DataFrame(schema=dict(declared.history_schema)))
                wh.replace_table(con, names[1], pl.DataFrame(schema=dict(declared.log_schema)))
            context.log.info(f"{declared.source}: {skipped}")
            for key in (values, log):
                yield dg.MaterializeResult(
                    asset_key=key,
                    metadata={"dagster/row_count": 0, "skipped": skipped},
                    data_version=dg.DataVersion(f"skipped: {skipped}"),
                )
            return
        pulled = declared.pull(reading)
        with wh.build() as con:
            rows = wh.replace_table(con, names[0], pulled.history, declared.values_comment)
            log_rows = wh.replace_table(con, names[1], pulled.log, declared.log_comment)
            version = table_version(con, names[0])
        yield dg.MaterializeResult(
            asset_key=log, metadata={"dagster/row_count": log_rows}, data_version=version
        )
        yield dg.MaterializeResult(
            asset_key=values,
            data_version=version,
            metadata={"dagster/row_count": rows, **pulled.metadata},
        )

    return _step
