"""Release vintages: every published version of a KOSTRA value is kept, the latest is current.

SSB publishes unrevised figures on 15 March and revised ones on 15 June, and the API does not flag
which is which; only the table's `updated` tells them apart. A value that changes between releases
becomes a second row with the later vintage; the earlier row stays, marked not current, so last
year's annual report can be reproduced with the numbers it used.
"""

from __future__ import annotations

import polars as pl

KEY = ["table_id", "contents_code", "fixed", "region_code", "period"]


def merge_release(history: pl.DataFrame | None, fetched: pl.DataFrame) -> pl.DataFrame:
    """Add a fetched release to the history: new or changed cells become current versions.

    `fetched` carries its release date in `vintage`. A cell whose value and status are unchanged
    keeps its earlier vintage (the release that first published it). Cells not in `fetched` are
    left as they are. Re-fetching the same release replaces that release's rows.
    """
    fetched = fetched.with_columns(pl.lit(True).alias("is_current"))
    if history is None or history.is_empty():
        return fetched
    current = history.filter(pl.col("is_current")).select(
        *KEY,
        pl.col("value").alias("_prev_value"),
        pl.col("status").alias("_prev_status"),
        pl.lit(True).alias("_seen"),
    )
    compared = fetched.join(current, on=KEY, how="left", nulls_equal=True)
    changed = compared.filter(
        pl.col("_seen").is_null()
        | ~pl.col("value").eq_missing(pl.col("_prev_value"))
        | ~pl.col("status").eq_missing(pl.col("_prev_status"))
    ).drop("_prev_value", "_prev_status", "_seen")
    if changed.is_empty():
        return history
    marks = changed.select(
        *KEY, pl.col("vintage").alias("_new_vintage"), pl.lit(True).alias("_hit")
    )
    kept = (
        history.join(marks, on=KEY, how="left", nulls_equal=True)
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
