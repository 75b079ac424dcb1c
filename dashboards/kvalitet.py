"""The KOSTRA quality worklist in words: a page per service area, a Word/PDF list to send round,
and the refresh summary's line. The mart (mart_kostra_kvalitet) decides what is flagged and
holds the numbers; this module only says them, in Norwegian for a Norwegian home and Swedish for
a Swedish one."""

from __future__ import annotations

import html
import math
from pathlib import Path

import duckdb
import polars as pl

from dashboards.data import slug, table_or_empty
from dashboards.document import Doc, Para, Table, write_all
from dashboards.units import POINTS, decimals_for, is_percentage, with_unit
from dashboards.words import capital

PAGE = "kvalitetssjekk"
MONTHS = {
    "no": ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september",
           "oktober", "november", "desember"),
    "sv": ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
           "oktober", "november", "december"),
}  # fmt: skip
WORDS = {
    "no": {
        "title": "Kvalitetssjekk KOSTRA",
        "source": "KOSTRA",
        "intro": "Tall i {release} som kan være feil rapportert, for {year}. Hver tjeneste "
        "sjekker sine egne tall og retter feil til SSB før fristen, så de reviderte tallene "
        "15. juni blir riktige. Et flagg er et spørsmål, ikke en dom: sjekk tallet mot "
        "regnskapet eller fagsystemet.",
        "release_unrevised": "de foreløpige tallene fra {date}",
        "release_latest": "dagens tall",
        "none": "Ingen tall å sjekke for dette tjenesteområdet.",
        "none_at_all": "Ingen tall å sjekke.",
        "columns": ["Indikator", "Hva ser feil ut", "Hvor sikkert", "Etter revisjon"],
        "area": "Tjenesteområde",
        "count": "Tall å sjekke",
        "sure": {"høy": "høy", "middels": "middels", "lav": "lav"},
        "follow_up": {"venter": "venter på reviderte tall", "står": "står uendret",
                      "revidert": "revidert med {by}"},
        "summary": "{source} {date}: {n} tall å sjekke ({sure} med høy sikkerhet), "
        "se {where}",
        "summary_none": "{source} {date}: ingen tall å sjekke",
        "rules": {
            "endring": "endret fra {prev} i {prev_year} til {value} ({times}): langt mer enn "
            "kommunens egne endringer før og {peers}s endringer (median {peer_median})",
            "endring_own": "endret fra {prev} i {prev_year} til {value} ({times}): langt mer "
            "enn {peers}s endringer (median {peer_median}); for få egne år å sammenligne med",
            "utenfor_spenn": "{value} ligger utenfor alle andre kommuners tall "
            "({country_min}\u2013{country_max})",
            "utenfor_gruppe": "{value} ligger langt utenfor KOSTRA-gruppens tall "
            "({group_min}\u2013{group_max})",
            "ugyldig_verdi": "{value} er utenfor det mulige ({valid_min}\u2013{valid_max})",
            "stemmer_ikke": "{value} stemmer ikke med teller og nevner, som gir {expected}",
            "utgift_uten_aktivitet": "null aktivitet, men utgifter på tjenesteområdet",
            "aktivitet_uten_utgift": "null utgifter, men aktivitet på tjenesteområdet",
            "mangler": "mangler ({status}), men ble rapportert i {prev_year} ({prev})",
        },
        "peers": {"kostra_group": "KOSTRA-gruppen", "national": "landet"},
        "status": {"..": "status ..: ikke tilgjengelig", ".": "status .: ikke aktuelt",
                   None: "ingen rad"},
        "times_up": "{x} ganger så høyt", "times_down": "en {x}-del",
        "points": "{d} " + POINTS["no"],
        "synthetic": "SYNTETISKE DEMODATA",
        "file": "kvalitetssjekk",
    },
    "sv": {
        "title": "Kvalitetskontroll Kolada",
        "source": "Kolada",
        "intro": "Värden i {release} som kan vara felrapporterade, för {year}. Varje "
        "verksamhet kontrollerar sina egna värden och rättar fel före nästa publicering. En "
        "flagga är en fråga, inte ett omdöme: kontrollera värdet mot redovisningen eller "
        "verksamhetssystemet.",
        "release_unrevised": "de preliminära värdena från {date}",
        "release_latest": "dagens värden",
        "none": "Inga värden att kontrollera för verksamhetsområdet.",
        "none_at_all": "Inga värden att kontrollera.",
        "columns": ["Nyckeltal", "Vad som ser fel ut", "Hur säkert", "Efter revidering"],
        "area": "Verksamhetsområde",
        "count": "Värden att kontrollera",
        "sure": {"høy": "hög", "middels": "medel", "lav": "låg"},
        "follow_up": {"venter": "väntar på reviderade värden", "står": "oförändrat",
                      "revidert": "reviderat med {by}"},
        "summary": "{source} {date}: {n} värden att kontrollera ({sure} med hög säkerhet), "
        "se {where}",
        "summary_none": "{source} {date}: inga värden att kontrollera",
        "rules": {
            "endring": "ändrat från {prev} år {prev_year} till {value} ({times}): långt mer än "
            "kommunens egna tidigare förändringar och {peers}s förändringar (median "
            "{peer_median})",
            "endring_own": "ändrat från {prev} år {prev_year} till {value} ({times}): långt mer "
            "än {peers}s förändringar (median {peer_median}); för få egna år att jämföra med",
            "utenfor_spenn": "{value} ligger utanför alla andra kommuners värden "
            "({country_min}\u2013{country_max})",
            "utenfor_gruppe": "{value} ligger långt utanför kommungruppens värden "
            "({group_min}\u2013{group_max})",
            "ugyldig_verdi": "{value} är utanför det möjliga ({valid_min}\u2013{valid_max})",
            "stemmer_ikke": "{value} stämmer inte med täljare och nämnare, som ger {expected}",
            "utgift_uten_aktivitet": "ingen verksamhet, men kostnader i verksamhetsområdet",
            "aktivitet_uten_utgift": "inga kostnader, men verksamhet i verksamhetsområdet",
            "mangler": "saknas ({status}), men rapporterades {prev_year} ({prev})",
        },
        "peers": {"kostra_group": "kommungruppen", "national": "rikets"},
        "status": {"..": "status ..: saknas", ".": "status .: ej relevant", None: "ingen rad"},
        "times_up": "{x} gånger så högt", "times_down": "en {x}-del",
        "points": "{d} " + POINTS["sv"],
        "synthetic": "SYNTETISKA DEMODATA",
        "file": "kvalitetskontroll",
    },
}  # fmt: skip


