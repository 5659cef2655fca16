"""The database schema, as sqlite-utils migrations. Never edit an applied migration: add one."""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from ir_console.store import search_index

migrations = Migrations("ir_console")

UUID = {"uuid": str}


@migrations()
def m001_incident_record(db: Database) -> None:
    db.table("incidents").create(
        {
            "id": int,
            "ref": str,
            **UUID,
            "title": str,
            "severity": int,
            "status": str,
            "phase": str,
            "reporter": str,
            "happening": str,
            "affected": str,
            "changed": str,
            "commander": str,
            "scribe": str,
            "comms_lead": str,
            "tech_lead": str,
            "impact_started_at": str,
            "detected_at": str,
            "declared_at": str,
            "acknowledged_at": str,
            "identified_at": str,
            "mitigated_at": str,
            "resolved_at": str,
            "closed_at": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"ref", "uuid", "title", "severity", "status", "phase"},
    )
    db.table("incidents").create_index(["ref"], unique=True)
    db.table("incidents").create_index(["uuid"], unique=True)

    db.table("events").create(
        {
            "id": int,
            **UUID,
            "incident_id": int,
            "occurred_at": str,
            "recorded_at": str,
            "kind": str,
            "text": str,
            "author": str,
            "source": str,
            "key_moment": int,
            "revision": int,
            "edited_at": str,
            "retracted_at": str,
            "retracted_by": str,
            "retraction_reason": str,
        },
        pk="id",
        foreign_keys=[("incident_id", "incidents", "id")],
        not_null={"uuid", "incident_id", "occurred_at", "recorded_at", "kind", "text"},
        defaults={"key_moment": 0, "revision": 1, "author": "", "source": "console"},
    )
    db.table("events").create_index(["uuid"], unique=True)
    # Timeline order is (occurred_at, id); this index makes paging by offset cheap.
    db.table("events").create_index(["incident_id", "occurred_at", "id"])

    db.table("event_revisions").create(
        {
            "id": int,
            "event_id": int,
            "revision": int,
            "occurred_at": str,
            "kind": str,
            "text": str,
            "key_moment": int,
            "replaced_at": str,
            "replaced_by": str,
        },
        pk="id",
        foreign_keys=[("event_id", "events", "id")],
    )
    db.table("event_revisions").create_index(["event_id", "revision"], unique=True)

    db.table("hypotheses").create(
        {
            "id": int,
            **UUID,
            "incident_id": int,
            "statement": str,
            "evidence_for": str,
            "evidence_against": str,
            "test": str,
            "result": str,
            "rank": int,
            "author": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        foreign_keys=[("incident_id", "incidents", "id")],
        not_null={"uuid", "incident_id", "statement", "result"},
    )
    db.table("hypotheses").create_index(["uuid"], unique=True)
    db.table("hypotheses").create_index(["incident_id", "rank"])

    db.table("containment").create(
        {
            "id": int,
            **UUID,
            "incident_id": int,
            "action": str,
            "when_to_use": str,
            "custom": int,
            "state": str,
            "position": int,
            "changed_by": str,
            "changed_at": str,
            "updated_at": str,
        },
        pk="id",
        foreign_keys=[("incident_id", "incidents", "id")],
        not_null={"uuid", "incident_id", "action", "state"},
    )
    db.table("containment").create_index(["uuid"], unique=True)
    db.table("containment").create_index(["incident_id", "position"])

    db.table("status_updates").create(
        {
            "id": int,
            **UUID,
            "incident_id": int,
            "status": str,
            "impact": str,
            "current_action": str,
            "eta": str,
            "next_update": str,
            "text": str,
            "format": str,
            "sent_at": str,
            "author": str,
        },
        pk="id",
        foreign_keys=[("incident_id", "incidents", "id")],
        not_null={"uuid", "incident_id", "text", "sent_at"},
    )
    db.table("status_updates").create_index(["uuid"], unique=True)
    db.table("status_updates").create_index(["incident_id", "sent_at"])

    db.table("action_items").create(
        {
            "id": int,
            **UUID,
            "incident_id": int,
            "action": str,
            "owner": str,
            "due_date": str,
            "priority": str,
            "status": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        foreign_keys=[("incident_id", "incidents", "id")],
        not_null={"uuid", "incident_id", "action"},
    )
    db.table("action_items").create_index(["uuid"], unique=True)

    db.table("postmortem_sections").create(
        {
            "incident_id": int,
            "section": str,
            "body": str,
            "updated_by": str,
            "updated_at": str,
        },
        pk=("incident_id", "section"),
        foreign_keys=[("incident_id", "incidents", "id")],
    )


@migrations()
def m002_search_index(db: Database) -> None:
    """Full-text search (see store/search.py and search_index.py), filled from the rows already
    there. Without FTS5 in this SQLite it creates nothing: the store opens, search says it is
    unavailable, and the index is built on the first open by an SQLite that has FTS5."""
    if search_index.fts5_available(db):
        search_index.create_search_index(db)


@migrations()
def m003_linked_records(db: Database) -> None:
    """What makes the record one thing with its timeline: the event that records a milestone
    (correcting one moves the other), the events that change a containment item's state (with
    the states, so a change can be undone), containment details and owners, and hypothesis
    numbers that never change when the ranking does."""
    db.table("events").add_column("milestone", str)
    db.table("events").add_column("containment_uuid", str)
    db.table("events").add_column("state_from", str)
    db.table("events").add_column("state_to", str)
    db.execute("CREATE INDEX events_milestone ON events (incident_id, milestone) WHERE milestone IS NOT NULL")
    db.execute("CREATE INDEX events_containment ON events (containment_uuid) WHERE containment_uuid IS NOT NULL")
    db.table("containment").add_column("detail", str, not_null_default="")
    db.table("containment").add_column("owner", str, not_null_default="")
    db.table("hypotheses").add_column("number", int)
    # Numbers in the order hypotheses were written; ranks stay as they were.
    db.execute(
        "UPDATE hypotheses SET number = (SELECT count(*) FROM hypotheses AS earlier "
        "WHERE earlier.incident_id = hypotheses.incident_id AND earlier.id <= hypotheses.id)"
    )
    _link_milestone_events(db)


@migrations()
def m004_held_notices(db: Database) -> None:
    """Signal notices the rate limiter is holding back, one per signal: kept in the file so that a
    restart does not lose them, each with the incident that was open when its signal changed (none
    while no incident was open). A row is deleted in the transaction that writes its event."""
    db.table("held_notices").create(
        {
            "key": str,
            "incident_id": int,
            "text": str,
            "occurred_at": str,
            "held_at": str,
        },
        pk="key",
        foreign_keys=[("incident_id", "incidents", "id")],
        not_null={"text", "occurred_at"},
    )


@migrations()
def m005_section_revisions(db: Database) -> None:
    """Post-mortem sections keep their history: each section counts its revisions (an editor saves
    against the revision it loaded, so a change made under it is seen), and every text another
    replaced is kept here with who wrote it and who replaced it, and why (an edit, a conflict
    between two writers, an import)."""
    db.table("postmortem_sections").add_column("revision", int, not_null_default=1)
    db.table("postmortem_section_revisions").create(
        {
            "id": int,
            "incident_id": int,
            "section": str,
            "revision": int,
            "body": str,
            "written_by": str,
            "written_at": str,
            "replaced_by": str,
            "replaced_at": str,
            "reason": str,
        },
        pk="id",
        foreign_keys=[("incident_id", "incidents", "id")],
        not_null={"incident_id", "section", "revision", "body", "replaced_at", "reason"},
    )
    db.table("postmortem_section_revisions").create_index(["incident_id", "section", "revision"])


# The tables a sync (ir_console/sync) carries between machines, each with the SQL that names one of
# its rows the same way on every machine (`r`: the row, NEW or OLD in a trigger).
SYNCED_KEYS = {
    "incidents": "r.uuid",
    "events": "r.uuid",
    "event_revisions": "(SELECT uuid FROM events WHERE id = r.event_id) || '/' || r.revision",
    "hypotheses": "r.uuid",
    "containment": "r.uuid",
    "status_updates": "r.uuid",
    "action_items": "r.uuid",
    "postmortem_sections": "(SELECT uuid FROM incidents WHERE id = r.incident_id) || '/' || r.section",
    "postmortem_section_revisions": "(SELECT uuid FROM incidents WHERE id = r.incident_id) || '/' || r.section || '/' "
    "|| r.revision || '/' || ifnull(r.written_at, '')",
}


def outbox_insert_sql(table: str, row: str, op: str) -> str:
    """The INSERT of one outbox row for a change of `row` (NEW, OLD, or a table alias) of `table`:
    a new message id, and as its base the version it was made from (this machine's last change of
    that row not yet seen back from the stream, else the version the stream last gave it)."""
    key = SYNCED_KEYS[table].replace("r.", f"{row}.")
    return (
        "INSERT INTO sync_outbox (msg_id, tbl, key, local_id, op, base) "
        f"SELECT lower(hex(randomblob(16))), '{table}', k, {row}.rowid, '{op}', "
        f"COALESCE((SELECT msg_id FROM sync_outbox WHERE tbl = '{table}' AND key = k ORDER BY seq DESC LIMIT 1), "
        f"(SELECT version FROM sync_rows WHERE tbl = '{table}' AND key = k)) FROM (SELECT {key} AS k)"
    )


# For the rows whose concurrent edits keep the losing text (sync/apply.py): the version the stream
# last gave the row, saved as its `shadow` when this machine first changes it, so a conflict found
# while the change is unsent keeps that version, as every other machine does.
SHADOWED = {
    "events": "json_object('revision', OLD.revision, 'occurred_at', OLD.occurred_at, 'kind', OLD.kind, "
    "'text', OLD.text, 'key_moment', OLD.key_moment, 'edited_at', OLD.edited_at, 'recorded_at', OLD.recorded_at)",
    "postmortem_sections": "json_object('section', OLD.section, 'body', OLD.body, 'revision', OLD.revision, "
    "'updated_by', OLD.updated_by, 'updated_at', OLD.updated_at)",
}


def shadow_sql(table: str) -> str:
    key = SYNCED_KEYS[table].replace("r.", "OLD.")
    return (
        f"UPDATE sync_rows SET shadow = {SHADOWED[table]} WHERE tbl = '{table}' AND key = {key} "
        f"AND shadow IS NULL AND NOT EXISTS (SELECT 1 FROM sync_outbox WHERE tbl = '{table}' AND key = {key})"
    )


@migrations()
def m006_sync_outbox(db: Database) -> None:
    """Sync between machines (ir_console/sync): once a machine turns sync on, a trigger writes an
    outbox row for every change of a synced table, in the transaction of the change, so no writer
    can forget one; `sync_rows` holds each row's version as the stream last gave it, and
    `sync_state` the stream position (stored with the changes applied from it). Changes applied
    from the stream set `applying` inside their own transaction, so they are not sent back."""
    db.execute(
        "CREATE TABLE sync_state (id INTEGER PRIMARY KEY CHECK (id = 1), enabled INTEGER NOT NULL DEFAULT 0, "
        "applying INTEGER NOT NULL DEFAULT 0, position INTEGER NOT NULL DEFAULT 0, stream TEXT, server TEXT, "
        "last_error TEXT, last_sync_at TEXT)"
    )
    db.execute("INSERT INTO sync_state (id) VALUES (1)")
    db.execute(
        "CREATE TABLE sync_outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, msg_id TEXT NOT NULL UNIQUE, "
        "tbl TEXT NOT NULL, key TEXT NOT NULL, local_id INTEGER, op TEXT NOT NULL, base TEXT, "
        "sent INTEGER NOT NULL DEFAULT 0)"
    )
    db.execute("CREATE INDEX sync_outbox_row ON sync_outbox (tbl, key)")
    db.execute(
        "CREATE TABLE sync_rows (tbl TEXT NOT NULL, key TEXT NOT NULL, version TEXT, shadow TEXT, "
        "PRIMARY KEY (tbl, key))"
    )
    # Every message applied, by id: a message sent again after the stream's duplicate window (a
    # machine that died between publishing and marking sent, and stayed down) is applied once.
    db.execute("CREATE TABLE sync_applied (msg_id TEXT PRIMARY KEY)")
    recording = "(SELECT enabled AND NOT applying FROM sync_state WHERE id = 1)"
    for table in SYNCED_KEYS:
        for event, row, op in (("INSERT", "NEW", "upsert"), ("UPDATE", "NEW", "upsert"), ("DELETE", "OLD", "delete")):
            shadow = f"{shadow_sql(table)}; " if event == "UPDATE" and table in SHADOWED else ""
            db.execute(
                f"CREATE TRIGGER sync_{table}_{event.lower()} AFTER {event} ON {table} WHEN {recording} "
                f"BEGIN {shadow}{outbox_insert_sql(table, row, op)}; END"
            )


@migrations()
def m007_digest_indexes(db: Database) -> None:
    """What the record digest (`p`, `u`, the export) asks of a long timeline, answered from small
    indexes instead of a pass over its events: each author's first moment (the digest steps from
    one author to the next), and partial indexes holding only the key moments, the alerts and the
    actions or decisions that stand, and the containment steps. (An index's entries end with the
    row's id, so `ORDER BY occurred_at, id` needs no column of its own.)"""
    db.execute("CREATE INDEX events_author_first ON events (incident_id, author, occurred_at)")
    db.execute("CREATE INDEX events_key_moments ON events (incident_id) WHERE key_moment = 1")
    for name, where in (
        ("events_standing_alerts", "kind = 'alert' AND retracted_at IS NULL"),
        ("events_standing_actions", "kind IN ('action', 'decision') AND retracted_at IS NULL"),
        ("events_containment_steps", "kind = 'containment'"),
    ):
        db.execute(f"CREATE INDEX {name} ON events (incident_id, occurred_at) WHERE {where}")


def _link_milestone_events(db: Database) -> None:
    """Each milestone already set is recorded by the latest milestone event at its time."""
    from ir_console.model.incident import Milestone

    for milestone in Milestone:
        column = f"{milestone.value}_at"
        db.execute(
            f"UPDATE events SET milestone = ? WHERE id IN ("
            f"SELECT (SELECT e.id FROM events e WHERE e.incident_id = i.id AND e.kind = 'milestone' "
            f"AND e.occurred_at = i.{column} AND e.retracted_at IS NULL ORDER BY e.id DESC LIMIT 1) "
            f"FROM incidents i WHERE i.{column} IS NOT NULL)",
            [milestone.value],
        )


def known_migration_names() -> frozenset[str]:
    """Every migration this program knows, for telling a newer schema from ours."""
    return frozenset(m.name for m in migrations.pending(Database(memory=True, execute_plugins=False)))
