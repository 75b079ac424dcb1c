"""Tiltak against the målekart: read from a list as a unit leader fills it in, followed up in
mart_tiltak, and shown where the next dialogue starts."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from docx import Document
from openpyxl import Workbook

from pipelines import cli
from pipelines.domain.tiltak import COLUMNS, read_tiltak
from tests.conftest import run_cli, write_config


def test_the_demo_follows_its_tiltak_up(stavanger: Path) -> None:
    """The demo's (synthetic) tiltak: last year's with the effect it had, the overdue ones and
    the one with no owner; the pages, the sheets and the annual report show them."""
    con = duckdb.connect(str(stavanger / "data/warehouse/malestokk.duckdb"), read_only=True)
    rows = {
        (r[0], r[1], r[2]): r[3:]
        for r in con.execute(
            "SELECT level, coalesce(unit_or_area, ''), indicator_id, value_before, value_after, "
            "moved_right, met_after, overdue, no_owner, due < current_date FROM mart_tiltak"
        ).fetchall()
    }
    con.close()
    assert len(rows) == 6
    before, after, right, met, overdue, _, _ = rows[("kommune", "", "kostra.grunnskolepoeng")]
    assert (right, met, overdue) == (after > before, True, False)  # done: not overdue
    for key, (*_, overdue, _, past_due) in rows.items():
        status_open = key[2] != "kostra.grunnskolepoeng" and key[1] != "1001"
        assert overdue == (status_open and past_due), key
    assert [k for k, v in rows.items() if v[5]] == [("enhet", "3004", "egen:vedtak_innen_frist")]
    outputs = stavanger / "data/outputs"
    unit_page = (outputs / "dashboards/malekart-enhet-3004.html").read_text(encoding="utf-8")
    assert "Avtale om fast legevisitt to dager i uka" in unit_page
    assert "ingen ansvarlig" in unit_page and "forfalt" in unit_page
    amber_without = (outputs / "dashboards/malekart-enhet-1002.html").read_text(encoding="utf-8")
    assert "Ingen tiltak registrert" in amber_without  # an amber row nobody answered
    sheet = next((outputs / "resultatdialog").glob("resultatdialog-2024-3004.docx"))
    text = "\n".join(
        c.text for t in Document(str(sheet)).tables for row in t.rows for c in row.cells
    )
    assert "Ny rutine for saksbehandling av vedtak" in text and "ikke målt ennå" in text
    report = (outputs / "reports/arsberetning-2024.html").read_text(encoding="utf-8")
    assert "Tiltak fra i fjor og hva de ga" in report
    assert "nådd: 44,1 poeng → 44,3 poeng" in report


def test_a_list_filled_in_excel_is_read_back_and_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """A unit leader fills in the list in Excel: the good rows are read, a date in the wrong
    form is named with its row and column; after the refresh the tiltak is on the unit's page
    and sheet; a later list moves its status on rather than adding a second one."""
    config = write_config(tmp_path)
    book = Workbook()
    sheet = book.active
    sheet.append(list(COLUMNS))
    sheet.append(
        [
            "enhet",
            "3001",
            "sykefravaer",
            "2024",
            "Hospitering for nye ansatte",
            "Leder hjemmetjenesten Eiganes",
            "15.05.2026",
            "25 000",
            "planlagt",
            "",
        ]
    )
    sheet.append(["enhet", "3001", "sykefravaer", "2024", "Ukjent dato", "Leder",
                  "31/12/2025", "", "planlagt", ""])  # fmt: skip
    listed = tmp_path / "tiltak-eiganes.xlsx"
    book.save(listed)
    monkeypatch.chdir(tmp_path)
    code = cli.main(["--config", str(config), "tiltak", "les", str(listed), "--no-refresh"])
    captured = capsys.readouterr()
    assert code == cli.EXIT_OK
    assert "1 tiltak read from tiltak-eiganes.xlsx; 1 row(s) left out" in captured.out
    assert "tiltak-eiganes.xlsx row 3, Frist '31/12/2025': not a date" in captured.err
    assert run_cli(config, monkeypatch) == 0
    page = tmp_path / "data/outputs/dashboards/malekart-enhet-3001.html"
    assert "Hospitering for nye ansatte" in page.read_text(encoding="utf-8")
    sheet_file = tmp_path / "data/outputs/resultatdialog/resultatdialog-2024-3001.docx"
    cells = [c.text for t in Document(str(sheet_file)).tables for r in t.rows for c in r.cells]
    assert "Hospitering for nye ansatte" in cells
    # the next list says it is under way: the same tiltak, its status moved on
    sheet.delete_rows(3)
    sheet["I2"] = "i gang"
    book.save(listed)
    assert cli.main(["--config", str(config), "tiltak", "les", str(listed), "--no-refresh"]) == 0
    assert run_cli(config, monkeypatch) == 0
    con = duckdb.connect(str(tmp_path / "data/warehouse/malestokk.duckdb"), read_only=True)
    found = con.execute(
        "SELECT status FROM mart_tiltak WHERE what = 'Hospitering for nye ansatte'"
    ).fetchall()
    assert found == [("i gang",)]


def test_a_bad_list_is_named_cell_by_cell(tmp_path: Path) -> None:
    path = tmp_path / "tiltak.csv"
    header = ";".join(COLUMNS)
    path.write_text(
        f"{header}\n"
        "enhet;3004;sykefravaer;2024;Bra tiltak;Leder;2025-06-30;1000;planlagt;\n"
        "enhet;3004;sykefravaer;2024;Uten dato;Leder;30-06-2025;;planlagt;\n"
        "avdeling;3004;sykefravaer;2024;Feil nivå;Leder;;;ferdig;\n"
        "enhet;;sykefravaer;24;;Leder;;mange;i gang;\n",
        encoding="utf-8",
    )
    good, rejected = read_tiltak(path)
    assert good["what"].to_list() == ["Bra tiltak"] and good["cost_kr"].to_list() == [1000.0]
    assert sorted(rejected.select("row", "column").rows()) == [
        (3, "Frist"), (4, "Nivå"), (4, "Status"),
        (5, "Enhet/område"), (5, "Kostnad"), (5, "Periode"), (5, "Tiltak"),
    ]  # fmt: skip
    path.write_text("Nivå;Tiltak\nenhet;x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="the header lacks Enhet/område, Indikator"):
        read_tiltak(path)


def _statuses(root: Path, unit: str) -> dict[str, str]:
    con = duckdb.connect(str(root / "data/warehouse/malestokk.duckdb"), read_only=True)
    try:
        return dict(con.execute(
            "SELECT what, status FROM mart_tiltak WHERE unit_or_area = ?", [unit]
        ).fetchall())  # fmt: skip
    finally:
        con.close()


def _fill_in_table(doc):
    from pipelines.domain.tiltak import SHEET_COLUMNS

    return next(
        t for t in doc.tables
        if tuple(c.text.strip() for c in t.rows[0].cells) == SHEET_COLUMNS["no"]
    )  # fmt: skip


def test_a_filled_in_sheet_round_trips(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """Written, filled in as a unit leader would in Word, read back, shown: the sheet's tiltak
    move their status on, a new one joins, a date in the wrong form is named, and the next
    sheet starts with them. A sheet whose table was rebuilt is refused whole."""
    config = write_config(tmp_path)
    assert run_cli(config, monkeypatch) == 0
    sheets = tmp_path / "data/outputs/resultatdialog"
    doc = Document(str(sheets / "resultatdialog-2024-3001.docx"))
    table = _fill_in_table(doc)
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    assert rows[0][2] == "Turnusendring: færre delte vakter" and rows[0][6] == "i gang"
    assert rows[1:] == [[""] * 8] * 3  # room for new ones
    label = rows[0][0]
    table.rows[1].cells[6].text = "gjennomført"
    for cell, text in zip(table.rows[2].cells, [label, "2024", "Nærværsprosjekt med NAV",
                          "Leder hjemmetjenesten Eiganes", "01.09.2026", "50 000",
                          "planlagt", ""], strict=True):  # fmt: skip
        cell.text = text
    for cell, text in zip(table.rows[3].cells, [label, "2024", "Kurs i forflytning", "Leder",
                          "1. sept 2026", "", "planlagt", ""], strict=True):  # fmt: skip
        cell.text = text
    filled = tmp_path / "resultatdialog-3001-utfylt.docx"
    doc.save(str(filled))
    capsys.readouterr()
    code = cli.main(["--config", str(config), "tiltak", "les", str(filled), "--no-refresh"])
    out, err = capsys.readouterr()
    assert code == cli.EXIT_OK, err
    assert "2 tiltak read from resultatdialog-3001-utfylt.docx; 1 row(s) left out" in out
    assert "resultatdialog-3001-utfylt.docx row 4, Frist '1. sept 2026': not a date" in err
    assert run_cli(config, monkeypatch) == 0
    assert _statuses(tmp_path, "3001") == {
        "Turnusendring: færre delte vakter": "gjennomført",
        "Nærværsprosjekt med NAV": "planlagt",
    }
    again = _fill_in_table(Document(str(sheets / "resultatdialog-2024-3001.docx")))
    assert [r.cells[2].text for r in again.rows[1:3]] == [
        "Nærværsprosjekt med NAV", "Turnusendring: færre delte vakter",
    ]  # fmt: skip
    page = (tmp_path / "data/outputs/dashboards/malekart-enhet-3001.html").read_text("utf-8")
    assert "Nærværsprosjekt med NAV" in page
    # an edited structure: the table's columns renamed
    broken = Document(str(filled))
    _fill_in_table(broken).rows[0].cells[2].text = "Hva"
    broken.save(str(tmp_path / "omgjort.docx"))
    code = cli.main(["--config", str(config), "tiltak", "les", str(tmp_path / "omgjort.docx"),
                     "--no-refresh"])  # fmt: skip
    assert code == cli.EXIT_FAILED
    assert "the tiltak table is missing or its columns were changed" in capsys.readouterr().err
    # the Excel version of the same sheet, for a leader who works in Excel
    from openpyxl import load_workbook

    excel = sheets / "resultatdialog-2024-3001-tiltak.xlsx"
    book = load_workbook(excel)
    grid = book.worksheets[0]
    header_row = next(r[0].row for r in grid.iter_rows() if r[0].value == "Indikator")
    written = {grid.cell(n, 3).value: n for n in range(header_row + 1, grid.max_row + 1)}
    grid.cell(written["Nærværsprosjekt med NAV"], 7).value = "i gang"
    empty = next(n for n in range(header_row + 1, header_row + 20) if not grid.cell(n, 3).value)
    for col, text in enumerate([label, "2024", "Seniortiltak i turnus", "Leder", "2026-10-01",
                                "", "planlagt", ""], start=1):  # fmt: skip
        grid.cell(empty, col).value = text
    filled_xlsx = tmp_path / "resultatdialog-3001-utfylt.xlsx"
    book.save(filled_xlsx)
    code = cli.main(["--config", str(config), "tiltak", "les", str(filled_xlsx), "--no-refresh"])
    assert code == cli.EXIT_OK
    assert "3 tiltak read from resultatdialog-3001-utfylt.xlsx" in capsys.readouterr().out
    assert run_cli(config, monkeypatch) == 0
    assert _statuses(tmp_path, "3001") == {
        "Turnusendring: færre delte vakter": "gjennomført",
        "Nærværsprosjekt med NAV": "i gang",
        "Seniortiltak i turnus": "planlagt",
    }


def test_tiltak_dropped_in_the_inbox_are_read_by_the_refresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A list dropped in inbox/tiltak/ is read by the next refresh and moved to done/; a file
    that is no tiltak list goes to failed/ with the reason beside it; the sensor sees both."""
    from pipelines.orchestration.sensors import inbox_state
    from pipelines.settings.config import load_settings

    config = write_config(tmp_path)
    inbox = load_settings(config).inbox_dir
    (inbox / "tiltak").mkdir(parents=True)
    assert inbox_state(inbox) == ""
    (inbox / "tiltak/eiganes.csv").write_text(
        ";".join(COLUMNS) + "\nenhet;3001;sykefravaer;2024;Nærværsprosjekt;Leder;01.09.2026;;"
        "planlagt;\n", encoding="utf-8",
    )  # fmt: skip
    (inbox / "tiltak/notat.csv").write_text("Hei;på;deg\n1;2;3\n", encoding="utf-8")
    assert inbox_state(inbox) != ""  # the inbox sensor starts a refresh for them
    assert run_cli(config, monkeypatch) == 0
    con = duckdb.connect(str(tmp_path / "data/warehouse/malestokk.duckdb"), read_only=True)
    assert con.execute(
        "SELECT status FROM mart_tiltak WHERE what = 'Nærværsprosjekt'"
    ).fetchall() == [("planlagt",)]
    con.close()
    assert (inbox / "tiltak/done/eiganes.csv").is_file()
    reason = (inbox / "tiltak/failed/notat.csv.reason.txt").read_text(encoding="utf-8")
    assert "notat.csv: the header lacks Nivå" in reason
    assert inbox_state(inbox) == ""  # nothing waits any more
