"""`ir-console --debug`: a log of what the console and the commands did, and any traceback, in a
rotating file in the user log folder (`debug_log_path`). Without --debug nothing is logged.

What is logged is what ran (the command line, key bindings' actions, writes, exits, errors with
their tracebacks), not what is typed in the console: incident text stays in the database.
"""

from __future__ import annotations

import logging
import os
import platform
import sys
from pathlib import Path

from ir_console import __version__
from ir_console.locations import log_dir

LOGGER_NAME = "ir_console"
LOG_NAME = "ir-console-debug.log"
MAX_BYTES = 1_000_000
BACKUPS = 3

log = logging.getLogger(LOGGER_NAME)
log.addHandler(logging.NullHandler())  # without --debug nothing goes anywhere (not even stderr)


def debug_log_path() -> Path:
    """`ir-console-debug.log` in the user log folder (`~/.local/state/ir-console/log/` on Linux)."""
    return log_dir() / LOG_NAME


def start_debug_log(path: Path | None = None) -> Path:
    """Log everything ir-console does to `path` (1 MB, then rotated, 3 old files kept), readable
    by the owner only; returns the path."""
    from logging.handlers import RotatingFileHandler  # only with --debug: every command imports this module

    path = path or debug_log_path()
    handler = RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    os.chmod(path, 0o600)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    log.info(
        "ir-console %s, python %s on %s; argv %s; TERM=%s",
        __version__,
        platform.python_version(),
        platform.platform(),
        sys.argv[1:],
        os.environ.get("TERM", ""),
    )
    return path
