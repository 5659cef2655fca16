"""`ir-console log` as alert pipelines run it: one whole process per alert.

Each run spawns `python -m ir_console log --incident REF "text"` (what the `ir-console` script
runs) and waits for it to exit; the baseline spawns `python -c` that opens the same database with
sqlite3 and inserts one event row, committing it (one fsync'd write, no checks). The two are
paired: they alternate, console first on even rounds and baseline first on odd ones, so both see
the same moments of a shared, noisy machine; the first pair warms the page cache and writes the
.pyc files and is left out.

The children run without PYTHONDONTWRITEBYTECODE (an installed ir-console has its .pyc files),
with no configuration file (IR_CONSOLE_CONFIG names a missing one: sync off, the shipped
defaults) and, for the second figure, with a configuration file that sets [updates] only.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.data import EVENT_COLUMNS, build_incident
from benchmarks.report import Row, median, milliseconds, ratio

EVENTS = 1_000
RUNS = 20

INSERT = f"""
import sqlite3, sys, uuid
from datetime import UTC, datetime
conn = sqlite3.connect(sys.argv[1])
now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
conn.execute(
    "INSERT INTO events ({", ".join(EVENT_COLUMNS)}) VALUES ({", ".join("?" * len(EVENT_COLUMNS))})",
    [str(uuid.uuid4()), int(sys.argv[2]), now, now, "alert", sys.argv[3], "pager", "cli", 0, 1],
)
conn.commit()
conn.close()
"""


def child_env(db: Path, config: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IR_CONSOLE_") and k != "PYTHONDONTWRITEBYTECODE"}
    env.update(IR_CONSOLE_DB=str(db), IR_CONSOLE_CONFIG=str(config), IR_CONSOLE_USER="pager")
    return env


def _run(argv: list[str], env: dict[str, str], cwd: str) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    elapsed = (time.perf_counter() - started) * 1000
    if done.returncode:
        raise RuntimeError(f"{argv[:4]} exited {done.returncode}: {done.stderr.strip()[-500:]}")
    return elapsed


def paired(db: Path, incident_id: int, ref: str, config: Path, runs: int, cwd: str) -> tuple[list, list]:
    env = child_env(db, config)
    console, baseline = [], []
    for round_number in range(runs + 1):  # round 0: page cache and .pyc files, discarded
        text = f"alert {round_number}: checkout 5xx above 2%"
        log = lambda: _run([sys.executable, "-m", "ir_console", "log", "--incident", ref, text], env, cwd)  # noqa: E731
        insert = lambda: _run([sys.executable, "-c", INSERT, str(db), str(incident_id), text], env, cwd)  # noqa: E731
        first, second = (log, insert) if round_number % 2 == 0 else (insert, log)
        a, b = first(), second()
        if round_number:
            (console if first is log else baseline).append(a)
            (baseline if first is log else console).append(b)
    return console, baseline


def measure(folder: Path, cwd: str, runs: int = RUNS) -> tuple[list[Row], list[str]]:
    db = folder / "log-process.db"
    incident_id = build_incident(db, EVENTS)
    conn = sqlite3.connect(db)
    try:
        ref = conn.execute("SELECT ref FROM incidents WHERE id = ?", [incident_id]).fetchone()[0]
    finally:
        conn.close()
    no_config = folder / "no-such-config.toml"
    config = folder / "log-config.toml"
    config.write_text("[updates]\ncadence_minutes = { 1 = 15 }\n", encoding="utf-8")

    rows, checks = [], []
    for label, path in (("no config file", no_config), ("a config file, sync off", config)):
        console, baseline = paired(db, incident_id, ref, path, runs, cwd)
        rows.append(
            Row(
                f"`ir-console log` whole process, {label} (median of {runs}, paired)",
                milliseconds(console),
                milliseconds(baseline) + " (python -c sqlite3 insert)",
                ratio(median(console), median(baseline)),
                "≤ 2x" if path is no_config else "–",
            )
        )
    conn = sqlite3.connect(db)
    try:
        logged = conn.execute(
            "SELECT count(*) FROM events WHERE incident_id = ? AND source = 'cli' AND author = 'pager'", [incident_id]
        ).fetchone()[0]
    finally:
        conn.close()
    checks.append(
        f"check: `ir-console log` and the baseline wrote {logged} events (expected {4 * (runs + 1)}: "
        f"2 figures x {runs + 1} rounds x 2)"
    )
    return rows, checks
