"""How many decimals a figure is shown with, from its unit: kroner whole, ratios as the source."""

from __future__ import annotations

# SSB publishes amounts in kroner and 1000 kr without decimals, counts of people whole, shares
# in percent with one decimal, hours per resident with two (table 12293)
_DECIMALS = {
    "kr": 0, "1000 kr": 0, "personer": 0, "antall": 1, "prosent": 1, "poeng": 1, "timer": 2,
}  # fmt: skip


def decimals_for(unit: str | None) -> int:
    if not unit:
        return 1
    unit = unit.strip().lower()
    if unit in _DECIMALS:
        return _DECIMALS[unit]
    if unit.startswith("kr"):  # "kr per innbygger", "kr/inv"
        return 0
    return 1


def with_unit(text: str, unit: str | None) -> str:
    """'1 234' + unit, the way a reader expects it: '1 234 kr', '12,5 %'."""
    if text in ("", "\u2013") or not unit:
        return text
    return f"{text} %" if unit.strip().lower() in ("prosent", "%") else f"{text} {unit}"
