from pathlib import Path

import pytest

from pipelines.settings.catalog import CatalogError, load_catalog

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
        (
            ('unit = "prosent"', 'unit = "prosent"\npopulation_at = "1.7"'),
            "population_at: must be '1.1' or '31.12', got '1.7'",
        ),
        (
            ('unit = "prosent"', 'unit = "prosent"\npopulation_at = "1.1"'),
            r"population_at: only a population count \(additive = true\) has a count date",
        ),
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


GROUP = """
[[kolada_kpi_group]]
id = "kolada.kkik"
kpi_group = "GKPI118"
service_area = "KKiK"
perspective = "tjenester/brukere"
higher_is_better = "neutral"

[kolada_kpi_group.directions]
N15428 = true
U23401 = false
N11008 = { higher_is_better = "neutral", reason = "kostnad per barn" }
"""


def test_each_kkik_member_gets_its_own_direction_and_a_new_one_is_undecided(
    tmp_path: Path,
) -> None:
    from pipelines.sources.kolada.groups import UNDECIDED, expanded_indicators

    catalog = load_catalog(write(tmp_path, GROUP))
    members = {"GKPI118": ["N15428", "U23401", "N11008", "N99999"]}
    got = {
        i.kpi: (i.higher_is_better, i.direction_note)
        for i in expanded_indicators(catalog, members, {})
    }
    assert got == {
        "N15428": (True, None),
        "U23401": (False, None),  # a waiting time: shorter is better
        "N11008": (None, "kostnad per barn"),
        "N99999": (None, UNDECIDED),  # added to the group by Kolada later: neutral until decided
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('reason = "kostnad per barn"', 'reason = ""'), "must be a non-empty string"),
        ((', reason = "kostnad per barn"', ""), 'a "neutral" direction says why'),
        (("N15428 = true", "X15428 = true"), "a Kolada KPI id is N or U"),
        (("N15428 = true", 'N15428 = "yes"'), "directions.N15428: must be true or false"),
        (("reason =", "raeson ="), "directions.N11008.raeson: unknown key; did you mean 'reason'"),
    ],
)
def test_a_wrong_direction_names_the_kpi(tmp_path: Path, change, message) -> None:
    with pytest.raises(CatalogError, match=message):
        load_catalog(write(tmp_path, GROUP.replace(*change)))


def test_every_kkik_member_in_the_snapshot_has_a_direction_in_the_default_catalog() -> None:
    import json

    from tests.conftest import ROOT

    groups = json.loads((ROOT / "snapshot/kolada/kpi_groups.json").read_text(encoding="utf-8"))
    kkik = {m["member_id"] for g in groups if g["id"] == "GKPI118" for m in g["members"]}
    (entry,) = load_catalog(ROOT / "indicators.toml").kpi_groups
    assert kkik and kkik == set(entry.directions)
    neutral = {k for k, (higher, _) in entry.directions.items() if higher is None}
    assert all(entry.directions[k][1] for k in neutral)  # each neutral one says why


def test_a_population_counted_at_1_january_is_read_a_year_on(tmp_path: Path) -> None:
    """KOSTRA divides by the population at 31.12; 07459 counts at 1.1: the denominator of a
    derived figure is read at year + 1, a 31.12 count (or a non-population) at the same year."""
    from pipelines.settings.catalog import year_offset

    catalog = load_catalog(ROOT / "indicators.toml")
    by_id = {i.id: i for i in catalog.indicators}
    derived = [i for i in catalog.indicators if i.source == "derived"]
    assert derived and all(year_offset(by_id, i.denominator) == 1 for i in derived
                           if by_id[i.denominator].table == "07459")  # fmt: skip
    assert year_offset(by_id, "kostra.netto_driftsutgifter_barnevern") == 0  # no population
    assert year_offset(by_id, None) == 0
    assert catalog.population_tables() == {"07459"}
    counted = dict(by_id)
    counted["ssb.befolkning"] = type(by_id["ssb.befolkning"])(
        **{**by_id["ssb.befolkning"].__dict__, "population_at": "31.12"}
    )
    assert year_offset(counted, "ssb.befolkning") == 0
