"""Raw KOSTRA values from SSB PxWebApi; code lists, code changes and KOSTRA groups from KLASS."""

import dagster as dg
import polars as pl

from assets.source_factory import (
    IncrementalSource,
    Pulled,
    Reading,
    SourceTable,
    incremental_source,
    source_table,
)
from pipelines.resources import WarehouseResource
from pipelines.sources.ssb.code_history import CodeChange
from pipelines.sources.ssb.refresh import HISTORY_SCHEMA, LOG_SCHEMA, fetch_groups, refresh_kostra
from pipelines.storage.build_record import recorded
from pipelines.storage.graph_shape import GraphShape
from quality.asset_checks import markdown_table, validate_table

# KLASS 131 /changes windows [from, to): each reform took effect on 1 January.
REFORM_YEARS = (2018, 2020, 2024)


raw_ssb__kostra_values = dg.AssetKey("raw_ssb__kostra_values")
raw_ssb__fetch_log = dg.AssetKey("raw_ssb__fetch_log")


def _pull_kostra(r: Reading) -> Pulled:
    """New releases of the catalog's SSB tables (only tables whose `updated` moved)."""
    catalog, ssb, wh = r.study.catalog(), r.client, r.warehouse
    provenance, _ = ssb.provenance("ssb")
    client = ssb.pxweb()
    try:
        result = refresh_kostra(
            client,
            fetch_groups(catalog.ssb_tables()),
            r.study.study_years,
            previous_history=wh.read_published("raw_ssb__kostra_values"),
            previous_log=wh.read_published("raw_ssb__fetch_log"),
            provenance=provenance,
            run_id=r.context.run.run_id,
            log=r.context.log.info,
            force=ssb.full_refresh,
            table_provenance=ssb.table_provenance("ssb"),
            next_year_tables=catalog.population_tables(),
        )
        stats = client.stats
    finally:
        client.close()
    return Pulled(
        result.history,
        result.log,
        {
            "current_rows": result.history.filter(pl.col("is_current")).height,
            "tables_fetched": len(set(result.tables_fetched)),
            "tables_unchanged": len(set(result.tables_unchanged)),
            "data_requests_planned": result.planned,
            "data_requests_lower_bound": result.lower_bound,
            "data_requests_made": stats.by_kind.get("data", 0),
            "requests_made": stats.requests,
            "retries": stats.retries,
            "provenance": provenance,
        },
    )


raw_ssb__kostra_values_and_log = incremental_source(
    IncrementalSource(
        name="raw_ssb__kostra_values",
        source="ssb",
        values=dg.AssetSpec(
            raw_ssb__kostra_values,
            kinds={"duckdb", "polars"},
            description="KOSTRA values as SSB publishes them: every region code (incl. EAK, "
            "EAKUO, EKA, EKG), status symbols kept, every release vintage kept (`is_current` "
            "marks the latest).",
        ),
        log=dg.AssetSpec(
            raw_ssb__fetch_log,
            kinds={"duckdb"},
            description="One row per table, contents code and refresh: whether data was fetched "
            "or the table was unchanged; the next refresh starts from it.",
        ),
        values_comment="KOSTRA values from SSB PxWebApi (JSON-stat2, decoded), one row per cell "
        "and release vintage; is_current marks the latest release.",
        log_comment="One row per table, contents code and refresh: the table's updated time, "
        "whether data was fetched or the table was unchanged, planned and made data requests.",
        history_schema=HISTORY_SCHEMA,
        log_schema=LOG_SCHEMA,
        pull=_pull_kostra,
    )
)


@dg.asset_check(
    asset=raw_ssb__kostra_values,
    blocking=True,
    description="pandera: region codes, years, status symbols, numeric values, one current "
    "version per cell.",
)
def raw_ssb__kostra_values_schema(
    context: dg.AssetCheckExecutionContext,
    warehouse: WarehouseResource,
    graph_shape: dg.ResourceParam[GraphShape],
) -> dg.AssetCheckResult:
    from quality.schemas import ssb_kostra_values  # pandera (and pandas) load when it runs

    result = validate_table(warehouse.get(), "raw_ssb__kostra_values", ssb_kostra_values)
    return recorded(context, warehouse, graph_shape, result)


def _codes_frame(items: list[dict], classification: int, year: int) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "classification": classification,
                "year": year,
                "code": str(i["code"]),
                "name": i.get("name") or "",
                "level": str(i.get("level") or "1"),
                "valid_from": i.get("validFrom"),
                "valid_to": i.get("validTo"),
            }
            for i in items
        ],
        schema=CODES_SCHEMA,
    )


CODES_SCHEMA = {
    "classification": pl.Int32,
    "year": pl.Int32,
    "code": pl.String,
    "name": pl.String,
    "level": pl.String,
    "valid_from": pl.String,
    "valid_to": pl.String,
}


