"""The receiving side of sync: applying the stream's messages to this database, in stream order,
each row found by its UUID (or the key `schema.SYNCED_KEYS` gives it) and cleaned as the import
(`store.exchange`) cleans a file's rows; the import's own checks of ownership are kept.

What wins does not depend on any clock: the later message in the stream wins, everywhere. A row
changed here whose message the stream has not given back yet is later in the stream than anything
that arrives before it, so it is left as it is (the arriving version is remembered as the row's
`shadow`, what every other machine holds). A message made from a version other than the one the
stream last gave the row (its `base`) was written without seeing that version: for an event's text
or a post-mortem section, the version it replaces is kept as a revision, a conflict shown in the
event's history and the section's, identically on every machine. What the machine changed on an
incident's fields is in its timeline events, which all machines keep.
"""

from __future__ import annotations

import json
import sqlite3

from ir_console.model.clock import utc_now
from ir_console.store.errors import StoreError
from ir_console.store.exchange import EVENT_CONTENT, _clean, _owned_by
from ir_console.store.schema import SYNCED_KEYS
from ir_console.store.store import Store


class _Batch:
    """What stays true while one batch is applied, in its one transaction (which holds the write
    lock, so no other writer comes in between): incident ids by UUID (an incident is never deleted,
    so an id once found stays right), and whether this machine has any change not yet seen back
    (applying adds no outbox row, so an empty outbox stays empty: a new machine receiving the
    archive then skips the two outbox lookups of every message)."""

    def __init__(self, store: Store) -> None:
        self.incident_ids: dict[str, int] = {}
        self.outbox_empty = store.db.execute("SELECT 1 FROM sync_outbox LIMIT 1").fetchone() is None

    def incident_id(self, store: Store, incident_uuid: str | None) -> int | None:
        if not incident_uuid:
            return None
        found = self.incident_ids.get(incident_uuid)
        if found is None:
            found = _incident_id(store, incident_uuid)
            if found is not None:
                self.incident_ids[incident_uuid] = found
        return found


def apply_messages(store: Store, messages: list[dict], position: int) -> None:
    """Apply a batch of the stream's messages and store the stream `position` after them, in one
    transaction: a crash leaves both as they were, and the batch is fetched again."""
    with store.transaction() as db:
        db.execute("UPDATE sync_state SET applying = 1 WHERE id = 1")
        batch = _Batch(store)
        for message in messages:
            if not isinstance(message.get("id"), str) or message.get("table") not in SYNCED_KEYS:
                continue  # not a change of ours, or of a table this version does not keep
            if db.execute("INSERT OR IGNORE INTO sync_applied (msg_id) VALUES (?)", [message["id"]]).rowcount == 0:
                continue  # applied already: sent again after the duplicate window
            db.execute("SAVEPOINT sync_message")
            try:
                apply_message(store, message, batch)
            except (StoreError, ValueError, KeyError, TypeError, sqlite3.IntegrityError) as error:
                # A message this database refuses (a UUID of another incident's row, a malformed
                # row) is skipped, and said: the stream goes on.
                db.execute("ROLLBACK TO sync_message")
                db.execute(
                    "UPDATE sync_state SET last_error = ? WHERE id = 1",
                    [f"skipped message {str(message.get('id'))[:12]} ({' '.join(str(error).split())[:80]})"],
                )
            db.execute("RELEASE sync_message")
        db.execute(
            "UPDATE sync_state SET applying = 0, position = ?, last_sync_at = ? WHERE id = 1",
            [position, utc_now().isoformat()],
        )


def apply_message(store: Store, message: dict, batch: _Batch | None = None) -> None:
    table, key, msg_id, incoming = message["table"], message["key"], message["id"], message.get("row")
    db = store.db
    batch = batch or _Batch(store)
    state = db.execute("SELECT version, shadow FROM sync_rows WHERE tbl = ? AND key = ?", [table, key]).fetchone()
    version, shadowed = (state[0], state[1]) if state else (None, None)
    local: dict | None = _MISSING
    held: dict | None
    if shadowed is not None:
        held = json.loads(shadowed)
    else:
        held = local = _local(store, table, key)
    conflict = incoming is not None and held is not None and message.get("base") != version
    if conflict and incoming is not None and held is not None:
        incoming = _keep_loser(store, table, held, incoming, message)
        local = _MISSING  # the loser kept may have changed what the row's key finds
    if batch.outbox_empty:
        later_here, own = 0, None
    else:
        later_here = db.execute(
            "SELECT count(*) FROM sync_outbox WHERE tbl = ? AND key = ? AND msg_id != ?", [table, key, msg_id]
        ).fetchone()[0]
        own = db.execute("SELECT 1 FROM sync_outbox WHERE msg_id = ?", [msg_id]).fetchone()
    shadow = None
    if later_here:
        shadow = json.dumps(incoming)
    elif not (own and not conflict and shadowed is None):
        _write(store, table, key, incoming, batch, local)
    # else: this machine's own change seen back, with nothing in between: the row here is it
    db.execute(
        "INSERT INTO sync_rows (tbl, key, version, shadow) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (tbl, key) DO UPDATE SET version = excluded.version, shadow = excluded.shadow",
        [table, key, msg_id, shadow],
    )
    if not batch.outbox_empty:
        db.execute("DELETE FROM sync_outbox WHERE msg_id = ?", [msg_id])


