"""The user's settings: one TOML file, overridden by MALESTOKK_* environment variables.

Every setting is validated when it is read, so a wrong value stops the program with one line that
names the key and the problem, before any request is made or any file is written.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from pipelines.regions import is_known_municipality, resolve_home

DEFAULT_CONFIG_FILE = "malestokk.toml"
ENV_PREFIX = "MALESTOKK_"

SourceMode = Literal["live", "snapshot"]
Country = Literal["NO", "SE"]


class ConfigError(ValueError):
    """A setting is missing or wrong; the message names the key."""

    def __init__(self, key: str, problem: str, origin: str) -> None:
        self.key = key
        self.problem = problem
        self.origin = origin
        super().__init__(f"config error: {key} ({origin}): {problem}")


@dataclass(frozen=True)
class PeerSet:
    """A user-defined set of municipalities to compare with."""

    name: str
    country: Country
    members: tuple[str, ...]
    label: str


@dataclass(frozen=True)
class Settings:
    config_file: Path
    home_country: Country
    home_municipality: str
    data_dir: Path
    catalog_file: Path
    snapshot_dir: Path
    source_mode: SourceMode
    ssb_pxweb_url: str
    ssb_klass_url: str
    kolada_url: str
    years: tuple[int, int]
    peer_sets: tuple[PeerSet, ...] = field(default=())
    schedule_cron: str = "30 5 * * *"
    schedule_timezone: str = "Europe/Oslo"
    ssb_api: str = "v2"
    ssb_v0_url: str = "https://data.ssb.no/api/v0"
    ssb_calls_per_minute: int = 30
    kolada_requests_per_second: int = 5
    full_refresh: bool = False
    retry_backoff_seconds: float = 1.0  # first wait after a failed request; doubles each try
    sick_leave_min_employees: int = 5
    survey_min_respondents: int = 5
    targets_file: Path | None = None
    expenditure_need_file: Path | None = None
    notices: tuple[str, ...] = ()  # one line each, printed by the CLI (e.g. an old code mapped)

    @property
    def home_region_key(self) -> str:
        return f"{self.home_country}:{self.home_municipality}"

    @property
    def warehouse_dir(self) -> Path:
        return self.data_dir / "warehouse"

    @property
    def published_warehouse(self) -> Path:
        return self.warehouse_dir / "malestokk.duckdb"

    @property
    def outputs_dir(self) -> Path:
        return self.data_dir / "outputs"

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def local_dir(self) -> Path:
        return self.data_dir / "local"

    @property
    def private_dir(self) -> Path:
        """The municipality's own unsuppressed figures: outside every folder that is shared."""
        return self.data_dir / "private"

    @property
    def inbox_dir(self) -> Path:
        return self.data_dir / "inbox"

    @property
    def dagster_home(self) -> Path:
        return self.data_dir / "dagster_home"


# (section, key) -> environment variable suffix; the env name is MALESTOKK_<SUFFIX>.
_ENV_KEYS: dict[tuple[str, str], str] = {
    ("home", "country"): "HOME_COUNTRY",
    ("home", "municipality"): "HOME_MUNICIPALITY",
    ("paths", "data_dir"): "DATA_DIR",
    ("paths", "catalog"): "CATALOG",
    ("paths", "targets"): "TARGETS",
    ("paths", "expenditure_need"): "EXPENDITURE_NEED",
    ("paths", "snapshot_dir"): "SNAPSHOT_DIR",
    ("sources", "mode"): "SOURCE_MODE",
    ("sources", "ssb_pxweb_url"): "SSB_PXWEB_URL",
    ("sources", "ssb_klass_url"): "SSB_KLASS_URL",
    ("sources", "kolada_url"): "KOLADA_URL",
    ("sources", "ssb_api"): "SSB_API",
    ("sources", "ssb_v0_url"): "SSB_V0_URL",
    ("sources", "ssb_calls_per_minute"): "SSB_CALLS_PER_MINUTE",
    ("sources", "kolada_requests_per_second"): "KOLADA_REQUESTS_PER_SECOND",
    ("sources", "full_refresh"): "FULL_REFRESH",
    ("sources", "retry_backoff_seconds"): "RETRY_BACKOFF_SECONDS",
    ("privacy", "sick_leave_min_employees"): "PRIVACY_SICK_LEAVE_MIN_EMPLOYEES",
    ("privacy", "survey_min_respondents"): "PRIVACY_SURVEY_MIN_RESPONDENTS",
    ("years", "first"): "FIRST_YEAR",
    ("years", "last"): "LAST_YEAR",
    ("schedule", "cron"): "SCHEDULE_CRON",
    ("schedule", "timezone"): "SCHEDULE_TIMEZONE",
}

