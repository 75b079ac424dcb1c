"""Source: the services' answers to the ASSS challenge note, read back from the file
`malestokk utfordringsnotat --import` keeps beside the own figures (a source like them)."""

from pathlib import Path

import dagster as dg

from dashboards.challenge_note import load_answers
from pipelines.resources import LocalDataResource, WarehouseResource
from pipelines.storage.versions import stored_version

ANSWERS_FILE = "challenge_answers.jsonl"


@dg.asset(
    group_name="core",
    kinds={"duckdb"},
    description="The services' explanations from edited challenge notes, per year and indicator "
    "(imported with `malestokk utfordringsnotat --import`; kept in data/local).",
)
def core_challenge_answers(
    local: LocalDataResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    answers = load_answers(Path(local.local_dir) / ANSWERS_FILE)
    rows = warehouse.get().write_table(
        "core_challenge_answers", answers, "Explanations to the ASSS challenge note."
    )
    return dg.MaterializeResult(
        data_version=stored_version(warehouse.get(), "core_challenge_answers"),
        metadata={"answers": rows},
    )
