"""The publish vouches for the whole file: every table and view, as its blocking checks saw it,
and outputs drawn from that warehouse. Tampering is refused from every path with one line."""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines import cli
from pipelines.definitions import build_definitions
from pipelines.settings.config import load_settings
from pipelines.storage.build_record import objects
from pipelines.storage.build_record import verify as verify_with
from pipelines.storage.graph_shape import shape_of_repository
from tests.conftest import ROOT, run_cli, write_config
from tests.test_end_to_end import failure_text, materialize, publish_alone


@pytest.fixture
def checked(stavanger: Path, monkeypatch: pytest.MonkeyPatch):
    """The fixture's warehouse after a refresh, its staging file restored afterwards."""
    config = write_config(stavanger)
    assert run_cli(config, monkeypatch) == cli.EXIT_OK
    staging = stavanger / "data/warehouse/staging.duckdb"
    saved = stavanger / "staging.saved"
    shutil.copy2(staging, saved)
    yield config
    shutil.copy2(saved, staging)
    shutil.copy(ROOT / "malekart.csv", stavanger / "malekart.csv")
    for aside in staging.parent.glob("staging.set-aside-*"):
        aside.unlink()


def verify(con: duckdb.DuckDBPyConnection):
    """The publish gate on this build, with the graph of the code location as the run has it."""
    defs = build_definitions(load_settings(ROOT / "malestokk.toml", env={}))
    return verify_with(con, shape_of_repository(defs.get_repository_def()))


def _edit(con: duckdb.DuckDBPyConnection, name: str, kind: str) -> str:
    """An edit a person could make: a row gone, or a column added where there is no row."""
    if kind == "view":
        base = name.replace("__by_release", "__asof")
        return f'CREATE OR REPLACE VIEW "{name}" AS SELECT * FROM "{base}"'
    quoted = '"{}"."{}"'.format(*name.split(".")) if "." in name else f'"{name}"'
    if con.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0]:
        return f"DELETE FROM {quoted} WHERE rowid = (SELECT min(rowid) FROM {quoted})"
    return f"ALTER TABLE {quoted} ADD COLUMN tampered INTEGER"


