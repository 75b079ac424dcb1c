"""One Kolada pull: incremental by `from_date` per KPI, merged into a history of versions.

Kolada answers `from_date` queries with the values updated since that date, each carrying
`isdeleted`. Updates become new current versions; a deletion becomes a current row with
`isdeleted` true, so it leaves the current view but stays in the history. A full pull (first run,
or on demand) also turns values that have disappeared into deletions. Kolada answers an unknown id
with an empty list, so the pull checks what came back against what was asked.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import polars as pl

from pipelines.sources.kolada.client import (
    PER_PAGE,
    DataQuery,
    KoladaClient,
    chunks,
    pages_needed,
    plan_data_queries,
    plan_national_queries,
    requests_lower_bound,
)
from pipelines.sources.vintages import merge_release

KEY = ["kpi", "municipality", "period", "gender"]
COMPARED = ["value", "status", "count", "isdeleted"]
HISTORY_SCHEMA = {
    "kpi": pl.String,
    "municipality": pl.String,
    "period": pl.Int32,
    "gender": pl.String,
    "value": pl.Float64,
    "count": pl.Int64,
    "status": pl.String,
    "isdeleted": pl.Boolean,
    "vintage": pl.String,
    "archive_id": pl.String,
    "provenance": pl.String,
    "is_current": pl.Boolean,
}
LOG_SCHEMA = {
    "run_id": pl.String,
    "pulled_at": pl.String,
    "pulled_on": pl.String,
    "kpi": pl.String,
    "mode": pl.String,
    "from_date": pl.String,
    "rows": pl.Int64,
    "known_to_kolada": pl.Boolean,
}


@dataclass
class PullResult:
    history: pl.DataFrame
    log: pl.DataFrame
    planned_requests: int = 0
    lower_bound: int = 0
    rows_received: int = 0
    rows_changed: int = 0
    unknown_kpis: list[str] = field(default_factory=list)
    unknown_municipalities: list[str] = field(default_factory=list)


def rows_from_pages(pages, vintage: str, provenance: str) -> pl.DataFrame:
    rows = []
    for page in pages:
        for item in page.values:
            for v in item.get("values", []):
                rows.append(
                    {
                        "kpi": item["kpi"],
                        "municipality": str(item["municipality"]),
                        "period": int(item["period"]),
                        "gender": v.get("gender"),
                        "value": v.get("value"),
                        "count": v.get("count"),
                        "status": v.get("status") or None,
                        "isdeleted": bool(v.get("isdeleted", False)),
                        "vintage": vintage,
                        "archive_id": page.archive_id,
                        "provenance": provenance,
                    }
                )
    schema = {k: v for k, v in HISTORY_SCHEMA.items() if k != "is_current"}
    return pl.DataFrame(rows, schema=schema)


def last_pulls(log: pl.DataFrame | None) -> dict[str, str]:
    """KPI -> date of its last successful pull (the log comes from the published warehouse)."""
    if log is None or log.is_empty():
        return {}
    done = log.filter(pl.col("mode").is_in(["full", "incremental"]))
    return dict(done.group_by("kpi").agg(pl.col("pulled_on").max()).iter_rows())


def _disappeared(
    history: pl.DataFrame, pulled: pl.DataFrame, kpis: Sequence[str], munis: Sequence[str],
    years: Sequence[int], vintage: str, provenance: str,
) -> pl.DataFrame:  # fmt: skip
    """Current values in a full pull's scope that Kolada no longer has: deletions."""
    scope = history.filter(
        pl.col("is_current")
        & ~pl.col("isdeleted")
        & pl.col("kpi").is_in(list(kpis))
        & pl.col("municipality").is_in(list(munis))
        & pl.col("period").is_in(list(years))
    )
    gone = scope.join(pulled, on=KEY, how="anti", nulls_equal=True)
    return gone.select(
        *KEY,
        pl.lit(None, pl.Float64).alias("value"),
        pl.lit(None, pl.Int64).alias("count"),
        pl.lit(None, pl.String).alias("status"),
        pl.lit(True).alias("isdeleted"),
        pl.lit(vintage).alias("vintage"),
        pl.lit("").alias("archive_id"),
        pl.lit(provenance).alias("provenance"),
    )


def _groups_if_left_out(
    client: KoladaClient, query: DataQuery, frame: pl.DataFrame, items: int, extras: list[str],
    from_date: str | None, vintage: str, provenance: str, result: PullResult,
) -> list[pl.DataFrame]:  # fmt: skip
    """A server that leaves group values (G...) out of a national answer is asked for them by id:
    one more request per KPI chunk, only when the answer had rows but not one wanted group."""
    groups = [m for m in extras if m.startswith("G")]
    if not items or not groups:
        return []
    seen = set(frame["municipality"].unique().to_list())
    if seen & set(groups):
        return []
    missing = [m for m in extras if m not in seen]
    frames = []
    for ids in chunks(missing):
        follow = DataQuery(query.kpis, ids, query.years)
        pages = list(client.data(follow, from_date))
        result.lower_bound += max(1, math.ceil(sum(len(p.values) for p in pages) / PER_PAGE))
        frames.append(rows_from_pages(pages, vintage, provenance))
    return frames


