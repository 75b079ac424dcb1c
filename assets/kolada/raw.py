"""Raw Kolada values (API v3), the municipality list and municipality groups."""

from datetime import date

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
from pipelines.settings.config import Settings
from pipelines.sources.kolada.pull import HISTORY_SCHEMA, LOG_SCHEMA, pull_kolada
from pipelines.storage.build_record import recorded
from pipelines.storage.graph_shape import GraphShape
from quality.asset_checks import validate_table

SKR_KOMMUNGRUPPER = [f"G{n}" for n in range(92786, 92795)]


MUNICIPALITIES_SCHEMA = {"id": pl.String, "title": pl.String, "type": pl.String}
GROUPS_SCHEMA = {
    "group_id": pl.String, "title": pl.String, "member_id": pl.String, "member_title": pl.String,
}  # fmt: skip


def _read_municipalities(r: Reading) -> tuple[pl.DataFrame, dict]:
    with r.client.client() as client:
        items = client.listing("municipality")
    rows = [{k: i.get(k) for k in MUNICIPALITIES_SCHEMA} for i in items]
    return pl.DataFrame(rows, schema=MUNICIPALITIES_SCHEMA), {}


raw_kolada__municipalities = source_table(
    SourceTable(
        name="raw_kolada__municipalities",
        source="kolada",
        description="Kolada municipalities (/v3/municipality): kommuner, regions and Riket.",
        comment="Kolada municipality list (Källa: Kolada).",
        schema=MUNICIPALITIES_SCHEMA,
        read=_read_municipalities,
    )
)


def _members(groups: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"group_id": g["id"], "title": g["title"], "member_id": m["member_id"],
             "member_title": m.get("member_title")}
            for g in groups
            for m in g.get("members", [])
        ],
        schema=GROUPS_SCHEMA,
    )  # fmt: skip


def _read_municipality_groups(r: Reading) -> tuple[pl.DataFrame, dict]:
    with r.client.client() as client:
        groups = client.municipality_groups(SKR_KOMMUNGRUPPER)
    missing = sorted(set(SKR_KOMMUNGRUPPER) - {g["id"] for g in groups})
    if missing:
        raise dg.Failure(f"Kolada did not return municipality groups {', '.join(missing)}")
    return _members(groups), {"groups": len(groups)}


