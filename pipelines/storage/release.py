"""A published set: the warehouse, its record, the dashboards, reports and exports of one run,
made visible together or not at all.

A run writes its outputs into `<warehouse>/releases/.building-<run id>/outputs/`. The publish
copies the checked staging file there, adds `published.json` and the state the next refresh
starts from, renames the folder to `releases/<time>-<run>` and then swaps one symbolic link,
`<warehouse>/current`, to it; the rename and the swap are each atomic. The paths people use stay
put: `<warehouse>/malestokk.duckdb`, `<warehouse>/published.json` and `<data>/outputs` are links
through `current`. A reader who has the old warehouse open keeps reading it (the last three sets
are kept); a publish killed at any point leaves the previous set in place, and its leftovers
are removed by the next run. Nothing writes into a release once it is published: the other
homes' outputs drawn from it go to `<warehouse>/homes/<release>/` (`<data>/homes` follows the
current one), and commands run outside a refresh write to `<data>/on-demand/`.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

KEEP = 3  # published sets kept (the current one and two before it, for readers still on them)
BUILDING = ".building-"


class Releases:
    def __init__(self, warehouse_dir: Path) -> None:
        self.warehouse_dir = Path(warehouse_dir)
        self.root = self.warehouse_dir / "releases"
        self.current = self.warehouse_dir / "current"
        self.outputs_link = self.warehouse_dir.parent / "outputs"
        self.homes_root = self.warehouse_dir / "homes"
        self.homes_link = self.warehouse_dir.parent / "homes"

    def building(self, run_id: str) -> Path:
        """Where a run writes what it will publish (created on first use)."""
        path = self.root / f"{BUILDING}{run_id}"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def outputs_for(self, run_id: str) -> Path:
        path = self.building(run_id) / "outputs"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def homes_of(self, release: Path) -> Path:
        """Where the other homes' outputs drawn from a release go: a folder of their own beside
        it (written after the publish, so never inside the release, which never changes)."""
        return self.homes_root / release.name

    def current_dir(self) -> Path | None:
        return self.current.resolve() if self.current.is_symlink() else None

    def make_current(self, run_id: str) -> Path:
        """Rename the run's folder to a release and point `current` at it, atomically each."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        final = self.root / f"{stamp}-{run_id[:8]}"
        os.rename(self.building(run_id), final)
        link = self.warehouse_dir / f".current-{os.getpid()}"
        link.unlink(missing_ok=True)
        os.symlink(Path("releases") / final.name, link)
        os.replace(link, self.current)
        self.homes_of(final).mkdir(parents=True, exist_ok=True)
        self._stable_links()
        return final

    def _stable_links(self) -> None:
        """malestokk.duckdb, published.json and <data>/outputs, through `current`."""
        for name in ("malestokk.duckdb", "published.json"):
            self._link(self.warehouse_dir / name, Path("current") / name)
        target = Path(os.path.relpath(self.current / "outputs", self.outputs_link.parent))
        if self.outputs_link.exists() and not self.outputs_link.is_symlink():
            # outputs written before releases existed: keep them beside the old sets
            os.rename(self.outputs_link, self.root / f"legacy-outputs-{os.getpid()}")
        self._link(self.outputs_link, target)
        current = self.current_dir()
        if current is not None:
            homes = Path(os.path.relpath(self.homes_of(current), self.homes_link.parent))
            self._link(self.homes_link, homes)

    @staticmethod
    def _link(path: Path, target: Path) -> None:
        if path.is_symlink() and Path(os.readlink(path)) == target:
            return
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.unlink(missing_ok=True)
        os.symlink(target, tmp)
        os.replace(tmp, path)  # a file from before releases is replaced by the link at once

    def clean(self, running: str | None = None) -> list[str]:
        """Remove what failed or killed publishes left behind, and sets beyond the last KEEP.

        Call it while holding the refresh lock: no other run can be building then.
        """
        removed = []
        if not self.root.is_dir():
            return removed
        current = self.current_dir()
        for path in self.root.iterdir():
            if path.name.startswith(BUILDING) and path.name != f"{BUILDING}{running}":
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path.name)
        sets = sorted(
            (p for p in self.root.iterdir() if p.is_dir() and p.name[:1].isdigit()),
            key=lambda p: p.name,
        )
        if current is not None:
            newer = [p for p in sets if p.name > current.name]  # renamed, never made current
            for path in newer:
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path.name)
            sets = [p for p in sets if p not in newer]
        for path in sets[:-KEEP]:
            if path != current:
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path.name)
        if self.homes_root.is_dir():  # a release's homes go with it
            kept = {p.name for p in self.root.iterdir()}
            for path in self.homes_root.iterdir():
                if path.name not in kept:
                    shutil.rmtree(path, ignore_errors=True)
        for stray in self.warehouse_dir.glob(".malestokk-*.duckdb"):  # an older layout's copies
            stray.unlink(missing_ok=True)
            removed.append(stray.name)
        return removed
