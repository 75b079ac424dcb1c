"""Which home municipalities one refresh writes outputs for: the [homes] selection, resolved.

A network (ASSS), a Statsforvalter (every municipality of a county) or a regional IT cooperation
benchmarks many municipalities at once. The selection names them the way those users do: codes,
`asss`, `fylke:46`, `lan:25`, `skr:<Kolada group>`, one of the user's [peer_sets.*], or `all`.
Everything but `skr:` is resolved from the code lists bundled with Målestokk (KLASS 131, Kolada's
municipality list), so the homes are known when Dagster loads the definitions: each is a static
partition of the per-home outputs, keyed `NO:1103`.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipelines.domain.regions import ASSS_MEMBERS_FILE, municipalities, resolve_home

COUNTRIES = ("NO", "SE")
_CODE = re.compile(r"(?:(NO|SE):)?(\d{4})", re.IGNORECASE)
_COUNTY = re.compile(r"(fylke|lan|län):(\d{2})", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Home:
    country: str
    code: str

    @property
    def key(self) -> str:
        """The Dagster partition key."""
        return f"{self.country}:{self.code}"

    @property
    def folder(self) -> str:
        """The folder under outputs/ (no colon: it is a path on every system)."""
        return f"{self.country}-{self.code}"

    @classmethod
    def from_key(cls, key: str) -> Home:
        country, _, code = key.partition(":")
        return cls(country, code)


def check_item(item: str, default_country: str, peer_sets: set[str]) -> str | None:
    """Why a selection item cannot be read, or None. Unknown 4-digit codes are not refused here:
    such a home fails its own partition with the reason, and the others are written."""
    low = item.lower()
    if _CODE.fullmatch(item) or low in ("asss", "all", "all:no", "all:se"):
        return None
    county = _COUNTY.fullmatch(item)
    if county:
        return None
    if low.startswith("skr:") and len(item) > 4:
        return None
    name = item.removeprefix("peer:")
    if name in peer_sets:
        return None
    known = ", ".join(sorted(peer_sets)) or "none defined"
    return (
        f"cannot read {item!r}: give a code (1103, SE:2583), asss, fylke:NN, lan:NN, "
        f"skr:<Kolada group id>, all, all:NO, all:SE or a peer set name ({known})"
    )


def _today(country: str) -> list[str]:
    day = date.today()
    return sorted({m.code for m in municipalities(country) if m.valid_on(day)})


def _asss(last_year: int) -> list[str]:
    with ASSS_MEMBERS_FILE.open(encoding="utf-8") as fh:
        return [
            r["code"]
            for r in csv.DictReader(fh)
            if not r["member_from_year"] or int(r["member_from_year"]) <= last_year
        ]


def _skr_group(published: Path, group: str) -> list[str]:
    """Members of a Kolada municipality group, as the published warehouse fetched them."""
    import duckdb

    if not published.exists():
        raise ValueError(f"skr:{group} needs a published warehouse (run a refresh first)")
    con = duckdb.connect(str(published), read_only=True)
    try:
        rows = con.execute(
            "SELECT DISTINCT member_id FROM raw_kolada__municipality_groups WHERE group_id = ?",
            [group],
        ).fetchall()
    finally:
        con.close()
    if not rows:
        raise ValueError(f"skr:{group}: Kolada has no municipality group {group!r}")
    return sorted(r[0] for r in rows)


def resolve_homes(settings) -> tuple[Home, ...]:  # settings: pipelines.settings.config.Settings
    """The selected homes in a stable order (country, code), each once."""
    found: list[Home] = []
    sets = {p.name: p for p in settings.peer_sets}
    for item in settings.homes:
        low = item.lower()
        code = _CODE.fullmatch(item)
        county = _COUNTY.fullmatch(item)
        if code:
            country = (code.group(1) or settings.home_country).upper()
            found.append(_followed(country, code.group(2)))
        elif low == "asss":
            found += [Home("NO", c) for c in _asss(settings.years[1])]
        elif low.startswith("all"):
            countries = COUNTRIES if low == "all" else (low.split(":")[1].upper(),)
            found += [Home(c, m) for c in countries for m in _today(c)]
        elif county:
            country = "NO" if county.group(1).lower() == "fylke" else "SE"
            found += [Home(country, c) for c in _today(country) if c[:2] == county.group(2)]
        elif low.startswith("skr:"):
            found += [Home("SE", c) for c in _skr_group(settings.published_warehouse, item[4:])]
        else:
            peer = sets[item.removeprefix("peer:")]
            found += [_followed(peer.country, c) for c in peer.members]
    return tuple(sorted(set(found)))


def _followed(country: str, code: str) -> Home:
    """An older Norwegian number followed to today's when it was only renumbered; a merged,
    split or unknown code is kept as given, and its partition fails naming why."""
    try:
        today, _ = resolve_home(country, code)
    except ValueError:
        return Home(country, code)
    return Home(country, today)