_DEFAULTS: dict[tuple[str, str], object] = {
    ("home", "country"): "NO",
    ("paths", "data_dir"): "data",
    ("paths", "catalog"): "indicators.toml",
    ("paths", "targets"): "targets.csv",
    ("paths", "expenditure_need"): "utgiftsbehov.csv",
    ("paths", "snapshot_dir"): "snapshot",
    ("sources", "mode"): "snapshot",
    ("sources", "ssb_pxweb_url"): "https://data.ssb.no/api/pxwebapi/v2",
    ("sources", "ssb_klass_url"): "https://data.ssb.no/api/klass/v1",
    ("sources", "kolada_url"): "https://api.kolada.se/v3",
    ("sources", "ssb_api"): "v2",
    ("sources", "ssb_v0_url"): "https://data.ssb.no/api/v0",
    ("sources", "ssb_calls_per_minute"): 30,
    ("sources", "kolada_requests_per_second"): 5,
    ("sources", "full_refresh"): False,
    ("sources", "retry_backoff_seconds"): 1.0,
    ("privacy", "sick_leave_min_employees"): 5,
    ("privacy", "survey_min_respondents"): 5,
    ("years", "first"): 2017,
    ("years", "last"): 2024,
    ("schedule", "cron"): "30 5 * * *",
    ("schedule", "timezone"): "Europe/Oslo",
}


class _Reader:
    """Looks a key up in the environment first, then the file, then the defaults."""

    def __init__(self, data: dict, config_file: Path, env: dict[str, str]) -> None:
        self.data = data
        self.config_file = config_file
        self.env = env

    def get(self, section: str, key: str) -> tuple[object, str]:
        env_name = ENV_PREFIX + _ENV_KEYS[(section, key)]
        if env_name in self.env:
            return self.env[env_name], f"environment {env_name}"
        sect = self.data.get(section, {})
        if not isinstance(sect, dict):
            raise ConfigError(section, "must be a table", str(self.config_file))
        if key in sect:
            return sect[key], str(self.config_file)
        if (section, key) in _DEFAULTS:
            return _DEFAULTS[(section, key)], "default"
        raise ConfigError(f"{section}.{key}", "is required but not set", str(self.config_file))

    def text(self, section: str, key: str) -> tuple[str, str]:
        value, origin = self.get(section, key)
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{section}.{key}", "must be a non-empty string", origin)
        return value.strip(), origin

    def integer(self, section: str, key: str) -> tuple[int, str]:
        value, origin = self.get(section, key)
        try:
            return int(value), origin  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ConfigError(
                f"{section}.{key}", f"must be a whole number, got {value!r}", origin
            ) from None


