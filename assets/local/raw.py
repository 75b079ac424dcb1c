"""The municipality's own figures: sick leave, user and employee surveys, survey plan, units."""

from datetime import date
from pathlib import Path

import dagster as dg
import polars as pl

from pipelines.local.store import ingest_folder, record_outcomes, replay, summary_lines
from pipelines.resources import LocalDataResource, WarehouseResource
from quality.asset_checks import markdown_table

SCHEMA = "local_raw"  # imported figures stay apart from what is shown (privacy)
COMMENTS = {
    "units": "Units and their service areas, as imported (every version; is_current).",
    "sick_leave": "Sick leave per unit and period as imported, NOT suppressed: never show this "
    "table; use mart_local__sick_leave.",
    "user_survey": "User survey results (scale 1-6) as imported, NOT suppressed.",
    "employee_survey": "Employee survey results (scale 1-5) as imported, NOT suppressed.",
    "survey_plan": "Which service runs which survey in which year.",
    "quarantine": "Rejected rows: file, row number, column, value and reason.",
    "files": "Every imported file: checksum, when, status, rows loaded and quarantined.",
}


@dg.asset(
    group_name="local_raw",
    kinds={"duckdb", "polars"},
    description="Imports files dropped in the inbox (and, offline, the demo samples): archives "
    "each with its checksum, validates it (pandera) and loads good rows into the local_raw "
    "schema; bad rows go to local_raw.quarantine, unusable files are listed as rejected.",
)
def raw_local__imports(
    context: dg.AssetExecutionContext, local: LocalDataResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    archive = local.archive()
    added = 0
    if local.samples_dir:
        added += ingest_folder(archive, Path(local.samples_dir), "snapshot", None)
    inbox = Path(local.inbox_dir)
    added += ingest_folder(archive, inbox, "inbox", inbox / "done" / date.today().isoformat())
    result = replay(archive)
    record_outcomes(archive, result.files)
    for line in summary_lines(result.files):
        context.log.info(line)
    wh = warehouse.get()
    with wh.build() as con:
        for name, frame in result.tables.items():
            wh.replace_table(con, f"{SCHEMA}.{name}", frame, COMMENTS[name])
    files = result.tables["files"]
    quarantine = result.tables["quarantine"]
    by_reason = quarantine.group_by("reason").len().sort("len", descending=True)
    return dg.MaterializeResult(
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
        }
    )


@dg.asset_check(
    asset=raw_local__imports,
    blocking=False,
    description="Shows what the import left out: rejected files and quarantined rows (warning).",
)
def raw_local__imports_quarantine(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.get().build() as con:
        rejected = con.sql(
            f"SELECT file, reason FROM {SCHEMA}.files WHERE status = 'rejected'"
        ).pl()
        rows = con.sql(
            f'SELECT file, row, "column", value, reason FROM {SCHEMA}.quarantine '
            "ORDER BY file, row LIMIT 50"
        ).pl()
    with warehouse.get().build() as con:
        quarantined = con.execute(f"SELECT count(*) FROM {SCHEMA}.quarantine").fetchone()[0]
    return dg.AssetCheckResult(
        passed=rejected.is_empty() and rows.is_empty(),
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{rejected.height} file(s) rejected, {quarantined} row(s) quarantined "
        f"(see {SCHEMA}.files and {SCHEMA}.quarantine)",
        metadata={
            "rejected_files": dg.MetadataValue.md(markdown_table(rejected)),
            "quarantined_rows": dg.MetadataValue.md(markdown_table(rows)),
        },
    )
