"""The databases the benchmarks open, built once per run in a temporary folder.

The incident row (with its seeded containment checklist and its two milestone events) is made by
`Store.create_incident`, so it is exactly what the console writes. The bulk of the events is
inserted with one `executemany` in one transaction, in rows shaped like `Store._event` writes them
(same columns, same ISO timestamps, fresh UUIDs), which takes about a second for 100,000 rows
where 100,000 `add_event` calls would take minutes with synchronous=FULL.
"""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ir_console.model import EventKind, EventSource, Severity, Triage
from ir_console.model.clock import to_iso, truncate_to_ms
from ir_console.store import Store

EVENT_COLUMNS = (
    "uuid",
    "incident_id",
    "occurred_at",
    "recorded_at",
    "kind",
    "text",
    "author",
    "source",
    "key_moment",
    "revision",
)
KINDS = (
    [EventKind.NOTE] * 6
    + [EventKind.SIGNAL] * 3
    + [EventKind.ALERT, EventKind.ACTION, EventKind.EVIDENCE, EventKind.DECISION]
)
AUTHORS = ["dana", "lee", "sam", "priya", "alertmanager", ""]
TEXTS = [
    "checkout-api p99 latency {n} ms on pod-{pod}",
    "error rate {n} per mille on payments, region eu-west-{pod}",
    "rolled pod-{pod} back to build {n}",
    "db replica lag {n} s on replica-{pod}",
    "customer ticket #{n}: card declined twice at step {pod}",
]


@dataclass(frozen=True)
class Databases:
    folder: Path
    empty: Path
    ten: Path
    large: Path
    large_events: int
    large_incident: int


def build_incident(path: Path, events: int, *, step: timedelta = timedelta(seconds=1)) -> int:
    """A database with one open incident holding `events` timeline events, all in the past.

    Returns the incident id. The WAL is checkpointed and truncated at the end, so the file is in
    the state a console finds after a quiet night.
    """
    now = truncate_to_ms(datetime.now(UTC))
    start = now - step * (events + 60)
    with Store.open(path) as store:
        incident = store.create_incident(
            "Checkout 500s after deploy",
            Severity.SEV2,
            triage=Triage(
                reporter="pager",
                happening="checkout returns 500 for some card payments",
                affected="checkout, EU",
                changed="deploy 2026.11.27-1",
            ),
            detected_at=start - timedelta(minutes=1),
            author="dana",
            now=start,
        )
    bulk = max(0, events - 2)  # create_incident wrote two milestone events
    rows = []
    for i in range(bulk):
        occurred = start + step * (i + 1)
        kind = KINDS[i % len(KINDS)]
        rows.append(
            (
                str(uuid.uuid4()),
                incident.id,
                to_iso(occurred),
                to_iso(occurred),
                kind.value,
                TEXTS[i % len(TEXTS)].format(n=100 + (i * 7919) % 9000, pod=i % 37),
                AUTHORS[i % len(AUTHORS)],
                (EventSource.SIGNAL if kind is EventKind.SIGNAL else EventSource.CONSOLE).value,
                int(i % 997 == 0),
                1,
            )
        )
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous = OFF")  # the build, not what is measured
        conn.execute("BEGIN")
        conn.executemany(
            f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES ({', '.join('?' * len(EVENT_COLUMNS))})", rows
        )
        conn.execute("COMMIT")
        count = conn.execute("SELECT count(*) FROM events WHERE incident_id = ?", [incident.id]).fetchone()[0]
        if count != events:
            raise RuntimeError(f"built {count} events, wanted {events}")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return incident.id


def build_empty(path: Path) -> None:
    with Store.open(path):
        pass
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def build_all(folder: Path, large_events: int) -> Databases:
    folder.mkdir(parents=True, exist_ok=True)
    empty, ten, large = folder / "empty.db", folder / "ten.db", folder / "large.db"
    build_empty(empty)
    build_incident(ten, 10)
    large_incident = build_incident(large, large_events)
    return Databases(folder, empty, ten, large, large_events, large_incident)


def copy_database(source: Path, target: Path) -> Path:
    """A private copy (the file only: every source was checkpointed and has no WAL content)."""
    shutil.copyfile(source, target)
    return target
