"""Tiltak in words: beside the målekart's red and amber rows on its pages, at the top of the next
period's resultatdialog sheet, and in the annual report ("Tiltak fra i fjor og hva de ga").
mart_tiltak holds the numbers and the flags; this module only says them."""

from __future__ import annotations

import html
from pathlib import Path

import duckdb
import polars as pl

from dashboards.data import table_or_empty
from dashboards.document import Heading, Para, Table
from dashboards.units import decimals_for, with_unit
from dashboards.words import capital

WORDS = {
    "no": {
        "section": "Tiltak for mål som ikke er nådd",
        "columns": ["Indikator", "Periode", "Tiltak", "Ansvarlig", "Frist", "Status", "Effekt"],
        "none_for_red": "Ingen tiltak registrert",
        "no_owner": "ingen ansvarlig",
        "overdue": "forfalt",
        "sheet": "Tiltak og hva de har gitt",
        "sheet_none": "Ingen tiltak registrert.",
        "report": "Tiltak fra i fjor og hva de ga",
        "effect": {
            "met": "nådd: {before} → {after}",
            "right": "bedre, ikke nådd: {before} → {after}",
            "wrong": "ikke bedre: {before} → {after}",
            "unmeasured": "ikke målt ennå ({before} i {period})",
            "none": "ingen målekartrad",
        },
        "synthetic": "SYNTETISKE DEMODATA",
        "fill_in": "Tiltak til neste periode: fyll inn",
        "fill_in_note": "Én rad per tiltak. Frist som 30.06.2025; status planlagt, i gang, "
        "gjennomført eller avbrutt; kostnad i kroner. Rader for mål som ikke er nådd står "
        "klare; endre status på tiltakene over. Les inn med: malestokk tiltak les FIL.docx",
    },
    "sv": {
        "section": "Åtgärder för mål som inte nåtts",
        "columns": ["Nyckeltal", "Period", "Åtgärd", "Ansvarig", "Senast", "Status", "Effekt"],
        "none_for_red": "Ingen åtgärd registrerad",
        "no_owner": "ingen ansvarig",
        "overdue": "försenad",
        "sheet": "Åtgärder och vad de har gett",
        "sheet_none": "Inga åtgärder registrerade.",
        "report": "Åtgärder från förra året och vad de gav",
        "effect": {
            "met": "nått: {before} → {after}",
            "right": "bättre, inte nått: {before} → {after}",
            "wrong": "inte bättre: {before} → {after}",
            "unmeasured": "inte mätt ännu ({before} {period})",
            "none": "ingen rad i målkartan",
        },
        "synthetic": "SYNTETISKA DEMODATA",
        "fill_in": "Åtgärder till nästa period: fyll i",
        "fill_in_note": "En rad per åtgärd. Senast som 30.06.2025; status planerad, pågår, "
        "genomförd eller avbruten; kostnad i kronor. Rader för mål som inte nåtts står "
        "färdiga; ändra status på åtgärderna ovan. Läs in med: malestokk tiltak les FIL.docx",
    },
}  # fmt: skip
STATUS_SV = {"planlagt": "planerad", "i gang": "pågår", "gjennomført": "genomförd",
             "avbrutt": "avbruten"}  # fmt: skip
# a Swedish sheet's words for the statuses, read back
STATUS_WORDS = {"planerad": "planlagt", "pågår": "i gang", "genomförd": "gjennomført",
                "avbruten": "avbrutt"}  # fmt: skip
# the fill-in table of a resultatdialog sheet (dashboards/tiltak.py writes it), by language
SHEET_COLUMNS = {
    "no": ("Indikator", "Periode", "Tiltak", "Ansvarlig", "Frist", "Kostnad", "Status",
           "Vurdering"),
    "sv": ("Nyckeltal", "Period", "Åtgärd", "Ansvarig", "Senast", "Kostnad", "Status",
           "Bedömning"),
}  # fmt: skip
SHEET_KEYWORD = "malestokk-resultatdialog"


