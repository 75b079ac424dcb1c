"""The presentation: a 16:9 slide deck per home for meetings with service staff and unit leaders.

Economy departments present the KOSTRA analysis in meetings ("idésamlinger"); the deck holds what
the annual report says, laid out to be read from the back of a room: a title slide (who, which
year, which figures and peers), Hovedfunn, and one slide per service area with its chart, its
three largest gaps and its målekart status. No text under 18 pt. Written with python-pptx, the
maintained library for PowerPoint files, so it opens in PowerPoint, Keynote and LibreOffice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# python-pptx is imported where a deck is written: a `malestokk report` whose deck is already
# up to date (dashboards/render_cache.py) does not load it

WIDTH, HEIGHT = 12192000, 6858000  # EMU  # 16:9, 33,867 x 19,05 cm
MIN_PT = 18  # readable from the back of a meeting room
RED = (0xB0, 0x3A, 0x2E)


@dataclass
class AreaSlide:
    title: str
    image: Path | None
    gaps: list[str]  # the three largest gaps, each a line with its number and unit
    status: str  # the målekart's colours for the area, in words ("" when it has none)


@dataclass
class Deck:
    title: str
    subtitle: list[str]
    findings_title: str
    findings: list[str]
    areas: list[AreaSlide] = field(default_factory=list)
    banner: str | None = None  # synthetic data: on every slide
    lang: str = "no"


def _text(slide, left, top, width, height, lines: list[str], size: int, bold: bool = False):
    from pptx.util import Pt

    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    for n, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if n == 0 else frame.add_paragraph()
        paragraph.text = line
        for run in paragraph.runs:
            run.font.size = Pt(max(size, MIN_PT))
            run.font.bold = bold
    return box


def _banner(slide, deck: Deck) -> None:
    from pptx.dml.color import RGBColor

    if deck.banner:
        box = _text(slide, 457200, 91440, WIDTH - 914400, 411480,
                    [deck.banner], MIN_PT, bold=True)  # fmt: skip
        for run in box.text_frame.paragraphs[0].runs:
            run.font.color.rgb = RGBColor(*RED)


def write_deck(deck: Deck, path: Path) -> Path:
    """The deck as path (.pptx): title, Hovedfunn, one slide per service area."""
    from pptx import Presentation

    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    blank = prs.slide_layouts[6]
    margin = 457200  # 1,27 cm
    inner = WIDTH - 2 * margin

    slide = prs.slides.add_slide(blank)
    _banner(slide, deck)
    _text(slide, margin, 1600000, inner, 1400000, [deck.title], 40, bold=True)
    _text(slide, margin, 3200000, inner, 2800000, deck.subtitle, 20)

    slide = prs.slides.add_slide(blank)
    _banner(slide, deck)
    _text(slide, margin, 550000, inner, 800000, [deck.findings_title], 32, bold=True)
    _text(slide, margin, 1450000, inner, HEIGHT - 1700000,
          [f"\u2022 {f}" for f in deck.findings], 20)  # fmt: skip

    for area in deck.areas:
        slide = prs.slides.add_slide(blank)
        _banner(slide, deck)
        _text(slide, margin, 550000, inner, 800000, [area.title], 28, bold=True)
        top = 1400000
        if area.image is not None and area.image.exists():
            picture = slide.shapes.add_picture(str(area.image), margin, top, width=6400000)
            if picture.height > HEIGHT - top - 200000:  # a tall chart: fit the height
                ratio = (HEIGHT - top - 200000) / picture.height
                picture.height = int(picture.height * ratio)
                picture.width = int(picture.width * ratio)
        right = margin + 6600000
        _text(slide, right, top, WIDTH - right - margin, 3600000,
              [f"\u2022 {g}" for g in area.gaps], 18)  # fmt: skip
        if area.status:
            _text(slide, right, 5200000, WIDTH - right - margin, 1200000,
                  [area.status], 18, bold=True)  # fmt: skip
    prs.core_properties.title = deck.title
    prs.core_properties.language = {"no": "nb-NO", "sv": "sv-SE"}[deck.lang]
    prs.save(str(path))
    return path
