"""The målekart where people look: a dashboard page per service area and per unit, a summary in
the annual report, and a resultatdialog sheet per unit leader.

Everything shown comes from mart_malekart as it is: result, target, colour and reason are decided
there; this module only words and lays them out. Own figures of small units are already hidden
in the mart; the reason (the privacy rule) is shown instead of a number.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from dashboards import tiltak
from dashboards.data import slug
from dashboards.document import Doc, Heading, Para, Table, write_all
from dashboards.units import decimals_for, with_unit
from dashboards.words import capital, words

PERSPECTIVE_ORDER = ("tjenester/brukere", "økonomi", "organisasjon/medarbeidere", "samfunn")
DOT = {"green": "\u25cf", "amber": "\u25cf", "red": "\u25cf", "grey": "\u25cb"}


def malekart_rows(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql(
        "SELECT * FROM mart_malekart ORDER BY level, service_area, unit_id, perspective, "
        "label, period"
    ).pl()


def _number(value: float | None, unit: str | None, show_unit: bool = True) -> str:
    """A figure with the decimals its unit has (kroner whole, survey means two) and the unit."""
    if value is None:
        return "\u2013"
    decimals = 2 if (unit or "").startswith("snitt") else decimals_for(unit)
    decimals = 0 if (unit or "") == "svar" else decimals
    text = f"{value:,.{decimals}f}".replace(",", "\u00a0").replace(".", ",")
    return with_unit(text, unit) if show_unit and unit not in ("svar",) else text


def privacy_text(r: dict, w: dict) -> str:
    """The privacy rule that hid a figure, in the reader's words: the mart gives the rule, the
    setting and its minimum as data (sql/marts/privacy_rules.sql)."""
    p = w["privacy"]
    setting, minimum = r.get("suppression_setting"), r.get("suppression_threshold")
    said = ""
    if setting and minimum is not None:
        key = "employees" if setting.endswith("employees") else "respondents"
        said = p[key].format(n=minimum)
    rule = r.get("suppressed_by")
    if rule == "area_unit_hidden":
        return p["area_hidden"].format(rule=said)
    if rule == "area_fewer_than_3_units":
        return p["few_units"]
    if rule == "area_one_unit_dominant":
        return p["one_unit"].format(rule=said)
    if rule in ("quarters_shown", "months_shown"):
        return p["quarters" if rule == "quarters_shown" else "months"]
    return said or p["hidden"]


def status_text(r: dict, w: dict) -> str:
    reason = r["status_reason"]
    template = w["reasons"].get(reason, reason)
    if reason == "suppressed":
        return template.format(detail=privacy_text(r, w))
    return template.format(period=r["period"])


def _plan_detail(detail: str | None, w: dict) -> str:
    if not detail:
        return ""
    for english, said in w["plan_status"].items():
        detail = detail.replace(f"({english})", f"({said})")
    return detail


@dataclass(frozen=True)
class Cells:
    """One målekart row as the reader sees it."""

    label: str
    period: str
    result: str
    target: str
    status: str
    colour: str
    trend: str
    trend_good: bool | None
    peer: str


def cells(r: dict, w: dict) -> Cells:
    unit = r["unit_of_measure"]
    if r["measure_kind"] == "survey_plan":
        planned = r["value"] is not None and r["status_reason"] != "no_plan"
        result = (
            w["plan_result"].format(done=int(r["value"] or 0), planned=int(r["target"] or 0))
            if planned
            else "\u2013"
        )
        target, peer = "", _plan_detail(r["status_detail"], w)
    else:
        # a unit on every number: the target beside "47,3 poeng" reads "42,0 poeng", not "42,0"
        result = _number(r["value"], unit)
        target = _number(r["target"], unit)
        if r["tolerance"] is not None:
            target += f" ({w['tolerance'].format(value=_number(r['tolerance'], unit))})"
        peer = ""
        if r["peer_value"] is not None:
            own = r["measure_kind"] != "catalog"
            peer = w["peer_of"].format(peer=r["peer_label"], value=_number(r["peer_value"], unit))
            if own and r["kommune_value"] is not None:
                peer += "; " + w["kommune_value"].format(value=_number(r["kommune_value"], unit))
    trend, good = "", None
    change = r["change"]
    if change is not None and r["value"] is not None:
        arrow = "\u25b2" if change > 0 else ("\u25bc" if change < 0 else "\u25ac")
        in_points = unit in ("prosent", "%")  # a change of a share is in percentage points
        trend = f"{arrow} {_number(abs(change), unit, not in_points)}" + (
            f" {w['points']}" if in_points else ""
        )
        if change and r["direction"] in ("higher", "lower"):
            good = (change > 0) == (r["direction"] == "higher")
    return Cells(r["label"], r["period"], result, target, status_text(r, w), r["status"], trend,
                 good, peer)  # fmt: skip


# ---- dashboard pages ----------------------------------------------------------------------------


def _panel(perspective: str, rows: list[dict], w: dict) -> str:
    esc = html.escape
    head = "".join(f"<th>{esc(h)}</th>" for h in w["malekart_header"])
    body = []
    for r in rows:
        c = cells(r, w)
        trend_cls = {True: "good", False: "bad"}.get(c.trend_good, "neutral" if c.trend else "")
        body.append(
            f"<tr class='mk-{c.colour}'><td>{esc(c.label)}</td><td>{esc(c.period)}</td>"
            f"<td class='n'>{esc(c.result)}</td><td class='n'>{esc(c.target)}</td>"
            f"<td><span class='dot {c.colour}' title='{esc(w['colours'][c.colour])}'>"
            f"{DOT[c.colour]}</span> {esc(c.status)}</td>"
            f"<td class='{trend_cls}'>{esc(c.trend)}</td><td>{esc(c.peer)}</td></tr>"
        )
    table = (
        f"<table class='malekart'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}"
        "</tbody></table>"
        if body
        else f"<p class='note'>{esc(w['no_targets'])}</p>"
    )
    title = w["perspectives"].get(perspective, perspective)
    return (
        f"<section class='panel' data-perspective='{esc(perspective)}'>"
        f"<h2>{esc(title)}</h2>{table}</section>"
    )


def _panels(rows: pl.DataFrame, w: dict) -> str:
    records = rows.to_dicts()
    return "<div class='panels'>" + "".join(
        _panel(p, [r for r in records if r["perspective"] == p], w) for p in PERSPECTIVE_ORDER
    ) + "</div>"  # fmt: skip


def unit_page_name(unit_id: str) -> str:
    return f"malekart-enhet-{slug(unit_id)}.html"


def area_page_name(area: str) -> str:
    return f"malekart-{slug(area)}.html"


def own_figures_synthetic(con: duckdb.DuckDBPyConnection) -> bool:
    """True when an own figure comes from the demo's synthetic samples."""
    return bool(
        con.execute("SELECT count(*) FROM mart_local__files WHERE source = 'snapshot'").fetchall()[
            0
        ][0]
    )


