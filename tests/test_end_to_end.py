"""The main job offline, end to end, and the publish guarantees."""

import gzip
import json
import re
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest
from pypdf import PdfReader

from pipelines import cli
from pipelines.definitions import build_definitions
from pipelines.settings.catalog import load_catalog
from pipelines.settings.config import load_settings
from tests.conftest import ROOT, rewrite_table, run_cli, write_config


def test_every_asset_is_upstream_of_the_publish(config_file: Path) -> None:
    """Otherwise a failed blocking check on it would not stop the publish."""
    defs = build_definitions(load_settings(config_file, env={}))
    specs = {spec.key: spec for spec in defs.resolve_all_asset_specs()}
    upstream: set = set()
    todo = [dep.asset_key for dep in specs[dg.AssetKey("warehouse_published")].deps]
    while todo:
        key = todo.pop()
        if key not in upstream:
            upstream.add(key)
            todo.extend(dep.asset_key for dep in specs[key].deps)
    assert set(specs) - upstream == {dg.AssetKey("warehouse_published")}


def test_definitions_load_with_job_schedule_and_blocking_checks(config_file: Path) -> None:
    defs = build_definitions(load_settings(config_file, env={}))
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {
        "raw_ssb__kostra_values",
        "raw_kolada__values",
        "core_indicator_values",
        "mart_comparisons",
        "warehouse_published",
    } <= keys
    schedule = defs.resolve_schedule_def("nightly_refresh")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("30 5 * * *", "Europe/Oslo")
    assert defs.resolve_job_def("full_refresh") is not None
    checks = [spec for c in defs.asset_checks for spec in c.check_specs]
    names = {c.name for c in checks}
    schemas = {
        "raw_ssb__kostra_values_schema",
        "raw_klass__region_codes_schema",
        "raw_kolada__values_schema",
    }
    assert schemas <= names
    assert all(c.blocking for c in checks if c.name in schemas)
    # an id Kolada does not know is reported, not a reason to keep yesterday's warehouse
    assert not next(c for c in checks if c.name == "raw_kolada__values_ids_known").blocking


def snapshot_cell(table: str, region: str, contents: str, year: str) -> tuple:
    """Look a value up in the bundled snapshot file directly, independent of the pipeline."""
    with gzip.open(ROOT / "snapshot/ssb/tables" / f"{table}.json.gz") as fh:
        ds = json.load(fh)
    pos = {d: ds["dimension"][d]["category"]["index"] for d in ds["id"]}
    key = {"KOKkommuneregion0000": region, "ContentsCode": contents, "Tid": year}
    flat = 0
    for dim, size in zip(ds["id"], ds["size"], strict=True):
        flat = flat * size + pos[dim][key[dim]]
    return ds["value"][flat], ds.get("status", {}).get(str(flat))