def rows(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return table_or_empty(con, "mart_tiltak")


def _value(v: float | None, unit: str | None) -> str:
    if v is None:
        return "\u2013"
    text = f"{v:,.{decimals_for(unit)}f}".replace(",", "\u00a0").replace(".", ",")
    return with_unit(text, unit)


def effect(r: dict, lang: str) -> str:
    """What became of the målekart row: met, better, not better, or not measured yet."""
    w = WORDS[lang]["effect"]
    if r["no_malekart_row"]:
        return w["none"]
    before = _value(r["value_before"], r["unit_of_measure"])
    after = _value(r["value_after"], r["unit_of_measure"])
    if r["value_after"] is None or r["moved_right"] is None:
        return w["unmeasured"].format(before=before, period=r["period"])
    kind = "met" if r["met_after"] else ("right" if r["moved_right"] else "wrong")
    return w[kind].format(before=before, after=after)


def _cells(r: dict, lang: str) -> list[str]:
    w = WORDS[lang]
    status = r["status"] if lang == "no" else STATUS_SV.get(r["status"], r["status"])
    if r["overdue"]:
        status += f" ({w['overdue']})"
    due = r["due"].strftime("%d.%m.%Y") if r["due"] else "\u2013"
    return [r["label"] or r["indicator_id"], r["period"], r["what"],
            r["owner"] or w["no_owner"], due, status, effect(r, lang)]  # fmt: skip


def page_section(
    tiltak: pl.DataFrame, page_rows: pl.DataFrame, lang: str, level: str, key: str | None
) -> str:
    """The tiltak of one målekart page, and every red or amber row of it that has none."""
    w = WORDS[lang]
    esc = html.escape
    mine = (
        tiltak.filter(
            (pl.col("level") == level)
            & (pl.col("unit_or_area").is_null() if key is None else pl.col("unit_or_area") == key)
        )
        if not tiltak.is_empty()
        else tiltak
    )
    lines = [_cells(r, lang) for r in mine.iter_rows(named=True)]
    covered = {(r["indicator_id"], r["period"]) for r in mine.iter_rows(named=True)}
    for r in page_rows.filter(pl.col("status").is_in(["red", "amber"])).iter_rows(named=True):
        if (r["indicator_id"], r["period"]) not in covered:
            lines.append([r["label"], r["period"], w["none_for_red"], "", "", "", ""])
    if not lines:
        return ""
    head = "".join(f"<th>{esc(c)}</th>" for c in w["columns"])
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in line) + "</tr>" for line in lines)
    return (
        f"<h2>{esc(w['section'])}</h2><div class='table-scroll'><table class='worklist'>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def sheet_blocks(tiltak: pl.DataFrame, unit_id: str, year: int, lang: str) -> list:
    """The top of a unit's resultatdialog sheet for `year`: the tiltak registered for it up to
    that period (earlier periods' with what they gave, this period's so far), so the dialogue
    starts where the last one ended."""
    w = WORDS[lang]
    mine = (
        tiltak.filter(
            (pl.col("level") == "enhet")
            & (pl.col("unit_or_area") == unit_id)
            & (pl.col("period").str.slice(0, 4).cast(pl.Int32, strict=False) <= year)
        )
        if not tiltak.is_empty()
        else tiltak
    )
    if mine.is_empty():
        return [Heading(w["sheet"], 1), Para(w["sheet_none"], "note")]
    return [
        Heading(w["sheet"], 1),
        Table(
            w["columns"],
            [_cells(r, lang) for r in mine.iter_rows(named=True)],
            [4.0, 1.6, 6.0, 3.6, 2.2, 2.6, 5.7],
        ),
    ]


def report_blocks(con: duckdb.DuckDBPyConnection, year: int, lang: str) -> list:
    """A short section per service area: last year's tiltak and what they gave."""
    tiltak = rows(con)
    if tiltak.is_empty():
        return []
    last_year = tiltak.filter(pl.col("period").str.slice(0, 4) == str(year - 1))
    if last_year.is_empty():
        return []
    w = WORDS[lang]
    blocks: list = [Heading(w["report"], 1)]
    for (area,), part in last_year.sort("service_area", nulls_last=False).group_by(
        "service_area", maintain_order=True
    ):
        blocks.append(Heading(capital(area or "kommunen"), 2))
        blocks.append(
            Table(
                w["columns"],
                [_cells(r, lang) for r in part.iter_rows(named=True)],
                [3.0, 1.2, 3.6, 2.4, 1.8, 1.9, 3.1],
            )
        )
    return blocks


EMPTY_ROWS = 3  # room for tiltak on rows the målekart did not flag


def fill_in_lines(
    tiltak: pl.DataFrame, unit_rows: pl.DataFrame, unit_id: str, lang: str
) -> list[list[str]]:
    """The rows of a sheet's fill-in table (read back by `malestokk tiltak les`): the unit's
    tiltak so far, to move their status on; a row ready for each red or amber target without
    one; empty rows."""
    mine = (
        tiltak.filter((pl.col("level") == "enhet") & (pl.col("unit_or_area") == unit_id))
        if not tiltak.is_empty()
        else tiltak
    )
    lines = []
    for r in mine.iter_rows(named=True):
        status = r["status"] if lang == "no" else STATUS_SV.get(r["status"], r["status"])
        due = r["due"].strftime("%d.%m.%Y") if r["due"] else ""
        cost = f"{r['cost_kr']:,.0f}".replace(",", " ") if r["cost_kr"] is not None else ""
        lines.append([r["label"] or r["indicator_id"], r["period"], r["what"], r["owner"] or "",
                      due, cost, status, r["assessment"] or ""])  # fmt: skip
    covered = {(r["indicator_id"], r["period"]) for r in mine.iter_rows(named=True)}
    for r in unit_rows.filter(pl.col("status").is_in(["red", "amber"])).iter_rows(named=True):
        if (r["indicator_id"], r["period"]) not in covered:
            lines.append([r["label"], r["period"], "", "", "", "", "", ""])
    return lines + [[""] * 8 for _ in range(EMPTY_ROWS)]


def fill_in_blocks(lines: list[list[str]], lang: str) -> list:
    """The fill-in table in the Word sheet."""
    w = WORDS[lang]
    return [
        Heading(w["fill_in"], 1),
        Para(w["fill_in_note"], "note"),
        Table(list(SHEET_COLUMNS[lang]), lines, [4.2, 1.6, 6.0, 3.2, 2.2, 2.0, 2.3, 4.2]),
    ]


def write_fill_in_xlsx(
    path: Path, lines: list[list[str]], unit_id: str, year: int, lang: str, banner: str | None
) -> Path:
    """The Excel version of the sheet's fill-in table, for leaders who work in Excel: one
    sheet, the same columns, text cells only (nothing typed in becomes a formula)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                    "strings_to_urls": False},
    )  # fmt: skip
    book.set_properties({"title": WORDS[lang]["fill_in"], "keywords": SHEET_KEYWORD,
                         "comments": f"unit={unit_id};year={year}"})  # fmt: skip
    sheet = book.add_worksheet("Tiltak")
    bold = book.add_format({"bold": True})
    start = 0
    if banner:
        sheet.write(0, 0, banner, bold)
        start = 1
    sheet.write_row(start, 0, list(SHEET_COLUMNS[lang]), bold)
    for n, line in enumerate(lines, start=start + 1):
        sheet.write_row(n, 0, line)
    for col, width in enumerate((34, 10, 44, 28, 12, 12, 14, 34)):
        sheet.set_column(col, col, width)
    book.close()
    return path
