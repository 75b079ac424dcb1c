"""Raw archive: every response body, compressed and content-addressed, with its request.

Any load can be replayed without the network from here, and every value in the warehouse names
the archived response (its `archive_id`) that produced it.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


class RawArchive:
    """Files live at <root>/<source>/objects/<sha[:2]>/<sha>.json.gz; requests in manifest.jsonl."""

    def __init__(self, root: Path, source: str) -> None:
        self.root = Path(root) / source
        self.objects = self.root / "objects"
        self.manifest = self.root / "manifest.jsonl"
        self._lock = threading.Lock()

    def path_for(self, sha: str) -> Path:
        return self.objects / sha[:2] / f"{sha}.json.gz"

    def store(self, *, method: str, url: str, body: Any, content: bytes, status: int) -> str:
        sha = hashlib.sha256(content).hexdigest()
        path = self.path_for(sha)
        with self._lock:
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".tmp")
                with gzip.open(tmp, "wb", compresslevel=6) as fh:
                    fh.write(content)
                os.replace(tmp, path)
            entry = {
                "sha256": sha,
                "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "method": method,
                "url": url,
                "body": body,
                "status": status,
                "bytes": len(content),
            }
            self.manifest.parent.mkdir(parents=True, exist_ok=True)
            with self.manifest.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return sha

    def load(self, sha: str) -> bytes:
        with gzip.open(self.path_for(sha), "rb") as fh:
            return fh.read()

    def requests(self) -> list[dict[str, Any]]:
        if not self.manifest.exists():
            return []
        with self.manifest.open(encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]
