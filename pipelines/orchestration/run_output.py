"""What a refresh says on the terminal, and the full log it keeps in a file.

The terminal gets one line per step as it ends and, on failure, one line per failed step or check
with its cause; everything else (Dagster's event log, library warnings, stack traces) goes to
`<data>/logs/refresh-<time>.log`, named in the output. Both are Dagster loggers, so a run started
in the Dagster UI keeps Dagster's own console logger and these are only used by the CLI.
"""

from __future__ import annotations

import logging
import re
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

_ERRNO = re.compile(r"^\[Errno -?\d+\]\s*")


def one_line(text: str, limit: int = 300) -> str:
    """The first meaningful line of an error message, trimmed for a terminal."""
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    line = lines[0] if lines else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


_LOCK = re.compile(
    r'Could not set lock on file "([^"]+)": Conflicting lock is held in (\S+) \(PID (\d+)\)'
)


def plain_cause(message: str) -> str | None:
    """The blocking cause a person can act on, when the error is one: a lock, a full disk, a
    folder that cannot be written."""
    lock = _LOCK.search(message)
    if lock:
        path, program, pid = lock.groups()
        return (
            f"{path} is locked by another program ({program.rsplit('/', 1)[-1]}, process {pid}); "
            "close its connection, or open the warehouse read-only"
        )
    if "No space left on device" in message or "[Errno 28]" in message:
        return f"the disk is full ({one_line(message)})"
    if "Read-only file system" in message or "[Errno 30]" in message:
        return f"the data folder is on a read-only file system ({one_line(message)})"
    if "Permission denied" in message or "[Errno 13]" in message:
        return f"no permission to write there ({one_line(message)})"
    return None


def error_cause(error) -> str:
    """The user's words for a step failure: the innermost message Målestokk wrote itself."""
    if error is None:
        return "unknown error"
    message = error.message or ""
    # Dagster wraps user errors ("Error occurred while executing ...:"); the cause holds ours.
    while error.cause is not None and (
        (error.cls_name or "").startswith("Dagster")
        or message.startswith(("Error occurred while", "DagsterExecutionStepExecutionError"))
    ):
        error = error.cause
        message = error.message or ""
    message = re.sub(r"^[\w.]+(Error|Exception|Failure|Rejected|Busy): ", "", message)
    return plain_cause(message) or one_line(message)


def _event(record: logging.LogRecord):
    meta = getattr(record, "dagster_meta", None)
    return meta.get("dagster_event") if meta else None


class _ProgressHandler(logging.Handler):
    def __init__(self, stream) -> None:
        super().__init__(logging.DEBUG)
        self.stream = stream
        self.materialized: set[str] = set()  # steps that wrote an asset (not check-only steps)

    def emit(self, record: logging.LogRecord) -> None:
        event = _event(record)
        if event is None:
            return
        kind = event.event_type_value
        step = event.step_key or ""
        if kind == "ASSET_MATERIALIZATION":
            self.materialized.add(step)
            return
        if kind == "STEP_SUCCESS":
            if step not in self.materialized:
                return  # a check's own step: its result is reported on its own
            seconds = (event.event_specific_data.duration_ms or 0) / 1000
            line = f"  ok      {step} ({seconds:.1f} s)"
        elif kind in ("STEP_FAILURE", "RESOURCE_INIT_FAILURE"):
            step = step or "resources"
            cause = error_cause(getattr(event.event_specific_data, "error", None))
            line = f"  FAILED  {step}: {cause}"
        elif kind == "STEP_SKIPPED":
            line = f"  skipped {step} (an upstream step or blocking check failed)"
        elif kind == "ASSET_CHECK_EVALUATION":
            check = event.event_specific_data
            if check.passed or check.severity != dg.AssetCheckSeverity.ERROR:
                return  # warnings are listed in the summary
            line = f"  FAILED  {check.check_name} (blocking check)"
        else:
            return
        print(line, file=self.stream, flush=True)


@dg.logger(
    {"log_level": dg.Field(str, is_required=False, default_value="INFO")},
    description="One line per finished step or failed check, for the terminal.",
)
def progress_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    log = logging.getLogger(f"malestokk.progress.{init_context.run_id}")
    log.propagate = False
    log.setLevel(logging.DEBUG)
    log.handlers = [_ProgressHandler(sys.stderr)]
    return log


@dg.logger(
    {
        "path": dg.Field(str, description="the log file"),
        "log_level": dg.Field(str, is_required=False, default_value="DEBUG"),
    },
    description="The whole event log of the run, with stack traces, in a file.",
)
def file_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    config = init_context.logger_config
    log = logging.getLogger(f"malestokk.file.{init_context.run_id}")
    log.propagate = False
    log.setLevel(config["log_level"])
    handler = logging.FileHandler(config["path"], encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    for old in log.handlers:  # Dagster may build the run's loggers more than once
        old.close()
    log.handlers = [handler]
    return log


@contextmanager
def library_logs_to(path: Path) -> Iterator[None]:
    """Library logging and Python warnings go to the log file, not the terminal, for the block."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    libs = {name: logging.getLogger(name) for name in ("dagster", "great_expectations")}
    saved_libs = {name: (lib.handlers[:], lib.propagate) for name, lib in libs.items()}
    root.handlers = [handler]
    root.setLevel(logging.INFO)
    for lib in libs.values():
        lib.handlers = []
        lib.propagate = True
    logging.captureWarnings(True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            yield
    finally:
        logging.captureWarnings(False)
        root.handlers, level = saved
        root.setLevel(level)
        for name, (handlers, propagate) in saved_libs.items():
            libs[name].handlers, libs[name].propagate = handlers, propagate
        handler.close()


def close_run_logs(run_id: str) -> None:
    """Close the run's log file (Dagster loggers have no teardown of their own)."""
    for name in (f"malestokk.file.{run_id}", f"malestokk.progress.{run_id}"):
        log = logging.getLogger(name)
        for handler in log.handlers:
            handler.close()
        log.handlers = []


LOGGERS = {"malestokk_progress": progress_logger, "malestokk_file": file_logger}


def cli_logger_config(log_file: Path) -> dict:
    return {
        "malestokk_progress": {"config": {}},
        "malestokk_file": {"config": {"path": str(log_file)}},
    }
