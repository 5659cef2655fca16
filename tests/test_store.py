"""The SQLite store: schema, pragmas, and that every change of state lands with its timeline event."""

from __future__ import annotations

import re
import sqlite3
import stat
import subprocess
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from store_support import count_events, every_incident, write_section

from ir_console.model import (
    SEED_CONTAINMENT,
    ContainmentState,
    EventKind,
    EventSource,
    HypothesisResult,
    Milestone,
    Phase,
    Priority,
    Role,
    Section,
    Severity,
    Status,
    Triage,
    utc_now,
)
from ir_console.store import NotFound, Store, StoreError, WriteFailed
from ir_console.store.opening import BUSY_TIMEOUT_MS
from ir_console.store.schema import known_migration_names

UTC = UTC
TABLES = {
    "incidents",
    "events",
    "event_revisions",
    "hypotheses",
    "containment",
    "status_updates",
    "action_items",
    "postmortem_sections",
}


def raw(path: Path) -> sqlite3.Connection:
    """A connection of our own, independent of the store's, to see what the file holds."""
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    return conn


def snapshot(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table, as another process would read them."""
    conn = raw(path)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        # Sorted in Python: the search index's FTS5 shadow tables are WITHOUT ROWID.
        return {name: sorted((tuple(r) for r in conn.execute(f"SELECT * FROM [{name}]")), key=repr) for name in names}
    finally:
        conn.close()


def all_events(path: Path) -> list[sqlite3.Row]:
    conn = raw(path)
    try:
        return conn.execute("SELECT * FROM events ORDER BY id").fetchall()
    finally:
        conn.close()


def incident_row(path: Path, incident_id: int) -> dict:
    conn = raw(path)
    try:
        return dict(conn.execute("SELECT * FROM incidents WHERE id = ?", [incident_id]).fetchone())
    finally:
        conn.close()


def close_to_now(moment: datetime, slack: timedelta = timedelta(seconds=30)) -> bool:
    return abs(utc_now() - moment) < slack


# -- schema and file ------------------------------------------------------------------------------


def test_migrations_create_every_table_and_record_the_set(db_path: Path) -> None:
    assert not db_path.exists()
    Store.open(db_path).close()
    conn = raw(db_path)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert TABLES <= tables
    assert "_sqlite_migrations" in tables
    applied = conn.execute("SELECT migration_set, name FROM _sqlite_migrations").fetchall()
    conn.close()
    assert {tuple(r) for r in applied} == {("ir_console", name) for name in known_migration_names()}
    assert len(applied) == len(known_migration_names()) >= 1


def test_reopening_applies_nothing_twice_and_keeps_the_data(db_path: Path) -> None:
    with Store.open(db_path) as store:
        incident = store.create_incident("Checkout down", Severity.SEV1)
    before = snapshot(db_path)
    with Store.open(db_path) as store:
        assert store.incident(incident.id).title == "Checkout down"
    assert snapshot(db_path) == before


def test_the_migration_names_the_opening_checks_are_the_schemas(db_path: Path) -> None:
    """opening.py tells a current schema from one to upgrade without importing schema.py: a
    migration added there and not listed here would never be applied to an existing file."""
    from ir_console.store import schema
    from ir_console.store.opening import MIGRATION_NAMES, MIGRATION_SET

    assert [m.name for m in schema.migrations._migrations] == list(MIGRATION_NAMES)
    assert schema.migrations.name == MIGRATION_SET


STORE_WITHOUT_SQLITE_UTILS = """
import sqlite3, sys
from ir_console.model import EventKind, EventSource, Severity
from ir_console.store import Store

with Store.open(sys.argv[1], create=False) as store:
    incident = store.latest_open_incident()
    event = store.add_event(incident.id, "paged", kind=EventKind.ALERT, author="pager", source=EventSource.CLI)
    store.set_severity(incident.id, Severity.SEV2, author="pager", reason="paged")
    store.add_hypothesis(incident.id, "bad deploy", author="pager")
    print(incident.ref, event.id, len(store.events(incident.id)), "sqlite_utils" in sys.modules)
"""


def test_a_current_database_is_opened_read_and_written_without_sqlite_utils(db_path: Path) -> None:
    """Importing sqlite-utils costs ~40 ms (issue #14): a file whose schema is current is opened,
    read and written with sqlite3 alone; sqlite-utils is imported to create or upgrade a schema."""
    with Store.open(db_path) as store:
        ref = store.create_incident("Checkout down", Severity.SEV1).ref
    before = counts_of_events(db_path)
    done = subprocess.run(
        [sys.executable, "-c", STORE_WITHOUT_SQLITE_UTILS, str(db_path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    printed_ref, event_id, events, imported = done.stdout.split()
    assert printed_ref == ref and imported == "False"
    assert counts_of_events(db_path) == int(events) == before + 3  # the entry, the change, the hypothesis
    conn = raw(db_path)
    row = conn.execute("SELECT text, kind, author, source FROM events WHERE id = ?", [int(event_id)]).fetchone()
    assert tuple(row) == ("paged", "alert", "pager", "cli")
    assert conn.execute("SELECT severity FROM incidents WHERE ref = ?", [ref]).fetchone()[0] == 2
    assert conn.execute("SELECT statement FROM hypotheses").fetchall()[0][0] == "bad deploy"
    conn.close()


def counts_of_events(path: Path) -> int:
    conn = raw(path)
    try:
        return conn.execute("SELECT count(*) FROM events").fetchone()[0]
    finally:
        conn.close()


def test_a_first_open_that_failed_mid_migration_can_be_retried(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk filled up while the schema was being created: after freeing space, opening again works."""
    from ir_console.store import schema

    first = schema.migrations._migrations[0]
    real = first.fn

    def disk_full(db):
        real(db)
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(first, "fn", disk_full)
    with pytest.raises(StoreError, match="disk is full"):
        Store.open(db_path)
    conn = raw(db_path)
    assert "incidents" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}  # rolled back
    conn.close()

    monkeypatch.setattr(first, "fn", real)
    with Store.open(db_path) as store:
        assert store.create_incident("after the retry", Severity.SEV3).title == "after the retry"
    assert {tuple(r) for r in raw(db_path).execute("SELECT migration_set, name FROM _sqlite_migrations")} == {
        ("ir_console", name) for name in known_migration_names()
    }


def test_pragmas(store: Store, db_path: Path) -> None:
    # journal_mode is a property of the file: a fresh connection sees it.
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    # The rest are per connection: read them on the store's own.
    assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    busy = store.db.execute("PRAGMA busy_timeout").fetchone()[0]
    assert busy == BUSY_TIMEOUT_MS > 0


def test_foreign_keys_are_enforced(store: Store) -> None:
    with pytest.raises(WriteFailed, match="FOREIGN KEY"):
        with store.transaction() as db:
            db["events"].insert(
                {
                    "uuid": "x",
                    "incident_id": 999,
                    "occurred_at": "a",
                    "recorded_at": "b",
                    "kind": "note",
                    "text": "orphan",
                }
            )
    assert store.query_rows("SELECT * FROM events WHERE uuid = 'x'") == []


def test_file_is_private(tmp_path: Path) -> None:
    folder = tmp_path / "private" / "ir"
    path = folder / "incidents.db"
    with Store.open(path) as store:
        incident = store.create_incident("Leak", Severity.SEV1)
        store.add_event(incident.id, "customer data seen in logs")
        # The WAL and shared-memory files hold the same data: SQLite gives them the file's mode.
        for companion in (path.with_name("incidents.db-wal"), path.with_name("incidents.db-shm")):
            assert companion.exists(), companion
            assert stat.S_IMODE(companion.stat().st_mode) & 0o077 == 0, companion
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_open_without_create_refuses_a_missing_file(db_path: Path) -> None:
    with pytest.raises(StoreError) as caught:
        Store.open(db_path, create=False)
    assert str(db_path) in str(caught.value)
    assert not db_path.exists()


# -- new incident ---------------------------------------------------------------------------------


def test_new_incident(store: Store, db_path: Path) -> None:
    now = datetime(2026, 11, 27, 3, 4, 5, 678000, tzinfo=UTC)
    detected = now - timedelta(minutes=7)
    incident = store.create_incident(
        "  Checkout returns 500s  ",
        Severity.SEV2,
        triage=Triage(reporter="pagerduty", happening="500s on /checkout", affected="all users", changed="deploy 42"),
        detected_at=detected,
        author="alice",
        source=EventSource.CLI,
        now=now,
    )
    assert incident.ref == "INC-20261127-001"
    assert uuid.UUID(incident.uuid).version == 7  # time-ordered: see store/ids.py
    assert incident.title == "Checkout returns 500s"
    assert incident.severity is Severity.SEV2
    assert incident.status is Status.INVESTIGATING
    assert incident.phase is Phase.TRIAGE
    assert incident.triage == Triage("pagerduty", "500s on /checkout", "all users", "deploy 42")
    assert incident.roles == {}
    assert incident.milestones == {Milestone.DETECTED: detected, Milestone.DECLARED: now}

    row = incident_row(db_path, incident.id)
    assert row["detected_at"] == "2026-11-27T02:57:05.678Z"
    assert row["declared_at"] == "2026-11-27T03:04:05.678Z"
    assert row["acknowledged_at"] is None and row["resolved_at"] is None

    containment = store.containment(incident.id)
    assert [(a.action, a.when_to_use) for a in containment] == [(t.action, t.when_to_use) for t in SEED_CONTAINMENT]
    assert len(containment) == 6
    assert [a.position for a in containment] == [1, 2, 3, 4, 5, 6]
    assert all(a.state is ContainmentState.PENDING and not a.custom for a in containment)
    assert containment[0].action == "Rollback deployment"
    assert containment[0].when_to_use == "Problem started after a deploy"

    events = store.events(incident.id)
    assert [(e.kind, e.text) for e in events] == [
        (EventKind.MILESTONE, "Detected (reported by pagerduty): 500s on /checkout"),
        (EventKind.MILESTONE, "Incident declared: SEV-2 Checkout returns 500s"),
    ]
    assert [e.occurred_at for e in events] == [detected, now]
    assert all(e.key_moment and e.author == "alice" and e.source is EventSource.CLI for e in events)
    assert all(e.recorded_at == now for e in events)
    assert events[0].is_backfilled and not events[1].is_backfilled


def test_new_incident_without_triage(store: Store) -> None:
    incident = store.create_incident("Slow search", Severity.SEV3)
    assert [e.text for e in store.events(incident.id)] == ["Detected", "Incident declared: SEV-3 Slow search"]
    assert close_to_now(incident.milestones[Milestone.DECLARED])
    assert incident.milestones[Milestone.DETECTED] == incident.milestones[Milestone.DECLARED]


def test_new_incident_needs_a_title(store: Store, db_path: Path) -> None:
    with pytest.raises(ValueError, match="title"):
        store.create_incident("   ", Severity.SEV1)
    assert snapshot(db_path)["incidents"] == []


def test_refs_count_per_day(store: Store) -> None:
    day1 = datetime(2026, 1, 5, 23, 59, 59, tzinfo=UTC)
    day2 = datetime(2026, 1, 6, 0, 0, 0, tzinfo=UTC)
    refs = [
        store.create_incident("a", Severity.SEV1, now=day1).ref,
        store.create_incident("b", Severity.SEV1, now=day1).ref,
        store.create_incident("c", Severity.SEV1, now=day2).ref,
        store.create_incident("d", Severity.SEV1, now=day1).ref,
        store.create_incident("e", Severity.SEV1, now=day2).ref,
    ]
    assert refs == ["INC-20260105-001", "INC-20260105-002", "INC-20260106-001", "INC-20260105-003", "INC-20260106-002"]
    assert all(re.fullmatch(r"INC-\d{8}-\d{3}", ref) for ref in refs)
    uuids = [
        i.uuid
        for i in every_incident(
            store,
        )
    ]
    assert len(set(uuids)) == 5


def test_refs_past_999_in_a_day(store: Store) -> None:
    day = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    incident = store.create_incident("storm", Severity.SEV3, now=day)
    # An alert storm: pretend 998 more were declared today (faster than creating them).
    store.db.execute("UPDATE incidents SET ref = 'INC-20260105-999' WHERE id = ?", [incident.id])
    refs = [store.create_incident(f"storm {n}", Severity.SEV3, now=day).ref for n in range(3)]
    assert refs == ["INC-20260105-1000", "INC-20260105-1001", "INC-20260105-1002"]


def test_incident_lookup_by_id_ref_and_uuid(store: Store) -> None:
    incident = store.create_incident("a", Severity.SEV1, now=datetime(2026, 1, 5, tzinfo=UTC))
    assert store.incident(incident.id) == incident
    assert store.incident(str(incident.id)) == incident
    assert store.incident("inc-20260105-001") == incident
    assert store.incident(f" {incident.uuid} ") == incident
    with pytest.raises(NotFound, match="INC-20990101-001"):
        store.incident("INC-20990101-001")


def test_incident_lists(store: Store) -> None:
    first = store.create_incident("first", Severity.SEV1, now=datetime(2026, 1, 5, tzinfo=UTC))
    second = store.create_incident("second", Severity.SEV2, now=datetime(2026, 1, 6, tzinfo=UTC))
    store.set_status(second.id, Status.RESOLVED)
    assert [
        i.title
        for i in every_incident(
            store,
        )
    ] == ["second", "first"]
    assert [i.title for i in every_incident(store, "open")] == ["first"]
    assert [i.title for i in every_incident(store, "resolved")] == ["second"]
    assert store.latest_open_incident().id == first.id


# -- every change of state writes its timeline event, in the same transaction ---------------------


@dataclass
class World:
    incident_id: int
    hypothesis_id: int
    rollback_id: int


def make_world(store: Store) -> World:
    incident = store.create_incident(
        "Checkout 500s",
        Severity.SEV1,
        triage=Triage(reporter="pager", happening="500s"),
        now=utc_now() - timedelta(minutes=30),
    )
    hypothesis = store.add_hypothesis(incident.id, "Bad deploy", evidence_for="started 14:02")
    return World(incident.id, hypothesis.id, store.containment(incident.id)[0].id)


A = {"author": "alice", "source": EventSource.CLI}
BACKFILL = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)

