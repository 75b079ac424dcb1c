"""SSB KLASS client: code lists at a date, code changes, and correspondences.

Målestokk uses classification 131 (municipalities), 104 (counties) and 112 (KOSTRA groups).
Dates follow KLASS: `from` is inclusive and `to` exclusive.
"""

from __future__ import annotations

from typing import Any

from pipelines.sources.http import JsonApiClient


class KlassClient(JsonApiClient):
    source = "SSB KLASS"

    def _list(self, path: str, params: dict[str, Any], key: str) -> list[dict[str, Any]]:
        body, _ = self.request_json("GET", path, params=params, kind="metadata")
        items = body.get(key) if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise ValueError(f"KLASS {path} {params}: the answer has no `{key}` list")
        return items

    def codes_at(self, classification: int, day: str) -> list[dict[str, Any]]:
        """The codes valid on `day` (code, name, level, validFrom/validTo...)."""
        return self._list(f"classifications/{classification}/codesAt", {"date": day}, "codes")

    def changes(self, classification: int, start: str, end: str) -> list[dict[str, Any]]:
        """Code changes in [start, end): oldCode -> newCode with the date they took effect."""
        return self._list(
            f"classifications/{classification}/changes", {"from": start, "to": end}, "codeChanges"
        )

    def corresponds_at(self, source_id: int, target_id: int, day: str) -> list[dict[str, Any]]:
        return self._list(
            f"classifications/{source_id}/correspondsAt",
            {"targetClassificationId": target_id, "date": day},
            "correspondenceItems",
        )
