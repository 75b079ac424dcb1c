"""The user's settings: one TOML file, overridden by MALESTOKK_* variables and command-line options.

The file's shape and every default live in the pydantic models below, once. Settings are read only
when asked (`load_settings`), never at import, and a wrong value stops the program with one line
that names the key, where the value came from, and the problem, before any request is made or any
file is written. An unknown key or section is an error naming the closest known one: a misspelt
`contry = "SE"` must not silently run the refresh for the Norwegian municipality with that number.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlparse

from pydantic import AfterValidator, BaseModel, Field, ValidationError, model_validator

from pipelines.domain.regions import is_known_municipality, resolve_home
from pipelines.settings.model_rules import FileModel, Text, between, one_of, problem, unknown_key

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


# ---- the file's shape: every key, its type, its default and its rule, in one place -------------


def _http_url(value: str) -> str:
    parsed = urlparse(value.strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError(f"is not an http(s) URL: {value!r}")
    return value.strip().rstrip("/")


Url = Annotated[str, AfterValidator(_http_url)]


def setting(default: object = ..., *, env: str, help: str, **more: object):
    """One key of the file: its default, its environment variable (MALESTOKK_<env>) and what it
    is for, declared together. The variables, `docs/settings.md` and the resources all come
    from these declarations."""
    return Field(default, description=help, json_schema_extra={"env": env}, **more)  # type: ignore[call-overload]


class HomeSection(FileModel):
    country: Annotated[Text, one_of("NO", "SE", upper=True)] = setting(
        "NO", env="HOME_COUNTRY", help="NO or SE: the country whose codes `municipality` is in."
    )
    municipality: Text = setting(
        env="HOME_MUNICIPALITY",
        help="The home municipality's 4-digit code (an older Norwegian number is followed to "
        "today's when it was only renumbered).",
    )


class PathsSection(FileModel):
    data_dir: Text = setting("data", env="DATA_DIR", help="Where everything is written.")
    catalog: Text = setting("indicators.toml", env="CATALOG", help="The indicator catalog.")
    targets: Text = setting(
        "malekart.csv", env="TARGETS",
        help="The målekart (an unset key also finds an older targets.csv).",
    )  # fmt: skip
    expenditure_need: Text = setting(
        "utgiftsbehov.csv", env="EXPENDITURE_NEED",
        help="The expenditure-need index (Grønt hefte, tabell C).",
    )  # fmt: skip
    snapshot_dir: Text = setting(
        "snapshot", env="SNAPSHOT_DIR", help="The offline snapshot `--offline` replays."
    )
    tiltak: Text = setting(
        "tiltak.csv", env="TILTAK",
        help="Tiltak against målekart rows (a list; sheets read back with `malestokk tiltak les`).",
    )  # fmt: skip
    arshjul: Text = setting(
        "arshjul.csv", env="ARSHJUL",
        help="The KOSTRA year (årshjul): release days, deadlines, meetings, who answers for each.",
    )  # fmt: skip


class SourcesSection(FileModel):
    mode: Annotated[Text, one_of("live", "snapshot")] = setting(
        "snapshot", env="SOURCE_MODE", help="live: the APIs; snapshot: the bundled recording."
    )
    ssb_pxweb_url: Url = setting(
        "https://data.ssb.no/api/pxwebapi/v2", env="SSB_PXWEB_URL", help="SSB's PxWebApi v2."
    )
    ssb_klass_url: Url = setting(
        "https://data.ssb.no/api/klass/v1", env="SSB_KLASS_URL", help="SSB's KLASS API."
    )
    kolada_url: Url = setting("https://api.kolada.se/v3", env="KOLADA_URL", help="Kolada's API.")
    ssb_api: Annotated[Text, one_of("v2", "v0")] = setting(
        "v2", env="SSB_API", help="v2, or v0 to fall back to SSB's older API."
    )
    ssb_v0_url: Url = setting(
        "https://data.ssb.no/api/v0", env="SSB_V0_URL", help="SSB's v0 API (the fallback)."
    )
    ssb_calls_per_minute: Annotated[int, between(1, 600)] = setting(
        30, env="SSB_CALLS_PER_MINUTE", help="SSB's rate limit (SSB allows 30 a minute)."
    )
    kolada_requests_per_second: Annotated[int, between(1, 50)] = setting(
        5, env="KOLADA_REQUESTS_PER_SECOND", help="How fast Kolada is asked."
    )
    full_refresh: bool = setting(
        False, env="FULL_REFRESH", help="Fetch every table again (`--full`)."
    )
    retry_backoff_seconds: Annotated[float, between(0, 300, "a number of seconds ")] = setting(
        1.0, env="RETRY_BACKOFF_SECONDS",
        help="First wait after a failed request; doubles each try.",
    )  # fmt: skip


class PrivacySection(FileModel):
    sick_leave_min_employees: Annotated[int, between(1, 1000)] = setting(
        5, env="PRIVACY_SICK_LEAVE_MIN_EMPLOYEES",
        help="A unit with fewer employees shows no sick-leave or own figure.",
    )  # fmt: skip
    survey_min_respondents: Annotated[int, between(1, 1000)] = setting(
        5, env="PRIVACY_SURVEY_MIN_RESPONDENTS",
        help="A survey result with fewer respondents is not shown.",
    )  # fmt: skip


class YearsSection(FileModel):
    first: int = setting(2017, env="FIRST_YEAR", help="The first year compared.")
    last: int = setting(2024, env="LAST_YEAR", help="The last year compared.")

    @model_validator(mode="after")
    def _ordered(self) -> YearsSection:
        if not 1990 <= self.first <= self.last <= 2100:
            raise ValueError(f"need 1990 <= first <= last, got {self.first}..{self.last}")
        return self


class ScheduleSection(FileModel):
    cron: Text = setting("30 5 * * *", env="SCHEDULE_CRON", help="The nightly refresh (cron).")
    timezone: Text = setting(
        "Europe/Oslo", env="SCHEDULE_TIMEZONE", help="The schedule's time zone."
    )

    @model_validator(mode="after")
    def _five_fields(self) -> ScheduleSection:
        if len(self.cron.split()) != 5:
            raise ValueError(f"cron must have five fields, got {self.cron!r}")
        return self


class PeerSetSection(FileModel):
    country: Annotated[Text, one_of("NO", "SE", upper=True)] = "NO"
    members: list[str]
    label: str | None = None


class NetworkSection(FileModel):
    peer_set: Text | None = setting(
        None, env="NETWORK_PEER_SET",
        help="The benchmarking network whose challenge note the home answers: ASSS for its "
        "members by default; any other home may name one of its own peer sets.",
    )  # fmt: skip


class HomesSection(FileModel):
    select: list[str] = setting(
        env="HOMES", default_factory=list,
        help="More homes whose outputs one refresh writes: codes, asss, fylke:46, lan:25, "
        "skr:<Kolada group>, a [peer_sets.*] name, all (comma-separated in the variable).",
    )  # fmt: skip
    workers: Annotated[int, between(0, 256)] = setting(
        0, env="HOMES_WORKERS", help="Homes written at once; 0: one per core."
    )
    executor: Annotated[Text, one_of("multiprocess", "k8s")] = setting(
        "multiprocess", env="HOMES_EXECUTOR",
        help="How the write_homes job fans out: processes here, or one pod per home (k8s).",
    )  # fmt: skip


class SettingsFile(FileModel):
    """malestokk.toml as written: sections and keys, with their defaults."""

    home: HomeSection
    paths: PathsSection = PathsSection()
    sources: SourcesSection = SourcesSection()
    privacy: PrivacySection = PrivacySection()
    years: YearsSection = YearsSection()
    schedule: ScheduleSection = ScheduleSection()
    network: NetworkSection = NetworkSection()
    homes: HomesSection = HomesSection()
    peer_sets: dict[str, PeerSetSection] = Field(default_factory=dict)


# ---- what the program uses: resolved paths, checked codes ----------------------------------------


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
    peer_sets: tuple[PeerSet, ...]
    schedule_cron: str
    schedule_timezone: str
    ssb_api: str
    ssb_v0_url: str
    ssb_calls_per_minute: int
    kolada_requests_per_second: int
    full_refresh: bool
    retry_backoff_seconds: float
    sick_leave_min_employees: int
    survey_min_respondents: int
    targets_file: Path | None  # None: no scorecard yet, the scorecard mart is empty
    expenditure_need_file: Path | None  # None: no index, the need-adjusted mart is empty
    arshjul_file: Path | None  # None: no årshjul file, only the målekart's dated rows
    tiltak_file: Path | None  # None: no list; tiltak only from read-back sheets
    network_peer_set: str | None  # [network] peer_set: the home's own network, when it has one
    notices: tuple[str, ...]  # one line each, printed by the CLI (e.g. an old code mapped)
    homes: tuple[str, ...] = ()  # [homes] select, as written (pipelines/domain/homes.py)
    homes_workers: int = 0  # [homes] workers: 0 means one per core
    homes_executor: str = "multiprocess"  # [homes] executor: multiprocess or k8s

    @property
    def home_region_key(self) -> str:
        return f"{self.home_country}:{self.home_municipality}"

    @property
    def first_year(self) -> int:
        return self.years[0]

    @property
    def last_year(self) -> int:
        return self.years[1]

    @property
    def study_years(self) -> list[int]:
        """Every year compared, first to last."""
        return list(range(self.years[0], self.years[1] + 1))

    def catalog(self):
        """The indicator catalog the settings name (pipelines/settings/catalog.py)."""
        from pipelines.settings.catalog import load_catalog

        return load_catalog(self.catalog_file)

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
    def on_demand_dir(self) -> Path:
        """Where commands outside a refresh write (report, utfordringsnotat, dashboard): a
        folder of their own per home, never a published release (those never change)."""
        return self.data_dir / "on-demand" / f"{self.home_country}-{self.home_municipality}"

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


def _sections() -> dict[str, type[BaseModel]]:
    return {
        name: field.annotation
        for name, field in SettingsFile.model_fields.items()
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)
    }


def env_keys() -> dict[tuple[str, str], str]:
    """(section, key) -> the variable's suffix (MALESTOKK_<suffix>), from the declarations."""
    return {
        (section, key): str((field.json_schema_extra or {})["env"])  # type: ignore[index]
        for section, model in _sections().items()
        for key, field in model.model_fields.items()
    }


