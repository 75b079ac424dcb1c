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

import httpx


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


def _request_key(method: str, url: str, body: Any) -> tuple[str, str, str]:
    return (method.upper(), url, json.dumps(body, sort_keys=True, ensure_ascii=False))


class ReplayTransport(httpx.BaseTransport):
    """Answers requests from an archive: a load replayed exactly, without the network.

    A request is matched on method, full URL and JSON body; the latest archived answer wins. A
    request the archive never saw gets 404 with a message saying so.
    """

    def __init__(self, archive: RawArchive) -> None:
        self.archive = archive
        self.index: dict[tuple[str, str, str], str] = {}
        for entry in archive.requests():
            key = _request_key(entry["method"], entry["url"], entry.get("body"))
            self.index[key] = entry["sha256"]

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        sha = self.index.get(_request_key(request.method, str(request.url), body))
        if sha is None:
            return httpx.Response(
                404,
                json={"error": f"not in the raw archive: {request.method} {request.url}"},
            )
        return httpx.Response(
            200, content=self.archive.load(sha), headers={"Content-Type": "application/json"}
        )
