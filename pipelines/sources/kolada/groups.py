"""Kolada KPI groups in the catalog: a group id (e.g. GKPI118, KKiK) expanded to its member KPIs.

Members become ordinary catalog indicators, labelled with the KPI's own Kolada title, so the
economy department can follow a whole Kolada package without listing 40 ids by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pipelines.settings.catalog import Catalog, Indicator, KpiGroupEntry

UNDECIDED = "undecided: not in the catalog's directions for its group"


def unit_from_title(title: str) -> str:
    """Kolada titles end with the unit: "..., andel (%)", "..., kr/inv", "..., antal". The unit is
    written as Kolada's readers write it (Swedish), "%" for a share."""
    lowered = title.lower()
    if "(%)" in lowered or lowered.endswith("andel") or "procent" in lowered:
        return "%"
    if "kr/" in lowered or "kronor" in lowered or lowered.endswith(" kr"):
        return "kr"
    if "antal dagar" in lowered or ", dagar" in lowered or lowered.endswith(" dagar"):
        return "dagar"
    if "kg/inv" in lowered:
        return "kg per invånare"
    if lowered.endswith("index") or ", index" in lowered:
        return "index"
    if lowered.endswith("antal") or ", antal" in lowered:
        return "antal"
    return "värde"


def expand_group(
    entry: KpiGroupEntry,
    members: Iterable[str],
    kpi_meta: Mapping[str, Mapping[str, Any]],
) -> list[Indicator]:
    indicators = []
    for kpi in members:
        meta = kpi_meta.get(kpi, {})
        title = str(meta.get("title") or kpi)
        # a member's own direction; a KPI Kolada added later keeps the group's until decided
        higher, note = entry.directions.get(kpi, (entry.higher_is_better, UNDECIDED))
        indicators.append(
            Indicator(
                id=f"{entry.id}.{kpi.lower()}",
                source="kolada",
                label=title,
                unit=unit_from_title(title),
                service_area=entry.service_area,
                perspective=entry.perspective,
                higher_is_better=higher,
                kpi=kpi,
                kpi_group=entry.kpi_group,
                direction_note=note,
            )
        )
    return indicators


def expanded_indicators(
    catalog: Catalog,
    group_members: Mapping[str, list[str]],
    kpi_meta: Mapping[str, Mapping[str, Any]],
) -> list[Indicator]:
    """The catalog's own indicators plus every group member not already listed by KPI id."""
    out = list(catalog.indicators)
    listed = {i.kpi for i in catalog.indicators if i.kpi}
    for entry in catalog.kpi_groups:
        members = [k for k in group_members.get(entry.kpi_group, []) if k not in listed]
        out.extend(expand_group(entry, members, kpi_meta))
        listed.update(members)
    return out
