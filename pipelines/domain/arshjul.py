"""The KOSTRA year (årshjul) as data: the settings file read with clear errors, and the Dagster
schedules that follow its release days and deadlines.

The file (arshjul.csv, `;`-separated like the målekart) has one milestone per row: Dato (`15.03`
for every year, or `2027-05-06` for one day), Hva, Hvem (who answers for it), Type (below) and
Kilde (where the date comes from). SSB's release days come from SSB's calendar; the others are
the municipality's own and say so.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

KINDS = {
    "rapportering": "the municipality reports to SSB",
    "ssb_forelopige": "SSB publishes the unrevised figures (15 March)",
    "ssb_endelige": "SSB publishes the revised figures (15 June)",
    "kvalitetssjekk": "the quality worklist goes to the services",
    "retting": "the deadline for correcting reported figures",
    "utfordringsnotat": "the answers to the challenge note are due",
    "asss_mote": "a network meeting",
    "arsberetning": "the annual report is due",
    "budsjett": "a budget or plan deadline",
    "annet": "anything else",
}
# SSB's release days: the refresh runs on the day and the days after, until the data arrive
RELEASE_KINDS = ("ssb_forelopige", "ssb_endelige")
# the days the worklist and the documents are due: a refresh then writes them from the newest
DOCUMENT_KINDS = ("kvalitetssjekk", "utfordringsnotat", "arsberetning")
COLUMNS = ("Dato", "Hva", "Hvem", "Type", "Kilde")
SCHEMA = {
    "row": pl.Int64, "day": pl.Int32, "month": pl.Int32, "on_date": pl.Date, "what": pl.String,
    "who": pl.String, "kind": pl.String, "source": pl.String,
}  # fmt: skip
REJECTED_SCHEMA = {"row": pl.Int64, "column": pl.String, "value": pl.String, "reason": pl.String}


@dataclass(frozen=True)
class Milestone:
    row: int
    day: int
    month: int
    on_date: date | None  # one day only; None: every year on day.month
    what: str
    who: str
    kind: str
    source: str


def _date(text: str) -> tuple[int, int, date | None]:
    text = text.strip()
    every_year = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.?", text)
    if every_year:
        day, month = int(every_year[1]), int(every_year[2])
        date(2024, month, day)  # a leap year: 29.02 is a day, 31.04 is not
        return day, month, None
    one = date.fromisoformat(text)
    return one.day, one.month, one


def read_arshjul(path: Path) -> tuple[list[Milestone], pl.DataFrame]:
    """The file's milestones, and the rows left out with row, column and reason."""
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text), delimiter=";")
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"{path}: the header lacks {', '.join(missing)} (it needs "
                         f"{';'.join(COLUMNS)})")  # fmt: skip
    good: list[Milestone] = []
    rejected: list[dict] = []
    for number, raw in enumerate(reader, start=2):  # row 1 is the header
        cells = {k: (raw.get(k) or "").strip() for k in COLUMNS}
        if not any(cells.values()):
            continue
        problems = []
        try:
            day, month, on_date = _date(cells["Dato"])
        except ValueError:
            problems.append(("Dato", cells["Dato"], "not a day: write 15.03 (every year) or "
                             "2027-05-06 (one day)"))  # fmt: skip
        if not cells["Hva"]:
            problems.append(("Hva", "", "empty: say what happens"))
        if not cells["Hvem"]:
            problems.append(("Hvem", "", "empty: say who answers for it"))
        if cells["Type"] not in KINDS:
            problems.append(("Type", cells["Type"], f"not one of {', '.join(KINDS)}"))
        if problems:
            rejected += [
                {"row": number, "column": c, "value": v, "reason": r} for c, v, r in problems
            ]
            continue
        good.append(Milestone(number, day, month, on_date, cells["Hva"], cells["Hvem"],
                              cells["Type"], cells["Kilde"]))  # fmt: skip
    return good, pl.DataFrame(rejected, schema=REJECTED_SCHEMA)


def as_frame(milestones: list[Milestone]) -> pl.DataFrame:
    return pl.DataFrame([m.__dict__ for m in milestones], schema=SCHEMA)


def _cron(milestone: Milestone, days_after: int = 0) -> str:
    """Every year on the milestone's day (and the days after), at 08:00, 10:00 ... 18:00 on a
    release day (SSB publishes at 08:00) and at 06:00 on a deadline."""
    last = min(milestone.day + days_after, 31 if milestone.month != 2 else 28)
    days = str(milestone.day) if last == milestone.day else f"{milestone.day}-{last}"
    hours = "8-18/2" if milestone.kind in RELEASE_KINDS else "6"
    return f"0 {hours} {days} {milestone.month} *"


def schedule_specs(milestones: list[Milestone]) -> list[dict]:
    """What Dagster schedules the årshjul asks for: a refresh on each SSB release day and the
    four days after (until SSB's data are there; an unchanged table costs one small request),
    and one on each day a document is due; each tagged with the milestone it serves. One-day
    rows (a meeting) get none: a yearly schedule would fire again next year."""
    specs = []
    for m in milestones:
        if m.on_date is not None or m.kind not in (*RELEASE_KINDS, *DOCUMENT_KINDS):
            continue
        specs.append(
            {
                "name": f"arshjul_{m.kind}_{m.day:02d}_{m.month:02d}",
                "cron": _cron(m, 4 if m.kind in RELEASE_KINDS else 0),
                "milestone": m.what,
                "who": m.who,
                "kind": m.kind,
            }
        )
    return specs