def _read_region_codes(r: Reading) -> tuple[pl.DataFrame, dict]:
    frames = [_codes_frame([], 131, 0)]
    with r.client.klass() as client:
        for year in r.study.study_years:
            for classification in (131, 104):
                items = client.codes_at(classification, f"{year}-01-01")
                frames.append(_codes_frame(items, classification, year))
    frame = pl.concat(frames)
    counts = frame.group_by("classification", "year").len().sort("classification", "year")
    return frame, {"codes_per_year": dg.MetadataValue.md(markdown_table(counts))}


raw_klass__region_codes = source_table(
    SourceTable(
        name="raw_klass__region_codes",
        source="ssb",
        description="Municipality (KLASS 131) and county (KLASS 104) codes valid on 1 January of "
        "each study year.",
        comment="KLASS code lists at 1 January per year: 131 municipalities, 104 counties.",
        schema=CODES_SCHEMA,
        read=_read_region_codes,
    )
)


@dg.asset_check(
    asset=raw_klass__region_codes,
    blocking=True,
    description="pandera: 4-digit municipality codes, 2-digit county codes, one code per year.",
)
def raw_klass__region_codes_schema(
    context: dg.AssetCheckExecutionContext,
    warehouse: WarehouseResource,
    graph_shape: dg.ResourceParam[GraphShape],
) -> dg.AssetCheckResult:
    from quality.schemas import klass_codes

    result = validate_table(warehouse.get(), "raw_klass__region_codes", klass_codes)
    return recorded(context, warehouse, graph_shape, result)


CHANGES_SCHEMA = {
    "reform_year": pl.Int32,
    "old_code": pl.String,
    "old_name": pl.String,
    "new_code": pl.String,
    "new_name": pl.String,
    "change_occurred": pl.String,
    "kind": pl.String,
}


def _read_municipality_changes(r: Reading) -> tuple[pl.DataFrame, dict]:
    rows = []
    with r.client.klass() as client:
        for year in REFORM_YEARS:
            for item in client.changes(131, f"{year - 1}-01-02", f"{year}-01-02"):
                change = CodeChange.from_klass(item)
                rows.append(
                    {
                        "reform_year": year,
                        "old_code": item.get("oldCode"),
                        "old_name": item.get("oldName"),
                        "new_code": item.get("newCode"),
                        "new_name": item.get("newName"),
                        "change_occurred": str(item.get("changeOccurred") or "")[:10],
                        "kind": "renumbering" if change else "name or start/end only",
                    }
                )
    frame = pl.DataFrame(rows, schema=CHANGES_SCHEMA)
    return frame, {"renumberings": frame.filter(pl.col("kind") == "renumbering").height}


raw_klass__municipality_changes = source_table(
    SourceTable(
        name="raw_klass__municipality_changes",
        source="ssb",
        description="Municipality code changes (KLASS 131 /changes) for the 2018, 2020 and 2024 "
        "reforms: renumberings, merges and splits, used to harmonise series across reforms.",
        comment="KLASS 131 code changes per reform year (old code -> new code, date).",
        schema=CHANGES_SCHEMA,
        read=_read_municipality_changes,
    )
)


GROUPS_SCHEMA = {
    "year": pl.Int32,
    "municipality": pl.String,
    "municipality_name": pl.String,
    "group_code": pl.String,
    "group_name": pl.String,
    "provenance": pl.String,
}


def _read_kostra_groups(r: Reading) -> tuple[pl.DataFrame, dict]:
    rows = []
    provenance, real_groups = r.client.group_provenance()
    with r.client.klass() as client:
        for year in r.study.study_years:
            if year < 2020:
                continue  # series break: older groupings are not comparable
            for item in client.corresponds_at(131, 112, f"{year}-01-01"):
                group = item["targetCode"]
                rows.append(
                    {
                        "year": year,
                        "municipality": item["sourceCode"],
                        "municipality_name": item["sourceName"],
                        "group_code": group,
                        "group_name": item["targetName"],
                        # a snapshot says row by row whether the membership is SSB's own
                        "provenance": "snapshot:real" if group in real_groups else provenance,
                    }
                )
    frame = pl.DataFrame(rows, schema=GROUPS_SCHEMA)
    synthetic = frame.filter(pl.col("provenance") == "snapshot:synthetic").height
    return frame, {"synthetic_rows": synthetic}


raw_klass__kostra_groups = source_table(
    SourceTable(
        name="raw_klass__kostra_groups",
        source="ssb",
        description="KOSTRA group of every municipality per year (KLASS 131 -> 112 "
        "correspondsAt, 1 January). The 2020 grouping applies from 2020; earlier years used "
        "other groupings.",
        comment="KOSTRA group per municipality and year, from KLASS 131 -> 112; provenance says "
        "per row whether the membership is SSB's (ssb:klass, snapshot:real) or made for the "
        "demo (snapshot:synthetic).",
        schema=GROUPS_SCHEMA,
        read=_read_kostra_groups,
    )
)
