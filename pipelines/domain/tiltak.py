"""Tiltak (actions) against målekart rows: read from a list (CSV or Excel) with errors that name
the file, row, column and reason, kept in a ledger so a later list replaces an earlier one's
rows and nothing read is lost.

A list has one tiltak per row: Nivå (kommune, tjenesteområde, enhet), Enhet/område (the unit's
id, or the service area), Indikator (as in the målekart), Periode (the målekart's period the
result missed: 2024, 2024K1, 2024M03), Tiltak (what), Ansvarlig (who), Frist (by when:
2025-06-30 or 30.06.2025), Kostnad (kr, optional), Status (planlagt, i gang, gjennomført,
avbrutt) and Vurdering (free text). Several rows may name the same målekart row.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

# the sheet's format (its columns, keyword, Swedish statuses) is the sheet writer's
from dashboards.tiltak import SHEET_COLUMNS, SHEET_KEYWORD, STATUS_WORDS

COLUMNS = ("Nivå", "Enhet/område", "Indikator", "Periode", "Tiltak", "Ansvarlig", "Frist",
           "Kostnad", "Status", "Vurdering")  # fmt: skip
LEVELS = ("kommune", "tjenesteområde", "enhet")
STATUSES = ("planlagt", "i gang", "gjennomført", "avbrutt")


SCHEMA = {
    "level": pl.String, "unit_or_area": pl.String, "indicator_id": pl.String,
    "period": pl.String, "what": pl.String, "owner": pl.String, "due": pl.Date,
    "cost_kr": pl.Float64, "status": pl.String, "assessment": pl.String, "file": pl.String,
    "row": pl.Int64, "imported_at": pl.String,
}  # fmt: skip
REJECTED_SCHEMA = {
    "file": pl.String, "row": pl.Int64, "column": pl.String, "value": pl.String,
    "reason": pl.String,
}  # fmt: skip
_PERIOD = re.compile(r"\d{4}(K[1-4]|M(0[1-9]|1[0-2]))?")


def _due(text: str) -> date:
    text = text.strip()
    norwegian = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
    if norwegian:
        return date(int(norwegian[3]), int(norwegian[2]), int(norwegian[1]))
    return date.fromisoformat(text)


def _cost(text: str) -> float | None:
    text = text.replace("\u00a0", "").replace(" ", "").removesuffix("kr").strip()
    if not text:
        return None
    return float(text.replace(",", "."))


def _rows(path: Path) -> tuple[list[dict[str, str]], list[str]]:
    """The file's rows as text cells by header (.csv with ; or .xlsx, first sheet)."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook  # only where an Excel file is read

        sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
        values = [
            ["" if v is None else (v.isoformat()[:10] if isinstance(v, datetime | date) else
                                   str(v)) for v in row]
            for row in sheet.iter_rows(values_only=True)
        ]  # fmt: skip
        header = [h.strip() for h in values[0]] if values else []
        return [dict(zip(header, row, strict=False)) for row in values[1:]], header
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text), delimiter=";")
    return list(reader), list(reader.fieldnames or [])


def check_row(
    cells: dict[str, str], file: str, number: int, imported_at: str
) -> tuple[dict | None, list[dict]]:
    """One row of a list or a sheet: the tiltak, or every cell that keeps it out and why."""
    problems = []

    def fail(column: str, reason: str) -> None:
        problems.append({"file": file, "row": number, "column": column, "value": cells[column],
                         "reason": reason})  # fmt: skip

    if cells["Nivå"] not in LEVELS:
        fail("Nivå", f"not one of {', '.join(LEVELS)}")
    if cells["Nivå"] in ("tjenesteområde", "enhet") and not cells["Enhet/område"]:
        fail("Enhet/område", "empty: name the unit (its id) or the service area")
    if not cells["Indikator"]:
        fail("Indikator", "empty: the målekart's indicator the tiltak is for")
    if not _PERIOD.fullmatch(cells["Periode"]):
        fail("Periode", "not a period: write 2024, 2024K1 or 2024M03")
    if not cells["Tiltak"]:
        fail("Tiltak", "empty: say what will be done")
    due = cost = None
    try:
        due = _due(cells["Frist"]) if cells["Frist"] else None
    except ValueError:
        fail("Frist", "not a date: write 2025-06-30 or 30.06.2025")
    try:
        cost = _cost(cells["Kostnad"])
    except ValueError:
        fail("Kostnad", "not an amount in kroner: write 250000 or 250 000")
    status = STATUS_WORDS.get(cells["Status"].lower(), cells["Status"].lower())
    if status not in STATUSES:
        fail("Status", f"not one of {', '.join(STATUSES)}")
    if problems:
        return None, problems
    return {
        "level": cells["Nivå"], "unit_or_area": cells["Enhet/område"] or None,
        "indicator_id": cells["Indikator"], "period": cells["Periode"],
        "what": cells["Tiltak"], "owner": cells["Ansvarlig"] or None, "due": due,
        "cost_kr": cost, "status": status, "assessment": cells["Vurdering"] or None,
        "file": file, "row": number, "imported_at": imported_at,
    }, []  # fmt: skip