def test_every_table_and_view_edited_after_its_checks_is_refused_by_name(
    checked: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "staging.duckdb"
    shutil.copy2(checked.parent / "data/warehouse/staging.duckdb", copy)
    con = duckdb.connect(str(copy))
    assert verify(con).ok, verify(con).reason  # a refresh leaves a vouched-for build
    found = objects(con)
    assert {
        "mart_scorecard", "mart_home", "mart_challenge_note", "mart_expenditure_need",
        "core_indicator_series__asof", "core_indicator_values__by_release",
    } <= set(found)  # fmt: skip
    for name, kind in found.items():
        con.execute("BEGIN")
        con.execute(_edit(con, name, kind))
        verdict = verify(con)
        con.execute("ROLLBACK")
        assert not verdict.ok, name
        # named with a check on that table itself (its contract, or another of its own)
        assert re.match(rf"{re.escape(name)} changed after \w+ passed \(run ", verdict.reason), (
            verdict.reason
        )
        assert "\n" not in verdict.reason
    for extra, what in [
        ("CREATE TABLE extra AS SELECT 1 AS x", "extra (table)"),
        ("CREATE VIEW extra_view AS SELECT 1 AS x", "extra_view (view)"),
        ("CREATE MACRO twice(a) AS a * 2", "twice (macro)"),
        ("CREATE SCHEMA side; CREATE TABLE side.t AS SELECT 1 AS x", "side.t (table)"),
    ]:
        con.execute("BEGIN")
        con.execute(extra)
        verdict = verify(con)
        con.execute("ROLLBACK")
        assert verdict.reason.startswith(f"{what} is in the staging build but no blocking check")
    assert verify(con).ok
    con.close()


def test_tampering_is_refused_from_the_dagster_api_and_cli_and_a_refresh_starts_clean(
    checked: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    root = checked.parent
    record = (root / "data/warehouse/published.json").read_text()
    staging = duckdb.connect(str(root / "data/warehouse/staging.duckdb"))
    staging.execute("UPDATE mart_home SET label = 'Tullebyen'")
    staging.close()
    result = publish_alone(checked)
    assert not result.success
    assert "not published: mart_home changed after mart_home_contract passed" in failure_text(
        result
    )
    # Dagster's own command line, as `dagster asset materialize --select warehouse_published`
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALESTOKK_")}
    env |= {"DAGSTER_HOME": str(root / "data/dagster_home"), "MALESTOKK_CONFIG": str(checked)}
    staging = duckdb.connect(str(root / "data/warehouse/staging.duckdb"))
    staging.execute("CREATE TABLE notes AS SELECT 'mine' AS note")
    staging.close()
    run = subprocess.run(
        [sys.executable, "-m", "dagster", "asset", "materialize", "-m", "pipelines.definitions",
         "--select", "warehouse_published"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode != 0
    assert "not published: mart_home changed after mart_home_contract passed" in run.stderr
    assert (root / "data/warehouse/published.json").read_text() == record
    # a refresh sets a build with a table of someone else's aside (kept) and builds anew
    assert run_cli(checked, monkeypatch) == cli.EXIT_OK
    err = capsys.readouterr().err
    assert "the staging build held notes, which the refresh does not make; kept as" in err
    aside = next((root / "data/warehouse").glob("staging.set-aside-*.duckdb"))
    kept = duckdb.connect(str(aside), read_only=True)
    assert kept.execute("SELECT note FROM notes").fetchone() == ("mine",)
    kept.close()
    published = duckdb.connect(str(root / "data/warehouse/malestokk.duckdb"), read_only=True)
    assert "notes" not in objects(published)
    assert published.execute("SELECT label FROM mart_home").fetchone() != ("Tullebyen",)
    published.close()


def test_outputs_are_drawn_from_the_warehouse_they_are_published_with(
    checked: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rebuilding a target and its marts alone, with their checks, leaves the dashboards and
    reports showing the old targets: that is refused, not carried over."""
    root = checked.parent
    record = json.loads((root / "data/warehouse/published.json").read_text())
    malekart = root / "malekart.csv"
    text = malekart.read_text(encoding="utf-8")
    malekart.write_text(text.replace(";2024;90000;95000;", ";2024;80000;85000;"), "utf-8")
    targets = ("core_targets", "core_targets__rejected", "mart_scorecard", "mart_malekart",
               "mart_malekart__rejected", "mart_arshjul", "mart_tiltak")  # fmt: skip
    result = materialize(checked, *targets, "warehouse_published")
    assert not result.success
    assert "not published: out_dashboards__site was not drawn again and the published one " in (
        failure_text(result)
    )
    assert json.loads((root / "data/warehouse/published.json").read_text()) == record
    # with the outputs drawn again, the same data is published
    outputs = ("out_dashboards__site", "out_exports__parquet", "out_reports__latest",
               "out_malekart__dialogue_sheets")  # fmt: skip
    result = materialize(checked, *targets, *outputs, "warehouse_published")
    assert result.success, failure_text(result)
    con = duckdb.connect(str(root / "data/warehouse/malestokk.duckdb"), read_only=True)
    assert 80000 in {r[0] for r in con.execute("SELECT target FROM mart_scorecard").fetchall()}
    con.close()


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_published_release_never_changes_whatever_runs_after(
    checked: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    root = checked.parent
    release = (root / "data/warehouse/current").resolve()
    before = _hashes(release)
    assert len(before) > 50  # the warehouse, its record, the dashboards, reports and exports
    for name in list(os.environ):
        if name.startswith("MALESTOKK_"):
            monkeypatch.delenv(name)
    base = ["--config", str(checked)]
    assert cli.main([*base, "report", "--year", "2024"]) == cli.EXIT_OK
    assert cli.main([*base, "utfordringsnotat", "--year", "2024"]) == cli.EXIT_OK
    assert cli.main([*base, "dashboard"]) == cli.EXIT_OK
    assert cli.main([*base, "homes", "--homes", "4601", "--workers", "1"]) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert "årsberetning for Stavanger (NO:1103)" in out
    assert _hashes(release) == before
    # what they wrote went to folders of their own
    mine = root / "data/on-demand/NO-1103"
    assert list((mine / "reports").glob("arsberetning-2024.*"))
    assert list((mine / "reports").glob("utfordringsnotat-2024.*"))
    assert (mine / "dashboards/index.html").is_file()
    assert (root / "data/homes/NO-4601/dashboards/index.html").is_file()
    # a command told of another home than the warehouse's says so and writes nothing
    monkeypatch.setenv("MALESTOKK_HOME_MUNICIPALITY", "0301")
    assert cli.main([*base, "report", "--year", "2024"]) == cli.EXIT_CONFIG
    err = capsys.readouterr().err
    assert "the published warehouse is Stavanger's (NO:1103), not NO:0301's" in err
    assert not (root / "data/on-demand/NO-0301").exists()
    assert _hashes(release) == before