raw_kolada__municipality_groups = source_table(
    SourceTable(
        name="raw_kolada__municipality_groups",
        source="kolada",
        description="Kolada municipality groups with members, incl. SKR kommungrupper "
        "G92786-G92794 (group values are unweighted means of members).",
        comment="Kolada municipality groups, one row per member.",
        schema=GROUPS_SCHEMA,
        read=_read_municipality_groups,
    )
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


def _read_kpi_groups(r: Reading) -> tuple[pl.DataFrame, dict]:
    wanted = [g.kpi_group for g in r.study.catalog().kpi_groups]
    groups = []
    if wanted:
        with r.client.client() as client:
            groups = client.kpi_groups(wanted)
    missing = sorted(set(wanted) - {g["id"] for g in groups})
    if missing:
        raise dg.Failure(
            f"Kolada has no KPI group {', '.join(missing)} (named in the catalog "
            f"{r.study.catalog_file}); check the id with /v3/kpi_groups?title=..."
        )
    return _members(groups), {"groups": len(groups)}


raw_kolada__kpi_groups = source_table(
    SourceTable(
        name="raw_kolada__kpi_groups",
        source="kolada",
        description="The Kolada KPI groups the catalog names (e.g. GKPI118, KKiK), one row per "
        "member KPI; the catalog expands each group to its members.",
        comment="Kolada KPI groups named in the catalog.",
        schema=GROUPS_SCHEMA,
        read=_read_kpi_groups,
    )
)


def _wanted_kpis(study: Settings, con) -> list[str]:
    explicit = [i.kpi for i in study.catalog().by_source("kolada") if i.kpi]
    members = [r[0] for r in con.execute("SELECT member_id FROM raw_kolada__kpi_groups").fetchall()]
    return list(dict.fromkeys([*explicit, *members]))


def _read_kpis(r: Reading) -> tuple[pl.DataFrame, dict]:
    with r.warehouse.build() as con:
        wanted = _wanted_kpis(r.study, con)
    items = []
    if wanted:  # asking for no id would list all 6 000 KPIs
        with r.client.client() as client:
            items = client.kpis(wanted)
    frame = pl.DataFrame(
        [{k: item.get(k) for k in KPI_SCHEMA} for item in items], schema=KPI_SCHEMA
    )
    unknown = sorted(set(wanted) - set(frame["id"].to_list()))
    return frame, {"asked_for": len(wanted), "unknown": ", ".join(unknown) or "none"}


raw_kolada__kpis = source_table(
    SourceTable(
        name="raw_kolada__kpis",
        source="kolada",
        deps=(raw_kolada__kpi_groups,),
        description="Metadata of every KPI the catalog asks for (title, description, operating "
        "area, perspective, gender division, publication dates), from /v3/kpi.",
        comment="Kolada KPI metadata (/v3/kpi), Källa: Kolada.",
        schema=KPI_SCHEMA,
        read=_read_kpis,
    )
)


raw_kolada__values = dg.AssetKey("raw_kolada__values")
raw_kolada__pull_log = dg.AssetKey("raw_kolada__pull_log")


def _pull_values(r: Reading) -> Pulled:
    """Values changed since the last pull (from_date), for every kommun, group and Riket."""
    kolada, wh, context = r.client, r.warehouse, r.context
    provenance, recorded_on = kolada.provenance("kolada")
    today = date.today().isoformat()
    with wh.build() as con:
        kpis = _wanted_kpis(r.study, con)
        known_kpis = {row[0] for row in con.execute("SELECT id FROM raw_kolada__kpis").fetchall()}
        munis = [
            row[0]
            for row in con.execute(
                "SELECT id FROM raw_kolada__municipalities WHERE type = 'K' ORDER BY id"
            ).fetchall()
        ]
        known_munis = {
            row[0]
            for row in con.execute(
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
            r.study.study_years,
            previous_history=wh.read_published("raw_kolada__values"),
            previous_log=wh.read_published("raw_kolada__pull_log"),
            known_kpis=known_kpis,
            known_municipalities=known_munis,
            vintage=recorded_on or today,
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
    if result.unknown_kpis:
        context.log.warning(f"Kolada does not know KPI id(s): {', '.join(result.unknown_kpis)}")
    current = result.history.filter(pl.col("is_current") & ~pl.col("isdeleted")).height
    return Pulled(
        result.history,
        result.log,
        {
            "current_rows": current,
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


raw_kolada__values_and_log = incremental_source(
    IncrementalSource(
        name="raw_kolada__values",
        source="kolada",
        values=dg.AssetSpec(
            raw_kolada__values,
            deps=[raw_kolada__municipalities, raw_kolada__municipality_groups, raw_kolada__kpis],
            kinds={"duckdb", "polars"},
            description="Kolada KPI values for every kommun, the SKR kommungrupper and Riket: "
            "one row per KPI x municipality x year x gender (T total, K women, M men) and "
            "version. Pulled with from_date after the first run; deletions stay in the history "
            "(is_current, isdeleted).",
        ),
        log=dg.AssetSpec(
            raw_kolada__pull_log,
            deps=[raw_kolada__kpis],
            kinds={"duckdb"},
            description="One row per KPI and pull: full or incremental (from_date), rows "
            "received, whether Kolada knows the id; the next pull starts from it.",
        ),
        values_comment="Kolada values (API v3), every version; the current view is is_current "
        "AND NOT isdeleted. Group values (G...) are unweighted means of members. Källa: Kolada.",
        log_comment="One row per KPI and pull: full or incremental (from_date), rows received, "
        "and whether Kolada knows the KPI id.",
        history_schema=HISTORY_SCHEMA,
        log_schema=LOG_SCHEMA,
        pull=_pull_values,
    )
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
    from quality.schemas import kolada_values  # pandera (and pandas) load when a check runs

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
