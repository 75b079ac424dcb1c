"""Municipality code changes from KLASS 131 /changes, as rows for raw_klass__municipality_changes.

Reforms renumber municipalities (2018 Trøndelag, 2020 the large reform, 2024 new counties), and
KOSTRA tables keep old and new codes side by side. The lineage to today's code(s) is followed
in SQL (sql/core/core_region__lineage.sql): Drammen 0602 -> 3005 (2020) -> 3301 (2024); a split
(Ålesund 1507 -> 1508 and 1580 in 2024) leads to more than one current code, and a harmonised
series says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CodeChange:
    old_code: str
    new_code: str
    old_name: str
    new_name: str
    occurred: str  # ISO date the change took effect

    @classmethod
    def from_klass(cls, item: Mapping[str, Any]) -> CodeChange | None:
        """A renumbering or merge; None for a name-only change, a birth or a ceased code."""
        old, new = item.get("oldCode"), item.get("newCode")
        if not old or not new or old == new:
            return None
        return cls(
            str(old),
            str(new),
            item.get("oldName") or "",
            item.get("newName") or "",
            str(item.get("changeOccurred") or "")[:10],
        )
