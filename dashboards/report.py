"""The annual report (årsberetning) and the answers to the ASSS challenge note (utfordringsnotat).

Both are written as HTML and as Word documents the municipality edits. The report gives each
service area its key figures against the peer sets, target status, a chart image and text slots;
the challenge note lists where the home municipality differs most from the ASSS average (level,
trend, need-adjusted spending) with space for the service's explanation and last year's answer.
Everything comes from the marts, so privacy rules are already applied.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
from docx import Document
from docx.shared import Cm
from PIL import Image, ImageDraw, ImageFont

from dashboards.data import home, slug
from dashboards.units import decimals_for, with_unit

SLOT = "[Kommentar fra tjenesteområdet: skriv her]"
ANSWER_SLOT = "[Forklaring fra tjenesten]"


@dataclass
class Written:
    html: Path
    docx: Path
    images: list[Path]


def _fmt(value: float | None, decimals: int = 1) -> str:
    if value is None:
        return "\u2013"  # en dash: no value
    return f"{value:,.{decimals}f}".replace(",", " ").replace(".", ",")


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A font with æøå: DejaVu when the system has it, else HK Grotesk (shipped with Great
    Expectations, a dependency), else Pillow's default."""
    import great_expectations

    candidates = [
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
        Path(great_expectations.__file__).parent
        / "render/view/static/fonts/HKGrotesk/HKGrotesk-Regular.otf",
    ]
    for path in candidates:
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def gap_chart(rows: pl.DataFrame, title: str, path: Path) -> Path:
    """Horizontal bars of the gap in % against the peer figure, green when good, red when bad."""
    rows = rows.filter(pl.col("gap_pct").is_not_null()).head(12)
    font = _font(15)
    small = _font(12)
    height = 70 + 30 * max(1, rows.height) + 40
    image = Image.new("RGB", (900, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((10, 10), title, fill="black", font=font)
    mid, scale = 600, 2.5  # pixels per percent, capped at +/-100 %
    draw.line([(mid, 45), (mid, height - 40)], fill="#888", width=1)
    for n, r in enumerate(rows.iter_rows(named=True)):
        y = 50 + 30 * n
        gap = max(-100.0, min(100.0, r["gap_pct"]))
        colour = {True: "#27ae60", False: "#c0392b"}.get(r["gap_is_good"], "#95a5a6")
        x0, x1 = sorted([mid, mid + gap * scale])
        draw.rectangle([x0, y, x1, y + 20], fill=colour)
        draw.text((10, y + 3), r["label"][:55], fill="black", font=small)
    sources = set(rows["source"].to_list()) if "source" in rows.columns else {"ssb"}
    credit = "Källa: Kolada" if sources == {"kolada"} else "Kilde: Statistisk sentralbyrå"
    draw.text((10, height - 30), f"Avvik i % mot sammenligningen · {credit}",
              fill="#555", font=small)  # fmt: skip
    image.save(path)
    return path


def _vintages(con: duckdb.DuckDBPyConnection, year: int) -> str:
    rows = con.execute(
        "SELECT source, string_agg(DISTINCT vintage, ', ' ORDER BY vintage), "
        "string_agg(DISTINCT provenance, ', ') FROM mart_comparisons WHERE year = ? "
        "AND release = 'latest' AND indicator_kind = 'nøkkeltall' GROUP BY 1 "
        "ORDER BY 1",
        [year],
    ).fetchall()
    names = {"ssb": "SSB", "kolada": "KOLADA", "derived": "SSB, beregnet per innbygger"}
    return "; ".join(f"{names.get(src, src.upper())}: utgave {v} ({p})" for src, v, p in rows)


def annual_report(con: duckdb.DuckDBPyConnection, year: int, out_dir: Path) -> Written:
    out_dir.mkdir(parents=True, exist_ok=True)
    who = home(con)
    data = con.sql(
        "SELECT m.*, s.target, s.status AS target_status FROM mart_comparisons AS m "
        "LEFT JOIN mart_scorecard AS s USING (indicator_id, year) "
        "WHERE m.year = ? AND m.is_default_peer_set AND m.release = 'latest' "
        "AND m.indicator_kind = 'nøkkeltall' ORDER BY service_area, indicator_id",
        params=[year],
    ).pl()
    if data.is_empty():
        raise ValueError(f"no comparisons for {year}; the warehouse has no figures that year")
    vintages = _vintages(con, year)
    title = f"Årsberetning {year}: {who['label']}, nøkkeltall mot sammenlignbare kommuner"
    doc = Document()
    doc.add_heading(title, level=0)
    doc.add_paragraph(f"Tallgrunnlag: {vintages}.")
    parts = [f"<h1>{html.escape(title)}</h1><p>Tallgrunnlag: {html.escape(vintages)}.</p>"]
    images = []
    for area, rows in data.group_by("service_area", maintain_order=True):
        area = area[0]
        peer = rows["peer_label"].drop_nulls().head(1).to_list()
        peer_label = peer[0] if peer else "sammenligning"
        image = gap_chart(rows, f"{area}: {who['label']} mot {peer_label} ({year})",
                          out_dir / f"arsberetning-{year}-{slug(area)}.png")  # fmt: skip
        images.append(image)
        doc.add_heading(area, level=1)
        table = doc.add_table(rows=1, cols=7)
        table.style = "Light Grid Accent 1"
        header = ["Indikator", who["label"], peer_label, "Avvik", "Vurdering", "Mål", "Status"]
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            cell.text = text
        html_rows = []
        for r in rows.iter_rows(named=True):
            verdict = {True: "bra", False: "svakere"}.get(r["gap_is_good"], "nøytral")
            d, unit = decimals_for(r["unit"]), r["unit"]
            cells = [r["label"], with_unit(_fmt(r["home_value"], d), unit),
                     with_unit(_fmt(r["peer_value"], d), unit),
                     with_unit(_fmt(r["gap_abs"], d), unit), verdict,
                     with_unit(_fmt(r["target"], d), unit),
                     r["target_status"] or "\u2013"]  # fmt: skip
            for cell, text in zip(table.add_row().cells, cells, strict=True):
                cell.text = text
            html_rows.append(
                "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>"
            )
        doc.add_picture(str(image), width=Cm(16))
        doc.add_paragraph(SLOT)
        parts.append(
            f"<h2>{html.escape(area)}</h2><table><tr>"
            + "".join(f"<th>{html.escape(h)}</th>" for h in header)
            + "</tr>"
            + "".join(html_rows)
            + "</table>"
            f"<img src='{image.name}' alt='{html.escape(area)}'><p class='slot'>{SLOT}</p>"
        )
    return save_both(doc, title, parts, out_dir / f"arsberetning-{year}", images)


def save_both(doc, title: str, parts: list[str], stem: Path, images: list[Path]) -> Written:
    """The Word document and its HTML twin, side by side."""
    docx_path, html_path = stem.with_suffix(".docx"), stem.with_suffix(".html")
    doc.save(docx_path)
    html_path.write_text(
        "<!doctype html><meta charset='utf-8'><title>" + html.escape(title) + "</title>"
        "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}td,th{border:1px solid "
        "#ccc;padding:3px}.slot{background:#fff3cd}</style>" + "".join(parts),
        encoding="utf-8",
    )
    return Written(html_path, docx_path, images)