# (name, operation, the events it writes: kind, text, key moment)
OPERATIONS: list[tuple[str, Callable[[Store, World], object], list[tuple[EventKind, str, bool]]]] = [
    (
        "create_incident",
        lambda s, w: s.create_incident("DB failover", Severity.SEV2, triage=Triage(reporter="bob"), **A),
        [
            (EventKind.MILESTONE, "Detected (reported by bob)", True),
            (EventKind.MILESTONE, "Incident declared: SEV-2 DB failover", True),
        ],
    ),
    (
        "severity",
        lambda s, w: s.set_severity(w.incident_id, Severity.SEV2, **A),
        [(EventKind.SEVERITY_CHANGE, "Severity SEV-1 → SEV-2", True)],
    ),
    (
        "status",
        lambda s, w: s.set_status(w.incident_id, Status.IDENTIFIED, **A),
        [
            (EventKind.STATUS_CHANGE, "Status Investigating → Identified", False),
            (EventKind.MILESTONE, "Root cause identified", True),
            (EventKind.STATUS_CHANGE, "Phase Detection & Triage → Containment", False),
        ],
    ),
    (
        "status resolved",
        lambda s, w: s.set_status(w.incident_id, Status.RESOLVED, **A),
        [
            (EventKind.STATUS_CHANGE, "Status Investigating → Resolved", False),
            (EventKind.MILESTONE, "Confirmed resolved", True),
            (EventKind.STATUS_CHANGE, "Phase Detection & Triage → Post-Mortem", False),
        ],
    ),
    (
        "phase",
        lambda s, w: s.set_phase(w.incident_id, Phase.CONTAINMENT, **A),
        [(EventKind.STATUS_CHANGE, "Phase Detection & Triage → Containment", False)],
    ),
    (
        "milestone set",
        lambda s, w: s.set_milestone(w.incident_id, Milestone.IMPACT_STARTED, BACKFILL, **A),
        [(EventKind.MILESTONE, "Impact started", True)],
    ),
    (
        "milestone impact started with the incident",
        lambda s, w: s.create_incident("DB failover", Severity.SEV2, impact_started_at=BACKFILL, **A),
        [
            (EventKind.MILESTONE, "Impact started", True),
            (EventKind.MILESTONE, "Detected", True),
            (EventKind.MILESTONE, "Incident declared: SEV-2 DB failover", True),
        ],
    ),
    (
        "first commander",
        lambda s, w: s.set_role(w.incident_id, Role.COMMANDER, "Alice Ng", **A),
        [(EventKind.ROLE, "Incident commander: Alice Ng", False), (EventKind.MILESTONE, "Acknowledged", True)],
    ),
    (
        "scribe",
        lambda s, w: s.set_role(w.incident_id, Role.SCRIBE, "Bob", **A),
        [(EventKind.ROLE, "Scribe: Bob", False)],
    ),
    (
        "hypothesis add",
        lambda s, w: s.add_hypothesis(w.incident_id, "Pool exhausted", test="check pool metrics", **A),
        [(EventKind.HYPOTHESIS, "Hypothesis H2: Pool exhausted", False)],
    ),
    (
        "hypothesis update",
        lambda s, w: s.update_hypothesis(w.hypothesis_id, evidence_against="errors before deploy", **A),
        [(EventKind.HYPOTHESIS, "Hypothesis H1 updated: evidence against: errors before deploy", False)],
    ),
    (
        "hypothesis result",
        lambda s, w: s.set_hypothesis_result(w.hypothesis_id, HypothesisResult.CONFIRMED, **A),
        [(EventKind.HYPOTHESIS, "Hypothesis H1 confirmed: Bad deploy", True)],
    ),
    (
        "containment state",
        lambda s, w: s.set_containment_state(w.rollback_id, ContainmentState.IN_PROGRESS, **A),
        [
            (EventKind.CONTAINMENT, "Rollback deployment: pending → in progress", False),
            (EventKind.STATUS_CHANGE, "Phase Detection & Triage → Containment", False),
        ],
    ),
    (
        "containment done",
        lambda s, w: s.set_containment_state(w.rollback_id, ContainmentState.DONE, **A),
        [
            (EventKind.CONTAINMENT, "Rollback deployment: pending → done", True),
            (EventKind.STATUS_CHANGE, "Phase Detection & Triage → Containment", False),
        ],
    ),
    (
        "containment add",
        lambda s, w: s.add_containment(w.incident_id, "Drain eu-west", "Region unhealthy", **A),
        [(EventKind.CONTAINMENT, "Containment action added: Drain eu-west", False)],
    ),
    (
        "status update",
        lambda s, w: s.record_status_update(
            w.incident_id,
            "**Status:** Investigating\n**Impact:** checkout",
            status="Investigating",
            impact="checkout",
            **A,
        ),
        [(EventKind.STATUS_UPDATE, "Status update sent:\n**Status:** Investigating\n**Impact:** checkout", False)],
    ),
    (
        "triage",
        lambda s, w: s.update_triage(w.incident_id, affected="EU users", changed="flag flip", **A),
        [
            (EventKind.NOTE, "Who's affected? — → EU users", False),
            (EventKind.NOTE, "What changed recently? — → flag flip", False),
        ],
    ),
    (
        "title",
        lambda s, w: s.update_triage(w.incident_id, title="Checkout 500s in EU", **A),
        [(EventKind.NOTE, "Title: Checkout 500s → Checkout 500s in EU", False)],
    ),
    (
        "entry",
        lambda s, w: s.add_event(w.incident_id, "rolled back to v41", kind=EventKind.ACTION, key_moment=True, **A),
        [(EventKind.ACTION, "rolled back to v41", True)],
    ),
]


