"""`malestokk`: the benchmarking warehouse's commands: refresh, import own figures, write reports
and dashboards, serve them, look after the catalog and the snapshot, open the Dagster UI.

Exit codes: 0 done; 1 the refresh failed (the last good warehouse stays published); 2 the settings
or catalog are wrong; 3 another refresh is running (the message names it); 4 the warehouse is
published but one or more of the selected homes ([homes], --homes) failed (each is named).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
from pathlib import Path

from pipelines.settings.catalog import CatalogError, load_catalog
from pipelines.settings.config import ConfigError, Settings, load_settings

EXIT_OK, EXIT_FAILED, EXIT_CONFIG, EXIT_BUSY, EXIT_HOMES = 0, 1, 2, 3, 4


def _overrides(args: argparse.Namespace) -> dict[str, object]:
    """The command line's options as settings; they win over the environment and the file."""
    overrides: dict[str, object] = {}
    if getattr(args, "offline", False):
        overrides["sources.mode"] = "snapshot"
    if getattr(args, "full", False):
        overrides["sources.full_refresh"] = True
    if getattr(args, "homes", None):
        overrides["homes.select"] = args.homes.split(",")
    if getattr(args, "workers", None) is not None:
        overrides["homes.workers"] = args.workers
    return overrides


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.config, overrides=_overrides(args))
    load_catalog(settings.catalog_file)
    for notice in settings.notices:
        print(f"notice: {notice}", file=sys.stderr)
    return settings


DAGSTER_YAML = """\
# Written by malestokk (delete this first line to keep your own edits).
telemetry:
  enabled: false
# One refresh at a time: every run writes the one staging warehouse. Runs launched from the UI,
# the nightly schedule and the inbox sensor queue here; `malestokk refresh` takes the same
# refresh lock as a run does (see README, "One refresh at a time").
concurrency:
  runs:
    max_concurrent_runs: 1
# Dagster's own debug lines (a worker process starting) stay out of the terminal; every event
# still reaches the run's log
python_logs:
  python_log_level: INFO
"""


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("malestokk")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _prepare_dagster_home(settings: Settings) -> Path:
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    yaml = home / "dagster.yaml"
    if not yaml.exists() or yaml.read_text(encoding="utf-8").startswith("# Written by malestokk"):
        yaml.write_text(DAGSTER_YAML, encoding="utf-8")
    return home


def _log_file(settings: Settings) -> Path:
    from datetime import UTC, datetime

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = settings.data_dir / "logs" / f"refresh-{stamp}-{os.getpid()}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def refresh(args: argparse.Namespace) -> int:
    """Take the refresh lock (or say who holds it and exit 3), then run the refresh job."""
    from pipelines.orchestration.refresh_lock import LockWait, RefreshBusy, refresh_lock

    settings = _settings(args)
    wait = LockWait(None if getattr(args, "wait", False) else 0.0)
    try:
        with refresh_lock(
            settings.warehouse_dir,
            wait=wait,
            command=f"malestokk {args.command}",
            on_wait=lambda holder: print(f"waiting: {holder}", file=sys.stderr),
        ):
            return _run_refresh(settings)
    except RefreshBusy as busy:
        print(f"refresh not started: {busy}; try again later or use --wait", file=sys.stderr)
        return EXIT_BUSY


def _source_lines(settings: Settings) -> list[str]:
    catalog = load_catalog(settings.catalog_file)
    lines = []
    for source, name in (("ssb", "SSB (PxWebApi and KLASS)"), ("kolada", "Kolada")):
        reason = catalog.skip_reason(source)
        if reason:
            lines.append(f"{name}: {reason}")
    return lines


def _run_refresh(settings: Settings) -> int:
    log_file = _log_file(settings)
    from pipelines.orchestration.run_output import library_logs_to

    with library_logs_to(log_file):
        return _execute(settings, log_file)


