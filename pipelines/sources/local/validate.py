"""Turn a read file into good rows and quarantined rows, each problem named by row and column.

Whole-file problems (no known kind, a required column missing, two columns meaning the same)
reject the file. Row problems quarantine only the rows concerned and every other row loads:
a cell that does not parse (text in a number, a bad period, a number that could be read two
ways), a row longer or shorter than its header (values would shift), a control character, a row
hidden in Excel, an exact copy of an earlier row (the first copy loads), and the rule breaches
the pandera schemas find (ranges, absence above contracted days, unknown unit, duplicate keys).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipelines.sources.local import plausible
from pipelines.sources.local.kinds import KINDS, NAME_HINTS, Kind, fold
from pipelines.sources.local.numbers import decimal_mark, other_reading, parse_int, parse_number
from pipelines.sources.local.reader import FileRejected, RawTable, read_tables
from quality.local_schemas import schema_for

ALL_ALIASES = {alias: kind for kind in KINDS.values() for c in kind.columns for alias in c.aliases}
QUARANTINE_SCHEMA = {
    "file": pl.String,
    "file_sha256": pl.String,
    "kind": pl.String,
    "sheet": pl.String,
    "row": pl.Int64,
    "column": pl.String,
    "value": pl.String,
    "reason": pl.String,
}
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def looks_like_header(cells: list[str]) -> bool:
    return sum(1 for c in cells if fold(c) in ALL_ALIASES) >= 2


@dataclass
class Problem:
    row: int
    column: str
    value: str
    reason: str
    sheet: str | None = None


@dataclass
class Parsed:
    file: str
    kind: Kind
    good: pl.DataFrame  # canonical columns + `_row` and `_sheet`
    problems: list[Problem] = field(default_factory=list)
    rows_read: int = 0
    encoding: str = ""
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# --- values -------------------------------------------------------------------------------------

QUARTER = {"1": "K1", "2": "K2", "3": "K3", "4": "K4"}


def parse_period(text: str) -> str:
    """Month -> '2024M03', quarter -> '2024K1' (accepts 2024-03, 03.2024, 2024Q1, K1 2024 ...)."""
    s = text.strip().upper().replace(" ", "")
    patterns = [
        # a month stored as its first day (an Excel date cell, 2024-03-01)
        (r"(\d{4})-(\d{2})-01", lambda y, m: f"{y}M{int(m):02d}" if 1 <= int(m) <= 12 else None),
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


def parse_period_or_year(text: str) -> str:
    """A year ('2024') for a figure measured once a year, else a month or quarter."""
    s = str(text).strip()
    if re.fullmatch(r"\d{4}", s):
        return str(parse_year(s))
    return parse_period(s)


def parse_year(text: str) -> int:
    s = str(text).strip()
    if not re.fullmatch(r"\d{4}", s) or not 1990 <= int(s) <= 2100:
        raise ValueError(f"not a year: {text!r}")
    return int(s)


# counts that privacy rules are judged on: a reading in doubt is weighed both ways
COUNTS = ("employees", "respondents")
PARSERS = {
    "text": lambda text, _decimal: str(text),
    "int": parse_int,
    "number": parse_number,
    "period": lambda text, _decimal: parse_period(text),
    "year": lambda text, _decimal: parse_year(text),
    "period_or_year": lambda text, _decimal: parse_period_or_year(text),
}
POLARS_TYPES = {
    "text": pl.String,
    "int": pl.Int64,
    "number": pl.Float64,
    "period": pl.String,
    "year": pl.Int32,
    "period_or_year": pl.String,
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
        if not all(folded & set(kind.column(name).aliases) for name in kind.signature):
            continue
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


def _numeric_texts(table: RawTable, kind: Kind, positions: dict[str, int]) -> Iterable[str]:
    numeric = [
        i
        for name, i in positions.items()
        if name in kind.extra_columns or kind.column(name).type in ("int", "number")
    ]
    for _, cells in table.rows:
        for i in numeric:
            if i < len(cells):
                yield cells[i]


# --- rows ---------------------------------------------------------------------------------------


def _shape_problem(table: RawTable, row: int, cells: list[str]) -> Problem | None:
    """A row that does not line up with its header: its values would land in other columns."""
    width = len(table.header)
    used = len(cells)
    while used and not cells[used - 1]:
        used -= 1
    if used > width:
        return Problem(
            row, f"column {width + 1}", cells[width][:80],
            f"row has {used} cells but the header has {width}: the values would shift into "
            "other columns (decimal commas in a comma-separated file?)", table.sheet,
        )  # fmt: skip
    if table.delimiter and len(cells) < width:  # a CSV row cut short (an .xlsx row ends early)
        return Problem(
            row, table.header[len(cells)] if len(cells) < width else "", "",
            f"row has {len(cells)} cells but the header has {width}", table.sheet,
        )  # fmt: skip
    return None


def parse_rows(table: RawTable, kind: Kind, positions: dict[str, int]) -> Parsed:
    header_of = {name: table.header[i] for name, i in positions.items()}
    decimal = decimal_mark(_numeric_texts(table, kind, positions))
    doubtful = [n for n in COUNTS if n in positions]  # counts a privacy rule is judged on
    records: list[dict] = []
    problems: list[Problem] = []
    seen: dict[tuple, int] = {}
    for row_number, cells in table.rows:
        if row_number in table.hidden_rows:
            problems.append(Problem(
                row_number, "", "", "row is hidden in Excel: unhide it if it belongs to the "
                "figures, or delete it", table.sheet,
            ))  # fmt: skip
            continue
        shape = _shape_problem(table, row_number, cells)
        if shape:
            problems.append(shape)
            continue
        control = next(((i, c) for i, c in enumerate(cells) if CONTROL.search(c)), None)
        if control:
            i, text = control
            char = CONTROL.search(text).group()
            problems.append(Problem(
                row_number, table.header[i] if i < len(table.header) else f"column {i + 1}",
                text.encode("unicode_escape").decode()[:80],
                f"control character U+{ord(char):04X} in the cell", table.sheet,
            ))  # fmt: skip
            continue
        record: dict = {"_row": row_number, "_sheet": table.sheet}
        bad = False
        for name, position in positions.items():
            column = kind.column(name) if name not in kind.extra_columns else None
            text = cells[position] if position < len(cells) else ""
            if text == "":
                if column is not None and column.required:
                    problems.append(
                        Problem(row_number, header_of[name], "", "missing value", table.sheet)
                    )
                    bad = True
                record[name] = None
                continue
            parser = PARSERS[column.type] if column else parse_number
            try:
                record[name] = parser(text, decimal)
            except ValueError as exc:
                problems.append(Problem(row_number, header_of[name], text, str(exc), table.sheet))
                bad = True
                continue
            if name in doubtful:
                record[f"_alt_{name}"] = other_reading(text, decimal)
                record[f"_text_{name}"] = text
        if bad:
            continue
        signature = tuple(record[name] for name in positions)
        if signature in seen:  # the same row twice: one loads, the copy is reported
            problems.append(Problem(row_number, "", "", f"exact duplicate of row {seen[signature]}"
                                    " (loaded once)", table.sheet))  # fmt: skip
            continue
        seen[signature] = row_number
        records.append(record)
    schema = {"_row": pl.Int64, "_sheet": pl.String}
    for name in positions:
        column = kind.column(name) if name not in kind.extra_columns else None
        schema[name] = POLARS_TYPES[column.type] if column else pl.Float64
    for column in kind.columns:
        schema.setdefault(column.name, POLARS_TYPES[column.type])
    for name in doubtful:
        schema[f"_alt_{name}"] = pl.Float64
        schema[f"_text_{name}"] = pl.String
    good = pl.DataFrame(records, schema=schema)
    notes = [*table.notes]
    if decimal:
        notes.append(f"decimal mark '{decimal}'" + (f" (sheet '{table.sheet}')" if table.sheet
                                                    else ""))  # fmt: skip
    return Parsed(table.file, kind, good, problems, rows_read=len(table.rows), notes=notes)


def _failing_rows(schema, frame: pl.DataFrame) -> pl.DataFrame | None:
    import pandera.errors  # with pandas: loaded when a file is checked, not with the pipeline

    try:
        schema.validate(frame, lazy=True)
        return None
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        return cases if isinstance(cases, pl.DataFrame) else pl.from_pandas(cases)


def _smaller_reading(schema, frame: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """Counts in doubt (`1.500` respondents: 1 or 1500) are taken at their smaller reading when
    that reading passes the rules too: privacy is judged on the fewer people, never the more."""
    changed = 0
    for name in COUNTS:
        alt = f"_alt_{name}"
        if alt not in frame.columns:
            continue
        smaller = (  # a count's other reading must be a count too (1.500: 1500, never 1,5)
            pl.col(alt).is_not_null()
            & (pl.col(alt) < pl.col(name).cast(pl.Float64))
            & (pl.col(alt) == pl.col(alt).floor())
        )
        if not frame.select(smaller.any()).item():
            continue
        trial = frame.with_columns(
            pl.when(smaller)
            .then(pl.col(alt))
            .otherwise(pl.col(name))
            .cast(frame[name].dtype)
            .alias(name)
        )
        cases = _failing_rows(schema, trial)
        bad = set() if cases is None else {int(i) for i in cases["index"].drop_nulls().to_list()}
        take = frame.select(smaller).to_series().to_list()
        use = [t and i not in bad for i, t in enumerate(take)]
        changed += sum(use)
        frame = frame.with_columns(
            pl.when(pl.Series(use)).then(trial[name]).otherwise(pl.col(name)).alias(name)
        )
    return frame, changed


def apply_rules(
    parsed: Parsed,
    known_units: set[str],
    header_of: dict[str, str],
    previous: Mapping[str, float] | None = None,
    country: str = "NO",
) -> Parsed:
    """Run the kind's pandera schema; rows it fails go to quarantine with the check's reason
    (the plausibility rules' in the home's language, with both readings of a number in doubt)."""
    kind = parsed.kind
    frame = parsed.good
    if kind.scale is not None:
        frame = frame.with_columns(pl.col("scale_max").fill_null(kind.scale))
    schema = schema_for(kind, known_units, previous)
    cases = _failing_rows(schema, frame)
    if cases is None:
        parsed.good, changed = _smaller_reading(schema, frame)
        if changed:
            parsed.notes.append(f"{changed} count(s) in doubt taken at the smaller reading")
        return parsed
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
            if reason.startswith("@"):  # a plausibility rule: the row's own words and numbers
                row_values = frame.row(int(index), named=True)
                reason = plausible.reason(reason, row_values, previous or {}, country)
                value = row_values.get(f"_text_{column}") or value
        parsed.problems.append(
            Problem(
                row,
                header_of.get(column, column),
                "" if value is None else str(value),
                reason,
                frame["_sheet"][int(index)],
            )
        )
    keep = [i for i in range(frame.height) if i not in failing]
    kept = frame[keep] if keep else frame.clear()
    parsed.good, changed = _smaller_reading(schema, kept)
    if changed:
        parsed.notes.append(f"{changed} count(s) in doubt taken at the smaller reading")
    return parsed


def validate_file(
    path: Path,
    known_units: set[str],
    kind: str | None = None,
    name: str | None = None,
    previous: Mapping[str, Mapping[str, float]] | None = None,
    country: str = "NO",
) -> Parsed:
    """Every data sheet of the file (one for a CSV), of one kind, into good and quarantined rows."""
    tables = read_tables(path, looks_like_header, name)
    parts: list[Parsed] = []
    header_of: dict[str, str] = {}
    for table in tables:
        if not table.rows:
            where = f"sheet '{table.sheet}' " if table.sheet else ""
            raise FileRejected(
                table.file, f"no data rows below the header ({where}row {table.header_row})"
            )
        detected = detect_kind(table, kind)
        if parts and detected.name != parts[0].kind.name:
            raise FileRejected(
                table.file, f"sheet '{table.sheet}' holds {detected.name}, sheet "
                f"'{tables[0].sheet}' {parts[0].kind.name}: one kind per file",
            )  # fmt: skip
        positions, ignored = map_columns(table, detected)
        part = parse_rows(table, detected, positions)
        part.encoding = table.encoding
        part.ignored_columns = ignored
        header_of.update({n: table.header[i] for n, i in positions.items()})
        parts.append(part)
    parsed = parts[0]
    for part in parts[1:]:
        parsed.good = pl.concat([parsed.good, part.good], how="diagonal_relaxed")
        parsed.problems += part.problems
        parsed.rows_read += part.rows_read
        parsed.notes += part.notes
    history = (previous or {}).get(parsed.kind.name)
    return apply_rules(parsed, known_units, header_of, history, country)


def quarantine_frame(parsed_problems: Iterable[tuple[str, str, str, Problem]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"file": f, "file_sha256": sha, "kind": k, "sheet": p.sheet, "row": p.row,
             "column": p.column, "value": p.value, "reason": p.reason}
            for f, sha, k, p in parsed_problems
        ],
        schema=QUARANTINE_SCHEMA,
    )  # fmt: skip
