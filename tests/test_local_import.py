"""Importing the municipality's own files: a corpus of malformed files and rows, idempotency,
corrections with history, the CLI summary, the inbox sensor and privacy in the marts."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
from openpyxl import Workbook

from pipelines import cli
from pipelines.orchestration.sensors import local_inbox_sensor
from pipelines.sources.local.ledger import LocalArchive
from pipelines.sources.local.store import replay
from tests.conftest import write_config

UNITS = (
    "Enhet ID;Enhetsnavn;Tjenesteområde\n1001;Hundvåg skole;grunnskole\n"
    "1002;Tasta bhg;barnehage\n1003;Lervig;pleie og omsorg\n"
)
SICK_HEADER = "Enhet ID;Enhetsnavn;Periode;Ansatte;Avtalte dagsverk;Egenmeldt;Legemeldt"
GOOD_1 = "1001;Hundvåg skole;2024K1;20;1230,0;10,5;40,0"
GOOD_2 = "1002;Tasta bhg;2024K1;12;738,0;5,0;20,0"
SURVEY_HEADER = "Enhet ID;År;Spørsmål;Antall svar;Snitt"


def sick(*rows: str, header: str = SICK_HEADER) -> bytes:
    return ("\n".join([header, GOOD_1, GOOD_2, *rows]) + "\n").encode("utf-8")


def xlsx(rows: list[list], merge: str | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@dataclass
class Case:
    id: str
    name: str
    content: bytes | Callable[[], bytes]
    rejected: str | None = None  # part of the whole-file message
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # row, column, reason part
    loaded: int = 0
    kind: str | None = None
    # what the loaded rows must hold: (column, unit id) -> value, read back from the tables
    values: dict[tuple[str, str], object] = field(default_factory=dict)


CASES = [
    # --- whole-file problems: one message naming the file and what is wrong ----------------------
    Case("utf16", "syk.csv", lambda: sick().decode().encode("utf-16"), "UTF-16"),
    Case("bad-bytes", "syk.csv", b"Enhet ID;Periode\n\x81\x8d\xff\xfe\x00", "unreadable encoding"),
    Case("empty", "syk.csv", b"", "the file is empty"),
    Case("blank-lines", "syk.csv", b"\n \n\t\n", "the file is empty"),
    Case("header-only", "syk.csv", (SICK_HEADER + "\n").encode(), "no data rows below the header"),
    Case("missing-column", "syk.csv",
         b"Enhet ID;Periode;Ansatte;Egenmeldt;Legemeldt\n1001;2024K1;20;1;2\n",
         "missing required column(s) for sick_leave: contracted_days"),
    Case("unknown-suffix", "syk.pdf", b"%PDF-1.4 ...", "unknown format '.pdf'"),
    Case("no-header", "syk.csv", b"a;b;c\n1;2;3\n", "no header row found in the first 20 lines"),
    Case("same-column-twice", "syk.csv",
         sick(header=SICK_HEADER.replace("Ansatte", "Ansatte;Antall ansatte")),
         "columns 'Ansatte' and 'Antall ansatte' both mean employees"),
    Case("xlsx-merged-header", "syk.xlsx",
         lambda: xlsx([["Enhet ID", "Periode", "Ansatte", "Avtalte dagsverk", "", "Legemeldt"],
                       ["1001", "2024K1", 20, 1230, 10, 40]], merge="D1:E1"),
         "the header has merged cells D1:E1"),
    Case("xlsx-corrupt", "syk.xlsx", b"PK\x03\x04 not really a zip", "not a readable .xlsx"),
    Case("ambiguous-survey", "resultater.csv",
         f"{SURVEY_HEADER}\n1001;2024;Trivsel;20;4,5\n".encode(), "cannot tell which kind"),
    Case("unknown-kind", "syk.csv", sick(), "unknown kind 'sickleave'", kind="sickleave"),
    Case("not-a-kind", "budsjett.csv", b"Konto;Ansvar;Periode;Belop\n1;1001;2024;5\n",
         "unknown format: the header does not match any kind"),
    # --- row problems: only those rows are quarantined ----------------------------------------
    Case("decimal-comma-and-title-lines", "syk.csv",
         b"Sykefrav\xe6r 2024\nUttrekk fra HR\n\n" + sick().decode().encode("cp1252"), loaded=2),
    Case("header-on-row-4-bad-row", "syk.csv",
         ("Rapport\nStavanger\n\n" + sick("1003;Lervig;2024K1;30;1845;ti;5").decode()).encode(),
         problems=[(7, "Egenmeldt", "not a number: 'ti'")], loaded=2),
    Case("text-in-number", "syk.csv", sick("1003;Lervig;2024K1;30;1845,0;abc;5"),
         problems=[(4, "Egenmeldt", "not a number: 'abc'")], loaded=2),
    Case("negative-days", "syk.csv", sick("1003;Lervig;2024K1;30;1845,0;5;-3"),
         problems=[(4, "Legemeldt", "must be 0 or more")], loaded=2),
    Case("negative-employees", "syk.csv", sick("1003;Lervig;2024K1;-30;1845,0;5;3"),
         problems=[(4, "Ansatte", "must be 0 or more")], loaded=2),
    Case("absence-above-contracted", "syk.csv", sick("1003;Lervig;2024K1;30;100,0;60;50"),
         problems=[(4, "Legemeldt", "above contracted days")], loaded=2),
    Case("zero-contracted", "syk.csv", sick("1003;Lervig;2024K1;30;0;0;0"),
         problems=[(4, "Avtalte dagsverk", "contracted days must be above 0")], loaded=2),
    Case("duplicate-key", "syk.csv", sick("1001;Hundvåg skole;2024K1;20;1230,0;11;41"),
         problems=[(2, "Periode", "duplicate key"), (4, "Periode", "duplicate key")], loaded=1),
    Case("unknown-unit", "syk.csv", sick("9999;Ukjent;2024K1;30;1845,0;5;3"),
         problems=[(4, "Enhet ID", "unknown unit")], loaded=2),
    Case("missing-value", "syk.csv", sick("1003;Lervig;2024K1;;1845,0;5;3"),
         problems=[(4, "Ansatte", "missing value")], loaded=2),
    Case("month-13", "syk.csv", sick("1003;Lervig;2024-13;30;1845,0;5;3"),
         problems=[(4, "Periode", "not a month or quarter")], loaded=2),
    Case("quarter-5", "syk.csv", sick("1003;Lervig;Q5 2024;30;1845,0;5;3"),
         problems=[(4, "Periode", "not a month or quarter")], loaded=2),
    Case("short-long-above-contracted", "syk.csv",
         ("\n".join([SICK_HEADER + ";Korttidsfravær;Langtidsfravær", GOOD_1 + ";;", GOOD_2 + ";;",
                     "1003;Lervig;2024K1;30;100;5;3;80;90"]) + "\n").encode(),
         problems=[(4, "Langtidsfravær", "short- plus long-term days above contracted")],
         loaded=2),
    Case("fractional-employees", "syk.csv", sick("1003;Lervig;2024K1;12,5;1845,0;5;3"),
         problems=[(4, "Ansatte", "not a whole number")], loaded=2),
    Case("truncated-row", "syk.csv", sick("1003;Lervig;2024K1;30"),
         problems=[(4, "Avtalte dagsverk", "row has 4 cells but the header has 7")], loaded=2),
    Case("utf8-bom-commas-points", "syk.csv",
         b"\xef\xbb\xbf" + sick().decode().replace(",", ".").replace(";", ",").encode(), loaded=2),
    Case("thousands-separator", "syk.csv", sick("1003;Lervig;2024K1;30;1 845,5;5;3"), loaded=3),
    Case("month-formats", "syk.csv",
         sick("1003;Lervig;03.2024;30;600;5;3", "1003;Lervig;2024M04;30;600;5;3"), loaded=4),
    Case("user-survey-score-zero", "brukerundersokelse.csv",
         f"{SURVEY_HEADER}\n1001;2024;Trivsel;20;4,5\n1002;2024;Trivsel;20;0\n".encode(),
         problems=[(3, "Snitt", "mean score outside the scale")], loaded=1),
    Case("employee-survey-above-5", "medarbeiderundersokelse.csv",
         f"{SURVEY_HEADER}\n1001;2024;Autonomi;20;4,5\n1002;2024;Autonomi;20;5,5\n".encode(),
         problems=[(3, "Snitt", "mean score outside the scale")], loaded=1),
    Case("survey-negative-respondents", "brukerundersokelse.csv",
         f"{SURVEY_HEADER}\n1001;2024;Trivsel;-2;4,5\n1002;2024;Trivsel;20;5\n".encode(),
         problems=[(2, "Antall svar", "must be 0 or more")], loaded=1),
    Case("survey-bad-year", "brukerundersokelse.csv",
         f"{SURVEY_HEADER}\n1001;24;Trivsel;20;4,5\n1002;2024;Trivsel;20;5\n".encode(),
         problems=[(2, "År", "not a year")], loaded=1),
    Case("survey-odd-scale", "brukerundersokelse.csv",
         f"{SURVEY_HEADER};Skala\n1001;2024;Trivsel;20;4,5;9\n1002;2024;Trivsel;20;5;6\n".encode(),
         problems=[(2, "Skala", "scale must be")], loaded=1),
    Case("xlsx-survey-bad-row", "brukerundersokelse.xlsx",
         lambda: xlsx([["Brukerundersøkelse 2024"], [], ["Enhet", "År", "Spørsmål", "Antall svar",
                       "Snitt"], ["1001", 2024, "Trivsel", 30, 5.2], ["1002", 2024, "Trivsel", 25,
                       "fem"]], merge="A1:E1"),
         problems=[(5, "Snitt", "not a number: 'fem'")], loaded=1),
    Case("plan-bad-type", "undersokelsesplan.csv",
         "Tjenesteområde;Undersøkelse;Type;År\nbarnehage;Foreldre;bruker;2024\nskole;Elev;elev;2024\n"
         .encode(),
         problems=[(3, "Type", "type must be 'bruker' or 'medarbeider'")], loaded=1),
    Case("units-duplicate", "enheter2.csv",
         "Enhet ID;Enhetsnavn;Tjenesteområde\n5001;A;x\n5001;B;y\n5002;C;z\n".encode(),
         problems=[(2, "Enhet ID", "duplicate key"), (3, "Enhet ID", "duplicate key")], loaded=1),
    # own measures: any figure a unit reports, a year or a period, with its parts when it has any
    Case("own-measures", "egne_maltall.csv",
         "Enhet ID;Måltall;Periode;Verdi;Teller;Nevner;Antall ansatte\n"
         "1001;vedtak_innen_frist;2024;91,5;183;200;12\n"  # 100 x 183 / 200
         "1002;apningstimer;2024K2;37,5;;;\n"
         "1001;vedtak_innen_frist;2023;88;150;200;12\n"  # 88 is neither 0,75 nor 75
         "1001;Vedtak frist;2024;1;;;\n"  # not an id
         "1001;ventetid;2024;3;2;;\n"  # a numerator without a denominator
         "9999;apningstimer;2024;40;;;\n".encode(),  # an unknown unit
         problems=[(4, "Verdi", "neither numerator / denominator"), (5, "Måltall", "measure id"),
                   (6, "Nevner", "give both numerator and denominator"),
                   (7, "Enhet ID", "unknown unit")], loaded=2,
         values={("value", "1001"): 91.5}),
]  # fmt: skip


def xlsx_sheets(sheets: dict[str, list[list]], hidden_rows=(), hidden_sheets=()) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        for n in hidden_rows:
            sheet.row_dimensions[n].hidden = True
        if title in hidden_sheets:
            sheet.sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def stray_cell_workbook() -> bytes:
    """5 kB, one value at XFD1048576: the stored used range claims 17 billion cells."""
    book = Workbook()
    sheet = book.active
    for row in [SICK_HEADER.split(";"), GOOD_1.split(";"), GOOD_2.split(";")]:
        sheet.append(row)
    sheet["XFD1048576"] = "x"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


SICK_XLSX_HEADER = ["Enhet ID", "Enhetsnavn", "Periode", "Ansatte", "Avtalte dagsverk", "Egenmeldt",
                    "Legemeldt"]  # fmt: skip
COMMA_HEADER = SICK_HEADER.replace(";", ",")

# Files nobody here would export, as hostile and careless users make them (issue 13).
HOSTILE = [
    # --- files that used to crash the import, and every refresh after it ------------------------
    Case(
        "old-mac-line-endings",
        "syk.csv",
        lambda: sick().replace(b"\n", b"\r"),
        loaded=2,
        values={("contracted_days", "1002"): 738.0},
    ),
    Case(
        "field-over-128kb",
        "syk.csv",
        sick("1003;" + "L" * 200_000 + ";2024K1;30;1845;5;3"),
        "a cell longer than 10,000 characters",
    ),
    Case(
        "integer-beyond-64-bits",
        "syk.csv",
        sick("1003;Lervig;2024K1;99999999999999999999;1845,0;5;3"),
        problems=[(4, "Ansatte", "too large")],
        loaded=2,
    ),
    Case(
        "xlsx-stray-cell-at-xfd1048576",
        "syk.xlsx",
        stray_cell_workbook,
        problems=[(1048576, "column 8", "the values would shift")],
        loaded=2,
    ),
    # --- numbers that used to be read wrong without a word ----------------------------------------
    Case(
        "comma-separated-with-decimal-commas",
        "syk.csv",
        f"{COMMA_HEADER}\n1001,Hundvåg skole,2024K1,20,1230,10,40\n"
        "1002,Tasta bhg,2024K1,12,738,0,5,0,20,0\n".encode(),
        problems=[(3, "column 8", "the values would shift")],
        loaded=1,
    ),
    Case(
        "three-point-zero-zero-zero-employees",
        "syk.csv",
        sick("1003;Lervig;2024K1;3.000;1845;5;3").replace(b"10,5", b"10").replace(b",0", b""),
        problems=[(4, "Ansatte", "could be 3 or 3000")],
        loaded=2,
    ),
    Case(  # issue 28: read as 3000 by the file's decimal commas, 0,02 days per employee-month
        "three-point-zero-zero-zero-employees-with-decimal-commas-is-implausible",
        "syk.csv",
        sick("1003;Lervig;2024K1;3.000;183,6;5;3"),
        problems=[
            (
                4,
                "Ansatte",
                "«3.000» lest som 3 000: 3 000 ansatte med 183,6 avtalte "
                "dagsverk gir 0,02 avtalte dagsverk per ansatt og måned (rimelig er 0,5\u201331); "
                "lest som 3: 3 ansatte med 183,6 avtalte dagsverk gir 20,40",
            )
        ],
        loaded=2,
    ),
    Case(
        "contracted-days-per-employee-implausible",
        "syk.csv",
        sick("1003;Lervig;2024K1;40;2;0;0"),
        problems=[(4, "Ansatte", "40 ansatte med 2 avtalte dagsverk gir 0,02 avtalte dagsverk")],
        loaded=2,
    ),
    Case(
        "three-point-zero-zero-zero-with-decimal-points",
        "syk.csv",
        (
            f"{SICK_HEADER}\n1001;Hundvåg skole;2024K1;20;1230.5;10.5;40\n"
            "1003;Lervig;2024K1;3.000;180;5;3\n"
        ).encode(),
        loaded=2,
        values={("employees", "1003"): 3, ("contracted_days", "1001"): 1230.5},
    ),
    Case(
        "one-comma-five-hundred-in-a-decimal-comma-file",
        "syk.csv",
        sick("1003;Lervig;2024K1;30;600;1,500;3"),
        loaded=3,
        values={("self_certified_days", "1003"): 1.5},
    ),
    Case(
        "one-point-five-hundred-in-a-decimal-comma-file",
        "syk.csv",
        sick("1003;Lervig;2024K1;30;1.500;5;3"),
        loaded=3,
        values={("contracted_days", "1003"): 1500.0},
    ),
    Case(
        "four-hundred-digit-number",
        "syk.csv",
        sick("1003;Lervig;2024K1;30;" + "9" * 400 + ";5;3"),
        problems=[(4, "Avtalte dagsverk", "too large")],
        loaded=2,
    ),
    Case(
        "infinity-and-nan-as-text",
        "syk.csv",
        sick("1003;Lervig;2024K1;30;inf;5;3", "1003;Lervig;2024K2;30;600;NaN;3"),
        problems=[(4, "Avtalte dagsverk", "not a number"), (5, "Egenmeldt", "not a number")],
        loaded=2,
    ),
    Case(
        "decimal-point-in-a-decimal-comma-file",
        "syk.csv",
        sick("1003;Lervig;2024K1;30;600;5.5;3"),
        problems=[(4, "Egenmeldt", "has '.' as its decimal mark, the rest of the file ','")],
        loaded=2,
    ),
    Case(
        "unicode-minus",
        "syk.csv",
        sick("1003;Lervig;2024K1;30;600;\u22125;3"),
        problems=[(4, "Egenmeldt", "must be 0 or more")],
        loaded=2,
    ),
    Case(
        "non-breaking-space-thousands",
        "syk.csv",
        sick("1003;Lervig;2024K1;30;1\u00a0845,5;5;3"),
        loaded=3,
        values={("contracted_days", "1003"): 1845.5},
    ),
    Case(
        "xlsx-two-sheets-with-data",
        "syk.xlsx",
        lambda: xlsx_sheets(
            {
                "K1": [SICK_XLSX_HEADER, ["1001", "Hundvåg skole", "2024K1", 20, 1230, 10.5, 40]],
                "K2": [SICK_XLSX_HEADER, ["1001", "Hundvåg skole", "2024K2", 21, 1290, 12, 44]],
            }
        ),
        loaded=2,
    ),
    Case(
        "xlsx-notes-sheet-is-said-to-be-left-out",
        "syk.xlsx",
        lambda: xlsx_sheets(
            {
                "Data": [SICK_XLSX_HEADER, ["1001", "Hundvåg skole", "2024K1", 20, 1230, 10.5, 40]],
                "Notater": [["Tallene er foreløpige"]],
            }
        ),
        loaded=1,
    ),
    Case(
        "xlsx-hidden-row",
        "syk.xlsx",
        lambda: xlsx_sheets(
            {
                "Data": [
                    SICK_XLSX_HEADER,
                    ["1001", "Hundvåg skole", "2024K1", 20, 1230, 10.5, 40],
                    ["1002", "Tasta bhg", "2024K1", 12, 738, 5, 20],
                ]
            },
            hidden_rows=[3],
        ),
        problems=[(3, "", "row is hidden in Excel")],
        loaded=1,
    ),
    Case(
        "xlsx-hidden-sheet",
        "syk.xlsx",
        lambda: xlsx_sheets(
            {
                "Data": [SICK_XLSX_HEADER, ["1001", "Hundvåg skole", "2024K1", 20, 1230, 10.5, 40]],
                "Gammel": [SICK_XLSX_HEADER, ["1002", "Tasta bhg", "2024K1", 12, 738, 5, 20]],
            },
            hidden_sheets=["Gammel"],
        ),
        loaded=1,
    ),
    Case(
        "xlsx-only-sheet-hidden",
        "syk.xlsx",
        lambda: xlsx_sheets(
            {
                "Data": [SICK_XLSX_HEADER, ["1001", "Hundvåg skole", "2024K1", 20, 1230, 10.5, 40]],
                "Tom": [["x"]],
            },
            hidden_sheets=["Data"],
        ),
        "sheet 'Data' is hidden in Excel and was not read",
    ),
    Case(
        "xlsx-month-as-date",
        "syk.xlsx",
        lambda: xlsx_sheets(
            {
                "Data": [
                    SICK_XLSX_HEADER,
                    [
                        "1001",
                        "Hundvåg skole",
                        __import__("datetime").date(2024, 3, 1),
                        20,
                        600,
                        5,
                        20,
                    ],
                ]
            }
        ),
        loaded=1,
    ),
    Case(
        "xlsx-fractional-employees",
        "syk.xlsx",
        lambda: xlsx_sheets(
            {"Data": [SICK_XLSX_HEADER, ["1001", "Hundvåg skole", "2024K1", 12.5, 600, 5, 20]]}
        ),
        problems=[(2, "Ansatte", "not a whole number")],
        loaded=0,
    ),
    Case(
        "nul-byte-in-a-unit-name",
        "syk.csv",
        sick("1003;Ler\x00vig;2024K1;30;600;5;3"),
        problems=[(4, "Enhetsnavn", "control character U+0000")],
        loaded=2,
    ),
    Case(
        "escape-character-in-a-cell",
        "syk.csv",
        sick("1003;Lervig\x1b[31m;2024K1;30;600;5;3"),
        problems=[(4, "Enhetsnavn", "control character U+001B")],
        loaded=2,
    ),
    Case(
        "exact-duplicate-rows",
        "syk.csv",
        sick(GOOD_2),
        problems=[(4, "", "exact duplicate of row 3 (loaded once)")],
        loaded=2,
        values={("contracted_days", "1002"): 738.0},
    ),
    Case(
        "latin1-byte-in-a-utf8-file",
        "syk.csv",
        sick("1003;Lervig helsehus;2024K1;30;600;5;3").replace(b"helsehus", b"h\xe6lsehus"),
        "mixed encoding: the file is UTF-8, but byte 0xe6 on line 4",
    ),
    Case(
        "single-nul-in-the-first-4kb-is-not-utf16",
        "syk.csv",
        sick("1003;\x00;2024K1;30;600;5;3"),
        problems=[(4, "Enhetsnavn", "control character U+0000")],
        loaded=2,
    ),
    Case("too-many-columns", "syk.csv", sick(";" * 300), "at most 200 are read"),
    Case("tab-separated", "syk.tsv", sick().replace(b";", b"\t"), loaded=2),
    Case(
        "quoted-name-with-separator-and-newline",
        "syk.csv",
        sick('1003;"Lervig; sykehjem\r\navd. 2";2024K1;30;600;5;3'),
        loaded=3,
    ),
    Case("trailing-empty-cells", "syk.csv", sick("1003;Lervig;2024K1;30;600;5;3;;;"), loaded=3),
    Case(
        "survey-decimal-commas-in-a-comma-file",
        "brukerundersokelse.csv",
        "Enhet ID,År,Spørsmål,Antall svar,Snitt\n1001,2024,Trivsel,20,5\n"
        "1002,2024,Trivsel,20,4,5\n".encode(),
        problems=[(3, "column 6", "the values would shift")],
        loaded=1,
    ),
]
CASES += HOSTILE


def import_case(tmp_path: Path, case: Case):
    archive = LocalArchive(tmp_path / "local")
    units = tmp_path / "enheter.csv"
    units.write_text(UNITS, encoding="utf-8")
    archive.add(units)
    path = tmp_path / case.name
    content = case.content() if callable(case.content) else case.content
    path.write_bytes(content)
    entry, _ = archive.add(path, case.kind)
    tables = replay(archive)
    result = next(r for r in tables.files if r.sha256 == entry["sha256"])
    quarantine = tables.tables["quarantine"].filter(pl.col("file_sha256") == entry["sha256"])
    return result, quarantine, tables


def test_the_corpus_has_at_least_60_files() -> None:
    assert len(CASES) >= 60 and len({c.id for c in CASES}) == len(CASES)
    assert len([c for c in CASES if c.rejected or c.problems]) >= 45


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_malformed_input_gets_its_error_and_no_good_row_is_lost(
    tmp_path: Path, case: Case
) -> None:
    result, quarantine, tables = import_case(tmp_path, case)
    if case.rejected:
        assert result.status == "rejected" and result.rows_loaded == 0
        assert case.rejected in result.reason
        assert quarantine.is_empty()
        return
    got = sorted(quarantine.select("row", "column", "reason").iter_rows())
    assert len(got) == len(case.problems), got
    for (row, column, reason), (want_row, want_column, want_reason) in zip(
        got, sorted(case.problems), strict=True
    ):
        assert (row, column) == (want_row, want_column)
        assert want_reason in reason
    assert result.rows_loaded == case.loaded
    assert result.rows_loaded + result.rows_quarantined == result.rows_read
    assert set(quarantine["file"]) <= {case.name}
    if case.values:  # the value its author meant, not another reading
        kind = result.kind
        loaded = tables.tables[kind].filter(pl.col("file") == case.name)
        for (column, unit), want in case.values.items():
            got = loaded.filter(pl.col("unit_id") == unit)[column].to_list()
            assert got == [want], (column, unit, got)


def test_decimal_commas_encodings_and_title_lines_give_the_right_values(tmp_path: Path) -> None:
    case = next(c for c in CASES if c.id == "decimal-comma-and-title-lines")
    _, _, tables = import_case(tmp_path, case)
    rows = tables.tables["sick_leave"].sort("unit_id")
    assert rows["contracted_days"].to_list() == [1230.0, 738.0]
    assert rows["self_certified_days"].to_list() == [10.5, 5.0]
    assert rows["unit_name"].to_list() == ["Hundvåg skole", "Tasta bhg"]  # cp1252 read right
    assert rows["row"].to_list() == [5, 6]  # physical rows in the file, header on row 4
    (tmp_path / "t").mkdir()
    thousands = next(c for c in CASES if c.id == "thousands-separator")
    _, _, tables = import_case(tmp_path / "t", thousands)
    assert 1845.5 in tables.tables["sick_leave"]["contracted_days"].to_list()


# --- nothing lost, idempotent -------------------------------------------------------------------


def test_reimporting_the_same_file_changes_nothing(tmp_path: Path) -> None:
    archive = LocalArchive(tmp_path / "local")
    (tmp_path / "enheter.csv").write_text(UNITS, encoding="utf-8")
    (tmp_path / "syk.csv").write_bytes(sick())
    archive.add(tmp_path / "enheter.csv")
    _, first_new = archive.add(tmp_path / "syk.csv")
    before = replay(archive).tables
    copy = tmp_path / "copy-of-syk.csv"
    copy.write_bytes(sick())
    _, again = archive.add(copy)
    after = replay(archive).tables
    assert first_new and not again
    assert len(archive.entries()) == 2
    assert all(after[name].equals(before[name]) for name in before)


def test_a_corrected_file_replaces_values_and_keeps_history(tmp_path: Path) -> None:
    archive = LocalArchive(tmp_path / "local")
    (tmp_path / "enheter.csv").write_text(UNITS, encoding="utf-8")
    archive.add(tmp_path / "enheter.csv")
    (tmp_path / "syk.csv").write_bytes(sick())
    archive.add(tmp_path / "syk.csv")
    corrected = tmp_path / "syk_rettet.csv"
    corrected.write_bytes(
        (SICK_HEADER + "\n1001;Hundvåg skole;2024K1;20;1230,0;12,0;40,0\n").encode()
    )
    archive.add(corrected)
    history = replay(archive).tables["sick_leave"]
    hundvag = history.filter(pl.col("unit_id") == "1001").sort("vintage")
    assert hundvag.select("self_certified_days", "file", "is_current").rows() == [
        (10.5, "syk.csv", False),
        (12.0, "syk_rettet.csv", True),
    ]
    tasta = history.filter(pl.col("unit_id") == "1002")
    assert tasta.height == 1 and tasta["is_current"].item()  # untouched by the correction
    assert history["file_sha256"].n_unique() == 2  # every value names the file it came from


def test_archived_files_are_kept_byte_for_byte(tmp_path: Path) -> None:
    archive = LocalArchive(tmp_path / "local")
    source = tmp_path / "syk.csv"
    source.write_bytes(sick())
    entry, _ = archive.add(source)
    source.unlink()
    assert archive.path(entry).read_bytes() == sick()


# --- interfaces ---------------------------------------------------------------------------------


def test_cli_import_prints_the_summary_and_a_second_import_is_a_no_op(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    config = write_config(tmp_path)
    (tmp_path / "enheter.csv").write_text(UNITS, encoding="utf-8")
    (tmp_path / "syk.csv").write_bytes(sick("9999;Ukjent;2024K1;30;1845,0;5;3"))
    (tmp_path / "tom.csv").write_bytes(b"")
    args = ["--config", str(config), "import", "--no-refresh"]
    files = [str(tmp_path / n) for n in ("enheter.csv", "syk.csv", "tom.csv")]
    assert cli.main([*args, *files]) == cli.EXIT_FAILED  # a file was rejected
    out = capsys.readouterr().out
    assert "enheter.csv (units): 3 rows loaded, 0 quarantined" in out
    assert "syk.csv (sick_leave): 2 rows loaded, 1 quarantined" in out
    assert "1 x unknown unit" in out
    assert "REJECTED tom.csv: the file is empty" in out
    assert cli.main([*args, files[1]]) == cli.EXIT_OK
    assert "unchanged      syk.csv: the same file was imported" in capsys.readouterr().out


def test_the_inbox_sensor_asks_for_one_run_per_new_set_of_files(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    job = dg.define_asset_job("full_refresh")
    sensor = local_inbox_sensor(job, inbox)
    empty = sensor(dg.build_sensor_context())
    assert isinstance(empty, dg.SkipReason)
    inbox.mkdir()
    (inbox / "syk.csv").write_bytes(sick())
    (inbox / "notes.docx").write_bytes(b"ignored")
    first = sensor(dg.build_sensor_context())
    assert len(first.run_requests) == 1
    again = sensor(dg.build_sensor_context(cursor=first.cursor))
    assert isinstance(again, dg.SkipReason)


def test_a_rejected_file_is_rejected_again_and_never_starts_a_refresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    config = write_config(tmp_path)
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(b"\x00\x01 this is no export \xff\xfe\n;;;\n")
    refreshes: list[str] = []
    monkeypatch.setattr(cli, "refresh", lambda args: refreshes.append(args.command) or 0)
    args = ["--config", str(config), "import", str(garbage)]
    assert cli.main(args) == cli.EXIT_FAILED
    first = capsys.readouterr().out
    assert cli.main(args) == cli.EXIT_FAILED  # the same file again: rejected again, same reason
    second = capsys.readouterr().out
    assert "REJECTED garbage.csv" in first and first == second
    assert refreshes == []  # nothing loaded, nothing to refresh
    archive = LocalArchive(tmp_path / "data/local")
    (entry,) = archive.entries()
    assert entry["status"] == "rejected" and entry["reason"] in first
    assert archive.path(entry).read_bytes() == garbage.read_bytes()  # kept as received
    assert replay(archive).files == []  # and never replayed into the warehouse
    # a file that loads rows starts the refresh
    (tmp_path / "enheter.csv").write_text(UNITS, encoding="utf-8")
    assert cli.main(["--config", str(config), "import", str(tmp_path / "enheter.csv")]) == 0
    assert refreshes == ["import"]


def test_the_files_that_crashed_the_import_cannot_break_a_refresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """The four files of issue 13: each ends in a named rejection or quarantine and a non-zero
    exit, is listed with its status, can be withdrawn, and the next refresh succeeds."""
    from tests.conftest import run_cli

    config = write_config(tmp_path)
    (tmp_path / "enheter.csv").write_text(UNITS, encoding="utf-8")
    args = ["--config", str(config), "import", "--no-refresh"]
    assert cli.main([*args, str(tmp_path / "enheter.csv")]) == cli.EXIT_OK
    crashing = [c for c in HOSTILE if c.id in (
        "old-mac-line-endings", "field-over-128kb", "integer-beyond-64-bits",
        "xlsx-stray-cell-at-xfd1048576")]  # fmt: skip
    assert len(crashing) == 4
    capsys.readouterr()
    for case in crashing:
        path = tmp_path / "in" / case.id / case.name
        path.parent.mkdir(parents=True)
        path.write_bytes(case.content() if callable(case.content) else case.content)
        code = cli.main([*args, str(path)])
        out = capsys.readouterr().out
        if case.id == "old-mac-line-endings":  # now read right: 2 rows, nothing to look at
            assert code == cli.EXIT_OK and "2 rows loaded, 0 quarantined" in out
        else:
            assert code == cli.EXIT_FAILED, out
            assert (case.rejected or case.problems[0][2]) in out or "quarantined" in out
    assert cli.main(["--config", str(config), "import", "--list"]) == cli.EXIT_OK
    listing = capsys.readouterr().out
    assert "rejected" in listing and "a cell longer than 10,000 characters" in listing
    assert listing.count("accepted") == 4  # units, CR file, 64-bit file, stray-cell workbook
    stray = next(c for c in crashing if c.name.endswith(".xlsx"))
    assert cli.main([*args, "--withdraw", stray.name]) == cli.EXIT_OK
    archive = LocalArchive(tmp_path / "data/local")
    statuses = {e["name"]: e["status"] for e in archive.entries()}
    assert statuses["syk.xlsx"] == "withdrawn" and (tmp_path / "data/local/files").exists()
    assert "syk.xlsx" not in {r.name for r in replay(archive).files}
    assert run_cli(config, monkeypatch) == cli.EXIT_OK  # the refresh goes through


# --- plausible own figures (issue 28) -----------------------------------------------------------


def _import_in_order(tmp_path: Path, files: list[tuple[str, str]], country: str = "NO"):
    archive = LocalArchive(tmp_path / "local")
    units = tmp_path / "enheter.csv"
    units.write_text(UNITS, encoding="utf-8")
    archive.add(units)
    for name, text in files:
        (tmp_path / name).write_text(text, encoding="utf-8")
        archive.add(tmp_path / name)
    return replay(archive, country=country)


def test_a_units_employees_jumping_fivefold_from_its_other_periods_is_quarantined(
    tmp_path: Path,
) -> None:
    earlier = sick("1003;Lervig;2024K1;30;1800;5;3", "1003;Lervig;2024K2;32;1900;5;3").decode()
    later = (
        f"{SICK_HEADER}\n1003;Lervig;2024K3;300;18000;50;30\n"
        "1001;Hundvåg skole;2024K3;21;1250;10;40\n"
    )
    tables = _import_in_order(tmp_path, [("syk-h1.csv", earlier), ("syk-k3.csv", later)])
    quarantine = tables.tables["quarantine"].filter(pl.col("file") == "syk-k3.csv")
    assert quarantine.select("row", "column").rows() == [(2, "Ansatte")]
    assert (
        "300 ansatte mot 31 i enhetens andre perioder (median): mer enn 5 ganger"
        in (quarantine["reason"][0])
    )
    loaded = tables.tables["sick_leave"].filter(pl.col("period") == "2024K3")
    assert loaded["unit_id"].to_list() == ["1001"]  # the good row of the same file loads


def test_plausibility_reasons_are_swedish_for_a_swedish_home(tmp_path: Path) -> None:
    text = sick("1003;Lervig;2024K1;3.000;183,6;5;3").decode()
    tables = _import_in_order(tmp_path, [("sjuk.csv", text)], country="SE")
    reason = tables.tables["quarantine"].filter(pl.col("file") == "sjuk.csv")["reason"][0]
    assert "anställda ”3.000” läst som 3 000" in reason and "läst som 3:" in reason
    assert "rätta talet i filen" in reason


def test_a_respondent_count_in_doubt_is_taken_at_its_smaller_reading(tmp_path: Path) -> None:
    """`3.000` respondents in a file with decimal commas: 3 or 3000. Privacy is judged on 3."""
    survey = f"{SURVEY_HEADER}\n1001;2024;Trivsel;3.000;4,5\n1002;2024;Trivsel;25;4,1\n"
    tables = _import_in_order(tmp_path, [("brukerundersokelse.csv", survey)])
    rows = tables.tables["user_survey"].sort("unit_id")
    assert rows["respondents"].to_list() == [3, 25]
    result = next(r for r in tables.files if r.name == "brukerundersokelse.csv")
    assert any("smaller reading" in n for n in result.notes)


def test_an_employee_survey_with_more_answers_than_the_unit_has_employees_is_quarantined(
    tmp_path: Path,
) -> None:
    staff = sick().decode()  # 1001 has 20 employees, 1002 has 12
    survey = f"{SURVEY_HEADER}\n1001;2024;Mestringstro;18;4,5\n1002;2024;Mestringstro;40;4,1\n"
    tables = _import_in_order(
        tmp_path, [("syk.csv", staff), ("medarbeiderundersokelse.csv", survey)]
    )
    quarantine = tables.tables["quarantine"].filter(pl.col("file") == "medarbeiderundersokelse.csv")
    assert quarantine.select("row", "column").rows() == [(3, "Antall svar")]
    assert "40 svar, men enheten har høyst 12 ansatte" in quarantine["reason"][0]
