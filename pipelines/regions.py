"""Municipality codes known to Målestokk, for validating settings before anything is fetched.

Norwegian codes carry their validity (KLASS 131 history, see reference_data/no_municipalities.csv);
Swedish codes are Kolada's municipality list. Codes of the two countries overlap (1860 is Vestvågøy
in Norway and Laxå in Sweden), so a code is always read together with its country.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

REFERENCE_DIR = Path(__file__).parent / "reference_data"


@dataclass(frozen=True)
class Municipality:
    country: str
    code: str
    name: str
    valid_from: date | None
    valid_to: date | None  # exclusive, as in KLASS
    successors: tuple[str, ...]

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day < self.valid_to
        )


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


@cache
def municipalities(country: str) -> tuple[Municipality, ...]:
    if country == "NO":
        with (REFERENCE_DIR / "no_municipalities.csv").open(encoding="utf-8") as fh:
            return tuple(
                Municipality(
                    "NO",
                    r["code"],
                    r["name"],
                    _day(r["valid_from"]),
                    _day(r["valid_to"]),
                    tuple(s for s in r["successors"].split(";") if s),
                )
                for r in csv.DictReader(fh)
            )
    if country == "SE":
        with (REFERENCE_DIR / "se_municipalities.csv").open(encoding="utf-8") as fh:
            return tuple(
                Municipality("SE", r["id"], r["title"], None, None, ())
                for r in csv.DictReader(fh)
                if r["type"] == "K"
            )
    raise ValueError(f"unknown country {country!r}; expected NO or SE")


def is_known_municipality(country: str, code: str) -> bool:
    """True for any code the country has used for a municipality (current or historical)."""
    return any(m.code == code for m in municipalities(country))


def municipality_name(country: str, code: str) -> str | None:
    names = [m.name for m in municipalities(country) if m.code == code]
    return names[-1] if names else None


def valid_codes(country: str, day: date) -> list[str]:
    """Codes in force on a day, e.g. the municipalities of a KOSTRA year's 1 January."""
    return sorted({m.code for m in municipalities(country) if m.valid_on(day)})
