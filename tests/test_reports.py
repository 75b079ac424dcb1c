"""The annual report and the challenge note: Word and HTML, the vintage stated, and the
services' explanations read back and shown beside next year's figures."""

from __future__ import annotations

import html as htmlmod
import re
import shutil
from pathlib import Path
from zipfile import ZipFile

import duckdb
import pytest
from docx import Document
from pypdf import PdfReader

from dashboards.challenge_note import challenge_note, import_answers, load_answers
from dashboards.data import slug
from dashboards.report import SLOT, annual_report
from dashboards.words import WORDS, capital
from pipelines import cli
from pipelines.storage.warehouse import sql_text
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
    for name in ("arsberetning-2024.docx", "arsberetning-2024.html", "arsberetning-2024.pdf",
                 "utfordringsnotat-2024.docx", "utfordringsnotat-2024.pdf"):  # fmt: skip
        assert (reports / name).stat().st_size > 1000, name


def test_the_pdf_report_opens_with_the_story_in_norwegian(stavanger: Path) -> None:
    """Page one: the figures used (unrevised marked), the peers, the KOSTRA-group break and
    the synthetic banner; then the main findings. No English status word, no Swedish credit,
    no kroner amount with decimals anywhere."""
    reader = PdfReader(str(stavanger / "data/outputs/reports/arsberetning-2024.pdf"))
    pages = [page.extract_text() for page in reader.pages]
    first, text = pages[0], "\n".join(pages)
    # page one: the title, the releases, the peers and Hovedfunn itself, no contents page (the
    # contents are the PDF's outline)
    assert "Side 1" in first and "Innhold" not in first
    assert "ureviderte tall fra 15. mars" in first and "KOSTRA-gruppe 12" in first
    assert "KOSTRA-grupperingen ble lagt om fra 2020" in first
    assert "Hovedfunn" in first and "\u2022 " in first[first.index("Hovedfunn") :]
    outline = [o["/Title"] for o in reader.outline if isinstance(o, dict)]
    assert outline[0] == "Hovedfunn" and "Ressursbruk justert for utgiftsbehov" in outline
    assert all("SYNTETISKE DEMODATA" in page for page in pages)  # a banner on every page
    findings = text[text.index("Hovedfunn") :]
    assert findings.count("\u2022 ") >= 5 and " mot " in findings
    for english in (" met", "not met", "no data", "published by", "neutral"):
        assert english not in text, english
    assert "Källa" not in text and "Kilde: Statistisk sentralbyrå" in text
    assert not re.search(r"\d,\d+\s?(mill\. )?kr\b", text.replace("mill. kr", "")), "decimals"
    assert "nådd" in text or "ikke nådd" in text  # target status in Norwegian
    with ZipFile(stavanger / "data/outputs/reports/arsberetning-2024.docx") as docx:
        page = docx.read("word/document.xml").decode()
        styles = docx.read("word/styles.xml").decode()
    assert 'w:w="11906"' in page and 'w:h="16838"' in page  # A4 in twentieths of a point
    # Word checks the spelling in Norwegian, not in English
    assert 'w:lang w:val="nb-NO"' in styles and "en-US" not in styles


def _table_words(html_file: Path) -> set[str]:
    page = html_file.read_text(encoding="utf-8")
    cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", page, flags=re.S)
    texts = (htmlmod.unescape(re.sub(r"<[^>]+>", "", c)) for c in cells)
    return {w for t in texts for w in re.split(r"[\s\u00a0]+", t) if len(w) >= 3}


def test_no_word_of_a_pdf_table_is_broken(stavanger: Path) -> None:
    """Every word of every table (the HTML rendering holds the same cells) is found whole in the
    PDF's text: columns are as wide as their widest word, lines break at spaces only."""
    reports = stavanger / "data/outputs/reports"
    sheets = sorted((stavanger / "data/outputs/resultatdialog").glob("resultatdialog-*.pdf"))
    stems = [reports / "arsberetning-2024", reports / "utfordringsnotat-2024"]
    for pdf in [*(s.with_suffix(".pdf") for s in stems), sheets[0]]:
        text = " ".join(p.extract_text() for p in PdfReader(str(pdf)).pages)
        tokens = set(re.split(r"\s+", text.replace("\u00a0", " ")))
        words = _table_words(pdf.with_suffix(".html"))
        assert len(words) > 20, pdf.name
        assert sorted(w for w in words if w not in tokens) == [], pdf.name
    report = " ".join(
        p.extract_text() for p in PdfReader(str(reports / "arsberetning-2024.pdf")).pages
    ).replace("\u00a0", " ")
    for whole in ("Vurdering", "Sammenligning", "KOSTRA-gruppe 12", "prosentpoeng"):
        assert whole in report, whole


