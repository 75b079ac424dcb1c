"""The KOSTRA year on the site: a year page (arshjul.html) and arshjul.ics, one all-day event per
milestone with who answers for it, that a calendar can subscribe to where the site is served."""

from __future__ import annotations

import hashlib
import html
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl

from dashboards.data import table_or_empty
from dashboards.kvalitet import MONTHS

PAGE = "arshjul"
WORDS = {
    "no": {"title": "Årshjul", "columns": ["Dato", "Hva", "Hvem", "Kilde"],
           "intro": "KOSTRA-året i {year} og {next}: når tallene kommer, fristene og møtene, og "
           "hvem som har ansvaret. Abonner på kalenderen: {ics}.", "none": "Ingen årshjul.",
           "who": "Ansvarlig"},
    "sv": {"title": "Årshjul", "columns": ["Datum", "Vad", "Vem", "Källa"],
           "intro": "Året i {year} och {next}: när värdena kommer, tidsfrister och möten, och "
           "vem som ansvarar. Prenumerera på kalendern: {ics}.", "none": "Inget årshjul.",
           "who": "Ansvarig"},
}  # fmt: skip


def milestones(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return table_or_empty(con, "mart_arshjul")


def _day(day, lang: str) -> str:
    month = MONTHS[lang][day.month - 1]
    return f"{day.day}. {month} {day.year}" if lang == "no" else f"{day.day} {month} {day.year}"


def calendar(rows: pl.DataFrame, home_label: str, lang: str) -> bytes:
    """RFC 5545: one all-day event per milestone; the UID stays the same from one refresh to
    the next (municipality, day, what, who), so a subscribed calendar updates, not duplicates."""
    from icalendar import Calendar, Event  # loaded when the calendar is written

    cal = Calendar()
    cal.add("prodid", "-//Målestokk//årshjul//NO")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{WORDS[lang]['title']} {home_label}")
    stamp = datetime.now(UTC).replace(microsecond=0)
    for r in rows.iter_rows(named=True):
        event = Event()
        key = f"{home_label}|{r['day']}|{r['what']}|{r['who']}"
        event.add("uid", hashlib.sha256(key.encode()).hexdigest()[:32] + "@malestokk")
        event.add("dtstamp", stamp)
        event.add("dtstart", r["day"])
        event.add("dtend", r["day"] + timedelta(days=1))
        event.add("summary", r["what"])
        event.add("description", f"{WORDS[lang]['who']}: {r['who']}\n{r['source']}")
        event.add("categories", [r["kind"]])
        cal.add_component(event)
    return cal.to_ical()


def write(
    con: duckdb.DuckDBPyConnection, folder: Path, nav: str, page, home_info: dict, synthetic: bool
) -> dict[str, int]:
    """arshjul.html and arshjul.ics in the site folder; their sizes."""
    lang = "sv" if home_info["country"] == "SE" else "no"
    w = WORDS[lang]
    rows = milestones(con)
    ics = folder / f"{PAGE}.ics"
    ics.write_bytes(calendar(rows, home_info["label"], lang))
    if rows.is_empty():
        body = f"<p>{html.escape(w['none'])}</p>"
    else:
        years = sorted({d.year for d in rows["day"].to_list()})
        link = f"<a href='{PAGE}.ics'>{PAGE}.ics</a>"
        intro = html.escape(w["intro"].format(year=years[0], next=years[-1], ics="\0"))
        head = "".join(f"<th>{html.escape(c)}</th>" for c in w["columns"])
        body_rows = "".join(
            "<tr>"
            + "".join(
                f"<td>{html.escape(cell)}</td>"
                for cell in (_day(r["day"], lang), r["what"], r["who"], r["source"])
            )
            + "</tr>"
            for r in rows.iter_rows(named=True)
        )
        body = (
            f"<p>{intro.replace(chr(0), link)}</p><table class='worklist'><thead><tr>{head}"
            f"</tr></thead><tbody>{body_rows}</tbody></table>"
        )
    text = page(f"{home_info['label']}: {w['title']}", nav, body, None, synthetic)
    (folder / f"{PAGE}.html").write_text(text, encoding="utf-8")
    return {f"{PAGE}.html": len(text.encode()), f"{PAGE}.ics": ics.stat().st_size}
