"""Imported files: archived with their checksum, replayed in order into versioned tables.

Every file that comes in (by `malestokk import`, the inbox or the demo samples) is copied to
`<data>/local/files/<sha256>/<name>` and listed in `ledger.jsonl`. The warehouse tables are rebuilt
from the ledger on every refresh, so any load can be replayed, the same file imported twice changes
nothing, and a corrected file for the same unit and period becomes the current value while the old
one stays in the history.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from pipelines.sources.local.kinds import KINDS
from pipelines.sources.local.ledger import LocalArchive
from pipelines.sources.local.reader import FileRejected, read_table
from pipelines.sources.local.validate import (
    POLARS_TYPES,
    Parsed,
    detect_kind,
    looks_like_header,
    quarantine_frame,
    validate_file,
)
from pipelines.sources.vintages import merge_release


@dataclass
class FileResult:
    sha256: str
    name: str
    kind: str | None
    imported_at: str
    status: str  # loaded | partly loaded | rejected
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    reason: str | None = None
    reasons: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)  # which sheets were read, the decimal mark
    source: str | None = None  # cli, inbox, or snapshot (the demo's synthetic samples)


@dataclass
class LocalTables:
    tables: dict[str, pl.DataFrame]
    files: list[FileResult]


VALUE_COLUMNS = {
    "units": ["unit_name", "service_area"],
    "sick_leave": ["unit_name", "employees", "contracted_days", "self_certified_days",
                   "doctor_certified_days", "short_term_days", "long_term_days"],
    "user_survey": ["unit_name", "respondents", "mean_score", "scale_max",
                    *[f"andel_{n}" for n in range(1, 7)]],
    "employee_survey": ["unit_name", "respondents", "mean_score", "scale_max",
                        *[f"andel_{n}" for n in range(1, 6)]],
    "survey_plan": ["survey_kind"],
    "own_measure": ["unit_name", "value", "numerator", "denominator", "respondents", "employees"],
}  # fmt: skip


def _kind_of(archive: LocalArchive, entry: dict[str, Any]) -> str | None:
    if entry.get("kind"):
        return entry["kind"]
    try:
        table = read_table(archive.path(entry), looks_like_header, entry["name"])
        return detect_kind(table, None).name
    except Exception:  # unreadable: check_file names the reason when the file is replayed
        return None


def _versioned(parsed: Parsed, entry: dict[str, Any]) -> pl.DataFrame:
    kind = parsed.kind
    columns = [*kind.key, *VALUE_COLUMNS[kind.name]]
    frame = parsed.good
    for column in columns:
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.Float64).alias(column))
    return frame.select(
        *columns,
        pl.lit(entry["imported_at"]).alias("vintage"),
        pl.lit(entry["name"]).alias("file"),
        pl.lit(entry["sha256"]).alias("file_sha256"),
        pl.col("_sheet").alias("sheet"),
        pl.col("_row").alias("row"),
    )


def empty_history(kind_name: str) -> pl.DataFrame:
    """A kind's history table with no rows yet, with the columns it will have."""
    kind = KINDS[kind_name]
    types = {c.name: POLARS_TYPES[c.type] for c in kind.columns}
    schema = {c: types.get(c, pl.Float64) for c in [*kind.key, *VALUE_COLUMNS[kind_name]]}
    schema.update(vintage=pl.String, file=pl.String, file_sha256=pl.String, sheet=pl.String,
                  row=pl.Int64, is_current=pl.Boolean)  # fmt: skip
    return pl.DataFrame(schema=schema)


NOT_REPLAYED = ("rejected", "withdrawn")


def check_file(
    archive: LocalArchive,
    entry: dict[str, Any],
    known_units: set[str],
    previous: dict[str, dict[str, float]] | None = None,
    country: str = "NO",
) -> Parsed | FileRejected:
    """Read and validate one archived file; any failure of the reader is a rejection, so no file
    can stop a refresh (the file is named, the reason given, the refresh goes on)."""
    try:
        return validate_file(
            archive.path(entry), known_units, entry.get("kind"), entry["name"], previous, country
        )
    except FileRejected as exc:
        return exc
    except Exception as exc:  # a reader fault on a hostile file is still only that file's fault
        return FileRejected(entry["name"], f"could not be read ({type(exc).__name__}: {exc})")


def record_outcomes(archive: LocalArchive, results: list[FileResult]) -> None:
    """Give every file checked for the first time its status in the ledger."""
    unchecked = {e["sha256"] for e in archive.entries() if e.get("status") is None}
    for r in results:
        if r.sha256 in unchecked:
            if r.status == "rejected":
                archive.record_status(r.sha256, "rejected", r.reason)
            else:
                archive.record_status(r.sha256, "accepted")


