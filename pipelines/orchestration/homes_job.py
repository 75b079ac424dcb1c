"""The `write_homes` job as a worker process rebuilds it.

Dagster's multiprocess executor starts each step in a fresh process, which loads the job again:
from this module-level function, with the settings from the environment the CLI set
(MALESTOKK_CONFIG, MALESTOKK_SOURCE_MODE, MALESTOKK_HOMES), so every worker sees the same homes.
"""

from __future__ import annotations

import dagster as dg


def write_homes_job() -> dg.JobDefinition:
    import logging

    from pipelines.settings.config import load_settings

    # a worker's engine events go to the run's loggers (the terminal's progress line, the log
    # file), not as Dagster's debug lines onto the terminal the command was started from
    for handler in logging.getLogger("dagster").handlers:
        handler.setLevel(logging.WARNING)
    from pipelines.definitions import build_definitions

    return build_definitions(load_settings()).resolve_job_def("write_homes")
