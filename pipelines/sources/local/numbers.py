"""Numbers as people write them, read the one way the file means them, or not at all.

Norwegian and Swedish exports write `1 845,5`; others `1,845.5` or `1845.5`. A file keeps one
decimal mark, so the marks used unambiguously elsewhere in the file (`12,5`, `1.234,5`,
`1,234,567`) say how to read the ambiguous ones (`3.000`, `1,500`). When the file does not say,
an ambiguous value is refused with both readings, never guessed: `3.000` employees read as 3000
would pass the privacy threshold of a 3-person unit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from pipelines.sources.local.reader import NumberCell

GROUPED_SPACE = re.compile(r"\d{1,3}([ \u00a0\u2009\u202f]\d{3})+([.,]\d+)?")
PLAIN = re.compile(r"\d+")
SINGLE = re.compile(r"(\d+)([.,])(\d+)")
GROUPED = re.compile(r"\d{1,3}([.,])\d{3}(?:\1\d{3})*(?:([.,])\d+)?")
LARGEST = 1e15  # beyond this a float no longer holds every digit: no figure here is that large


def _evidence(text: str) -> set[str]:
    """What one written number tells about the file's marks: 'dot'/'comma' as decimal mark."""
    s = _strip(text)
    if s is None:
        return set()
    single = SINGLE.fullmatch(s)
    if single:
        before, mark, after = single.groups()
        if len(after) == 3 and len(before) <= 3 and before != "0":
            return set()  # 3.000: either reading
        return {"dot" if mark == "." else "comma"}
    grouped = GROUPED.fullmatch(s)
    if grouped:
        group, decimal = grouped.groups()
        if decimal:
            return {"dot" if decimal == "." else "comma"}
        if s.count(group) >= 2:  # 1.234.567: the mark groups, so the other one is decimal
            return {"comma" if group == "." else "dot"}
    space = GROUPED_SPACE.fullmatch(s)
    if space and space.group(2):
        return {"dot" if space.group(2)[0] == "." else "comma"}
    return set()


def _strip(text: str) -> str | None:
    s = str(text).strip().replace("\u2212", "-")
    if s.startswith("-"):
        s = s[1:]
    return s or None


def decimal_mark(texts: Iterable[str]) -> str | None:
    """The file's decimal mark, ',' or '.', from the numbers that show it; where both show, the
    one most numbers use (the others are then refused as written the other way). None when the
    numbers do not say, or say both equally: then only values that read one way are read."""
    seen = {"comma": 0, "dot": 0}
    for text in texts:
        if text and not isinstance(text, NumberCell):
            for mark in _evidence(text):
                seen[mark] += 1
    if seen["comma"] > seen["dot"]:
        return ","
    if seen["dot"] > seen["comma"]:
        return "."
    return None


def _finite(value: float, text: str) -> float:
    if not math.isfinite(value) or abs(value) >= LARGEST:
        raise ValueError(f"not a usable number: {text[:40]!r} is too large")
    return value


def parse_number(text: str, decimal: str | None = None) -> float:
    """'1 234,5', '1.234,5', '12,5', '12.5' -> float; anything else raises ValueError.

    `decimal` is the file's decimal mark (decimal_mark), used only to read `3.000` or `1,500`.
    """
    if isinstance(text, NumberCell):
        return _finite(text.value, text)
    raw = str(text).strip()
    negative = raw.startswith(("-", "\u2212"))
    s = _strip(raw)
    if s is None:
        raise ValueError(f"not a number: {text!r}")
    space = GROUPED_SPACE.fullmatch(s)
    if space:
        s = re.sub(r"[ \u00a0\u2009\u202f]", "", s)
    sign = -1.0 if negative else 1.0
    if PLAIN.fullmatch(s):
        return _finite(sign * float(s), raw)
    single = SINGLE.fullmatch(s)
    if single:
        before, mark, after = single.groups()
        other = "," if mark == "." else "."
        if len(after) == 3 and len(before) <= 3 and before != "0" and not space:
            as_decimal, as_grouped = float(f"{before}.{after}"), float(before + after)
            if decimal == mark:
                return _finite(sign * as_decimal, raw)
            if decimal == other:
                return _finite(sign * as_grouped, raw)
            raise ValueError(
                f"{raw!r} could be {_plain(sign * as_decimal)} or {_plain(sign * as_grouped)}: "
                f"nothing else in the file says whether '{mark}' marks decimals or thousands; "
                "write it so it reads one way"
            )
        if decimal == other:
            raise ValueError(
                f"{raw!r} has '{mark}' as its decimal mark, the rest of the file '{other}'"
            )
        return _finite(sign * float(f"{before}.{after}"), raw)
    grouped = GROUPED.fullmatch(s)
    if grouped and not space:
        group, mark = grouped.groups()
        if decimal == group:
            raise ValueError(f"{raw!r} groups thousands with the file's decimal mark '{group}'")
        whole, _, fraction = s.partition(mark) if mark else (s, "", "")
        number = float(whole.replace(group, "") + ("." + fraction if fraction else ""))
        return _finite(sign * number, raw)
    raise ValueError(f"not a number: {text!r}")


def other_reading(text: str, decimal: str | None) -> float | None:
    """The reading a number was not given, when its shape allows two: `3.000` read as 3000 by
    the file's decimal comma could be a 3 written with a decimal point. None when it reads one
    way only. The plausibility rules weigh both, and privacy is judged on the smaller."""
    if isinstance(text, NumberCell) or decimal is None:
        return None
    raw = str(text).strip()
    s = _strip(raw)
    single = SINGLE.fullmatch(s or "")
    if not single:
        return None
    before, mark, after = single.groups()
    if len(after) != 3 or len(before) > 3 or before == "0":
        return None
    sign = -1.0 if raw.startswith(("-", "\u2212")) else 1.0
    as_decimal, as_grouped = float(f"{before}.{after}"), float(before + after)
    return sign * (as_grouped if decimal == mark else as_decimal)


def _plain(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def parse_int(text: str, decimal: str | None = None) -> int:
    value = parse_number(text, decimal)
    if not value.is_integer():
        raise ValueError(f"not a whole number: {text!r}")
    return int(value)
