"""The static comparison site: an overview and one page per service area.

`malestokk dashboard` writes it; open index.html from disk (no server needed) or run
`malestokk serve`. plotly.js and the page script sit next to the pages, and each page's data is
embedded in it, so the site works offline. Each page's table is also written as CSV and Excel.
"""

from __future__ import annotations

import html
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
from plotly.offline import get_plotlyjs

from dashboards.data import area_payload, comparisons, home, rankings, sick_leave, slug
from dashboards.table_files import write_csv, write_xlsx

STATIC = Path(__file__).parent / "static"
TABLE_COLUMNS = [
    "release", "release_kind", "indicator_id", "label", "unit", "year", "vintage", "peer_set",
    "peer_label", "home_value",
    "peer_value", "gap_abs", "gap_pct", "gap_is_good", "home_trend_3y", "home_rank", "n_ranked",
    "target", "target_status", "peer_method", "attribution", "provenance",
]  # fmt: skip


def _page(title: str, nav: str, body: str, data: dict | None, synthetic: bool) -> str:
    banner = '<p class="banner" data-t="synthetic">SYNTETISKE DEMODATA</p>' if synthetic else ""
    script = ""
    if data is not None:
        # "<" as \\u003c: no label can close the script or open a comment inside it
        payload = json.dumps(data, ensure_ascii=False, default=str).replace("<", "\\u003c")
        script = (
            f'<script>window.MALESTOKK_DATA = {payload};</script><script src="app.js"></script>'
        )
    return (
        "<!doctype html><html lang='no'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><link rel='stylesheet' href='style.css'>"
        "<script src='plotly.min.js'></script></head><body>"
        f"<nav>{nav}</nav>{banner}<h1>{html.escape(title)}</h1>{body}{script}</body></html>"
    )


AREA_BODY = """
<div class="controls">
  <label><span data-t="peer">Sammenligning</span><select id="peer"></select></label>
  <label><span data-t="year">År</span><select id="year"></select></label>
  <label><span data-t="vintage">Utgave</span><select id="release"></select></label>
  <label><span data-t="indicator">Indikator</span><select id="indicator"></select></label>
</div>
<div class="charts"><div id="trend"></div><div id="rank"></div></div>
<p><button onclick="malestokkDownloadCsv()">CSV (utvalg)</button>
   <a href="{slug}.csv">CSV (alt)</a> · <a href="{slug}.xlsx">Excel</a></p>
<table id="table"></table>
<p class="note">Grønt: avviket peker i god retning etter katalogen; rødt: dårlig; grått: nøytral.
Gruppe- og landstall fra SSB og Kolada brukes slik kildene publiserer dem; ASSS-snitt og egne
sett er beregnet uten hjemkommunen (se peer_method i CSV).</p>
"""


def _write_table(rows: pl.DataFrame, path_stem: Path) -> None:
    table = rows.select([c for c in TABLE_COLUMNS if c in rows.columns])
    write_csv(table, path_stem.with_suffix(".csv"))
    write_xlsx(table, path_stem.with_suffix(".xlsx"), "Sammenligning")