_MISSING: dict = {}  # "not looked up yet", unlike None: "looked up, not here"


def _row(store: Store, sql: str, params: list) -> dict | None:
    """One row as a dict, straight from the connection (this runs once or twice a message)."""
    cursor = store.db.execute(sql, params)
    found = cursor.fetchone()
    return None if found is None else dict(zip([c[0] for c in cursor.description], found, strict=True))


def _incident_id(store: Store, incident_uuid: str | None) -> int | None:
    return store.scalar("SELECT id FROM incidents WHERE uuid = ?", [incident_uuid]) if incident_uuid else None


def _local(store: Store, table: str, key: str) -> dict | None:
    """This database's row named `key` (see `schema.SYNCED_KEYS`)."""
    if table == "postmortem_sections":
        incident_uuid, section = key.split("/")
        return _row(
            store,
            "SELECT s.* FROM postmortem_sections s JOIN incidents i ON i.id = s.incident_id "
            "WHERE i.uuid = ? AND s.section = ?",
            [incident_uuid, section],
        )
    if table == "event_revisions":
        event_uuid, revision = key.split("/")
        return _row(
            store,
            "SELECT r.* FROM event_revisions r JOIN events e ON e.id = r.event_id WHERE e.uuid = ? AND r.revision = ?",
            [event_uuid, int(revision)],
        )
    if table == "postmortem_section_revisions":
        incident_uuid, section, revision, written_at = key.split("/", 3)
        return _row(
            store,
            "SELECT r.* FROM postmortem_section_revisions r JOIN incidents i ON i.id = r.incident_id "
            "WHERE i.uuid = ? AND r.section = ? AND r.revision = ? AND ifnull(r.written_at, '') = ?",
            [incident_uuid, section, int(revision), written_at],
        )
    return _row(store, f"SELECT * FROM {table} WHERE uuid = ?", [key])


def _keep_loser(store: Store, table: str, held: dict, incoming: dict, message: dict) -> dict:
    """Two versions made from the same one: the incoming (later in the stream) wins; the one held
    is kept as a revision, and the winner's revision number counts past it."""
    if table == "events" and any(held.get(k) != incoming.get(k) for k in EVENT_CONTENT):
        event_id = store.scalar("SELECT id FROM events WHERE uuid = ?", [message["key"]])
        if event_id is not None:
            store.db.execute(
                "INSERT OR IGNORE INTO event_revisions (event_id, revision, occurred_at, kind, text, key_moment, "
                "replaced_at, replaced_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    event_id,
                    held["revision"],
                    *(held[k] for k in ("occurred_at", "kind", "text", "key_moment")),
                    incoming.get("edited_at") or incoming.get("recorded_at"),
                    f"{message.get('origin') or 'another machine'} (conflict)",
                ],
            )
            return {**incoming, "revision": max(incoming.get("revision") or 1, held["revision"] + 1)}
    if table == "postmortem_sections" and (held.get("body") or "") != (incoming.get("body") or ""):
        incident_id = _incident_id(store, incoming.get("incident_uuid"))
        body = held.get("body") or ""
        if incident_id is not None and body.strip():
            kept = store.query_row(
                "SELECT id FROM postmortem_section_revisions WHERE incident_id = ? AND section = ? AND body = ?",
                [incident_id, held["section"], body],
            )
            if kept is None:
                store.db.table("postmortem_section_revisions").insert(
                    {
                        "incident_id": incident_id,
                        "section": held["section"],
                        "revision": held["revision"],
                        "body": body,
                        "written_by": held.get("updated_by") or "",
                        "written_at": held.get("updated_at"),
                        "replaced_by": incoming.get("updated_by") or "",
                        "replaced_at": incoming.get("updated_at"),
                        "reason": "conflict",
                    }
                )
        return {**incoming, "revision": max(incoming.get("revision") or 1, held["revision"] + 1)}
    return incoming