def settings_reference() -> str:
    """docs/settings.md: every key with its default, its variable and what it is for."""
    lines = [
        "# Settings",
        "",
        "Generated from the declarations in `pipelines/settings/config.py`",
        "(`malestokk settings-docs`).",
        "Each key goes in `malestokk.toml` under its section; the variable overrides the file,",
        "a command-line option (`--offline`, `--full`, `--homes`) overrides both.",
        "",
        "| Key | Default | Variable | What it is for |",
        "|---|---|---|---|",
    ]
    for section, model in _sections().items():
        for key, field in model.model_fields.items():
            if field.is_required():
                shown = "(required)"
            else:
                default = field.get_default(call_default_factory=True)
                shown = "(not set)" if default is None else f"`{json.dumps(default)}`"
            env = f"`{ENV_PREFIX}{(field.json_schema_extra or {})['env']}`"  # type: ignore[index]
            lines.append(f"| `{section}.{key}` | {shown} | {env} | {field.description} |")
    lines += [
        "",
        "`[peer_sets.<name>]` sections (`country`, `members`, `label`) name your own peer sets;",
        f"`{ENV_PREFIX}CONFIG` names another settings file.",
        "",
    ]
    return "\n".join(lines)


_ENV_KEYS = env_keys()


def _known_keys(loc: tuple) -> list[str]:
    """The keys allowed beside the unknown one at `loc` (its parent's fields)."""
    model: type[BaseModel] = SettingsFile
    for part in loc[:-1]:
        if model is SettingsFile and part == "peer_sets":
            model = PeerSetSection
            continue
        field = model.model_fields.get(str(part))
        annotation = field.annotation if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            break
        model = annotation
    return list(model.model_fields)


