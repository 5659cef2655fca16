"""Issue #14: `ir-console log`, which alert pipelines run once per alert, loads only what it needs.

A real process (`python -X importtime -m ir_console log ...`) lists every module it imported on
stderr; the event must be in the file and the modules only other commands use must not have been
loaded. No timing is asserted: `python -m benchmarks --only process` measures the whole process.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from ir_console.model import Severity
from ir_console.store import Store

# What `log` has no use for: the TUI and rich, HTTP, the sync client and asyncio, the renderers,
# the clipboard, the exchange format, and sqlite-utils' plugin scan (importlib.metadata).
NOT_FOR_LOG = (
    "textual",
    "rich",
    "httpx",
    "nats",
    "asyncio",
    "ir_console.config",
    "ir_console.clipboard",
    "ir_console.render.markdown",
    "ir_console.render.stats",
    "ir_console.render.status",
    "ir_console.store.exchange",
    "ir_console.sync",
    "importlib.metadata",
)


def imported_by(args: list[str], db: Path, config: Path) -> tuple[subprocess.CompletedProcess, set[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IR_CONSOLE_")}
    env.update(IR_CONSOLE_DB=str(db), IR_CONSOLE_CONFIG=str(config), IR_CONSOLE_USER="pager")
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "ir_console", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    modules = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    return done, modules


@pytest.fixture
def declared(db_path: Path) -> str:
    with Store.open(db_path) as store:
        return store.create_incident("Checkout errors", Severity.SEV2, author="ann").ref


def test_log_writes_the_event_and_loads_nothing_it_does_not_use(tmp_path: Path, db_path: Path, declared: str) -> None:
    done, modules = imported_by(
        ["log", "--incident", declared, "--kind", "alert", "--json", "disk full on db-3"],
        db_path,
        tmp_path / "no-config.toml",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    printed = json.loads(done.stdout)
    assert printed["incident"] == declared and printed["text"] == "disk full on db-3"
    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute("SELECT text, kind, author FROM events WHERE text = 'disk full on db-3'").fetchall()
    finally:
        conn.close()
    assert rows == [("disk full on db-3", "alert", "pager")]
    assert "ir_console.store.store" in modules  # the listing is real
    loaded = sorted(name for name in modules if name.split(".")[0] in NOT_FOR_LOG or name.startswith(NOT_FOR_LOG))
    assert loaded == []


def test_log_with_a_configuration_file_still_reads_it_for_sync(tmp_path: Path, db_path: Path, declared: str) -> None:
    """A configuration file may turn sync on, so `log` reads it; with sync off it loads nothing to
    send with (asyncio, the sync client)."""
    config = tmp_path / "config.toml"
    config.write_text("[updates]\n", encoding="utf-8")
    done, modules = imported_by(["log", "--incident", declared, "noted"], db_path, config)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith(f"{declared} #")
    assert "ir_console.config" in modules
    loaded = sorted(name for name in modules if name.split(".")[0] in ("textual", "asyncio", "nats", "httpx"))
    assert loaded == []
    assert not any(name.startswith("ir_console.sync") for name in modules)
