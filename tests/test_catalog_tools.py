"""Catalog tooling and the snapshot recorder, offline and against a local look-alike of SSB."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines import cli
from pipelines.settings.catalog import load_catalog
from pipelines.sources.snapshot.kolada import KoladaSnapshotTransport
from pipelines.sources.snapshot.ssb import KlassSnapshotTransport, SsbSnapshotTransport
from tests.conftest import ROOT, run_cli, write_config
from tests.fake_server import serve


def _cli(config: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    import os

    for name in list(os.environ):
        if name.startswith("MALESTOKK_") or name == "DAGSTER_HOME":
            monkeypatch.delenv(name, raising=False)
    return cli.main(["--config", str(config), *args])


def test_catalog_check_offline_says_it_compared_with_the_snapshot_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """The snapshot holds only the codes the demo was built with: a real code of SSB's table
    that it lacks (KOSAG110000, brutto driftsresultat in 12134) is named as not verified
    offline, never rejected, and the check says what it compared with."""
    config = write_config(tmp_path)
    catalog = tmp_path / "indicators.toml"
    catalog.write_text(
        catalog.read_text(encoding="utf-8").replace('"KOSAGD230000"', '"KOSAG110000"'),
        encoding="utf-8",
    )
    assert _cli(config, monkeypatch, "catalog", "check", "--offline") == cli.EXIT_OK
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("kostra.netto_driftsresultat:"))
    assert "not verified offline" in line and "'KOSAG110000' is not in the table" in line
    assert "compared against the snapshot's metadata only" in out
    assert "1 code(s) could not be verified offline" in out
    assert "all " not in out  # it never claims every entry matches the sources


def _bad_codes(catalog: Path) -> None:
    catalog.write_text(
        catalog.read_text(encoding="utf-8")
        .replace('"KOSandel150000"', '"KOSandel15000"')
        .replace('KOKartkap0000 = "KG31"', 'KOKartkap0000 = "KG3"')
        .replace('kpi = "N15428"', 'kpi = "N99999"'),
        encoding="utf-8",
    )


def test_catalog_check_names_the_wrong_code_and_the_valid_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """Against the source's own metadata (here a local look-alike answering from the snapshot)
    a code the table does not know fails the check, naming the valid and the closest codes."""
    with serve(_SsbAndKlass(_fast_snapshot(tmp_path))) as url:
        config = _live_config(tmp_path, url)
        _bad_codes(tmp_path / "indicators.toml")
        assert _cli(config, monkeypatch, "catalog", "check") == cli.EXIT_FAILED
    out = capsys.readouterr().out.splitlines()
    dekning = next(line for line in out if line.startswith("kostra.barnehagedekning_1_5:"))
    assert "'KOSandel15000' is not in the table" in dekning
    assert "not verified" not in dekning
    assert "closest: KOSandel150000 (Andel barn 1-5 år" in dekning
    assert "KOSutg020000" in dekning  # the valid codes are listed
    gjeld = next(line for line in out if line.startswith("kostra.netto_lanegjeld_per_innbygger:"))
    assert "KOKartkap0000='KG3'" in gjeld and "KG31 (Netto lånegjeld)" in gjeld
    assert "kolada.behorighet_yrkesprogram: Kolada knows no KPI 'N99999'" in out


def _live_config(tmp_path: Path, url: str, snapshot: Path | None = None) -> Path:
    config = write_config(tmp_path, snapshot=snapshot, extra=(
        f'ssb_pxweb_url = "{url}/api/pxwebapi/v2"\nssb_klass_url = "{url}/api/klass/v1"\n'
        f'kolada_url = "{url}/v3"\nssb_calls_per_minute = 600\nretry_backoff_seconds = 0.01\n'
    ))  # fmt: skip
    config.write_text(config.read_text().replace('mode = "snapshot"', 'mode = "live"'))
    return config


class _SsbAndKlass(SsbSnapshotTransport):
    """One local server answering PxWebApi v2, KLASS and Kolada v3 from a snapshot folder."""

    def __init__(self, snapshot: Path) -> None:
        super().__init__(snapshot)
        self.klass = KlassSnapshotTransport(snapshot)
        self.kolada = KoladaSnapshotTransport(snapshot)

    def handle_request(self, request):
        if "/api/klass/" in request.url.path:
            return self.klass.handle_request(request)
        if "/v3/" in request.url.path:
            return self.kolada.handle_request(request)
        return super().handle_request(request)


def _fast_snapshot(tmp_path: Path) -> Path:
    """The bundled snapshot with a server that allows more calls per minute (no waits)."""
    snap = tmp_path / "served"
    shutil.copytree(ROOT / "snapshot", snap)
    config = json.loads((snap / "ssb/config.json").read_text())
    config["maxCallsPerTimeWindow"] = 600
    (snap / "ssb/config.json").write_text(json.dumps(config))
    return snap


def test_search_show_and_add_against_a_live_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    with serve(_SsbAndKlass(_fast_snapshot(tmp_path))) as url:
        config = _live_config(tmp_path, url)
        assert _cli(config, monkeypatch, "catalog", "search", "befolkning") == cli.EXIT_OK
        assert "ssb     07459" in capsys.readouterr().out
        assert _cli(config, monkeypatch, "catalog", "show", "ssb", "07459") == cli.EXIT_OK
        shown = capsys.readouterr().out
        assert "Personer1  Personer  [unit personer, 0 decimals]" in shown
        assert "periods 2015-2025" in shown
        args = ["catalog", "add", "ssb", "07459", "--contents-code", "Personer1",
                "--sum", "Kjonn=1,2", "--sum", "Alder=067-104,105+",
                "--id", "ssb.befolkning_67_pluss", "--kind", "grunnlagstall",
                "--service-area", "befolkning", "--perspective", "samfunn"]  # fmt: skip
        assert _cli(config, monkeypatch, *args) == cli.EXIT_OK
        # a code the table does not have is refused and nothing is written
        before = (tmp_path / "indicators.toml").read_text(encoding="utf-8")
        bad = [*args[:6], "--sum", "Kjonn=1,2", "--sum", "Alder=067-110", "--id", "ssb.x",
               *args[12:]]  # fmt: skip
        assert _cli(config, monkeypatch, *bad) == cli.EXIT_FAILED
        assert "sum_over Alder: 105, 106, 107, 108, 109 not values" in capsys.readouterr().err
        assert (tmp_path / "indicators.toml").read_text(encoding="utf-8") == before
    added = {i.id: i for i in load_catalog(tmp_path / "indicators.toml").indicators}[
        "ssb.befolkning_67_pluss"
    ]
    assert (added.label, added.unit, added.region_dimension) == ("Personer", "personer", "Region")
    assert added.sum_over["Alder"][0] == "067" and added.sum_over["Alder"][-1] == "105+"
    assert "metadata of table 07459" in (added.confirmed_by or "")


def test_snapshot_record_writes_a_snapshot_the_offline_refresh_replays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    served = _fast_snapshot(tmp_path)
    out = tmp_path / "recorded"
    with serve(_SsbAndKlass(served)) as url:
        (tmp_path / "rec").mkdir()
        config = _live_config(tmp_path / "rec", url)
        assert _cli(config, monkeypatch, "snapshot", "record", "--out", str(out)) == cli.EXIT_OK
    assert "recorded 9 SSB table(s)" in capsys.readouterr().out
    assert 'provenance = "snapshot:recorded"' in (out / "manifest.toml").read_text()
    # only the catalog's series are kept: 12367 holds the functions the catalog reads
    recorded = json.loads(gzip.decompress((out / "ssb/tables/12367.json.gz").read_bytes()))
    assert recorded["dimension"]["KOKregnskapsomfa0000"]["category"]["index"] == {"A": 0}
    replay = tmp_path / "replay"
    replay.mkdir()
    assert run_cli(write_config(replay, snapshot=out), monkeypatch) == cli.EXIT_OK
    con = duckdb.connect(str(replay / "data/warehouse/malestokk.duckdb"), read_only=True)
    mine = con.sql(
        "SELECT year, value FROM core_indicator_series WHERE indicator_id = 'ssb.befolkning' "
        "AND region_code = '1103' ORDER BY year"
    ).fetchall()
    provenance = con.sql(
        "SELECT DISTINCT provenance FROM core_indicator_values WHERE source = 'ssb'"
    ).fetchall()
    # the recorded KLASS correspondences are SSB's own membership, labelled so, never synthetic
    groups = con.sql("SELECT DISTINCT provenance FROM raw_klass__kostra_groups").fetchall()
    label = con.sql(
        "SELECT DISTINCT peer_label FROM mart_comparisons WHERE peer_set = 'kostra_group' "
        "AND year = 2024"
    ).fetchall()
    # the 2024 derived figures divide by the recorded 31.12.2024 population (07459 at 1.1.2025)
    derived_2024 = con.execute(
        "SELECT count(value) FROM core_indicator_series WHERE source = 'derived' AND year = 2024 "
        "AND region_code = '1103'"
    ).fetchall()[0][0]
    con.close()
    assert provenance == [("snapshot:recorded",)]
    assert groups == [("snapshot:recorded",)]
    assert label == [("KOSTRA-gruppe 12",)]
    assert derived_2024 >= 5
    # the recorded population is SSB's real one, as bundled (snapshot/sources, from csdata)
    real = (
        pl.read_parquet(ROOT / "snapshot/sources/ssb_07459_befolkning_b2024.parquet")
        .filter(pl.col("region") == "1103")
        .group_by("year").agg(pl.col("persons").sum()).sort("year")
    )  # fmt: skip
    expected = {y: float(n) for y, n in real.iter_rows()}
    assert mine and all(expected[y] == v for y, v in mine)
