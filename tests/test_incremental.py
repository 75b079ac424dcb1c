"""A refresh rebuilds what a changed source feeds, nothing when no source changed, and what it
publishes is what a full rebuild would publish."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.settings.config import load_settings
from tests.conftest import ROOT, run_cli, write_config

KOSTRA_AND_KOLADA_CORE = {
    "core_indicator_values",
    "core_indicator_series",
    "core_peer_sets",
    "mart_comparisons",
    "mart_peer_values",
}


def published(tmp: Path) -> dict:
    return json.loads((tmp / "data/warehouse/published.json").read_text(encoding="utf-8"))


def last_rebuild(config: Path) -> set[str]:
    """The assets the latest full_refresh run of this data folder materialized."""
    settings = load_settings(config, env={})
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        run = instance.get_runs(filters=dg.RunsFilter(job_name="full_refresh"), limit=1)[0]
        events = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
        return {e.dagster_event.asset_key.to_user_string() for e in events}


def drop_corrected_sick_leave(inbox: Path, days: str) -> None:
    """The demo's sick-leave export again, one unit's self-certified days changed, in the inbox."""
    sample = (ROOT / "snapshot/local/sykefravaer_2024_kvartal.csv").read_bytes()
    changed = sample.replace(b";45;2753,0;31,3;", f";45;2753,0;{days};".encode())
    assert changed != sample
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / f"sykefravaer_rettet_{days.replace(',', '_')}.csv").write_bytes(changed)


def derived_fingerprints(tmp: Path) -> dict[str, tuple]:
    """Rows and the sum of row hashes of every core and mart table, doubles compared in single
    precision: DuckDB sums doubles in parallel, so two full builds differ in the last bits (of
    a sum in kroner too, where a fixed number of decimals is not enough)."""
    con = duckdb.connect(str(tmp / "data/warehouse/malestokk.duckdb"), read_only=True)
    try:
        columns: dict[str, list[str]] = {}
        for table, column, kind in con.execute(
            "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE schema_name = "
            "'main' AND (table_name LIKE 'core_%' OR table_name LIKE 'mart_%') "
            "ORDER BY table_name, column_index"
        ).fetchall():
            quoted = f'"{column}"'
            columns.setdefault(table, []).append(
                f"CAST({quoted} AS FLOAT)" if kind == "DOUBLE" else quoted
            )
        return {
            table: tuple(
                con.execute(
                    f'SELECT count(*), sum(hash(row({", ".join(cols)}))) FROM "{table}"'
                ).fetchall()[0]
            )
            for table, cols in columns.items()
        }
    finally:
        con.close()


def test_unchanged_sources_rebuild_nothing_and_a_new_file_rebuilds_only_what_it_feeds(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    config = write_config(tmp_path)
    assert run_cli(config, monkeypatch) == 0
    first = published(tmp_path)
    capsys.readouterr()

    assert run_cli(config, monkeypatch) == 0
    err = capsys.readouterr().err
    assert "no source changed since the published release" in err
    assert "nothing rebuilt" in err
    assert published(tmp_path) == first  # the same release stays current

    # a new sick-leave export arrives: one unit's days change
    drop_corrected_sick_leave(tmp_path / "data/inbox", "41,3")
    assert run_cli(config, monkeypatch) == 0
    rebuilt = last_rebuild(config)
    assert {"mart_local__sick_leave", "mart_malekart", "out_dashboards__site"} <= rebuilt
    assert "warehouse_published" in rebuilt
    assert not rebuilt & KOSTRA_AND_KOLADA_CORE, rebuilt & KOSTRA_AND_KOLADA_CORE
    assert published(tmp_path)["run_id"] != first["run_id"]
    partial = derived_fingerprints(tmp_path)

    # what the partial rebuild published is exactly what rebuilding everything publishes
    assert run_cli(config, monkeypatch, "--full") == 0
    assert "warehouse_published" in last_rebuild(config)
    assert derived_fingerprints(tmp_path) == partial
    capsys.readouterr()
    assert run_cli(config, monkeypatch) == 0  # --full is how to fetch, not what is built
    assert "nothing rebuilt" in capsys.readouterr().err


def test_an_edited_malekart_rebuilds_the_targets_and_what_is_built_from_them_only(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    config = write_config(tmp_path)
    assert run_cli(config, monkeypatch) == 0
    before = target_rows(tmp_path)
    targets = tmp_path / "malekart.csv"
    text = targets.read_text(encoding="utf-8")
    targets.write_text(text.rstrip("\n") + "\n", encoding="utf-8")  # same content: no change
    capsys.readouterr()
    assert run_cli(config, monkeypatch) == 0
    assert "nothing rebuilt" in capsys.readouterr().err

    lines = text.splitlines()
    targets.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")  # one target less
    assert run_cli(config, monkeypatch) == 0
    assert "rebuilding" in capsys.readouterr().err
    rebuilt = last_rebuild(config)
    assert {
        "core_targets",
        "mart_malekart",
        "out_dashboards__site",
        "warehouse_published",
    } <= rebuilt
    # the målekart is read by core_targets alone: the KOSTRA and Kolada core stay as built
    assert not rebuilt & KOSTRA_AND_KOLADA_CORE, rebuilt & KOSTRA_AND_KOLADA_CORE
    assert target_rows(tmp_path) == before - 1


def target_rows(tmp: Path) -> int:
    con = duckdb.connect(str(tmp / "data/warehouse/malestokk.duckdb"), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM core_targets").fetchall()[0][0]
    finally:
        con.close()


def test_the_sensor_after_a_scheduled_source_run_requests_only_what_changed(
    tmp_path: Path, monkeypatch
) -> None:
    """The UI path: the nightly schedule runs refresh_sources, the rebuild_what_changed sensor
    asks for the rest; nothing when nothing changed, the local part when a file came in."""
    from pipelines.definitions import build_definitions

    config = write_config(tmp_path)
    assert run_cli(config, monkeypatch) == 0
    settings = load_settings(config, env={})
    defs = build_definitions(settings)
    sensor = defs.resolve_sensor_def("rebuild_what_changed")
    sources = defs.resolve_job_def("refresh_sources")

    def evaluate(instance: dg.DagsterInstance):
        result = sources.execute_in_process(instance=instance)
        assert result.success
        run = instance.get_run_by_id(result.run_id)
        context = dg.build_run_status_sensor_context(
            sensor_name=sensor.name,
            dagster_instance=instance,
            dagster_run=run,
            dagster_event=result.get_run_success_event(),
            repository_def=defs.get_repository_def(),
        )
        return sensor(context)

    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        skipped = evaluate(instance)
        assert isinstance(skipped, dg.SkipReason)
        assert "no source changed" in skipped.skip_message
        drop_corrected_sick_leave(settings.inbox_dir, "39,3")
        request = evaluate(instance)
        assert isinstance(request, dg.RunRequest)
        names = {k.to_user_string() for k in request.asset_selection}
        assert {"mart_local__sick_leave", "mart_malekart", "warehouse_published"} <= names
        assert not names & KOSTRA_AND_KOLADA_CORE
        # the sources' own checks come with the rebuild (the source run had none)
        checks = {c.name for c in request.asset_check_keys}
        assert {"raw_ssb__kostra_values_schema", "raw_local__imports_quarantine"} <= checks


def test_an_edited_sql_model_rebuilds_that_model_and_what_is_built_from_it(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    """Each asset carries its own code version: an analyst who edits one model gets that model
    and what is built from it rebuilt (with the outputs and the publish), nothing else."""
    from pipelines.definitions import build_definitions
    from pipelines.storage import versions
    from pipelines.storage.graph_shape import shape_of_repository

    config = write_config(tmp_path)
    assert run_cli(config, monkeypatch) == 0
    code = tmp_path / "code"  # the project's code as a copy, one model edited
    for folder in versions.CODE_FOLDERS:
        if (ROOT / folder).is_dir():
            shutil.copytree(ROOT / folder, code / folder, ignore=shutil.ignore_patterns("__pyc*"))
    model = code / "sql/marts/mart_expenditure_need.sql"
    model.write_text(model.read_text(encoding="utf-8") + "\n-- a note\n", encoding="utf-8")
    monkeypatch.setattr(versions, "ROOT", code)
    capsys.readouterr()

    assert run_cli(config, monkeypatch) == 0
    err = capsys.readouterr().err
    assert "its code or settings changed: mart_expenditure_need\n" in err
    assert "rebuilt with them: " in err
    defs = build_definitions(load_settings(config, env={}))
    shape = shape_of_repository(defs.get_repository_def())
    expected = shape.downstream(["mart_expenditure_need"]) | shape.in_group("outputs", "publish")
    assert last_rebuild(config) == expected
    assert not expected & KOSTRA_AND_KOLADA_CORE
    assert {"mart_challenge_note", "warehouse_published"} <= expected

    capsys.readouterr()
    assert run_cli(config, monkeypatch) == 0  # the edit is built: nothing is stale any more
    assert "nothing rebuilt" in capsys.readouterr().err