def read_tiltak(path: Path, imported_at: str | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The list's good rows and, beside them, every cell that kept a row out and why."""
    rows, header = _rows(path)
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ValueError(f"{path.name}: the header lacks {', '.join(missing)} (a tiltak list has "
                         f"{';'.join(COLUMNS)})")  # fmt: skip
    at = datetime.now(UTC).isoformat(timespec="seconds") if imported_at is None else imported_at
    good, rejected = [], []
    for number, raw in enumerate(rows, start=2):  # row 1 is the header
        cells = {k: str(raw.get(k) or "").strip() for k in COLUMNS}
        if not any(cells.values()):
            continue
        row, problems = check_row(cells, path.name, number, at)
        if row:
            good.append(row)
        rejected += problems
    return pl.DataFrame(good, schema=SCHEMA), pl.DataFrame(rejected, schema=REJECTED_SCHEMA)


def _sheet_table(path: Path) -> tuple[str, int, list[list[str]]]:
    """The unit a resultatdialog sheet (Word, or its Excel version) was written for, the row
    number of its fill-in table's first row (the table's in Word, the sheet's in Excel) and the
    rows below the header; ValueError when it is not one of ours or its table was rebuilt."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        keywords, comments = book.properties.keywords, book.properties.description
        grid = [["" if v is None else str(v).strip() for v in row]
                for row in book.worksheets[0].iter_rows(values_only=True)]  # fmt: skip
    else:
        from docx import Document  # only where a sheet is read

        doc = Document(str(path))
        keywords, comments = doc.core_properties.keywords, doc.core_properties.comments
        tables = [[[c.text.strip() for c in r.cells] for r in t.rows] for t in doc.tables]
        grid = next((t for t in tables if tuple(t[0]) in SHEET_COLUMNS.values()), [])
    if not (keywords or "").startswith(SHEET_KEYWORD):
        raise ValueError(f"{path.name}: not a Målestokk resultatdialog sheet (no "
                         f"'{SHEET_KEYWORD}' keyword)")  # fmt: skip
    said = dict(part.split("=", 1) for part in (comments or "").split(";") if "=" in part)
    if not said.get("unit"):
        raise ValueError(f"{path.name}: the sheet does not say its unit (its properties were "
                         "edited); write the tiltak into a fresh sheet")  # fmt: skip
    at = next((n for n, row in enumerate(grid) if tuple(row[:8]) in SHEET_COLUMNS.values()), None)
    if at is None:
        wanted = " | ".join(SHEET_COLUMNS["no"])
        raise ValueError(f"{path.name}: the tiltak table is missing or its columns were changed "
                         f"(its header must read {wanted}); write into a fresh sheet")  # fmt: skip
    first = 2 if path.suffix.lower() == ".docx" else at + 2
    return said["unit"], first, [(row + [""] * 8)[:8] for row in grid[at + 1 :]]


def read_sheet(path: Path, ids_of_unit) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The tiltak a unit leader wrote into the fill-in table of a resultatdialog sheet (Word, or
    its Excel version). `ids_of_unit(unit_id)` maps the målekart's indicator names on the sheet
    back to their ids (the published warehouse knows them). A sheet whose table was rebuilt is
    refused whole."""
    unit, first, lines = _sheet_table(path)
    ids = ids_of_unit(unit)
    at = datetime.now(UTC).isoformat(timespec="seconds")
    good, rejected = [], []
    for number, text in enumerate(lines, start=first):
        if not text[2]:  # no tiltak written on this row
            continue
        label = text[0]
        cells = dict(zip(COLUMNS, ["enhet", unit, ids.get(label, ""), *text[1:]], strict=True))
        found, problems = check_row(cells, path.name, number, at)
        if label and label not in ids:
            problems = [p for p in problems if p["column"] != "Indikator"] + [
                {"file": path.name, "row": number, "column": "Indikator", "value": label,
                 "reason": "not an indicator of this unit's målekart"}]  # fmt: skip
            found = None
        if found:
            good.append(found)
        rejected += problems
    return pl.DataFrame(good, schema=SCHEMA), pl.DataFrame(rejected, schema=REJECTED_SCHEMA)


def _is_sheet(path: Path) -> bool:
    if path.suffix.lower() == ".docx":
        return True
    if path.suffix.lower() != ".xlsx":
        return False
    from openpyxl import load_workbook

    keywords = load_workbook(path, read_only=True).properties.keywords or ""
    return keywords.startswith(SHEET_KEYWORD)


def keep(path: Path, ledger: Path, archive: Path, ids_of_unit=None) -> tuple[int, pl.DataFrame]:
    """`malestokk tiltak les FILE`: check the list or sheet, keep the file (by its sha256) so the
    read can be replayed, and append its good rows to the ledger; return how many and the
    rejected."""
    if _is_sheet(path):
        good, rejected = read_sheet(path, ids_of_unit or (lambda unit: {}))
    else:
        good, rejected = read_tiltak(path)
    data = path.read_bytes()
    folder = archive / hashlib.sha256(data).hexdigest()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / path.name).write_bytes(data)
    ledger.parent.mkdir(parents=True, exist_ok=True)
    with ledger.open("a", encoding="utf-8") as fh:
        for row in good.iter_rows(named=True):
            row["due"] = row["due"].isoformat() if row["due"] else None
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return good.height, rejected


def load(ledger: Path, listed: pl.DataFrame | None = None) -> pl.DataFrame:
    """Every tiltak: the settings' list, then what was read later; a tiltak read again (same
    målekart row and what) replaces the earlier version, so its status moves on."""
    frames = [listed] if listed is not None else []
    if ledger.exists():
        rows = [json.loads(x) for x in ledger.read_text(encoding="utf-8").splitlines() if x]
        for row in rows:
            row["due"] = date.fromisoformat(row["due"]) if row.get("due") else None
        frames.append(pl.DataFrame(rows, schema=SCHEMA))
    if not frames:
        return pl.DataFrame(schema=SCHEMA)
    key = ["level", "unit_or_area", "indicator_id", "period", "what"]
    return (
        pl.concat(frames)
        .with_row_index("_order")
        .sort("imported_at", "_order")
        .unique(key, keep="last")
        .drop("_order")
        .sort(key)
    )
