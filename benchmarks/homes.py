"""What a network, a county or a national operator waits for: the outputs of many homes from one
published warehouse (`malestokk homes`, the write_homes job: one step per home, Dagster's
multiprocess executor), for 1 home, the 12 ASSS members, one county (Vestland, fylke:46, 43
homes) and every Norwegian and Swedish municipality (647 homes).

`python benchmarks/homes.py [--runs 3] [--workers N] [--skip-all]`. The national warehouse is built
once first (not timed). Each figure is a fresh `malestokk homes` process, as a user starts it; the
peak memory is that of the command and all its workers together. "all" runs once (it takes
minutes); the others take the median of --runs.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import PYTHON, fresh_tree, load, machine, median, spread
from warehouse import demo_config, demo_warehouse

MALESTOKK = [PYTHON, "-m", "pipelines.cli"]
TARGET_ALL = 600.0  # seconds for every NO and SE municipality (issue 32)
SELECTIONS = [("1 home (Bergen)", "4601", 1), ("ASSS", "asss", 12),
              ("a county (fylke:46)", "fylke:46", 43), ("all NO + SE", "all", 647)]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-all", action="store_true", help="leave out the 647 homes")
    args = parser.parse_args()
    print(f"# per-home outputs: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        config = demo_config(Path(tmp))
        demo_warehouse(Path(tmp))
        print("| homes | selection | wall (s) | per home (s) | per home x workers (s) | "
              "workers idle | peak memory, all processes (MB) | runs |")  # fmt: skip
        print("|---|---|---|---|---|---|---|---|")
        points = []
        for label, selection, n in SELECTIONS:
            if selection == "all" and args.skip_all:
                continue
            runs = 1 if selection == "all" else args.runs
            cmd = [*MALESTOKK, "--config", str(config), "homes", "--homes", selection,
                   "--workers", str(args.workers)]  # fmt: skip
            measured = [fresh_tree(cmd) for _ in range(runs)]
            wall = median([m.wall for m in measured])
            peak = max(m.peak_mb for m in measured)
            idle = median([idle_share(m, args.workers) for m in measured])
            points.append((n, wall))
            print(
                f"| {n} | {label} | {wall:.1f} ({spread([m.wall for m in measured])}) | "
                f"{wall / n:.2f} | {wall * args.workers / n:.2f} | {idle:.0%} | {peak:.0f} | "
                f"{runs} |",
                flush=True,
            )
        if args.workers > 1:  # what the parallel steps buy: the county on one worker
            cmd = [*MALESTOKK, "--config", str(config), "homes", "--homes", "fylke:46",
                   "--workers", "1"]  # fmt: skip
            one = fresh_tree(cmd)
            print(
                f"| 43 | a county, 1 worker | {one.wall:.1f} | {one.wall / 43:.2f} | "
                f"{one.wall / 43:.2f} | {idle_share(one, 1):.0%} | {one.peak_mb:.0f} | 1 |",
                flush=True,
            )
        fixed, slope = _fit(points)
        print(
            f"\nwall ≈ {fixed:.1f} s + {slope:.2f} s x homes (least squares over the rows, "
            f"{args.workers} workers); {load()}"
        )
        for n, wall in points:
            print(f"  {n:4d} homes: measured {wall:7.1f} s, line {fixed + slope * n:7.1f} s")
        every = dict(points).get(647)
        how = "measured"
        if every is None:
            every, how = fixed + slope * 647, "estimated from the line (--skip-all)"
        verdict = "met" if every <= TARGET_ALL else "NOT met"
        print(
            f"\n647 homes: {every:.0f} s ({every / 60:.1f} min), {how}; target "
            f"{TARGET_ALL / 60:.0f} min on 2 cores: {verdict}"
        )
        if every > TARGET_ALL:
            print(
                f"  why: each home is one Dagster step in a forked worker, writing its marts, "
                f"site, report and note: {slope:.2f} s a home on {args.workers} workers, and "
                f"{fixed:.0f} s before the first home (the step durations are in the command's "
                "output)"
            )


STEP = re.compile(r"ok\s+write_home_step\[[^\]]+\] \((\d+(?:\.\d+)?) s\)")


def idle_share(run, workers: int) -> float:
    """The share of the workers' time (wall x workers) spent in no home step: the run's start,
    each step's process start and events, the index (step durations from the command's own
    step lines, `ok write_home_step[...] (x s)`)."""
    busy = sum(float(s) for s in STEP.findall(run.stderr + run.stdout))
    return max(0.0, 1 - busy / (run.wall * workers))


def _fit(points: list[tuple[int, float]]) -> tuple[float, float]:
    n = len(points)
    mx = sum(p[0] for p in points) / n
    my = sum(p[1] for p in points) / n
    sxx = sum((p[0] - mx) ** 2 for p in points)
    slope = sum((p[0] - mx) * (p[1] - my) for p in points) / sxx if sxx else 0.0
    return my - slope * mx, slope


if __name__ == "__main__":
    main()
