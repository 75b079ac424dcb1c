"""The annual report and the challenge-note draft for the latest year, rebuilt on every refresh."""

import dagster as dg

from assets.marts.challenge_note import mart_challenge_note
from assets.marts.comparisons import mart_comparisons
from assets.marts.expenditure_need import mart_expenditure_need
from assets.marts.home import mart_home
from assets.marts.kvalitet import mart_kostra_kvalitet
from assets.marts.malekart import mart_malekart, mart_tiltak
from assets.marts.scorecard import mart_scorecard
from dashboards.challenge_note import challenge_note, challenge_note_skipped
from dashboards.data import home
from dashboards.kvalitet import write_worklists
from dashboards.report import annual_report, latest_year
from pipelines.resources import WarehouseResource
from pipelines.storage.build_record import record_output
from pipelines.storage.graph_shape import GraphShape


@dg.asset(
    group_name="outputs",
    kinds={"html", "docx"},
    deps=[
        mart_home,
        mart_comparisons,
        mart_scorecard,
        mart_malekart,
        mart_expenditure_need,
        mart_challenge_note,
        mart_kostra_kvalitet,
        mart_tiltak,
    ],
    description="Årsberetning and utfordringsnotat for the latest year with figures, as HTML "
    "and editable Word files in outputs/reports/, and the KOSTRA quality worklist per service "
    "area in outputs/reports/kvalitetssjekk/.",
)
def out_reports__latest(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    graph_shape: dg.ResourceParam[GraphShape],
) -> dg.MaterializeResult:
    wh = warehouse.get()
    out = wh.releases.outputs_for(context.run.run_id) / "reports"  # published with the run
    with wh.build() as con:
        record_output(
            con, graph_shape, "out_reports__latest", wh.releases.building(context.run.run_id)
        )
        home_info = home(con)
        worklists = write_worklists(con, out / "kvalitetssjekk", home_info)
        year = latest_year(con)
        if year is None:
            return dg.MaterializeResult(metadata={"year": "none: no comparisons"})
        report = annual_report(con, year, out)
        skipped = challenge_note_skipped(con)
        note = None
        if skipped is None:
            try:  # a network without figures that year costs the note, not the annual report
                note = challenge_note(con, year, out)
            except ValueError as exc:
                skipped = str(exc)
        if skipped:
            context.log.warning(f"utfordringsnotat: {skipped}")
    return dg.MaterializeResult(
        metadata={
            "year": year,
            "quality_worklists": len(worklists) // 3,
            "annual_report": dg.MetadataValue.path(str(report.docx)),
            "annual_report_pdf": dg.MetadataValue.path(str(report.pdf)),
            "presentation": dg.MetadataValue.path(str(report.pptx)),
            "challenge_note": dg.MetadataValue.path(str(note.docx))
            if note
            else f"skipped: {skipped}",
        }
    )
