"""The deployment as an IT department runs it: deploy/compose.yaml with the images
deploy/test/prepare.sh built (the project's, PostgreSQL's and nginx's), refreshed through
Dagster's own API from the bundled snapshot, its homes fanned out, served read-only by nginx,
stopped, started and taken down. The tests run in file order on one stack."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import ROOT

ENV_FILE = ROOT / "data/deploy-test/stack.env"
PROJECT = "malestokk-deploytest"
UI_PORT, WEB_PORT = (
    os.environ.get("DEPLOY_UI_PORT", "13000"),
    os.environ.get("DEPLOY_WEB_PORT", "18080"),
)


def _stack_env() -> dict[str, str]:
    if not ENV_FILE.exists():
        pytest.fail("run `make deploy-test` (deploy/test/prepare.sh builds the images first)")
    values = {}
    for line in ENV_FILE.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        values[key] = value
    return values


STACK = _stack_env()
BUILD = shlex.split(STACK["BUILD"])
ENV = {
    **os.environ,
    "MALESTOKK_IMAGE": STACK["MALESTOKK_IMAGE"],
    "POSTGRES_IMAGE": STACK["POSTGRES_IMAGE"],
    "NGINX_IMAGE": STACK["NGINX_IMAGE"],
    "MALESTOKK_SOURCE_MODE": "snapshot",  # no API needed: the bundled snapshot, replayed
    "MALESTOKK_HOMES": "asss",
    "DAGSTER_UI_PORT": UI_PORT,
    "OUTPUTS_PORT": WEB_PORT,
    "DAGSTER_POSTGRES_PASSWORD": "deploy-test",
}


def compose(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    command = [*STACK["COMPOSE"].split(), "-p", PROJECT, "-f", "deploy/compose.yaml", *args]
    done = subprocess.run(command, cwd=ROOT, env=ENV, capture_output=True, text=True)
    if check and done.returncode:
        pytest.fail(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def health(service: str) -> str:
    container = compose("ps", "-q", service).stdout.strip()
    if not container:
        return "absent"
    return subprocess.run(
        ["docker", "inspect", "--format", "{{if .State.Health}}{{.State.Health.Status}}"
         "{{else}}{{.State.Status}}{{end}}", container],
        capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip


def wait_healthy(services: tuple[str, ...], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = {s: health(s) for s in services}
        if all(v == "healthy" for v in states.values()):
            return
        time.sleep(3)
    pytest.fail(f"not healthy after {timeout:.0f} s: {states}")


def graphql(query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"http://localhost:{UI_PORT}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.load(response)
    assert "errors" not in answer, answer
    return answer["data"]


LAUNCH = """mutation($p: ExecutionParams!) { launchRun(executionParams: $p) { __typename
  ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }"""
RUNS = """query { runsOrError(limit: 50) { ... on Runs { results {
  runId jobName status startTime endTime tags { key value } } } } }"""


def launch(job: str) -> str:
    selector = {"repositoryLocationName": "malestokk", "repositoryName": "__repository__",
                "jobName": job}  # fmt: skip
    answer = graphql(LAUNCH, {"p": {"selector": selector, "runConfigData": {}}})["launchRun"]
    assert answer["__typename"] == "LaunchRunSuccess", answer
    return answer["run"]["runId"]


def runs() -> dict[str, dict]:
    return {r["runId"]: r for r in graphql(RUNS)["runsOrError"]["results"]}


def wait_for(condition, what: str, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(3)
    pytest.fail(f"{what}: not within {timeout:.0f} s; runs: {runs()}")


def get(path: str, method: str = "GET") -> tuple[int, str]:
    request = urllib.request.Request(f"http://localhost:{WEB_PORT}{path}", method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, ""


@pytest.fixture(scope="module")
def stack():
    compose("down", "-v", "--remove-orphans", check=False)  # a clean start
    compose("up", "-d", "--no-build")
    try:
        wait_healthy(("postgresql", "code", "webserver", "outputs"))
        yield
    finally:
        compose("down", "-v", "--remove-orphans", check=False)


def _trust_build(*secret: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*BUILD, "--progress=plain", "--no-cache", "--target", "trust", *secret, "--build-arg",
         f"BASE_IMAGE={STACK['PY_BASE']}", "-f", "deploy/Dockerfile", "-t", "malestokk-trust:test",
         "."],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip


def test_a_build_behind_a_tls_inspecting_proxy_needs_its_ca_and_passes_with_it() -> None:
    without = _trust_build()
    ca = STACK["EXTRA_CA"]
    if without.returncode == 0:
        pytest.skip("this network does not inspect TLS: pip reached PyPI without an extra CA")
    assert "CERTIFICATE_VERIFY_FAILED" in without.stdout + without.stderr
    assert ca, "the build needs a CA bundle: set MALESTOKK_EXTRA_CA"
    with_ca = _trust_build("--secret", f"id=extra_ca,src={ca}")
    assert with_ca.returncode == 0, with_ca.stdout[-3000:] + with_ca.stderr[-3000:]


def test_the_build_context_leaves_out_data_environments_and_keys() -> None:
    """.dockerignore: a local data/ (the private store of unsuppressed own figures) never
    reaches the daemon."""
    canary = ROOT / "data/deploy-test/private-canary.txt"
    canary.write_text("unsuppressed\n", encoding="utf-8")
    dockerfile = (
        f"FROM {STACK['PY_BASE']}\nCOPY . /ctx\n"
        "RUN test -d /ctx/pipelines && test ! -e /ctx/data && test ! -e /ctx/.venv "
        "&& test ! -e /ctx/.git && ! find /ctx -name '*.duckdb' | grep -q .\n"
    )
    built = subprocess.run([*BUILD, "--no-cache", "-f", "-", "."], input=dockerfile, cwd=ROOT,
                           capture_output=True, text=True)  # fmt: skip
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]


def test_the_image_runs_as_its_own_user_with_the_pdfs_font() -> None:
    shown = subprocess.run(
        ["docker", "run", "--rm", STACK["MALESTOKK_IMAGE"], "sh", "-c",
         "id -u; stat -c %U /data; python -c "
         "'from dashboards.fonts import dejavu; print(dejavu().is_file())'"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert shown == ["10001", "malestokk", "True"]


def test_the_webserver_answers(stack) -> None:
    with urllib.request.urlopen(f"http://localhost:{UI_PORT}/server_info", timeout=30) as r:
        info = json.load(r)
    assert info["dagster_version"].startswith("1.13")


def test_a_queued_refresh_publishes_and_a_second_one_waits_for_it(stack) -> None:
    first = launch("full_refresh")
    second = launch("refresh_sources")  # also a refresh: the queue holds it back
    done = wait_for(
        lambda: (r := runs()) and all(r[i]["status"] == "SUCCESS" for i in (first, second)) and r,
        "both refreshes succeed", timeout=480,
    )  # fmt: skip
    assert done[second]["startTime"] >= done[first]["endTime"], (done[first], done[second])
    for run_id in (first, second):
        assert {"key": "malestokk/kind", "value": "refresh"} in done[run_id]["tags"]
    shown = compose("exec", "-T", "code", "cat", "/data/warehouse/published.json").stdout
    published = json.loads(shown)
    assert published["run_id"] == first


def test_the_homes_fan_out_writes_every_selected_home(stack) -> None:
    wait_for(
        lambda: any(r["jobName"] == "write_homes" and r["status"] == "SUCCESS"
                    for r in runs().values()),
        "the homes_after_publish sensor's write_homes run", timeout=420,
    )  # fmt: skip
    status, page = get("/homes/index.html")
    assert status == 200
    assert "12 av 12 kommuner skrevet, 0 feilet." in page
    links = [part.split('"')[0] for part in page.split('href="')[1:]]
    folders = {link.split("/")[0] for link in links}
    assert len(folders) == 12 and "NO-1103" in folders
    for link in links:
        assert get(f"/homes/{link}")[0] == 200, link


def test_nginx_serves_the_release_read_only(stack) -> None:
    status, page = get("/dashboards/index.html")
    assert status == 200 and "Stavanger" in page
    assert get("/homes/index.html", method="PUT")[0] in (403, 405)
    touched = compose("exec", "-T", "outputs", "sh", "-c", "touch /data/x", check=False)
    assert touched.returncode != 0 and "Read-only" in touched.stdout + touched.stderr
    assert get("/../private/local.duckdb")[0] in (400, 403, 404)  # the private store: never


def test_nginx_sends_pages_and_their_data_compressed(stack) -> None:
    """What a browser loads over the network is the compressed page and data script (the
    page-weight target of benchmarks/warehouse.py), byte for byte the published files."""
    import gzip

    for path in ("/dashboards/index.html", "/dashboards/plotly.min.js"):
        request = urllib.request.Request(
            f"http://localhost:{WEB_PORT}{path}", headers={"Accept-Encoding": "gzip"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.headers.get("Content-Encoding") == "gzip", path
            body = gzip.decompress(response.read())
        plain = compose("exec", "-T", "outputs", "cat", f"/data/outputs{path}").stdout
        assert body.decode("utf-8") == plain, path
        assert len(body) > 1024


def test_run_history_is_in_the_postgresql_container(stack) -> None:
    rows = compose("exec", "-T", "postgresql", "psql", "-U", "dagster", "-d", "dagster", "-tAc",
                   "SELECT pipeline_name, status FROM runs").stdout.split()  # fmt: skip
    assert {"full_refresh|SUCCESS", "refresh_sources|SUCCESS", "write_homes|SUCCESS"} <= set(rows)


def test_stopping_and_starting_the_stack_loses_nothing(stack) -> None:
    before_runs = {k: v["status"] for k, v in runs().items()}
    before_page = get("/homes/index.html")
    compose("stop")
    compose("start")
    wait_healthy(("postgresql", "code", "webserver", "outputs"))
    assert {k: v["status"] for k, v in runs().items()} == before_runs
    assert get("/homes/index.html") == before_page


def test_down_leaves_nothing_running(stack) -> None:
    compose("down")
    left = subprocess.run(
        ["docker", "ps", "-q", "--filter", f"label=com.docker.compose.project={PROJECT}"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert left == []
