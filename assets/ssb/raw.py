"""Raw KOSTRA values from SSB PxWebApi, and KOSTRA-group membership from KLASS."""

import dagster as dg
import polars as pl

from pipelines.resources import SsbResource, StudyResource, WarehouseResource
from pipelines.ssb.jsonstat import decode
from pipelines.ssb.pxweb import plan_requests
from quality.asset_checks import validate_table
from quality.schemas import ssb_kostra_values

RAW_COLUMNS = [
    "table_id",
    "contents_code",
    "fixed",
    "region_code",
    "region_label",
    "period",
    "value",
    "status",
    "unit",
    "decimals",
    "vintage",
    "updated",
    "archive_id",
    "provenance",
]


@dg.asset(
    group_name="ssb_raw",
    kinds={"duckdb", "polars"},
    description="KOSTRA values as SSB publishes them: every region code (incl. EAK, EAKUO, EKA, "
    "EKG), status symbols kept, one vintage per table `updated` date.",
)
def raw_ssb__kostra_values(
    context: dg.AssetExecutionContext,
    study: StudyResource,
    ssb: SsbResource,
    warehouse: WarehouseResource,
) -> dg.MaterializeResult:
    catalog = study.catalog()
    provenance, _ = ssb.provenance("ssb")
    frames: list[pl.DataFrame] = []
    planned = 0
    with ssb.pxweb() as client:
        max_cells = client.max_cells()
        for table, indicators in catalog.ssb_tables().items():
            meta = client.metadata(table)
            by_fixed: dict[tuple[tuple[str, str], ...], list[str]] = {}
            for ind in indicators:
                by_fixed.setdefault(tuple(sorted(ind.fixed.items())), []).append(ind.contents_code)
            region_dim = indicators[0].region_dimension
            regions = list(meta["dimension"][region_dim]["category"]["index"])
            available_years = set(meta["dimension"]["Tid"]["category"]["index"])
            years = [str(y) for y in study.years if str(y) in available_years]
            for fixed, contents in by_fixed.items():
                selection = {dim: [code] for dim, code in fixed}
                selection.update({region_dim: regions, "ContentsCode": contents, "Tid": years})
                requests = plan_requests(table, selection, max_cells, ["Tid", region_dim])
                planned += len(requests)
                fixed_text = ",".join(f"{k}={v}" for k, v in fixed)
                for n, request in enumerate(requests, 1):
                    context.log.info(
                        f"SSB {table}: request {n}/{len(requests)} ({request.cells} cells)"
                    )
                    payload, archive_id = client.data(request)
                    cells = decode(payload)
                    frames.append(
                        cells.select(
                            pl.col("table_id"),
                            pl.col("ContentsCode").cast(pl.String).alias("contents_code"),
                            pl.lit(fixed_text).alias("fixed"),
                            pl.col(region_dim).cast(pl.String).alias("region_code"),
                            pl.col(f"{region_dim}__label").cast(pl.String).alias("region_label"),
                            pl.col("Tid").cast(pl.String).alias("period"),
                            "value",
                            "status",
                            "unit",
                            "decimals",
                            pl.col("updated").str.slice(0, 10).alias("vintage"),
                            "updated",
                            pl.lit(archive_id).alias("archive_id"),
                            pl.lit(provenance).alias("provenance"),
                        )
                    )
        stats = client.stats
    frame = (
        pl.concat(frames) if frames else pl.DataFrame(schema={c: pl.String for c in RAW_COLUMNS})
    )
    wh = warehouse.get()
    with wh.build() as con:
        rows = wh.replace_table(
            con,
            "raw_ssb__kostra_values",
            frame,
            "KOSTRA values as fetched from SSB PxWebApi (JSON-stat2, decoded).",
        )
    return dg.MaterializeResult(
        metadata={
            "rows": rows,
            "tables": len(catalog.ssb_tables()),
            "data_requests_planned": planned,
            "requests_made": stats.requests,
            "retries": stats.retries,
            "provenance": provenance,
        }
    )


@dg.asset_check(
    asset=raw_ssb__kostra_values,
    blocking=True,
    description="pandera: region codes, years, status symbols, numeric values.",
)
def raw_ssb__kostra_values_schema(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    return validate_table(warehouse.get(), "raw_ssb__kostra_values", ssb_kostra_values)


@dg.asset(
    group_name="ssb_raw",
    kinds={"duckdb"},
    description="KOSTRA group of every municipality per year (KLASS 131 -> 112 correspondsAt, "
    "1 January). The 2020 grouping applies from 2020; earlier years used other groupings.",
)
def raw_klass__kostra_groups(
    study: StudyResource, ssb: SsbResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    rows = []
    with ssb.klass() as client:
        for year in study.years:
            if year < 2020:
                continue  # series break: older groupings are not comparable
            for item in client.corresponds_at(131, 112, f"{year}-01-01"):
                rows.append(
                    {
                        "year": year,
                        "municipality": item["sourceCode"],
                        "municipality_name": item["sourceName"],
                        "group_code": item["targetCode"],
                        "group_name": item["targetName"],
                    }
                )
    frame = pl.DataFrame(
        rows,
        schema={
            "year": pl.Int32,
            "municipality": pl.String,
            "municipality_name": pl.String,
            "group_code": pl.String,
            "group_name": pl.String,
        },
    )
    wh = warehouse.get()
    with wh.build() as con:
        count = wh.replace_table(
            con,
            "raw_klass__kostra_groups",
            frame,
            "KOSTRA group per municipality and year, from KLASS.",
        )
    return dg.MaterializeResult(metadata={"rows": count})
