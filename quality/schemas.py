"""pandera schemas for the raw frames, run as blocking Dagster asset checks.

A failure stops everything downstream, including the publish, so a broken fetch can never replace
the last good warehouse.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

# Municipality codes (4 digits) and SSB's KOSTRA pseudo-regions.
NO_REGION = r"^(\d{4}|0|EAK|EAKUO|EKA\d{2}|EKG\d{2})$"
SE_REGION = r"^(\d{4}|G\d+)$"
STATUS_SYMBOLS = [".", "..", ":", "...", "-", "*"]


def _one_current_version(data: pa.PolarsData) -> pl.LazyFrame:
    """Each cell has exactly one current version; older releases are kept but not current."""
    key = ["table_id", "contents_code", "fixed", "region_code", "period"]
    return data.lazyframe.select(
        (pl.col("is_current").cast(pl.Int32).sum().over(key) == 1).alias("one_current")
    )


def _null_has_reason(data: pa.PolarsData) -> pl.LazyFrame:
    """A cell with a status symbol carries no number, so no symbol is ever read as a value."""
    return data.lazyframe.select(pl.col("status").is_null() | pl.col("value").is_null())


ssb_kostra_values = pa.DataFrameSchema(
    {
        "table_id": pa.Column(str, pa.Check.str_matches(r"^\d{5}$")),
        "contents_code": pa.Column(str, pa.Check.str_length(min_value=1)),
        "fixed": pa.Column(str),
        "region_code": pa.Column(str, pa.Check.str_matches(NO_REGION)),
        "region_label": pa.Column(str),
        "period": pa.Column(str, pa.Check.str_matches(r"^(19|20)\d{2}$")),
        "value": pa.Column(pl.Float64, nullable=True),
        "status": pa.Column(str, pa.Check.isin(STATUS_SYMBOLS), nullable=True),
        "unit": pa.Column(str, nullable=True),
        "vintage": pa.Column(str, pa.Check.str_matches(r"^\d{4}-\d{2}(-\d{2})?$")),
        "archive_id": pa.Column(str, pa.Check.str_matches(r"^[0-9a-f]{64}$")),
        "provenance": pa.Column(
            str, pa.Check.isin(["live", "snapshot:recorded", "snapshot:real", "snapshot:synthetic"])
        ),
        "is_current": pa.Column(bool),
    },
    checks=[
        pa.Check(_null_has_reason, name="status_only_on_missing_values"),
        pa.Check(_one_current_version, name="one_current_version_per_cell"),
    ],
    unique=["table_id", "contents_code", "fixed", "region_code", "period", "vintage"],
    strict=False,
    name="raw_ssb__kostra_values",
)

klass_codes = pa.DataFrameSchema(
    {
        "classification": pa.Column(pl.Int32, pa.Check.isin([131, 104])),
        "year": pa.Column(pl.Int32, pa.Check.in_range(1990, 2100)),
        "code": pa.Column(str),
        "name": pa.Column(str, pa.Check.str_length(min_value=1)),
    },
    checks=[
        pa.Check(
            lambda d: d.lazyframe.select(
                pl.when(pl.col("classification") == 131)
                .then(pl.col("code").str.contains(r"^\d{4}$"))
                .otherwise(pl.col("code").str.contains(r"^\d{2}$"))
            ),
            name="municipality_4_digits_county_2_digits",
        )
    ],
    unique=["classification", "year", "code"],
    strict=False,
    name="raw_klass__region_codes",
)

kolada_values = pa.DataFrameSchema(
    {
        "kpi": pa.Column(str, pa.Check.str_matches(r"^[NU]\d{5}$")),
        "municipality": pa.Column(str, pa.Check.str_matches(SE_REGION)),
        "period": pa.Column(pl.Int32, pa.Check.in_range(1990, 2100)),
        "gender": pa.Column(str, pa.Check.isin(["T", "K", "M"])),
        "value": pa.Column(pl.Float64, nullable=True),
        "count": pa.Column(pl.Int64, pa.Check.ge(0), nullable=True),
        "status": pa.Column(str, nullable=True),
        "isdeleted": pa.Column(bool),
        "vintage": pa.Column(str, pa.Check.str_matches(r"^\d{4}-\d{2}(-\d{2})?$")),
        # empty only on a deletion found by a full pull (no response carried it)
        "archive_id": pa.Column(str, pa.Check.str_matches(r"^([0-9a-f]{64})?$")),
        "is_current": pa.Column(bool),
    },
    checks=[
        pa.Check(
            lambda d: d.lazyframe.select(
                (
                    pl.col("is_current")
                    .cast(pl.Int32)
                    .sum()
                    .over(["kpi", "municipality", "period", "gender"])
                    == 1
                ).alias("one_current")
            ),
            name="one_current_version_per_value",
        ),
        pa.Check(
            lambda d: d.lazyframe.select((pl.col("archive_id") != "") | pl.col("isdeleted")),
            name="archive_id_on_every_value",
        ),
    ],
    unique=["kpi", "municipality", "period", "gender", "vintage"],
    strict=False,
    name="raw_kolada__values",
)