@pytest.mark.parametrize(("name", "operation", "expected"), OPERATIONS, ids=[o[0] for o in OPERATIONS])
def test_each_change_of_state_writes_its_events(
    store: Store, db_path: Path, name: str, operation: Callable, expected: list
) -> None:
    world = make_world(store)
    before = all_events(db_path)
    operation(store, world)
    after = all_events(db_path)
    assert len(after) == len(before) + len(expected)
    new = after[len(before) :]
    assert [(EventKind(e["kind"]), e["text"], bool(e["key_moment"])) for e in new] == expected
    assert all(e["author"] == "alice" and e["source"] == "cli" for e in new)
    # All the events of one change share its recorded time.
    assert len({e["recorded_at"] for e in new}) == 1


@pytest.mark.parametrize(("name", "operation", "expected"), OPERATIONS, ids=[o[0] for o in OPERATIONS])
def test_a_failed_event_write_leaves_nothing_half_written(
    store: Store, db_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, operation: Callable, expected: list
) -> None:
    """Make each of the operation's event inserts fail in turn: the whole change must roll back."""
    world = make_world(store)
    real_event = store._event
    for failing_call in range(1, len(expected) + 1):
        for error in (RuntimeError("boom"), sqlite3.OperationalError("disk I/O error")):
            calls = 0

            def event(*args, **kwargs):
                nonlocal calls
                calls += 1
                if calls == failing_call:
                    raise error
                return real_event(*args, **kwargs)

            monkeypatch.setattr(store, "_event", event)
            before = snapshot(db_path)
            expected_error = WriteFailed if isinstance(error, sqlite3.Error) else RuntimeError
            with pytest.raises(expected_error):
                operation(store, world)
            assert calls == failing_call
            assert snapshot(db_path) == before, f"{name}: half-written when event {failing_call} failed"
            assert not store.db.conn.in_transaction
    # And the store still works afterwards, with the events this time.
    monkeypatch.setattr(store, "_event", real_event)
    before_count = len(all_events(db_path))
    operation(store, world)
    assert len(all_events(db_path)) == before_count + len(expected)