def test_annual_report_has_figures_targets_charts_and_slots(warehouse_copy, tmp_path) -> None:
    written = annual_report(warehouse_copy, 2024, tmp_path)
    doc = Document(str(written.docx))
    text = "\n".join(p.text for p in doc.paragraphs)
    areas = {r[0] for r in warehouse_copy.execute(
        "SELECT DISTINCT service_area FROM mart_comparisons WHERE year = 2024 "
        "AND peer_set = 'kostra_group' AND indicator_kind = 'nøkkeltall'").fetchall()}  # fmt: skip
    headings = {p.text for p in doc.paragraphs if p.style.name == "Heading 1"}
    assert headings == {capital(a) for a in areas} | {  # headings capitalised
        "Hovedfunn", "Ressursbruk justert for utgiftsbehov", "Målekart per tjenesteområde",
        "Tiltak fra i fjor og hva de ga",
    }  # fmt: skip
    assert "befolkning" not in areas  # grunnlagstall are not compared
    assert "grunnlagstall" not in text
    # the vintages used, in words (no machine label such as snapshot:synthetic)
    assert "SSB: utgave 15. mars 2025, 15. juni 2025 (tall laget for demoen)" in text
    assert "snapshot:" not in text
    assert text.count(SLOT) == len(areas) and len(doc.inline_shapes) == len(areas)
    home, status = warehouse_copy.execute(
        "SELECT round(home_value, 1), k.status_reason FROM mart_comparisons m JOIN "
        "mart_malekart k USING (indicator_id, year) WHERE k.level = 'kommune' AND "
        "indicator_id = 'kostra.netto_driftsresultat' AND year = 2024 AND peer_set = "
        "'kostra_group' AND release = 'latest'"
    ).fetchone()
    row = next(
        [c.text for c in r.cells]
        for t in doc.tables
        for r in t.rows
        if r.cells[0].text.startswith("Netto driftsresultat")
    )
    assert row[1] == f"{home:.1f} %".replace(".", ",")  # unit on the number
    assert row[6] == WORDS["no"]["reasons"][status]  # the målekart's status, tolerance included
    kroner = next(
        [c.text for c in r.cells]
        for t in doc.tables
        for r in t.rows
        if r.cells[0].text.startswith("Netto lånegjeld i kroner per innbygger")
    )
    assert kroner[1].endswith(" kr") and "," not in kroner[1]  # kroner without decimals
    # the report and the målekart give netto lånegjeld (target 90 000 kr, tolerance 95 000) the
    # same status, tolerance included
    (reason,) = warehouse_copy.execute(
        "SELECT status_reason FROM mart_malekart WHERE level = 'kommune' AND indicator_id = "
        "'kostra.netto_lanegjeld_per_innbygger' AND period = '2024'"
    ).fetchone()
    assert kroner[6] == WORDS["no"]["reasons"][reason]
    page = written.html.read_text(encoding="utf-8")
    assert all(f"<h2>{capital(a)}</h2>" in page for a in areas)


