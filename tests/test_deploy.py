"""The production deployment (deploy/): Postgres storage, the run queue, compose and Helm.

A real PostgreSQL (Debian's `postgresql`, which `make test` installs) is started in a temporary
folder. A refresh runs with deploy/dagster.yaml as its instance: its runs, their events and the
schedule's state must be in Postgres, and a second refresh submitted while the first runs must
wait in the queue, not run beside it. The compose file and the Helm values are parsed, and the
instance the chart would render from the values is loaded with Dagster's own loader.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, run_cli, write_config

DEPLOY = ROOT / "deploy"
INITDB = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres() -> Iterator[dict[str, str]]:
    """A PostgreSQL server of its own, trust auth on 127.0.0.1; yields DAGSTER_POSTGRES_*."""
    if not INITDB:
        pytest.skip("Debian's postgresql is not installed (make test installs it with apt-get)")
    bindir = INITDB[-1].parent
    root = Path(tempfile.mkdtemp(prefix="malestokk-pg-"))
    root.chmod(0o755)
    data = root / "data"
    data.mkdir()
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        shutil.chown(data, "postgres", "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    run = lambda *cmd: subprocess.run([*as_postgres, *cmd], check=True, capture_output=True)  # noqa: E731
    run(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "dagster", "-E", "UTF8")
    options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off"
    run(str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(data / "log"), "-w",
        "start")  # fmt: skip
    try:
        subprocess.run(
            [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "dagster",
             "dagster"],
            check=True, capture_output=True,
        )  # fmt: skip
        yield {
            "DAGSTER_POSTGRES_HOST": "127.0.0.1",
            "DAGSTER_POSTGRES_PORT": str(port),
            "DAGSTER_POSTGRES_USER": "dagster",
            "DAGSTER_POSTGRES_PASSWORD": "unused-with-trust",
            "DAGSTER_POSTGRES_DB": "dagster",
        }
    finally:
        subprocess.run(
            [*as_postgres, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


def _sql(pg: dict[str, str], query: str, *args) -> list[tuple]:
    import psycopg2

    con = psycopg2.connect(
        host=pg["DAGSTER_POSTGRES_HOST"], port=int(pg["DAGSTER_POSTGRES_PORT"]),
        user="dagster", dbname="dagster",
    )  # fmt: skip
    try:
        with con.cursor() as cur:
            cur.execute(query, args)
            return cur.fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def deployed(
    postgres: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, dict[str, str]]]:
    """A data folder whose Dagster instance is deploy/dagster.yaml, pointing at the server."""
    tmp = tmp_path_factory.mktemp("deployed")
    config = write_config(tmp)
    home = tmp / "data" / "dagster_home"
    home.mkdir(parents=True)
    shutil.copy(DEPLOY / "dagster.yaml", home / "dagster.yaml")
    env = {**postgres, "DAGSTER_HOME": str(home), "MALESTOKK_CONFIG": str(config),
           "MALESTOKK_SOURCE_MODE": "snapshot"}  # fmt: skip
    mp = pytest.MonkeyPatch()
    try:
        for key, value in postgres.items():
            mp.setenv(key, value)
        yield tmp, env
    finally:
        mp.undo()


def test_the_production_instance_loads_with_postgres_and_the_run_queue(
    deployed: tuple[Path, dict[str, str]],
) -> None:
    import dagster as dg
    from dagster._core.run_coordinator import QueuedRunCoordinator
    from dagster_postgres import (
        PostgresEventLogStorage,
        PostgresRunStorage,
        PostgresScheduleStorage,
    )

    tmp, _ = deployed
    with dg.DagsterInstance.from_config(str(tmp / "data" / "dagster_home")) as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        assert isinstance(instance.schedule_storage, PostgresScheduleStorage)
        coordinator = instance.run_coordinator
        assert isinstance(coordinator, QueuedRunCoordinator)
        limits = {(t["key"], t.get("value")): t["limit"] for t in coordinator.get_run_queue_config()
                  .tag_concurrency_limits}  # fmt: skip
        assert limits[("malestokk/kind", "refresh")] == 1


def test_a_refresh_keeps_its_runs_events_and_schedule_state_in_postgres(
    deployed: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp, env = deployed
    assert run_cli(tmp / "malestokk.toml", monkeypatch) == 0
    # the CLI kept the deployment's instance settings (it rewrites only its own file)
    written = (tmp / "data" / "dagster_home" / "dagster.yaml").read_text(encoding="utf-8")
    assert written == (DEPLOY / "dagster.yaml").read_text(encoding="utf-8")
    pg = {k: v for k, v in env.items() if k.startswith("DAGSTER_POSTGRES")}
    runs = dict(_sql(pg, "SELECT pipeline_name, status FROM runs"))
    assert runs == {"refresh_sources": "SUCCESS", "full_refresh": "SUCCESS"}
    published = _sql(
        pg, "SELECT count(*) FROM event_logs WHERE asset_key = %s AND dagster_event_type = %s",
        '["warehouse_published"]', "ASSET_MATERIALIZATION",
    )  # fmt: skip
    assert published == [(1,)]
    assert _sql(pg, "SELECT count(DISTINCT run_id) FROM event_logs") == [(2,)]

    # switching the nightly schedule on (as the UI's toggle does) is stored in Postgres
    subprocess.run(
        [sys.executable, "-m", "dagster", "schedule", "start", "nightly_refresh",
         "-m", "pipelines.definitions"],
        env={**os.environ, **env}, check=True, capture_output=True, cwd=tmp,
    )  # fmt: skip
    state = _sql(pg, "SELECT instigator_type, status, instigator_body FROM instigators")
    assert [(t, s) for t, s, body in state if '"nightly_refresh"' in body] == [
        ("SCHEDULE", "RUNNING")
    ]


def _runs(pg: dict[str, str]) -> list[tuple]:
    return _sql(
        pg,
        "SELECT run_id, status, start_time, end_time FROM runs "
        "WHERE pipeline_name = 'refresh_sources' ORDER BY create_timestamp",
    )


def test_a_second_refresh_waits_in_the_queue(deployed: tuple[Path, dict[str, str]]) -> None:
    """Two refreshes submitted at once (two users, the schedule and a click): the daemon starts
    the second only after the first has finished."""
    tmp, env = deployed
    pg = {k: v for k, v in env.items() if k.startswith("DAGSTER_POSTGRES")}
    before = {r[0] for r in _runs(pg)}
    run_env = {**os.environ, **env}
    launch = [sys.executable, "-m", "dagster", "job", "launch", "-j", "refresh_sources",
              "-m", "pipelines.definitions"]  # fmt: skip
    for _ in range(2):
        subprocess.run(launch, env=run_env, check=True, capture_output=True, cwd=tmp)
    mine = [r for r in _runs(pg) if r[0] not in before]
    assert [r[1] for r in mine] == ["QUEUED", "QUEUED"]  # nothing runs without the daemon

    daemon = subprocess.Popen(
        [sys.executable, "-m", "dagster._daemon", "run", "-m", "pipelines.definitions"],
        env=run_env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    seen_waiting = False
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            states = {r[0]: r[1] for r in _runs(pg)}
            now = [states[r[0]] for r in mine]
            if "QUEUED" in now and any(s in ("STARTING", "STARTED") for s in now):
                seen_waiting = True
            if all(s in ("SUCCESS", "FAILURE", "CANCELED") for s in now):
                break
            time.sleep(0.5)
    finally:
        os.killpg(daemon.pid, 15)
        daemon.wait(timeout=60)
    done = [r for r in _runs(pg) if r[0] in {m[0] for m in mine}]
    assert [r[1] for r in done] == ["SUCCESS", "SUCCESS"]
    first, second = sorted(done, key=lambda r: r[2])
    assert second[2] >= first[3], "the second refresh started before the first had finished"
    assert seen_waiting


def _chart_instance(values: dict) -> dict:
    """The dagster.yaml Dagster's chart renders from these values (its templates
    helpers/instance/_run-launcher.tpl and _run-coordinator.tpl), storage and queue included."""
    k8s = values["runLauncher"]["config"]["k8sRunLauncher"]
    queue = values["dagsterDaemon"]["runCoordinator"]["config"]["queuedRunCoordinator"]
    return {
        "storage": {"postgres": {"postgres_db": {
            "hostname": "malestokk-postgresql", "port": 5432, "db_name": "dagster",
            "username": values["postgresql"]["postgresqlUsername"],
            "password": {"env": "DAGSTER_PG_PASSWORD"},
        }}},
        "run_coordinator": {
            "module": "dagster.core.run_coordinator", "class": "QueuedRunCoordinator",
            "config": {"max_concurrent_runs": queue["maxConcurrentRuns"],
                       "tag_concurrency_limits": queue["tagConcurrencyLimits"]},
        },
        "run_launcher": {
            "module": "dagster_k8s", "class": "K8sRunLauncher",
            "config": {
                "load_incluster_config": k8s["loadInclusterConfig"],
                "job_namespace": "malestokk",
                "image_pull_policy": k8s["imagePullPolicy"],
                "service_account_name": "malestokk-dagster",
                "dagster_home": "/opt/dagster/dagster_home",
                "instance_config_map": "malestokk-dagster-instance",
                "postgres_password_secret": values["global"]["postgresqlSecretName"],
                "env_config_maps": [c["name"] for c in k8s["envConfigMaps"]],
                "volumes": k8s["volumes"],
                "volume_mounts": k8s["volumeMounts"],
                "run_k8s_config": {"container_config": {
                    "resources": k8s["runK8sConfig"]["containerConfig"]["resources"]}},
            },
        },
    }  # fmt: skip


def test_helm_values_render_an_instance_dagster_accepts(tmp_path: Path) -> None:
    from dagster._config import process_config
    from dagster._core.instance.config import dagster_instance_config
    from dagster_k8s import K8sRunLauncher

    from pipelines.settings.config import env_keys

    values = yaml.safe_load((DEPLOY / "helm" / "values.yaml").read_text(encoding="utf-8"))
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    (deployment,) = values["dagster-user-deployments"]["deployments"]
    assert deployment["dagsterApiGrpcArgs"] == ["--module-name", "pipelines.definitions"]
    # the settings are one ConfigMap, created beside the chart with the data claim
    made = {
        d["kind"]: d
        for d in yaml.safe_load_all((DEPLOY / "helm" / "malestokk.yaml").read_text("utf-8"))
    }
    env = made["ConfigMap"]["data"]
    assert env["MALESTOKK_HOMES_EXECUTOR"] == "k8s" and env["MALESTOKK_DATA_DIR"] == "/data"
    assert made["ConfigMap"]["metadata"]["name"] == "malestokk-env"
    assert set(env) <= {f"MALESTOKK_{v}" for v in env_keys().values()}  # declared settings only
    launcher = values["runLauncher"]["config"]["k8sRunLauncher"]
    # a run pod sees the settings and the volume the code location sees: the same objects
    assert deployment["envConfigMaps"] == launcher["envConfigMaps"] == [{"name": "malestokk-env"}]
    assert deployment["volumes"] == launcher["volumes"]
    assert deployment["volumeMounts"] == launcher["volumeMounts"]
    assert {m["mountPath"] for m in deployment["volumeMounts"]} == {"/data"}
    claim = made["PersistentVolumeClaim"]
    assert (
        claim["metadata"]["name"] == deployment["volumes"][0]["persistentVolumeClaim"]["claimName"]
    )
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]  # every pod mounts it at once

    instance = _chart_instance(values)
    (tmp_path / "dagster.yaml").write_text(yaml.safe_dump(instance), encoding="utf-8")
    loaded, _ = dagster_instance_config(str(tmp_path))  # Dagster's own loader and schema
    launcher = loaded["run_launcher"]
    result = process_config(K8sRunLauncher.config_type(), launcher["config"])
    assert result.success, result.errors
    assert loaded["run_coordinator"]["class"] == "QueuedRunCoordinator"


def test_compose_runs_webserver_daemon_code_and_postgres_on_one_instance() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"postgresql", "code", "webserver", "daemon"} <= set(services)
    workspace = yaml.safe_load((DEPLOY / "workspace.yaml").read_text(encoding="utf-8"))
    (location,) = workspace["load_from"]
    grpc = location["grpc_server"]
    assert grpc["host"] in services  # the webserver and the daemon reach the code service
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert f'"-p", "{grpc["port"]}"' in dockerfile and "pipelines.definitions" in dockerfile
    storage_keys = set(yaml.safe_load((DEPLOY / "dagster.yaml").read_text("utf-8"))["storage"]
                       ["postgres"]["postgres_db"].values().__iter__().__next__())  # fmt: skip
    assert storage_keys == {"env"}
    for name in ("code", "webserver", "daemon"):
        service = services[name]
        env = service["environment"]
        assert env["DAGSTER_POSTGRES_HOST"] == "postgresql"
        assert "data:/data" in service["volumes"]  # one shared data folder
    assert services["outputs"]["volumes"][0].endswith(":ro")  # readers only read
    assert all(
        f"COPY {folder} {folder}" in dockerfile
        for folder in ("pipelines", "assets", "quality", "dashboards", "sql", "snapshot")
    )


def test_the_image_is_built_safe_and_complete() -> None:
    """What the build may never carry, and what the running image needs: the private data
    kept out of the build context, a user of its own, a health check per service, the CA
    secret that lets a build pass a TLS-inspecting proxy (run for real by `make deploy-test`)."""
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {"data/", ".venv/", "*.duckdb", "*.pem", "*.key", ".git/"} <= set(ignored)
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert "USER malestokk" in dockerfile and "chown -R malestokk" in dockerfile
    assert (
        "--mount=type=secret,id=extra_ca" in dockerfile and "update-ca-certificates" in dockerfile
    )
    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))["services"]
    assert all("healthcheck" in s for s in services.values()), [
        n for n, s in services.items() if "healthcheck" not in s
    ]


def test_the_helm_chart_pinned_is_the_dagster_version_locked() -> None:
    """The chart's version follows dagster's: values written for one chart and run on another
    version's code location break quietly, so every place that names it names the locked one."""
    lock = (ROOT / "uv.lock").read_text(encoding="utf-8")
    locked = re.search(r'name = "dagster"\nversion = "([^"]+)"', lock).group(1)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^HELM_CHART_VERSION := (\S+)$", makefile, re.M).group(1) == locked
    values = (DEPLOY / "helm" / "values.yaml").read_text(encoding="utf-8")
    named = set(re.findall(r"--version (\S+)", values)) | set(
        re.findall(r"Helm chart, version (\S+) ", values)
    )
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named |= set(re.findall(r"dagster/dagster --version (\S+) ", readme.replace("\n  ", " ")))
    assert named == {locked}
