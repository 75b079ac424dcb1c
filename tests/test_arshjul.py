"""The KOSTRA year (årshjul): read from its file with named errors, shown as a page and an
iCalendar file a calendar can subscribe to, and followed by Dagster's schedules."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
from icalendar import Calendar

from pipelines.domain.arshjul import read_arshjul, schedule_specs
from tests.conftest import ROOT, write_config


def test_the_calendar_opens_with_one_event_per_milestone(stavanger: Path) -> None:
    """arshjul.ics parsed by the icalendar library: every milestone of the year page once, on
    its day, with who answers for it; SSB's release days this year and next are in it."""
    ics = stavanger / "data/outputs/dashboards/arshjul.ics"
    calendar = Calendar.from_ical(ics.read_bytes())
    events = list(calendar.walk("VEVENT"))
    con = duckdb.connect(str(stavanger / "data/warehouse/malestokk.duckdb"), read_only=True)
    rows = con.execute("SELECT day, what, who FROM mart_arshjul ORDER BY ALL").fetchall()
    con.close()
    assert len(events) == len(rows) > 0
    seen = sorted(
        (e.decoded("dtstart"), str(e.get("summary")), str(e.get("description"))) for e in events
    )
    assert [(d, what) for d, what, _ in seen] == [(d, what) for d, what, _ in rows]
    for (_, _, description), (_, _, who) in zip(seen, rows, strict=True):
        assert description.startswith(f"Ansvarlig: {who}")
    assert len({str(e.get("uid")) for e in events}) == len(events)  # a subscription updates
    this_year = date.today().year
    releases = {d for d, what, _ in seen if what.startswith("SSB publiserer")}
    assert {date(y, m, 15) for y in (this_year, this_year + 1) for m in (3, 6)} <= releases
    # the målekart's dated measurements are milestones too, with their owner
    assert any(what == "Måling: Legetimer per uke per beboer i sykehjem" for _, what, _ in seen)
    page = (stavanger / "data/outputs/dashboards/arshjul.html").read_text(encoding="utf-8")
    assert "href='arshjul.ics'" in page and "15. juni" in page


def test_the_schedules_follow_the_file(tmp_path: Path) -> None:
    """A refresh on each SSB release day and the four days after, one on each day a document
    is due, tagged with the milestone; a release day moved in the file moves the schedule."""
    from pipelines.definitions import build_definitions
    from pipelines.settings.config import load_settings

    config = write_config(tmp_path)
    schedules = {s.name: s for s in build_definitions(load_settings(config)).schedules}
    march = schedules["arshjul_ssb_forelopige_15_03"]
    assert march.cron_schedule == "0 8-18/2 15-19 3 *"
    assert march.job_name == "refresh_sources"
    assert march.tags["malestokk/milestone"].startswith("SSB publiserer foreløpige")
    assert schedules["arshjul_ssb_endelige_15_06"].cron_schedule == "0 8-18/2 15-19 6 *"
    assert schedules["arshjul_kvalitetssjekk_16_03"].cron_schedule == "0 6 16 3 *"
    assert "nightly_refresh" in schedules
    text = (tmp_path / "arshjul.csv").read_text(encoding="utf-8")
    (tmp_path / "arshjul.csv").write_text(text.replace("15.06;", "14.06;"), encoding="utf-8")
    moved = {s.name: s for s in build_definitions(load_settings(config)).schedules}
    assert "arshjul_ssb_endelige_15_06" not in moved
    assert moved["arshjul_ssb_endelige_14_06"].cron_schedule == "0 8-18/2 14-18 6 *"


def test_a_bad_row_is_left_out_with_its_row_column_and_reason(tmp_path: Path) -> None:
    path = tmp_path / "arshjul.csv"
    path.write_text(
        "Dato;Hva;Hvem;Type;Kilde\n"
        "15.03;SSB publiserer;SSB;ssb_forelopige;SSB\n"
        "31.04;Møte;Økonomi;asss_mote;egen\n"
        "2027-05-06;ASSS-møte;;asss_mote;egen\n"
        "01.09;Noe;Noen;fest;egen\n",
        encoding="utf-8",
    )
    good, rejected = read_arshjul(path)
    assert [(m.row, m.what) for m in good] == [(2, "SSB publiserer")]
    assert sorted(rejected.select("row", "column").rows()) == [
        (3, "Dato"), (4, "Hvem"), (5, "Type"),
    ]  # fmt: skip
    assert "15.03 (every year) or 2027-05-06 (one day)" in rejected["reason"][0]
    # a one-day row (a meeting) gets no yearly schedule
    path.write_text(
        "Dato;Hva;Hvem;Type;Kilde\n2027-03-15;Ekstra;SSB;ssb_forelopige;x\n", encoding="utf-8"
    )
    assert schedule_specs(read_arshjul(path)[0]) == []
    assert (ROOT / "arshjul.csv").is_file()
