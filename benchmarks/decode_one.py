"""One decode measurement in a process of its own: `python decode_one.py <tool> <cube.json>`.

The file's bytes are read first; then the tool's whole job is timed, parse included:
  json       json.loads alone (the yardstick)
  malestokk  what a refresh does with a PxWebApi answer: parse_json + jsonstat.decode
  pyjstat    pyjstat.Dataset.read(text).write("dataframe") (it parses inside read)
Prints seconds, cells and the process's peak RSS in MB as one JSON line.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    tool, path = sys.argv[1], Path(sys.argv[2])
    raw = path.read_bytes()
    if tool == "json":
        start = time.perf_counter()
        parsed = json.loads(raw)
        seconds = time.perf_counter() - start
        cells = len(parsed["value"])
    elif tool == "malestokk":
        from pipelines.sources.http import parse_json
        from pipelines.sources.ssb.jsonstat import decode

        start = time.perf_counter()
        frame = decode(parse_json(raw))
        seconds = time.perf_counter() - start
        cells = frame.height
    elif tool == "pyjstat":
        from pyjstat import pyjstat

        text = raw.decode()
        start = time.perf_counter()
        frame = pyjstat.Dataset.read(text).write("dataframe")
        seconds = time.perf_counter() - start
        cells = len(frame)
    else:
        raise SystemExit(f"unknown tool {tool}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"tool": tool, "seconds": seconds, "cells": cells, "peak_mb": peak}))


if __name__ == "__main__":
    main()