def test_write_failed_message_is_one_line_naming_the_file(
    store: Store, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    incident = store.create_incident("x", Severity.SEV1)

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store, "_event", full)
    with pytest.raises(WriteFailed) as caught:
        store.set_severity(incident.id, Severity.SEV4)
    message = str(caught.value)
    assert "\n" not in message and str(db_path) in message and "disk is full" in message
    assert store.incident(incident.id).severity is Severity.SEV1


# -- the state each change leaves -----------------------------------------------------------------


def test_severity(store: Store, db_path: Path) -> None:
    world = make_world(store)
    assert store.set_severity(world.incident_id, Severity.SEV3).severity is Severity.SEV3
    assert incident_row(db_path, world.incident_id)["severity"] == 3
    count = count_events(store, world.incident_id)
    store.set_severity(world.incident_id, Severity.SEV3)  # no change: no event
    assert count_events(store, world.incident_id) == count


def test_status_stamps_milestones_and_moves_the_phase_forward_only(store: Store, db_path: Path) -> None:
    world = make_world(store)
    iid = world.incident_id

    # The seed stops the bleeding before fixing the cause: identified during triage -> containment.
    incident = store.set_status(iid, Status.IDENTIFIED)
    assert (incident.status, incident.phase) == (Status.IDENTIFIED, Phase.CONTAINMENT)
    assert close_to_now(incident.milestones[Milestone.IDENTIFIED])
    assert incident_row(db_path, iid)["status"] == "Identified"

    count = count_events(store, iid)
    incident = store.set_status(iid, Status.MONITORING)
    assert (incident.status, incident.phase) == (Status.MONITORING, Phase.RESOLUTION)
    assert Milestone.MITIGATED in incident.milestones
    assert [e.text for e in store.events(iid)[count:]] == [
        "Status Identified → Monitoring",
        "Mitigated",
        "Phase Containment → Resolution",
    ]

    incident = store.set_status(iid, Status.RESOLVED)
    assert (incident.status, incident.phase) == (Status.RESOLVED, Phase.POST_MORTEM)
    resolved_at = incident.milestones[Milestone.RESOLVED]
    assert not incident.is_open

    # Reopening does not move the phase back nor clear milestones.
    count = count_events(store, iid)
    incident = store.set_status(iid, Status.INVESTIGATING)
    assert (incident.status, incident.phase) == (Status.INVESTIGATING, Phase.POST_MORTEM)
    assert incident.milestones[Milestone.RESOLVED] == resolved_at
    assert [e.text for e in store.events(iid)[count:]] == ["Status Resolved → Investigating"]

    # Resolving again keeps the first resolution time.
    count = count_events(store, iid)
    incident = store.set_status(iid, Status.RESOLVED)
    assert incident.milestones[Milestone.RESOLVED] == resolved_at
    assert [e.text for e in store.events(iid)[count:]] == ["Status Investigating → Resolved"]

    # Same status again: nothing.
    count = count_events(store, iid)
    store.set_status(iid, Status.RESOLVED)
    assert count_events(store, iid) == count


