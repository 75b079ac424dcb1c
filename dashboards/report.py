"""The annual report (årsberetning) and the answers to the ASSS challenge note (utfordringsnotat).

Both are written as HTML and as Word documents the municipality edits. The report gives each
service area its key figures against the peer sets, target status, a chart image and text slots;
the challenge note lists where the home municipality differs most from the ASSS average (level,
trend, need-adjusted spending) with space for the service's explanation and last year's answer.
Everything comes from the marts, so privacy rules are already applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from dashboards.data import home, slug
from dashboards.document import Doc, Heading, Para, Table, to_docx, to_html, to_pdf
from dashboards.document import Image as DocImage
from dashboards.malekart import report_blocks as malekart_blocks
from dashboards.presentation import AreaSlide, Deck, write_deck
from dashboards.render_cache import RenderCache
from dashboards.tiltak import report_blocks as tiltak_blocks
from dashboards.units import (
    decimals_for,
    difference_with_unit,
    gap_in_unit,
    gap_size,
    gap_text,
    with_unit,
)
from dashboards.words import WORDS, capital, why_missing, words

SLOT = "[Kommentar fra tjenesteområdet: skriv her]"


@dataclass
class Written:
    html: Path
    docx: Path
    images: list[Path]
    pdf: Path | None = None
    pptx: Path | None = None


def _fmt(value: float | None, decimals: int = 1) -> str:
    if value is None:
        return "\u2013"  # en dash: no value
    return f"{value:,.{decimals}f}".replace(",", "\u00a0").replace(".", ",")


def gap_chart(rows: pl.DataFrame, title: str, path: Path, w: dict | None = None) -> Path:
    """The gap against the peer figure per nøkkeltall, in percent of it, or in prosentpoeng for a
    percentage (each bar's value says which): full labels (wrapped, never cut), the value on every
    bar, the peer figure as the zero line with its axis, colours for colour-blind
    readers (blue better, orange weaker, grey neutral) with a symbol beside each (check, cross,
    dash). Drawn with matplotlib in the DejaVu Sans it ships (dashboards/fonts.py)."""
    import textwrap

    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    from dashboards.fonts import dejavu

    w = w or words("NO")
    lang = "sv" if w is WORDS["sv"] else "no"
    rows = (
        rows.with_columns(
            pl.struct(rows.columns).map_elements(gap_size, return_dtype=pl.Float64).alias("_gap")
        )
        .filter(pl.col("_gap").is_not_null())
        .head(12)
    )
    font = FontProperties(fname=dejavu(), size=9)
    records = list(rows.iter_rows(named=True))
    labels = ["\n".join(textwrap.wrap(r["label"], 46) or [""]) for r in records]
    lines = sum(label.count("\n") + 1 for label in labels)
    figure = Figure(figsize=(10, 1.4 + 0.3 * max(lines, 1) + 0.1 * len(records)), dpi=100)
    axes = figure.subplots()
    positions = list(range(len(records)))[::-1]  # the first row on top
    for y, r in zip(positions, records, strict=True):
        gap = max(-100.0, min(100.0, r["_gap"]))
        colour, symbol = {True: ("#0072B2", "\u2713"), False: ("#D55E00", "\u2717")}.get(
            r["gap_is_good"], ("#999999", "\u2013")
        )
        axes.barh(y, gap, color=colour, height=0.7)
        value = f"{symbol} {gap_text(r, lang)}"
        axes.annotate(
            value, (gap, y), xytext=(5 if gap >= 0 else -5, 0), textcoords="offset points",
            ha="left" if gap >= 0 else "right", va="center", fontproperties=font,
        )  # fmt: skip
    axes.set_yticks(positions, labels, fontproperties=font)
    axes.set_xlim(-130, 130)  # room for the values beside the longest bars
    ticks = [-100, -50, 0, 50, 100]
    axes.set_xticks(ticks, [f"{t:+d}".replace("-", "\u2212") if t else "0" for t in ticks])
    for tick in axes.get_xticklabels():
        tick.set_fontproperties(font)
    axes.axvline(0, color="#444444", linewidth=1.5)
    axes.grid(axis="x", color="#dddddd", linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    peer = rows["peer_label"].drop_nulls().head(1).to_list() if "peer_label" in rows.columns else []
    axis = w["gap_axis"].format(peer=peer[0] if peer else w["compared_with"].lower())
    note = [*textwrap.wrap(axis, 90), *textwrap.wrap(w["credit"], 90)]  # never cut at the edge
    axes.set_xlabel("\n".join(note), fontproperties=font, loc="left", color="#555555")
    title_font = FontProperties(fname=dejavu(), size=11)
    axes.set_title("\n".join(textwrap.wrap(capital(title), 90)), fontproperties=title_font,
                   loc="left")  # fmt: skip
    figure.tight_layout()
    figure.savefig(path, format="png", facecolor="white")
    return path


def _vintages(con: duckdb.DuckDBPyConnection, year: int, w: dict | None = None) -> str:
    w = w or words("NO")
    rows = con.execute(
        "SELECT source, string_agg(DISTINCT vintage, ', ' ORDER BY vintage), "
        "string_agg(DISTINCT provenance, ', ') FROM mart_comparisons WHERE year = ? "
        "AND release = 'latest' AND indicator_kind = 'nøkkeltall' GROUP BY 1 "
        "ORDER BY 1",
        [year],
    ).fetchall()
    names = {"ssb": "SSB", "kolada": "Kolada", "derived": w["derived"]}

    def when(vintages: str) -> str:  # 2025-06-15 -> 15. juni 2025 (15 juni 2025)
        out = []
        for v in vintages.split(", "):
            try:
                y, m, d = (int(x) for x in v[:10].split("-"))
            except ValueError:
                out.append(v)
                continue
            out.append(f"{d}{'.' if w is WORDS['no'] else ''} {w['months'][m - 1]} {y}")
        return ", ".join(out)

    def how(provenance: str) -> str:  # the machine's label in the reader's words
        return "; ".join(w["provenance"].get(p, p) for p in provenance.split(", "))

    return "; ".join(
        f"{names.get(src, src.upper())}: {w['edition']} {when(v)} ({how(p)})" for src, v, p in rows
    )


def _peer_sets_used(data: pl.DataFrame, w: dict) -> str:
    """The default peer set, and how its figures were made, in the reader's words."""
    kinds = data.group_by("peer_label").agg(pl.col("peer_kind").unique()).sort("peer_label")
    out = []
    for label, peer_kinds in kinds.iter_rows():
        how = [w[k] for k in ("published", "computed") if k in peer_kinds]
        out.append(f"{label} ({'; '.join(how)})" if how else label)
    return "; ".join(out)


def _findings(data: pl.DataFrame, w: dict, n: int = 6, lang: str = "no") -> list[str]:
    """The largest robust differences (a direction, at least three peers with data) and the
    strongest three-year trends, each with its number and the peer figure."""
    robust = data.filter(
        pl.col("gap_is_good").is_not_null() & (pl.col("n_peers_with_data") >= 3)
        & pl.col("gap_abs").is_not_null() & (pl.col("peer_value") != 0)
    ).sort((pl.col("gap_abs") / pl.col("peer_value")).abs(), descending=True)  # fmt: skip
    out = []
    for r in robust.head(n).iter_rows(named=True):
        d, unit = decimals_for(r["unit"]), r["unit"]
        out.append(w["finding"].format(
            label=r["label"], home=with_unit(_fmt(r["home_value"], d), unit),
            peer=with_unit(_fmt(r["peer_value"], d), unit), peer_label=r["peer_label"],
            gap=gap_in_unit(r, lang), verdict=w["better"] if r["gap_is_good"] else w["weaker"],
        ))  # fmt: skip
    trends = data.filter(
        pl.col("home_trend_3y").is_not_null() & pl.col("home_value").is_not_null()
        & (pl.col("home_value") != pl.col("home_trend_3y"))
    ).with_columns(
        (pl.col("home_trend_3y") / (pl.col("home_value") - pl.col("home_trend_3y")).abs())
        .alias("relative")
    ).sort(pl.col("relative").abs(), descending=True)  # fmt: skip
    for r in trends.head(2).iter_rows(named=True):
        d, unit = decimals_for(r["unit"]), r["unit"]
        key = "trend_up" if r["home_trend_3y"] > 0 else "trend_down"
        change = _fmt(abs(r["home_trend_3y"]), d)
        change = difference_with_unit(change, unit, lang)
        good = r.get("higher_is_better")  # a change is good or bad only with a direction
        verdict = "" if good is None else w["trend_good" if (r["home_trend_3y"] > 0) == good
                                            else "trend_bad"]  # fmt: skip
        out.append(w[key].format(
            label=r["label"], change=change, home=with_unit(_fmt(r["home_value"], d), unit),
            verdict=verdict,
        ))  # fmt: skip
    return out


def _need_table(con: duckdb.DuckDBPyConnection, year: int, peer_set: str, w: dict):
    rows = con.execute(
        "SELECT area, home_per_inhabitant, home_adjusted, peer_adjusted, "
        "mer_mindreforbruk_per_innbygger, mer_mindreforbruk_kr / 1e6, index_source "
        "FROM mart_expenditure_need WHERE year = ? AND peer_set = ? ORDER BY area",
        [year, peer_set],
    ).fetchall()
    if not rows:
        return None, False
    body = [[area, *(f"{_fmt(v, 0)} kr" for v in (a, b, c, d)), f"{_fmt(e, 1)} mill. kr"]
            for area, a, b, c, d, e, _ in rows]  # fmt: skip
    synthetic = any("SYNT" in (src or "").upper() for *_, src in rows)
    return Table(w["need_header"], body, [3.7, 2.4, 2.4, 2.6, 3.0, 2.9], {1, 2, 3, 4, 5}), synthetic


def _why(r: dict, lang: str = "no") -> str:
    return why_missing(r.get("home_harmonisation"), lang)


def latest_year(con: duckdb.DuckDBPyConnection) -> int | None:
    """The newest year the home has a figure in (what the outputs are written for)."""
    return con.execute(
        "SELECT max(year) FROM mart_comparisons WHERE home_value IS NOT NULL AND release = 'latest'"
    ).fetchall()[0][0]


def annual_report(
    con: duckdb.DuckDBPyConnection, year: int, out_dir: Path, keep_current: bool = False
) -> Written:
    """First page: the figures used, the peers and the main findings; then need-adjusted
    spending across sectors; then per service area its nøkkeltall, targets, chart and slot.
    keep_current (`malestokk report`): files already written from the same figures by the same
    code are kept, not drawn again (dashboards/render_cache.py)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    who = home(con)
    w = words(who["country"])
    lang = "sv" if who["country"] == "SE" else "no"
    # the target and its status as the målekart has them (one rule, tolerance included): the
    # report and the målekart pages never disagree
    data = con.sql(
        "SELECT m.*, k.target, k.status_reason AS target_status FROM mart_comparisons AS m "
        "LEFT JOIN (SELECT indicator_id, year, any_value(target) AS target, "
        "any_value(status_reason) AS status_reason FROM mart_malekart WHERE level = 'kommune' "
        "AND measure_kind = 'catalog' AND period = CAST(year AS VARCHAR) GROUP BY ALL) AS k "
        "USING (indicator_id, year) "
        "WHERE m.year = ? AND m.is_default_peer_set AND m.release = 'latest' "
        "AND m.indicator_kind = 'nøkkeltall' ORDER BY service_area, indicator_id",
        params=[year],
    ).pl()
    if data.is_empty() or data["home_value"].drop_nulls().is_empty():
        raise ValueError(f"no comparisons for {year}; the warehouse has no figures that year")
    title = w["report"].format(year=year, home=who["label"])
    synthetic = "snapshot:synthetic" in set(data["provenance"].drop_nulls().to_list())
    blocks: list = [Para(w["subtitle"])]
    vintages = _vintages(con, year, w)
    march = any(v[5:7] == "03" for v in data["vintage"].drop_nulls().to_list())
    blocks.append(Para(f"{w['basis']}: {vintages}" + (f" ({w['unrevised']})." if march else ".")))
    blocks.append(Para(f"{w['compared_with']}: {_peer_sets_used(data, w)}."))
    peer_set = data["peer_set"][0]
    if peer_set == "kostra_group" and w["group_break"]:
        blocks.append(Para(w["group_break"], "note"))
    blocks.append(Heading(w["findings"], 1))
    found = _findings(data, w, lang=lang)
    blocks += [Para(f"• {text}", "finding") for text in found] or [Para(w["no_findings"])]
    need, need_synthetic = _need_table(con, year, "kostra_group" if peer_set == "kostra_group"
                                       else "asss", w)  # fmt: skip
    if need is not None:
        blocks.append(Heading(w["need"], 1))
        blocks.append(Para(w["need_intro"].format(peer_label=data["peer_label"][0])))
        blocks.append(need)
        if need_synthetic:
            blocks.append(Para(w["need_synthetic"], "note"))
    images = []
    slides: list[AreaSlide] = []
    cache = RenderCache(out_dir, enabled=keep_current)
    drawn: list[str] = []
    for area, rows in data.group_by("service_area", maintain_order=True):
        area = area[0]
        peer = rows["peer_label"].drop_nulls().head(1).to_list()
        peer_label = peer[0] if peer else w["compared_with"]
        chart_title = f"{area}: {who['label']} / {peer_label} ({year})"
        image = out_dir / f"arsberetning-{year}-{slug(area)}.png"
        key = cache.key("gap_chart", chart_title, lang, rows.columns, rows.rows())
        if not cache.up_to_date([image], key):
            gap_chart(rows, chart_title, image, w)
            cache.record([image], key)
        drawn.append(key)
        images.append(image)
        header = [w["indicator"], who["label"], peer_label, w["gap"], w["verdict"], w["target"],
                  w["status"]]  # fmt: skip
        body = []
        for r in rows.iter_rows(named=True):
            verdict = {True: w["better"], False: w["weaker"]}.get(r["gap_is_good"], w["neutral"])
            d, unit = decimals_for(r["unit"]), r["unit"]
            home_text = with_unit(_fmt(r["home_value"], d), unit)
            if r["home_value"] is None and _why(r, lang):
                home_text = f"\u2013 ({_why(r, lang)})"
            reason = r["target_status"]
            status = w["reasons"].get(reason, reason).format(period=year) if reason else ""
            body.append([r["label"], home_text, with_unit(_fmt(r["peer_value"], d), unit),
                         gap_in_unit(r, lang), verdict,
                         with_unit(_fmt(r["target"], d), unit) if r["target"] is not None
                         else "", status or ""])  # fmt: skip
        slides.append(AreaSlide(
            w["slide_area"].format(area=capital(area), home=who["label"], peer=peer_label),
            image, _largest_gaps(rows, w, lang), _malekart_status(con, area, year, w),
        ))  # fmt: skip
        blocks += [
            Heading(capital(area), 1),
            Table(header, body, [4.6, 2.0, 2.0, 2.9, 1.6, 1.9, 2.0], {1, 2, 3, 5}),
            DocImage(image, 16.0, area),
            Para(w["credit"] if who["country"] == "NO" else w["kolada_credit"], "note"),
            Para(w["slot"], "slot"),
        ]
    blocks += malekart_blocks(con, who["country"])
    blocks += tiltak_blocks(con, year, "sv" if who["country"] == "SE" else "no")
    doc = Doc(title, "sv" if who["country"] == "SE" else "no", blocks,
              banner=w["synthetic"] if synthetic else None)  # fmt: skip
    stem = out_dir / f"arsberetning-{year}"
    html_path, docx_path, pdf_path = (stem.with_suffix(x) for x in (".html", ".docx", ".pdf"))
    key = cache.key("annual_report", doc, drawn)
    for path, write in ((docx_path, to_docx), (html_path, to_html), (pdf_path, to_pdf)):
        if not cache.up_to_date([path], key):
            write(doc, path)
            cache.record([path], key)
    deck = Deck(
        w["slide_title"].format(home=who["label"], year=year),
        [f"{w['basis']}: {vintages}", f"{w['compared_with']}: {_peer_sets_used(data, w)}"],
        w["findings"], found or [w["no_findings"]], slides,
        # the banner's first words fit a slide's top line ("SYNTETISKE DEMODATA")
        banner=w["synthetic"].split(":")[0] if synthetic else None, lang=lang,
    )  # fmt: skip
    pptx = out_dir / f"presentasjon-{year}.pptx"
    key = cache.key("deck", deck, drawn)
    if not cache.up_to_date([pptx], key):
        write_deck(deck, pptx)
        cache.record([pptx], key)
    cache.save()
    return Written(html_path, docx_path, images, pdf_path, pptx)


def _largest_gaps(rows: pl.DataFrame, w: dict, lang: str, n: int = 3) -> list[str]:
    """An area's three largest gaps to its peer figure, each with both figures and units."""
    sized = [
        (abs(size), r)
        for r in rows.iter_rows(named=True)
        if (size := gap_size(r)) is not None and r["home_value"] is not None
    ]
    out = []
    for _, r in sorted(sized, key=lambda x: x[0], reverse=True)[:n]:
        d, unit = decimals_for(r["unit"]), r["unit"]
        out.append(w["slide_gap"].format(
            label=r["label"], home=with_unit(_fmt(r["home_value"], d), unit),
            peer=with_unit(_fmt(r["peer_value"], d), unit), gap=gap_in_unit(r, lang),
        ))  # fmt: skip
    return out


def _malekart_status(con: duckdb.DuckDBPyConnection, area: str, year: int, w: dict) -> str:
    """The area's own målekart targets by colour, in words; "" when it has none."""
    counts = dict(con.execute(
        "SELECT status, count(*) FROM mart_malekart WHERE level = 'tjenesteområde' AND "
        "service_area = ? AND year = ? GROUP BY 1", [area, year],
    ).fetchall())  # fmt: skip
    if not counts:
        return ""
    parts = ", ".join(f"{counts.get(c, 0)} {word}" for c, word in w["colours"].items())
    return f"{w['malekart']}: {parts}"
