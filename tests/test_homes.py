"""Many homes in one refresh: the selection, the per-home outputs as partitions, a failing home.

A network (ASSS) or a county runs one refresh for all its members: the national warehouse is
built once, and each home's outputs are computed from it in their own partition. What a member
sees must be exactly what it would see had it run Målestokk alone with itself as the home.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from pipelines.domain.homes import Home, resolve_homes
from pipelines.domain.regions import ASSS_MEMBERS_FILE, municipalities
from pipelines.settings.config import ConfigError, load_settings
from tests.conftest import run_cli, write_config


def _settings(config: Path, homes: str):
    return load_settings(config, env={"MALESTOKK_HOMES": homes})


def test_selection_names_homes_the_way_networks_do(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        extra='[peer_sets.nord_jaeren]\ncountry = "NO"\nmembers = ["1103", "1108", "1124"]',
    )
    with ASSS_MEMBERS_FILE.open(encoding="utf-8") as fh:
        asss = {r["code"] for r in csv.DictReader(fh)}
    assert {h.code for h in resolve_homes(_settings(config, "asss"))} == asss
    assert len(asss) == 12

    vestland = resolve_homes(_settings(config, "fylke:46"))
    today = {m.code for m in municipalities("NO") if m.valid_on(date.today())}
    assert vestland and all(h.country == "NO" and h.code[:2] == "46" for h in vestland)
    assert {h.code for h in vestland} == {c for c in today if c.startswith("46")}

    every = resolve_homes(_settings(config, "all"))
    assert {h.code for h in every if h.country == "NO"} == today
    assert sum(h.country == "SE" for h in every) == len(municipalities("SE"))

    # a code overlapping between the countries is read with the country given
    mixed = resolve_homes(_settings(config, "1860,SE:1860,nord_jaeren"))
    assert Home("NO", "1860") in mixed and Home("SE", "1860") in mixed
    assert {"NO:1103", "NO:1108", "NO:1124"} <= {h.key for h in mixed}
    # an older number that was only renumbered is followed (Halden 3001 -> 3101)
    assert resolve_homes(_settings(config, "3001")) == (Home("NO", "3101"),)


def test_a_selection_that_cannot_be_read_names_the_key(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    with pytest.raises(ConfigError) as err:
        _settings(config, "asss,fylke46")
    assert err.value.key == "homes.select"
    assert "fylke46" in str(err.value) and "MALESTOKK_HOMES" in str(err.value)


def _comparable(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows as a set: doubles to 9 significant digits (sums may add in another order)."""
    floats = [c for c, t in frame.schema.items() if t.is_float()]
    frame = frame.with_columns(
        [
            pl.col(c)
            .cast(pl.Float64)
            .map_elements(lambda v: float(f"{v:.9g}"), return_dtype=pl.Float64)
            for c in floats
        ]
    )
    return frame.sort(frame.columns, nulls_last=True)


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Stavanger's refresh writing the outputs of all of ASSS and one code that is no
    municipality (9999), as `malestokk refresh --offline --homes asss,9999` does."""
    tmp = tmp_path_factory.mktemp("asss")
    config = write_config(tmp)
    mp = pytest.MonkeyPatch()
    try:
        assert run_cli(config, mp, "--homes", "asss,9999", "--workers", "2") == 4
    finally:
        mp.undo()
    return tmp


def test_one_refresh_writes_every_asss_member_and_names_the_home_that_failed(
    network: Path,
) -> None:
    outputs = network / "data" / "homes"  # beside the release: a release never changes
    with ASSS_MEMBERS_FILE.open(encoding="utf-8") as fh:
        members = {r["code"]: r["name"] for r in csv.DictReader(fh)}
    folders = {p.name for p in outputs.iterdir() if re.fullmatch(r"(NO|SE)-\d{4}", p.name)}
    assert folders == {f"NO-{c}" for c in members}
    for code, name in members.items():
        home = outputs / f"NO-{code}"
        page = (home / "dashboards" / "index.html").read_text(encoding="utf-8")
        assert f"<h1>{name}: oversikt</h1>" in page
        assert list((home / "reports").glob("arsberetning-*.docx"))
        assert list((home / "reports").glob("utfordringsnotat-*.docx"))  # all are ASSS members
        mart_home = pl.read_parquet(home / "parquet" / "mart_home.parquet")
        assert mart_home.select("municipality", "label").row(0) == (code, name)

    index = (outputs / "index.html").read_text(encoding="utf-8")
    assert "12 av 13 kommuner skrevet, 1 feilet." in index
    assert index.count("dashboards/index.html") == 12
    for link in re.findall(r"href='([^']+)'", index):  # every link opens a file of the release
        assert (outputs / link).is_file(), link
    assert "NO-4601/reports/utfordringsnotat-" in index
    assert "9999 (NO:9999)</td><td></td><td></td><td>feilet: ikke et kommunenummer i SSBs " in index
    # the primary home's own outputs stay where they always were, in the release
    assert (network / "data" / "outputs" / "dashboards" / "index.html").exists()
    assert not list((network / "data" / "outputs").glob("NO-*"))


def test_another_home_never_shows_the_primary_homes_own_figures(network: Path) -> None:
    outputs = network / "data" / "homes"
    own = {p.name for p in (outputs / "NO-1103" / "parquet").glob("mart_local__*.parquet")}
    assert "mart_local__sick_leave.parquet" in own  # Stavanger's own, suppressed, figures
    bergen = outputs / "NO-4601"
    assert not list((bergen / "parquet").glob("mart_local__*"))
    assert not (bergen / "resultatdialog").exists()
    page = (bergen / "dashboards" / "index.html").read_text(encoding="utf-8")
    assert "Stavanger" not in page


def test_a_home_written_from_the_network_run_equals_that_home_running_alone(
    network: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = write_config(tmp_path, home=("NO", "4601"))
    assert run_cli(alone, monkeypatch) == 0
    con = duckdb.connect(str(tmp_path / "data" / "warehouse" / "malestokk.duckdb"), read_only=True)
    extracts = network / "data" / "homes" / "NO-4601" / "parquet"
    for table in ("mart_home", "mart_peer_values", "mart_comparisons", "mart_challenge_note",
                  "mart_expenditure_need"):  # fmt: skip
        own_run = con.sql(f"SELECT * FROM {table}").pl()
        from_network = pl.read_parquet(extracts / f"{table}.parquet")
        assert from_network.height == own_run.height > 0, table
        assert _comparable(from_network).equals(_comparable(own_run)), table
    con.close()


def test_each_home_is_a_dagster_partition(network: Path) -> None:
    from pipelines.definitions import build_definitions

    with dg.DagsterInstance.from_config(str(network / "data" / "dagster_home")) as instance:
        records = instance.fetch_materializations(dg.AssetKey("home_outputs"), limit=100).records
        partitions = {r.partition_key for r in records}
        assert len(partitions) == 12 and "NO:4601" in partitions and "NO:9999" not in partitions

        # one partition from the UI (or a backfill): the same work, recorded the same way
        settings = load_settings(network / "malestokk.toml", env={"MALESTOKK_HOMES": "asss,9999"})
        defs = build_definitions(settings)
        graph = defs.resolve_asset_graph()
        keys = graph.get(dg.AssetKey("home_outputs")).partitions_def.get_partition_keys()
        assert set(keys) == partitions | {"NO:9999"}
        status_file = network / "data" / "homes" / ".homes" / "NO-5001.json"
        before = json.loads(status_file.read_text("utf-8"))["written_at"]
        job = defs.resolve_implicit_global_asset_job_def()
        result = job.execute_in_process(
            instance=instance,
            partition_key="NO:5001",
            asset_selection=[dg.AssetKey("home_outputs")],
        )
        assert result.success
        after = json.loads(status_file.read_text("utf-8"))
        assert after["status"] == "ok" and after["written_at"] >= before
        latest = instance.get_latest_materialization_event(dg.AssetKey("home_outputs"))
        assert latest.dagster_event.partition == "NO:5001"


def test_every_publish_starts_the_homes_in_the_dagster_ui(network: Path) -> None:
    """In the UI (dagster dev, the daemon), the sensor asks for write_homes once per publish."""
    from pipelines.definitions import build_definitions

    settings = load_settings(network / "malestokk.toml", env={"MALESTOKK_HOMES": "asss"})
    defs = build_definitions(settings)
    sensor = defs.resolve_sensor_def("homes_after_publish")
    assert sensor.job_name == "write_homes"
    with dg.DagsterInstance.from_config(str(network / "data" / "dagster_home")) as instance:
        published = instance.get_latest_materialization_event(dg.AssetKey("warehouse_published"))
        repo = defs.get_repository_def()
        with dg.build_sensor_context(instance=instance, repository_def=repo) as context:
            first = sensor.evaluate_tick(context)
        assert [r.run_key for r in first.run_requests] == [published.run_id]
        with dg.build_sensor_context(
            instance=instance, repository_def=repo, cursor=first.cursor
        ) as context:
            again = sensor.evaluate_tick(context)
        assert again.run_requests == []  # the same publish does not start the homes twice


def test_a_mart_not_computed_per_home_stops_that_home_instead_of_showing_anothers(
    network: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A mart added to the warehouse but not to the per-home models would carry the primary
    home's rows under another home's name: the home fails, naming the mart."""
    from pipelines.domain import home_outputs

    left_out = tuple(m for m in home_outputs.HOME_MODELS if "mart_scorecard" not in m)
    monkeypatch.setattr(home_outputs, "HOME_MODELS", left_out)
    primary = home_outputs.Primary("NO", "1103", None, (), None)
    with pytest.raises(home_outputs.HomeFailed, match="mart_scorecard: built for the primary"):
        home_outputs.write_home(network / "data" / "warehouse", Home("NO", "5501"), primary)
    status = json.loads((network / "data" / "homes" / ".homes" / "NO-5501.json").read_text("utf-8"))
    assert status["status"] == "failed"
    assert not (network / "data" / "homes" / "NO-5501").exists()  # nothing wrong left to read
