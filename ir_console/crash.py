"""What the console leaves behind when something unexpected ends it: the traceback in a private
file, and one line on stderr naming that file. No Textual here: this runs after the terminal is
restored.

The traceback is written without local variables (Textual's own report shows them, and they
hold incident text); the record itself is in the database, not in the log.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path

from ir_console import __version__
from ir_console.locations import log_dir

# The exit status of a console that ended on an unexpected error (sysexits.h EX_SOFTWARE), apart
# from 1 (a write worth retrying) and 2 (a bad database or bad input).
CRASH_EXIT_STATUS = 70


def write_crash_log(error: BaseException, *, now: datetime | None = None) -> Path:
    """Write `error`'s traceback to `ir-console-crash-<UTC time>.log` (mode 0600) in the user log
    folder, or in the temporary folder when that cannot be made; returns its path."""
    now = now or datetime.now(UTC)
    text = "".join(
        [
            f"ir-console {__version__} crashed at {now:%Y-%m-%dT%H:%M:%SZ}\n",
            f"python {platform.python_version()} on {platform.platform()}\n",
            f"command: {' '.join(sys.argv)}\n\n",
            *traceback.format_exception(error),
        ]
    )
    name = f"ir-console-crash-{now:%Y%m%dT%H%M%SZ}-{os.getpid()}.log"
    try:
        path = log_dir() / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        fd, temp = tempfile.mkstemp(prefix=name.removesuffix(".log") + "-", suffix=".log")  # 0600
        path = Path(temp)
    with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as handle:
        handle.write(text)
    return path


def crash_line(error: BaseException, log: Path) -> str:
    """The one line on stderr: what ended the console and where the traceback is."""
    return (
        f"ir-console: the console stopped on an unexpected error ({type(error).__name__}); "
        f"everything it acknowledged is saved; the traceback is in {log}"
    )