def pull_kolada(
    client: KoladaClient,
    kpis: Sequence[str],
    municipalities: Sequence[str],
    years: Sequence[int],
    *,
    previous_history: pl.DataFrame | None,
    previous_log: pl.DataFrame | None,
    known_kpis: set[str],
    known_municipalities: set[str],
    vintage: str,
    provenance: str,
    run_id: str,
    today: str,
    full: bool = False,
    national: bool = False,
    log: Callable[[str], None] = lambda _: None,
) -> PullResult:
    """Pull the KPIs for the municipalities and years into the history.

    `national`: the municipalities are every kommun (plus groups and Riket), so the queries leave
    the municipality segment out and keep what is wanted from the answer.
    """
    history = (
        previous_history.select(list(HISTORY_SCHEMA)).cast(HISTORY_SCHEMA)  # type: ignore[arg-type]
        if previous_history is not None
        else pl.DataFrame(schema=HISTORY_SCHEMA)
    )
    kpis = list(dict.fromkeys(kpis))
    result = PullResult(history=history, log=pl.DataFrame(schema=LOG_SCHEMA))
    result.unknown_kpis = [k for k in kpis if k not in known_kpis]
    result.unknown_municipalities = [m for m in municipalities if m not in known_municipalities]
    for name, ids in (
        ("KPI", result.unknown_kpis),
        ("municipality", result.unknown_municipalities),
    ):
        if ids:
            log(f"Kolada does not know {name} id(s) {', '.join(ids)}; asking anyway")
    previous = {} if full else last_pulls(previous_log)
    by_from: dict[str | None, list[str]] = {}
    for kpi in kpis:
        by_from.setdefault(previous.get(kpi), []).append(kpi)
    returned: dict[str, int] = {k: 0 for k in kpis}
    pulled_at = datetime.now(UTC).isoformat(timespec="seconds")
    wanted = set(municipalities)
    extras = [m for m in municipalities if m.startswith("G") or m == "0000"]
    for from_date, group in by_from.items():
        if national:
            queries = plan_national_queries(group, years)
            # dense worst case, for the metadata; the real cost is ceil(rows / 5 000) per chunk
            result.planned_requests += sum(
                max(1, math.ceil(len(q.kpis) * len(municipalities) * len(q.years) / PER_PAGE))
                for q in queries
            )
        else:
            queries = plan_data_queries(group, municipalities, years)
            result.planned_requests += pages_needed(queries)
            result.lower_bound += requests_lower_bound(len(group), len(municipalities), len(years))
        frames = []
        for n, query in enumerate(queries, 1):
            if n % 10 == 1:
                log(
                    f"Kolada: query {n}/{len(queries)}"
                    + (f" from {from_date}" if from_date else "")
                )
            pages = list(client.data(query, from_date))
            items = sum(len(p.values) for p in pages)
            frame = rows_from_pages(pages, vintage, provenance)
            if national:
                result.lower_bound += max(1, math.ceil(items / PER_PAGE))
                frame = frame.filter(pl.col("municipality").is_in(list(wanted)))
                frames.extend(_groups_if_left_out(client, query, frame, items, extras, from_date,
                                                  vintage, provenance, result))  # fmt: skip
            frames.append(frame)
        pulled = pl.concat(frames) if frames else rows_from_pages([], vintage, provenance)
        result.rows_received += pulled.height
        for kpi, count in pulled.group_by("kpi").len().iter_rows():
            returned[kpi] = returned.get(kpi, 0) + count
        if from_date is None and not history.is_empty():
            pulled = pl.concat(
                [pulled, _disappeared(history, pulled, group, municipalities, years, vintage,
                                      provenance)]
            )  # fmt: skip
        before = history.height
        history = merge_release(history, pulled, KEY, COMPARED)
        result.rows_changed += history.height - before  # new versions written
    result.history = history.select(list(HISTORY_SCHEMA)).cast(HISTORY_SCHEMA)  # type: ignore[arg-type]
    new_log = pl.DataFrame(
        [
            {
                "run_id": run_id,
                "pulled_at": pulled_at,
                "pulled_on": today,
                "kpi": kpi,
                "mode": "incremental" if previous.get(kpi) else "full",
                "from_date": previous.get(kpi),
                "rows": returned.get(kpi, 0),
                "known_to_kolada": kpi in known_kpis,
            }
            for kpi in kpis
        ],
        schema=LOG_SCHEMA,
    )
    result.log = (
        pl.concat([previous_log.cast(LOG_SCHEMA), new_log]) if previous_log is not None else new_log
    )  # type: ignore[arg-type]
    return result
