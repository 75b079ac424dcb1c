"""Faults of the machine end in one line naming the cause and what stays published: a full disk,
a read-only data folder. Played on real file systems (a small tmpfs, a read-only mount), so
root is needed to mount them, as on the CI machines."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pipelines import cli
from tests.conftest import run_cli, write_config


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True)


@pytest.fixture
def mounted(tmp_path: Path):
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.fail("these tests mount a tmpfs: run them as root (the CI machines are)")
    point = tmp_path / "mnt"
    point.mkdir()
    yield point
    subprocess.run(["umount", "-l", str(point)], capture_output=True)


def _copy_of(stavanger: Path, into: Path) -> Path:
    shutil.copytree(stavanger / "data", into / "data", symlinks=True)
    return write_config(into)


def _one_line(err: str) -> str:
    lines = [x for x in err.splitlines() if x.startswith(("refresh failed", "malestokk "))]
    assert "Traceback" not in err, err[-3000:]
    assert len(lines) == 1, err[-3000:]
    return lines[0]


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def test_a_full_disk_ends_in_one_line_and_keeps_the_published_set(
    stavanger: Path, mounted: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    need = _size(stavanger / "data") + 12 * 2**20  # room for the logs, not for a new release
    _mount("-t", "tmpfs", "-o", f"size={need}", "tmpfs", str(mounted))
    config = _copy_of(stavanger, mounted)
    record = (mounted / "data/warehouse/published.json").read_text()
    current = os.readlink(mounted / "data/warehouse/current")
    capsys.readouterr()
    assert run_cli(config, monkeypatch, "--full") == cli.EXIT_FAILED
    line = _one_line(capsys.readouterr().err)
    assert "the disk is full" in line and "stays published" in line, line
    assert (mounted / "data/warehouse/published.json").read_text() == record
    assert os.readlink(mounted / "data/warehouse/current") == current


def test_a_read_only_data_folder_ends_in_one_line(
    stavanger: Path, mounted: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    _mount("-t", "tmpfs", "tmpfs", str(mounted))
    config = _copy_of(stavanger, mounted)
    _mount("-o", "remount,ro", str(mounted))
    capsys.readouterr()
    assert run_cli(config, monkeypatch) == cli.EXIT_FAILED
    line = _one_line(capsys.readouterr().err)
    assert line.startswith("malestokk refresh: the data folder is read-only"), line
    assert "stays published" in line and "full trace: " in line


def _processes_with(marker: str) -> list[int]:
    """Processes whose environment holds `marker` (dagster dev and every process it started)."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if marker.encode() in (proc / "environ").read_bytes():
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


def test_malestokk_ui_stops_with_all_of_dagster_on_sigterm(tmp_path: Path) -> None:
    import signal
    import socket
    import sys
    import time

    config = write_config(tmp_path)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MALESTOKK_", "DAGSTER_"))}
    ui = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "--config", str(config), "ui", "--offline",
         "--port", str(port)],
        cwd=Path(__file__).resolve().parents[1], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert ui.poll() is None, "malestokk ui ended before serving"
            time.sleep(1)
        else:
            pytest.fail("the Dagster UI never answered")
        marker = f"MALESTOKK_CONFIG={config}"
        assert len(_processes_with(marker)) >= 2  # dev and the webserver at least
        ui.send_signal(signal.SIGTERM)  # as systemd's stop, or `kill PID`
        stopped = time.monotonic()
        ui.wait(timeout=15)
        while _processes_with(marker) and time.monotonic() - stopped < 10:
            time.sleep(0.2)
        assert _processes_with(marker) == [], "Dagster went on after malestokk ui stopped"
        assert time.monotonic() - stopped < 10
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0  # nothing serves the port
    finally:
        if ui.poll() is None:
            ui.kill()