def _execute(settings: Settings, log_file: Path) -> int:
    from pipelines.orchestration.run_output import cli_logger_config, close_run_logs

    home = _prepare_dagster_home(settings)
    import dagster as dg

    from pipelines.definitions import build_definitions
    from pipelines.orchestration.run_output import error_cause

    defs = build_definitions(settings)
    print(
        f"Målestokk refresh: home {settings.home_region_key}, years {settings.years[0]}-"
        f"{settings.years[1]}, sources {settings.source_mode}; full log: {log_file}",
        file=sys.stderr,
    )
    for line in _source_lines(settings):
        print(line, file=sys.stderr)
    from pipelines.orchestration.refresh import run_in_process

    run_config = {"loggers": cli_logger_config(log_file)}
    with dg.DagsterInstance.from_config(str(home)) as instance:
        outcome = run_in_process(
            defs,
            instance,
            settings.warehouse_dir,
            full=settings.full_refresh,
            run_config=run_config,
            say=lambda line: print(line, file=sys.stderr),
            after_run=close_run_logs,
        )
        if outcome.plan is not None and outcome.plan.nothing_to_do:
            code = _unchanged(settings, outcome.plan.reason)
            return _homes(settings, instance, run_config, only_missing=True) or code
    result, events = outcome.result, outcome.events
    checks = [
        e.event_specific_data for e in events if e.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    failed_events = [
        e for e in events if e.event_type_value in ("STEP_FAILURE", "RESOURCE_INIT_FAILURE")
    ]
    step_failures = [
        (e.step_key or "resources", error_cause(e.event_specific_data.error)) for e in failed_events
    ]
    from pipelines.orchestration.faults import LOCKED, machine_fault_in

    fault = next(
        (
            # a lock: the step's own words name the program and process holding the file
            error_cause(e.event_specific_data.error) if LOCKED in f else f
            for e in failed_events
            if (f := machine_fault_in(e.event_specific_data.error))
        ),
        None,
    )
    from pipelines.storage.warehouse import Warehouse

    published = Warehouse(settings.warehouse_dir).last_publish()
    passed = sum(1 for c in checks if c.passed)
    failed_checks = [
        c for c in checks if not c.passed and c.severity == dg.AssetCheckSeverity.ERROR
    ]
    warnings = [c for c in checks if not c.passed and c.severity == dg.AssetCheckSeverity.WARN]
    print(
        f"\nchecks: {passed} passed, {len(failed_checks)} failed"
        + (f", {len(warnings)} warnings" if warnings else ""),
        file=sys.stderr,
    )
    for c in warnings:
        print(f"  warning {c.check_name}: {_check_cause(c)}", file=sys.stderr)
    published_now = bool(published and published.get("run_id") == result.run_id)
    if published_now:
        print(f"warehouse: {settings.published_warehouse}")
        for table, rows in published["tables"].items():
            print(f"  {table:40s} {rows:>10,d} rows")
        print(f"dashboards: {settings.outputs_dir / 'dashboards' / 'index.html'}")
        print(f"reports:    {settings.outputs_dir / 'reports'} ({_reports_written(settings)})")
        quality = _quality_line(settings)
        if quality:
            print(quality)
        print(f"raw:       {settings.raw_dir}")
        with dg.DagsterInstance.from_config(str(home)) as instance:
            return _homes(settings, instance, run_config, only_missing=False)
    kept = (
        f"the previous warehouse ({published['published_at']}) stays published"
        if published
        else "nothing was published"
    )
    if fault:  # the machine, not the data: one line (each step's error is in the log)
        print(f"refresh failed: {fault}; {kept}; full log: {log_file}", file=sys.stderr)
        return EXIT_FAILED
    unreachable = _unreachable_hosts([cause for _, cause in step_failures])
    if unreachable:
        print(f"refresh failed: {unreachable}; {kept}; full log: {log_file}", file=sys.stderr)
        return EXIT_FAILED
    print(f"refresh failed; {kept}:", file=sys.stderr)
    for step, cause in step_failures:
        print(f"  {step}: {cause}", file=sys.stderr)
    for c in failed_checks:
        print(f"  {c.check_name} (blocking check): {_check_cause(c)}", file=sys.stderr)
    if not step_failures and not failed_checks:
        print("  the publish step did not run; see the log", file=sys.stderr)
    docs = Warehouse(settings.warehouse_dir).releases.root / f".building-{result.run_id}"
    docs = docs / "outputs" / "gx_docs" / "index.html"
    if docs.exists():
        print(f"data docs of this run: {docs} (kept until the next refresh)", file=sys.stderr)
    print(f"full log: {log_file}", file=sys.stderr)
    return EXIT_FAILED


def _unreachable_hosts(causes: list[str]) -> str | None:
    """'data.ssb.no, api.kolada.se unreachable (name or service not known)' when every step
    failed for want of a network, else None."""
    import re

    found = [
        re.search(r"unreachable (?:after \d+ tries )?\(([^)]*)\).*?https?://([^/\s\]]+)", c)
        for c in causes
    ]
    if not causes or not all(found):
        return None
    hosts = sorted({m.group(2) for m in found})
    reasons = sorted({m.group(1) for m in found})
    return f"{', '.join(hosts)} unreachable ({'; '.join(reasons)})"


def _homes(settings: Settings, instance, run_config: dict, only_missing: bool) -> int:
    """The selected homes' outputs from the published warehouse (none selected: nothing)."""
    if not settings.homes:
        return EXIT_OK
    from pipelines.orchestration.homes_run import run_homes

    _, failed = run_homes(settings, instance, run_config, only_missing)
    return EXIT_HOMES if failed else EXIT_OK


def _unchanged(settings: Settings, reason: str) -> int:
    """Nothing to rebuild: say so, and that the published release stays as it is."""
    from pipelines.storage.warehouse import Warehouse

    published = Warehouse(settings.warehouse_dir).last_publish() or {}
    print(
        f"\n{reason}: the sources answered with the data the release was checked and built "
        f"from; nothing rebuilt. The release published {published.get('published_at', '?')} "
        "stays current.",
        file=sys.stderr,
    )
    print(f"warehouse: {settings.published_warehouse}")
    print(f"dashboards: {settings.outputs_dir / 'dashboards' / 'index.html'}")
    return EXIT_OK


def _check_cause(check) -> str:
    """A failed check's own description, or its first metadata entry."""
    if getattr(check, "description", None):
        return check.description
    for key, value in (check.metadata or {}).items():
        text = getattr(value, "value", value)
        if isinstance(text, str) and "\n" in text:
            continue  # a table, not a cause
        return f"{key}: {text}"
    return "failed"


def import_files(args: argparse.Namespace) -> int:
    """Archive the files, show what they load and quarantine, then refresh if any loaded rows.

    A file rejected before is checked again (the unit list may have arrived since) and, when it
    is still unusable, rejected again with its reason and a non-zero exit.
    """
    settings = _settings(args)
    from pipelines.sources.local.kinds import KINDS
    from pipelines.sources.local.ledger import LocalArchive

    if args.kind and args.kind not in KINDS:
        print(f"--kind must be one of {', '.join(KINDS)}", file=sys.stderr)
        return EXIT_CONFIG
    archive = LocalArchive(settings.local_dir)
    if args.list:
        return _list_imports(archive, settings)
    if args.withdraw or args.restore:
        return _withdraw_or_restore(archive, args)
    if not args.files:
        print("import: give the files to import (or --list, --withdraw, --restore)",
              file=sys.stderr)  # fmt: skip
        return EXIT_CONFIG
    from pipelines.sources.local.store import replay, summary_lines  # the readers and validators

    new: dict[str, str] = {}
    for name in args.files:
        path = Path(name)
        if not path.is_file():
            print(f"REJECTED {name}: no such file", file=sys.stderr)
            return EXIT_FAILED
        entry, added = archive.add(path, args.kind, "cli")
        if added or entry["status"] == "rejected":  # a rejected file is checked again
            new[entry["sha256"]] = path.name
        elif entry["status"] == "withdrawn":
            print(f"withdrawn      {path.name}: taken out on {entry.get('status_at')}; "
                  "it is not loaded")  # fmt: skip
        else:
            print(f"unchanged      {path.name}: the same file was imported {entry['imported_at']}")
    replayed = replay(archive, recheck=set(new), country=settings.home_country)
    results = [r for r in replayed.files if r.sha256 in new]
    for r in results:
        archive.record_status(
            r.sha256, "rejected" if r.status == "rejected" else "accepted", r.reason
        )
    for line in summary_lines(results):
        print(line)
    rejected = [r for r in results if r.status == "rejected"]
    quarantined = [r for r in results if r.rows_quarantined]
    loaded = [r for r in results if r.rows_loaded > 0]
    if loaded and not args.no_refresh:
        print("refreshing the warehouse with the imported figures ...")
        refreshed = refresh(args)
        if refreshed != EXIT_OK:
            return refreshed
    # the good rows are in, but a rejected file or a quarantined row needs someone to look
    return EXIT_FAILED if rejected or quarantined else EXIT_OK


def _list_imports(archive, settings: Settings) -> int:
    """Every archived file with its status, from the ledger (and the rows of the last refresh)."""
    from pipelines.sources.local.private_store import PrivateStore

    counts: dict[str, tuple[int, int]] = {}
    store = PrivateStore(settings.private_dir)
    if store.path.exists():
        for sha, loaded, quarantined in store.read(
            "SELECT file_sha256, rows_loaded, rows_quarantined FROM files"
        ).iter_rows():
            counts[sha] = (loaded, quarantined)
    entries = archive.entries()
    if not entries:
        print("no files imported yet")
        return EXIT_OK
    print(f"{'sha256':12s}  {'imported (UTC)':19s}  {'status':10s}  {'rows':>11s}  file")
    for e in sorted(entries, key=lambda e: e["imported_at"]):
        status = e.get("status") or "unchecked"
        rows = counts.get(e["sha256"])
        text = f"{rows[0]:>5d} / {rows[1]:<3d}" if rows and status == "accepted" else ""
        print(f"{e['sha256'][:12]}  {e['imported_at'][:19]}  {status:10s}  {text:>11s}  "
              f"{e['name']}" + (f"  ({e['reason']})" if e.get("reason") else ""))  # fmt: skip
    print("rows: loaded / quarantined at the last refresh")
    return EXIT_OK


def _withdraw_or_restore(archive, args: argparse.Namespace) -> int:
    """Take a file out of the warehouse (kept in the archive), or bring one back; refresh."""
    wanted = args.withdraw or args.restore
    by_sha = len(wanted) >= 8
    matches = [
        e
        for e in archive.entries()
        if (by_sha and e["sha256"].startswith(wanted.lower())) or e["name"] == Path(wanted).name
    ]
    if len(matches) != 1:
        names = ", ".join(f"{e['sha256'][:12]} {e['name']}" for e in matches) or "none"
        print(
            f"import: {wanted!r} matches {len(matches)} archived files ({names}); give the "
            "sha256 (at least 8 characters) from `malestokk import --list`",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    (entry,) = matches
    if args.withdraw:
        archive.record_status(entry["sha256"], "withdrawn", "withdrawn by a user")
        print(f"withdrawn      {entry['name']} ({entry['sha256'][:12]}): kept in the archive, "
              "no longer loaded")  # fmt: skip
    else:
        archive.record_status(entry["sha256"], "accepted")
        print(f"restored       {entry['name']} ({entry['sha256'][:12]}): loaded again")
    if args.no_refresh:
        return EXIT_OK
    print("refreshing the warehouse ...")
    return refresh(args)


@contextlib.contextmanager
def _published(settings: Settings):
    """A read-only connection to the published warehouse, closed afterwards."""
    from pipelines.storage.warehouse import connect_published

    con = connect_published(settings.warehouse_dir)
    try:
        yield con
    finally:
        con.close()


class OtherHome(ValueError):
    """The published warehouse was built for another home than the settings name."""


def _same_home(settings: Settings, con) -> str:
    """The published warehouse's home, checked against the settings' (a command run with
    MALESTOKK_HOME_MUNICIPALITY=0301 must not write Stavanger's report as if it were Oslo's)."""
    country, code, label = con.execute(
        "SELECT country, municipality, label FROM mart_home"
    ).fetchone()
    if (country, code) != (settings.home_country, settings.home_municipality):
        raise OtherHome(
            f"the published warehouse is {label}'s ({country}:{code}), not "
            f"{settings.home_region_key}'s as the settings say; run `malestokk refresh` for "
            f"{settings.home_region_key}, or `malestokk homes --homes {settings.home_region_key}` "
            "for its outputs beside the published home's"
        )
    return f"{label} ({country}:{code})"


def dashboard(args: argparse.Namespace) -> int:
    """Write the static dashboards from the published warehouse, into a folder of their own
    (the published release's dashboards never change)."""
    settings = _settings(args)
    from dashboards.site import build_site

    out = Path(args.out) if args.out else settings.on_demand_dir / "dashboards"
    try:
        with _published(settings) as con:
            home = _same_home(settings, con)
            sizes = build_site(con, out)
    except OtherHome as exc:
        print(f"dashboard: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    print(f"dashboards for {home}: {out / 'index.html'} ({len(sizes)} pages)")
    return EXIT_OK


def homes(args: argparse.Namespace) -> int:
    """Write the selected homes' outputs again from the published warehouse (no refresh)."""
    settings = _settings(args)
    if not settings.homes:
        print("homes: none selected; give --homes or set [homes] select", file=sys.stderr)
        return EXIT_CONFIG
    from pipelines.domain.home_outputs import HomeFailed, published_release

    try:
        published_release(settings.warehouse_dir)
    except HomeFailed as exc:
        print(f"homes: {exc}", file=sys.stderr)
        return EXIT_FAILED
    log_file = _log_file(settings)
    import dagster as dg

    from pipelines.orchestration.run_output import cli_logger_config, library_logs_to

    with (
        library_logs_to(log_file),
        dg.DagsterInstance.from_config(str(_prepare_dagster_home(settings))) as instance,
    ):
        code = _homes(settings, instance, {"loggers": cli_logger_config(log_file)}, args.missing)
    return code


def report(args: argparse.Namespace) -> int:
    """Årsberetning for one year (HTML + Word) from the published warehouse."""
    settings = _settings(args)
    from dashboards.report import annual_report

    try:
        with _published(settings) as con:
            home = _same_home(settings, con)
            written = annual_report(
                con, args.year, settings.on_demand_dir / "reports", keep_current=True
            )
    except OtherHome as exc:
        print(f"report: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except ValueError as exc:
        print(f"report: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(
        f"årsberetning for {home}: {written.pdf}\n              {written.docx}\n"
        f"              {written.html}"
    )
    return EXIT_OK


def _quality_line(settings) -> str | None:
    """The KOSTRA quality worklist in one line: how many of the new release's figures to check,
    and where the list is (the dashboards' page; the worklists beside the reports)."""
    import duckdb

    from dashboards.kvalitet import PAGE, summary_line

    where = settings.outputs_dir / "dashboards" / f"{PAGE}.html"
    try:
        with _published(settings) as con:
            return summary_line(con, str(where))
    except (duckdb.Error, OSError):  # a warehouse of an older version has no worklist
        return None


def _reports_written(settings) -> str:
    """Which reports the refresh wrote, and why the challenge note was not, when it was not."""
    import duckdb

    from dashboards.challenge_note import challenge_note_skipped

    try:
        with _published(settings) as con:
            skipped = challenge_note_skipped(con)
    except (duckdb.Error, OSError):  # a warehouse of an older version: say what is known
        return "årsberetning, presentasjon"
    return (
        "årsberetning, presentasjon, utfordringsnotat"
        if skipped is None
        else (f"årsberetning, presentasjon; no utfordringsnotat: {skipped}")
    )


def _then_refresh(parser: argparse.ArgumentParser, no_refresh_help: str) -> None:
    """The options of a command that reads something in and then refreshes."""
    parser.add_argument("--no-refresh", action="store_true", help=no_refresh_help)
    parser.add_argument("--offline", action="store_true", help="refresh from the snapshot")
    parser.add_argument("--full", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--wait", action="store_true", help="wait for a running refresh")


def tiltak_command(args: argparse.Namespace) -> int:
    """`malestokk tiltak les FILE`: read a tiltak list (CSV or Excel) into the ledger; every
    cell that keeps a row out is named with file, row, column and reason."""
    settings = _settings(args)
    from pipelines.domain.tiltak import keep

    path = Path(args.file)

    def ids_of_unit(unit: str) -> dict[str, str]:
        """A sheet shows the målekart's names: the published warehouse maps them back."""
        try:
            with _published(settings) as con:
                return dict(con.execute(
                    "SELECT label, indicator_id FROM mart_malekart WHERE level = 'enhet' "
                    "AND unit_id = ?", [unit],
                ).fetchall())  # fmt: skip
        except Exception as exc:  # no published warehouse yet
            raise ValueError(f"{path.name}: run `malestokk refresh` first; the published "
                             "warehouse maps the indicator names back") from exc  # fmt: skip

    try:
        count, rejected = keep(path, settings.local_dir / "tiltak.jsonl",
                               settings.local_dir / "tiltak", ids_of_unit)  # fmt: skip
    except (ValueError, OSError) as exc:
        print(f"tiltak: {exc}", file=sys.stderr)
        return EXIT_FAILED
    for r in rejected.iter_rows(named=True):
        print(f"tiltak: {r['file']} row {r['row']}, {r['column']} {r['value']!r}: {r['reason']}",
              file=sys.stderr)  # fmt: skip
    print(
        f"{count} tiltak read from {path.name}"
        + (f"; {rejected['row'].n_unique()} row(s) left out" if rejected.height else "")
    )
    if not count:
        return EXIT_FAILED if rejected.height else EXIT_OK
    return refresh(args) if not args.no_refresh else EXIT_OK


def utfordringsnotat(args: argparse.Namespace) -> int:
    """Draft the challenge-note answers for a year, or read explanations back from an edited one."""
    settings = _settings(args)
    from dashboards.challenge_note import challenge_note, import_answers

    if args.import_file:
        try:
            try:  # the note shows labels; the warehouse maps them back to indicator ids
                with _published(settings) as con:
                    ids = dict(con.execute(
                        "SELECT label, indicator_id FROM core_catalog__indicators"
                    ).fetchall())  # fmt: skip
            except Exception:  # no published warehouse yet: said below if the note needs it
                ids = None
            count = import_answers(
                Path(args.import_file), settings.local_dir / "challenge_answers.jsonl", ids
            )
        except (ValueError, OSError) as exc:
            print(f"utfordringsnotat: {exc}", file=sys.stderr)
            return EXIT_FAILED
        print(f"{count} explanations read from {args.import_file}")
        return refresh(args) if count and not args.no_refresh else EXIT_OK
    if args.year is None:
        print("utfordringsnotat: give --year (or --import FILE)", file=sys.stderr)
        return EXIT_CONFIG
    from dashboards.challenge_note import challenge_note_skipped

    try:
        with _published(settings) as con:
            home = _same_home(settings, con)
            skipped = challenge_note_skipped(con)
            if skipped:
                raise ValueError(f"no challenge note: {skipped}")
            written = challenge_note(con, args.year, settings.on_demand_dir / "reports")
    except OtherHome as exc:
        print(f"utfordringsnotat: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except ValueError as exc:  # a year without figures fails the same way as `report`
        print(f"utfordringsnotat: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"utfordringsnotat for {home}: {written.pdf}\n                  {written.docx}\n"
          f"                  {written.html}")  # fmt: skip
    return EXIT_OK


def serve(args: argparse.Namespace) -> int:
    """The dashboards on http://127.0.0.1:PORT (the same files as the static site)."""
    import functools
    import http.server

    settings = _settings(args)
    folder = settings.outputs_dir / "dashboards"
    if not (folder / "index.html").exists():
        print(f"no dashboards in {folder}; run `malestokk refresh` or `malestokk dashboard`",
              file=sys.stderr)  # fmt: skip
        return EXIT_FAILED
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    with http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler) as server:
        print(f"Målestokk dashboards on http://127.0.0.1:{args.port}/ (Ctrl+C stops)")
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
    return EXIT_OK


def schema_docs(args: argparse.Namespace) -> int:
    """Write the schema reference (docs/schema.md) from the published warehouse's comments."""
    settings = _settings(args)
    from pipelines.storage.schema_docs import render_reference

    with _published(settings) as con:
        text = render_reference(con)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}")
    return EXIT_OK


def settings_docs(args: argparse.Namespace) -> int:
    """Write the settings reference from the declarations (no settings file needed)."""
    from pipelines.settings.config import settings_reference

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(settings_reference(), encoding="utf-8")
    print(f"wrote {out}")
    return EXIT_OK


def ui(args: argparse.Namespace) -> int:
    settings = _settings(args)
    home = _prepare_dagster_home(settings)
    root = Path(__file__).resolve().parents[1]
    # `dagster dev` is another process: it reads the same settings file, with the command line's
    # options, through its environment
    env = {**os.environ, "DAGSTER_HOME": str(home), "MALESTOKK_CONFIG": str(settings.config_file)}
    env |= {
        "MALESTOKK_" + ("SOURCE_MODE" if key == "sources.mode" else "FULL_REFRESH"): str(value)
        for key, value in _overrides(args).items()
    }
    command = [
        sys.executable,
        "-m",
        "dagster",
        "dev",
        "-m",
        "pipelines.definitions",
        "-p",
        str(args.port),
    ]
    print(f"Dagster UI on http://127.0.0.1:{args.port} (DAGSTER_HOME={settings.dagster_home})")
    return run_in_own_group(command, cwd=root, env=env)


STOP_GRACE = 8.0  # seconds Dagster gets to stop its webserver and daemon before they are killed


def run_in_own_group(command: list[str], **popen: object) -> int:
    """Run `dagster dev` in a process group of its own and pass SIGTERM/SIGINT on to all of it
    (dev, webserver, daemon, code server): a service manager's stop, `kill PID` or Ctrl+C leave
    nothing serving. What has not stopped STOP_GRACE seconds after the signal is killed."""
    import signal
    import time

    child = subprocess.Popen(command, start_new_session=True, **popen)  # type: ignore[call-overload]
    asked: list[float] = []  # when the stop came

    def forward(signum: int, _frame) -> None:
        asked.append(time.monotonic())
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        while True:
            try:
                code = child.wait(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                if asked and time.monotonic() - asked[0] > STOP_GRACE:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(child.pid, signal.SIGKILL)
        if asked:  # whatever dev left behind in its group goes with it
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            return 0
        return code
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _report_catalog_check(catalog, problems: list, settings) -> int:
    """Print the check's outcome. Offline, the snapshot's metadata holds only the codes the demo
    was built with, not SSB's whole tables: a code it lacks is named as not verified offline,
    never rejected, and the line says the comparison was against the snapshot only."""
    offline = settings.source_mode == "snapshot"
    unverified = [p for p in problems if offline and p.missing_code]
    wrong = [p for p in problems if p not in unverified]
    for problem in wrong:
        print(f"{problem.indicator_id}: {problem.message}")
    for problem in unverified:
        print(f"{problem.indicator_id}: not verified offline: {problem.message}")
    n = len(catalog.indicators) + len(catalog.kpi_groups)
    if offline:
        print(f"catalog check (offline): compared against the snapshot's metadata only, which "
              f"holds the codes the bundled demo was built with, not SSB's or Kolada's whole "
              f"tables; {len(unverified)} code(s) could not be verified offline. Run it live "
              f"(MALESTOKK_SOURCE_MODE=live) before going live.")  # fmt: skip
    if wrong:
        print(f"catalog check: {len(wrong)} problem(s) in {settings.catalog_file}",
              file=sys.stderr)  # fmt: skip
        return EXIT_FAILED
    if not offline:
        print(f"catalog check: all {n} entries of {settings.catalog_file} match the "
              f"sources' metadata (live)")  # fmt: skip
    return EXIT_OK


def _source_clients(args: argparse.Namespace, want: str | None = None):
    """The refresh's own SSB and Kolada clients (snapshot transports with --offline)."""
    from pipelines.sources.clients import clients_for
    from pipelines.sources.ssb.pxweb import PxWebClient

    settings = _settings(args)
    ssb, kolada = clients_for(settings, want)
    if ssb is not None and not isinstance(ssb, PxWebClient):
        raise ConfigError('catalog tools need PxWebApi v2 (sources.ssb_api = "v2")')
    return settings, ssb, kolada


def catalog_command(args: argparse.Namespace) -> int:
    from pipelines.settings import catalog_tools as tools
    from pipelines.sources.http import ApiError

    want = {"search": None, "check": None}.get(args.action, getattr(args, "source", None))
    settings, ssb, kolada = _source_clients(args, want)
    try:
        if args.action == "search":
            hits = tools.search(ssb, kolada, " ".join(args.words))
            for hit in hits:
                print(f"{hit.source:7} {hit.id:8} {hit.label}  [{hit.detail}]")
            if not hits:
                print("no table or KPI matches")
            return EXIT_OK
        if args.action == "show":
            print(tools.show_ssb(ssb, args.id) if args.source == "ssb"
                  else tools.show_kolada(kolada, args.id))  # fmt: skip
            return EXIT_OK
        if args.action == "check":
            catalog = load_catalog(settings.catalog_file)
            problems = tools.check(
                catalog,
                ssb if catalog.needs("ssb") else None,
                kolada if catalog.needs("kolada") else None,
            )
            return _report_catalog_check(catalog, problems, settings)
        # add
        base = tools.base_fields(args)
        if args.source == "ssb":
            if not args.contents_code:
                raise ConfigError("catalog add ssb TABLE needs --contents-code")
            fixed = dict(kv.split("=", 1) for kv in args.fixed or [])
            sum_over = {k: v.split(",") for k, v in (kv.split("=", 1) for kv in args.sum or [])}
            entry = tools.ssb_entry(ssb, args.id_in_source, args.contents_code, fixed, sum_over,
                                    base)  # fmt: skip
            problems = tools.check_ssb_entry(
                load_catalog_entry(entry), ssb.metadata(args.id_in_source)
            )
            if problems:
                for problem in problems:
                    print(f"{problem.indicator_id}: {problem.message}", file=sys.stderr)
                return EXIT_FAILED
        else:
            entry = tools.kolada_entry(kolada, args.id_in_source, base)
        tools.append_entry(Path(settings.catalog_file), entry)
        print(f"added {entry['id']} to {settings.catalog_file}: {entry['label']} ({entry['unit']})")
        return EXIT_OK
    except (LookupError, ValueError, ApiError) as exc:
        print(str(exc).splitlines()[0], file=sys.stderr)
        return EXIT_FAILED
    finally:
        for client in (ssb, kolada):
            if client is not None:
                client.close()


def load_catalog_entry(entry: dict):
    """One entry parsed as the catalog parses it (for checking before it is written)."""
    import tempfile

    from pipelines.settings.catalog_tools import entry_text

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "entry.toml"
        path.write_text(entry_text(entry), encoding="utf-8")
        return load_catalog(path).indicators[0]


def snapshot_command(args: argparse.Namespace) -> int:
    settings = _settings(args)  # before pipelines.definitions, which reads the settings
    from pipelines.resources import build_resources
    from pipelines.sources.snapshot.record import record_klass, record_ssb, write_manifest

    out = Path(args.out)
    if out.exists() and any(out.iterdir()):
        print(f"{out} is not empty; record into a new folder", file=sys.stderr)
        return EXIT_FAILED
    resources = build_resources(settings)
    catalog = load_catalog(settings.catalog_file)
    years = list(range(settings.years[0], settings.years[1] + 1))
    client = resources["ssb"].pxweb()
    try:
        tables = record_ssb(client, catalog, years, out)
    finally:
        client.close()
    with resources["ssb"].klass() as klass:
        n_klass = record_klass(klass, years, out)
    write_manifest(out, Path(settings.snapshot_dir), resources["ssb"].pxweb_url)
    print(
        f"recorded {len(tables)} SSB table(s) ({', '.join(tables)}) and {n_klass} KLASS "
        f'answer(s) into {out}; use it with snapshot_dir = "{out}" and refresh --offline'
    )
    return EXIT_OK


def _described(commands):
    """Each command's line of help also heads its own --help (`malestokk report --help`)."""
    add = commands.add_parser

    def add_parser(name: str, **kwargs):
        kwargs.setdefault("description", kwargs.get("help"))
        return add(name, **kwargs)

    commands.add_parser = add_parser
    return commands


def build_parser() -> argparse.ArgumentParser:
    """Every command and option, each with its one line of help."""
    parser = argparse.ArgumentParser(
        prog="malestokk",
        description="Målestokk: KOSTRA (SSB) and Kolada figures with the municipality's own, "
        "compared with its peers, in a DuckDB warehouse, dashboards and reports.",
        epilog="\n".join(__doc__.splitlines()[3:]).strip(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--config", help="settings file (default malestokk.toml or MALESTOKK_CONFIG)"
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = _described(parser.add_subparsers(dest="command", required=True))
    p_refresh = sub.add_parser("refresh", help="fetch, check, load, compare and publish")
    p_refresh.add_argument(
        "--offline", action="store_true", help="use the bundled snapshot instead of the live APIs"
    )
    p_refresh.add_argument(
        "--full",
        action="store_true",
        help="fetch every SSB table and pull every Kolada KPI again, changed or not",
    )
    p_refresh.add_argument(
        "--wait", action="store_true", help="wait for a running refresh instead of exiting 3"
    )
    p_refresh.add_argument(
        "--homes",
        metavar="SELECTION",
        help="also write the outputs of these homes, comma-separated: codes (1103, SE:2583), "
        "asss, fylke:NN, lan:NN, skr:<Kolada group>, a peer set, all, all:NO, all:SE",
    )
    p_refresh.add_argument(
        "--workers", type=int, help="homes written at once (default: one per core)"
    )
    p_refresh.set_defaults(func=refresh)
    p_import = sub.add_parser(
        "import",
        help="import own figures: units, sick leave, surveys, survey plan, own measures "
        "(.csv/.xlsx)",
    )
    p_import.add_argument("files", nargs="*", help="files exported by HR or survey systems")
    p_import.add_argument(
        "--list", action="store_true", help="every imported file with its status, then stop"
    )
    p_import.add_argument(
        "--withdraw", metavar="FILE|SHA", help="take an imported file out (kept in the archive)"
    )
    p_import.add_argument("--restore", metavar="FILE|SHA", help="bring a withdrawn file back")
    p_import.add_argument(
        "--kind",
        help="units, sick_leave, user_survey, employee_survey, survey_plan or own_measure "
        "(detected from the headers when left out)",
    )
    _then_refresh(p_import, "archive and check only; load at the next refresh")
    p_import.set_defaults(func=import_files)
    p_homes = sub.add_parser(
        "homes", help="write the selected homes' outputs again from the published warehouse"
    )
    p_homes.add_argument("--homes", metavar="SELECTION", help="as for refresh (default [homes])")
    p_homes.add_argument("--workers", type=int, help="homes written at once (default: cores)")
    p_homes.add_argument(
        "--missing", action="store_true", help="only homes not yet written into this release"
    )
    p_homes.set_defaults(func=homes)
    p_dash = sub.add_parser(
        "dashboard", help="write the dashboards from the published warehouse (own folder)"
    )
    p_dash.add_argument(
        "--out", help="folder (default: <data>/on-demand/<country>-<code>/dashboards)"
    )
    p_dash.set_defaults(func=dashboard)
    p_serve = sub.add_parser("serve", help="show the dashboards on http://127.0.0.1:PORT")
    p_serve.add_argument("--port", type=int, default=8050, help="port (default 8050)")
    p_serve.set_defaults(func=serve)
    p_report = sub.add_parser(
        "report", help="the annual report (årsberetning) as PDF, Word and HTML, for one year"
    )
    p_report.add_argument("--year", type=int, required=True, help="the year reported on, e.g. 2024")
    p_report.set_defaults(func=report)
    p_note = sub.add_parser(
        "utfordringsnotat",
        help="draft the ASSS challenge-note answers (PDF, Word, HTML), or --import the edited one",
    )
    p_note.add_argument("--year", type=int, help="the year of the note, e.g. 2024")
    p_note.add_argument("--import", dest="import_file", help="an edited utfordringsnotat .docx")
    _then_refresh(p_note, "read the answers in; load at the next refresh")
    p_note.set_defaults(func=utfordringsnotat)
    p_tiltak = sub.add_parser("tiltak", help="read tiltak against the målekart (a list)")
    tiltak_sub = _described(p_tiltak.add_subparsers(dest="action", required=True))
    t_les = tiltak_sub.add_parser(
        "les", help="read a filled-in resultatdialog sheet (.docx) or a tiltak list (.csv, .xlsx)"
    )
    t_les.add_argument(
        "file", help="a filled-in sheet (.docx, -tiltak.xlsx) or a list (.csv with ;, .xlsx)"
    )
    _then_refresh(t_les, "read the tiltak in; load at the next refresh")
    p_tiltak.set_defaults(func=tiltak_command)
    p_docs = sub.add_parser("schema-docs", help="write docs/schema.md from the warehouse")
    p_docs.add_argument("--out", default="docs/schema.md", help="file (default docs/schema.md)")
    p_docs.set_defaults(func=schema_docs)
    p_sdocs = sub.add_parser(
        "settings-docs", help="write docs/settings.md: every setting, its default and variable"
    )
    p_sdocs.add_argument(
        "--out", default="docs/settings.md", help="file (default docs/settings.md)"
    )
    p_sdocs.set_defaults(func=settings_docs)
    p_cat = sub.add_parser("catalog", help="search, show, add and check catalog entries")
    cat_sub = _described(p_cat.add_subparsers(dest="action", required=True))
    c_search = cat_sub.add_parser("search", help="SSB's table search and Kolada's KPI search")
    c_search.add_argument("words", nargs="+", help="words to search for, e.g. barnehage")
    c_show = cat_sub.add_parser("show", help="a table's or KPI's dimensions, codes and units")
    c_show.add_argument("source", choices=["ssb", "kolada"], help="ssb or kolada")
    c_show.add_argument("id", help="SSB table id or Kolada KPI id")
    c_add = cat_sub.add_parser("add", help="add an entry with the source's own label and unit")
    c_add.add_argument("source", choices=["ssb", "kolada"], help="ssb or kolada")
    c_add.add_argument("id_in_source", metavar="TABLE|KPI", help="SSB table id or Kolada KPI id")
    c_add.add_argument("--contents-code", help="SSB ContentsCode")
    c_add.add_argument(
        "--fixed", action="append", metavar="DIM=CODE", help="a dimension fixed to one code"
    )
    c_add.add_argument(
        "--sum", action="append", metavar="DIM=CODE,CODE", help="a dimension summed over codes"
    )
    c_add.add_argument("--id", required=True, help="catalog id, e.g. kostra.my_indicator")
    c_add.add_argument(
        "--kind", required=True, choices=["nøkkeltall", "grunnlagstall"],
        help="nøkkeltall (compared with peers) or grunnlagstall (an absolute figure)",
    )  # fmt: skip
    c_add.add_argument("--service-area", required=True, help="e.g. barnehage, pleie og omsorg")
    c_add.add_argument(
        "--perspective", required=True,
        help="tjenester/brukere, økonomi, organisasjon/medarbeidere or samfunn",
    )  # fmt: skip
    c_add.add_argument("--higher-is-better", default="neutral", help="true, false or neutral")
    c_add.add_argument("--per", help="what a nøkkeltall is per")
    c_add.add_argument("--weight", help="population indicator computed peer figures weigh by")
    cat_sub.add_parser("check", help="every entry against the sources' metadata")
    for p in (c_search, c_show, c_add, cat_sub.choices["check"]):
        p.add_argument("--offline", action="store_true", help="ask the bundled snapshot")
    p_cat.set_defaults(func=catalog_command)
    p_snap = sub.add_parser("snapshot", help="record an offline snapshot from the live APIs")
    snap_sub = _described(p_snap.add_subparsers(dest="action", required=True))
    s_rec = snap_sub.add_parser("record", help="fetch the catalog's tables once, write a snapshot")
    s_rec.add_argument("--out", required=True, help="a new folder for the snapshot")
    p_snap.set_defaults(func=snapshot_command)
    p_ui = sub.add_parser("ui", help="start the Dagster UI (dagster dev)")
    p_ui.add_argument(
        "--offline", action="store_true", help="runs use the bundled snapshot, not the live APIs"
    )
    p_ui.add_argument("--port", type=int, default=3000, help="port (default 3000)")
    p_ui.set_defaults(func=ui)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    import logging

    logging.raiseExceptions = False  # a log that cannot be written (a full disk) is no traceback
    try:
        return args.func(args)
    except (ConfigError, CatalogError) as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_CONFIG
    except Exception as exc:  # a fault of the machine: one line, the trace in a log
        from pipelines.orchestration.faults import machine_fault

        cause = machine_fault(exc)
        if cause is None:
            raise
        print(f"malestokk {args.command}: {cause}; {_what_stays(args)}; "
              f"{_trace_to_log(exc, args)}", file=sys.stderr)  # fmt: skip
        return EXIT_FAILED


def _what_stays(args: argparse.Namespace) -> str:
    """What a reader still has after a fault: the last published set, if there is one."""
    try:
        from pipelines.storage.warehouse import Warehouse

        published = Warehouse(_settings(args).warehouse_dir).last_publish()
    except Exception:  # the settings or the folder are the fault: say what is certain
        return "nothing published was changed"
    if not published:
        return "nothing was published"
    return f"the warehouse published {published['published_at']} stays published"


def _trace_to_log(exc: BaseException, args: argparse.Namespace) -> str:
    """The full trace, in the data folder's logs or, if that cannot be written, the temp dir."""
    import tempfile
    import traceback
    from datetime import UTC, datetime

    text = "".join(traceback.format_exception(exc))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    folders = [Path(tempfile.gettempdir())]
    with contextlib.suppress(Exception):
        folders.insert(0, _settings(args).data_dir / "logs")
    for folder in folders:
        path = folder / f"malestokk-fault-{stamp}-{os.getpid()}.log"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return f"full trace: {path.resolve()}"
        except OSError:
            continue
    return "the trace could not be written anywhere"


if __name__ == "__main__":
    sys.exit(main())
