"""The static comparison site: an overview and one page per service area.

`malestokk dashboard` writes it; open index.html from disk (no server needed) or run
`malestokk serve`. plotly.js and the page script sit next to the pages, and each page's data is
embedded in it, so the site works offline. Each page's table is also written as CSV and Excel.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
from plotly.offline import get_plotlyjs

from dashboards import arshjul, kvalitet, malekart
from dashboards.data import _records, area_payload, comparisons, home, rankings, sick_leave, slug
from dashboards.table_files import write_csv, write_xlsx
from dashboards.templating import markup, render
from dashboards.units import decimals_for, gap_in_unit, with_unit
from dashboards.words import OVERVIEW_WORDS, capital, words

STATIC = Path(__file__).parent / "static"
TABLE_COLUMNS = [
    "release", "release_kind", "indicator_id", "label", "unit", "year", "vintage", "peer_set",
    "peer_label", "home_value",
    "peer_value", "gap_abs", "gap_pct", "gap_points", "gap_is_good", "home_trend_3y", "home_rank",
    "n_ranked",
    "target", "target_status", "peer_method", "attribution", "provenance",
]  # fmt: skip


def _page(
    title: str, nav: str, body: str, data: dict | None, synthetic: bool, lang: str = "no"
) -> str:
    """A page of the site (templates/site_page.html.j2): the title and the words escaped, the
    navigation and the body as the builder made them, the data as JSON for the page script."""
    payload = None
    if data is not None:
        # "<" as \\u003c: no label can close the script or open a comment inside it
        payload = markup(json.dumps(data, ensure_ascii=False, default=str).replace("<", "\\u003c"))
    return render(
        "site_page.html.j2",
        lang="sv" if lang == "sv" else "nb",
        title=title,
        nav=markup(nav),
        body=markup(body),
        banner=SITE_WORDS[lang]["synthetic"] if synthetic else None,
        payload=payload,
    )


# the words the site builder writes into the pages; the page scripts hold their own
# (static/app.js, overview.js) and switch to English with #lang=en
SITE_WORDS = {
    "no": {"overview": "Oversikt", "overview_title": "oversikt", "synthetic": "SYNTETISKE DEMODATA",
           "sheet": "Sammenligning", "peer": "Sammenligning", "year": "År", "vintage": "Utgave",
           "indicator": "Indikator", "csv_shown": "CSV (utvalg)", "csv_all": "CSV (alt)",
           "legend": "✓ blått: avviket peker i god retning etter katalogen; ✗ oransje: dårlig; "
           "grått: nøytral. Bare nøkkeltall sammenlignes (tall per innbygger, andeler, "
           "enhetskostnader). Gruppe- og landstall fra SSB og Kolada brukes slik kildene "
           "publiserer dem; ASSS-tall og egne sett er beregnet på samme måte, med alle "
           "medlemmene og hjemkommunen også (se peer_method i CSV)."},
    "sv": {"overview": "Översikt", "overview_title": "översikt", "synthetic": "SYNTETISKA DEMODATA",
           "sheet": "Jämförelse", "peer": "Jämförelse", "year": "År", "vintage": "Uttag",
           "indicator": "Nyckeltal", "csv_shown": "CSV (urval)", "csv_all": "CSV (allt)",
           "legend": "✓ blått: skillnaden pekar åt rätt håll enligt katalogen; ✗ orange: fel "
           "håll; grått: neutral. Bara nyckeltal jämförs (per invånare, andelar, "
           "enhetskostnader). Grupp- och rikstal från Kolada används som Kolada publicerar dem; "
           "egna jämförelsegrupper beräknas på samma sätt, med alla medlemmar och hemkommunen "
           "också (se peer_method i CSV)."},
}  # fmt: skip
AREA_TEXTS = ("peer", "year", "vintage", "indicator", "csv_shown", "csv_all", "legend")

AREA_BODY = """
<div class="controls">
  <label><span data-t="peer">{peer}</span><select id="peer"></select></label>
  <label><span data-t="year">{year}</span><select id="year"></select></label>
  <label><span data-t="vintage">{vintage}</span><select id="release"></select></label>
  <label><span data-t="indicator">{indicator}</span><select id="indicator"></select></label>
</div>
<div class="charts"><div id="trend"></div><div id="rank"></div></div>
<p><button onclick="malestokkDownloadCsv()" data-t="csvShown">{csv_shown}</button>
   <a href="{slug}.csv" data-t="csvAll">{csv_all}</a> · <a href="{slug}.xlsx">Excel</a></p>
