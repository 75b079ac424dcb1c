from pathlib import Path

import pytest

from pipelines.settings.config import ConfigError, load_settings
from tests.conftest import ROOT, write_config


def test_defaults_and_paths_resolve_next_to_the_config_file(config_file: Path) -> None:
    s = load_settings(config_file, env={})
    assert (s.home_country, s.home_municipality) == ("NO", "1103")
    assert s.data_dir == (config_file.parent / "data").resolve()
    assert s.published_warehouse.name == "malestokk.duckdb"
    assert s.ssb_pxweb_url == "https://data.ssb.no/api/pxwebapi/v2"
    assert s.schedule_timezone == "Europe/Oslo" and s.schedule_cron == "30 5 * * *"


def test_environment_overrides_the_file(config_file: Path) -> None:
    s = load_settings(
        config_file,
        env={
            "MALESTOKK_HOME_COUNTRY": "SE",
            "MALESTOKK_HOME_MUNICIPALITY": "2583",
            "MALESTOKK_KOLADA_URL": "http://127.0.0.1:9/v3/",
        },
    )
    assert s.home_region_key == "SE:2583"
    assert s.kolada_url == "http://127.0.0.1:9/v3"


@pytest.mark.parametrize(
    ("env", "key", "problem"),
    [
        ({"MALESTOKK_HOME_MUNICIPALITY": "9998"}, "home.municipality", "unknown NO municipality"),
        ({"MALESTOKK_HOME_MUNICIPALITY": "110"}, "home.municipality", "4-digit"),
        # 1103 is Stavanger in Norway; Sweden has no 1103.
        (
            {"MALESTOKK_HOME_MUNICIPALITY": "1103", "MALESTOKK_HOME_COUNTRY": "SE"},
            "home.municipality",
            "unknown SE municipality",
        ),
        ({"MALESTOKK_HOME_COUNTRY": "DK"}, "home.country", "NO or SE"),
        ({"MALESTOKK_SSB_PXWEB_URL": "data.ssb.no/api"}, "sources.ssb_pxweb_url", "not an http"),
        ({"MALESTOKK_KOLADA_URL": "ftp://api.kolada.se"}, "sources.kolada_url", "not an http"),
        ({"MALESTOKK_CATALOG": "missing.toml"}, "paths.catalog", "not found"),
        ({"MALESTOKK_SOURCE_MODE": "offline"}, "sources.mode", "'live' or 'snapshot'"),
        ({"MALESTOKK_FIRST_YEAR": "2030"}, "years", "first <= last"),
        ({"MALESTOKK_LAST_YEAR": "soon"}, "years.last", "whole number"),
        ({"MALESTOKK_SSB_API": "v1"}, "sources.ssb_api", "'v2' or 'v0'"),
        ({"MALESTOKK_SSB_CALLS_PER_MINUTE": "0"}, "sources.ssb_calls_per_minute", "between 1"),
        (
            {"MALESTOKK_PRIVACY_SICK_LEAVE_MIN_EMPLOYEES": "0"},
            "privacy.sick_leave_min_employees",
            "between 1 and 1000",
        ),
        ({"MALESTOKK_FULL_REFRESH": "maybe"}, "sources.full_refresh", "true or false"),
    ],
)
def test_a_wrong_value_names_the_key_and_the_problem(
    config_file: Path, env: dict, key: str, problem: str
) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(config_file, env=env)
    message = str(err.value)
    assert err.value.key == key
    assert problem in message
    assert "\n" not in message
    env_name = next(iter(env))
    assert env_name in message  # says where the wrong value came from


def test_unknown_code_in_a_peer_set(tmp_path: Path) -> None:
    config = write_config(
        tmp_path, extra='[peer_sets.x]\ncountry = "NO"\nmembers = ["1103", "0000"]\n'
    )
    with pytest.raises(ConfigError, match=r"peer_sets\.x\.members.*'0000'"):
        load_settings(config, env={})


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml", env={})


@pytest.mark.parametrize(
    ("text", "key", "hint"),
    [
        # the case that ran a Norwegian refresh for a Swedish user: a misspelt key is not ignored
        ('[home]\ncontry = "SE"\nmunicipality = "1103"\n', "home.contry", "'country'"),
        ('[home]\nmunicipality = "1103"\n[sorces]\nmode = "live"\n', "sorces", "'sources'"),
        ('[home]\nmunicipality = "1103"\n[privacy]\nsick_leave_min = 3\n', "privacy."
         "sick_leave_min", "'sick_leave_min_employees'"),
        # a misspelt required key: named as the unknown key it is, not as "required but not set"
        ('[home]\ncountry = "NO"\nmunicipalty = "1103"\n', "home.municipalty", "'municipality'"),
    ],
)  # fmt: skip
def test_an_unknown_key_or_section_is_an_error_naming_the_closest_known_one(
    tmp_path: Path, text: str, key: str, hint: str
) -> None:
    config = tmp_path / "malestokk.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(config, env={})
    assert err.value.key == key
    assert f"did you mean {hint}" in str(err.value)
    assert str(config) in str(err.value) and "\n" not in str(err.value)


