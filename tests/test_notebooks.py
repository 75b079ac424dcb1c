"""The analysts' notebooks run top to bottom against a published warehouse (as in CI)."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def run(path: Path, warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> nbformat.NotebookNode:
    monkeypatch.setenv("MALESTOKK_WAREHOUSE", str(warehouse))
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()  # fmt: skip
    return notebook


def text_of(notebook: nbformat.NotebookNode) -> str:
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts.append(str(output.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


def test_there_are_two_notebooks() -> None:
    assert len(NOTEBOOKS) >= 2


def test_stavanger_against_asss_on_pleie_og_omsorg(stavanger: Path, monkeypatch) -> None:
    warehouse = stavanger / "data/warehouse/malestokk.duckdb"
    out = text_of(
        run(ROOT / "notebooks/stavanger_asss_pleie_og_omsorg.ipynb", warehouse, monkeypatch)
    )
    assert "indicators, years 2017-2024" in out
    assert "snapshot:synthetic" in out


def test_haparanda_on_kkik_against_its_skr_group(stavanger: Path, monkeypatch) -> None:
    warehouse = stavanger / "data/warehouse/malestokk.duckdb"
    out = text_of(run(ROOT / "notebooks/haparanda_kkik_skr_group.ipynb", warehouse, monkeypatch))
    assert "2583 is in G92791" in out
    assert "KKiK measures with data" in out
