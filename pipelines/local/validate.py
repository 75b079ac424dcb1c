"""Turn a read file into good rows and quarantined rows, each problem named by row and column.

Whole-file problems (no known kind, a required column missing, two columns meaning the same)
reject the file. Cell problems (text in a number, a bad period) and rule breaches found by the
pandera schemas (ranges, absence above contracted days, unknown unit, duplicate keys) quarantine
only the rows concerned; every other row loads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandera.errors
import polars as pl

from pipelines.local.kinds import KINDS, NAME_HINTS, Kind, fold
from pipelines.local.reader import FileRejected, RawTable, read_table
from quality.local_schemas import schema_for

ALL_ALIASES = {alias: kind for kind in KINDS.values() for c in kind.columns for alias in c.aliases}
QUARANTINE_SCHEMA = {
    "file": pl.String,
    "file_sha256": pl.String,
    "kind": pl.String,
    "row": pl.Int64,
    "column": pl.String,
    "value": pl.String,
    "reason": pl.String,
}


def looks_like_header(cells: list[str]) -> bool:
    return sum(1 for c in cells if fold(c) in ALL_ALIASES) >= 2


@dataclass
class Problem:
    row: int
    column: str
    value: str
    reason: str


@dataclass
class Parsed:
    file: str
    kind: Kind
    good: pl.DataFrame  # canonical columns + `_row`
    problems: list[Problem] = field(default_factory=list)
    rows_read: int = 0
    encoding: str = ""
    ignored_columns: list[str] = field(default_factory=list)


# --- values -------------------------------------------------------------------------------------


def parse_number(text: str) -> float:
    """'1 234,5', '1.234,5', '12,5', '12.5' -> float; anything else raises ValueError."""
    s = text.replace("\u00a0", "").replace(" ", "")
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?", s):
        s = s.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"-?\d+,\d+", s):
        s = s.replace(",", ".")
    elif re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", s):
        s = s.replace(",", "")
    if not re.fullmatch(r"-?\d+(\.\d+)?", s):
        raise ValueError(f"not a number: {text!r}")
    return float(s)


def parse_int(text: str) -> int:
    value = parse_number(text)
    if not value.is_integer():
        raise ValueError(f"not a whole number: {text!r}")
    return int(value)


QUARTER = {"1": "K1", "2": "K2", "3": "K3", "4": "K4"}


def parse_period(text: str) -> str:
    """Month -> '2024M03', quarter -> '2024K1' (accepts 2024-03, 03.2024, 2024Q1, K1 2024 ...)."""
    s = text.strip().upper().replace(" ", "")
    patterns = [
        (r"(\d{4})[-M/](\d{1,2})", lambda y, m: f"{y}M{int(m):02d}" if 1 <= int(m) <= 12 else None),
        (r"(\d{1,2})[./-](\d{4})", lambda m, y: f"{y}M{int(m):02d}" if 1 <= int(m) <= 12 else None),
        (r"(\d{4})-?[KQ]([1-4])", lambda y, q: f"{y}K{q}"),
        (r"[KQ]([1-4])[-/]?(\d{4})", lambda q, y: f"{y}K{q}"),
        (r"([1-4])\.?KVARTAL(\d{4})", lambda q, y: f"{y}K{q}"),
    ]
    for pattern, build in patterns:
        match = re.fullmatch(pattern, s)
        if match:
            result = build(*match.groups())
            if result and 1990 <= int(result[:4]) <= 2100:
                return result
    raise ValueError(f"not a month or quarter: {text!r} (use e.g. 2024-03 or 2024K1)")


def parse_year(text: str) -> int:
    s = text.strip()
    if not re.fullmatch(r"\d{4}", s) or not 1990 <= int(s) <= 2100:
        raise ValueError(f"not a year: {text!r}")
    return int(s)


PARSERS = {
    "text": str,
    "int": parse_int,
    "number": parse_number,
    "period": parse_period,
    "year": parse_year,
}
POLARS_TYPES = {
    "text": pl.String,
    "int": pl.Int64,
    "number": pl.Float64,
    "period": pl.String,
    "year": pl.Int32,
}


# --- kind and columns ---------------------------------------------------------------------------


def detect_kind(table: RawTable, given: str | None) -> Kind:
    if given:
        if given not in KINDS:
            raise FileRejected(table.file, f"unknown kind {given!r}; use one of {', '.join(KINDS)}")
        return KINDS[given]
    folded = {fold(h) for h in table.header}
    scores = []
    for kind in KINDS.values():
        required = [c for c in kind.columns if c.required]
        found = sum(1 for c in required if folded & set(c.aliases))
        scores.append((found / len(required), found, kind))
    best = max(s[0] for s in scores)
    if best < 0.5:
        raise FileRejected(
            table.file,
            "unknown format: the header does not match any kind "
            f"({', '.join(KINDS)}); headers were {', '.join(table.header)}",
        )
    top = [s for s in scores if s[0] == best]
    top = [s for s in top if s[1] == max(t[1] for t in top)]
    if len(top) == 1:
        return top[0][2]
    name = fold(Path(table.file).stem)
    hinted = [s[2] for s in top if any(h in name for h in NAME_HINTS.get(s[2].name, ()))]
    if len(hinted) == 1:
        return hinted[0]
    raise FileRejected(
        table.file,
        f"cannot tell which kind this is ({' or '.join(s[2].name for s in top)}); "
        "give it with --kind or put e.g. 'bruker' or 'medarbeider' in the file name",
    )


def map_columns(table: RawTable, kind: Kind) -> tuple[dict[str, int], list[str]]:
    """Canonical column -> position in the row; also the headers that were ignored."""
    positions: dict[str, int] = {}
    extras = set(kind.extra_columns)
    ignored = []
    for i, header in enumerate(table.header):
        key = fold(header)
        column = next((c for c in kind.columns if key in c.aliases), None)
        name = column.name if column else (key if key in extras else None)
        if name is None:
            if header:
                ignored.append(header)
            continue
        if name in positions:
            first = table.header[positions[name]]
            raise FileRejected(
                table.file,
                f"columns '{first}' and '{header}' both mean {name}; keep one",
            )
        positions[name] = i
    missing = [c for c in kind.columns if c.required and c.name not in positions]
    if missing:
        names = "; ".join(f"{c.name} (e.g. '{c.aliases[0]}')" for c in missing)
        raise FileRejected(
            table.file,
            f"missing required column(s) for {kind.name}: {names} "
            f"(header on row {table.header_row})",
        )
    return positions, ignored


# --- rows ---------------------------------------------------------------------------------------


def parse_rows(table: RawTable, kind: Kind, positions: dict[str, int]) -> Parsed:
    header_of = {name: table.header[i] for name, i in positions.items()}
    records: list[dict] = []
    problems: list[Problem] = []
    for row_number, cells in table.rows:
        record: dict = {"_row": row_number}
        bad = False
        for name, position in positions.items():
            column = kind.column(name) if name not in kind.extra_columns else None
            text = cells[position] if position < len(cells) else ""
            if text == "":
                if column is not None and column.required:
                    problems.append(Problem(row_number, header_of[name], "", "missing value"))
                    bad = True
                record[name] = None
                continue
            parser = PARSERS[column.type] if column else parse_number
            try:
                record[name] = parser(text)
            except ValueError as exc:
                problems.append(Problem(row_number, header_of[name], text, str(exc)))
                bad = True
        if not bad:
            records.append(record)
    schema = {"_row": pl.Int64}
    for name in positions:
        column = kind.column(name) if name not in kind.extra_columns else None
        schema[name] = POLARS_TYPES[column.type] if column else pl.Float64
    for column in kind.columns:
        schema.setdefault(column.name, POLARS_TYPES[column.type])
    good = pl.DataFrame(records, schema=schema)
    return Parsed(table.file, kind, good, problems, rows_read=len(table.rows))


def apply_rules(parsed: Parsed, known_units: set[str], header_of: dict[str, str]) -> Parsed:
    """Run the kind's pandera schema; rows it fails go to quarantine with the check's reason."""
    kind = parsed.kind
    frame = parsed.good
    if kind.scale is not None:
        frame = frame.with_columns(pl.col("scale_max").fill_null(kind.scale))
    schema = schema_for(kind, known_units)
    try:
        schema.validate(frame, lazy=True)
        parsed.good = frame
        return parsed
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        if not isinstance(cases, pl.DataFrame):
            cases = pl.from_pandas(cases)
    failing: set[int] = set()
    for case in cases.iter_rows(named=True):
        index = case.get("index")
        column = case.get("column") or ""
        if index is None:
            continue  # a schema-wide problem without a row; none of ours are
        row = frame["_row"][int(index)]
        failing.add(int(index))
        value = case.get("failure_case")
        reason = str(case.get("check"))
        across = re.fullmatch(r"(\w+): (.*)", reason, flags=re.S)
        if across and across.group(1) in frame.columns:  # a rule across columns names its column
            column, reason = across.group(1), across.group(2)
            value = frame[column][int(index)]
        parsed.problems.append(
            Problem(
                row,
                header_of.get(column, column),
                "" if value is None else str(value),
                reason,
            )
        )
    keep = [i for i in range(frame.height) if i not in failing]
    parsed.good = frame[keep] if keep else frame.clear()
    return parsed


def validate_file(
    path: Path, known_units: set[str], kind: str | None = None, name: str | None = None
) -> Parsed:
    table = read_table(path, looks_like_header, name)
    if not table.rows:
        raise FileRejected(table.file, f"no data rows below the header (row {table.header_row})")
    detected = detect_kind(table, kind)
    positions, ignored = map_columns(table, detected)
    parsed = parse_rows(table, detected, positions)
    parsed.encoding = table.encoding
    parsed.ignored_columns = ignored
    header_of = {n: table.header[i] for n, i in positions.items()}
    return apply_rules(parsed, known_units, header_of)


def quarantine_frame(parsed_problems: Iterable[tuple[str, str, str, Problem]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"file": f, "file_sha256": sha, "kind": k, "row": p.row, "column": p.column,
             "value": p.value, "reason": p.reason}
            for f, sha, k, p in parsed_problems
        ],
        schema=QUARANTINE_SCHEMA,
    )  # fmt: skip