def _check_url(key: str, url: str, origin: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(key, f"is not an http(s) URL: {url!r}", origin)
    return url.rstrip("/")


def _resolve(base: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (base / path)


def _peer_sets(raw: object, origin: str) -> tuple[PeerSet, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise ConfigError("peer_sets", "must be a table of named sets", origin)
    sets: list[PeerSet] = []
    for name, spec in raw.items():
        key = f"peer_sets.{name}"
        if not isinstance(spec, dict):
            raise ConfigError(key, "must be a table with country and members", origin)
        country = spec.get("country", "NO")
        if country not in ("NO", "SE"):
            raise ConfigError(f"{key}.country", f"must be NO or SE, got {country!r}", origin)
        members = spec.get("members")
        if not isinstance(members, list) or not members:
            raise ConfigError(f"{key}.members", "must be a non-empty list of codes", origin)
        for code in members:
            if not isinstance(code, str) or not is_known_municipality(country, code):
                raise ConfigError(
                    f"{key}.members", f"unknown {country} municipality code {code!r}", origin
                )
        if len(set(members)) != len(members):
            raise ConfigError(f"{key}.members", "lists a municipality twice", origin)
        sets.append(PeerSet(name, country, tuple(members), str(spec.get("label", name))))
    return tuple(sets)


def load_settings(
    config_file: Path | str | None = None, env: dict[str, str] | None = None
) -> Settings:
    """Read and validate the settings; raise ConfigError naming the first wrong key."""
    env = dict(os.environ if env is None else env)
    if config_file is None:
        config_file = env.get(ENV_PREFIX + "CONFIG", DEFAULT_CONFIG_FILE)
    config_path = Path(config_file).expanduser().resolve()
    if not config_path.is_file():
        raise ConfigError("config file", f"not found: {config_path}", "MALESTOKK_CONFIG")
    try:
        data = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("config file", f"is not valid TOML: {exc}", str(config_path)) from exc
    base = config_path.parent
    reader = _Reader(data, config_path, env)

    country, origin = reader.text("home", "country")
    country = country.upper()
    if country not in ("NO", "SE"):
        raise ConfigError("home.country", f"must be NO or SE, got {country!r}", origin)
    municipality, origin = reader.text("home", "municipality")
    if not re.fullmatch(r"\d{4}", municipality):
        raise ConfigError(
            "home.municipality",
            f"must be a 4-digit municipality code, got {municipality!r}",
            origin,
        )
    if not is_known_municipality(country, municipality):
        raise ConfigError(
            "home.municipality", f"unknown {country} municipality code {municipality!r}", origin
        )
    try:
        municipality, notice = resolve_home(country, municipality)
    except ValueError as exc:
        raise ConfigError("home.municipality", str(exc), origin) from None

    data_dir_text, _ = reader.text("paths", "data_dir")
    catalog_text, origin = reader.text("paths", "catalog")
    catalog_file = _resolve(base, catalog_text)
    if not catalog_file.is_file():
        raise ConfigError("paths.catalog", f"indicator catalog not found: {catalog_file}", origin)
    targets_text, origin = reader.text("paths", "targets")
    targets_file = _resolve(base, targets_text)
    if not targets_file.is_file():
        targets_file = None  # no scorecard yet: the scorecard mart is empty
    need_text, origin = reader.text("paths", "expenditure_need")
    need_file = _resolve(base, need_text)
    if not need_file.is_file():
        need_file = None  # no index: the need-adjusted mart is empty
    snapshot_text, snap_origin = reader.text("paths", "snapshot_dir")

    mode, origin = reader.text("sources", "mode")
    if mode not in ("live", "snapshot"):
        raise ConfigError("sources.mode", f"must be 'live' or 'snapshot', got {mode!r}", origin)
    snapshot_dir = _resolve(base, snapshot_text)
    if mode == "snapshot" and not snapshot_dir.is_dir():
        raise ConfigError(
            "paths.snapshot_dir", f"snapshot folder not found: {snapshot_dir}", snap_origin
        )

    urls = {}
    for key in ("ssb_pxweb_url", "ssb_klass_url", "kolada_url", "ssb_v0_url"):
        value, origin = reader.text("sources", key)
        urls[key] = _check_url(f"sources.{key}", value, origin)
    ssb_api, origin = reader.text("sources", "ssb_api")
    if ssb_api not in ("v2", "v0"):
        raise ConfigError("sources.ssb_api", f"must be 'v2' or 'v0', got {ssb_api!r}", origin)
    rates = {}
    for key, top in (("ssb_calls_per_minute", 600), ("kolada_requests_per_second", 50)):
        value, origin = reader.integer("sources", key)
        if not 1 <= value <= top:
            raise ConfigError(f"sources.{key}", f"must be between 1 and {top}, got {value}", origin)
        rates[key] = value

    backoff_value, origin = reader.get("sources", "retry_backoff_seconds")
    try:
        backoff = float(backoff_value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        backoff = -1.0
    if not 0 <= backoff <= 300:
        raise ConfigError(
            "sources.retry_backoff_seconds",
            f"must be a number of seconds between 0 and 300, got {backoff_value!r}",
            origin,
        )

    first, origin_first = reader.integer("years", "first")
    last, origin_last = reader.integer("years", "last")
    if not 1990 <= first <= last <= 2100:
        origins = origin_first if origin_first == origin_last else f"{origin_first}; {origin_last}"
        raise ConfigError("years", f"need 1990 <= first <= last, got {first}..{last}", origins)

    full_value, origin = reader.get("sources", "full_refresh")
    full_text = str(full_value).strip().lower()
    if full_text not in ("true", "false", "1", "0", "yes", "no"):
        raise ConfigError(
            "sources.full_refresh", f"must be true or false, got {full_value!r}", origin
        )
    full_refresh = full_text in ("true", "1", "yes")

    privacy = {}
    for key in ("sick_leave_min_employees", "survey_min_respondents"):
        value, origin = reader.integer("privacy", key)
        if not 1 <= value <= 1000:
            raise ConfigError(f"privacy.{key}", f"must be between 1 and 1000, got {value}", origin)
        privacy[key] = value

    cron, origin = reader.text("schedule", "cron")
    if len(cron.split()) != 5:
        raise ConfigError("schedule.cron", f"must have five cron fields, got {cron!r}", origin)
    timezone, _ = reader.text("schedule", "timezone")

    return Settings(
        config_file=config_path,
        home_country=country,  # type: ignore[arg-type]
        home_municipality=municipality,
        data_dir=_resolve(base, data_dir_text).resolve(),
        catalog_file=catalog_file,
        snapshot_dir=snapshot_dir,
        source_mode=mode,  # type: ignore[arg-type]
        ssb_pxweb_url=urls["ssb_pxweb_url"],
        ssb_klass_url=urls["ssb_klass_url"],
        kolada_url=urls["kolada_url"],
        years=(first, last),
        peer_sets=_peer_sets(data.get("peer_sets"), str(config_path)),
        schedule_cron=cron,
        schedule_timezone=timezone,
        ssb_api=ssb_api,
        ssb_v0_url=urls["ssb_v0_url"],
        ssb_calls_per_minute=rates["ssb_calls_per_minute"],
        kolada_requests_per_second=rates["kolada_requests_per_second"],
        full_refresh=full_refresh,
        retry_backoff_seconds=backoff,
        sick_leave_min_employees=privacy["sick_leave_min_employees"],
        survey_min_respondents=privacy["survey_min_respondents"],
        targets_file=targets_file,
        expenditure_need_file=need_file,
        notices=(notice,) if notice else (),
    )