def test_offline_refresh_builds_the_warehouse_and_the_chart(stavanger: Path) -> None:
    con = duckdb.connect(str(stavanger / "data/warehouse/malestokk.duckdb"), read_only=True)
    # every region of each snapshot table x every SSB series of the catalog x 8 years (2017-2024);
    # the population (07459, counted at 1.1) also for 1.1.2025: the 31.12.2024 population
    regions, years = {}, {}
    for ind in load_catalog(ROOT / "indicators.toml").by_source("ssb"):
        with gzip.open(ROOT / "snapshot/ssb/tables" / f"{ind.table}.json.gz") as fh:
            ds = json.load(fh)
        regions[ind.id] = ds["size"][ds["id"].index(ind.region_dimension)]
        years[ind.id] = 9 if ind.population_at == "1.1" else 8
    assert len(regions) >= 20 and sum(y == 9 for y in years.values()) == 6
    assert con.execute("SELECT count(*) FROM raw_ssb__kostra_values").fetchone()[0] == sum(
        regions[i] * years[i] for i in regions
    )
    assert (
        con.execute("SELECT count(DISTINCT table_id) FROM raw_ssb__kostra_values").fetchone()[0]
        >= 9
    )
    # the population is SSB's real one (07459 via csdata), summed over sex and age, and says so
    real = (
        pl.read_parquet(ROOT / "snapshot/sources/ssb_07459_befolkning_b2024.parquet")
        .filter((pl.col("region") == "1103") & (pl.col("year") == 2024))["persons"]
        .sum()
    )
    assert con.execute(
        "SELECT value, provenance FROM core_indicator_values WHERE indicator_id = "
        "'ssb.befolkning' AND region_code = '1103' AND year = 2024"
    ).fetchone() == (real, "snapshot:real")
    assert con.execute(
        "SELECT DISTINCT values_from LIKE '%niphr/csdata@5934512%' FROM raw_ssb__fetch_log "
        "WHERE table_id = '07459'"
    ).fetchall() == [(True,)]
    kpi_groups = json.loads((ROOT / "snapshot/kolada/kpi_groups.json").read_text("utf-8"))
    kkik = {m["member_id"] for g in kpi_groups if g["id"] == "GKPI118" for m in g["members"]}
    kolada_expected = (
        pl.read_parquet(ROOT / "snapshot/kolada/values.parquet")
        .filter(
            pl.col("kpi").is_in(["N15428", *kkik])
            & pl.col("period").is_between(2017, 2024)
            & (pl.col("municipality").str.len_chars() == 4)
            & ~pl.col("municipality").str.starts_with("00")
        )
        .height
    )
    kolada_munis = con.execute(
        "SELECT count(*) FROM raw_kolada__values WHERE municipality "
        "NOT LIKE 'G%' AND municipality <> '0000'"
    ).fetchone()[0]
    assert kolada_munis == kolada_expected
    # one known value: Haparanda, N15428, 2019, total (real Kolada figure)
    assert con.execute(
        "SELECT value FROM core_indicator_values WHERE region_code='2583' AND year=2019 "
        "AND gender='T' AND indicator_id='kolada.behorighet_yrkesprogram'"
    ).fetchone()[0] == pytest.approx(67.85714286)
    # Stavanger 2024 against its KOSTRA group, both as SSB publishes them in the snapshot
    home, peer, method, prov = con.execute(
        "SELECT home_value, peer_value, peer_method, provenance FROM mart_comparisons "
        "WHERE indicator_id='kostra.netto_driftsresultat' AND year=2024 "
        "AND peer_set='kostra_group' AND release = 'latest'"
    ).fetchone()
    assert home == snapshot_cell("12134", "1103", "KOSAGD230000", "2024")[0]
    assert peer == snapshot_cell("12134", "EKG12", "KOSAGD230000", "2024")[0]
    assert "EKG12" in method and prov == "snapshot:synthetic"
    # status symbols survive as symbols, with no value
    symbols = con.execute(
        "SELECT status, count(*), count(value) FROM core_indicator_values "
        "WHERE status IS NOT NULL GROUP BY 1"
    ).fetchall()
    assert symbols and all(with_value == 0 for _, _, with_value in symbols)
    page = stavanger / "data/outputs/dashboards/okonomi.html"
    assert "Kilde: Statistisk sentralbyrå" in page.read_text(encoding="utf-8")
    assert list((stavanger / "data/raw/ssb/objects").rglob("*.json.gz"))


# words the Norwegian outputs use that a Swedish reader must never see (dashboards/words.py,
# dashboards/site.py, static/app.js for Norway)
NORWEGIAN_WORDS = (
    "Sammenligning", "Oversikt", "Utgave", "nøkkeltall", "Nøkkeltall", "nøytral", "Kilde:",
    "Avvik", "Vurdering", "ikke nådd", "Målekart", "Tjenesteområde", "tjenesteområde",
    "Hovedfunn", "Årsberetning", "sammenligningen", "Rangering", "innbygger", "utvalg", "dårlig",
    "oransje", "Sykefravær", "Brukerundersøkelse", "mangler", "prosent", "antall", "SYNTETISKE",
)  # fmt: skip