def _lang(country: str) -> str:
    return "sv" if country == "SE" else "no"


def flags(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return table_or_empty(con, "mart_kostra_kvalitet")


def _number(value: float | None, unit: str | None) -> str:
    if value is None:
        return "\u2013"
    decimals = decimals_for(unit)
    text = f"{value:,.{decimals}f}".replace(",", "\u00a0").replace(".", ",")
    return with_unit(text.replace("-", "\u2212"), unit)


def _change(row: dict, w: dict) -> str:
    """How big the change is, as a reader weighs it: times for amounts, points for shares."""
    if is_percentage(row["unit"]):
        d = f"{row['value'] - row['previous_value']:+.1f}".replace(".", ",").replace("-", "\u2212")
        return w["points"].format(d=d)
    ratio = row["value"] / row["previous_value"]
    if ratio >= 1:
        return w["times_up"].format(x=f"{ratio:.1f}".replace(".", ","))
    return w["times_down"].format(x=f"{1 / ratio:.1f}".replace(".", ","))


def _median_change(row: dict, w: dict) -> str:
    value = row["peer_median_change"]
    if value is None:
        return "\u2013"
    if is_percentage(row["unit"]):
        d = f"{value:+.1f}".replace(".", ",").replace("-", "\u2212")
        return w["points"].format(d=d)
    return f"{100 * (math.exp(value) - 1):+.1f} %".replace(".", ",").replace("-", "\u2212")


def reason(row: dict, lang: str) -> str:
    """What looks wrong, with the numbers behind it."""
    w = WORDS[lang]
    unit = row["unit"]
    rule = row["rule"]
    if rule == "endring" and (row["own_changes"] or 0) < 3:
        rule = "endring_own"
    if (
        rule == "utenfor_spenn"
        and row["country_min"] is not None
        and (row["country_min"] <= row["value"] <= row["country_max"])
    ):
        rule = "utenfor_gruppe"
    fields = {
        "value": _number(row["value"], unit),
        "prev": _number(row["previous_value"], unit),
        "prev_year": str(row["previous_year"] or row["year"] - 1),
        "peers": w["peers"].get(row["peer_basis"], w["peers"]["national"]),
        "peer_median": "",
        "times": "",
        "country_min": _number(row["country_min"], unit),
        "country_max": _number(row["country_max"], unit),
        "group_min": _number(row["group_min"], unit),
        "group_max": _number(row["group_max"], unit),
        "valid_min": _number(row["valid_min"], unit),
        "valid_max": _number(row["valid_max"], unit),
        "expected": _number(row["expected_value"], unit),
        "status": w["status"].get(row["status"], f"status {row['status']}"),
    }
    if row["change"] is not None:
        fields["times"] = _change(row, w)
        fields["peer_median"] = _median_change(row, w)
    return capital(w["rules"][rule].format(**fields))


def follow_up(row: dict, lang: str) -> str:
    w = WORDS[lang]["follow_up"]
    if row["follow_up"] == "revidert":
        by = row["revised_by"]
        if by is None:  # the figure was withdrawn or became a status
            return w["revidert"].format(by=_number(row["value_now"], row["unit"]))
        return w["revidert"].format(by=_number(by, row["unit"]).replace("\u2212", "\u2212 ", 0))
    return w[row["follow_up"]]


def _release_words(rows: pl.DataFrame, lang: str) -> tuple[str, str]:
    """('de foreløpige tallene fra 15. mars 2025', '15. mars') for the check release."""
    release = rows["check_release"][0]
    if release == "latest":
        return WORDS[lang]["release_latest"], ""
    year, month, day = (int(p) for p in release.split("-"))
    date = (
        f"{day}. {MONTHS[lang][month - 1]}" if lang == "no" else f"{day} {MONTHS[lang][month - 1]}"
    )
    return WORDS[lang]["release_unrevised"].format(date=f"{date} {year}"), date


SURE_ORDER = ("høy", "middels", "lav")


def _table_rows(rows: pl.DataFrame, lang: str) -> list[list[str]]:
    """One row per figure: every reason it was flagged for, the surest flag's certainty."""
    sure = WORDS[lang]["sure"]
    by_figure: dict[str, list[dict]] = {}
    for r in rows.iter_rows(named=True):
        by_figure.setdefault(r["indicator_id"], []).append(r)
    table = []
    for flags_of in sorted(
        by_figure.values(),
        key=lambda f: (min(SURE_ORDER.index(r["sikkerhet"]) for r in f), f[0]["label"]),
    ):
        first = flags_of[0]
        surest = min((r["sikkerhet"] for r in flags_of), key=SURE_ORDER.index)
        reasons = "; ".join(reason(r, lang) for r in flags_of)
        table.append([first["label"], reasons, sure[surest], follow_up(first, lang)])
    return table


def areas(rows: pl.DataFrame, catalog_areas: list[str]) -> list[str]:
    """Every service area of the catalog, those with flags first would hide the others' calm:
    alphabetical, as the site's navigation."""
    flagged = rows["service_area"].drop_nulls().to_list() if not rows.is_empty() else []
    return sorted(set(catalog_areas) | set(flagged))


def write_pages(
    con: duckdb.DuckDBPyConnection, folder: Path, nav: str, page, home_info: dict, synthetic: bool
) -> dict[str, int]:
    """kvalitetssjekk.html (each area with its count) and a page per service area."""
    lang = _lang(home_info["country"])
    w = WORDS[lang]
    rows = flags(con)
    catalog_areas = [
        a for (a,) in con.execute(
            "SELECT DISTINCT service_area FROM core_catalog__indicators WHERE service_area "
            "IS NOT NULL AND service_area <> 'befolkning' AND CASE (SELECT country FROM "
            "core_settings__home) WHEN 'SE' THEN source = 'kolada' ELSE source <> 'kolada' END"
        ).fetchall()
    ]  # fmt: skip
    sizes: dict[str, int] = {}
    if rows.is_empty():
        body = f"<p>{html.escape(w['none_at_all'])}</p>"
        intro = ""
    else:
        release, _ = _release_words(rows, lang)
        intro = w["intro"].format(release=release, year=rows["year"][0])
        body = ""
    listing = []
    for area in areas(rows, catalog_areas):
        mine = rows.filter(pl.col("service_area") == area) if not rows.is_empty() else rows
        name = f"{PAGE}-{slug(area)}.html"
        listing.append(
            f"<tr><td><a href='{html.escape(name)}'>{html.escape(capital(area))}</a></td>"
            f"<td class='num'>{mine['indicator_id'].n_unique() if mine.height else 0}</td></tr>"
        )
        area_body = f"<p>{html.escape(intro)}</p>" if intro else ""
        area_body += _html_table(mine, lang) if mine.height else f"<p>{html.escape(w['none'])}</p>"
        text = page(f"{home_info['label']}: {w['title']}: {capital(area)}", nav, area_body, None,
                    synthetic)  # fmt: skip
        (folder / name).write_text(text, encoding="utf-8")
        sizes[name] = len(text.encode())
    if not body:
        body = (
            f"<p>{html.escape(intro)}</p><table><thead><tr><th>{html.escape(w['area'])}</th>"
            f"<th>{html.escape(w['count'])}</th></tr></thead><tbody>{''.join(listing)}"
            "</tbody></table>"
        )
    text = page(f"{home_info['label']}: {w['title']}", nav, body, None, synthetic)
    (folder / f"{PAGE}.html").write_text(text, encoding="utf-8")
    sizes[f"{PAGE}.html"] = len(text.encode())
    return sizes


def _html_table(rows: pl.DataFrame, lang: str) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in WORDS[lang]["columns"])
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in cells) + "</tr>"
        for cells in _table_rows(rows, lang)
    )
    return f"<table class='worklist'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def write_worklists(con: duckdb.DuckDBPyConnection, out_dir: Path, home_info: dict) -> list[Path]:
    """A Word, HTML and PDF worklist per service area with flags, to send round; the banner
    on every page when a flagged figure is synthetic (the demo's)."""
    rows = flags(con)
    if rows.is_empty():
        return []
    synthetic = "snapshot:synthetic" in set(rows["provenance"].drop_nulls().to_list())
    lang = _lang(home_info["country"])
    w = WORDS[lang]
    release, _ = _release_words(rows, lang)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for area in sorted(rows["service_area"].drop_nulls().unique().to_list()):
        mine = rows.filter(pl.col("service_area") == area)
        doc = Doc(
            title=f"{w['title']}: {capital(area)} ({home_info['label']}, {rows['year'][0]})",
            lang=lang,
            blocks=[
                Para(w["intro"].format(release=release, year=rows["year"][0])),
                Table(w["columns"], _table_rows(mine, lang), [4.2, 7.6, 1.9, 3.3]),
            ],
            banner=w["synthetic"] if synthetic else None,
        )
        html_path, docx_path, pdf_path = write_all(doc, out_dir / f"{w['file']}-{slug(area)}")
        written += [docx_path, pdf_path, html_path]
    return written


def summary_line(con: duckdb.DuckDBPyConnection, where: str) -> str | None:
    """'KOSTRA 15. mars: 7 tall å sjekke (2 sikre), se …' for the refresh summary; None before
    the mart exists."""
    rows = flags(con)
    country = con.execute("SELECT country FROM core_settings__home").fetchall()[0][0]
    lang = _lang(country)
    w = WORDS[lang]
    if rows.is_empty():
        return None
    _, date = _release_words(rows, lang)
    figures = rows.select("indicator_id").unique().height
    sure = rows.filter(pl.col("sikkerhet") == "høy").select("indicator_id").unique().height
    return w["summary"].format(
        source=w["source"], date=date or rows["year"][0], n=figures, sure=sure, where=where
    )
