"""One document, three renderings: editable Word (A4), HTML and a print-ready PDF.

The annual report and the challenge note are written once as a list of blocks; each renderer
lays them out for its readers: A4 pages, the text columns (indicator, explanation) wide and the
numbers narrow, a banner on every page built from synthetic data, page numbers and a table of
contents in the PDF. Every text is escaped where it reaches HTML or the PDF's markup.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path


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


LANGUAGE_TAGS = {"no": "nb-NO", "sv": "sv-SE"}
# where a line must not break: inside a number (91 590), between a number and its unit
# (1,7 prosentpoeng, 91 590 kr) and between a word and the number it names (KOSTRA-gruppe 12)
_UNITS = (
    "kr|kroner|kronor|%|prosent|prosentpoeng|procent|procentenheter|poeng|po\u00e4ng|dager|"
    "dagar|timer|timmar|år|svar|innbyggere|invånare|elever|barn"
)
_BINDS = (
    re.compile(r"(?<=\d) (?=\d{3}(?!\d))"),
    re.compile(rf"(?<=\d) (?=(?:{_UNITS})(?![^\W\d_]))"),
    re.compile(r"(?<=[^\W\d_]) (?=\d)"),
)


def bound(text: str) -> str:
    """The text with no-break spaces where a line must not break (see _BINDS)."""
    for pattern in _BINDS:
        text = pattern.sub("\u00a0", text)
    return text


A4_TEXT_WIDTH_CM = 17.0  # 21 cm minus 2 cm margins
A4_LANDSCAPE_TEXT_WIDTH_CM = 25.7


def to_docx(doc: Doc, path: Path, landscape: bool = False) -> None:
    # python-docx is imported here: commands that write no Word file do not load it
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt, RGBColor

    word = Document()
    section = word.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.0))
    word.core_properties.title = doc.title
    word.core_properties.language = LANGUAGE_TAGS[doc.lang]
    _text_language(word, LANGUAGE_TAGS[doc.lang])
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


def _text_language(word, tag: str) -> None:
    """The language Word checks spelling in: the default run language of the styles (python-
    docx's template says en-US, so Word marked every Norwegian word as misspelt)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    styles = word.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        styles.insert(0, defaults)
    rpr_default = defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = OxmlElement("w:rPrDefault")
        defaults.insert(0, rpr_default)
    rpr = rpr_default.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        rpr_default.append(rpr)
    targets = [rpr, *(s.find(qn("w:rPr")) for s in styles.findall(qn("w:style")))]
    for props in (p for p in targets if p is not None):
        lang = props.find(qn("w:lang"))
        if lang is None:
            if props is not rpr:
                continue  # a style without its own language takes the default
            lang = OxmlElement("w:lang")
            props.append(lang)
        for attribute in ("w:val", "w:eastAsia", "w:bidi"):
            lang.set(qn(attribute), tag)


def column_widths(
    columns: list[list[str]], given: list[float], available: float, measure, size: float
) -> tuple[list[float], float]:
    """Column widths (points) from the content: each column at least as wide as its widest word
    (text breaks at spaces only; a number keeps its unit through a no-break space), what is left
    shared as `given` proportions say; the font size shrinks (to 6 pt) when even the widest words
    do not fit side by side. Returns (widths, size)."""
    padding = 12.0  # reportlab's default cell padding, 6 pt each side

    def least(s: float) -> list[float]:
        return [
            max((measure(w, s) for t in col for w in str(t).split(" ") if w), default=0.0) + padding
            for col in columns
        ]

    minimum = least(size)
    while sum(minimum) > available and size > 6:
        size -= 0.5
        minimum = least(size)
    if sum(minimum) > available:
        # words too long for the page even at 6 pt: every column shrinks alike, and the longest
        # words break inside (never a column narrower than its padding, which cannot be drawn)
        return [available * m / sum(minimum) for m in minimum], size
    wanted = [available * g / sum(given) for g in given]
    widths = [max(w, m) for w, m in zip(wanted, minimum, strict=True)]
    excess = sum(widths) - available
    slack = [w - m for w, m in zip(widths, minimum, strict=True)]
    if excess > 0 and sum(slack) > 0:
        widths = [w - excess * s / sum(slack) for w, s in zip(widths, slack, strict=True)]
    return widths, size


def to_html(doc: Doc, path: Path) -> None:
    """The document as one HTML page (templates/document.html.j2, every text escaped)."""
    from dashboards.templating import render

    blocks = []
    for block in doc.blocks:
        if isinstance(block, Heading):
            blocks.append({"kind": "heading", "text": block.text,
                           "html_level": min(6, block.level + 1)})  # fmt: skip
        elif isinstance(block, Para):
            blocks.append({"kind": "para", "text": block.text, "style": block.style})
        elif isinstance(block, Table):
            blocks.append({"kind": "table", "header": block.header, "rows": block.rows,
                           "numeric": set(block.numeric)})  # fmt: skip
        elif isinstance(block, Image):
            blocks.append({"kind": "image", "path": block.path, "alt": block.alt})
    page = render(
        "document.html.j2",
        lang="nb" if doc.lang == "no" else "sv",
        doc={"title": doc.title, "banner": doc.banner, "blocks": blocks},
    )
    path.write_text(page, encoding="utf-8")


def to_pdf(doc: Doc, path: Path, landscape: bool = False) -> None:
    """A4 PDF with page numbers and the banner on every page (reportlab). Page one starts with
    the title and the first section (Hovedfunn): the contents are the PDF's outline, which every
    viewer shows beside the pages. Table columns are as wide as their widest word, so no word is
    ever split (words break at spaces only, numbers and units held by no-break spaces)."""
    from reportlab import rl_config
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.pagesizes import landscape as turn
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Image as PdfImage
    from reportlab.platypus import (
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        TableStyle,
    )
    from reportlab.platypus import Table as PdfTable

    # images as binary streams: ASCII85 text would make the file a quarter larger and its
    # pure-Python encoder takes a tenth of a second per report
    rl_config.useA85 = 0
    font, bold = _register_fonts(pdfmetrics, TTFont)
    styles = getSampleStyleSheet()
    body = ParagraphStyle(
        "b", parent=styles["BodyText"], fontName=font, fontSize=9.5, leading=12,
        splitLongWords=0,  # a word is never cut: it moves to the next line whole
    )  # fmt: skip
    small = ParagraphStyle("s", parent=body, fontSize=8, leading=10)
    note = ParagraphStyle("n", parent=small, textColor=colors.HexColor("#555555"))
    slot = ParagraphStyle("slot", parent=body, backColor=colors.HexColor("#fff3cd"))
    banner = ParagraphStyle("ban", parent=body, fontName=bold, textColor=colors.HexColor("#b03a2e"))
    h = {
        1: ParagraphStyle("h1", parent=styles["Heading1"], fontName=bold, fontSize=15),
        2: ParagraphStyle("h2", parent=styles["Heading2"], fontName=bold, fontSize=12),
    }
    title = ParagraphStyle("t", parent=styles["Title"], fontName=bold, fontSize=18)

    def esc(text: str) -> str:
        return html.escape(bound(text))

    pagesize = turn(A4) if landscape else A4
    width_cm = A4_LANDSCAPE_TEXT_WIDTH_CM if landscape else A4_TEXT_WIDTH_CM

    class _Doc(SimpleDocTemplate):
        def afterFlowable(self, flowable) -> None:
            """Each heading an entry of the PDF's outline (the contents, beside the pages)."""
            if isinstance(flowable, Paragraph) and flowable.style.name in ("h1", "h2"):
                level = 0 if flowable.style.name == "h1" else 1
                key = f"h{id(flowable)}"
                self.canv.bookmarkPage(key)
                self.canv.addOutlineEntry(flowable.getPlainText(), key, level=level)

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
    for block in doc.blocks:
        if isinstance(block, Heading):
            story.append(Paragraph(esc(block.text), h[min(block.level, 2)]))
        elif isinstance(block, Para):
            style = {"note": note, "slot": slot, "banner": banner}.get(block.style, body)
            story.append(Paragraph(esc(block.text), style))
        elif isinstance(block, Table):
            columns = [
                [bound(c) for c in col] for col in zip(block.header, *block.rows, strict=True)
            ]
            widths, size = column_widths(
                columns, block.widths_cm, width_cm * cm,
                lambda text, s: stringWidth(text, bold, s), small.fontSize,
            )  # fmt: skip
            cell = ParagraphStyle(f"cell{size}", parent=small, fontSize=size, leading=size + 2)
            data = [[Paragraph(esc(c), cell) for c in block.header]] + [
                [Paragraph(esc(c), cell) for c in row] for row in block.rows
            ]
            table = PdfTable(data, colWidths=widths, repeatRows=1)
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
    pdf = _Doc(str(path), pagesize=pagesize, leftMargin=2 * cm, rightMargin=2 * cm,
               topMargin=2 * cm, bottomMargin=2 * cm, title=doc.title,
               lang="nb-NO" if doc.lang == "no" else "sv-SE")  # fmt: skip
    pdf.build(story, onFirstPage=on_page, onLaterPages=on_page)


def _register_fonts(pdfmetrics, ttfont) -> tuple[str, str]:
    """DejaVu Sans (æøå, ▲▼), the copy matplotlib ships (dashboards/fonts.py): never a
    fallback to Helvetica, which has no ▲▼."""
    from dashboards.fonts import dejavu

    if "DejaVu" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(ttfont("DejaVu", str(dejavu())))
        pdfmetrics.registerFont(ttfont("DejaVu-Bold", str(dejavu(bold=True))))
    return "DejaVu", "DejaVu-Bold"


def write_all(doc: Doc, stem: Path, landscape: bool = False) -> tuple[Path, Path, Path]:
    """Word, HTML and PDF side by side: stem.docx, stem.html, stem.pdf."""
    docx_path, html_path, pdf_path = (stem.with_suffix(s) for s in (".docx", ".html", ".pdf"))
    to_docx(doc, docx_path, landscape)
    to_html(doc, html_path)
    to_pdf(doc, pdf_path, landscape)
    return html_path, docx_path, pdf_path
