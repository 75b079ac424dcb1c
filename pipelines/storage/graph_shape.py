"""The shape of the asset graph (who is built from whom, which checks block), read from the
definitions Dagster loaded through its public API.

The publish gate, the build record and the rebuild plan need the graph while a run or a sensor is
going. They take it from the repository the run was loaded from (`context.repository_def`), never
by importing the code location: a library module that imported `pipelines.definitions` would close
an import circle through every asset module.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import dagster as dg

# The warehouse tables each asset writes, where they are not simply the asset's own name.
# Assets that write no warehouse table (the private store, the outputs) map to ().
ASSET_TABLES: dict[str, tuple[str, ...]] = {
    "raw_local__imports": (),  # the private store, outside the warehouse
    "out_dashboards__site": (),
    "out_exports__parquet": (),
    "out_reports__latest": (),
    "out_malekart__dialogue_sheets": (),
    "warehouse_published": (),
}


def tables_of(asset: str) -> tuple[str, ...]:
    return ASSET_TABLES.get(asset, (asset,))


@dataclass(frozen=True)
class GraphShape:
    """Assets by name: their parents, group, code version, the step that builds them, checks."""

    parents: dict[str, frozenset[str]]
    groups: dict[str, str]
    code_versions: dict[str, str | None]
    together: dict[str, frozenset[str]]  # the assets one step builds at once
    partitioned: frozenset[str]
    checks: tuple[tuple[str, str, bool], ...]  # (asset, check, blocking)
    _children: dict[str, set[str]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for asset, parents in self.parents.items():
            for parent in parents:
                self._children.setdefault(parent, set()).add(asset)

    @property
    def assets(self) -> set[str]:
        return set(self.parents)

    def upstream(self, asset: str) -> set[str]:
        """The asset and everything it is built from."""
        return self._walk([asset], self.parents)

    def downstream(self, assets: Iterable[str]) -> set[str]:
        """The assets and everything built from them, with what their steps build at once."""
        found = self._walk(assets, self._children)
        while True:
            grown = found | {k for a in found for k in self.together.get(a, ())}
            grown = self._walk(grown, self._children)
            if grown == found:
                return found
            found = grown

    def _walk(self, start: Iterable[str], edges) -> set[str]:
        seen: set[str] = set()
        todo = list(start)
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo.extend(edges.get(name, ()))
        return seen

    def covered_tables(self, asset: str) -> list[str]:
        return sorted({t for a in self.upstream(asset) for t in tables_of(a)})

    def blocking_checks(self, asset: str) -> list[tuple[str, str]]:
        """(asset, check) of every blocking check on the asset or upstream of it."""
        above = self.upstream(asset)
        return sorted((a, c) for a, c, blocking in self.checks if blocking and a in above)

    def checks_on(self, assets: Iterable[str]) -> list[tuple[str, str]]:
        wanted = set(assets)
        return sorted((a, c) for a, c, _ in self.checks if a in wanted)

    def in_group(self, *groups: str) -> set[str]:
        return {a for a, g in self.groups.items() if g in groups}

    def tables(self) -> set[str]:
        return {t for a in self.parents for t in tables_of(a)}


def shape_of(
    assets: Iterable[dg.AssetsDefinition], checks: Iterable[dg.AssetChecksDefinition] = ()
) -> GraphShape:
    """The shape of these definitions (public attributes of AssetsDefinition only)."""
    parents: dict[str, frozenset[str]] = {}
    groups: dict[str, str] = {}
    versions: dict[str, str | None] = {}
    together: dict[str, frozenset[str]] = {}
    partitioned: set[str] = set()
    found: set[tuple[str, str, bool]] = set()
    seen: set[int] = set()
    for definition in assets:
        if id(definition) in seen:
            continue
        seen.add(id(definition))
        names = frozenset(k.to_user_string() for k in definition.keys)
        for key in definition.keys:
            name = key.to_user_string()
            spec = definition.get_asset_spec(key)
            parents[name] = frozenset(d.asset_key.to_user_string() for d in spec.deps)
            groups[name] = spec.group_name or "default"
            versions[name] = spec.code_version
            together[name] = names if not definition.can_subset else frozenset({name})
            if definition.partitions_def is not None:
                partitioned.add(name)
        found |= {
            (s.asset_key.to_user_string(), s.name, s.blocking) for s in definition.check_specs
        }
    for definition in checks:
        found |= {
            (s.asset_key.to_user_string(), s.name, s.blocking) for s in definition.check_specs
        }
    return GraphShape(
        parents, groups, versions, together, frozenset(partitioned), tuple(sorted(found))
    )


_SHAPES: dict[int, tuple[object, GraphShape]] = {}


def shape_of_repository(repository: dg.RepositoryDefinition) -> GraphShape:
    """The shape of a loaded code location (kept per repository: it does not change)."""
    held = _SHAPES.get(id(repository))
    if held is None or held[0] is not repository:
        shape = shape_of(
            repository.assets_defs_by_key.values(), repository.asset_checks_defs_by_key.values()
        )
        held = _SHAPES[id(repository)] = (repository, shape)
    return held[1]  # type: ignore[return-value]
