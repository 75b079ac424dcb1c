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
    assert {i.source for i in catalog.indicators} == {"ssb", "kolada", "derived"}
    assert "12134" in catalog.ssb_tables()


def test_default_catalog_is_confirmed_and_fair() -> None:
    """No guessed codes: every SSB entry names the real source its codes were checked against;
    every nøkkeltall says what it is per; grunnlagstall are absolute and never good or bad."""
    catalog = load_catalog(ROOT / "indicators.toml")
    for ind in catalog.by_source("ssb"):
        assert ind.confirmed_by and len(ind.confirmed_by) > 20, ind.id
    for ind in catalog.indicators:
        if ind.kind == "nøkkeltall" and ind.source != "kolada":
            assert ind.per, ind.id
        if ind.kind == "grunnlagstall":
            assert ind.additive and ind.higher_is_better is None, ind.id
    by_id = {i.id: i for i in catalog.indicators}
    for ind in catalog.by_source("derived"):
        assert by_id[ind.numerator].kind == by_id[ind.denominator].kind == "grunnlagstall"
        assert by_id[ind.denominator].table == "07459"  # per inhabitant of the target group
    # the tables whose codes were guessed in the first round are gone
    assert not {"12381", "12292", "12003", "12279", "12058"} & set(catalog.ssb_tables())


def test_sum_over_ranges_expand_to_ssb_codes(tmp_path: Path) -> None:
    summed = 'sum_over = { Alder = ["001-005"], Kjonn = ["1", "2"] }\nadditive = true'
    text = SSB.replace('fixed = { KOKregnskapsomfa0000 = "A" }', summed)
    text = text.replace("higher_is_better = true", 'higher_is_better = "neutral"')
    (ind,) = load_catalog(write(tmp_path, text)).indicators
    assert ind.sum_over["Alder"] == ("001", "002", "003", "004", "005")
    assert ind.kind == "grunnlagstall"  # additive without direction, no kind given
    assert ind.fixed_text == "Alder=001-005,Kjonn=1+2"


def test_a_grunnlagstall_cannot_be_good_or_bad(tmp_path: Path) -> None:
    text = SSB.replace('source = "ssb"', 'source = "ssb"\nkind = "grunnlagstall"')
    with pytest.raises(CatalogError, match="grunnlagstall is never better or worse"):
        load_catalog(write(tmp_path, text))


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
        (
            ('source = "ssb"', 'source = "scb"'),
            "source: must be 'ssb' or 'kolada' or 'derived', got 'scb'",
        ),
        (('perspective = "økonomi"', 'perspective = "penger"'), "perspective"),
        (("higher_is_better = true", "higher_is_better = 1"), "higher_is_better"),
        (('unit = "prosent"\n', ""), "unit: is required"),
        (
            ('label = "Netto', 'lable = "x"\nlabel = "Netto'),
            "lable: unknown key; did you mean 'label'",
        ),
        (('fixed = { KOKregnskapsomfa0000 = "A" }', 'fixed = { Tid = "2024" }'), "fixed"),
        (('unit = "prosent"', 'unit = "prosent"\nadditive = 1'), "additive: must be true or false"),
        (
            ('unit = "prosent"', 'unit = "prosent"\nvalid_min = 5\nvalid_max = 1'),
            "valid_min: is above",
        ),
        (('unit = "prosent"', 'unit = "prosent"\nkpi = "N15428"'), "kpi: belongs to Kolada"),
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
