# The two commands a new user needs; both install what they need (uv, then the locked packages).
UV_VERSION := 0.13.8
UV := python3 -m uv

.PHONY: demo test lint setup ui bench schema-docs browser postgres deploy-test helm-check

setup:
	@python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet "uv==$(UV_VERSION)"
	@$(UV) sync --frozen --quiet --compile-bytecode
	@# the project's own modules too: where PYTHONDONTWRITEBYTECODE is set, every start would
	@# otherwise compile them again
	@$(UV) run --frozen --no-sync python -m compileall -q assets pipelines quality dashboards >/dev/null

demo: setup  ## build the warehouse offline from the bundled snapshot and draw the charts
	$(UV) run --frozen malestokk refresh --offline

browser:  ## Debian's chromium + chromedriver for the browser tests (installed when missing)
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
		SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium chromium-driver; }

postgres:  ## Debian's PostgreSQL server for the deployment test (installed when missing)
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q postgresql; }

test: setup browser postgres  ## lint and run the whole test suite (no network)
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen pytest -q

deploy-test: setup  ## the deployment end to end in Docker: images, compose, a queued refresh, the homes
	@# Debian's docker.io when missing; images from Debian's archive and PyPI when no registry
	@# gives them (deploy/test/prepare.sh); then tests/deploy/test_stack.py on the running stack
	deploy/test/prepare.sh
	MALESTOKK_DEPLOY_TEST=1 $(UV) run --frozen pytest -q tests/deploy

HELM_CHART_VERSION := 1.13.27
helm-check:  ## the Helm values through the pinned chart's own schema (needs helm and the chart repo)
	@command -v helm >/dev/null || { echo "helm-check: helm is not installed (https://helm.sh/docs/intro/install/)"; exit 2; }
	helm repo add dagster https://dagster-io.github.io/helm --force-update >/dev/null
	@# helm template validates the merged values against the chart's values.schema.json
	helm template malestokk dagster/dagster --version $(HELM_CHART_VERSION) \
		-f deploy/helm/values.yaml >/dev/null && echo "helm-check: values valid for dagster/dagster $(HELM_CHART_VERSION)"

ui: setup  ## the Dagster UI with a persistent DAGSTER_HOME under the data folder
	$(UV) run --frozen malestokk ui --offline

SIZES ?= 1,4
# HOMES_ARGS=--skip-all leaves out the 647 homes of benchmarks/homes.py (they take minutes)
HOMES_ARGS ?=
bench: setup  ## print the benchmark figures (fresh processes, medians); SIZES=1,4 national scale
	$(UV) run --frozen --group bench python benchmarks/refresh.py
	$(UV) run --frozen --group bench python benchmarks/ssb.py
	$(UV) run --frozen --group bench python benchmarks/kolada.py
	$(UV) run --frozen --group bench python benchmarks/homes.py $(HOMES_ARGS)
	$(UV) run --frozen --group bench python benchmarks/warehouse.py --sizes $(SIZES)

schema-docs: setup  ## regenerate docs/schema.md from the published demo warehouse
	$(UV) run --frozen malestokk schema-docs --out docs/schema.md
