"""`malestokk refresh --homes ...`: after the national warehouse is published (or found
unchanged), write every selected home's outputs with the `write_homes` job, in parallel worker
processes (Dagster's multiprocess executor), and say which homes were written and which failed."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from pipelines.domain.home_outputs import homes_folder, published_release, read_statuses
from pipelines.domain.homes import resolve_homes
from pipelines.settings.config import Settings


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """Set for the worker processes started meanwhile; the caller's environment is restored."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def worker_environment(settings: Settings) -> dict[str, str]:
    """What a worker process needs to load the same settings as this command."""
    return {
        "MALESTOKK_CONFIG": str(settings.config_file),
        "MALESTOKK_SOURCE_MODE": settings.source_mode,
        "MALESTOKK_HOMES": ",".join(settings.homes),
        "MALESTOKK_HOMES_WORKERS": str(settings.homes_workers),
    }


def _fresh_forkserver() -> None:
    """The workers get the settings through the environment, and a forkserver keeps the
    environment it was started with: one started for other settings earlier in this process (a
    notebook, a test session) must not be reused, or its workers write another data folder."""
    from multiprocessing import forkserver

    stop = getattr(forkserver._forkserver, "_stop", None)  # the standard library's own reset
    if stop is not None:
        stop()


def run_homes(settings: Settings, instance: dg.DagsterInstance, run_config: dict,
              only_missing: bool) -> tuple[int, list[dict]]:  # fmt: skip
    """Run `write_homes`; return (homes written, statuses of the homes that failed)."""
    from pipelines.orchestration.homes_job import write_homes_job

    _fresh_forkserver()
    homes = {h.key for h in resolve_homes(settings)}
    config = {
        **run_config,
        "ops": {"homes_to_write": {"config": {"only_missing": only_missing}}},
    }
    with (
        _environment(worker_environment(settings)),
        dg.execute_job(
            dg.reconstructable(write_homes_job), instance=instance, run_config=config
        ) as result,
    ):
        run_id = result.run_id
    statuses = [s for s in read_statuses(homes_folder(published_release(settings.warehouse_dir)))
                if s["home"] in homes]  # fmt: skip
    failed = [s for s in statuses if s["status"] != "ok"]
    ok = sum(1 for s in statuses if s["status"] == "ok")
    outputs = settings.data_dir / "homes"
    print(
        f"homes: {ok} of {len(homes)} written, {len(failed)} failed (run {run_id[:8]}); "
        f"index: {outputs / 'index.html'}",
        file=sys.stderr,
    )
    for s in failed:
        print(f"  {s['home']} ({s['name']}): {s.get('reason', 'failed')}", file=sys.stderr)
    return ok, failed
