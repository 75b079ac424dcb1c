"""Shared fixtures: a settings file pointing at a temporary data folder and the bundled snapshot."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


class FakeClock:
    """Time that only moves when something sleeps: rate limits and backoff without waiting."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def write_config(
    tmp: Path,
    *,
    home: tuple[str, str] = ("NO", "1103"),
    snapshot: Path | None = None,
    extra: str = "",
) -> Path:
    shutil.copy(ROOT / "indicators.toml", tmp / "indicators.toml")
    shutil.copy(ROOT / "malekart.csv", tmp / "malekart.csv")
    shutil.copy(ROOT / "utgiftsbehov.csv", tmp / "utgiftsbehov.csv")
    shutil.copy(ROOT / "arshjul.csv", tmp / "arshjul.csv")
    shutil.copy(ROOT / "tiltak.csv", tmp / "tiltak.csv")
    config = tmp / "malestokk.toml"
    config.write_text(
        f"""
[home]
country = "{home[0]}"
municipality = "{home[1]}"
[paths]
data_dir = "data"
catalog = "indicators.toml"
snapshot_dir = "{snapshot or ROOT / "snapshot"}"
[sources]
mode = "snapshot"
{extra}
""",
        encoding="utf-8",
    )
    return config


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    return write_config(tmp_path)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("MALESTOKK_"):
            monkeypatch.delenv(name)


def run_cli(config: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    """`malestokk refresh --offline` in this process, with no MALESTOKK_* leaking in."""
    import os

    from pipelines import cli

    for name in list(os.environ):
        if name.startswith("MALESTOKK_") or name == "DAGSTER_HOME":
            monkeypatch.delenv(name, raising=False)
    return cli.main(["--config", str(config), "refresh", "--offline", *args])


@pytest.fixture(scope="session")
def stavanger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One offline refresh for Stavanger, shared by the tests that read its warehouse."""
    tmp = tmp_path_factory.mktemp("stavanger")
    config = write_config(tmp)
    mp = pytest.MonkeyPatch()
    try:
        assert run_cli(config, mp) == 0
    finally:
        mp.undo()
    return tmp


def rewrite_table(snapshot: Path, table: str, updated: str, change=None) -> None:
    """Publish a new release of a snapshot table: new `updated`, optionally changed values."""
    path = snapshot / "ssb/tables" / f"{table}.json.gz"
    with gzip.open(path) as fh:
        ds = json.load(fh)
    ds["updated"] = updated
    if change:
        change(ds)
    with gzip.open(path, "wb") as fh:
        fh.write(json.dumps(ds).encode())
    info_path = snapshot / "ssb/tables" / f"{table}.info.json"
    info = json.loads(info_path.read_text(encoding="utf-8"))
    info_path.write_text(json.dumps({**info, "updated": updated}), encoding="utf-8")


def flat_index(ds: dict, **codes: str) -> int:
    flat = 0
    for dim, size in zip(ds["id"], ds["size"], strict=True):
        flat = flat * size + ds["dimension"][dim]["category"]["index"][codes[dim]]
    return flat
