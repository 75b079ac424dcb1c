"""Answers to the challenge note (utfordringsnotat): where the home differs most from its network
(ASSS for its members; for another home, the peer set its settings name as its network).

Per service area: the indicators with the largest gap to the ASSS average (level, in %), the
3-year trend against ASSS's, and for spending the need-adjusted mer-/mindreforbruk. Each row has
a cell for the service's explanation. The edited Word file is read back with `import_answers`;
the answers are kept per year and indicator and shown beside next year's figures.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from dashboards.data import home
from dashboards.document import Doc, Heading, Para, Table, write_all
from dashboards.report import Written, _fmt
from dashboards.units import decimals_for, difference_with_unit, gap_text, with_unit
from dashboards.words import WORDS, capital, words

ANSWER_SLOTS = {w["answer_slot"] for w in WORDS.values()}

KEYWORD = "malestokk:utfordringsnotat:"
TOP_PER_AREA = 5
EXPLANATION = {"Forklaring", "Förklaring"}  # the column the services write in (no, sv)
# landscape A4: the indicator and the explanation wide, the numbers narrow
WIDTHS_CM = [5.2, 2.0, 2.0, 2.9, 2.0, 2.1, 3.8, 5.7]  # the gap column holds "prosentpoeng" whole


def note_rows(con: duckdb.DuckDBPyConnection, year: int) -> pl.DataFrame:
    """The note's rows, as mart_challenge_note ranks them: the first few of each area."""
    return con.sql(
        "SELECT * FROM mart_challenge_note WHERE year = ? AND position <= ? "
        "ORDER BY service_area, position",
        params=[year, TOP_PER_AREA],
    ).pl()


def challenge_note(con: duckdb.DuckDBPyConnection, year: int, out_dir: Path) -> Written:
    """The note against the home's network (mart_home.network), in the home's language."""
    out_dir.mkdir(parents=True, exist_ok=True)
    who = home(con)
    skipped = challenge_note_skipped(con)
    if skipped:
        raise ValueError(f"no challenge note: {skipped}")
    network, network_label = con.execute("SELECT network, network_label FROM mart_home").fetchall()[
        0
    ]
    w = words(who["country"])
    lang = "sv" if who["country"] == "SE" else "no"
    rows = note_rows(con, year)
    if rows.is_empty():
        raise ValueError(f"no comparisons with {network_label} for {year}; the warehouse has no "
                         "figures that year")  # fmt: skip
    title = w["note_title"].format(year=year, home=who["label"], network=network_label)
    header = [h.format(network=network_label) for h in w["note_header"]]
    synthetic = con.execute(
        "SELECT count(*) FROM mart_comparisons WHERE year = ? AND peer_set = ? "
        "AND provenance = 'snapshot:synthetic'", [year, network],
    ).fetchone()[0] > 0  # fmt: skip
    blocks: list = [Para(w["note_intro"].format(network=network_label))]
    for area, part in rows.group_by("service_area", maintain_order=True):
        body = []
        for r in part.iter_rows(named=True):
            d, unit = decimals_for(r["unit"]), r["unit"]
            body.append([r["label"], with_unit(_fmt(r["home_value"], d), unit),
                         with_unit(_fmt(r["peer_value"], d), unit),
                         gap_text(r, lang),
                         difference_with_unit(_fmt(r["trend_vs_network"], d), unit, lang),
                         _fmt(r["merforbruk_mill"]) if r["merforbruk_mill"] is not None else "",
                         r["last_year_answer"] or "", w["answer_slot"]])  # fmt: skip
        blocks += [Heading(capital(area[0]), 1), Table(header, body, WIDTHS_CM, {1, 2, 3, 4, 5})]
    blocks.append(Para(w["credit"] if who["country"] == "NO" else w["kolada_credit"], "note"))
    doc = Doc(title, "sv" if who["country"] == "SE" else "no", blocks,
              banner=w["synthetic"] if synthetic else None,
              keywords=f"{KEYWORD}{year}")  # fmt: skip
    html_path, docx_path, pdf_path = write_all(doc, out_dir / f"utfordringsnotat-{year}", True)
    return Written(html_path, docx_path, [], pdf_path)


