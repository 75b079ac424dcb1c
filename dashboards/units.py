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


def is_percentage(unit: str | None) -> bool:
    """A share in percent: its differences are in prosentpoeng, never a percent of a percent."""
    return bool(unit) and unit.strip().lower() in ("prosent", "%")  # type: ignore[union-attr]


# what a difference of two percentages is called, in the reader's language
POINTS = {"no": "prosentpoeng", "sv": "procentenheter"}


def gap_size(row: dict) -> float | None:
    """The number a gap is shown as: prosentpoeng for a percentage (home minus peer), else
    percent of the peer figure; for sorting, drawing bars and gap_text."""
    if is_percentage(row.get("unit")):
        if row.get("gap_points") is not None:
            return row["gap_points"]
        home, peer = row.get("home_value"), row.get("peer_value")
        return None if home is None or peer is None else home - peer
    return row.get("gap_pct")


def gap_text(row: dict, lang: str = "no") -> str:
    """The gap as the reader should read it: a percentage's in prosentpoeng ('+1,0
    prosentpoeng'), any other figure's in percent of the peer figure ('+1,1 %')."""
    value = gap_size(row)
    if value is None:
        return ""
    # "+1,7" and "%" never on two lines; a long word may go to the next
    suffix = " " + POINTS.get(lang, POINTS["no"]) if is_percentage(row.get("unit")) else "\u00a0%"
    text = f"{value:+,.1f}".replace(",", "\u00a0").replace(".", ",").replace("-", "\u2212")
    return text + suffix


def gap_in_unit(row: dict, lang: str = "no") -> str:
    """The whole gap: a percentage's in prosentpoeng; an amount's in its unit and in percent of
    the peer figure ('+1 234 kr (+5,1 %)')."""
    if is_percentage(row.get("unit")):
        return gap_text(row, lang)
    gap = row.get("gap_abs")
    if gap is None:
        return ""
    d = decimals_for(row.get("unit"))
    amount = f"{gap:+,.{d}f}".replace(",", "\u00a0").replace(".", ",").replace("-", "\u2212")
    relative = gap_text(row, lang)
    amount = with_unit(amount, row.get("unit"))
    return f"{amount} ({relative})" if relative else amount


def difference_with_unit(text: str, unit: str | None, lang: str = "no") -> str:
    """A change or a difference of a figure, with its unit: prosentpoeng for a percentage."""
    if is_percentage(unit) and text not in ("", "\u2013"):
        return f"{text} {POINTS.get(lang, POINTS['no'])}"
    return with_unit(text, unit)
