"""Carrying an incident between machines whole, as JSON, and merging it back by UUID.

Export is the rows as stored (no row ids: those are local). Import inserts what is missing and,
for what exists, keeps whichever copy is newer, so importing the same file twice, or a newer copy,
duplicates nothing.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime

from ir_console.model.clock import parse_iso, to_iso, utc_now
from ir_console.store.errors import StoreError
from ir_console.store.rows import revision_from_row, storable
from ir_console.store.store import Store

FORMAT = "ir-console.incident"
FORMAT_VERSION = 1

CHILD_TABLES = ("hypotheses", "containment", "status_updates", "action_items")
# A child row's "newer" is judged by this column; status updates never change once sent.
UPDATED_COLUMN = {"hypotheses": "updated_at", "containment": "updated_at", "action_items": "updated_at"}


@dataclass
class ImportResult:
    ref: str
    created: bool
    added: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, table: str, updated: bool = False) -> None:
        target = self.updated if updated else self.added
        target[table] = target.get(table, 0) + 1


def _without_ids(row: dict, *names: str) -> dict:
    return {k: v for k, v in row.items() if k not in ("id", *names)}


def export_incident(store: Store, key: int | str) -> dict:
    incident = store.incident(key)
    rows = store.query_rows
    events = rows("SELECT * FROM events WHERE incident_id = ? ORDER BY occurred_at, id", [incident.id])
    revisions = rows(
        "SELECT r.*, e.uuid AS event_uuid FROM event_revisions r JOIN events e ON e.id = r.event_id "
        "WHERE e.incident_id = ? ORDER BY r.event_id, r.revision", [incident.id])
    document = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "incident": _without_ids(rows("SELECT * FROM incidents WHERE id = ?", [incident.id])[0]),
        "events": [_without_ids(e, "incident_id") for e in events],
        "event_revisions": [_without_ids(r, "event_id") for r in revisions],
        "postmortem_sections": [
            _without_ids(r, "incident_id")
            for r in rows("SELECT * FROM postmortem_sections WHERE incident_id = ? ORDER BY section", [incident.id])
        ],
    }
    for table in CHILD_TABLES:
        document[table] = [
            _without_ids(r, "incident_id")
            for r in rows(f"SELECT * FROM {table} WHERE incident_id = ? ORDER BY id", [incident.id])
        ]
    return document


def import_incident(store: Store, document: dict) -> ImportResult:
    """Merge an exported incident into `store` in one transaction."""
    try:
        check_document(document)
        with store.transaction():
            try:
                result = _merge(store, document)
            except REJECTED_ROWS as error:
                raise ValueError(f"a record the database refuses: {error}") from None
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        # A malformed export: the transaction was rolled back, so nothing was imported.
        detail = " ".join(f"{type(error).__name__}: {error}".split())
        raise StoreError(f"the export is malformed ({detail}); nothing was imported") from None
    return result


# What SQLite says of rows with missing fields, unknown columns or values of the wrong type: the
# file is at fault, not the disk, so these are reported as a malformed export (exit 2), not as a
# write worth retrying.
REJECTED_ROWS = (sqlite3.IntegrityError, sqlite3.InterfaceError, sqlite3.ProgrammingError)
REF_FORM = re.compile(r"INC-\d{8}-\d{3,}")


def _merge(store: Store, document: dict) -> ImportResult:
    try:
        result, incident_id = _merge_incident(store, document["incident"])
        event_ids = _merge_events(store, incident_id, document.get("events", []), result)
        _merge_revisions(store, event_ids, document.get("event_revisions", []), result)
        for table in CHILD_TABLES:
            _merge_children(store, table, incident_id, document.get(table, []), result)
        _merge_sections(store, incident_id, document.get("postmortem_sections", []), result)
    except sqlite3.OperationalError as error:
        if "no column" not in str(error):
            raise
        raise ValueError(f"a record with a field ir-console does not have: {error}") from None
    _check_readable(store, incident_id)
    return result


def _check_readable(store: Store, incident_id: int) -> None:
    """Read the merged incident back through the model: a value it cannot parse raises ValueError
    here, inside the transaction, rather than later on every read of the store."""
    store.record(incident_id)
    for row in store.query_rows("SELECT r.* FROM event_revisions r JOIN events e ON e.id = r.event_id "
                                "WHERE e.incident_id = ?", [incident_id]):
        revision_from_row(row)


def check_document(document: object) -> None:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise StoreError("not an ir-console incident export (expected a JSON object with format "
                         f"{FORMAT!r}; make one with `ir-console export ID --format json`)")
    if document.get("version", 0) > FORMAT_VERSION:
        raise StoreError(f"export format version {document.get('version')} is newer than this "
                         "ir-console understands; upgrade ir-console")
    if not isinstance(document.get("incident"), dict) or not document["incident"].get("uuid"):
        raise StoreError("the export has no incident record with a uuid")


def _clean(row: dict) -> dict:
    """Text as the store keeps it; timestamps in its one sortable form (an offset would break
    timeline order, which compares them as text)."""
    if not isinstance(row, dict):
        raise ValueError(f"a record is {type(row).__name__}, not an object")
    for key, value in row.items():
        if not isinstance(value, (str, int, float, type(None))):
            raise ValueError(f"field {key!r} holds {type(value).__name__}, not a value")
    cleaned = {k: storable(v) if isinstance(v, str) else v for k, v in row.items()}
    for key, value in cleaned.items():
        if key.endswith("_at") and isinstance(value, str) and value:
            cleaned[key] = to_iso(parse_iso(value))
    return cleaned


def _owned_by(local: dict, incident_id: int, table: str) -> None:
    """A UUID is one record of one incident; a file that reuses it for another is refused."""
    if local["incident_id"] != incident_id:
        raise StoreError(f"the export reuses the UUID of a {table} record that belongs to another "
                         "incident; nothing was imported")


def _merge_incident(store: Store, incoming: dict) -> tuple[ImportResult, int]:
    incoming = _clean(incoming)
    local = store.query_row("SELECT * FROM incidents WHERE uuid = ?", [incoming["uuid"]])
    if local is None:
        ref = incoming.get("ref")
        ref_taken = store.query_row("SELECT id FROM incidents WHERE ref = ?", [ref])
        # A ref is shown everywhere: one not of our own form (or taken here) is replaced.
        if ref_taken or not isinstance(ref, str) or not REF_FORM.fullmatch(ref):
            incoming["ref"] = store.next_ref(parse_declared(incoming))
        incident_id = store.db["incidents"].insert(incoming).last_pk
        return ImportResult(incoming["ref"], created=True), incident_id
    result = ImportResult(local["ref"], created=False)
    if (incoming.get("updated_at") or "") > (local["updated_at"] or ""):
        store.db["incidents"].update(local["id"], _without_ids(incoming, "ref"))
        result.count("incidents", updated=True)
    return result, local["id"]


def parse_declared(incoming: dict) -> datetime:
    stamp = incoming.get("declared_at") or incoming.get("created_at")
    return parse_iso(stamp) if stamp else utc_now()


def _merge_events(store: Store, incident_id: int, events: list[dict], result: ImportResult) -> dict[str, int]:
    ids: dict[str, int] = {}
    for incoming in map(_clean, events):
        local = store.query_row("SELECT id, incident_id, revision, retracted_at FROM events WHERE uuid = ?",
                                [incoming["uuid"]])
        if local is None:
            ids[incoming["uuid"]] = store.db["events"].insert({**incoming, "incident_id": incident_id}).last_pk
            result.count("events")
            continue
        _owned_by(local, incident_id, "events")
        ids[incoming["uuid"]] = local["id"]
        newer = incoming.get("revision", 1) > local["revision"]
        newly_retracted = incoming.get("retracted_at") and not local["retracted_at"]
        if newer or newly_retracted:
            store.db["events"].update(local["id"], _without_ids(incoming, "uuid"))
            result.count("events", updated=True)
    return ids


def _merge_revisions(store: Store, event_ids: dict[str, int], revisions: list[dict], result: ImportResult) -> None:
    for incoming in map(_clean, revisions):
        event_id = event_ids.get(incoming.pop("event_uuid", None))
        if event_id is None:
            continue
        exists = store.query_row("SELECT id FROM event_revisions WHERE event_id = ? AND revision = ?",
                            [event_id, incoming["revision"]])
        if exists is None:
            store.db["event_revisions"].insert({**incoming, "event_id": event_id})
            result.count("event_revisions")


def _merge_children(store: Store, table: str, incident_id: int, children: list[dict], result: ImportResult) -> None:
    column = UPDATED_COLUMN.get(table)
    for incoming in map(_clean, children):
        local = store.query_row(f"SELECT * FROM {table} WHERE uuid = ?", [incoming["uuid"]])
        if local is None:
            store.db[table].insert({**incoming, "incident_id": incident_id})
            result.count(table)
            continue
        _owned_by(local, incident_id, table)
        if column and (incoming.get(column) or "") > (local[column] or ""):
            store.db[table].update(local["id"], _without_ids(incoming, "uuid"))
            result.count(table, updated=True)


def _merge_sections(store: Store, incident_id: int, sections: list[dict], result: ImportResult) -> None:
    for incoming in map(_clean, sections):
        local = store.query_row("SELECT updated_at FROM postmortem_sections WHERE incident_id = ? AND section = ?",
                           [incident_id, incoming["section"]])
        if local is None or (incoming.get("updated_at") or "") > (local["updated_at"] or ""):
            store.db["postmortem_sections"].upsert({**incoming, "incident_id": incident_id},
                                                    pk=("incident_id", "section"))
            result.count("postmortem_sections", updated=local is not None)
