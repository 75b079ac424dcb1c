"""One decode measurement in a process of its own: `python decode_one.py <tool> <cube.json>`.

The file's bytes are read first; then the tool's whole job is timed, its imports and the parse
included (`seconds`), and again without the imports (`work_seconds`):
  json       json.loads alone (the yardstick)
  malestokk  what a refresh does with a PxWebApi answer: jsonstat.parse_dataset + decode
  pyjstat    pyjstat.Dataset.read(text).write("dataframe") (it parses inside read)
Prints the times, cells and the process's peak RSS in MB as one JSON line.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    tool, path = sys.argv[1], Path(sys.argv[2])
    raw = path.read_bytes()
    start = time.perf_counter()
    if tool == "json":
        import json as yardstick

        work = time.perf_counter()
        parsed = yardstick.loads(raw)
        cells = len(parsed["value"])
    elif tool == "malestokk":
        from pipelines.sources.ssb.jsonstat import decode, parse_dataset

        work = time.perf_counter()
        frame = decode(parse_dataset(raw))
        cells = frame.height
    elif tool == "pyjstat":
        from pyjstat import pyjstat

        work = time.perf_counter()
        frame = pyjstat.Dataset.read(raw.decode()).write("dataframe")
        cells = len(frame)
    else:
        raise SystemExit(f"unknown tool {tool}")
    end = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    import json

    print(
        json.dumps(
            {
                "tool": tool,
                "seconds": end - start,
                "work_seconds": end - work,
                "cells": cells,
                "peak_mb": peak,
            }
        )
    )


if __name__ == "__main__":
    main()