def test_report_again_keeps_what_is_current_and_redraws_what_is_not(
    warehouse_copy, tmp_path
) -> None:
    """`malestokk report` run again on the same figures keeps its files (nothing is drawn,
    so the command starts fast); an edited or deleted file, or a changed figure, is written
    again, so what the command leaves is always the report of today's figures."""
    first = annual_report(warehouse_copy, 2024, tmp_path, keep_current=True)
    outputs = [first.docx, first.pdf, first.html, first.pptx, *first.images]
    stamps = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in outputs}
    annual_report(warehouse_copy, 2024, tmp_path, keep_current=True)
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in outputs} == stamps
    # a user's edit of the Word file and a deleted chart are replaced by the report's own
    first.docx.write_bytes(b"edited")
    first.images[0].unlink()
    annual_report(warehouse_copy, 2024, tmp_path, keep_current=True)
    assert first.docx.read_bytes() == stamps[first.docx][1]
    assert first.images[0].read_bytes() == stamps[first.images[0]][1]
    assert first.pdf.stat().st_mtime_ns == stamps[first.pdf][0]  # untouched: still current
    # a changed figure: the documents and that area's chart are drawn again
    area, indicator = warehouse_copy.execute(
        "SELECT service_area, indicator_id FROM mart_comparisons WHERE year = 2024 "
        "AND release = 'latest' AND is_default_peer_set AND indicator_kind = 'nøkkeltall' "
        "AND home_value IS NOT NULL ORDER BY service_area, indicator_id LIMIT 1"
    ).fetchone()
    warehouse_copy.execute(
        "UPDATE mart_comparisons SET home_value = home_value + 1 WHERE year = 2024 "
        "AND indicator_id = ? AND release = 'latest'",
        [indicator],
    )
    before = {p: p.stat().st_mtime_ns for p in outputs}
    again = annual_report(warehouse_copy, 2024, tmp_path, keep_current=True)
    assert again.pdf.read_bytes() != stamps[first.pdf][1]
    redrawn = [p.name for p in first.images if p.stat().st_mtime_ns != before[p]]
    assert redrawn == [f"arsberetning-2024-{slug(area)}.png"]


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
    ids = dict(warehouse_copy.execute(
        "SELECT label, indicator_id FROM core_catalog__indicators").fetchall())  # fmt: skip
    assert not any(text in ids.values() for t in doc.tables for r in t.rows
                   for text in [r.cells[0].text])  # labels, never internal ids  # fmt: skip
    assert import_answers(edited, ledger, ids) == 1  # untouched slots are not answers
    answers = load_answers(ledger)
    assert answers.select("year", "indicator_id").rows() == [(2023, ids[indicator])]
    warehouse_copy.register("_answers", answers.to_arrow())
    warehouse_copy.execute("CREATE OR REPLACE TABLE core_challenge_answers AS FROM _answers")
    # the refresh `utfordringsnotat --import` starts rebuilds the note's mart with the answers
    warehouse_copy.execute(sql_text("marts/mart_challenge_note.sql"))
    next_year = Document(str(challenge_note(warehouse_copy, 2024, tmp_path).docx))
    rows = [[c.text for c in r.cells] for t in next_year.tables for r in t.rows[1:]]
    (shown,) = [r for r in rows if r[0] == indicator]
    assert shown[HEADER_LAST] == "Flere brukere med store behov."  # last year's answer
    assert shown[-1] == WORDS["no"]["answer_slot"]  # and a fresh slot for this year's
    assert (
        warehouse_copy.execute(
            "SELECT answer FROM core_challenge_answers WHERE year = 2023"
        ).fetchone()[0]
        == "Flere brukere med store behov."
    )


HEADER_LAST = 6  # "Svar i fjor"


def test_a_year_without_figures_fails_the_same_clear_way(warehouse_copy, tmp_path: Path) -> None:
    for write in (annual_report, challenge_note):
        with pytest.raises(ValueError, match=r"no comparisons .*1990"):
            write(warehouse_copy, 1990, tmp_path)
    assert not list(tmp_path.glob("*1990*"))


def test_a_document_that_is_not_a_challenge_note_is_refused(tmp_path: Path, monkeypatch, capsys):
    other = tmp_path / "brev.docx"
    Document().save(other)
    config = write_config(tmp_path)
    code = cli.main(["--config", str(config), "utfordringsnotat", "--import", str(other)])
    assert code == cli.EXIT_FAILED
    assert "not a Målestokk challenge note" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("country", "code", "network", "written"),
    [
        ("NO", "1103", None, True),
        ("NO", "3301", None, True),
        ("NO", "1804", None, False),
        ("SE", "2583", None, False),
        ("SE", "2583", "norrbotten", True),
    ],
)
def test_the_challenge_note_is_for_asss_members_only(country, code, network, written) -> None:
    """Stavanger and Drammen are ASSS members; Bodø and Haparanda are told why they get none,
    unless the settings name a peer set as the home's network."""
    import duckdb

    from dashboards.challenge_note import challenge_note_skipped
    from pipelines.storage.warehouse import sql_text

    con = duckdb.connect()
    con.execute(
        "CREATE TABLE core_settings__home AS SELECT ? AS country, ? AS municipality, "
        "2017 AS first_year, 2024 AS last_year, ?::VARCHAR AS network_peer_set",
        [country, code, network],
    )
    con.execute(
        "CREATE TABLE core_settings__peer_sets AS SELECT 'norrbotten' AS name, "
        "'Norrbottens kommuner' AS label, 'SE' AS country, '2580' AS member_code"
    )
    con.execute(
        "CREATE TABLE core_region__codes AS SELECT ? AS country, ? AS code, 'Heim' AS name",
        [country, code],
    )
    con.execute(sql_text("marts/mart_home.sql"))
    skipped = challenge_note_skipped(con)
    assert (skipped is None) == written
    if network:
        assert con.execute("SELECT network, network_label FROM mart_home").fetchone() == (
            "custom:norrbotten",
            "Norrbottens kommuner",
        )
    if not written:
        assert f"Heim ({country}:{code}) is not a member of the ASSS network" in skipped


