"""Municipality code history from KLASS 131 /changes: which current code(s) an old code became.

Reforms renumber municipalities (2018 Trøndelag, 2020 the large reform, 2024 new counties), and
KOSTRA tables keep old and new codes side by side. Following the changes turns any code into the
codes that carry it on today: Drammen 0602 -> 3005 (2020) -> 3301 (2024). A split (Ålesund 1507 ->
1508 and 1580 in 2024) leads to more than one current code, and a harmonised series must say so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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


def successors(changes: Iterable[CodeChange]) -> dict[str, list[CodeChange]]:
    table: dict[str, list[CodeChange]] = {}
    for change in changes:
        table.setdefault(change.old_code, []).append(change)
    for items in table.values():
        items.sort(key=lambda c: (c.occurred, c.new_code))
    return table


def lineage(code: str, changes: Iterable[CodeChange]) -> list[list[CodeChange]]:
    """Every path of changes from `code` to a code that has not changed since (empty: current)."""
    table = successors(changes)
    paths: list[list[CodeChange]] = []

    def walk(current: str, path: list[CodeChange]) -> None:
        nexts = [c for c in table.get(current, []) if not path or c.occurred > path[-1].occurred]
        if not nexts:
            paths.append(path)
            return
        for change in nexts:
            walk(change.new_code, [*path, change])

    walk(code, [])
    return paths


def current_codes(code: str, changes: Iterable[CodeChange]) -> list[str]:
    """The code(s) `code` is known by now; itself when it never changed."""
    ends = {path[-1].new_code if path else code for path in lineage(code, list(changes))}
    return sorted(ends)
