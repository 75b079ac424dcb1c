"""The municipality's own figures: sick leave, user and employee surveys, survey plan, units."""

from datetime import date
from pathlib import Path

import dagster as dg
import polars as pl

from pipelines.resources import LocalDataResource, WarehouseResource
from pipelines.settings.config import Settings
from pipelines.sources.local.ledger import ingest_folder
from pipelines.sources.local.store import record_outcomes, replay, summary_lines
from pipelines.storage.versions import frames_version
from quality.asset_checks import markdown_table

SCHEMA = "local_raw"  # the name the private store is read by; never a warehouse schema
COMMENTS = {
    "units": "Units and their service areas, as imported (every version; is_current).",
    "sick_leave": "Sick leave per unit and period as imported, NOT suppressed: never show this "
    "table; use mart_local__sick_leave.",
    "user_survey": "User survey results (scale 1-6) as imported, NOT suppressed.",
    "employee_survey": "Employee survey results (scale 1-5) as imported, NOT suppressed.",
    "survey_plan": "Which service runs which survey in which year.",
    "own_measure": "Figures units measure themselves (own målekart measures) as imported, NOT "
    "suppressed: use mart_local__own_measures.",
    "quarantine": "Rejected rows: file, row number, column, value and reason.",
    "files": "Every imported file: checksum, when, status, rows loaded and quarantined.",
}


@dg.asset(
    group_name="local_raw",
    kinds={"duckdb", "polars"},
    description="Imports files dropped in the inbox (and, offline, the demo samples): archives "
    "each with its checksum, validates it (pandera) and loads the good rows into the private "
    "store (data/private/local.duckdb, never published); bad rows go to its quarantine table, "
    "unusable files are listed as rejected.",
)
def raw_local__imports(
    context: dg.AssetExecutionContext,
    local: LocalDataResource,
    warehouse: WarehouseResource,
    study: dg.ResourceParam[Settings],
) -> dg.MaterializeResult:
    archive = local.archive()
    added = 0
    if local.samples_dir:
        added += ingest_folder(archive, Path(local.samples_dir), "snapshot", None)
    inbox = Path(local.inbox_dir)
    added += ingest_folder(archive, inbox, "inbox", inbox / "done" / date.today().isoformat())
    result = replay(archive, country=study.home_country)  # reasons in the home's language
    record_outcomes(archive, result.files)
    for line in summary_lines(result.files):
        context.log.info(line)
    local.private_store().write(result.tables, COMMENTS)
    wh = warehouse.get()
    with wh.build() as con:  # an earlier layout kept the raw figures in the warehouse: not any more
        con.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    files = result.tables["files"]
    quarantine = result.tables["quarantine"]
    by_reason = quarantine.group_by("reason").len().sort("len", descending=True)
    return dg.MaterializeResult(
        data_version=frames_version(result.tables),  # the own-figure ledger as loaded
        metadata={
            "files": files.height,
            "files_added_now": added,
            "files_rejected": files.filter(pl.col("status") == "rejected").height,
            "rows_loaded": int(files["rows_loaded"].sum() or 0),
            "rows_quarantined": int(files["rows_quarantined"].sum() or 0),
            "quarantine_by_reason": dg.MetadataValue.md(markdown_table(by_reason)),
            "summary": dg.MetadataValue.md(
                "\n".join(f"    {line}" for line in summary_lines(result.files))
            ),
        },
    )


@dg.asset_check(
    asset=raw_local__imports,
    blocking=False,
    description="Shows what the import left out: rejected files and quarantined rows (warning).",
)
def raw_local__imports_quarantine(local: LocalDataResource) -> dg.AssetCheckResult:
    store = local.private_store()
    rejected = store.read("SELECT file, reason FROM files WHERE status = 'rejected'")
    quarantined = store.read("SELECT count(*) AS n FROM quarantine")["n"].item()
    rows = store.read(
        'SELECT file, row, "column", reason FROM quarantine ORDER BY file, row LIMIT 50'
    )  # the quarantined cell's value stays private: it may be a small unit's figure
    return dg.AssetCheckResult(
        passed=rejected.is_empty() and rows.is_empty(),
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{rejected.height} file(s) rejected, {quarantined} row(s) quarantined "
        f"(the tables files and quarantine of the private store {store.path})",
        metadata={
            "rejected_files": dg.MetadataValue.md(markdown_table(rejected)),
            "quarantined_rows": dg.MetadataValue.md(markdown_table(rows)),
            "private_store": dg.MetadataValue.path(str(store.path)),
        },
    )
