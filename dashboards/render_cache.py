"""Written documents that are already up to date are not drawn again.

`malestokk report` draws eight charts and writes the report as Word, PDF, HTML and PowerPoint
(about 2 s of CPU). Run again on the same warehouse, it would write the same files. Each output
is recorded with the digest of everything it was made from (its content, the rendering code, the
rendering libraries' versions) and of the file as written; it is drawn again only when one of
them differs: new figures, new code, or a file someone changed or deleted (an edited Word file
is replaced, as before).
"""

from __future__ import annotations

import hashlib
import json
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

# the libraries whose output the documents are
_RENDERERS = ("matplotlib", "reportlab", "python-docx", "python-pptx", "polars")
_CODE = Path(__file__).resolve().parent


def _versions() -> str:
    out = []
    for name in _RENDERERS:
        try:
            out.append(f"{name}={version(name)}")
        except PackageNotFoundError:
            out.append(f"{name}=-")
    return ";".join(out)


def code_digest() -> str:
    """The dashboards' own code (every module a document is drawn by) and the libraries."""
    h = hashlib.sha256(_versions().encode())
    for path in sorted(_CODE.rglob("*.py")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def digest(*parts: object) -> str:
    """A stable digest of the inputs (their repr: dataclasses and frames' rows print fully)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(repr(part).encode())
        h.update(b"\0")
    return h.hexdigest()


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class RenderCache:
    """One manifest per output folder: output name -> the inputs' digest and the file's."""

    def __init__(self, folder: Path, enabled: bool = True, name: str = ".rendered.json") -> None:
        """Disabled, every output is drawn and nothing is recorded (the refresh's outputs go
        into a new release folder each time)."""
        self.path = folder / name
        self.enabled = enabled
        self.code = code_digest() if enabled else ""
        self.entries: dict[str, dict[str, str]] = {}
        if enabled:
            try:
                self.entries = json.loads(self.path.read_text("utf-8"))
            except (OSError, ValueError):
                self.entries = {}

    def key(self, *parts: object) -> str:
        return digest(self.code, *parts) if self.enabled else ""

    def up_to_date(self, outputs: list[Path], key: str) -> bool:
        if not self.enabled:
            return False
        for path in outputs:
            entry = self.entries.get(path.name)
            if entry is None or entry.get("inputs") != key or not path.exists():
                return False
            if _file_digest(path) != entry.get("sha256"):
                return False
        return True

    def record(self, outputs: list[Path], key: str) -> None:
        if not self.enabled:
            return
        for path in outputs:
            self.entries[path.name] = {"inputs": key, "sha256": _file_digest(path)}

    def save(self) -> None:
        if not self.enabled:
            return
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.entries, indent=1, sort_keys=True), encoding="utf-8")
        tmp.replace(self.path)