def _first_error(exc: ValidationError, origins: dict[tuple, str], file: str) -> ConfigError:
    errors = exc.errors(include_url=False)
    # a misspelt key is both unknown and a required key missing: the unknown one, with the key it
    # resembles, says what to fix ("municipalty": did you mean 'municipality'?)
    error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = tuple(str(p) for p in error["loc"])
    key = ".".join(loc) or "config file"
    origin = origins.get(loc, file)
    if error["type"] == "extra_forbidden":
        what = "section" if len(loc) == 1 else "key"
        known = _known_keys(loc)
        return ConfigError(
            key, f"{unknown_key(loc[-1], known, what)} (known: {', '.join(known)})", origin
        )
    if loc == ("years",):
        origin = "; ".join(sorted({origins.get(("years", k), file) for k in ("first", "last")}))
    return ConfigError(key, problem(error), origin)


def _read_file(config_path: Path) -> dict:
    if not config_path.is_file():
        raise ConfigError("config file", f"not found: {config_path}", "MALESTOKK_CONFIG")
    try:
        return tomllib.loads(config_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("config file", f"is not valid TOML: {exc}", str(config_path)) from exc


def _layer(
    data: dict, values: dict[tuple[str, str], object], origin_of, origins: dict[tuple, str]
) -> None:
    """Put `values` over the file's, remembering where each came from."""
    for (section, key), value in values.items():
        sect = data.setdefault(section, {})
        if not isinstance(sect, dict):
            raise ConfigError(section, "must be a table", origins.get((section,), "config file"))
        sect[key] = value
        origins[(section, key)] = origin_of(section, key)


DEMO_TARGETS = Path(__file__).resolve().parents[2] / "malekart.csv"
DEMO_MANIFEST = Path(__file__).resolve().parents[2] / "snapshot" / "manifest.toml"


def _demo_targets_elsewhere(targets_file: Path, home: str) -> str | None:
    """The bundled demo målekart is Stavanger's (its units are the demo's): another home given it
    unchanged gets no målekart, and a notice, rather than Stavanger's targets under its name."""
    if not (targets_file.is_file() and DEMO_TARGETS.is_file() and DEMO_MANIFEST.is_file()):
        return None
    if targets_file.read_bytes() != DEMO_TARGETS.read_bytes():
        return None  # the municipality's own (or an edited copy): theirs
    made_for = tomllib.loads(DEMO_MANIFEST.read_text("utf-8")).get("local", {}).get("home")
    if made_for in (None, home):
        return None
    return (
        f"målekart: {targets_file} is the demo's målekart, made for {made_for}; it is not used "
        f"for {home} (write the municipality's own and name it in [paths] targets)"
    )


def _resolve(base: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (base / path)


def _peer_sets(file: SettingsFile, origin: str) -> tuple[PeerSet, ...]:
    sets: list[PeerSet] = []
    for name, spec in file.peer_sets.items():
        key = f"peer_sets.{name}.members"
        if not spec.members:
            raise ConfigError(key, "must be a non-empty list of codes", origin)
        for code in spec.members:
            if not is_known_municipality(spec.country, code):
                raise ConfigError(key, f"unknown {spec.country} municipality code {code!r}", origin)
        if len(set(spec.members)) != len(spec.members):
            raise ConfigError(key, "lists a municipality twice", origin)
        sets.append(PeerSet(name, spec.country, tuple(spec.members), spec.label or name))  # type: ignore[arg-type]
    return tuple(sets)


def _network(file: SettingsFile, origin: str) -> str | None:
    name = file.network.peer_set
    if name is not None and name not in file.peer_sets:
        known = ", ".join(sorted(file.peer_sets)) or "none defined"
        raise ConfigError(
            "network.peer_set", f"names no [peer_sets.*] set: {name!r} (sets: {known})", origin
        )
    return name


def load_settings(
    config_file: Path | str | None = None,
    env: dict[str, str] | None = None,
    overrides: dict[str, object] | None = None,
) -> Settings:
    """Read and validate the settings; raise ConfigError naming the first wrong key.

    Precedence: command-line `overrides` ({"sources.mode": "snapshot"}), then MALESTOKK_*
    variables in `env` (the process environment when None), then the file, then the defaults.
    """
    env = dict(os.environ if env is None else env)
    if config_file is None:
        config_file = env.get(ENV_PREFIX + "CONFIG", DEFAULT_CONFIG_FILE)
    config_path = Path(config_file).expanduser().resolve()
    file_origin = str(config_path)
    data = _read_file(config_path)
    origins: dict[tuple, str] = {}
    for section, value in data.items():
        origins[(section,)] = file_origin
        if isinstance(value, dict):
            for key in value:
                origins[(section, key)] = file_origin
    from_env = {
        pair: env[ENV_PREFIX + suffix]
        for pair, suffix in _ENV_KEYS.items()
        if ENV_PREFIX + suffix in env
    }
    if ("homes", "select") in from_env:  # a list in the file, comma-separated in a variable
        from_env[("homes", "select")] = str(from_env[("homes", "select")]).split(",")
    _layer(data, from_env, lambda s, k: f"environment {ENV_PREFIX}{_ENV_KEYS[(s, k)]}", origins)
    from_cli = {tuple(name.split(".", 1)): value for name, value in (overrides or {}).items()}
    _layer(data, from_cli, lambda s, k: f"command line ({s}.{k})", origins)  # type: ignore[arg-type]
    try:
        file = SettingsFile.model_validate(data)
    except ValidationError as exc:
        raise _first_error(exc, origins, file_origin) from None
    return _resolved(file, config_path, origins)


def _resolved(file: SettingsFile, config_path: Path, origins: dict[tuple, str]) -> Settings:
    """Check what needs the filesystem or the code lists, and make paths absolute."""
    base = config_path.parent

    def origin(section: str, key: str) -> str:
        return origins.get((section, key), "default")

    home = file.home
    if not re.fullmatch(r"\d{4}", home.municipality):
        raise ConfigError(
            "home.municipality",
            f"must be a 4-digit municipality code, got {home.municipality!r}",
            origin("home", "municipality"),
        )
    if not is_known_municipality(home.country, home.municipality):
        raise ConfigError(
            "home.municipality",
            f"unknown {home.country} municipality code {home.municipality!r}",
            origin("home", "municipality"),
        )
    try:
        municipality, notice = resolve_home(home.country, home.municipality)
    except ValueError as exc:
        raise ConfigError("home.municipality", str(exc), origin("home", "municipality")) from None

    paths = file.paths
    catalog_file = _resolve(base, paths.catalog)
    if not catalog_file.is_file():
        where = origin("paths", "catalog")
        raise ConfigError("paths.catalog", f"indicator catalog not found: {catalog_file}", where)
    targets_file = _resolve(base, paths.targets)
    if not targets_file.is_file() and ("paths", "targets") not in origins:
        targets_file = base / "targets.csv"  # the scorecard's name before the målekart
    demo_notice = _demo_targets_elsewhere(targets_file, f"{home.country}:{municipality}")
    # not this home's: no målekart rather than another's
    has_targets = targets_file.is_file() and not demo_notice
    need_file = _resolve(base, paths.expenditure_need)
    arshjul_file = _resolve(base, paths.arshjul)
    tiltak_file = _resolve(base, paths.tiltak)
    snapshot_dir = _resolve(base, paths.snapshot_dir)
    sources = file.sources
    if sources.mode == "snapshot" and not snapshot_dir.is_dir():
        raise ConfigError(
            "paths.snapshot_dir",
            f"snapshot folder not found: {snapshot_dir}",
            origin("paths", "snapshot_dir"),
        )
    return Settings(
        config_file=config_path,
        home_country=home.country,  # type: ignore[arg-type]
        home_municipality=municipality,
        data_dir=_resolve(base, paths.data_dir).resolve(),
        catalog_file=catalog_file,
        snapshot_dir=snapshot_dir,
        source_mode=sources.mode,  # type: ignore[arg-type]
        ssb_pxweb_url=sources.ssb_pxweb_url,
        ssb_klass_url=sources.ssb_klass_url,
        kolada_url=sources.kolada_url,
        years=(file.years.first, file.years.last),
        peer_sets=_peer_sets(file, str(config_path)),
        schedule_cron=file.schedule.cron,
        schedule_timezone=file.schedule.timezone,
        ssb_api=sources.ssb_api,
        ssb_v0_url=sources.ssb_v0_url,
        ssb_calls_per_minute=sources.ssb_calls_per_minute,
        kolada_requests_per_second=sources.kolada_requests_per_second,
        full_refresh=sources.full_refresh,
        retry_backoff_seconds=sources.retry_backoff_seconds,
        sick_leave_min_employees=file.privacy.sick_leave_min_employees,
        survey_min_respondents=file.privacy.survey_min_respondents,
        targets_file=targets_file if has_targets else None,
        expenditure_need_file=need_file if need_file.is_file() else None,
        arshjul_file=arshjul_file if _arshjul_for(arshjul_file, home.country) else None,
        # the demo's tiltak are Stavanger's units: not another home's
        tiltak_file=tiltak_file if tiltak_file.is_file() and has_targets else None,
        network_peer_set=_network(file, origin("network", "peer_set")),
        notices=tuple(n for n in (notice, demo_notice) if n),
        homes=_homes(file, origin("homes", "select")),
        homes_workers=file.homes.workers,
        homes_executor=file.homes.executor,
    )


DEMO_ARSHJUL = Path(__file__).resolve().parents[2] / "arshjul.csv"


def _arshjul_for(path: Path, country: str) -> bool:
    """The bundled årshjul is the Norwegian KOSTRA year (SSB's release days, KS's note): a
    Swedish home uses one only when it writes its own."""
    if not path.is_file():
        return False
    if country == "SE" and DEMO_ARSHJUL.is_file():
        return path.read_bytes() != DEMO_ARSHJUL.read_bytes()
    return True


def _homes(file: SettingsFile, origin: str) -> tuple[str, ...]:
    """The [homes] selection, each item checked for its form (what it names is resolved by
    pipelines/domain/homes.py, which knows the code lists and the peer sets)."""
    from pipelines.domain.homes import check_item

    items: list[str] = []
    for raw in file.homes.select:
        for item in (part.strip() for part in str(raw).split(",")):
            if not item:
                continue
            problem = check_item(item, file.home.country, set(file.peer_sets))
            if problem:
                raise ConfigError("homes.select", problem, origin)
            items.append(item)
    return tuple(dict.fromkeys(items))
