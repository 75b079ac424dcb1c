"""One refresh at a time, whoever starts it: real processes, a real kill, a real Dagster run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from pipelines import cli
from pipelines.orchestration.refresh_lock import LockWait, RefreshBusy, read_holder, refresh_lock
from pipelines.settings.config import load_settings
from tests.conftest import ROOT, write_config


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("MALESTOKK_", "DAGSTER_"))}


def start(config: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "--config", str(config), *args],
        cwd=ROOT, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def wait_for_holder(warehouse: Path, pid: int, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        holder = read_holder(warehouse)
        if holder.get("pid") == pid:
            return holder
        time.sleep(0.05)
    raise AssertionError(f"process {pid} never took the refresh lock")


def test_two_refreshes_at_once_one_runs_the_other_exits_3_or_waits(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    warehouse = tmp_path / "data/warehouse"
    first = start(config, "refresh", "--offline")
    holder = wait_for_holder(warehouse, first.pid)
    assert holder["command"] == "malestokk refresh"
    second = start(config, "refresh", "--offline")
    _, err = second.communicate(timeout=120)
    assert second.returncode == cli.EXIT_BUSY
    lines = [line for line in err.splitlines() if "another refresh" in line]
    assert len(lines) == 1 and f"process {first.pid}" in lines[0]
    assert holder["started_at"] in lines[0]
    waiting = start(config, "refresh", "--offline", "--wait")
    assert first.wait(timeout=300) == 0, first.stderr.read()
    after_first = json.loads((warehouse / "published.json").read_text())
    _, err = waiting.communicate(timeout=300)
    assert waiting.returncode == 0, err
    assert "waiting: another refresh is running" in err
    # it ran after the first one had published, read the same sources and rebuilt nothing
    assert "no source changed since the published release" in err
    assert json.loads((warehouse / "published.json").read_text()) == after_first


def test_a_killed_refresh_leaves_no_lock_behind(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", (
            "import sys, time; from pathlib import Path; "
            "from pipelines.orchestration.refresh_lock import refresh_lock\n"
            f"with refresh_lock(Path({str(tmp_path)!r}), command='stuck'):\n"
            "    print('held', flush=True); time.sleep(600)"
        )],
        cwd=ROOT, env=clean_env(), stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout.readline().strip() == "held"
    with (
        pytest.raises(RefreshBusy, match=f"process {holder.pid}"),
        refresh_lock(tmp_path, wait=LockWait(0.2)),
    ):
        pass
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    with refresh_lock(tmp_path, wait=LockWait(0)):  # the kernel released it with the process
        assert read_holder(tmp_path)["pid"] == os.getpid()


def test_a_dagster_run_takes_the_same_lock_and_names_who_holds_it(tmp_path: Path) -> None:
    from assets.local.challenge_answers import core_challenge_answers
    from pipelines.resources import LocalDataResource, WarehouseResource

    warehouse = tmp_path / "warehouse"
    blocker = subprocess.Popen(
        [sys.executable, "-c", (
            "import time; from pathlib import Path; "
            "from pipelines.orchestration.refresh_lock import refresh_lock\n"
            f"with refresh_lock(Path({str(warehouse)!r}), command='malestokk refresh'):\n"
            "    print('held', flush=True); time.sleep(600)"
        )],
        cwd=ROOT, env=clean_env(), stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert blocker.stdout.readline().strip() == "held"
        resources = {
            "warehouse": WarehouseResource(warehouse_dir=str(warehouse), lock_wait_seconds=0.5),
            "local": LocalDataResource(
                local_dir=str(tmp_path / "l"),
                inbox_dir=str(tmp_path),
                private_dir=str(tmp_path / "p"),
                samples_dir=None,
                sick_leave_min_employees=5,
                survey_min_respondents=5,
            ),
        }
        result = dg.materialize([core_challenge_answers], resources=resources,
                                raise_on_error=False)  # fmt: skip
        assert not result.success
        failure = next(
            e for e in result.all_events if e.event_type_value == "RESOURCE_INIT_FAILURE"
        )
        text = str(failure.event_specific_data.error.to_string())
        assert f"process {blocker.pid}" in text and "malestokk refresh" in text
        assert not (warehouse / "staging.duckdb").exists()  # it never touched the warehouse
    finally:
        blocker.kill()
        blocker.wait()
    # once the lock is free the same run goes through
    assert dg.materialize([core_challenge_answers], resources=resources).success


def test_the_ui_instance_queues_one_run_at_a_time(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path), env={})
    home = cli._prepare_dagster_home(settings)
    try:
        instance = dg.DagsterInstance.from_config(str(home))
        queue = instance.get_concurrency_config().run_queue_config
        assert queue.max_concurrent_runs == 1  # what the queued run coordinator enforces
        instance.dispose()
    finally:
        os.environ.pop("DAGSTER_HOME", None)
    # a dagster.yaml the user wrote is left alone
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: true\n", encoding="utf-8")
    cli._prepare_dagster_home(settings)
    os.environ.pop("DAGSTER_HOME", None)
    assert (home / "dagster.yaml").read_text(encoding="utf-8").startswith("telemetry")


def hold_read_write(path: Path) -> subprocess.Popen:
    """DBeaver's default: a read-write connection, held open by another process."""
    holder = subprocess.Popen(
        [sys.executable, "-c", (
            "import duckdb, time\n"
            f"con = duckdb.connect({str(path)!r})\n"
            "print('open', flush=True); time.sleep(600)"
        )],
        cwd=ROOT, env=clean_env(), stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout.readline().strip() == "open"
    return holder


def test_an_analyst_with_a_read_write_connection_never_stops_the_refresh(
    stavanger: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    from tests.conftest import run_cli

    published = stavanger / "data/warehouse/malestokk.duckdb"
    before = json.loads((stavanger / "data/warehouse/published.json").read_text())
    analyst = hold_read_write(published)
    try:
        # --full: sources that did not change would otherwise rebuild nothing
        assert run_cli(stavanger / "malestokk.toml", monkeypatch, "--full") == cli.EXIT_OK
    finally:
        analyst.kill()
        analyst.wait()
    after = json.loads((stavanger / "data/warehouse/published.json").read_text())
    assert after["run_id"] != before["run_id"]
    # something holding the staging file itself is named as the cause, in one line
    staging = hold_read_write(stavanger / "data/warehouse/staging.duckdb")
    try:
        assert run_cli(stavanger / "malestokk.toml", monkeypatch) == cli.EXIT_FAILED
    finally:
        staging.kill()
        staging.wait()
    err = capsys.readouterr().err
    (line,) = [x for x in err.splitlines() if x.startswith("refresh failed")]  # one line
    assert "is locked by another program (python" in line
    assert f"process {staging.pid}); close its connection" in line
    assert "stays published" in line


def test_a_killed_refresh_is_marked_failed_and_its_leftovers_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.storage.release import Releases
    from tests.conftest import run_cli

    config = write_config(tmp_path)
    warehouse = tmp_path / "data/warehouse"
    assert run_cli(config, monkeypatch) == cli.EXIT_OK
    good = Releases(warehouse).current_dir()
    # a refresh killed mid-way, and what a publish killed between its two steps leaves behind
    victim = start(config, "refresh", "--offline", "--full")  # rebuilds, though nothing changed
    wait_for_holder(warehouse, victim.pid)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list((warehouse / "releases").glob(".building-*")):
        time.sleep(0.05)  # until it has written something of its own
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    half = warehouse / "releases/99991231T000000000000Z-deadbeef"  # renamed, never made current
    half.mkdir()
    (half / "malestokk.duckdb").write_bytes(b"half a copy")
    assert Releases(warehouse).current_dir() == good  # the last good set is still the set
    assert run_cli(config, monkeypatch) == cli.EXIT_OK
    left = sorted(p.name for p in (warehouse / "releases").iterdir())
    assert not [n for n in left if n.startswith(".building-") or n == half.name]
    instance = dg.DagsterInstance.from_config(str(tmp_path / "data/dagster_home"))
    killed = [r for r in instance.get_runs() if r.status == dg.DagsterRunStatus.FAILURE]
    assert len(killed) == 1
    assert not [r for r in instance.get_runs() if r.status == dg.DagsterRunStatus.STARTED]
    instance.dispose()
