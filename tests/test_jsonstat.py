import gzip
import json
from pathlib import Path

import polars as pl
import pytest

from pipelines.sources.ssb.jsonstat import JsonStatError, decode, parse_dataset

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "samples" / "ssb"


def _real_datasets() -> list[tuple[str, bytes]]:
    """Every real JSON-stat2 answer we hold: the shared samples (byte-for-byte SSB answers) and
    the bundled snapshot's tables (SSB's figures, re-merged by `snapshot record`)."""
    found = [
        (p.name, p.read_bytes())
        for p in sorted([*SAMPLES.glob("*jsonstat2*.json"), *FIXTURES.glob("*jsonstat2*.json")])
        if "metadata" not in p.name
    ]
    found += [
        (p.name, gzip.decompress(p.read_bytes()))
        for p in sorted((ROOT / "snapshot" / "ssb" / "tables").glob("*.json.gz"))
    ]
    return found


@pytest.mark.parametrize(
    "name,body", _real_datasets(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_the_typed_parse_decodes_every_real_answer_exactly_as_plain_json(
    name: str, body: bytes
) -> None:
    """The refresh parses answers with msgspec; every figure, status, code and label must be
    the one the standard library's parse gives, bit for bit."""
    typed = decode(parse_dataset(body))
    plain = decode(json.loads(body))
    assert typed.height == plain.height > 0
    assert typed.columns == plain.columns
    for column in plain.columns:
        assert typed[column].cast(pl.String).to_list() == plain[column].cast(pl.String).to_list(), (
            column
        )
    assert typed["value"].to_list() == [
        None if v is None else float(v) for v in json.loads(body)["value"]
    ]


def test_the_typed_parse_keeps_the_plain_errors() -> None:
    legacy = (FIXTURES / "ssb_v0_legacy_jsonstat1_fishfarming_earnings.json").read_bytes()
    with pytest.raises(JsonStatError, match="request outputFormat=json-stat2"):
        decode(parse_dataset(legacy))
    text = (FIXTURES / "ks_12191_kostra_kommunehelse_v0_jsonstat2.json").read_bytes()
    with pytest.raises(json.JSONDecodeError) as broken:  # the client reports msg and position
        parse_dataset(text[: len(text) // 2])
    assert broken.value.pos > 0
    # a value that is not a number is not silently dropped: decode sees it and refuses
    odd = json.loads(text)
    odd["value"][3] = "12,5"
    with pytest.raises(JsonStatError, match=r"value\[3\] is '12,5', not a number"):
        decode(parse_dataset(json.dumps(odd).encode()))


def test_real_kostra_sample_decodes_row_major_with_status_symbols() -> None:
    payload = json.loads((FIXTURES / "ks_12191_kostra_kommunehelse_v0_jsonstat2.json").read_text())
    frame = decode(payload)
    assert frame.height == 5 * 9 * 3
    # row-major: the last dimension (Tid) varies fastest
    assert frame["Tid"].head(3).cast(pl.String).to_list() == ["2018", "2019", "2020"]
    assert frame["value"].to_list()[:9] == payload["value"][:9]
    symbols = frame.filter(pl.col("status").is_not_null())["status"].value_counts().sort("status")
    assert dict(symbols.iter_rows()) == {".": 90, "..": 1, ":": 1}
    # a status symbol never becomes a number
    assert frame.filter(pl.col("status").is_not_null())["value"].null_count() == 92
    row = frame.filter(pl.col("ContentsCode") == "KOSergoaarsverk0000").row(0, named=True)
    assert (row["unit"], row["decimals"], row["table_id"]) == ("årsverk", 1, "12191")


def test_json_stat_1_is_rejected_with_advice() -> None:
    payload = json.loads(
        (FIXTURES / "ssb_v0_legacy_jsonstat1_fishfarming_earnings.json").read_text()
    )
    with pytest.raises(JsonStatError, match="request outputFormat=json-stat2"):
        decode(payload)


def test_size_mismatch_is_an_error() -> None:
    payload = json.loads((FIXTURES / "ks_12191_kostra_kommunehelse_v0_jsonstat2.json").read_text())
    payload["value"] = payload["value"][:-1]
    with pytest.raises(JsonStatError, match="value has 134 cells"):
        decode(payload)
