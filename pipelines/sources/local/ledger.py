"""The ledger of imported files: each archived once under its checksum, with its status.

Every file that comes in (by `malestokk import`, the inbox or the demo samples) is copied to
`<data>/local/files/<sha256>/<name>` and listed in `ledger.jsonl`; pipelines/sources/local/store.py
replays the ledger into tables. Kept apart from the readers and validators so that listing what
was imported (`malestokk import --list`) starts without them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ACCEPTED_SUFFIXES = (".csv", ".xlsx", ".txt")


class LocalArchive:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.files = self.root / "files"
        self.ledger = self.root / "ledger.jsonl"

    def entries(self) -> list[dict[str, Any]]:
        """Every archived file once, with its latest status (None until it was first checked).

        The ledger only grows: a file line when a file arrives, then status lines
        (`{"sha256", "event": "status", "status", "reason", "at"}`) when it is accepted, rejected
        or withdrawn, so the ledger is the full record of what happened to each file.
        """
        if not self.ledger.exists():
            return []
        files: dict[str, dict[str, Any]] = {}
        with self.ledger.open(encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                item = json.loads(line)
                if item.get("event") == "status":
                    if item["sha256"] in files:
                        files[item["sha256"]].update(
                            status=item["status"], reason=item.get("reason"),
                            status_at=item.get("at"),
                        )  # fmt: skip
                    continue
                files[item["sha256"]] = {"status": None, "reason": None, **item}
        return list(files.values())

    def record_status(self, sha256: str, status: str, reason: str | None = None) -> None:
        """accepted | rejected | withdrawn; a rejected or withdrawn file is not replayed."""
        current = next((e for e in self.entries() if e["sha256"] == sha256), None)
        if current is None:
            raise KeyError(f"no archived file with sha256 {sha256}")
        if (current.get("status"), current.get("reason")) == (status, reason):
            return
        line = {"sha256": sha256, "event": "status", "status": status, "reason": reason,
                "at": datetime.now(UTC).isoformat(timespec="seconds")}  # fmt: skip
        with self.ledger.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")

    def path(self, entry: dict[str, Any]) -> Path:
        return self.files / entry["sha256"] / entry["name"]

    def add(self, path: Path, kind: str | None = None, source: str = "cli") -> tuple[dict, bool]:
        """Archive a file; (its ledger entry, False) when the same bytes were imported before."""
        data = Path(path).read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        for entry in self.entries():
            if entry["sha256"] == sha:
                return entry, False
        target = self.files / sha / Path(path).name
        target.parent.mkdir(parents=True, exist_ok=True)
        for folder in (self.root, self.files, target.parent):
            os.chmod(folder, 0o700)  # the files hold figures of small units: owner only
        tmp = target.with_name(target.name + ".tmp")
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
        entry = {
            "sha256": sha,
            "name": Path(path).name,
            "kind": kind,
            "source": source,
            "imported_at": datetime.now(UTC).isoformat(timespec="microseconds"),
            "bytes": len(data),
        }
        self.ledger.parent.mkdir(parents=True, exist_ok=True)
        with self.ledger.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return {"status": None, "reason": None, **entry}, True


def ingest_folder(archive: LocalArchive, folder: Path, source: str, move_to: Path | None) -> int:
    """Archive every file in `folder`; move them to `move_to` (inbox) or leave them (samples)."""
    added = 0
    if not folder.is_dir():
        return 0
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        if path.name.startswith("."):
            continue
        _, new = archive.add(path, None, source)
        added += int(new)
        if move_to is not None:
            move_to.mkdir(parents=True, exist_ok=True)
            shutil.move(str(path), move_to / path.name)
    return added