def test_swedish_home_municipality_compares_with_its_skr_group(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    config = write_config(tmp_path, home=("SE", "2583"))
    assert run_cli(config, monkeypatch) == 0
    # the demo målekart is Stavanger's: Haparanda gets none, and is told why
    err = capsys.readouterr().err
    assert "is the demo's målekart, made for NO:1103; it is not used for SE:2583" in err
    con = duckdb.connect(str(tmp_path / "data/warehouse/malestokk.duckdb"), read_only=True)
    rows = con.execute(
        "SELECT year, home_value, peer_region, peer_value FROM mart_comparisons WHERE year = 2019 "
        "AND indicator_id = 'kolada.behorighet_yrkesprogram' AND peer_set = 'skr_group'"
    ).fetchall()
    assert rows and rows[0][2] == "G92791"
    members = pl.read_parquet(ROOT / "snapshot/kolada/values.parquet")
    groups = json.loads((ROOT / "snapshot/kolada/municipality_groups.json").read_text())
    ids = next(g for g in groups if g["id"] == "G92791")["members"]
    mean = members.filter(
        pl.col("municipality").is_in([m["member_id"] for m in ids])
        & (pl.col("kpi") == "N15428")
        & (pl.col("period") == 2019)
        & (pl.col("gender") == "T")
    )["value"].mean()
    assert rows[0][3] == pytest.approx(mean)
    # the Swedish home's report is Swedish, credits Kolada, and has no ASSS challenge note
    reports = tmp_path / "data/outputs/reports"
    (pdf,) = reports.glob("arsberetning-*.pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(str(pdf)).pages)
    assert "Årsredovisning" in text and "Huvudresultat" in text and "Källa: Kolada" in text
    for norwegian in (
        "Årsberetning",
        "Hovedfunn",
        "Kilde:",
        "nøytral",
        "ikke nådd",
        "utgave",
        "grunnskole",
        "alle områder",
    ):
        assert norwegian not in text, norwegian
    assert not list(reports.glob("utfordringsnotat-*"))
    # no Norwegian word of the Norwegian outputs in any Swedish page, table or report
    outputs = tmp_path / "data/outputs"
    files = [*outputs.glob("dashboards/*.html"), *outputs.glob("dashboards/*.csv"),
             *outputs.glob("dashboards/*.rank.*.js"), *outputs.glob("reports/*.html")]  # fmt: skip
    assert len(files) > 5
    for path in files:
        text = path.read_text(encoding="utf-8")
        for norwegian in NORWEGIAN_WORDS:
            assert norwegian not in text, (path.name, norwegian)
    # the demo's own figures and målekart were made for Stavanger: none is Haparanda's, and its
    # pages have no empty own-figure sections or målekart link
    assert con.execute(
        "SELECT (SELECT count(*) FROM mart_local__files) + (SELECT count(*) FROM "
        "mart_local__sick_leave) + (SELECT count(*) FROM mart_malekart) + (SELECT count(*) FROM "
        "mart_scorecard) + (SELECT count(*) FROM core_targets)"
    ).fetchone() == (0,)
    overview = (outputs / "dashboards/index.html").read_text(encoding="utf-8")
    assert "malekart.html" not in overview and "sick-chart" not in overview
    assert not (outputs / "dashboards/malekart.html").exists()


def test_a_reader_never_blocks_a_refresh_and_never_sees_half_a_warehouse(
    stavanger: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    published = stavanger / "data/warehouse/malestokk.duckdb"
    before = json.loads((stavanger / "data/warehouse/published.json").read_text())
    reader = duckdb.connect(str(published), read_only=True)
    rows_before = reader.execute("SELECT count(*) FROM core_indicator_values").fetchone()[0]
    assert run_cli(stavanger / "malestokk.toml", monkeypatch, "--full") == 0
    # the open reader still reads its complete warehouse
    assert reader.execute("SELECT count(*) FROM core_indicator_values").fetchone()[0] == rows_before
    reader.close()
    after = json.loads((stavanger / "data/warehouse/published.json").read_text())
    assert after["run_id"] != before["run_id"]
    fresh = duckdb.connect(str(published), read_only=True)
    assert fresh.execute("SELECT count(*) FROM mart_comparisons").fetchone()[0] > 0


def publish_alone(config: Path) -> dg.ExecuteInProcessResult:
    """Materialize only `warehouse_published`, as the UI's Materialize button on it does."""
    return materialize(config, "warehouse_published")


def materialize(config: Path, *names: str) -> dg.ExecuteInProcessResult:
    """Materialize the named assets (with their checks) through Dagster's API, as the UI does."""
    import os

    os.environ["DAGSTER_HOME"] = str(config.parent / "data/dagster_home")
    try:
        defs = build_definitions(load_settings(config, env={}))
        job = defs.resolve_implicit_global_asset_job_def()
        with dg.DagsterInstance.get() as instance:
            return job.execute_in_process(
                instance=instance,
                asset_selection=[dg.AssetKey(n) for n in names],
                raise_on_error=False,
            )
    finally:
        os.environ.pop("DAGSTER_HOME", None)


def failure_text(result: dg.ExecuteInProcessResult) -> str:
    return " ".join(
        e.event_specific_data.error.message
        for e in result.all_events
        if e.event_type_value == "STEP_FAILURE"
    )


def test_a_failed_blocking_check_keeps_the_last_good_warehouse(
    stavanger: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    broken = tmp_path / "snapshot"
    shutil.copytree(ROOT / "snapshot", broken)
    table = broken / "ssb/tables/12134.json.gz"
    with gzip.open(table) as fh:
        ds = json.load(fh)
    ds["status"]["3"] = "X"  # a symbol SSB does not use, on a cell that has a value
    ds["updated"] = "2025-09-01T06:00:00Z"  # a new release, so the refresh fetches it
    with gzip.open(table, "wb") as fh:
        fh.write(json.dumps(ds).encode())
    info = broken / "ssb/tables/12134.info.json"
    info.write_text(
        json.dumps({**json.loads(info.read_text()), "updated": ds["updated"]}), encoding="utf-8"
    )
    config = write_config(stavanger, snapshot=broken)
    published = stavanger / "data/warehouse/malestokk.duckdb"
    record = (stavanger / "data/warehouse/published.json").read_text()
    content = published.read_bytes()
    dashboards = (stavanger / "data/outputs/dashboards/index.html").read_bytes()
    assert run_cli(config, monkeypatch) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert "raw_ssb__kostra_values_schema (blocking check)" in err
    assert "stays published" in err
    # the staging file with the bad row survives the run; publishing it on its own is refused
    result = publish_alone(config)
    assert not result.success
    assert "not published: raw_ssb__kostra_values_schema failed on this staging build" in (
        failure_text(result)
    )
    assert published.read_bytes() == content
    assert (stavanger / "data/warehouse/published.json").read_text() == record
    assert (stavanger / "data/outputs/dashboards/index.html").read_bytes() == dashboards
    # the next refresh, on the good snapshot again, does not trust a build a check failed on:
    # the source answers as the release did, yet everything is rebuilt and checked again
    config = write_config(stavanger)  # leave the module fixture as it was
    capsys.readouterr()
    assert run_cli(config, monkeypatch) == cli.EXIT_OK
    err = capsys.readouterr().err
    assert "the last refresh failed raw_ssb__kostra_values_schema on the staging build" in err
    assert publish_alone(config).success  # the staging build is vouched for again


def test_a_staging_build_changed_after_its_checks_is_not_published(
    stavanger: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(stavanger)
    assert run_cli(config, monkeypatch) == cli.EXIT_OK
    before = json.loads((stavanger / "data/warehouse/published.json").read_text())
    # re-publishing the checked build as it is: allowed, and it is the same data
    again = publish_alone(config)
    assert again.success, failure_text(again)
    # someone edits the staging file after the checks ran
    staging = duckdb.connect(str(stavanger / "data/warehouse/staging.duckdb"))
    staging.execute(
        "UPDATE mart_comparisons SET home_value = home_value + 1 WHERE peer_set = 'asss' "
        "AND year = 2024"
    )
    staging.close()
    result = publish_alone(config)
    assert not result.success
    assert "not published: mart_comparisons changed after" in failure_text(result)
    after = json.loads((stavanger / "data/warehouse/published.json").read_text())
    assert after["run_id"] == again.run_id != before["run_id"]
    # a full refresh rebuilds and checks the data again, and publishes
    assert run_cli(config, monkeypatch) == cli.EXIT_OK


def test_config_error_exits_2_with_one_line(tmp_path: Path, monkeypatch, capsys) -> None:
    config = write_config(tmp_path, home=("NO", "9998"))
    assert run_cli(config, monkeypatch) == cli.EXIT_CONFIG
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "home.municipality" in err and "9998" in err


def test_the_demo_imports_own_figures_and_shows_no_small_unit(stavanger: Path) -> None:
    private = duckdb.connect(str(stavanger / "data/private/local.duckdb"), read_only=True)
    files = dict(private.execute("SELECT file, status FROM files").fetchall())
    assert files["enheter.csv"] == "loaded"
    assert files["sykefravaer_2024_kvartal.csv"] == "partly loaded"
    reasons = {r[0] for r in private.execute("SELECT reason FROM quarantine").fetchall()}
    private.close()
    assert any("unknown unit" in r for r in reasons)
    assert any("outside the scale" in r for r in reasons)
    # raw figures live only in the private store; the warehouse holds the suppressed marts
    con = duckdb.connect(str(stavanger / "data/warehouse/malestokk.duckdb"), read_only=True)
    schemas = {r[0] for r in con.execute("SELECT schema_name FROM duckdb_schemas()").fetchall()}
    assert "local_raw" not in schemas
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert not {"sick_leave", "user_survey", "employee_survey", "quarantine"} & tables
    mode = (stavanger / "data/private/local.duckdb").stat().st_mode & 0o777
    assert mode == 0o600 and (stavanger / "data/private").stat().st_mode & 0o777 == 0o700
    # unit 4002 has 3 employees and 3 respondents: nothing of it is shown, and the rule is named
    small = con.execute(
        "SELECT employees, sick_leave_rate, suppressed_by, suppression_setting, "
        "suppression_threshold FROM mart_local__sick_leave WHERE unit_id = '4002'"
    ).fetchall()
    assert small and all(e is None and r is None for e, r, *_ in small)
    # the rule, its setting and minimum, no count
    assert {tuple(why) for *_, why in [(r[:2], r[2:]) for r in small]} == {
        ("unit_below_minimum", "sick_leave_min_employees", 5)
    }
    # the area total of its service area is hidden, so nothing subtracts to it
    area = con.execute(
        "SELECT DISTINCT suppressed_by, suppression_setting, suppression_threshold, employees "
        "FROM mart_local__sick_leave WHERE level = 'service_area' "
        "AND service_area = 'kommunehelse'"
    ).fetchall()
    assert area == [("area_unit_hidden", "sick_leave_min_employees", 5, None)]
    shown = con.execute(
        "SELECT min(employees) FROM mart_local__sick_leave WHERE suppressed_by IS NULL"
    ).fetchone()[0]
    assert shown >= 5
    hidden_surveys = con.execute(
        "SELECT count(*) FROM mart_local__surveys WHERE unit_id = '4002' AND mean_score IS NULL"
    ).fetchone()[0]
    assert hidden_surveys == 10  # all ten 10-FAKTOR factors


def test_a_failed_great_expectations_suite_stops_the_publish(
    stavanger: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    config = write_config(stavanger)
    catalog = stavanger / "indicators.toml"
    text = catalog.read_text(encoding="utf-8")
    # the snapshot has netto driftsresultat above 1 %: outside this (wrong) range
    catalog.write_text(text.replace("valid_max = 50\n", "valid_max = 1\n", 1), encoding="utf-8")
    published = stavanger / "data/warehouse/malestokk.duckdb"
    content = published.read_bytes()
    assert run_cli(config, monkeypatch) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert "gx_core_indicator_values" in err and "stays published" in err
    assert published.read_bytes() == content
    docs = stavanger / "data/outputs/gx_docs"
    assert (docs / "index.html").exists() and (docs / "core_indicator_values/index.html").exists()
    write_config(stavanger)  # restore the catalog for the other tests


def test_every_table_and_column_is_described_and_the_reference_is_current(
    stavanger: Path,
) -> None:
    from pipelines.storage.schema_docs import render_reference

    con = duckdb.connect(str(stavanger / "data/warehouse/malestokk.duckdb"), read_only=True)
    undescribed_tables = con.execute(
        "SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE database_name = "
        "current_database() AND schema_name = 'main' AND comment IS NULL"
    ).fetchall()
    undescribed_columns = con.execute(
        "SELECT table_name || '.' || column_name FROM duckdb_columns() WHERE database_name = "
        "current_database() AND schema_name = 'main' AND comment IS NULL"
    ).fetchall()
    assert undescribed_tables == [] and undescribed_columns == []
    private = duckdb.connect(str(stavanger / "data/private/local.duckdb"), read_only=True)
    assert (
        private.execute(
            "SELECT table_name || '.' || column_name FROM duckdb_columns() WHERE database_name = "
            "current_database() AND comment IS NULL"
        ).fetchall()
        == []
    )  # the private store is described too
    private.close()
    # docs/schema.md is what `make schema-docs` writes from this warehouse
    assert render_reference(con) == (ROOT / "docs/schema.md").read_text(encoding="utf-8")


def test_a_release_view_shows_the_figures_as_they_stood_then(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """12134 published unrevised on 15 March, Stavanger's and EKG12's 2024 figures revised on
    15 June: the March view holds the March value and the March peer figure."""
    snapshot = tmp_path / "snapshot"
    shutil.copytree(ROOT / "snapshot", snapshot)

    def release(updated: str, change=None) -> None:
        rewrite_table(snapshot, "12134", updated, change)

    release("2025-03-15T07:00:00Z")
    config = write_config(tmp_path, snapshot=snapshot)
    assert run_cli(config, monkeypatch) == cli.EXIT_OK
    march = {r: snapshot_cell("12134", r, "KOSAGD230000", "2024")[0] for r in ("1103", "EKG12")}

    def revise(ds: dict) -> None:
        pos = {d: ds["dimension"][d]["category"]["index"] for d in ds["id"]}
        for region in ("1103", "EKG12"):
            key = {"KOKkommuneregion0000": region, "ContentsCode": "KOSAGD230000", "Tid": "2024"}
            flat = 0
            for dim, size in zip(ds["id"], ds["size"], strict=True):
                flat = flat * size + pos[dim][key[dim]]
            ds["value"][flat] = round(ds["value"][flat] + 0.7, 1)

    release("2025-06-15T06:00:00Z", revise)
    assert run_cli(config, monkeypatch) == cli.EXIT_OK
    con = duckdb.connect(str(tmp_path / "data/warehouse/malestokk.duckdb"), read_only=True)
    rows = {
        release: (home, peer, kind)
        for release, home, peer, kind in con.execute(
            "SELECT release, home_value, peer_value, release_kind FROM mart_comparisons "
            "WHERE indicator_id = 'kostra.netto_driftsresultat' AND peer_set = 'kostra_group' "
            "AND year = 2024"
        ).fetchall()
    }
    assert rows["2025-03-15"] == (march["1103"], march["EKG12"], "unrevised")
    assert rows["latest"] == (round(march["1103"] + 0.7, 1), round(march["EKG12"] + 0.7, 1),
                              "latest")  # fmt: skip
    # the March view covers every indicator the March release had, with its figures then
    covered = con.execute(
        "SELECT count(*) FILTER (WHERE release = 'latest'), "
        "count(*) FILTER (WHERE release = '2025-03-15') FROM mart_comparisons "
        "WHERE home_value IS NOT NULL AND indicator_id IN (SELECT indicator_id FROM "
        "core_catalog__indicators WHERE table_id = '12134')"
    ).fetchone()
    assert covered[0] == covered[1] > 0
    # the other years of 12134 were not revised: the same in both views
    same = con.execute(
        "SELECT count(*) FROM mart_comparisons a JOIN mart_comparisons b USING "
        "(indicator_id, year, peer_set) WHERE a.release = 'latest' AND b.release = '2025-03-15' "
        "AND a.indicator_id = 'kostra.netto_driftsresultat' AND a.year < 2024 "
        "AND a.home_value IS DISTINCT FROM b.home_value"
    ).fetchone()[0]
    assert same == 0


def test_no_published_table_export_or_page_holds_a_small_units_figure(stavanger: Path) -> None:
    """The privacy boundary from the outside: everything a reader can open, scanned for the
    figures of a unit under the thresholds (from the private store, where they are kept)."""
    from openpyxl import load_workbook

    private = duckdb.connect(str(stavanger / "data/private/local.duckdb"), read_only=True)
    hidden_sick = private.sql(
        "SELECT DISTINCT unit_id, period FROM sick_leave WHERE is_current AND employees < 5"
    ).pl()
    hidden_survey = private.sql(
        "SELECT DISTINCT unit_id, year, question FROM (SELECT * FROM user_survey UNION ALL BY "
        "NAME SELECT * FROM employee_survey) WHERE is_current AND respondents < 5"
    ).pl()
    always_hidden = dict(private.execute(
        "SELECT unit_name, unit_id FROM sick_leave WHERE is_current GROUP BY ALL "
        "HAVING max(employees) < 5"
    ).fetchall())  # fmt: skip
    private.close()
    assert hidden_sick.height and hidden_survey.height and always_hidden  # the demo has them

    def leaks(frame: pl.DataFrame) -> int:
        """Rows naming a hidden cell that still carry a figure."""
        count = 0
        # the rule's minimum (suppression_threshold) is the setting, the same on every row: no
        # figure of the unit
        figures = [c for c, t in frame.schema.items() if t.is_numeric()
                   and c not in ("year", "scale_max", "suppression_threshold")]  # fmt: skip
        for hidden in (hidden_sick, hidden_survey):
            keys = [c for c in hidden.columns if c in frame.columns]
            if len(keys) < len(hidden.columns) or not figures:
                continue
            rows = frame.join(hidden.cast({k: frame.schema[k] for k in keys}), on=keys)
            count += rows.filter(pl.any_horizontal(pl.col(figures).is_not_null())).height
        return count

    # 1. every table and column of the published warehouse
    con = duckdb.connect(str(stavanger / "data/warehouse/malestokk.duckdb"), read_only=True)
    tables = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() "
        "WHERE database_name = current_database()"
    ).fetchall()
    assert len(tables) > 20
    checked = 0
    for schema, table in tables:
        frame = con.sql(f'SELECT * FROM "{schema}"."{table}"').pl()
        assert leaks(frame) == 0, table
        checked += "unit_id" in frame.columns
    assert checked >= 2  # the two marts of own figures were among them
    # 2. every Parquet export
    for path in (stavanger / "data/outputs/parquet").glob("*.parquet"):
        assert leaks(pl.read_parquet(path)) == 0, path.name
    # 3. the dashboards' pages, data, CSV and Excel files, and the reports
    outputs = stavanger / "data/outputs"
    for path in [*outputs.glob("dashboards/*"), *outputs.glob("reports/*.html")]:
        if path.suffix in (".html", ".csv", ".js"):
            text = path.read_text(encoding="utf-8")
        elif path.suffix == ".xlsx":
            book = load_workbook(path, read_only=True)
            text = " ".join(str(c) for s in book.worksheets for r in s.iter_rows(values_only=True)
                            for c in r)  # fmt: skip
        else:
            continue
        if path.name.startswith("malekart"):
            continue  # a unit's målekart names it, with its figures hidden: checked below
        assert not any(name in text for name in always_hidden), path.name
    # 4. the målekart page of a unit that is always hidden: every row grey, no figure
    for unit_id in always_hidden.values():
        page = outputs / f"dashboards/malekart-enhet-{unit_id}.html"
        rows = re.findall(r"<tr class='mk-(\w+)'>(.*?)</tr>", page.read_text(encoding="utf-8"))
        assert rows and all(colour == "grey" for colour, _ in rows), unit_id
        assert all("<td class='n'>\u2013</td>" in row for _, row in rows), unit_id


def test_every_published_table_is_an_asset_of_its_own(stavanger: Path) -> None:
    """The UI's lineage shows every table a reader can query: none is written as a side effect
    of another asset, and every asset that is not an output or the publish is a table."""
    defs = build_definitions(load_settings(stavanger / "malestokk.toml", env={}))
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    con = duckdb.connect(str(stavanger / "data/warehouse/malestokk.duckdb"), read_only=True)
    tables = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()
    }
    con.close()
    assert tables - keys == set()
    # the own-figure import writes the private store, outputs write files: not warehouse tables
    assert keys - tables == {"raw_local__imports", "out_dashboards__site", "out_exports__parquet",
                             "out_reports__latest", "out_malekart__dialogue_sheets",
                             "warehouse_published"}  # fmt: skip


def test_a_swedish_home_draws_the_challenge_note_against_its_own_network_in_swedish(
    tmp_path: Path, monkeypatch
) -> None:
    norrbotten = ["2505", "2506", "2510", "2513", "2514", "2518", "2521", "2523", "2560",
                  "2580", "2581", "2582", "2584"]  # fmt: skip
    config = write_config(tmp_path, home=("SE", "2583"), extra=(
        f"[peer_sets.norrbotten]\ncountry = \"SE\"\nmembers = {json.dumps(norrbotten)}\n"
        'label = "Norrbottens kommuner"\n[network]\npeer_set = "norrbotten"\n'
    ))  # fmt: skip
    assert run_cli(config, monkeypatch) == 0
    con = duckdb.connect(str(tmp_path / "data/warehouse/malestokk.duckdb"), read_only=True)
    assert con.execute("SELECT DISTINCT network FROM mart_challenge_note").fetchall() == [
        ("custom:norrbotten",)
    ]
    (note,) = (tmp_path / "data/outputs/reports").glob("utfordringsnotat-*.html")
    text = note.read_text(encoding="utf-8")
    assert "Utmaningsanalys" in text and "Norrbottens kommuner" in text and "Förklaring" in text
    for norwegian in NORWEGIAN_WORDS:
        assert norwegian not in text, norwegian
