"""What the dashboards, the annual report and the challenge note show, read from the marts.

Only marts and public series leave the warehouse here: the municipality's own sick-leave and
survey figures come from the suppressed marts, never from `local_raw`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

import duckdb
import polars as pl

from dashboards.words import why_missing


def slug(text: str) -> str:
    text = text.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "omrade"


def _records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return frame.to_dicts()


def home(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    country, code, label = con.execute(
        "SELECT country, municipality, label FROM mart_home"
    ).fetchall()[0]
    return {"country": country, "code": code, "label": label}


def comparisons(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql(
        "SELECT m.*, CASE WHEN m.release = 'latest' THEN s.status END AS target_status, "
        "s.target FROM mart_comparisons AS m LEFT JOIN mart_scorecard AS s "
        "USING (indicator_id, year) "
        # grunnlagstall (absolute counts and amounts) are not compared across places of other sizes
        "WHERE m.indicator_kind = 'nøkkeltall' "
        "ORDER BY service_area, indicator_id, year, peer_set, release"
    ).pl()


def rankings(con: duckdb.DuckDBPyConnection, ids: list[str] | None = None) -> pl.DataFrame:
    """Members' values per indicator, year and peer set (home included), for the ranked bars:
    the rows mart_peer_values ranked (nøkkeltall only), as mart_comparisons counted them.
    ids: only these indicators (one page's: at national scale all of them are 12 M rows)."""
    only = "" if ids is None else "AND indicator_id IN (SELECT unnest(?::VARCHAR[])) "
    return con.sql(
        "SELECT release, peer_set, indicator_id, year, region_code, region_label, value, is_home "
        f"FROM mart_peer_values WHERE rank IS NOT NULL {only}"
        "ORDER BY release, peer_set, indicator_id, year, value DESC",
        params=None if ids is None else [ids],
    ).pl()


def sick_leave(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Own figures, already suppressed (mart_local__sick_leave)."""
    return con.sql(
        "SELECT level, unit_name, service_area, period, employees, sick_leave_rate, "
        "suppressed_by FROM mart_local__sick_leave "
        "ORDER BY service_area, level DESC, unit_name, period"
    ).pl()


def area_payload(
    area: str, comps: pl.DataFrame, ranks: pl.DataFrame, home_info: dict[str, str]
) -> dict[str, Any]:
    rows = comps.filter(pl.col("service_area") == area)
    ids = rows["indicator_id"].unique().to_list()
    indicators = (
        rows.select("indicator_id", "label", "unit", "higher_is_better", "attribution")
        .unique("indicator_id")
        .sort("indicator_id")
    )
    keep = [
        "release", "release_kind", "indicator_id", "year", "vintage", "peer_set",
        "is_default_peer_set", "peer_label", "peer_method", "home_value", "peer_value", "gap_abs",
        "gap_pct", "gap_is_good", "home_trend_3y", "home_rank", "n_ranked", "target",
        "target_status", "provenance", "home_harmonisation",
    ]  # fmt: skip
    lang = "sv" if home_info.get("country") == "SE" else "no"
    # why the home has no figure, in the home's language (the harmonisation is analysts' text)
    said = {h: why_missing(h, lang) or None for h in rows["home_harmonisation"].unique()}
    rows = rows.with_columns(
        pl.col("home_harmonisation").replace_strict(said, return_dtype=pl.String)
    )
    return {
        "area": area,
        "home": home_info,
        "indicators": _records(indicators),
        "table": columnar(rows.select(keep)),
        "ranking": ranking_scripts(ranks.filter(pl.col("indicator_id").is_in(ids))),
    }


def columnar(frame: pl.DataFrame) -> dict[str, Any]:
    """Rows as arrays under one list of column names, repeated texts (peer_method, labels,
    harmonisation) stored once and referred to by number: a page at national scale stays light.
    app.js turns it back into row objects."""
    texts = [c for c, t in frame.schema.items() if t == pl.String]
    lookup = {c: frame[c].drop_nulls().unique(maintain_order=True).to_list() for c in texts}
    coded = frame.with_columns(
        pl.col(c).replace_strict(lookup[c], list(range(len(lookup[c]))), default=None,
                                 return_dtype=pl.Int32)
        for c in texts
    )  # fmt: skip
    floats = [c for c, t in coded.schema.items() if t in (pl.Float64, pl.Float32)]
    coded = coded.with_columns(pl.col(c).round(4) for c in floats)
    return {"columns": coded.columns, "texts": lookup, "data": [list(r) for r in coded.rows()]}


def ranking_scripts(ranks: pl.DataFrame) -> pl.DataFrame:
    """release, peer_set, indicator_id and `json`: the members' values of that indicator by
    year, {"2024": [[name, value, is_home], ...], ...}, compact, "<" escaped, names as
    json.dumps writes them. Written by polars, string by string: at national scale that is 12 M
    members, which as Python lists and json.dumps took most of the dashboards' time."""
    labels = ranks["region_label"].unique().to_list()
    encoded = {
        label: json.dumps(label, ensure_ascii=False).replace("<", "\\u003c")
        for label in labels
        if label is not None
    }
    name = (
        pl.when(pl.col("region_label").is_null())
        .then(pl.lit("null"))
        .otherwise(pl.col("region_label").replace_strict(encoded, default=None))
    )
    member = pl.concat_str(
        pl.lit("["), name, pl.lit(","), pl.col("value").round(3).cast(pl.String), pl.lit(","),
        pl.col("is_home").fill_null(False).cast(pl.Int8).cast(pl.String), pl.lit("]"),
    )  # fmt: skip
    keys = ["release", "peer_set", "indicator_id"]
    by_year = ranks.group_by([*keys, "year"], maintain_order=True).agg(
        member.str.join(",").alias("members")
    )
    return (
        by_year.group_by(keys, maintain_order=True)
        .agg(
            pl.concat_str(
                pl.lit('"'),
                pl.col("year").cast(pl.String),
                pl.lit('":['),
                pl.col("members"),
                pl.lit("]"),
            )
            .str.join(",")
            .alias("json")
        )
        .with_columns(pl.concat_str(pl.lit("{"), pl.col("json"), pl.lit("}")).alias("json"))
    )


def table_or_empty(con: duckdb.DuckDBPyConnection, table: str) -> pl.DataFrame:
    """A mart's rows, or an empty frame where the warehouse has none (a release made before
    the mart existed): what a page then says is "nothing", not an error. Looked up by name, so
    a home's database finds the national mart behind its own (search path)."""
    try:
        return con.sql(f'SELECT * FROM "{table}"').pl()
    except duckdb.CatalogException:
        return pl.DataFrame()
