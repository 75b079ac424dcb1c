from pathlib import Path

import pytest

from pipelines.config import ConfigError, load_settings
from tests.conftest import write_config


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