def build_site(con: duckdb.DuckDBPyConnection, out_dir: Path) -> dict[str, int]:
    """Write the site into out_dir (replacing it); return each page's size in bytes."""
    tmp = out_dir.with_name(out_dir.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    (tmp / "plotly.min.js").write_text(get_plotlyjs(), encoding="utf-8")
    for name in ("app.js", "style.css"):
        shutil.copy(STATIC / name, tmp / name)
    home_info = home(con)
    comps = comparisons(con)
    ranks = rankings(con)
    synthetic = "snapshot:synthetic" in set(comps["provenance"].drop_nulls().to_list())
    areas = sorted(comps["service_area"].drop_nulls().unique().to_list())
    nav = "<a href='index.html'>Oversikt</a>" + "".join(
        f"<a href='{slug(a)}.html'>{html.escape(a)}</a>" for a in areas
    )
    sizes: dict[str, int] = {}
    for area in areas:
        payload = area_payload(area, comps, ranks, home_info) | {"slug": slug(area)}
        body = AREA_BODY.replace("{slug}", slug(area))
        page = _page(f"{home_info['label']}: {area}", nav, body, payload, synthetic)
        path = tmp / f"{slug(area)}.html"
        path.write_text(page, encoding="utf-8")
        sizes[path.name] = path.stat().st_size
        _write_table(comps.filter(pl.col("service_area") == area), tmp / slug(area))
    sizes["index.html"] = _write_overview(con, tmp, comps, areas, home_info, nav, synthetic)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    tmp.rename(out_dir)
    return sizes


def _decimal_comma(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}".replace(".", ",")


def _write_overview(
    con, folder: Path, comps: pl.DataFrame, areas: list[str], home_info: dict, nav: str,
    synthetic: bool,
) -> int:  # fmt: skip
    latest = comps.filter(pl.col("home_value").is_not_null() & (pl.col("release") == "latest"))
    default = latest.filter(pl.col("is_default_peer_set"))
    rows = []
    for area in areas:
        part = default.filter(pl.col("service_area") == area)
        if part.is_empty():
            continue
        year = part["year"].max()
        now = part.filter(pl.col("year") == year)
        good = now.filter(pl.col("gap_is_good") == True).height  # noqa: E712
        bad = now.filter(pl.col("gap_is_good") == False).height  # noqa: E712
        rows.append(
            f"<tr><td><a href='{slug(area)}.html'>{html.escape(area)}</a></td><td>{year}</td>"
            f"<td>{now.height}</td><td class='good'>{good}</td><td class='bad'>{bad}</td></tr>"
        )
    local = sick_leave(con).filter(pl.col("level") == "service_area")
    local_rows = "".join(
        f"<tr><td>{html.escape(r['service_area'] or '')}</td><td>{r['period']}</td>"
        f"<td>{_decimal_comma(r['sick_leave_rate'])}</td>"
        f"<td>{html.escape(r['suppressed_by'] or '')}</td></tr>"
        for r in local.iter_rows(named=True)
    )
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = (
        "<div id='overview-chart'></div>"
        "<table id='overview'><thead><tr><th>Tjenesteområde</th><th>År</th><th>Indikatorer</th>"
        "<th>Bra avvik</th><th>Dårlig avvik</th></tr></thead><tbody>" + "".join(rows) +
        "</tbody></table><h2>Sykefravær (egne tall, små enheter skjult)</h2>"
        "<table id='sick-leave'><thead><tr><th>Tjenesteområde</th><th>Periode</th>"
        "<th>Sykefravær %</th><th>Skjult etter regel</th></tr></thead><tbody>" + local_rows +
        f"</tbody></table><p class='note'>Bygd {stamp}. Kilde: SSB (KOSTRA) og Källa: Kolada; "
        "egne tall fra kommunens HR- og undersøkelsessystemer.</p>"
    )  # fmt: skip
    counts = {
        a: (
            default.filter((pl.col("service_area") == a) & (pl.col("gap_is_good") == True)).height,  # noqa: E712
            default.filter((pl.col("service_area") == a) & (pl.col("gap_is_good") == False)).height,  # noqa: E712
        )
        for a in areas
    }
    chart = {
        "data": [
            {"type": "bar", "name": "bra", "x": areas, "y": [counts[a][0] for a in areas],
             "marker": {"color": "#27ae60"}},
            {"type": "bar", "name": "dårlig", "x": areas, "y": [counts[a][1] for a in areas],
             "marker": {"color": "#c0392b"}},
        ],
        "layout": {"barmode": "group",
                   "title": {"text": "Avvik mot KOSTRA-gruppe / SKR-grupp, alle år"},
                   "annotations": [{"text": "Kilde: SSB · Källa: Kolada", "xref": "paper",
                                    "yref": "paper", "x": 0, "y": -0.3, "showarrow": False}]},
    }  # fmt: skip
    script = (
        "<script>Plotly.newPlot('overview-chart', "
        + json.dumps(chart["data"], ensure_ascii=False)
        + ", "
        + json.dumps(chart["layout"], ensure_ascii=False)
        + ", {displaylogo: false}); document.body.dataset.ready = '1';</script>"
    )
    page = _page(f"{home_info['label']}: oversikt", nav, body + script, None, synthetic)
    path = folder / "index.html"
    path.write_text(page, encoding="utf-8")
    return path.stat().st_size
