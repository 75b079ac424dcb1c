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
# The ASSS network by today's codes, with the year a later member joined: the one list the peer
# sets, the snapshot tools and the tests read.
ASSS_MEMBERS_FILE = REFERENCE_DIR / "asss_members.csv"


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


def _by_code(country: str) -> dict[str, Municipality]:
    return {m.code: m for m in municipalities(country)}


def resolve_home(country: str, code: str) -> tuple[str, str | None]:
    """Today's code for a home municipality given by an older number, with a one-line notice.

    A pure renumbering (Halden 3001 -> 3101) is followed; a code that was merged into another
    municipality or split is refused with today's code(s) named, because the home would then be
    another municipality than the one the user meant.
    """
    if country != "NO":
        return code, None
    known = _by_code(country)
    predecessors: dict[str, list[str]] = {}
    for m in known.values():
        for successor in m.successors:
            predecessors.setdefault(successor, []).append(m.code)
    path = [code]
    while known.get(path[-1]) and known[path[-1]].successors:
        successors = known[path[-1]].successors
        if len(successors) > 1:
            names = " and ".join(f"{s} ({_name(known, s)})" for s in successors)
            raise ValueError(
                f"{code} ({_name(known, code)}) was split into {names}; set the code of the one "
                "you mean"
            )
        (following,) = successors
        if len(predecessors.get(following, [])) > 1:
            today = _todays(known, following)
            raise ValueError(
                f"{code} ({_name(known, code)}) was merged into {following} "
                f"({_name(known, following)}), today {today} ({_name(known, today)}); "
                f'set "{today}" to compare the merged municipality'
            )
        path.append(following)
    if len(path) == 1:
        return code, None
    today = path[-1]
    since = known[today].valid_from
    return today, (
        f"home.municipality {code} ({_name(known, code)}) is numbered {today} since "
        f"{since.year if since else 'the last reform'}; using {today} ({' > '.join(path)})"
    )


def _name(known: dict[str, Municipality], code: str) -> str:
    return known[code].name if code in known else "?"


def _todays(known: dict[str, Municipality], code: str) -> str:
    while known.get(code) and len(known[code].successors) == 1:
        code = known[code].successors[0]
    return code


def asss_members() -> list[str]:
    """Today's codes of the ASSS members (reference_data/asss_members.csv)."""
    with ASSS_MEMBERS_FILE.open(encoding="utf-8") as fh:
        return [row["code"] for row in csv.DictReader(fh)]
