"""The plausibility rules' reasons, per row, in the home's language, with both readings.

The rules themselves are pandera checks (quality/local_schemas.py); a failing row is quarantined
with a reason a unit leader or HR can act on: the numbers the rule saw and, where a number could
be read two ways (`3.000`), what each reading gives.
"""

from __future__ import annotations

from collections.abc import Mapping

from quality.local_schemas import (
    DAYS_PER_EMPLOYEE,
    DAYS_PER_EMPLOYEE_MONTH,
    EMPLOYEE_JUMP,
    JUMP,
    RESPONDENTS_OVER_EMPLOYEES,
)

MONTHS = {"M": 1, "K": 3}
WORDS = {
    "NO": {
        "per": "{days} avtalte dagsverk per ansatt og måned",
        "band": "rimelig er {low}\u2013{high}",
        "read": "{column} «{text}» lest som {chosen}: {detail}; lest som {other}: {other_detail}",
        "days": "{employees} ansatte med {contracted} avtalte dagsverk gir {per} ({band})",
        "jump": "{employees} ansatte mot {before} i enhetens andre perioder (median): mer enn "
        "{factor} ganger så mange eller så få",
        "respondents": "{respondents} svar, men enheten har høyst {employees} ansatte",
        "fix": "rett tallet i fila og importer den på nytt",
    },
    "SE": {
        "per": "{days} avtalade dagsverken per anställd och månad",
        "band": "rimligt är {low}\u2013{high}",
        "read": "{column} ”{text}” läst som {chosen}: {detail}; läst som {other}: {other_detail}",
        "days": "{employees} anställda med {contracted} avtalade dagsverken ger {per} ({band})",
        "jump": "{employees} anställda mot {before} i enhetens andra perioder (median): mer än "
        "{factor} gånger så många eller så få",
        "respondents": "{respondents} svar, men enheten har högst {employees} anställda",
        "fix": "rätta talet i filen och importera den igen",
    },
}


def _n(value: float, decimals: int = 1) -> str:
    text = f"{value:,.{decimals}f}".replace(",", " ").replace(".", ",")
    return text.removesuffix(",0") if decimals == 1 else text


def _months(period: str) -> int:
    return next((m for mark, m in MONTHS.items() if mark in period), 12)


def _days(row: Mapping, employees: float, w: dict) -> str:
    low, high = DAYS_PER_EMPLOYEE_MONTH
    per = row["contracted_days"] / employees / _months(row["period"]) if employees else 0.0
    per_text = w["per"].format(days=_n(per, 2))
    band = w["band"].format(low=_n(low), high=_n(high))
    plausible = low <= per <= high
    return w["days"].format(
        employees=_n(employees), contracted=_n(row["contracted_days"]), per=per_text, band=band
    ) + ("" if not plausible else " ✓")


def reason(mark: str, row: Mapping, previous: Mapping[str, float], country: str) -> str:
    """The reason a row fails a plausibility rule, with its numbers and both readings."""
    w = WORDS.get(country, WORDS["NO"])
    if mark == RESPONDENTS_OVER_EMPLOYEES:
        return w["respondents"].format(
            respondents=_n(row["respondents"]), employees=_n(previous.get(row["unit_id"], 0))
        )
    employees = float(row["employees"])
    other = row.get("_alt_employees")
    if mark == DAYS_PER_EMPLOYEE:
        text = _days(row, employees, w)
        if other is not None:
            text = w["read"].format(
                column="ansatte" if country != "SE" else "anställda",
                text=row["_text_employees"], chosen=_n(employees), detail=text,
                other=_n(other), other_detail=_days(row, other, w),
            )  # fmt: skip
        return f"{text}; {w['fix']}"
    if mark == JUMP:
        text = w["jump"].format(
            employees=_n(employees), before=_n(previous.get(row["unit_id"], 0)),
            factor=_n(EMPLOYEE_JUMP),
        )  # fmt: skip
        if other is not None:
            text += f" ({row['_text_employees']}: {_n(other)} / {_n(employees)})"
        return f"{text}; {w['fix']}"
    return mark
