from pathlib import Path

import pytest

from pipelines.catalog import CatalogError, load_catalog

ROOT = Path(__file__).resolve().parents[1]

SSB = """
[[indicator]]
id = "a"
source = "ssb"
table = "12134"
contents_code = "KOSAGD230000"
fixed = { KOKregnskapsomfa0000 = "A" }
label = "Netto driftsresultat"
unit = "prosent"
service_area = "økonomi"
perspective = "økonomi"
higher_is_better = true
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cat.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_catalog_has_one_series_per_source() -> None:
    catalog = load_catalog(ROOT / "indicators.toml")
    assert {i.source for i in catalog.indicators} == {"ssb", "kolada"}
    assert "12134" in catalog.ssb_tables()


def test_entries_parse_with_fixed_dimensions_and_polarity(tmp_path: Path) -> None:
    text = SSB + SSB.replace('id = "a"', 'id = "b"').replace('"A"', '"B"').replace(
        "higher_is_better = true", 'higher_is_better = "neutral"'
    )
    catalog = load_catalog(write(tmp_path, text))
    a, b = catalog.indicators
    assert a.fixed == {"KOKregnskapsomfa0000": "A"} and a.higher_is_better is True
    assert b.higher_is_better is None
    assert catalog.ssb_tables()["12134"] == [a, b]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('table = "12134"', 'table = "1213"'), r"#1 \(a\): table: .*five digits"),
        (('source = "ssb"', 'source = "scb"'), "source: must be one of"),
        (('perspective = "økonomi"', 'perspective = "penger"'), "perspective"),
        (("higher_is_better = true", "higher_is_better = 1"), "higher_is_better"),
        (('unit = "prosent"\n', ""), "unit: is required"),
        (('label = "Netto', 'lable = "x"\nlabel = "Netto'), "lable: unknown key"),
        (('fixed = { KOKregnskapsomfa0000 = "A" }', 'fixed = { Tid = "2024" }'), "fixed"),
    ],
)
def test_a_wrong_entry_names_file_entry_and_key(tmp_path: Path, change, message) -> None:
    path = write(tmp_path, SSB.replace(*change))
    with pytest.raises(CatalogError, match=message) as err:
        load_catalog(path)
    assert str(path) in str(err.value)


def test_duplicate_ids_and_duplicate_series_are_refused(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="repeats #1"):
        load_catalog(write(tmp_path, SSB + SSB))
    with pytest.raises(CatalogError, match="same series as a"):
        load_catalog(write(tmp_path, SSB + SSB.replace('id = "a"', 'id = "b"')))


def test_kolada_kpi_id_is_checked(tmp_path: Path) -> None:
    text = SSB.replace(
        'source = "ssb"\ntable = "12134"\ncontents_code = "KOSAGD230000"\n'
        'fixed = { KOKregnskapsomfa0000 = "A" }',
        'source = "kolada"\nkpi = "X15428"',
    )
    with pytest.raises(CatalogError, match="kpi: a Kolada KPI id"):
        load_catalog(write(tmp_path, text))