def test_status_keeps_a_milestone_someone_set_by_hand(store: Store) -> None:
    world = make_world(store)
    mitigated = utc_now().replace(microsecond=0) - timedelta(minutes=10)
    store.set_milestone(world.incident_id, Milestone.MITIGATED, mitigated)
    incident = store.set_status(world.incident_id, Status.MONITORING)
    assert incident.milestones[Milestone.MITIGATED] == mitigated
    assert [e.text for e in store.events(world.incident_id)].count("Mitigated") == 1


def test_phase(store: Store, db_path: Path) -> None:
    world = make_world(store)
    incident = store.set_phase(world.incident_id, Phase.RESOLUTION)
    assert incident.phase is Phase.RESOLUTION
    assert incident_row(db_path, world.incident_id)["phase"] == "Resolution"
    # Setting the phase by hand may go back.
    assert store.set_phase(world.incident_id, Phase.TRIAGE).phase is Phase.TRIAGE
    count = count_events(store, world.incident_id)
    store.set_phase(world.incident_id, Phase.TRIAGE)
    assert count_events(store, world.incident_id) == count


def test_milestone_set_and_clear(store: Store, db_path: Path) -> None:
    world = make_world(store)
    when = datetime(2026, 1, 5, 9, 58, 12, 345000, tzinfo=timezone(timedelta(hours=2)))
    incident = store.set_milestone(world.incident_id, Milestone.IMPACT_STARTED, when)
    assert incident.milestones[Milestone.IMPACT_STARTED] == when
    assert incident_row(db_path, world.incident_id)["impact_started_at"] == "2026-01-05T07:58:12.345Z"
    event = store.events(world.incident_id)[0]  # back-filled to when it happened: first on the timeline
    assert (event.text, event.occurred_at, event.key_moment) == ("Impact started", when, True)
    assert event.is_backfilled

    incident = store.set_milestone(world.incident_id, Milestone.IMPACT_STARTED, None)
    assert Milestone.IMPACT_STARTED not in incident.milestones
    assert incident_row(db_path, world.incident_id)["impact_started_at"] is None
    # Clearing retracts the milestone's event: no second event, the first one struck out.
    cleared = store.event(event.id)
    assert cleared.is_retracted and cleared.retraction_reason == "Impact started time cleared"
    assert [e.text for e in store.events(world.incident_id)].count("Impact started") == 1


def test_roles_and_acknowledged_on_first_commander(store: Store, db_path: Path) -> None:
    world = make_world(store)
    iid = world.incident_id
    incident = store.set_role(iid, Role.COMMANDER, "  Alice  ")
    assert incident.role(Role.COMMANDER) == "Alice"
    assert incident_row(db_path, iid)["commander"] == "Alice"
    acknowledged = incident.milestones[Milestone.ACKNOWLEDGED]
    assert close_to_now(acknowledged)

    count = count_events(store, iid)
    incident = store.set_role(iid, Role.COMMANDER, "Bob")
    assert incident.milestones[Milestone.ACKNOWLEDGED] == acknowledged
    assert [e.text for e in store.events(iid)[count:]] == ["Incident commander: Bob (was Alice)"]

    incident = store.set_role(iid, Role.COMMANDER, "")
    assert Role.COMMANDER not in incident.roles
    assert store.events(iid)[-1].text == "Incident commander unassigned (was Bob)"

    # A scribe is not an acknowledgement; nor is re-assigning a commander after acknowledgement.
    other = store.create_incident("other", Severity.SEV4)
    incident = store.set_role(other.id, Role.SCRIBE, "Carol")
    assert Milestone.ACKNOWLEDGED not in incident.milestones
    incident = store.set_role(other.id, Role.COMMS_LEAD, "Dan")
    incident = store.set_role(other.id, Role.TECH_LEAD, "Eve")
    assert incident.roles == {Role.SCRIBE: "Carol", Role.COMMS_LEAD: "Dan", Role.TECH_LEAD: "Eve"}

    count = count_events(store, iid)
    store.set_role(iid, Role.COMMANDER, "")  # no change
    assert count_events(store, iid) == count