def challenge_note_skipped(con: duckdb.DuckDBPyConnection) -> str | None:
    """Why no challenge note is written for this home, or None when it is: the note answers
    the network's questions: ASSS's for its members, or the peer set the settings name as the
    home's network ([network] peer_set)."""
    country, code, label, network = con.execute(
        "SELECT country, municipality, label, network FROM mart_home"
    ).fetchall()[0]
    if network:
        return None
    return (
        f"{label} ({country}:{code}) is not a member of the ASSS network, whose "
        "challenge note it answers (pipelines/domain/reference_data/asss_members.csv), and "
        "names no network of its own ([network] peer_set in the settings)"
    )


def import_answers(docx_path: Path, ledger: Path, ids: dict[str, str] | None = None) -> int:
    """Read the explanations from an edited note into the answers ledger; return how many.
    The note shows labels, never ids: `ids` maps each label back (core_catalog__indicators)."""
    from docx import Document  # loaded when a note is read back
    from docx.text.paragraph import Paragraph

    doc = Document(str(docx_path))
    keywords = doc.core_properties.keywords or ""
    if not keywords.startswith(KEYWORD):
        raise ValueError(f"{docx_path}: not a Målestokk challenge note (no '{KEYWORD}' keyword)")
    year = int(keywords[len(KEYWORD) :])
    area = None
    answers = []
    now = datetime.now(UTC).isoformat(timespec="seconds")
    for block in doc.iter_inner_content():  # paragraphs and tables in document order
        if isinstance(block, Paragraph):
            if block.style is not None and block.style.name == "Heading 1":
                area = block.text.strip()
            continue
        header = [c.text.strip() for c in block.rows[0].cells]
        explanation = next((h for h in header if h in EXPLANATION), None)
        if header[:1] not in (["ID"], ["Indikator"], ["Nyckeltal"]) or explanation is None:
            continue
        at = header.index(explanation)
        if header[0] != "ID" and ids is None:
            raise ValueError(f"{docx_path}: run `malestokk refresh` first; the published "
                             "warehouse maps the indicator names back to the catalog")  # fmt: skip
        for row in block.rows[1:]:
            cells = [c.text.strip() for c in row.cells]
            indicator = cells[0] if header[0] == "ID" else (ids or {}).get(cells[0])
            if indicator and cells[at] and cells[at] not in ANSWER_SLOTS:
                answers.append(
                    {"year": year, "indicator_id": indicator, "service_area": area,
                     "answer": cells[at], "file": docx_path.name, "imported_at": now}
                )  # fmt: skip
    ledger.parent.mkdir(parents=True, exist_ok=True)
    with ledger.open("a", encoding="utf-8") as fh:
        for answer in answers:
            fh.write(json.dumps(answer, ensure_ascii=False) + "\n")
    return len(answers)


ANSWER_SCHEMA = {
    "year": pl.Int32, "indicator_id": pl.String, "service_area": pl.String, "answer": pl.String,
    "file": pl.String, "imported_at": pl.String,
}  # fmt: skip


def load_answers(ledger: Path) -> pl.DataFrame:
    """The latest answer per year and indicator (a later import replaces an earlier one)."""
    if not ledger.exists():
        return pl.DataFrame(schema=ANSWER_SCHEMA)
    rows = [json.loads(line) for line in ledger.read_text(encoding="utf-8").splitlines() if line]
    frame = pl.DataFrame(rows, schema=ANSWER_SCHEMA)
    return (
        frame.sort("imported_at")
        .unique(["year", "indicator_id"], keep="last")
        .sort("year", "indicator_id")
    )
