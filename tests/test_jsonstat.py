import json
from pathlib import Path

import polars as pl
import pytest

from pipelines.sources.ssb.jsonstat import JsonStatError, decode

FIXTURES = Path(__file__).parent / "fixtures"


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