def test_triage_update(store: Store, db_path: Path) -> None:
    world = make_world(store)
    iid = world.incident_id
    incident = store.update_triage(iid, reporter="pager", happening="checkout 500s", title="  ")
    # reporter unchanged and blank title ignored: only `happening` changed.
    assert incident.triage.happening == "checkout 500s"
    assert incident.title == "Checkout 500s"
    assert store.events(iid)[-1].text == "What's happening? 500s → checkout 500s"
    count = count_events(store, iid)
    store.update_triage(iid, reporter="pager")
    assert count_events(store, iid) == count
    with pytest.raises(ValueError, match="unknown triage fields"):
        store.update_triage(iid, severity="1")
    assert incident_row(db_path, iid)["happening"] == "checkout 500s"


def test_hypotheses(store: Store, db_path: Path) -> None:
    world = make_world(store)
    second = store.add_hypothesis(
        world.incident_id,
        "  Pool exhausted  ",
        evidence_for="timeouts",
        evidence_against="cpu fine",
        test="pool metrics",
        author="bob",
    )
    assert (second.statement, second.rank, second.result) == ("Pool exhausted", 2, HypothesisResult.OPEN)
    assert (second.evidence_for, second.evidence_against, second.test, second.author) == (
        "timeouts",
        "cpu fine",
        "pool metrics",
        "bob",
    )

    updated = store.update_hypothesis(second.id, statement="Pool exhausted on replica", test="pgbouncer SHOW POOLS")
    assert (updated.statement, updated.test, updated.evidence_for) == (
        "Pool exhausted on replica",
        "pgbouncer SHOW POOLS",
        "timeouts",
    )
    assert store.events(world.incident_id)[-1].text == (
        "Hypothesis H2 updated: statement: Pool exhausted on replica; test: pgbouncer SHOW POOLS"
    )
    with pytest.raises(ValueError, match="statement"):
        store.update_hypothesis(second.id, statement="  ")
    with pytest.raises(ValueError, match="unknown hypothesis fields"):
        store.update_hypothesis(second.id, result="confirmed")
    assert store.hypothesis(second.id).statement == "Pool exhausted on replica"

    rejected = store.set_hypothesis_result(second.id, HypothesisResult.REJECTED)
    assert rejected.result is HypothesisResult.REJECTED
    row = store.query_row("SELECT result FROM hypotheses WHERE id = ?", [second.id])
    assert row["result"] == "rejected"
    event = store.events(world.incident_id)[-1]
    assert (event.text, event.key_moment) == ("Hypothesis H2 rejected: Pool exhausted on replica", False)
    count = count_events(store, world.incident_id)
    store.set_hypothesis_result(second.id, HypothesisResult.REJECTED)
    assert count_events(store, world.incident_id) == count


def test_hypothesis_ranking_move(store: Store, db_path: Path) -> None:
    world = make_world(store)
    first = world.hypothesis_id
    second = store.add_hypothesis(world.incident_id, "two").id
    third = store.add_hypothesis(world.incident_id, "three").id

    def order() -> list[int]:
        return [h.id for h in store.hypotheses(world.incident_id)]

    def ranks() -> list[tuple[int, int]]:
        conn = raw(db_path)
        found = conn.execute("SELECT id, rank FROM hypotheses ORDER BY rank").fetchall()
        conn.close()
        return [tuple(r) for r in found]

    assert ranks() == [(first, 1), (second, 2), (third, 3)]
    assert [h.id for h in store.move_hypothesis(third, -1)] == [first, third, second]
    assert ranks() == [(first, 1), (third, 2), (second, 3)]
    store.move_hypothesis(first, +10)  # clamped to the bottom
    assert order() == [third, second, first]
    store.move_hypothesis(first, -10)  # clamped to the top
    assert order() == [first, third, second]
    assert ranks() == [(first, 1), (third, 2), (second, 3)]
    store.move_hypothesis(first, 0)
    assert order() == [first, third, second]
    store.move_hypothesis(second, -3)  # exactly one past the top
    assert order() == [second, first, third]
    assert ranks() == [(second, 1), (first, 2), (third, 3)]
    # A new hypothesis goes to the bottom of the ranking.
    fourth = store.add_hypothesis(world.incident_id, "four").id
    assert ranks()[-1] == (fourth, 4)


def test_containment_state_and_phase(store: Store, db_path: Path) -> None:
    world = make_world(store)
    action = store.set_containment_state(world.rollback_id, ContainmentState.IN_PROGRESS, author="carol")
    assert (action.state, action.changed_by) == (ContainmentState.IN_PROGRESS, "carol")
    assert close_to_now(action.changed_at)
    assert store.incident(world.incident_id).phase is Phase.CONTAINMENT
    row = store.query_row("SELECT state FROM containment WHERE id = ?", [world.rollback_id])
    assert row["state"] == "in_progress"

    # advance: in progress -> done -> pending, never through done to n/a; the phase stays where it is.
    count = count_events(store, world.incident_id)
    assert store.advance_containment(world.rollback_id).state is ContainmentState.DONE
    assert store.advance_containment(world.rollback_id).state is ContainmentState.PENDING
    store.set_containment_state(world.rollback_id, ContainmentState.NOT_APPLICABLE)
    assert store.advance_containment(world.rollback_id).state is ContainmentState.PENDING
    assert [e.text for e in store.events(world.incident_id)[count:]] == [
        "Rollback deployment: in progress → done",
        "Rollback deployment: done → pending",
        "Rollback deployment: pending → not applicable",
        "Rollback deployment: not applicable → pending",
    ]
    # Containment never drags a later phase back.
    store.set_status(world.incident_id, Status.MONITORING)
    store.set_containment_state(world.rollback_id, ContainmentState.IN_PROGRESS)
    assert store.incident(world.incident_id).phase is Phase.RESOLUTION

    custom = store.add_containment(world.incident_id, "  Drain eu-west ", "Region unhealthy")
    assert (custom.action, custom.when_to_use, custom.custom, custom.position) == (
        "Drain eu-west",
        "Region unhealthy",
        True,
        7,
    )
    with pytest.raises(ValueError):
        store.add_containment(world.incident_id, "   ")


