"""pandera schemas for the raw frames, run as blocking Dagster asset checks.

A failure stops everything downstream, including the publish, so a broken fetch can never replace
the last good warehouse.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

# Municipality codes (4 digits) and SSB's KOSTRA pseudo-regions.
NO_REGION = r"^(\d{4}|EAK|EAKUO|EKA\d{2}|EKG\d{2})$"
SE_REGION = r"^(\d{4}|G\d+)$"
STATUS_SYMBOLS = [".", "..", ":", "...", "-", "*"]


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
            str, pa.Check.isin(["live", "snapshot:recorded", "snapshot:synthetic"])
        ),
    },
    checks=[pa.Check(_null_has_reason, name="status_only_on_missing_values")],
    unique=["table_id", "contents_code", "fixed", "region_code", "period", "vintage"],
    strict=False,
    name="raw_ssb__kostra_values",
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
        "vintage": pa.Column(str),
        "archive_id": pa.Column(str, pa.Check.str_matches(r"^[0-9a-f]{64}$")),
    },
    unique=["kpi", "municipality", "period", "gender", "vintage"],
    strict=False,
    name="raw_kolada__values",
)
