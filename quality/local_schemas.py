"""pandera schemas for locally reported files, one per kind.

Each check's error text is what the user reads in the import summary, so it says the rule in
plain words. Row-level checks (`column: reason`) name the column they are about.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

import polars as pl

if TYPE_CHECKING:  # pandera (and pandas) load when a schema is built, not with its users
    import pandera.polars as pa


class FileKind(Protocol):
    """What a schema needs to know of a kind of file (pipelines.sources.local.kinds.Kind is one)."""

    name: str
    key: tuple[str, ...]
    needs_known_unit: bool


def _row_check(column: str, reason: str, expr: pl.Expr) -> pa.Check:
    """A rule across columns; failing rows are reported against `column`."""
    import pandera.polars as pa

    return pa.Check(lambda d: d.lazyframe.select(expr.fill_null(True)), error=f"{column}: {reason}")


def _duplicate_key(key: tuple[str, ...]) -> pa.Check:
    return _row_check(
        key[-1],
        f"duplicate key ({', '.join(key)}): the same key is on another row of this file",
        pl.len().over(list(key)) == 1,
    )


def _known_unit(units: set[str]) -> pa.Check:
    import pandera.polars as pa

    return pa.Check.isin(
        sorted(units), error="unknown unit: not in the units table (import it, or fix the id)"
    )


# Contracted person-days (avtalte dagsverk) per employee and month: from a small part-time post
# (half a day a month) to a post worked every calendar day. Outside it, employees or days are
# read wrong: 3 employees written `3.000` in a file with decimal commas reads as 3000, giving
# 0,02 days per employee and month.
DAYS_PER_EMPLOYEE_MONTH = (0.5, 31.0)
# A unit's employees from one period to the next: more than this factor up or down from the
# median of its other periods is a figure read or typed wrong, not a reorganisation.
EMPLOYEE_JUMP = 5.0
# Marks of the plausibility rules: the import writes the row's own reason, with its numbers and
# both readings of a number in doubt, in the home's language (pipelines/sources/local/plausible.py).
DAYS_PER_EMPLOYEE = "@days_per_employee"
JUMP = "@employee_jump"
RESPONDENTS_OVER_EMPLOYEES = "@respondents_over_employees"


def months_in(period: pl.Expr) -> pl.Expr:
    """1 for a month (2024M03), 3 for a quarter (2024K1), 12 for a year."""
    return (
        pl.when(period.str.contains("M"))
        .then(1.0)
        .when(period.str.contains("K"))
        .then(3.0)
        .otherwise(12.0)
    )


def _plausible_sick_leave(previous: Mapping[str, float]) -> list[pa.Check]:
    employees = pl.col("employees").cast(pl.Float64)
    per_month = pl.col("contracted_days") / employees / months_in(pl.col("period"))
    low, high = DAYS_PER_EMPLOYEE_MONTH
    before = pl.col("unit_id").replace_strict(previous, default=None, return_dtype=pl.Float64)
    jump = (employees > before * EMPLOYEE_JUMP) | (employees * EMPLOYEE_JUMP < before)
    # only where the figures are valid on their own (a negative count has its own reason)
    valid = (employees > 0) & (pl.col("contracted_days") > 0)
    return [
        _row_check("employees", DAYS_PER_EMPLOYEE, ~valid | per_month.is_between(low, high)),
        _row_check("employees", JUMP, ~valid | before.is_null() | (before <= 0) | ~jump),
    ]


def schema_for(
    kind: FileKind, known_units: set[str], previous: Mapping[str, float] | None = None
) -> pa.DataFrameSchema:
    """The kind's rules; `previous` is each unit's median employees in the periods already
    loaded (sick leave) or its most employees in a year (surveys), for the history rules."""
    import pandera.polars as pa

    previous = previous or {}
    unit = pa.Column(str, [_known_unit(known_units)] if kind.needs_known_unit else [])
    non_negative = pa.Check.ge(0, error="must be 0 or more")
    if kind.name == "sick_leave":
        absence = pl.col("self_certified_days") + pl.col("doctor_certified_days")
        split = pl.col("short_term_days").fill_null(0) + pl.col("long_term_days").fill_null(0)
        return pa.DataFrameSchema(
            {
                "unit_id": unit,
                "period": pa.Column(str, pa.Check.str_matches(r"^\d{4}(M(0[1-9]|1[0-2])|K[1-4])$")),
                "employees": pa.Column(pl.Int64, non_negative),
                "contracted_days": pa.Column(
                    pl.Float64, pa.Check.gt(0, error="contracted days must be above 0")
                ),
                "self_certified_days": pa.Column(pl.Float64, non_negative),
                "doctor_certified_days": pa.Column(pl.Float64, non_negative),
                "short_term_days": pa.Column(pl.Float64, non_negative, nullable=True),
                "long_term_days": pa.Column(pl.Float64, non_negative, nullable=True),
            },
            checks=[
                _row_check(
                    "doctor_certified_days",
                    "absence days (self- plus doctor-certified) above contracted days: the "
                    "rate would be over 100 %",
                    absence <= pl.col("contracted_days"),
                ),
                _row_check(
                    "long_term_days",
                    "short- plus long-term days above contracted days",
                    split <= pl.col("contracted_days"),
                ),
                *_plausible_sick_leave(previous),
                _duplicate_key(kind.key),
            ],
            strict=False,
            name=kind.name,
        )
    if kind.name in ("user_survey", "employee_survey"):
        in_scale = (pl.col("mean_score") >= 1) & (pl.col("mean_score") <= pl.col("scale_max"))
        return pa.DataFrameSchema(
            {
                "unit_id": unit,
                "year": pa.Column(pl.Int32),
                "question": pa.Column(str, pa.Check.str_length(min_value=1)),
                "respondents": pa.Column(pl.Int64, non_negative),
                "mean_score": pa.Column(pl.Float64),
                "scale_max": pa.Column(
                    pl.Int64, pa.Check.isin([4, 5, 6, 7, 10], error="scale must be 4-7 or 10")
                ),
            },
            checks=[
                _row_check(
                    "mean_score", "mean score outside the scale (1 to the scale's top)", in_scale
                ),
                _row_check(  # an employee survey is answered by at most the unit's employees
                    "respondents",
                    RESPONDENTS_OVER_EMPLOYEES,
                    pl.lit(kind.name != "employee_survey")
                    | (
                        pl.col("respondents")
                        <= pl.col("unit_id").replace_strict(
                            previous, default=None, return_dtype=pl.Float64
                        )
                    ).fill_null(True),
                ),
                _duplicate_key(kind.key),
            ],
            strict=False,
            name=kind.name,
        )
    if kind.name == "own_measure":
        parts = pl.col("numerator").is_null() == pl.col("denominator").is_null()
        ratio = pl.col("numerator") / pl.col("denominator")
        close = 0.01 * pl.col("value").abs().clip(lower_bound=1)
        consistent = ((pl.col("value") - ratio).abs() <= close) | (
            (pl.col("value") - 100 * ratio).abs() <= close
        )
        return pa.DataFrameSchema(
            {
                "unit_id": unit,
                "measure": pa.Column(
                    str,
                    pa.Check.str_matches(
                        r"^[a-z0-9_.\-]+$",
                        error="measure id: lower-case letters, digits, '_', '.', '-'",
                    ),
                ),
                "period": pa.Column(str),
                "value": pa.Column(pl.Float64),
                "numerator": pa.Column(pl.Float64, non_negative, nullable=True),
                "denominator": pa.Column(
                    pl.Float64, pa.Check.gt(0, error="must be above 0"), nullable=True
                ),
                "respondents": pa.Column(pl.Int64, non_negative, nullable=True),
                "employees": pa.Column(pl.Int64, non_negative, nullable=True),
            },
            checks=[
                _row_check("denominator", "give both numerator and denominator, or neither", parts),
                _row_check(
                    "value",
                    "is neither numerator / denominator nor that x 100 (check the three columns)",
                    consistent,
                ),
                _duplicate_key(kind.key),
            ],
            strict=False,
            name=kind.name,
        )
    if kind.name == "units":
        return pa.DataFrameSchema(
            {
                "unit_id": pa.Column(str, pa.Check.str_length(min_value=1)),
                "unit_name": pa.Column(str),
                "service_area": pa.Column(str, pa.Check.str_length(min_value=1)),
            },
            checks=[_duplicate_key(kind.key)],
            strict=False,
            name=kind.name,
        )
    return pa.DataFrameSchema(
        {
            "service_area": pa.Column(str),
            "survey": pa.Column(str),
            "survey_kind": pa.Column(
                str,
                pa.Check.isin(
                    ["bruker", "medarbeider", "user", "employee"],
                    error="type must be 'bruker' or 'medarbeider'",
                ),
            ),
            "year": pa.Column(pl.Int32),
        },
        checks=[_duplicate_key(kind.key)],
        strict=False,
        name=kind.name,
    )