<table id="table"></table>
<p class="note" data-t="legendNote">{legend}</p>
"""


def _write_ranking_files(folder: Path, page: str, ranking: pl.DataFrame) -> dict[str, str]:
    """The members' values behind the ranked bars, one script per release, peer set and
    indicator, loaded when that bar chart is drawn: a page carries only its own rows and a
    chosen peer set adds one indicator's members (the whole country's for the national set),
    so what a browser loads stays light at national scale (data.ranking_scripts writes the
    JSON). Returns "release|peer set|indicator" -> file name."""
    files: dict[str, str] = {}
    names: set[str] = set()
    for release, peer_set, indicator, text in ranking.iter_rows():
        key = f"{release}|{peer_set}|{indicator}"
        safe = re.sub(r"[^A-Za-z0-9_-]+", "_", f"{release}-{peer_set}-{indicator}")
        name = f"{page}.rank.{safe}.js"
        if name in names:  # two keys that differ only in punctuation
            raise ValueError(f"ranking file {name} would hold two indicators")
        names.add(name)
        (folder / name).write_text(
            "(window.MALESTOKK_RANK = window.MALESTOKK_RANK || {})["
            + json.dumps(key).replace("<", "\\u003c")
            + "] = "
            + text
            + ";\n",
            encoding="utf-8",
        )
        files[key] = name
    return files


def _write_table(rows: pl.DataFrame, path_stem: Path, lang: str) -> None:
    table = rows.select([c for c in TABLE_COLUMNS if c in rows.columns])
    write_csv(table, path_stem.with_suffix(".csv"))
    write_xlsx(table, path_stem.with_suffix(".xlsx"), SITE_WORDS[lang]["sheet"])


def build_site(con: duckdb.DuckDBPyConnection, out_dir: Path) -> dict[str, int]:
    """Write the site into out_dir (replacing it); return each page's size in bytes."""
    tmp = out_dir.with_name(out_dir.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    (tmp / "plotly.min.js").write_text(get_plotlyjs(), encoding="utf-8")
    for name in ("app.js", "overview.js", "style.css"):
        shutil.copy(STATIC / name, tmp / name)
    home_info = home(con)
    comps = comparisons(con)
    synthetic = "snapshot:synthetic" in set(comps["provenance"].drop_nulls().to_list())
    areas = sorted(comps["service_area"].drop_nulls().unique().to_list())
    lang = "sv" if home_info["country"] == "SE" else "no"
    site = SITE_WORDS[lang]
    has_malekart = malekart.has_malekart(con)  # another home's outputs: no empty målekart
    nav = (
        f"<a href='index.html' data-t='overview'>{site['overview']}</a>"
        + "".join(f"<a href='{slug(a)}.html'>{html.escape(capital(a))}</a>" for a in areas)
        + (
            f"<a href='malekart.html'>{words(home_info['country'])['malekart']}</a>"
            if has_malekart
            else ""
        )
        + f"<a href='{kvalitet.PAGE}.html'>{kvalitet.WORDS[lang]['title']}</a>"
        + f"<a href='{arshjul.PAGE}.html'>{arshjul.WORDS[lang]['title']}</a>"
    )
    sizes: dict[str, int] = {}
    for area in areas:
        # one page's members at a time: the whole country's for every indicator would not fit
        ids = comps.filter(pl.col("service_area") == area)["indicator_id"].unique().to_list()
        ranks = rankings(con, ids)
        payload = area_payload(area, comps, ranks, home_info) | {"slug": slug(area), "lang": lang}
        payload["rank_files"] = _write_ranking_files(tmp, slug(area), payload.pop("ranking"))
        body = AREA_BODY.format(slug=slug(area), **{k: html.escape(site[k]) for k in AREA_TEXTS})
        page = _page(f"{home_info['label']}: {capital(area)}", nav, body, payload, synthetic, lang)
        path = tmp / f"{slug(area)}.html"
        path.write_text(page, encoding="utf-8")
        sizes[path.name] = path.stat().st_size
        _write_table(comps.filter(pl.col("service_area") == area), tmp / slug(area), lang)
    own_synthetic = synthetic or malekart.own_figures_synthetic(con)

    def page(*args) -> str:
        return _page(*args, lang)

    if has_malekart:
        sizes |= malekart.write_pages(con, tmp, nav, page, home_info, own_synthetic)
    sizes |= kvalitet.write_pages(con, tmp, nav, page, home_info, synthetic)
    sizes |= arshjul.write(con, tmp, nav, page, home_info, synthetic)
    sizes["index.html"] = _write_overview(con, tmp, comps, areas, home_info, nav, synthetic)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    tmp.rename(out_dir)
    return sizes


def _decimal_comma(value: float | None, decimals: int = 1) -> str:
    return "" if value is None else f"{value:,.{decimals}f}".replace(",", " ").replace(".", ",")


def _indicator_row(r: dict, lang: str = "no") -> str:
    d, unit = decimals_for(r["unit"]), r["unit"]
    cls = {True: "good", False: "bad"}.get(r["gap_is_good"], "neutral")
    mark = {True: "✓ ", False: "✗ "}.get(r["gap_is_good"], "")
    cells = [r["service_area"], r["label"], with_unit(_decimal_comma(r["home_value"], d), unit),
             with_unit(_decimal_comma(r["peer_value"], d), unit)]  # fmt: skip
    return (
        "<tr>"
        + "".join(f"<td>{html.escape(c)}</td>" for c in cells)
        + f"<td class='{cls}'>{mark}{html.escape(gap_in_unit(r, lang))}</td></tr>"
    )


def _write_overview(
    con, folder: Path, comps: pl.DataFrame, areas: list[str], home_info: dict, nav: str,
    synthetic: bool,
) -> int:  # fmt: skip
    """Where the municipality stands: every nøkkeltall of every area against the default peer
    figure (= 100) for ONE year, which the chart and both tables share; then sick leave and
    user surveys by service area (already suppressed in the marts)."""
    lang = "sv" if home_info["country"] == "SE" else "no"
    latest = comps.filter(pl.col("home_value").is_not_null() & (pl.col("release") == "latest")
                          & pl.col("is_default_peer_set"))  # fmt: skip
    with_peer = latest.filter(pl.col("peer_value").is_not_null())
    year = with_peer["year"].max() if not with_peer.is_empty() else None
    now = with_peer.filter(pl.col("year") == year).with_columns(
        (100 * pl.col("home_value") / pl.col("peer_value").abs()).alias("index")
    )
    rows, dots = [], []
    for area in areas:
        part = now.filter(pl.col("service_area") == area)
        if part.is_empty():
            continue
        good = part.filter(pl.col("gap_is_good") == True).height  # noqa: E712
        bad = part.filter(pl.col("gap_is_good") == False).height  # noqa: E712
        rows.append(
            f"<tr><td><a href='{slug(area)}.html'>{html.escape(area)}</a></td><td>{year}</td>"
            f"<td>{part.height}</td><td class='good'>✓ {good}</td><td class='bad'>✗ {bad}</td>"
            "</tr>"
        )
    for r in now.iter_rows(named=True):
        dots.append({"area": r["service_area"], "label": r["label"], "index": r["index"],
                     "good": r["gap_is_good"], "trend": r["home_trend_3y"]})  # fmt: skip
    listed = now.sort((pl.col("gap_abs") / pl.col("peer_value")).abs(), descending=True,
                      nulls_last=True)  # fmt: skip
    list_rows = "".join(_indicator_row(r, lang) for r in listed.iter_rows(named=True))
    sick = sick_leave(con).filter(
        (pl.col("level") == "service_area") & pl.col("sick_leave_rate").is_not_null()
    )
    sick_series = [
        {"area": a, "period": part["period"].to_list(), "rate": part["sick_leave_rate"].to_list()}
        for (a,), part in sick.sort("period").group_by("service_area", maintain_order=True)
    ]
    surveys = con.sql(
        "SELECT service_area, year, round(sum(mean_score * respondents) / sum(respondents), 2) "
        "AS score FROM mart_local__surveys WHERE level = 'service_area' AND survey_kind = "
        "'bruker' AND suppressed_by IS NULL AND mean_score IS NOT NULL GROUP BY ALL "
        "ORDER BY service_area, year"
    ).pl()
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    data = {"dots": dots, "sick": sick_series, "surveys": _records(surveys),
            "peer": (now["peer_label"][0] if not now.is_empty() else ""), "year": year,
            "words": {k: OVERVIEW_WORDS[k] for k in (lang, "en")}, "lang": lang}  # fmt: skip
    payload = json.dumps(data, ensure_ascii=False, default=str).replace("<", "\\u003c")
    body = (
        "<h2 data-o='title'></h2><p class='note' data-o='legend'></p>"
        "<div id='overview-chart'></div>"
        "<table id='overview'><thead><tr><th data-o='area'></th><th data-o='year'></th>"
        "<th data-o='n'></th><th data-o='good'></th><th data-o='bad'></th></tr></thead><tbody>"
        + "".join(rows) + "</tbody></table>"
        "<h2 data-o='list'></h2><table id='indicators'><thead><tr><th data-o='area'></th>"
        "<th data-o='indicator'></th><th data-o='home'></th><th data-o='peer'></th>"
        "<th data-o='gap'></th></tr></thead><tbody>" + list_rows + "</tbody></table>"
        # own figures only where the home has them: no empty sections for another home
        + ("<h2 data-o='sick'></h2><div id='sick-chart'></div>" if sick_series else "")
        + ("<h2 data-o='survey'></h2><div id='survey-chart'></div>" if surveys.height else "")
        + f"<p class='note'><span data-o='built'></span> {stamp}. <span data-o='credit'></span>"
        "</p>"
    )  # fmt: skip
    script = (
        f"<script>window.MALESTOKK_OVERVIEW = {payload};</script>"
        "<script src='overview.js'></script>"
    )
    title = f"{home_info['label']}: {SITE_WORDS[lang]['overview_title']}"
    page = _page(title, nav, body + script, None, synthetic, lang)
    path = folder / "index.html"
    path.write_text(page, encoding="utf-8")
    return path.stat().st_size
