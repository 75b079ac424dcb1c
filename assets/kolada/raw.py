"""Raw Kolada values (API v3), the municipality list and municipality groups."""

from collections.abc import Iterator
from datetime import date

import dagster as dg
import polars as pl

from pipelines.build_record import recorded
from pipelines.config import Settings
from pipelines.graph_shape import GraphShape
from pipelines.kolada.pull import HISTORY_SCHEMA, LOG_SCHEMA, pull_kolada
from pipelines.resources import KoladaResource, WarehouseResource
from pipelines.versions import stored_version, table_version
from quality.asset_checks import validate_table
from quality.schemas import kolada_values

SKR_KOMMUNGRUPPER = [f"G{n}" for n in range(92786, 92795)]


@dg.asset(
    group_name="kolada_raw",
    kinds={"duckdb"},
    description="Kolada municipalities (/v3/municipality): kommuner, regions and Riket.",
)
def raw_kolada__municipalities(
    study: dg.ResourceParam[Settings], kolada: KoladaResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    skipped = study.catalog().skip_reason("kolada")
    items = []
    if not skipped:
        with kolada.client() as client:
            items = client.listing("municipality")
    frame = pl.DataFrame(
        [{k: i.get(k) for k in ("id", "title", "type")} for i in items],
        schema={"id": pl.String, "title": pl.String, "type": pl.String},
    )
    rows = warehouse.get().write_table(
        "raw_kolada__municipalities", frame, "Kolada municipality list (Källa: Kolada)."
    )
    return dg.MaterializeResult(
        data_version=stored_version(warehouse.get(), "raw_kolada__municipalities"),
        metadata={"rows": rows, **_skipped(skipped)},
    )


def _skipped(reason: str | None) -> dict[str, str]:
    return {"skipped": reason} if reason else {}


@dg.asset(
    group_name="kolada_raw",
    kinds={"duckdb"},
    description="Kolada municipality groups with members, incl. SKR kommungrupper "
    "G92786-G92794 (group values are unweighted means of members).",
)
def raw_kolada__municipality_groups(
    study: dg.ResourceParam[Settings], kolada: KoladaResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    skipped = study.catalog().skip_reason("kolada")
    wanted = [] if skipped else SKR_KOMMUNGRUPPER
    groups = []
    if wanted:
        with kolada.client() as client:
            groups = client.municipality_groups(wanted)
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
    missing = sorted(set(wanted) - {g["id"] for g in groups})
    if missing:
        raise dg.Failure(f"Kolada did not return municipality groups {', '.join(missing)}")
    count = warehouse.get().write_table(
        "raw_kolada__municipality_groups",
        frame,
        "Kolada municipality groups, one row per member.",
    )
    return dg.MaterializeResult(
        data_version=stored_version(warehouse.get(), "raw_kolada__municipality_groups"),
        metadata={"rows": count, "groups": len(groups), **_skipped(skipped)},
    )


KPI_SCHEMA = {
    "id": pl.String,
    "title": pl.String,
    "description": pl.String,
    "operating_area": pl.String,
    "perspective": pl.String,
    "is_divided_by_gender": pl.Boolean,
    "municipality_type": pl.String,
    "has_ou_data": pl.Boolean,
    "publication_date": pl.String,
    "prel_publication_date": pl.String,
    "auspice": pl.String,
}


def _catalog_group_ids(study: dg.ResourceParam[Settings]) -> list[str]:
    return [g.kpi_group for g in study.catalog().kpi_groups]


@dg.asset(
    group_name="kolada_raw",
    kinds={"duckdb"},
    description="The Kolada KPI groups the catalog names (e.g. GKPI118, KKiK), one row per "
    "member KPI; the catalog expands each group to its members.",
)
def raw_kolada__kpi_groups(
    study: dg.ResourceParam[Settings], kolada: KoladaResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    wanted = _catalog_group_ids(study)
    groups = []
    if wanted:
        with kolada.client() as client:
            groups = client.kpi_groups(wanted)
    missing = sorted(set(wanted) - {g["id"] for g in groups})
    if missing:
        raise dg.Failure(
            f"Kolada has no KPI group {', '.join(missing)} (named in the catalog "
            f"{study.catalog_file}); check the id with /v3/kpi_groups?title=..."
        )
    frame = pl.DataFrame(
        [
            {"group_id": g["id"], "title": g["title"], "member_id": m["member_id"],
             "member_title": m.get("member_title")}
            for g in groups
            for m in g.get("members", [])
        ],
        schema={"group_id": pl.String, "title": pl.String, "member_id": pl.String,
                "member_title": pl.String},
    )  # fmt: skip
    rows = warehouse.get().write_table(
        "raw_kolada__kpi_groups", frame, "Kolada KPI groups named in the catalog."
    )
    return dg.MaterializeResult(
        data_version=stored_version(warehouse.get(), "raw_kolada__kpi_groups"),
        metadata={"groups": len(groups), "members": rows},
    )


def _wanted_kpis(study: dg.ResourceParam[Settings], con) -> list[str]:
    explicit = [i.kpi for i in study.catalog().by_source("kolada") if i.kpi]
    members = [r[0] for r in con.execute("SELECT member_id FROM raw_kolada__kpi_groups").fetchall()]
    return list(dict.fromkeys([*explicit, *members]))


@dg.asset(
    group_name="kolada_raw",
    kinds={"duckdb"},
    deps=[raw_kolada__kpi_groups],
    description="Metadata of every KPI the catalog asks for (title, description, operating area, "
    "perspective, gender division, publication dates), from /v3/kpi.",
)
def raw_kolada__kpis(
    study: dg.ResourceParam[Settings], kolada: KoladaResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    wh = warehouse.get()
    with wh.build() as con:
        wanted = _wanted_kpis(study, con)
    items = []
    if wanted:  # asking for no id would list all 6 000 KPIs
        with kolada.client() as client:
            items = client.kpis(wanted)
    frame = pl.DataFrame(
        [{k: item.get(k) for k in KPI_SCHEMA} for item in items], schema=KPI_SCHEMA
    )
    with wh.build() as con:
        rows = wh.replace_table(
            con, "raw_kolada__kpis", frame, "Kolada KPI metadata (/v3/kpi), Källa: Kolada."
        )
    unknown = sorted(set(wanted) - set(frame["id"].to_list()))
    return dg.MaterializeResult(
        data_version=stored_version(warehouse.get(), "raw_kolada__kpis"),
        metadata={"kpis": rows, "asked_for": len(wanted), "unknown": ", ".join(unknown) or "none"},
    )


raw_kolada__values = dg.AssetKey("raw_kolada__values")
raw_kolada__pull_log = dg.AssetKey("raw_kolada__pull_log")


@dg.multi_asset(
    name="raw_kolada__values",
    group_name="kolada_raw",
    specs=[
        dg.AssetSpec(
            raw_kolada__values,
            deps=[raw_kolada__municipalities, raw_kolada__municipality_groups, raw_kolada__kpis],
            kinds={"duckdb", "polars"},
            description="Kolada KPI values for every kommun, the SKR kommungrupper and Riket: "
            "one row per KPI x municipality x year x gender (T total, K women, M men) and "
            "version. Pulled with from_date after the first run; deletions stay in the history "
            "(is_current, isdeleted).",
        ),
        dg.AssetSpec(
            raw_kolada__pull_log,
            deps=[raw_kolada__kpis],
            kinds={"duckdb"},
            description="One row per KPI and pull: full or incremental (from_date), rows "
            "received, whether Kolada knows the id; the next pull starts from it.",
        ),
    ],
)
def raw_kolada__values_and_log(
    context: dg.AssetExecutionContext,
    study: dg.ResourceParam[Settings],
    kolada: KoladaResource,
    warehouse: WarehouseResource,
) -> Iterator[dg.MaterializeResult]:
    """Values and the pull log are written together: the log says what the values came from."""
    wh = warehouse.get()
    skipped = study.catalog().skip_reason("kolada")
    if skipped:
        with wh.build() as con:
            wh.replace_table(con, "raw_kolada__values", pl.DataFrame(schema=HISTORY_SCHEMA))
            wh.replace_table(con, "raw_kolada__pull_log", pl.DataFrame(schema=LOG_SCHEMA))
        context.log.info(f"Kolada {skipped}")
        for key in (raw_kolada__values, raw_kolada__pull_log):
            yield dg.MaterializeResult(
                asset_key=key,
                metadata={"dagster/row_count": 0, "skipped": skipped},
                data_version=dg.DataVersion(f"skipped: {skipped}"),
            )
        return
    provenance, recorded = kolada.provenance("kolada")
    today = date.today().isoformat()
    with wh.build() as con:
        kpis = _wanted_kpis(study, con)
        known_kpis = {r[0] for r in con.execute("SELECT id FROM raw_kolada__kpis").fetchall()}
        munis = [
            r[0]
            for r in con.execute(
                "SELECT id FROM raw_kolada__municipalities WHERE type = 'K' ORDER BY id"
            ).fetchall()
        ]
        known_munis = {
            r[0]
            for r in con.execute(
                "SELECT id FROM raw_kolada__municipalities UNION "
                "SELECT DISTINCT group_id FROM raw_kolada__municipality_groups"
            ).fetchall()
        }
    client = kolada.client()
    try:
        result = pull_kolada(
            client,
            kpis,
            [*munis, *SKR_KOMMUNGRUPPER, "0000"],
            study.study_years,
            previous_history=wh.read_published("raw_kolada__values"),
            previous_log=wh.read_published("raw_kolada__pull_log"),
            known_kpis=known_kpis,
            known_municipalities=known_munis,
            vintage=recorded or today,
            provenance=provenance,
            run_id=context.run.run_id,
            today=today,
            full=kolada.full_pull,
            national=True,  # every kommun: no municipality segment, ceil(rows / 5 000) requests
            log=context.log.info,
        )
        stats = client.stats
    finally:
        client.close()
    with wh.build() as con:
        count = wh.replace_table(
            con,
            "raw_kolada__values",
            result.history,
            "Kolada values (API v3), every version; the current view is is_current AND NOT "
            "isdeleted. Group values (G...) are unweighted means of members. Källa: Kolada.",
        )
        log_rows = wh.replace_table(
            con,
            "raw_kolada__pull_log",
            result.log,
            "One row per KPI and pull: full or incremental (from_date), rows received, and "
            "whether Kolada knows the KPI id.",
        )
        version = table_version(con, "raw_kolada__values")
    if result.unknown_kpis:
        context.log.warning(f"Kolada does not know KPI id(s): {', '.join(result.unknown_kpis)}")
    yield dg.MaterializeResult(
        asset_key=raw_kolada__pull_log,
        metadata={"dagster/row_count": log_rows},
        data_version=version,
    )
    yield dg.MaterializeResult(
        asset_key=raw_kolada__values,
        data_version=version,
        metadata={
            "dagster/row_count": count,
            "current_rows": result.history.filter(
                pl.col("is_current") & ~pl.col("isdeleted")
            ).height,
            "requests_planned": result.planned_requests,
            "requests_lower_bound": result.lower_bound,
            "requests_made": stats.by_kind.get("data", 0),
            "rows_received": result.rows_received,
            "rows_touched": result.rows_changed,
            "retries": stats.retries,
            "unknown_kpis": ", ".join(result.unknown_kpis) or "none",
            "unknown_municipalities": ", ".join(result.unknown_municipalities) or "none",
            "provenance": provenance,
        },
    )


@dg.asset_check(
    asset=raw_kolada__values,
    blocking=True,
    description="pandera: ids, gender codes, period range, numeric values, one current version.",
)
def raw_kolada__values_schema(
    context: dg.AssetCheckExecutionContext,
    warehouse: WarehouseResource,
    graph_shape: dg.ResourceParam[GraphShape],
) -> dg.AssetCheckResult:
    result = validate_table(warehouse.get(), "raw_kolada__values", kolada_values)
    return recorded(context, warehouse, graph_shape, result)


@dg.asset_check(
    asset=raw_kolada__values,
    blocking=False,
    description="Every KPI the catalog asks for is known to Kolada (Kolada answers an unknown id "
    "with an empty list, not an error).",
)
def raw_kolada__values_ids_known(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.get().build() as con:
        unknown = con.sql(
            "SELECT kpi FROM raw_kolada__pull_log WHERE NOT known_to_kolada AND run_id = "
            "(SELECT run_id FROM raw_kolada__pull_log ORDER BY pulled_at DESC LIMIT 1)"
        ).pl()
    ids = unknown["kpi"].to_list()
    return dg.AssetCheckResult(
        passed=not ids,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"unknown_kpis": ", ".join(ids) or "none"},
        description=f"Kolada does not know {', '.join(ids)}" if ids else None,
    )