def test_status_update_is_stored_exactly(store: Store) -> None:
    world = make_world(store)
    text = "## Status Update: Checkout 500s\n**Status:** Identified\n**ETA:** 30 min\n"
    update = store.record_status_update(
        world.incident_id,
        text,
        status="Identified",
        impact="checkout",
        current_action="rollback",
        eta="30 min",
        next_update="15:00",
        format="slack",
        author="dan",
    )
    assert (
        update.text,
        update.status,
        update.impact,
        update.current_action,
        update.eta,
        update.next_update,
        update.format,
        update.author,
    ) == (text, "Identified", "checkout", "rollback", "30 min", "15:00", "slack", "dan")
    assert store.status_updates(world.incident_id) == [update]
    assert store.events(world.incident_id)[-1].text == "Status update sent:\n" + text


def test_changes_to_a_missing_incident_raise_not_found(store: Store, db_path: Path) -> None:
    before = snapshot(db_path)
    for call in (
        lambda: store.set_severity(42, Severity.SEV2),
        lambda: store.set_status(42, Status.RESOLVED),
        lambda: store.set_role(42, Role.SCRIBE, "x"),
        lambda: store.add_event(42, "x"),
        lambda: store.add_hypothesis(42, "x"),
        lambda: store.set_hypothesis_result(42, HypothesisResult.CONFIRMED),
        lambda: store.set_containment_state(42, ContainmentState.DONE),
        lambda: store.edit_event(42, text="x"),
        lambda: store.retract_event(42),
    ):
        with pytest.raises(NotFound):
            call()
    assert snapshot(db_path) == before


# -- the timeline ---------------------------------------------------------------------------------


def test_empty_entries_are_refused(store: Store) -> None:
    world = make_world(store)
    count = count_events(store, world.incident_id)
    with pytest.raises(ValueError):
        store.add_event(world.incident_id, " \n\t ")
    assert count_events(store, world.incident_id) == count


def test_edit_keeps_the_earlier_versions(store: Store, db_path: Path) -> None:
    world = make_world(store)
    original = store.add_event(world.incident_id, "rollback startd", kind=EventKind.ACTION)
    count = count_events(store, world.incident_id)

    store.edit_event(original.id, text="rollback started", author="bob")
    moved = original.occurred_at - timedelta(minutes=3)
    edited = store.edit_event(original.id, occurred_at=moved, key_moment=True, kind=EventKind.DECISION, author="carol")
    assert (edited.text, edited.occurred_at, edited.key_moment, edited.kind, edited.revision) == (
        "rollback started",
        moved,
        True,
        EventKind.DECISION,
        3,
    )
    assert edited.uuid == original.uuid and edited.recorded_at == original.recorded_at
    assert edited.edited_at is not None and close_to_now(edited.edited_at)
    # Editing adds no event: it changes one.
    assert count_events(store, world.incident_id) == count

    history = store.event_history(original.id)
    assert [(r.revision, r.text, r.kind, r.key_moment, r.occurred_at, r.replaced_by) for r in history] == [
        (1, "rollback startd", EventKind.ACTION, False, original.occurred_at, "bob"),
        (2, "rollback started", EventKind.ACTION, False, original.occurred_at, "carol"),
    ]
    conn = raw(db_path)
    assert conn.execute("SELECT count(*) FROM event_revisions WHERE event_id = ?", [original.id]).fetchone()[0] == 2
    conn.close()

    with pytest.raises(ValueError):
        store.edit_event(original.id, text="   ")
    assert len(store.event_history(original.id)) == 2
    assert store.event(original.id).text == "rollback started"


def test_retract_keeps_the_event_and_marks_it(store: Store, db_path: Path) -> None:
    world = make_world(store)
    event = store.add_event(world.incident_id, "DB is down", kind=EventKind.ALERT, key_moment=True)
    count = count_events(store, world.incident_id)
    assert event.id in [e.id for e in store.record(world.incident_id).key_events]

    retracted = store.retract_event(event.id, author="bob", reason="false alarm")
    assert retracted.is_retracted and close_to_now(retracted.retracted_at)
    assert (retracted.text, retracted.retracted_by, retracted.retraction_reason) == ("DB is down", "bob", "false alarm")
    assert count_events(store, world.incident_id) == count
    assert event.id in [e.id for e in store.events(world.incident_id)]
    assert event.id not in [e.id for e in store.record(world.incident_id).key_events]
    row = dict(raw(db_path).execute("SELECT * FROM events WHERE id = ?", [event.id]).fetchone())
    assert row["text"] == "DB is down" and row["retracted_by"] == "bob" and row["retracted_at"]

    # A second retraction changes nothing.
    again = store.retract_event(event.id, author="carol", reason="other")
    assert (again.retracted_at, again.retracted_by, again.retraction_reason) == (
        retracted.retracted_at,
        "bob",
        "false alarm",
    )


def test_events_are_in_time_order_with_backfilled_ones(store: Store) -> None:
    start = utc_now() - timedelta(hours=1)
    incident = store.create_incident("x", Severity.SEV2, now=start)
    iid = incident.id
    late = store.add_event(iid, "now")
    ten_ago = store.add_event(iid, "ten minutes ago", occurred_at=utc_now() - timedelta(minutes=10))
    same = ten_ago.occurred_at
    tie = store.add_event(iid, "same moment, recorded later", occurred_at=same)
    before_detection = store.add_event(iid, "first error in logs", occurred_at=start - timedelta(hours=2))
    ancient = store.add_event(iid, "typo year", occurred_at=datetime(999, 1, 1, tzinfo=UTC))

    events = store.events(iid)
    assert [e.text for e in events] == [
        "typo year",
        "first error in logs",
        "Detected",
        "Incident declared: SEV-2 x",
        "ten minutes ago",
        "same moment, recorded later",
        "now",
    ]
    assert ancient.occurred_at == datetime(999, 1, 1, tzinfo=UTC)
    assert [e.is_backfilled for e in events] == [True, True, False, False, True, True, False]
    assert tie.id > ten_ago.id and late.id < ten_ago.id
    for index, event in enumerate(events):
        assert store.event_position(event.id) == index
    assert store.event_position(before_detection.id) == 1
    # Paging gives the same order.
    assert [e.id for e in store.events_page(iid, 2, 3)] == [e.id for e in events[2:5]]
    assert [e.id for e in store.events_page(iid, 5, 100)] == [e.id for e in events[5:]]
    assert count_events(store, iid) == len(events) == 7