REJECTED_PAGE = "malekart-avviste-rader.html"


def has_malekart(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the home has a målekart to show: targets, or rows of its file that were left out
    (said on the page). Another home's outputs have neither, and get no målekart link."""
    return bool(
        con.execute(
            "SELECT (SELECT count(*) FROM mart_malekart) + "
            "(SELECT count(*) FROM mart_malekart__rejected)"
        ).fetchall()[0][0]
    )


def write_pages(
    con: duckdb.DuckDBPyConnection, folder: Path, nav: str, page, home_info: dict, synthetic: bool
) -> dict[str, int]:
    """malekart.html (the municipality and links), one page per service area and per unit."""
    w = words(home_info["country"])
    esc = html.escape
    rows = malekart_rows(con)
    sizes: dict[str, int] = {}
    lang = "sv" if home_info["country"] == "SE" else "no"
    measures = tiltak.rows(con)

    credit = f"<p class='note'>{esc(w['malekart_credit'])}</p>"

    def write(name: str, title: str, body: str) -> None:
        body += credit
        path = folder / name
        path.write_text(page(title, nav, body, None, synthetic), encoding="utf-8")
        sizes[name] = path.stat().st_size

    units = (
        rows.filter(pl.col("level") == "enhet")
        .select("unit_id", "unit_name", "service_area")
        .unique()
        .sort("service_area", "unit_id")
    )
    areas = sorted(
        set(rows.filter(pl.col("level") == "tjenesteområde")["service_area"].drop_nulls())
        | set(units["service_area"].drop_nulls())
    )

    def unit_links(area: str | None) -> str:
        part = units if area is None else units.filter(pl.col("service_area") == area)
        links = "".join(
            f"<li><a href='{unit_page_name(u['unit_id'])}'>{esc(u['unit_name'] or u['unit_id'])}"
            "</a></li>"
            for u in part.iter_rows(named=True)
        )
        return f"<h2>{esc(w['units_of_area'])}</h2><ul class='units'>{links}</ul>" if links else ""

    area_links = "".join(f"<li><a href='{area_page_name(a)}'>{esc(a)}</a></li>" for a in areas)
    kommune = rows.filter(pl.col("level") == "kommune")
    rejected = con.execute(
        'SELECT "row", "column", "value", reason FROM mart_malekart__rejected ORDER BY 1, 2'
    ).fetchall()
    notice = ""
    if rejected:  # rows the departments wrote that count for nothing: said where they look
        link = f"<a href='{REJECTED_PAGE}'>{esc(w['rejected_link'])}</a>"
        said = esc(w["rejected_notice"]).format(n=len(rejected), link=link)
        notice = f"<p class='warning'>{said}</p>"
        cells = "".join(
            "<tr>" + "".join(f"<td>{esc(str(v))}</td>" for v in r) + "</tr>" for r in rejected
        )
        head = "".join(f"<th>{esc(c)}</th>" for c in w["rejected_columns"])
        write(
            REJECTED_PAGE,
            f"{w['malekart']}: {w['rejected_title']}",
            f"<p>{esc(w['rejected_intro'].format(file='malekart.csv'))}</p>"
            f"<table class='rejected'><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>",
        )
    write(
        "malekart.html",
        f"{w['malekart']}: {home_info['label']}",
        notice
        + _panels(kommune, w)
        + tiltak.page_section(measures, kommune, lang, "kommune", None)
        + (
            f"<h2>{esc(w['levels']['tjenesteområde'])}</h2><ul class='areas'>{area_links}</ul>"
            if areas
            else ""
        ),
    )
    for area in areas:
        own = rows.filter((pl.col("level") == "tjenesteområde") & (pl.col("service_area") == area))
        section = tiltak.page_section(measures, own, lang, "tjenesteområde", area)
        write(area_page_name(area), f"{w['malekart']}: {area}",
              _panels(own, w) + section + unit_links(area))  # fmt: skip
    for u in units.iter_rows(named=True):
        own = rows.filter((pl.col("level") == "enhet") & (pl.col("unit_id") == u["unit_id"]))
        name = u["unit_name"] or u["unit_id"]
        back = f"<p><a href='{area_page_name(u['service_area'])}'>{esc(u['service_area'])}</a></p>"
        section = tiltak.page_section(measures, own, lang, "enhet", u["unit_id"])
        write(unit_page_name(u["unit_id"]), f"{w['malekart']}: {name}",
              back + _panels(own, w) + section)  # fmt: skip
    return sizes


# ---- documents ----------------------------------------------------------------------------------


def _table(rows: list[dict], w: dict) -> Table:
    body = []
    for r in rows:
        c = cells(r, w)
        body.append([c.label, c.period, c.result, c.target,
                     f"{w['colours'][c.colour]}: {c.status}", c.trend, c.peer])  # fmt: skip
    return Table(w["malekart_header"], body, [4.2, 1.3, 1.9, 2.6, 2.8, 1.6, 2.6], {2, 3})


def report_blocks(con: duckdb.DuckDBPyConnection, country: str) -> list:
    """The annual report's målekart summary: per service area, the colours of its targets and
    of its units' targets, then the area's own målekart."""
    w = words(country)
    rows = malekart_rows(con)
    if rows.filter(pl.col("level") != "kommune").is_empty():
        return []  # no målekart below the municipality: nothing per service area to sum up
    blocks: list = [Heading(w["malekart_summary"], 1), Para(w["malekart_summary_intro"])]
    summary = []
    # the area's own targets, the ones its table below shows (its units have their own sheets)
    for (area,), part in rows.filter(pl.col("level") == "tjenesteområde").group_by(
        "service_area", maintain_order=True
    ):
        if area == "alle":
            continue
        counts = {c: part.filter(pl.col("status") == c).height for c in w["colours"]}
        summary.append([area, str(part.height), *(str(counts[c]) for c in w["colours"])])
    blocks.append(Table(w["summary_header"], sorted(summary), [6.0, 2.2, 2.2, 2.2, 2.2, 2.2],
                        {1, 2, 3, 4, 5}))  # fmt: skip
    for (area,), part in rows.filter(pl.col("level") == "tjenesteområde").group_by(
        "service_area", maintain_order=True
    ):
        blocks.append(Heading(f"{w['malekart']}: {capital(area)}", 2))
        blocks.append(_table(part.to_dicts(), w))
    return blocks


def dialogue_sheets(
    con: duckdb.DuckDBPyConnection, out_dir: Path, country: str, synthetic: bool
) -> list[Path]:
    """One resultatdialog sheet per unit with targets: its målekart by perspective and the
    empty fields the leader and the chief executive fill in. Word and PDF."""
    w = words(country)
    rows = malekart_rows(con).filter(pl.col("level") == "enhet")
    measures = tiltak.rows(con)
    lang = "sv" if country == "SE" else "no"
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    # the year the dialogue looks back on: the latest with a result (a later year's targets
    # are on the sheet too, still without one)
    measured = rows.filter(pl.col("value").is_not_null())["year"]
    year = int((measured if not measured.is_empty() else rows["year"]).max() or 0)
    for (unit_id,), part in rows.group_by("unit_id", maintain_order=True):
        first = part.row(0, named=True)
        who = f"{first['unit_name'] or unit_id} ({first['service_area']})"
        blocks: list = [Para(w["dialogue_intro"])]
        owners = sorted(set(part["owner"].drop_nulls()))
        if owners:
            blocks.append(Para(f"{w['owner']}: {', '.join(owners)}"))
        # the dialogue starts where the last one ended: its tiltak, their status and effect
        blocks += tiltak.sheet_blocks(measures, unit_id, year, lang)
        for perspective in PERSPECTIVE_ORDER:
            records = part.filter(pl.col("perspective") == perspective).to_dicts()
            blocks.append(Heading(w["perspectives"][perspective], 1))
            blocks.append(_table(records, w) if records else Para(w["no_targets"], "note"))
        # where the leader writes the next period's tiltak, read back by `malestokk tiltak les`
        lines = tiltak.fill_in_lines(measures, part, unit_id, lang)
        blocks += tiltak.fill_in_blocks(lines, lang)
        for field in w["dialogue_fields"]:
            blocks += [Heading(field, 2), Para(w["dialogue_slot"], "slot")]
        blocks.append(Para(w["participants"]))
        doc = Doc(w["dialogue"].format(year=year, who=who), "sv" if country == "SE" else "no",
                  blocks, banner=w["synthetic_own"] if synthetic else None,
                  keywords="malestokk-resultatdialog",
                  comments=f"unit={unit_id};year={year}")  # fmt: skip
        stem = out_dir / f"resultatdialog-{year}-{slug(unit_id)}"
        _, docx, pdf = write_all(doc, stem, True)
        xlsx = tiltak.write_fill_in_xlsx(stem.with_name(stem.name + "-tiltak.xlsx"), lines,
                                         unit_id, year, lang,
                                         w["synthetic_own"] if synthetic else None)  # fmt: skip
        written += [docx, pdf, xlsx]
    return written