def test_command_line_options_win_and_are_named_as_the_origin(config_file: Path) -> None:
    env = {"MALESTOKK_SOURCE_MODE": "live"}
    s = load_settings(config_file, env=env, overrides={"sources.mode": "snapshot"})
    assert s.source_mode == "snapshot"
    with pytest.raises(ConfigError) as err:
        load_settings(config_file, env=env, overrides={"years.last": "soon"})
    assert err.value.origin == "command line (years.last)"


def test_defaults_live_in_the_settings_model_only(config_file: Path) -> None:
    """What a user leaves out reaches the resources from the one place defaults are written."""
    from pipelines.resources import build_resources
    from pipelines.settings.config import SourcesSection

    resources = build_resources(load_settings(config_file, env={}))
    assert resources["ssb"].v0_url == SourcesSection().ssb_v0_url
    assert resources["ssb"].calls_per_window == SourcesSection().ssb_calls_per_minute
    assert resources["kolada"].requests_per_second == SourcesSection().kolada_requests_per_second
    # what is compared reaches the assets as the settings model itself: nothing copied
    assert resources["study"] == load_settings(config_file, env={})
    for name in ("ssb", "kolada", "local"):
        resource = resources[name]
        # no resource field carries a default of its own that could drift from the settings
        own = {"timeout_seconds", "max_attempts", "window_seconds", "lock_wait_seconds"}
        defaulted = [k for k, f in type(resource).model_fields.items()
                     if not f.is_required() and k not in own]  # fmt: skip
        assert defaulted == [], name


def test_a_peer_set_member_written_as_a_number_is_named(tmp_path: Path) -> None:
    config = write_config(tmp_path, extra="[peer_sets.x]\nmembers = [1103]\n")
    with pytest.raises(ConfigError) as err:
        load_settings(config, env={})
    assert err.value.key == "peer_sets.x.members.0" and "must be a string" in str(err.value)


def test_the_code_location_loads_from_another_folder_given_malestokk_config(
    tmp_path: Path,
) -> None:
    """`dagster dev`/`validate` build the definitions when asked, from MALESTOKK_CONFIG."""
    import os
    import subprocess
    import sys

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MALESTOKK_", "DAGSTER_"))}
    command = [sys.executable, "-m", "dagster", "definitions", "validate", "-m",
               "pipelines.definitions"]  # fmt: skip
    ok = subprocess.run(command, cwd=elsewhere, capture_output=True, text=True, timeout=300,
                        env=env | {"MALESTOKK_CONFIG": str(write_config(tmp_path))})  # fmt: skip
    assert ok.returncode == 0, ok.stderr[-2000:]
    assert "Validation successful" in ok.stdout + ok.stderr
    # without a settings file the failure names it, instead of an import-time crash elsewhere
    missing = subprocess.run(command, cwd=elsewhere, capture_output=True, text=True,
                             timeout=300, env=env)  # fmt: skip
    assert missing.returncode != 0 and "MALESTOKK_CONFIG" in missing.stdout + missing.stderr


def test_the_network_names_one_of_the_peer_sets(tmp_path: Path) -> None:
    config = write_config(tmp_path, extra='[network]\npeer_set = "nabo"\n')
    with pytest.raises(
        ConfigError, match=r"network.peer_set .*names no \[peer_sets.\*\] set: 'nabo'"
    ):
        load_settings(config, env={})


def test_each_setting_is_declared_once_with_its_variable_and_help() -> None:
    """The key, its default, its variable and its help live in the model; the variables the
    loader reads and docs/settings.md are made from it (a key added there is documented and
    overridable at once)."""
    from pipelines.settings.config import SettingsFile, env_keys, settings_reference

    keys = env_keys()
    sections = {s for s, _ in keys}
    assert {
        "home",
        "paths",
        "sources",
        "privacy",
        "years",
        "schedule",
        "network",
        "homes",
    } <= sections
    assert len(set(keys.values())) == len(keys)  # one variable per key
    for section in sections:
        model = SettingsFile.model_fields[section].annotation
        for key, field in model.model_fields.items():
            assert (section, key) in keys and field.description, f"{section}.{key}"
    # a variable named in the declaration is the one the loader honours
    settings = load_settings(ROOT / "malestokk.toml", env={"MALESTOKK_FIRST_YEAR": "2019"})
    assert settings.years[0] == 2019
    assert (ROOT / "docs/settings.md").read_text(encoding="utf-8") == settings_reference(), (
        "docs/settings.md is stale: run `malestokk settings-docs`"
    )
