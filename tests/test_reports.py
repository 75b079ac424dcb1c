"""The annual report and the challenge note: Word and HTML, the vintage stated, and the
services' explanations read back and shown beside next year's figures."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from docx import Document

from dashboards.challenge_note import ANSWER_SLOT, challenge_note, import_answers, load_answers
from dashboards.report import SLOT, annual_report
from pipelines import cli
from tests.conftest import write_config


@pytest.fixture
def warehouse_copy(stavanger: Path, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    copy = tmp_path / "malestokk.duckdb"
    shutil.copy(stavanger / "data/warehouse/malestokk.duckdb", copy)
    con = duckdb.connect(str(copy))
    yield con
    con.close()


def test_the_demo_refresh_writes_the_report_and_the_note(stavanger: Path) -> None:
    reports = stavanger / "data/outputs/reports"
    for name in ("arsberetning-2024.docx", "arsberetning-2024.html", "utfordringsnotat-2024.docx"):
        assert (reports / name).stat().st_size > 1000, name


def test_annual_report_has_figures_targets_charts_and_slots(warehouse_copy, tmp_path) -> None:
    written = annual_report(warehouse_copy, 2024, tmp_path)
    doc = Document(str(written.docx))
    text = "\n".join(p.text for p in doc.paragraphs)
    areas = {r[0] for r in warehouse_copy.execute(
        "SELECT DISTINCT service_area FROM mart_comparisons WHERE year = 2024 "
        "AND peer_set = 'kostra_group' AND indicator_kind = 'nøkkeltall'").fetchall()}  # fmt: skip
    headings = {p.text for p in doc.paragraphs if p.style.name == "Heading 1"}
    assert headings == areas and "befolkning" not in areas  # grunnlagstall are not compared
    assert "grunnlagstall" not in text
    assert "SSB: utgave 2025-03-15, 2025-06-15 (snapshot:synthetic)" in text  # the vintages used
    assert text.count(SLOT) == len(areas) and len(doc.inline_shapes) == len(areas)
    home, status = warehouse_copy.execute(
        "SELECT round(home_value, 1), s.status FROM mart_comparisons m JOIN mart_scorecard s "
        "USING (indicator_id, year) WHERE indicator_id = 'kostra.netto_driftsresultat' "
        "AND year = 2024 AND peer_set = 'kostra_group' AND release = 'latest'"
    ).fetchone()
    row = next(
        [c.text for c in r.cells]
        for t in doc.tables
        for r in t.rows
        if r.cells[0].text.startswith("Netto driftsresultat")
    )
    assert row[1] == f"{home:.1f} %".replace(".", ",") and row[6] == status  # unit on the number
    kroner = next(
        [c.text for c in r.cells]
        for t in doc.tables
        for r in t.rows
        if r.cells[0].text.startswith("Netto lånegjeld i kroner per innbygger")
    )
    assert kroner[1].endswith(" kr") and "," not in kroner[1]  # kroner without decimals
    page = written.html.read_text(encoding="utf-8")
    assert all(f"<h2>{a}</h2>" in page for a in areas)


def test_challenge_note_answers_come_back_beside_next_years_figures(
    warehouse_copy, tmp_path: Path
) -> None:
    in_2024 = {
        r.cells[0].text
        for t in Document(str(challenge_note(warehouse_copy, 2024, tmp_path).docx)).tables
        for r in t.rows[1:]
    }
    doc = Document(str(challenge_note(warehouse_copy, 2023, tmp_path).docx))
    header = [c.text for c in doc.tables[0].rows[0].cells]
    row = next(r for t in doc.tables for r in t.rows[1:] if r.cells[0].text in in_2024)
    indicator = row.cells[0].text
    row.cells[header.index("Forklaring")].text = "Flere brukere med store behov."
    edited = tmp_path / "utfordringsnotat-2023-utfylt.docx"
    doc.save(edited)
    ledger = tmp_path / "answers.jsonl"
    assert import_answers(edited, ledger) == 1  # untouched slots are not answers
    answers = load_answers(ledger)
    assert answers.select("year", "indicator_id").rows() == [(2023, indicator)]
    warehouse_copy.register("_answers", answers.to_arrow())
    warehouse_copy.execute("CREATE OR REPLACE TABLE core_challenge_answers AS FROM _answers")
    next_year = Document(str(challenge_note(warehouse_copy, 2024, tmp_path).docx))
    rows = [[c.text for c in r.cells] for t in next_year.tables for r in t.rows[1:]]
    (shown,) = [r for r in rows if r[0] == indicator]
    assert shown[HEADER_LAST] == "Flere brukere med store behov."  # last year's answer
    assert shown[-1] == ANSWER_SLOT  # and a fresh slot for this year's
    assert (
        warehouse_copy.execute(
            "SELECT answer FROM core_challenge_answers WHERE year = 2023"
        ).fetchone()[0]
        == "Flere brukere med store behov."
    )


HEADER_LAST = 7  # "Svar i fjor"


def test_a_document_that_is_not_a_challenge_note_is_refused(tmp_path: Path, monkeypatch, capsys):
    other = tmp_path / "brev.docx"
    Document().save(other)
    config = write_config(tmp_path)
    code = cli.main(["--config", str(config), "utfordringsnotat", "--import", str(other)])
    assert code == cli.EXIT_FAILED
    assert "not a Målestokk challenge note" in capsys.readouterr().err
