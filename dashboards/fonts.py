"""The font every chart and PDF is drawn in: DejaVu Sans, the one matplotlib ships (æøå, ✓✗,
▲▼, the minus sign), so a document looks the same on a desktop, in a slim container and in CI,
whatever fonts the system has."""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def dejavu(bold: bool = False) -> Path:
    """The DejaVu Sans file bundled with matplotlib (found without importing matplotlib)."""
    from importlib.util import find_spec

    spec = find_spec("matplotlib")
    if spec is None or spec.origin is None:
        raise RuntimeError("matplotlib is not installed: run `make demo` or `uv sync`")
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf" / name