def _previous(histories: dict[str, pl.DataFrame | None]) -> dict[str, dict[str, float]]:
    """What the history rules compare a new file with: each unit's median employees over the
    periods loaded so far (sick leave), and its most employees (employee surveys)."""
    sick = histories.get("sick_leave")
    if sick is None or not sick.height:
        return {}
    current = sick.filter(pl.col("is_current"))
    by_unit = current.group_by("unit_id").agg(
        pl.col("employees").median().alias("median"), pl.col("employees").max().alias("most")
    )
    return {
        "sick_leave": dict(zip(by_unit["unit_id"], by_unit["median"], strict=True)),
        "employee_survey": dict(zip(by_unit["unit_id"], by_unit["most"], strict=True)),
    }


def replay(
    archive: LocalArchive, recheck: set[str] = frozenset(), country: str = "NO"
) -> LocalTables:
    """Every accepted (or not yet checked) file in order, unit lists first, into histories,
    quarantine and a log. Rejected and withdrawn files stay in the archive, not in the tables
    (`recheck`: checksums of rejected files to check again, as `malestokk import` does)."""
    entries = [
        e
        for e in archive.entries()
        if e.get("status") not in NOT_REPLAYED or e["sha256"] in recheck
    ]
    kinds = {e["sha256"]: _kind_of(archive, e) for e in entries}
    ordered = sorted(entries, key=lambda e: (kinds[e["sha256"]] != "units", e["imported_at"]))
    histories: dict[str, pl.DataFrame | None] = dict.fromkeys(KINDS)
    problems = []
    results: list[FileResult] = []
    for entry in ordered:
        known_units: set[str] = set()
        units = histories["units"]
        if units is not None:
            known_units = set(units.filter(pl.col("is_current"))["unit_id"].to_list())
        result = FileResult(entry["sha256"], entry["name"], kinds[entry["sha256"]],
                            entry["imported_at"], "rejected",
                            source=entry.get("source"))  # fmt: skip
        results.append(result)
        parsed = check_file(archive, entry, known_units, _previous(histories), country)
        if isinstance(parsed, FileRejected):
            result.reason = parsed.reason
            continue
        result.kind = parsed.kind.name
        result.notes = parsed.notes
        result.rows_read = parsed.rows_read
        result.rows_loaded = parsed.good.height
        bad_rows = {p.row for p in parsed.problems}
        result.rows_quarantined = len(bad_rows)
        result.reasons = Counter(p.reason for p in parsed.problems)
        result.status = (
            "loaded" if not bad_rows else ("partly loaded" if parsed.good.height else "rejected")
        )
        if not parsed.good.height and bad_rows:
            result.reason = "no row passed the checks"
        problems.extend(
            (entry["name"], entry["sha256"], parsed.kind.name, p) for p in parsed.problems
        )
        if parsed.good.height:
            kind = parsed.kind
            histories[kind.name] = merge_release(
                histories[kind.name], _versioned(parsed, entry), list(kind.key),
                VALUE_COLUMNS[kind.name],
            )  # fmt: skip
    tables = {
        name: frame if frame is not None else empty_history(name)
        for name, frame in histories.items()
    }
    tables["quarantine"] = quarantine_frame(problems)
    tables["files"] = pl.DataFrame(
        [
            {"file_sha256": r.sha256, "file": r.name, "kind": r.kind, "imported_at": r.imported_at,
             "status": r.status, "rows_read": r.rows_read, "rows_loaded": r.rows_loaded,
             "rows_quarantined": r.rows_quarantined, "reason": r.reason,
             "notes": "; ".join(r.notes) or None, "source": r.source}
            for r in results
        ],
        schema={"file_sha256": pl.String, "file": pl.String, "kind": pl.String,
                "imported_at": pl.String, "status": pl.String, "rows_read": pl.Int64,
                "rows_loaded": pl.Int64, "rows_quarantined": pl.Int64, "reason": pl.String,
                "notes": pl.String, "source": pl.String},
    )  # fmt: skip
    return LocalTables(tables, results)


def summary_lines(results: list[FileResult]) -> list[str]:
    """The import summary both the CLI and the asset show."""
    lines = []
    for r in results:
        if r.status == "rejected" and r.rows_read == 0:
            lines.append(f"REJECTED {r.name}: {r.reason}")
            continue
        lines.append(
            f"{r.status:14s} {r.name} ({r.kind}): {r.rows_loaded} rows loaded, "
            f"{r.rows_quarantined} quarantined" + (f" [{'; '.join(r.notes)}]" if r.notes else "")
        )
        for reason, count in r.reasons.most_common():
            lines.append(f"    {count:4d} x {reason}")
    return lines
