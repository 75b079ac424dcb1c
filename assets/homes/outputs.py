"""Per-home outputs: one Dagster partition per home municipality (`NO:1103`), after the publish.

Two ways to run the same work (pipelines/home_outputs.write_home):
- the partitioned asset `home_outputs`: one partition from the UI, a backfill of any of them (with
  Dagster's Kubernetes run launcher, each partition's run is its own pod);
- the job `write_homes`: every selected home in one run, a step per home, fanned out by Dagster's
  multiprocess executor on one machine (or the k8s job executor in a cluster). Each step records
  the partition it wrote, so the UI shows the same partitions either way. A failed home fails
  its own step; the other steps go on.
Both only read the published warehouse: the national build is not run again.
"""

import contextlib
import os

import dagster as dg

from pipelines.domain.home_outputs import (
    HomeFailed,
    Primary,
    homes_folder,
    published_release,
    read_statuses,
    write_home,
    write_index,
)
from pipelines.domain.homes import Home, resolve_homes
from pipelines.resources import PublishedWarehouseResource
from pipelines.settings.config import Settings

HOME_OUTPUTS = dg.AssetKey("home_outputs")
GROUP = "homes"


def primary_of(study: dg.ResourceParam[Settings]) -> Primary:
    network = next((p for p in study.peer_sets if p.name == study.network_peer_set), None)
    return Primary(
        study.home_country,
        study.home_municipality,
        study.network_peer_set,
        tuple(network.members) if network else (),
        network.country if network else None,
    )


def _write_one(
    context, published: PublishedWarehouseResource, study: dg.ResourceParam[Settings], key: str
) -> dict:
    """Write one home and the index; a failed home names its reason in the step's failure."""
    home = Home.from_key(key)
    wh_dir = published.dir
    try:
        status = write_home(wh_dir, home, primary_of(study))
    except HomeFailed as exc:
        _index(wh_dir, study)
        raise dg.Failure(description=str(exc), metadata={"home": key}) from None
    _index(wh_dir, study)
    context.log.info(f"{key} ({status['name']}): written for {status['year']}")
    return status


def _index(wh_dir, study: dg.ResourceParam[Settings]) -> None:
    with contextlib.suppress(HomeFailed):  # nothing published: there is no release to index
        write_index(homes_folder(published_release(wh_dir)), study.home_country)


def _metadata(status: dict) -> dict:
    return {
        "home": status["home"],
        "name": status["name"],
        "year": status["year"],
        "release": status["release"],
        "folder": dg.MetadataValue.path(status["folder"]),
        "challenge_note": status["challenge_note"],
    }


def home_outputs_asset(homes: tuple[Home, ...], after: dg.AssetKey) -> dg.AssetsDefinition:
    @dg.asset(
        key=HOME_OUTPUTS,
        group_name=GROUP,
        kinds={"html", "docx", "parquet"},
        deps=[after],
        partitions_def=dg.StaticPartitionsDefinition([h.key for h in homes]),
        description="One home municipality's dashboards, annual report, challenge note and "
        "Parquet extracts, from the published warehouse, in data/homes/<country>-<code>/ "
        "(beside the release); data/homes/index.html lists every home.",
    )
    def home_outputs(
        context: dg.AssetExecutionContext,
        published: PublishedWarehouseResource,
        study: dg.ResourceParam[Settings],
    ) -> dg.MaterializeResult:
        status = _write_one(context, published, study, context.partition_key)
        return dg.MaterializeResult(metadata=_metadata(status))

    return home_outputs


class WriteHomesConfig(dg.Config):
    only_missing: bool = False  # only homes not yet written into the current release


def homes_executor(kind: str, workers: int) -> dg.ExecutorDefinition:
    """Processes on this machine, or (kind "k8s") one Kubernetes job per home step."""
    if kind == "k8s":
        from dagster_k8s import k8s_job_executor

        return k8s_job_executor.configured({"max_concurrent": workers})
    # a forkserver with Dagster, the definitions and the page and report writers loaded once:
    # a home's step then starts in a fraction of the second a fresh interpreter takes. The
    # libraries the writers import only where they draw (so that the CLI and the code location
    # start without them) are loaded here too: every home draws charts and writes Word, PDF,
    # PowerPoint, Excel and a calendar
    preload = ["pipelines.orchestration.homes_job", "pipelines.definitions",
               "pipelines.domain.home_outputs", "dashboards.site", "dashboards.report",
               "dashboards.challenge_note", "matplotlib.figure", "matplotlib.backends.backend_agg",
               "docx", "pptx", "reportlab.platypus", "reportlab.pdfbase.ttfonts", "xlsxwriter",
               "icalendar"]  # fmt: skip
    return dg.multiprocess_executor.configured(
        {"max_concurrent": workers, "start_method": {"forkserver": {"preload_modules": preload}}}
    )


def write_homes_job(homes: tuple[Home, ...], executor: dg.ExecutorDefinition) -> dg.JobDefinition:
    """Every selected home in one run: one step per home, `workers` at a time."""
    keys = [h.key for h in homes]

    @dg.op(out=dg.DynamicOut(str))
    def homes_to_write(
        context: dg.OpExecutionContext,
        config: WriteHomesConfig,
        published: PublishedWarehouseResource,
    ):
        done = set()
        if config.only_missing:
            outputs = homes_folder(published_release(published.dir))
            done = {s["home"] for s in read_statuses(outputs) if s["status"] == "ok"}
        todo = [k for k in keys if k not in done]
        context.log.info(f"{len(todo)} of {len(keys)} homes to write")
        for key in todo:
            yield dg.DynamicOutput(key, mapping_key=key.replace(":", "_"))

    @dg.op
    def write_home_step(
        context: dg.OpExecutionContext,
        published: PublishedWarehouseResource,
        study: dg.ResourceParam[Settings],
        key: str,
    ) -> None:
        status = _write_one(context, published, study, key)
        context.log_event(
            dg.AssetMaterialization(
                asset_key=HOME_OUTPUTS, partition=key, metadata=_metadata(status)
            )
        )

    @dg.job(
        name="write_homes",
        description="Write the outputs of every selected home from the published warehouse, "
        "one step per home, in parallel (multiprocess executor).",
        executor_def=executor,
        tags={"malestokk/kind": "homes"},
    )
    def write_homes() -> None:
        homes_to_write().map(write_home_step)

    return write_homes


def homes_after_publish_sensor(job: dg.JobDefinition, publish: dg.AssetKey):
    @dg.asset_sensor(
        name="homes_after_publish",
        asset_key=publish,
        job=job,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Writes every selected home's outputs after each publish of the warehouse.",
    )
    def _sensor(context: dg.SensorEvaluationContext, event: dg.EventLogEntry) -> dg.RunRequest:
        return dg.RunRequest(run_key=event.run_id)

    return _sensor


def workers_for(settings: Settings) -> int:
    return settings.homes_workers or os.cpu_count() or 1


def home_definitions(settings: Settings, publish: dg.AssetKey) -> dict:
    """The asset, job and sensor of the per-home outputs; nothing when no homes are selected."""
    homes = resolve_homes(settings) if settings.homes else ()
    if not homes:
        return {"assets": [], "jobs": [], "sensors": []}
    job = write_homes_job(homes, homes_executor(settings.homes_executor, workers_for(settings)))
    return {
        "assets": [home_outputs_asset(homes, publish)],
        "jobs": [job],
        "sensors": [homes_after_publish_sensor(job, publish)],
    }
