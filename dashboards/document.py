"""One document, three renderings: editable Word (A4), HTML and a print-ready PDF.

The annual report and the challenge note are written once as a list of blocks; each renderer
lays them out for its readers: A4 pages, the text columns (indicator, explanation) wide and the
numbers narrow, a banner on every page built from synthetic data, page numbers and a table of
contents in the PDF. Every text is escaped where it reaches HTML or the PDF's markup.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Cm, Pt, RGBColor


@dataclass
class Heading:
    text: str
    level: int = 1


@dataclass
class Para:
    text: str
    style: str = "body"  # body, banner, note, slot, finding


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    widths_cm: list[float]  # text columns wide, numbers narrow; sums to the text width
    numeric: set[int] = field(default_factory=set)  # right-aligned columns


@dataclass
class Image:
    path: Path
    width_cm: float = 16.0
    alt: str = ""


Block = Heading | Para | Table | Image


@dataclass
class Doc:
    title: str
    lang: str  # "no" or "sv"
    blocks: list[Block]
    banner: str | None = None  # shown on every page (synthetic data)
    keywords: str = ""
    comments: str = ""


A4_TEXT_WIDTH_CM = 17.0  # 21 cm minus 2 cm margins
A4_LANDSCAPE_TEXT_WIDTH_CM = 25.7


def to_docx(doc: Doc, path: Path, landscape: bool = False) -> None:
    word = Document()
    section = word.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.0))
    word.core_properties.title = doc.title
    word.core_properties.language = {"no": "nb-NO", "sv": "sv-SE"}[doc.lang]
    word.core_properties.keywords = doc.keywords
    word.core_properties.comments = doc.comments
    if doc.banner:
        header = section.header.paragraphs[0]
        run = header.add_run(doc.banner)
        run.bold = True
        run.font.color.rgb = RGBColor(0xB0, 0x3A, 0x2E)
    word.add_heading(doc.title, level=0)
    for block in doc.blocks:
        if isinstance(block, Heading):
            word.add_heading(block.text, level=block.level)
        elif isinstance(block, Para):
            p = word.add_paragraph()
            run = p.add_run(block.text)
            if block.style in ("banner", "finding"):
                run.bold = block.style == "banner"
            if block.style == "note":
                run.italic = True
                run.font.size = Pt(9)
        elif isinstance(block, Table):
            table = word.add_table(rows=1, cols=len(block.header))
            table.style = "Light Grid Accent 1"
            table.autofit = False
            for cell, text in zip(table.rows[0].cells, block.header, strict=True):
                cell.text = text
            for row in block.rows:
                for cell, text in zip(table.add_row().cells, row, strict=True):
                    cell.text = text
            for n, width in enumerate(block.widths_cm):
                for cell in table.columns[n].cells:
                    cell.width = Cm(width)
        elif isinstance(block, Image):
            word.add_picture(str(block.path), width=Cm(block.width_cm))
    word.save(path)


def to_html(doc: Doc, path: Path) -> None:
    esc = html.escape
    parts = [
        "<!doctype html><html lang='" + ("nb" if doc.lang == "no" else "sv") + "'>"
        "<meta charset='utf-8'><title>" + esc(doc.title) + "</title>"
        "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}"
        "td,th{border:1px solid #ccc;padding:3px;vertical-align:top}td.n{text-align:right}"
        "table{border-collapse:collapse}.slot{background:#fff3cd}.note{font-size:90%;"
        "font-style:italic}.banner{background:#fdecea;color:#b03a2e;font-weight:bold;"
        "padding:6px}</style>"
    ]
    if doc.banner:
        parts.append(f"<p class='banner'>{esc(doc.banner)}</p>")
    parts.append(f"<h1>{esc(doc.title)}</h1>")
    for block in doc.blocks:
        if isinstance(block, Heading):
            level = min(6, block.level + 1)
            parts.append(f"<h{level}>{esc(block.text)}</h{level}>")
        elif isinstance(block, Para):
            parts.append(f"<p class='{block.style}'>{esc(block.text)}</p>")
        elif isinstance(block, Table):
            head = "".join(f"<th>{esc(h)}</th>" for h in block.header)
            body = "".join(
                "<tr>"
                + "".join(
                    f"<td{' class=n' if n in block.numeric else ''}>{esc(c)}</td>"
                    for n, c in enumerate(row)
                )
                + "</tr>"
                for row in block.rows
            )
            parts.append(f"<table><tr>{head}</tr>{body}</table>")
        elif isinstance(block, Image):
            parts.append(f"<img src='{esc(block.path.name)}' alt='{esc(block.alt)}'>")
    path.write_text("".join(parts), encoding="utf-8")


def to_pdf(doc: Doc, path: Path, landscape: bool = False) -> None:
    """A4 PDF with page numbers, the banner on every page and a table of contents (reportlab)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.pagesizes import landscape as turn
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Image as PdfImage
    from reportlab.platypus import (
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        TableStyle,
    )
    from reportlab.platypus import Table as PdfTable
    from reportlab.platypus.tableofcontents import TableOfContents

    font, bold = _register_fonts(pdfmetrics, TTFont)
    styles = getSampleStyleSheet()
    body = ParagraphStyle("b", parent=styles["BodyText"], fontName=font, fontSize=9.5, leading=12)
    small = ParagraphStyle("s", parent=body, fontSize=8, leading=10)
    note = ParagraphStyle("n", parent=small, textColor=colors.HexColor("#555555"))
    slot = ParagraphStyle("slot", parent=body, backColor=colors.HexColor("#fff3cd"))
    banner = ParagraphStyle("ban", parent=body, fontName=bold, textColor=colors.HexColor("#b03a2e"))
    h = {
        1: ParagraphStyle("h1", parent=styles["Heading1"], fontName=bold, fontSize=15),
        2: ParagraphStyle("h2", parent=styles["Heading2"], fontName=bold, fontSize=12),
    }
    title = ParagraphStyle("t", parent=styles["Title"], fontName=bold, fontSize=18)
    esc = html.escape
    pagesize = turn(A4) if landscape else A4
    width_cm = A4_LANDSCAPE_TEXT_WIDTH_CM if landscape else A4_TEXT_WIDTH_CM

    class _Doc(SimpleDocTemplate):
        def afterFlowable(self, flowable) -> None:
            if isinstance(flowable, Paragraph) and flowable.style.name in ("h1", "h2"):
                level = 0 if flowable.style.name == "h1" else 1
                self.notify("TOCEntry", (level, flowable.getPlainText(), self.page))

    def on_page(canvas, template) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        page_word = "Side" if doc.lang == "no" else "Sida"
        canvas.drawRightString(pagesize[0] - 2 * cm, 1.2 * cm, f"{page_word} {template.page}")
        canvas.drawString(2 * cm, 1.2 * cm, doc.title[:90])
        if doc.banner:
            canvas.setFillColor(colors.HexColor("#b03a2e"))
            canvas.drawString(2 * cm, pagesize[1] - 1.2 * cm, doc.banner[:120])
        canvas.restoreState()

    story: list = [Paragraph(esc(doc.title), title)]
    if doc.banner:
        story.append(Paragraph(esc(doc.banner), banner))
    toc = TableOfContents()
    toc.levelStyles = [ParagraphStyle("toc1", parent=body, leftIndent=0),
                       ParagraphStyle("toc2", parent=small, leftIndent=12)]  # fmt: skip
    contents_at = None
    for block in doc.blocks:
        if isinstance(block, Heading):
            if block.level == 1 and contents_at is None:
                contents_at = len(story)
            story.append(Paragraph(esc(block.text), h[min(block.level, 2)]))
        elif isinstance(block, Para):
            style = {"note": note, "slot": slot, "banner": banner}.get(block.style, body)
            story.append(Paragraph(esc(block.text), style))
        elif isinstance(block, Table):
            scale = width_cm / sum(block.widths_cm)
            data = [[Paragraph(esc(c), small) for c in block.header]] + [
                [Paragraph(esc(c), small) for c in row] for row in block.rows
            ]
            table = PdfTable(data, colWidths=[w * scale * cm for w in block.widths_cm],
                             repeatRows=1)  # fmt: skip
            table.setStyle(TableStyle([
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#bbbbbb")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde7f0")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]))  # fmt: skip
            story += [table, Spacer(1, 0.3 * cm)]
        elif isinstance(block, Image):
            img = PdfImage(str(block.path))
            ratio = img.imageHeight / img.imageWidth
            w = min(block.width_cm, width_cm) * cm
            img.drawWidth, img.drawHeight = w, w * ratio
            story.append(img)
    contents_title = "Innhold" if doc.lang == "no" else "Innehåll"
    toc_style = ParagraphStyle("toc_title", parent=h[2])  # not an entry of its own
    toc_part = [Paragraph(contents_title, toc_style), toc, PageBreak()]
    at = contents_at if contents_at is not None else len(story)
    story[at:at] = toc_part
    pdf = _Doc(str(path), pagesize=pagesize, leftMargin=2 * cm, rightMargin=2 * cm,
               topMargin=2 * cm, bottomMargin=2 * cm, title=doc.title,
               lang="nb-NO" if doc.lang == "no" else "sv-SE")  # fmt: skip
    pdf.multiBuild(story, onFirstPage=on_page, onLaterPages=on_page)


def _register_fonts(pdfmetrics, ttfont) -> tuple[str, str]:
    """DejaVu (æøå, ▲▼) when the system has it; else reportlab's Helvetica (Latin-1 only)."""
    regular = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    bold = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
    if regular.exists() and bold.exists():
        if "DejaVu" not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(ttfont("DejaVu", str(regular)))
            pdfmetrics.registerFont(ttfont("DejaVu-Bold", str(bold)))
        return "DejaVu", "DejaVu-Bold"
    return "Helvetica", "Helvetica-Bold"


def write_all(doc: Doc, stem: Path, landscape: bool = False) -> tuple[Path, Path, Path]:
    """Word, HTML and PDF side by side: stem.docx, stem.html, stem.pdf."""
    docx_path, html_path, pdf_path = (stem.with_suffix(s) for s in (".docx", ".html", ".pdf"))
    to_docx(doc, docx_path, landscape)
    to_html(doc, html_path)
    to_pdf(doc, pdf_path, landscape)
    return html_path, docx_path, pdf_path
