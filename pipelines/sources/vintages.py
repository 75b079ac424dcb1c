"""Release vintages: every published version of a value is kept, the latest is current.

SSB publishes unrevised KOSTRA figures on 15 March and revised ones on 15 June, and the API does
not flag which is which; only the table's `updated` tells them apart. Kolada revises and deletes
values between pulls. A value that changes becomes a second row with the later vintage; the
earlier row stays, marked not current, so last year's annual report can be reproduced with the
numbers it used. A Kolada deletion is a current row with `isdeleted` true: gone from the current
view, kept in the history.
"""

from __future__ import annotations

import polars as pl

SSB_KEY = ["table_id", "contents_code", "fixed", "region_code", "period"]
SSB_COMPARED = ["value", "status"]


def merge_release(
    history: pl.DataFrame | None,
    fetched: pl.DataFrame,
    key: list[str] = SSB_KEY,
    compared: list[str] = SSB_COMPARED,
) -> pl.DataFrame:
    """Add a fetched release to the history: new or changed cells become current versions.

    `fetched` carries its release date in `vintage`. A cell whose value and status are unchanged
    keeps its earlier vintage (the release that first published it). Cells not in `fetched` are
    left as they are. Re-fetching the same release replaces that release's rows.
    """
    fetched = fetched.with_columns(pl.lit(True).alias("is_current"))
    if history is None or history.is_empty():
        return fetched
    current = history.filter(pl.col("is_current")).select(
        *key, *(pl.col(c).alias(f"_prev_{c}") for c in compared), pl.lit(True).alias("_seen")
    )
    joined = fetched.join(current, on=key, how="left", nulls_equal=True)
    differs = pl.col("_seen").is_null()
    for c in compared:
        differs = differs | ~pl.col(c).eq_missing(pl.col(f"_prev_{c}"))
    changed = joined.filter(differs).drop(*(f"_prev_{c}" for c in compared), "_seen")
    if changed.is_empty():
        return history
    marks = changed.select(
        *key, pl.col("vintage").alias("_new_vintage"), pl.lit(True).alias("_hit")
    )
    kept = (
        history.join(marks, on=key, how="left", nulls_equal=True)
        .filter(~(pl.col("_hit").fill_null(False) & (pl.col("vintage") == pl.col("_new_vintage"))))
        .with_columns(
            pl.when(pl.col("_hit").fill_null(False))
            .then(pl.lit(False))
            .otherwise(pl.col("is_current"))
            .alias("is_current")
        )
        .drop("_new_vintage", "_hit")
    )
    return pl.concat([kept, changed.select(kept.columns)], how="vertical_relaxed")
