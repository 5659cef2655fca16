"""A file written before m003 opens with its milestones linked to their events and its hypotheses
numbered in the order they were written, whatever their rank."""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from ir_console.model import Milestone, Severity
from ir_console.store import Store, schema
from ir_console.store.connection import Connection
from ir_console.store.opening import configure, connect, create_database_file


def database_before_m003(path: Path) -> Database:
    create_database_file(path)
    connection = Connection(connect(path))
    configure(connection, path)
    db = connection.utils
    schema.migrations.apply(db, stop_before="m003_linked_records")
    return db


def old_event(db: Database, incident_id: int, uuid: str, when: str, kind: str, text: str) -> None:
    db["events"].insert(
        {
            "uuid": uuid,
            "incident_id": incident_id,
            "occurred_at": when,
            "recorded_at": when,
            "kind": kind,
            "text": text,
            "author": "",
            "source": "cli",
            "key_moment": 1,
            "revision": 1,
        }
    )


def test_an_older_file_gets_its_milestones_linked_and_its_hypotheses_numbered(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = database_before_m003(path)
    db["incidents"].insert(
        {
            "id": 1,
            "ref": "INC-20261129-001",
            "uuid": "i-1",
            "title": "Replication lag",
            "severity": 2,
            "status": "Resolved",
            "phase": "Post-Mortem",
            "detected_at": "2026-11-29T21:00:00.000Z",
            "declared_at": "2026-11-29T21:05:00.000Z",
            "resolved_at": "2026-11-30T01:00:00.000Z",
        }
    )
    old_event(db, 1, "e-1", "2026-11-29T21:00:00.000Z", "milestone", "Detected: lag")
    old_event(db, 1, "e-2", "2026-11-29T21:05:00.000Z", "milestone", "Incident declared: SEV-2 Replication lag")
    # Resolved twice: the first stamp was corrected by setting it again, which left its event behind.
    old_event(db, 1, "e-3", "2026-11-30T00:30:00.000Z", "milestone", "Confirmed resolved")
    old_event(db, 1, "e-4", "2026-11-30T01:00:00.000Z", "milestone", "Confirmed resolved")
    old_event(db, 1, "e-5", "2026-11-29T22:00:00.000Z", "note", "Failover started")
    # Ranked in the other order than written.
    db["hypotheses"].insert_all(
        [
            {"uuid": "h-1", "incident_id": 1, "statement": "disk", "result": "rejected", "rank": 2},
            {"uuid": "h-2", "incident_id": 1, "statement": "network", "result": "confirmed", "rank": 1},
        ]
    )
    db.close()

    with Store.open(path) as store:
        assert "m003_linked_records" in {m.name for m in schema.migrations.applied(store.db)}
        linked = {e.uuid: e.milestone for e in store.events(1)}
        assert linked == {
            "e-1": Milestone.DETECTED,
            "e-2": Milestone.DECLARED,
            "e-3": None,
            "e-4": Milestone.RESOLVED,
            "e-5": None,
        }
        assert [(h.statement, h.rank, h.label) for h in store.hypotheses(1)] == [
            ("network", 1, "H2"),
            ("disk", 2, "H1"),
        ]
        # Written after the upgrade: the next number, not the next rank.
        added = store.add_hypothesis(1, "config")
        assert (added.rank, added.label) == (3, "H3")


def test_a_new_incident_starts_by_the_one_rule(store: Store) -> None:
    incident = store.create_incident("Checkout 500s", Severity.SEV1)
    assert incident.started_at == incident.milestones[Milestone.DETECTED]
    store.set_milestone(incident.id, Milestone.IMPACT_STARTED, incident.started_at.replace(hour=0))
    moved = store.incident(incident.id)
    assert moved.started_at == moved.milestones[Milestone.IMPACT_STARTED]
