"""Raw Kolada values (API v3), the municipality list and municipality groups."""

from datetime import date

import dagster as dg
import polars as pl

from pipelines.kolada.client import plan_data_queries
from pipelines.resources import KoladaResource, StudyResource, WarehouseResource
from quality.asset_checks import validate_table
from quality.schemas import kolada_values

SKR_KOMMUNGRUPPER = [f"G{n}" for n in range(92786, 92795)]
VALUE_SCHEMA = {
    "kpi": pl.String,
    "municipality": pl.String,
    "period": pl.Int32,
    "gender": pl.String,
    "value": pl.Float64,
    "count": pl.Int64,
    "status": pl.String,
    "isdeleted": pl.Boolean,
    "archive_id": pl.String,
}


@dg.asset(
    group_name="kolada_raw",
    kinds={"duckdb"},
    description="Kolada municipalities (/v3/municipality): kommuner, regions and Riket.",
)
def raw_kolada__municipalities(
    kolada: KoladaResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with kolada.client() as client:
        items = client.listing("municipality")
    frame = pl.DataFrame(items, schema={"id": pl.String, "title": pl.String, "type": pl.String})
    wh = warehouse.get()
    with wh.build() as con:
        rows = wh.replace_table(
            con, "raw_kolada__municipalities", frame, "Kolada municipality list (Källa: Kolada)."
        )
    return dg.MaterializeResult(metadata={"rows": rows})


@dg.asset(
    group_name="kolada_raw",
    kinds={"duckdb"},
    description="Kolada municipality groups with members, incl. SKR kommungrupper "
    "G92786-G92794 (group values are unweighted means of members).",
)
def raw_kolada__municipality_groups(
    kolada: KoladaResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with kolada.client() as client:
        groups = client.listing(f"municipality_groups/{','.join(SKR_KOMMUNGRUPPER)}")
    rows = [
        {
            "group_id": g["id"],
            "title": g["title"],
            "member_id": m["member_id"],
            "member_title": m["member_title"],
        }
        for g in groups
        for m in g.get("members", [])
    ]
    frame = pl.DataFrame(
        rows,
        schema={
            "group_id": pl.String,
            "title": pl.String,
            "member_id": pl.String,
            "member_title": pl.String,
        },
    )
    missing = sorted(set(SKR_KOMMUNGRUPPER) - {g["id"] for g in groups})
    if missing:
        raise dg.Failure(f"Kolada did not return municipality groups {', '.join(missing)}")
    wh = warehouse.get()
    with wh.build() as con:
        count = wh.replace_table(
            con,
            "raw_kolada__municipality_groups",
            frame,
            "Kolada municipality groups, one row per member.",
        )
    return dg.MaterializeResult(metadata={"rows": count, "groups": len(groups)})


@dg.asset(
    group_name="kolada_raw",
    kinds={"duckdb", "polars"},
    deps=[raw_kolada__municipalities],
    description="Kolada KPI values for every kommun, the SKR kommungrupper and Riket: one row "
    "per KPI x municipality x year x gender (T total, K women, M men).",
)
def raw_kolada__values(
    context: dg.AssetExecutionContext,
    study: StudyResource,
    kolada: KoladaResource,
    warehouse: WarehouseResource,
) -> dg.MaterializeResult:
    kpis = [i.kpi for i in study.catalog().by_source("kolada")]
    provenance, recorded = kolada.provenance("kolada")
    vintage = recorded or date.today().isoformat()
    wh = warehouse.get()
    with wh.build() as con:
        munis = [
            r[0]
            for r in con.execute(
                "SELECT id FROM raw_kolada__municipalities WHERE type = 'K' ORDER BY id"
            ).fetchall()
        ]
    queries = plan_data_queries(kpis, [*munis, *SKR_KOMMUNGRUPPER, "0000"], study.years)
    rows: list[dict] = []
    with kolada.client() as client:
        for n, query in enumerate(queries, 1):
            if n % 5 == 1:
                context.log.info(f"Kolada: query {n}/{len(queries)}")
            for page in client.data(query):
                for item in page.values:
                    for v in item["values"]:
                        rows.append(
                            {
                                "kpi": item["kpi"],
                                "municipality": item["municipality"],
                                "period": int(item["period"]),
                                "gender": v["gender"],
                                "value": v.get("value"),
                                "count": v.get("count"),
                                "status": v.get("status") or None,
                                "isdeleted": bool(v.get("isdeleted", False)),
                                "archive_id": page.archive_id,
                            }
                        )
        stats = client.stats
    frame = pl.DataFrame(rows, schema=VALUE_SCHEMA).with_columns(
        pl.lit(vintage).alias("vintage"), pl.lit(provenance).alias("provenance")
    )
    returned = set(frame["kpi"].unique().to_list())
    unknown = [k for k in kpis if k not in returned]
    with wh.build() as con:
        count = wh.replace_table(
            con, "raw_kolada__values", frame, "Kolada values as fetched (API v3), Källa: Kolada."
        )
    if unknown:
        context.log.warning(f"Kolada returned nothing for KPI ids: {', '.join(unknown)}")
    return dg.MaterializeResult(
        metadata={
            "rows": count,
            "queries_planned": len(queries),
            "requests_made": stats.requests,
            "retries": stats.retries,
            "kpis_without_data": ", ".join(unknown) or "none",
            "provenance": provenance,
        }
    )


@dg.asset_check(
    asset=raw_kolada__values,
    blocking=True,
    description="pandera: ids, gender codes, period range, numeric values.",
)
def raw_kolada__values_schema(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    return validate_table(warehouse.get(), "raw_kolada__values", kolada_values)