def test_event_position_is_per_incident(store: Store) -> None:
    first = store.create_incident("first", Severity.SEV1)
    second = store.create_incident("second", Severity.SEV1)
    event = store.add_event(second.id, "x")
    for _ in range(3):
        store.add_event(first.id, "noise", occurred_at=utc_now() - timedelta(hours=1))
    assert store.event_position(event.id) == 2


def test_record_gathers_everything(store: Store) -> None:
    world = make_world(store)
    iid = world.incident_id
    store.add_event(iid, "note")
    store.record_status_update(iid, "sent")
    item = store.add_action_item(iid, "Add canary", owner="eve", due_date="2026-12-01", priority=Priority.P1)
    write_section(store, iid, Section.SUMMARY, "It broke.")
    store.set_status(iid, Status.RESOLVED)  # stamps resolved

    incident = store.incident(iid)
    record = store.record(incident.ref)
    assert record.incident == incident
    assert record.events == store.events(iid)
    assert [h.id for h in record.hypotheses] == [world.hypothesis_id]
    assert record.containment == store.containment(iid)
    assert [u.text for u in record.status_updates] == ["sent"]
    assert record.action_items == [item]
    assert record.sections == {Section.SUMMARY: "It broke."}
    assert record.resolved_duration == incident.milestones[Milestone.RESOLVED] - incident.milestones[Milestone.DETECTED]
    with pytest.raises(NotFound):
        store.record("INC-19990101-001")


def test_data_version_changes_when_another_connection_writes(store: Store, db_path: Path) -> None:
    incident = store.create_incident("x", Severity.SEV1)
    seen = store.data_version()
    assert store.data_version() == seen  # nothing happened: no spurious refresh
    with Store.open(db_path) as other:
        other.add_event(incident.id, "from the other console")
    changed = store.data_version()
    assert changed != seen
    assert store.data_version() == changed
    # A plain sqlite3 writer counts too.
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE incidents SET title = 'y'")
    conn.commit()
    conn.close()
    assert store.data_version() != changed
    assert store.incident(incident.id).title == "y"


def test_two_stores_see_each_others_writes(db_path: Path) -> None:
    with Store.open(db_path) as writer, Store.open(db_path) as reader:
        incident = writer.create_incident("x", Severity.SEV1)
        writer.add_event(incident.id, "hello")
        assert [e.text for e in reader.events(incident.id)][-1] == "hello"


def test_every_timestamp_the_store_writes_comes_from_its_clock(tmp_path: Path) -> None:
    fixed = datetime(2031, 7, 4, 12, 30, 15, 250000, tzinfo=UTC)
    path = tmp_path / "clocked.db"
    with Store.open(path, clock=lambda: fixed) as store:
        incident = store.create_incident("Clocked", Severity.SEV1)
        iid = incident.id
        assert incident.ref == "INC-20310704-001"
        hypothesis = store.add_hypothesis(iid, "first")
        store.add_hypothesis(iid, "second")
        event = store.add_event(iid, "note")
        store.edit_event(event.id, text="edited")
        store.retract_event(event.id, reason="wrong")
        store.set_severity(iid, Severity.SEV2)
        store.set_role(iid, Role.COMMANDER, "alice")
        store.set_status(iid, Status.RESOLVED)
        store.set_containment_state(store.containment(iid)[0].id, ContainmentState.DONE)
        store.update_hypothesis(hypothesis.id, test="look")
        store.move_hypothesis(hypothesis.id, 1)
        store.record_status_update(iid, "sent")
        item = store.add_action_item(iid, "canary")
        store.update_action_item(item.id, owner="eve")
        write_section(store, iid, Section.SUMMARY, "s")
    conn = raw(path)
    stamps = []
    for table in TABLES:
        for row in conn.execute(f"SELECT * FROM {table}"):
            stamps += [
                (table, column, value)
                for column, value in dict(row).items()
                if column.endswith("_at") and value is not None
            ]
    conn.close()
    assert len(stamps) > 40
    assert {value for _, _, value in stamps} == {"2031-07-04T12:30:15.250Z"}, [
        s for s in stamps if s[2] != "2031-07-04T12:30:15.250Z"
    ]


def test_a_status_change_dated_before_the_current_status_began_is_refused(store: Store, incident, clock) -> None:
    """Monitoring since 10 minutes ago, a change to Identified dated 15 minutes ago would read
    "Status Monitoring → Identified" at a time the incident was not Monitoring yet: refused, nothing
    saved. At or after the current status began it is saved; the first status holds from the start,
    so a replay may date its first change as far back as it happened."""
    from tui_support import NOW

    store.set_status(incident.id, Status.MONITORING, at=NOW - timedelta(minutes=10), author="ann")
    events_before = count_events(store, incident.id)
    with pytest.raises(ValueError, match=r"the status has been Monitoring since .* would come before that"):
        store.set_status(incident.id, Status.IDENTIFIED, at=NOW - timedelta(minutes=15), author="ann")
    assert store.incident(incident.id).status is Status.MONITORING
    assert Milestone.IDENTIFIED not in store.incident(incident.id).milestones
    assert count_events(store, incident.id) == events_before
    resolved = store.set_status(incident.id, Status.RESOLVED, at=NOW - timedelta(minutes=10), author="ann")
    assert resolved.status is Status.RESOLVED
