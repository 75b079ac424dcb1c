"""outputs/index.html: every home municipality written in this release, with links to its
dashboards and reports, and for a home that failed, why. Rewritten after each home, under a
lock, from the homes' status files, so it is right whichever home finished last."""

from __future__ import annotations

import fcntl
import html
import os
from pathlib import Path

from pipelines.home_outputs import STATUS_DIR, read_statuses

WORDS = {
    "NO": {
        "lang": "nb",
        "title": "Målestokk: kommunene i denne utgaven",
        "intro": "Dashbord, årsberetning og utfordringsnotat for hver kommune, fra det samme "
        "kontrollerte lageret (utgave {release}).",
        "home": "Kommune",
        "year": "Siste år med tall",
        "links": "Utdata",
        "status": "Status",
        "ok": "skrevet",
        "failed": "feilet",
        "dashboards": "dashbord",
        "reports": "rapporter",
        "summary": "{ok} av {n} kommuner skrevet, {failed} feilet.",
    },
    "SE": {
        "lang": "sv",
        "title": "Målestokk: kommunerna i denna utgåva",
        "intro": "Instrumentpaneler, årsredovisning och utmaningsnotat för varje kommun, från "
        "samma kontrollerade lager (utgåva {release}).",
        "home": "Kommun",
        "year": "Senaste år med siffror",
        "links": "Utdata",
        "status": "Status",
        "ok": "skriven",
        "failed": "misslyckades",
        "dashboards": "instrumentpaneler",
        "reports": "rapporter",
        "summary": "{ok} av {n} kommuner skrivna, {failed} misslyckades.",
    },
}


def write_index(outputs: Path, country: str) -> Path:
    """Write the index of the homes in `outputs` (the primary home's language)."""
    lock_path = outputs / STATUS_DIR / "index.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        statuses = read_statuses(outputs)
        page = render_index(statuses, WORDS.get(country, WORDS["NO"]))
        tmp = outputs / f".index.html.tmp-{os.getpid()}"
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, outputs / "index.html")
    return outputs / "index.html"


def render_index(statuses: list[dict], w: dict) -> str:
    esc = html.escape
    release = statuses[0]["release"] if statuses else ""
    ok = sum(1 for s in statuses if s["status"] == "ok")
    rows = []
    for s in statuses:
        name = f"{esc(s['name'])} ({esc(s['home'])})"
        if s["status"] == "ok":
            folder = esc(s["folder"])
            links = (
                f"<a href='{folder}/dashboards/index.html'>{w['dashboards']}</a> · "
                f"<a href='{folder}/reports/'>{w['reports']}</a>"
            )
            rows.append(
                f"<tr><td>{name}</td><td>{esc(str(s.get('year', '')))}</td><td>{links}</td>"
                f"<td>{w['ok']}</td></tr>"
            )
        else:
            rows.append(
                f"<tr class='failed'><td>{name}</td><td></td><td></td>"
                f"<td>{w['failed']}: {esc(s.get('reason', ''))}</td></tr>"
            )
    summary = w["summary"].format(ok=ok, n=len(statuses), failed=len(statuses) - ok)
    return (
        f"<!doctype html><html lang='{w['lang']}'><head><meta charset='utf-8'>"
        f"<title>{w['title']}</title><style>body{{font-family:sans-serif;margin:2em}}"
        "table{border-collapse:collapse}td,th{padding:.3em .8em;border-bottom:1px solid #ddd;"
        "text-align:left}tr.failed td{color:#a33}</style></head><body>"
        f"<h1>{w['title']}</h1><p>{w['intro'].format(release=esc(release))}</p>"
        f"<p id='summary'>{summary}</p><table><thead><tr><th>{w['home']}</th>"
        f"<th>{w['year']}</th><th>{w['links']}</th><th>{w['status']}</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></body></html>"
    )
