"""Carrying an incident between machines whole, as JSON, and merging it back by UUID.

Export is the rows as stored (no row ids: those are local). Import inserts what is missing and,
for what exists, keeps whichever copy is newer, so importing the same file twice, or a newer copy,
duplicates nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ir_console.model.clock import parse_iso, utc_now
from ir_console.store.errors import StoreError
from ir_console.store.rows import storable
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
    check_document(document)
    with store.transaction() as db:
        result, incident_id = _merge_incident(store, document["incident"])
        event_ids = _merge_events(store, incident_id, document.get("events", []), result)
        _merge_revisions(store, event_ids, document.get("event_revisions", []), result)
        for table in CHILD_TABLES:
            _merge_children(store, table, incident_id, document.get(table, []), result)
        _merge_sections(store, incident_id, document.get("postmortem_sections", []), result)
    return result


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
    return {k: storable(v) if isinstance(v, str) else v for k, v in row.items()}


def _merge_incident(store: Store, incoming: dict) -> tuple[ImportResult, int]:
    incoming = _clean(incoming)
    local = store.query_row("SELECT * FROM incidents WHERE uuid = ?", [incoming["uuid"]])
    if local is None:
        ref_taken = store.query_row("SELECT id FROM incidents WHERE ref = ?", [incoming.get("ref")])
        if ref_taken or not incoming.get("ref"):
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
        local = store.query_row("SELECT id, revision, retracted_at FROM events WHERE uuid = ?",
                           [incoming["uuid"]])
        if local is None:
            ids[incoming["uuid"]] = store.db["events"].insert({**incoming, "incident_id": incident_id}).last_pk
            result.count("events")
            continue
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
        elif column and (incoming.get(column) or "") > (local[column] or ""):
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
