"""Two real processes writing to one incident at once: nothing lost, nothing doubled, no lock errors."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from store_support import count_events

from ir_console.model import Severity
from ir_console.store import Store

PER_WRITER = 300
WRITERS = ("A", "B")

# Each writer opens its own store, waits for the start signal, then appends its events one
# transaction at a time. Anything on stderr or a non-zero exit is a failure.
WRITER = """
import os, sys, time
from ir_console.store import Store
path, tag, go, count, incident_id = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
store = Store.open(path)
print("ready", flush=True)
deadline = time.monotonic() + 30
while not os.path.exists(go):
    if time.monotonic() > deadline:
        sys.exit("no start signal")
    time.sleep(0.001)
for number in range(count):
    store.add_event(incident_id, f"{tag}-{number}", author=tag)
store.close()
print("done", flush=True)
"""


def test_two_processes_append_to_one_incident(tmp_path: Path) -> None:
    path = tmp_path / "incidents.db"
    go = tmp_path / "go"
    with Store.open(path) as store:
        incident = store.create_incident("Shared war room", Severity.SEV1)
        existing = count_events(store, incident.id)

    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), tag, str(go), str(PER_WRITER), str(incident.id)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in WRITERS
    ]
    try:
        # Start both at once, only once both have opened the database.
        for writer in writers:
            assert writer.stdout.readline().strip() == "ready"
        go.touch()
        started = time.monotonic()
        results = [writer.communicate(timeout=45) for writer in writers]
    finally:
        for writer in writers:
            if writer.poll() is None:
                writer.kill()
                writer.wait()
    elapsed = time.monotonic() - started

    for writer, (out, err) in zip(writers, results):
        assert "locked" not in err.lower(), err
        assert writer.returncode == 0, err
        assert err == "", err
        assert out.strip() == "done"
    assert elapsed < 45

    conn = sqlite3.connect(path)
    try:
        texts = [
            r[0]
            for r in conn.execute(
                "SELECT text FROM events WHERE incident_id = ? AND author IN ('A', 'B')", [incident.id]
            )
        ]
        counts = Counter(texts)
        expected = {f"{tag}-{number}" for tag in WRITERS for number in range(PER_WRITER)}
        assert set(counts) == expected
        assert all(n == 1 for n in counts.values()), [t for t, n in counts.items() if n > 1][:5]
        assert len(texts) == len(WRITERS) * PER_WRITER == 600
        total = conn.execute("SELECT count(*) FROM events WHERE incident_id = ?", [incident.id]).fetchone()[0]
        assert total == existing + 600
        assert conn.execute("SELECT count(DISTINCT uuid) FROM events").fetchone()[0] == total
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        # Each writer's own events are in the order it wrote them.
        for tag in WRITERS:
            numbers = [
                int(r[0].split("-")[1])
                for r in conn.execute("SELECT text FROM events WHERE author = ? ORDER BY id", [tag])
            ]
            assert numbers == list(range(PER_WRITER))
    finally:
        conn.close()

    with Store.open(path) as store:
        assert count_events(store, incident.id) == existing + 600
