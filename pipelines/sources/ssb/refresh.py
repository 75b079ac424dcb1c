"""One KOSTRA refresh: check each table's `updated`, fetch only what changed, keep every vintage.

The previous state (value history and fetch log) comes from the last published warehouse, so a
refresh that fails never counts as a fetch. A table whose `updated` equals the last fetch, with the
same contents codes and years already held, costs one small info request and no data request.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import polars as pl

from pipelines.settings.catalog import Indicator
from pipelines.sources.ssb.jsonstat import decode, parse_dataset
from pipelines.sources.ssb.pxweb import DataRequest, PxWebApi, TableMeta, lower_bound, plan_requests
from pipelines.sources.vintages import merge_release

HISTORY_SCHEMA = {
    "table_id": pl.String,
    "contents_code": pl.String,
    "fixed": pl.String,
    "region_code": pl.String,
    "region_label": pl.String,
    "period": pl.String,
    "value": pl.Float64,
    "status": pl.String,
    "unit": pl.String,
    "decimals": pl.Int64,
    "vintage": pl.String,
    "updated": pl.String,
    "archive_id": pl.String,
    "provenance": pl.String,
    "is_current": pl.Boolean,
}
LOG_SCHEMA = {
    "run_id": pl.String,
    "checked_at": pl.String,
    "table_id": pl.String,
    "fixed": pl.String,
    "contents_code": pl.String,
    "table_updated": pl.String,
    "years": pl.String,
    "action": pl.String,
    "data_requests_planned": pl.Int64,
    "data_requests_lower_bound": pl.Int64,
    "data_requests_made": pl.Int64,
    "cells": pl.Int64,
    "provenance": pl.String,  # live, snapshot:recorded, snapshot:real or snapshot:synthetic
    "values_from": pl.String,  # where a snapshot table's values come from (repository, path)
}


@dataclass(frozen=True)
class SeriesSpec:
    """One catalog series of a table: a contents code, the fixed value of some dimensions and
    the values summed over in others (ages 1-5, functions 244+251+252)."""

    contents: str
    fixed: tuple[tuple[str, str], ...]
    summed: tuple[tuple[str, tuple[str, ...]], ...]
    text: str  # as written in the warehouse's `fixed` column (Indicator.fixed_text)


@dataclass(frozen=True)
class FetchGroup:
    """The catalog series one table serves, fetched together to spend as few requests as possible.

    Series that fix or sum the same dimensions are merged: the request asks for the union of
    their values, and only the catalog's series are kept (and summed) from the answer.
    """

    table: str
    region_dimension: str
    fixed: tuple[tuple[str, tuple[str, ...]], ...]  # dimension -> values asked for
    specs: tuple[SeriesSpec, ...]
    indicator_ids: tuple[str, ...]

    @property
    def series(self) -> tuple[tuple[str, str], ...]:
        """(contents code, fixed text) of each series the catalog wants."""
        return tuple((spec.contents, spec.text) for spec in self.specs)

    @property
    def contents(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(spec.contents for spec in self.specs))

    @property
    def label(self) -> str:
        dims = ",".join(
            f"{d}={'+'.join(v) if len(v) < 6 else f'{len(v)} values'}" for d, v in self.fixed
        )
        return f"{self.table}" + (f" [{dims}]" if dims else "")


def fetch_groups(tables: dict[str, list[Indicator]]) -> list[FetchGroup]:
    groups: dict[tuple[str, str, tuple[str, ...]], list[Indicator]] = {}
    for table, indicators in tables.items():
        for ind in indicators:
            key = (table, ind.region_dimension, tuple(sorted({*ind.fixed, *ind.sum_over})))
            groups.setdefault(key, []).append(ind)
    out = []
    for (table, region_dim, dims), inds in groups.items():
        asked = {
            dim: tuple(
                dict.fromkeys(
                    code
                    for i in inds
                    for code in ((i.fixed[dim],) if dim in i.fixed else i.sum_over[dim])
                )
            )
            for dim in dims
        }
        specs = tuple(
            dict.fromkeys(
                SeriesSpec(
                    i.contents_code or "",
                    tuple(sorted(i.fixed.items())),
                    tuple(sorted(i.sum_over.items())),
                    i.fixed_text,
                )
                for i in inds
            )
        )
        out.append(
            FetchGroup(table, region_dim, tuple(asked.items()), specs, tuple(i.id for i in inds))
        )
    return out


@dataclass
class RefreshResult:
    history: pl.DataFrame
    log: pl.DataFrame
    planned: int = 0
    lower_bound: int = 0
    made: int = 0
    tables_fetched: list[str] = field(default_factory=list)
    tables_unchanged: list[str] = field(default_factory=list)


def _selection(group: FetchGroup, meta: TableMeta, years: list[str]) -> dict[str, list[str]]:
    """The full selection for a group, or a clear error naming the catalog entries."""
    who = f"catalog {', '.join(group.indicator_ids)} (SSB table {group.table})"
    contents = meta.codes("ContentsCode")
    unknown = [c for c in group.contents if c not in contents]
    if unknown:
        raise ValueError(
            f"{who}: ContentsCode {', '.join(unknown)} not in the table; it has "
            f"{', '.join(contents)}"
        )
    selection: dict[str, list[str]] = {}
    fixed = dict(group.fixed)
    for var, codes in meta.variables.items():
        if var == group.region_dimension:
            selection[var] = codes
        elif var == "ContentsCode":
            selection[var] = list(group.contents)
        elif var == "Tid":
            selection[var] = years
        elif var in fixed:
            missing = [v for v in fixed[var] if v not in codes]
            if missing:
                raise ValueError(f"{who}: {var}={', '.join(missing)} is not a value of the table")
            selection[var] = list(fixed[var])
        else:
            raise ValueError(f"{who}: the table also has {var}; fix a value for it under `fixed`")
    extra = set(fixed) - set(meta.variables)
    if extra:
        raise ValueError(f"{who}: the table has no variable {', '.join(sorted(extra))}")
    if group.region_dimension not in meta.variables:
        raise ValueError(f"{who}: the table has no region variable {group.region_dimension}")
    return selection


def _cells_frame(
    payload: dict, group: FetchGroup, archive_id: str, provenance: str
) -> pl.DataFrame:
    cells = decode(payload)
    region = group.region_dimension
    frames = []
    for spec in group.specs:
        part = cells.filter(pl.col("ContentsCode").cast(pl.String) == spec.contents)
        for dim, code in spec.fixed:
            part = part.filter(pl.col(dim).cast(pl.String) == code)
        for dim, codes in spec.summed:
            part = part.filter(pl.col(dim).cast(pl.String).is_in(list(codes)))
        part = part.select(
            pl.col(region).cast(pl.String).alias("region_code"),
            pl.col(f"{region}__label").cast(pl.String).alias("region_label"),
            pl.col("Tid").cast(pl.String).alias("period"),
            pl.col("value").cast(pl.Float64),
            pl.col("status").cast(pl.String),
            pl.col("unit").cast(pl.String),
            pl.col("decimals").cast(pl.Int64),
            pl.col("updated").cast(pl.String),
            pl.col("table_id").cast(pl.String),
        )
        if spec.summed:
            # a sum is known only when every part is: otherwise no value, the parts' symbol kept
            part = part.group_by("region_code", "period", maintain_order=True).agg(
                pl.col("region_label").first(),
                pl.when(pl.col("value").null_count() == 0)
                .then(pl.col("value").sum())
                .otherwise(None)
                .alias("value"),
                pl.when(pl.col("value").null_count() > 0)
                .then(pl.col("status").drop_nulls().first().fill_null(".."))
                .otherwise(None)
                .alias("status"),
                pl.col("unit").first(),
                pl.col("decimals").first(),
                pl.col("updated").first(),
                pl.col("table_id").first(),
            )
        frames.append(
            part.with_columns(
                pl.lit(spec.contents).alias("contents_code"), pl.lit(spec.text).alias("fixed")
            )
        )
    out = pl.concat(frames, how="diagonal_relaxed")
    return out.select(
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
        pl.col("updated").str.slice(0, 10).alias("vintage"),
        "updated",
        pl.lit(archive_id).alias("archive_id"),
        pl.lit(provenance).alias("provenance"),
    )


def _already_held(
    log: pl.DataFrame | None, group: FetchGroup, updated: str | None, years: list[str]
) -> bool:
    if log is None or log.is_empty() or not updated:
        return False
    wanted = pl.DataFrame(
        {"contents_code": [c for c, _ in group.series], "fixed": [f for _, f in group.series]}
    )
    last = (
        log.filter(
            (pl.col("table_id") == group.table) & pl.col("action").is_in(["fetched", "unchanged"])
        )
        .join(wanted, on=["contents_code", "fixed"], how="semi")
        .sort("checked_at")
        .group_by("contents_code", "fixed")
        .last()
    )
    if last.height != len(group.series):
        return False
    for row in last.iter_rows(named=True):
        if row["table_updated"] != updated or not set(years) <= set(row["years"].split(",")):
            return False
    return True


def refresh_kostra(
    client: PxWebApi,
    groups: list[FetchGroup],
    years: list[int],
    *,
    previous_history: pl.DataFrame | None,
    previous_log: pl.DataFrame | None,
    provenance: str,
    run_id: str,
    log: Callable[[str], None] = lambda _: None,
    force: bool = False,
    table_provenance: Mapping[str, tuple[str, str]] | None = None,
    next_year_tables: Collection[str] = (),
) -> RefreshResult:
    """Fetch what changed. `table_provenance` overrides the provenance per table (a snapshot
    whose population table is real while the others are synthetic): table -> (label, source).
    `next_year_tables` count population at 1 January: they are fetched for the year after the
    last too, since the last year's figures divide by its 31.12 population (1.1 of the next)."""
    per_table = dict(table_provenance or {})
    history = (
        previous_history if previous_history is not None else pl.DataFrame(schema=HISTORY_SCHEMA)
    )
    result = RefreshResult(history=history, log=pl.DataFrame(schema=LOG_SCHEMA))
    log_rows: list[dict] = []
    now = datetime.now(UTC).isoformat(timespec="seconds")
    max_cells: int | None = None
    updated_at: dict[str, str | None] = {}
    for group in groups:
        if group.table not in updated_at:
            updated_at[group.table] = client.table_updated(group.table)
        updated = updated_at[group.table]
        wanted_years = [str(y) for y in years]
        if group.table in next_year_tables and years:
            wanted_years.append(str(max(years) + 1))
        if not force and _already_held(previous_log, group, updated, wanted_years):
            log(f"SSB {group.label}: unchanged since {updated}; no data request")
            result.tables_unchanged.append(group.table)
            for code, fixed in group.series:
                log_rows.append(
                    dict(
                        run_id=run_id, checked_at=now, table_id=group.table,
                        fixed=fixed, contents_code=code, table_updated=updated,
                        years=",".join(wanted_years), action="unchanged",
                        data_requests_planned=0, data_requests_lower_bound=0,
                        data_requests_made=0, cells=0,
                        provenance=per_table.get(group.table, (provenance, ""))[0],
                        values_from=per_table.get(group.table, (provenance, ""))[1] or None,
                    )
                )  # fmt: skip
            continue
        if max_cells is None:
            max_cells = client.max_cells()
        meta = client.table_meta(group.table)
        table_years = [y for y in wanted_years if y in meta.codes("Tid")]
        selection = _selection(group, meta, table_years)
        split_vars = ["Tid", group.region_dimension, "ContentsCode"]
        requests: list[DataRequest] = plan_requests(group.table, selection, max_cells, split_vars)
        cells = sum(r.cells for r in requests)
        bound = lower_bound(cells, max_cells)
        result.planned += len(requests)
        result.lower_bound += bound
        frames = []
        for n, request in enumerate(requests, 1):
            log(f"SSB {group.label}: data request {n}/{len(requests)} ({request.cells} cells)")
            payload, archive_id = client.data(request, parse=parse_dataset)
            label = per_table.get(group.table, (provenance, ""))[0]
            frames.append(_cells_frame(payload, group, archive_id, label))
        result.made += len(requests)
        fetched = pl.concat(frames)
        history = merge_release(history, fetched)
        result.tables_fetched.append(group.table)
        for code, fixed in group.series:
            log_rows.append(
                dict(
                    run_id=run_id, checked_at=now, table_id=group.table, fixed=fixed,
                    contents_code=code, table_updated=updated, years=",".join(wanted_years),
                    action="fetched", data_requests_planned=len(requests),
                    data_requests_lower_bound=bound, data_requests_made=len(requests),
                    cells=cells, provenance=per_table.get(group.table, (provenance, ""))[0],
                    values_from=per_table.get(group.table, (provenance, ""))[1] or None,
                )
            )  # fmt: skip
    result.history = history.select(list(HISTORY_SCHEMA)).cast(HISTORY_SCHEMA)  # type: ignore[arg-type]
    new_log = pl.DataFrame(log_rows, schema=LOG_SCHEMA)
    result.log = (
        pl.concat([previous_log, new_log], how="diagonal_relaxed").select(list(LOG_SCHEMA))
        if previous_log is not None
        else new_log
    )
    return result
