"""SSB KLASS client: classifications and correspondences (municipality -> KOSTRA group)."""

from __future__ import annotations

from typing import Any

from pipelines.http import JsonApiClient


class KlassClient(JsonApiClient):
    source = "SSB KLASS"

    def corresponds_at(self, source_id: int, target_id: int, day: str) -> list[dict[str, Any]]:
        body, _ = self.request_json(
            "GET",
            f"classifications/{source_id}/correspondsAt",
            params={"targetClassificationId": target_id, "date": day},
            kind="metadata",
        )
        items = body.get("correspondenceItems") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise ValueError(f"KLASS correspondsAt {source_id}->{target_id} {day}: no items")
        return items