# Every database this program opens has its schema (the migrations run on open).
_known_columns: dict[str, frozenset[str]] = {}


def _columns(store: Store, table: str, row: dict) -> dict:
    """The row's fields this database has (a newer machine may send more), cleaned as the import
    cleans them."""
    known = _known_columns.get(table)
    if known is None:
        known = _known_columns[table] = frozenset(store.db[table].columns_dict)
    return {k: v for k, v in _clean(row).items() if k in known}


def _update(store: Store, table: str, where: str, params: list, row: dict) -> None:
    if row:
        store.db.execute(
            f"UPDATE {table} SET {', '.join(f'[{k}] = ?' for k in row)} WHERE {where}", [*row.values(), *params]
        )


def _write(
    store: Store, table: str, key: str, incoming: dict | None, batch: _Batch, local: dict | None = _MISSING
) -> None:
    """The row as the message carries it, or gone (events are never deleted: they are retracted).
    `local`: the row here, when the caller has just read it."""
    db = store.db
    if table == "incidents":
        if incoming is not None:
            _write_incident(store, incoming)
        return
    if local is _MISSING:
        local = _local(store, table, key)
    if incoming is None:
        if local is not None and table != "events":
            db.execute(f"DELETE FROM {table} WHERE rowid = ?", [_rowid(store, table, local)])
        return
    row = _columns(store, table, incoming)
    if table == "event_revisions":
        parent = {"event_id": store.scalar("SELECT id FROM events WHERE uuid = ?", [incoming.get("event_uuid")])}
    else:
        parent = {"incident_id": batch.incident_id(store, incoming.get("incident_uuid"))}
    if None in parent.values():
        return  # what it belongs to never reached this machine
    if local is None:
        _insert(store, table, {**row, **parent})
    elif table == "postmortem_sections":
        _update(store, table, "incident_id = ? AND section = ?", [parent["incident_id"], row["section"]], row)
    else:
        if "incident_id" in parent:
            _owned_by(local, parent["incident_id"], table)
        _update(store, table, "id = ?", [local["id"]], {k: v for k, v in row.items() if k != "uuid"})


def _insert(store: Store, table: str, row: dict) -> None:
    """A plain INSERT of the cleaned row (its columns are this table's, its values plain: what
    sqlite-utils' insert would run, without building it anew for every message)."""
    store.db.execute(
        f"INSERT INTO [{table}] ({', '.join(f'[{k}]' for k in row)}) VALUES ({', '.join('?' * len(row))})",
        list(row.values()),
    )


def _rowid(store: Store, table: str, local: dict) -> int:
    if "id" in local:
        return local["id"]
    return store.scalar(
        f"SELECT rowid FROM {table} WHERE incident_id = ? AND section = ?", [local["incident_id"], local["section"]]
    )


def suffixed(store: Store, ref: str, uuid: str) -> str:
    """The ref of an incident declared on two machines under the same ref: the one later in the
    stream takes a short suffix from its UUID, the same on every machine (longer in the unlikely
    case that one is taken too)."""
    digits = uuid.replace("-", "")
    for length in (4, 8, len(digits)):
        candidate = f"{ref}-{digits[:length]}"
        if store.query_row("SELECT 1 FROM incidents WHERE ref = ? AND uuid != ?", [candidate, uuid]) is None:
            return candidate
    return f"{ref}-{digits}"


def _write_incident(store: Store, incoming: dict) -> None:
    db = store.db
    row = _columns(store, "incidents", incoming)
    holder = store.query_row(
        "SELECT id, uuid, ref FROM incidents WHERE ref = ? AND uuid != ?", [row["ref"], row["uuid"]]
    )
    if holder is not None:
        seen = store.query_row("SELECT 1 FROM sync_rows WHERE tbl = 'incidents' AND key = ?", [holder["uuid"]])
        if seen:
            row["ref"] = suffixed(store, row["ref"], row["uuid"])
        else:  # declared here and not yet in the stream: later than the one arriving
            db.execute(
                "UPDATE incidents SET ref = ? WHERE id = ?",
                [suffixed(store, holder["ref"], holder["uuid"]), holder["id"]],
            )
    local = store.query_row("SELECT id FROM incidents WHERE uuid = ?", [row["uuid"]])
    if local is None:
        db.table("incidents").insert(row)
    else:
        _update(store, "incidents", "id = ?", [local["id"]], {k: v for k, v in row.items() if k != "uuid"})
