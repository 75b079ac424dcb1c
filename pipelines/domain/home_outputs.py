"""One home's outputs from the published national warehouse: the partition's work.

The national warehouse is built and checked once. A home's comparisons depend on the home (its
KOSTRA group, its rank, peer figures without it), so each home gets its own in-memory DuckDB in
front of the published file (attached read-only, next on the search path): the home-dependent
models run there from their own files in sql/, and the dashboards, annual report, challenge note
and Parquet extracts are written from it into `homes/<country>-<code>/` beside the current release.
The published file is only read, so any number of homes can be written at once, in processes or
pods, and none of them can touch the warehouse or another home's folder.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines.domain.homes import Home
from pipelines.domain.regions import is_known_municipality, municipality_name, resolve_home
from pipelines.storage.release import Releases
from pipelines.storage.warehouse import sql_text

# run in this order in the home's database; each reads the tables before it
HOME_MODELS = (
    "core/core_peer_sets.sql",
    "marts/mart_home.sql",
    "marts/mart_peer_values.sql",
    "marts/mart_comparisons.sql",
    "marts/mart_expenditure_need.sql",
    "marts/mart_scorecard.sql",
    "marts/mart_challenge_note.sql",
)
# what another home's Parquet extracts hold: the marts computed for it (its own figures are not)
HOME_MARTS = tuple(Path(m).stem for m in HOME_MODELS if m.startswith("marts/"))
STATUS_DIR = ".homes"  # one status file per home, in the release's outputs folder
HOME_MEMORY_LIMIT = "1GB"  # per home process: several run at once on one machine


class HomeFailed(RuntimeError):
    """This home cannot be written (not a municipality, no figures); the others can.

    `kind` and `params` let the index say it in the reader's language (dashboards/homes_index);
    the message is for the log."""

    def __init__(self, message: str, kind: str = "error", **params: object) -> None:
        super().__init__(message)
        self.kind = kind
        self.params = {"detail": message, **params}


@dataclass(frozen=True)
class Primary:
    """The settings' own home: its outputs may show its own (suppressed) figures."""

    country: str
    code: str
    network_peer_set: str | None
    network_members: tuple[str, ...]  # the [network] set's members, for other homes in it
    network_country: str | None


def homes_folder(release: Path) -> Path:
    """The folder of the homes drawn from a release (beside it, never inside: a release never
    changes once published)."""
    folder = Releases(release.parent.parent).homes_of(release)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def published_release(warehouse_dir: Path) -> Path:
    """The current release folder (resolved once, so a publish meanwhile changes nothing)."""
    current = Releases(warehouse_dir).current_dir()
    if current is None or not (current / "malestokk.duckdb").exists():
        raise HomeFailed("no published warehouse yet: run a refresh first")
    return current


