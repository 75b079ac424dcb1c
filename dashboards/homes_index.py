"""data/homes/index.html: every home municipality written from this release, with links to its
dashboards and reports, and for a home that failed, why (pipelines/home_outputs.write_index
rewrites it after each home from the homes' status files)."""

from __future__ import annotations

WORDS = {
    "NO": {
        "lang": "nb",
        "title": "Målestokk: kommunene i denne utgaven",
        "intro": "Dashbord, årsberetning og utfordringsnotat for hver kommune, fra det samme "
        "kontrollerte lageret (publisert {release}).",
        "home": "Kommune",
        "year": "Siste år med tall",
        "links": "Utdata",
        "status": "Status",
        "ok": "skrevet",
        "failed": "feilet",
        "dashboards": "dashbord",
        "arsberetning": "årsberetning",
        "utfordringsnotat": "utfordringsnotat",
        "summary": "{ok} av {n} kommuner skrevet, {failed} feilet.",
        "not_a_municipality": "ikke et kommunenummer i SSBs kodeliste (KLASS 131)",
        "renumbered": "har fått nytt nummer: {today}",
        "not_today": "finnes ikke lenger som kommune: {detail}",
        "no_figures": "ingen tall å sammenligne i {first}\u2013{last}",
        "error": "feil under skriving: {detail}",
    },
    "SE": {
        "lang": "sv",
        "title": "Målestokk: kommunerna i denna utgåva",
        "intro": "Instrumentpaneler, årsredovisning och utmaningsnotat för varje kommun, från "
        "samma kontrollerade lager (publicerat {release}).",
        "home": "Kommun",
        "year": "Senaste år med siffror",
        "links": "Utdata",
        "status": "Status",
        "ok": "skriven",
        "failed": "misslyckades",
        "dashboards": "instrumentpaneler",
        "arsberetning": "årsredovisning",
        "utfordringsnotat": "utmaningsnotat",
        "summary": "{ok} av {n} kommuner skrivna, {failed} misslyckades.",
        "not_a_municipality": "inte en kommunkod i Koladas kommunlista",
        "renumbered": "har fått ny kod: {today}",
        "not_today": "finns inte längre som kommun: {detail}",
        "no_figures": "inga siffror att jämföra {first}\u2013{last}",
        "error": "fel vid skrivning: {detail}",
    },
}


def render_index(statuses: list[dict], country: str) -> str:
    """The page, in the primary home's language (templates/homes_index.html.j2); every text
    from a file is escaped."""
    from dashboards.templating import render

    w = WORDS.get(country, WORDS["NO"])
    release = (
        statuses[0].get("published_at", "").replace("T", " ")[:16] + " UTC" if statuses else ""
    )
    ok = sum(1 for s in statuses if s["status"] == "ok")
    rows = []
    for s in statuses:
        row = {"name": f"{s['name']} ({s['home']})", "ok": s["status"] == "ok"}
        if row["ok"]:
            folder = s["folder"]
            row["year"] = str(s.get("year", ""))
            row["links"] = [{"href": f"{folder}/dashboards/index.html", "text": w["dashboards"]}]
            row["links"] += [
                {"href": f"{folder}/reports/{doc}", "text": w[doc.split("-")[0]]}
                for doc in s.get("documents", [])
                if doc.split("-")[0] in w
            ]
        else:
            row["reason"] = _reason(s, w)
        rows.append(row)
    return render(
        "homes_index.html.j2",
        w=w,
        intro=w["intro"].format(release=release),
        summary=w["summary"].format(ok=ok, n=len(statuses), failed=len(statuses) - ok),
        rows=rows,
    )


def _reason(status: dict, w: dict) -> str:
    """Why a home failed, in the reader's language (the log keeps the English message)."""
    kind = status.get("reason_kind", "error")
    params = {"detail": status.get("reason", ""), **status.get("reason_params", {})}
    try:
        return w.get(kind, w["error"]).format(**params)
    except (KeyError, IndexError):
        return w["error"].format(detail=status.get("reason", ""))