def test_the_demo_writes_a_presentation_readable_from_the_back_of_the_room(
    stavanger: Path,
) -> None:
    from pptx import Presentation
    from pptx.util import Pt

    deck = Presentation(str(stavanger / "data/outputs/reports/presentasjon-2024.pptx"))
    assert deck.slide_width * 9 == deck.slide_height * 16  # 16:9
    slides = list(deck.slides)
    texts = [[s.text_frame.text for s in slide.shapes if s.has_text_frame] for slide in slides]
    assert "Hvor står vi? Stavanger 2024" in texts[0]
    assert any("tall laget for demoen" in t for t in texts[0])  # which figures, in words
    assert "Hovedfunn" in texts[1] and sum(t.count("\u2022 ") for t in texts[1]) >= 5
    con = duckdb.connect(str(stavanger / "data/warehouse/malestokk.duckdb"), read_only=True)
    areas = [r[0] for r in con.execute(
        "SELECT DISTINCT service_area FROM mart_comparisons WHERE year = 2024 AND "
        "is_default_peer_set AND release = 'latest' AND indicator_kind = 'nøkkeltall' ORDER BY 1"
    ).fetchall()]  # fmt: skip
    assert len(slides) == 2 + len(areas)
    for area, slide, text in zip(areas, slides[2:], texts[2:], strict=True):
        assert any(t.startswith(f"{capital(area)}: Stavanger mot ") for t in text), text
        assert sum(1 for s in slide.shapes if s.shape_type == 13) == 1  # its chart
        assert 1 <= sum(t.count("\u2022 ") for t in text) <= 3  # its (up to) three largest gaps
    pleie = texts[2 + areas.index("pleie og omsorg")]
    assert sum(t.count("\u2022 ") for t in pleie) == 3
    assert any(t.startswith("Målekart: ") and "grønt" in t for t in pleie)
    sizes = {
        run.font.size
        for slide in slides
        for shape in slide.shapes
        if shape.has_text_frame
        for p in shape.text_frame.paragraphs
        for run in p.runs
    }
    assert None not in sizes and min(sizes) >= Pt(18)
    assert all("SYNTETISKE DEMODATA" in t[0] for t in texts)  # the banner on every slide


def test_a_home_with_no_figure_is_told_why_in_its_own_words(warehouse_copy, tmp_path) -> None:
    """Kvinnherad (4617) took in part of Jondal in 2020: a split, so the derived figures built
    on it have no value. The report says so in Norwegian, never with the analysts' English text
    and an indicator id (whose 40 letters once made a PDF table too wide to draw)."""
    from dashboards.words import why_missing

    reason = (
        "derived: no kostra.netto_driftsutgifter_kommunehelse (split: 1227 became several "
        "municipalities)"
    )
    assert why_missing(reason, "no") == (
        "grunnlagstall mangler (kommunen ble delt: tallet kan ikke fordeles)"
    )
    assert why_missing(reason, "sv").startswith("underlag saknas (kommunen delades")
    assert why_missing("as published") == "" and why_missing(None) == ""
    assert why_missing("merged parts 1224+1227: a ratio cannot be summed") == (
        "sammenslått kommune: et forholdstall kan ikke legges sammen"
    )
    # the report's table with such a figure, drawn as Word and PDF
    warehouse_copy.execute(
        "UPDATE mart_comparisons SET home_value = NULL, home_harmonisation = ? WHERE year = 2024 "
        "AND release = 'latest' AND indicator_id = (SELECT min(indicator_id) FROM "
        "mart_comparisons WHERE year = 2024 AND is_default_peer_set AND indicator_kind = "
        "'nøkkeltall')",
        [reason],
    )
    written = annual_report(warehouse_copy, 2024, tmp_path)
    text = " ".join(p.extract_text() for p in PdfReader(str(written.pdf)).pages)
    assert "grunnlagstall mangler" in text.replace("\n", " ")
    assert "kostra.netto" not in text and "split:" not in text


def test_a_table_whose_words_cannot_fit_still_prints() -> None:
    """Even at 6 pt some words may be wider than the page allows: the columns shrink alike
    (the words break) rather than one column getting no width, which cannot be drawn."""
    from dashboards.document import column_widths

    columns = [["Indikator", "x" * 10], ["y" * 120], ["Status", "z"]]
    widths, size = column_widths(columns, [4, 2, 2], 480.0, lambda w, s: len(w) * s * 0.6, 9.0)
    assert size == 6.0
    assert abs(sum(widths) - 480.0) < 1e-6 and min(widths) > 12.0