@contextmanager
def home_database(
    release: Path, home: Home, primary: Primary
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection in which the unqualified mart tables are this home's."""
    con = duckdb.connect(config={"memory_limit": HOME_MEMORY_LIMIT})
    try:
        con.execute(f"ATTACH '{release / 'malestokk.duckdb'}' AS nat (READ_ONLY)")
        con.execute("SET search_path = 'memory.main,nat.main'")
        if (home.country, home.code) != (primary.country, primary.code):
            in_network = home.country == primary.network_country and (
                home.code in primary.network_members
            )
            quoted = str(primary.network_peer_set).replace("'", "''")
            network = f"'{quoted}'" if in_network else "NULL::VARCHAR"
            con.execute(
                sql_text(
                    "homes/home_settings.sql",
                    country=home.country,
                    municipality=home.code,
                    network=network,
                )
            )
            for model in HOME_MODELS:
                con.execute(sql_text(model))
            _every_mart_is_this_homes(con)
        yield con
    finally:
        con.close()


def _every_mart_is_this_homes(con: duckdb.DuckDBPyConnection) -> None:
    """Every mart of the national warehouse must be computed for this home or emptied here; a
    mart added later and left out would otherwise show the primary home's rows, figures and
    own figures included, under this home's name."""
    left = con.execute(
        "SELECT n.table_name FROM information_schema.tables AS n WHERE n.table_catalog = 'nat' "
        "AND n.table_name LIKE 'mart\\_%' ESCAPE '\\' AND n.table_name NOT IN (SELECT "
        "table_name FROM information_schema.tables WHERE table_catalog = 'memory') ORDER BY 1"
    ).fetchall()
    if left:
        names = ", ".join(r[0] for r in left)
        raise RuntimeError(
            f"{names}: built for the primary home only; compute it per home "
            "(pipelines/home_outputs.HOME_MODELS) or empty it (sql/homes/home_settings.sql)"
        )


def _why_not_a_home(home: Home) -> HomeFailed | None:
    if home.country not in ("NO", "SE") or not is_known_municipality(home.country, home.code):
        lists = "KLASS 131" if home.country == "NO" else "Kolada's municipality list"
        return HomeFailed(f"{home.key} is not a municipality code in {lists}", "not_a_municipality")
    try:
        today, _ = resolve_home(home.country, home.code)
    except ValueError as exc:  # merged or split: which municipality is meant is for the user
        return HomeFailed(str(exc), "not_today")
    if today != home.code:
        return HomeFailed(f"{home.key} is today {today}", "renumbered", today=today)
    return None


def write_home(warehouse_dir: Path, home: Home, primary: Primary) -> dict:
    """Write one home's outputs and its status; raise HomeFailed (status written) if it cannot.

    The folder is written beside the old one and swapped in, so a reader never sees half of it.
    """
    release = published_release(warehouse_dir)
    outputs = homes_folder(release)
    status = {
        "home": home.key,
        "folder": home.folder,
        "name": municipality_name(home.country, home.code) or home.code,
        "release": release.name,
        "published_at": _published_at(release),
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    tmp = outputs / f".{home.folder}.tmp-{os.getpid()}"
    try:
        problem = _why_not_a_home(home)
        if problem:
            raise problem
        shutil.rmtree(tmp, ignore_errors=True)
        with home_database(release, home, primary) as con:
            status |= _write(con, tmp, home, primary)
        _swap_in(tmp, outputs / home.folder)
        status["status"] = "ok"
    except Exception as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(outputs / home.folder, ignore_errors=True)  # nothing older under its name
        reason = str(exc).splitlines()[0] if str(exc) else repr(exc)
        failed = exc if isinstance(exc, HomeFailed) else HomeFailed(reason)
        status |= {
            "status": "failed",
            "reason": reason,
            "reason_kind": failed.kind,
            "reason_params": failed.params,
        }
        _write_status(outputs, home, status)
        if isinstance(exc, HomeFailed):
            raise
        raise HomeFailed(f"{home.key}: {status['reason']}") from exc
    _write_status(outputs, home, status)
    return status


def _published_at(release: Path) -> str:
    record = release / "published.json"
    return json.loads(record.read_text("utf-8")).get("published_at", "") if record.exists() else ""


def _write(con: duckdb.DuckDBPyConnection, out: Path, home: Home, primary: Primary) -> dict:
    from dashboards.challenge_note import challenge_note, challenge_note_skipped
    from dashboards.malekart import dialogue_sheets, own_figures_synthetic
    from dashboards.report import annual_report, latest_year
    from dashboards.site import build_site

    label, first, last = con.execute(
        "SELECT label, first_year, last_year FROM mart_home"
    ).fetchall()[0]
    year = latest_year(con)
    if year is None:
        raise HomeFailed(
            f"{home.key} ({label}): no figures to compare in {first}-{last}",
            "no_figures",
            first=first,
            last=last,
        )
    out.mkdir(parents=True)
    build_site(con, out / "dashboards")
    annual_report(con, year, out / "reports")
    note = challenge_note_skipped(con)
    if note is None:
        try:
            challenge_note(con, year, out / "reports")
        except ValueError as exc:  # a network without figures that year costs the note only
            note = str(exc)
    if con.execute("SELECT count(*) FROM mart_malekart").fetchall()[0][0]:
        dialogue_sheets(con, out / "resultatdialog", home.country, own_figures_synthetic(con))
    rows = _parquet(con, out / "parquet", primary_home=(home.country, home.code)
                    == (primary.country, primary.code))  # fmt: skip
    documents = sorted(p.name for p in (out / "reports").glob("*.html"))
    return {"name": label, "year": year, "challenge_note": note or "written", "rows": rows,
            "documents": documents}  # fmt: skip


def _parquet(con: duckdb.DuckDBPyConnection, folder: Path, primary_home: bool) -> dict[str, int]:
    """The home's marts; the primary home's also its own-figure marts (already suppressed)."""
    folder.mkdir(parents=True)
    tables = list(HOME_MARTS)
    if primary_home:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'nat' "
                "AND table_name LIKE 'mart\\_%' ESCAPE '\\' ORDER BY 1"
            ).fetchall()
        ]
    rows = {}
    for table in tables:
        con.execute(f"COPY \"{table}\" TO '{folder / table}.parquet' (FORMAT parquet)")
        rows[table] = con.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0]
    return rows


def _swap_in(new: Path, folder: Path) -> None:
    old = folder.with_name(f".{folder.name}.old-{os.getpid()}")
    if folder.exists():
        os.replace(folder, old)
    os.replace(new, folder)
    shutil.rmtree(old, ignore_errors=True)


def _write_status(outputs: Path, home: Home, status: dict) -> None:
    folder = outputs / STATUS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f"{home.folder}.json.tmp-{os.getpid()}"
    tmp.write_text(json.dumps(status, ensure_ascii=False, indent=1, default=str), "utf-8")
    os.replace(tmp, folder / f"{home.folder}.json")


def write_index(outputs: Path, country: str) -> Path:
    """The homes' index (data/homes/index.html) from their status files, under a lock: several
    homes finish at once, and the page must list every one of them whichever wrote last."""
    from dashboards.homes_index import render_index

    lock_path = outputs / STATUS_DIR / "index.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        page = render_index(read_statuses(outputs), country)
        tmp = outputs / f".index.html.tmp-{os.getpid()}"
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, outputs / "index.html")
    return outputs / "index.html"


def read_statuses(outputs: Path) -> list[dict]:
    """Every home written (or tried) into this release, by country and code."""
    folder = outputs / STATUS_DIR
    if not folder.is_dir():
        return []
    found = [json.loads(p.read_text("utf-8")) for p in sorted(folder.glob("*.json"))]
    return sorted(found, key=lambda s: s["home"])
