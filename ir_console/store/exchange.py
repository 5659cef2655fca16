"""Carrying an incident between machines whole, as JSON, and merging it back by UUID.

Export is the rows as stored (no row ids: those are local). Import inserts what is missing and,
for what exists, keeps whichever copy is newer, so importing the same file twice, or a newer copy,
duplicates nothing.

Import is a writer like any other and rewrites no history: it takes no local ids from the file (row
ids, incident_id, event_id), never moves a row to another incident, writes a timeline event (source
import) for each incident field it changes, keeps an event's earlier text as a revision and a
post-mortem section's as a section revision, and refuses a file dated in the future (beyond
IMPORT_SKEW) or outside the dates `model.when` accepts, in one line, importing nothing.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any, cast

from ir_console.model import EventKind, EventSource, Incident, Milestone, Role, Section
from ir_console.model.clock import parse_iso, to_iso, utc_now
from ir_console.model.incident import milestone_order_problem
from ir_console.model.when import format_when, in_range
from ir_console.store.errors import StoreError
from ir_console.store.rows import incident_from_row, milestone_column, revision_from_row, storable
from ir_console.store.store import TRIAGE_FIELDS, Store, triage_change_text

FORMAT = "ir-console.incident"
FORMAT_VERSION = 1

CHILD_TABLES = ("hypotheses", "containment", "status_updates", "action_items")
# A child row's "newer" is judged by this column; status updates never change once sent.
UPDATED_COLUMN = {"hypotheses": "updated_at", "containment": "updated_at", "action_items": "updated_at"}
# Exports list rows in the order of their own data, so that two machines holding the same record
# (sync, import) export the same file. The last tie-break is the row's UUID, the same on every
# machine, never its row id: two entries written on two machines in the same millisecond have
# their row ids in opposite orders on the two (issue #13). Rows written in one transaction share
# their times, and a UUID says nothing of the order they were written in, so milestones of one
# instant (Detected and Declared, when a declaration gives no detection time) come in the order
# of the incident's milestones first; other entries of one instant, in the order of their UUIDs.
MILESTONE_RANK = "CASE e.milestone " + " ".join(f"WHEN '{m.value}' THEN {n}" for n, m in enumerate(Milestone)) + " END"
EVENT_ORDER = f"e.occurred_at, e.recorded_at, {MILESTONE_RANK}, e.uuid"
CHILD_ORDER = {
    "hypotheses": "number, created_at, uuid",
    "containment": "position, updated_at, uuid",
    "status_updates": "sent_at, uuid",
    "action_items": "created_at, uuid",
}
# Ids of this database, never taken from a file.
LOCAL_FIELDS = ("id", "incident_id", "event_id")
# How far ahead of this machine's clock a file's timestamps may be (the other machine's clock).
IMPORT_SKEW = timedelta(minutes=5)
# An incident's columns an import may change, each change written as a timeline event.
INCIDENT_FIELDS = (
    "title",
    "severity",
    "status",
    "phase",
    *TRIAGE_FIELDS,
    *(r.value for r in Role),
    *(milestone_column(m) for m in Milestone),
)
# What a newer copy of an event may change: its content (the local version kept as a revision) and
# its retraction; never its incident, author, source or when it was recorded.
EVENT_CONTENT = ("text", "occurred_at", "kind", "key_moment")
EVENT_RETRACTION = ("retracted_at", "retracted_by", "retraction_reason")


class RefusedImport(StoreError):
    """The file is well formed but would rewrite history (a date in the future, out of range)."""


@dataclass
class ImportResult:
    ref: str
    created: bool
    author: str = ""
    now: datetime = field(default_factory=utc_now)
    added: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, table: str, updated: bool = False) -> None:
        target = self.updated if updated else self.added
        target[table] = target.get(table, 0) + 1


def _without_ids(row: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in ("id", *names)}


# A list's column: its key in the document, the SQL that reads it, and whether it can hold a REAL
# (a column of TEXT affinity cannot: SQLite stores a number written to it as text).
_Column = tuple[str, str, bool]


def _text_affinity(declared: str) -> bool:
    """SQLite's rule for a column's affinity from its declared type, as far as TEXT goes."""
    declared = declared.upper()
    return "INT" not in declared and any(word in declared for word in ("CHAR", "CLOB", "TEXT"))


def _export_lists(store: Store, incident_id: int) -> list[tuple[str, list[_Column], str]]:
    """The document's lists in order, each as (name, its columns, the FROM ... ORDER BY that reads
    its rows in export order). The columns are the table's own, in its order, less this database's
    ids: as `SELECT *` less them."""

    def columns(table: str, alias: str, *local: str) -> list[_Column]:
        found = store.query_rows(f"SELECT name, type FROM pragma_table_info('{table}')")
        return [
            (r["name"], f'{alias}."{r["name"]}"', not _text_affinity(r["type"] or ""))
            for r in found
            if r["name"] not in ("id", *local)
        ]

    where = f"WHERE incident_id = {int(incident_id)}"
    event_uuid = [("event_uuid", "e.uuid", False)]
    lists = [
        ("events", columns("events", "e", "incident_id"), f"FROM events e {where} ORDER BY {EVENT_ORDER}"),
        (
            "event_revisions",
            columns("event_revisions", "r", "event_id") + event_uuid,
            f"FROM event_revisions r JOIN events e ON e.id = r.event_id WHERE e.incident_id = {int(incident_id)} "
            f"ORDER BY {EVENT_ORDER}, r.revision",
        ),
        (
            "postmortem_sections",
            columns("postmortem_sections", "t", "incident_id"),
            f"FROM postmortem_sections t {where} ORDER BY section",
        ),
        (
            "postmortem_section_revisions",
            columns("postmortem_section_revisions", "t", "incident_id"),
            f"FROM postmortem_section_revisions t {where} ORDER BY section, revision, written_at, replaced_at, body",
        ),
    ]
    for table in CHILD_TABLES:
        lists.append(
            (table, columns(table, "t", "incident_id"), f"FROM {table} t {where} ORDER BY {CHILD_ORDER[table]}")
        )
    return lists


def _select(columns: list[_Column], source: str) -> str:
    """The SELECT of a list's rows, one value per column, named by its key."""
    return "SELECT " + ", ".join(f'{sql} AS "{key}"' for key, sql, _ in columns) + " " + source


def _export_head(store: Store, key: int | str) -> tuple[int, dict[str, Any]]:
    incident = store.incident(key)
    row = store.query_rows("SELECT * FROM incidents WHERE id = ?", [incident.id])[0]
    return incident.id, {"format": FORMAT, "version": FORMAT_VERSION, "incident": _without_ids(row)}


def export_incident(store: Store, key: int | str) -> dict[str, Any]:
    incident_id, document = _export_head(store, key)
    for name, columns, source in _export_lists(store, incident_id):
        document[name] = store.query_rows(_select(columns, source))
    return document


def export_json(store: Store, key: int | str) -> str:
    """`ir-console export ID --format json`: `json.dumps(export_incident(store, key), indent=2,
    ensure_ascii=True)` and a newline, byte for byte (tests/test_export_speed.py).

    The json module indents in pure Python, value by value: on a 10,000-event incident that cost
    five times the reading of its events. Here SQLite writes each row, laid out as json.dumps
    (indent=2) lays it out, as one text (`_row_json_sql`): its `json_quote` escapes a string as the
    json module does (checked once: `_sqlite_quotes_as_json`) but for the characters outside
    printable ASCII, escaped afterwards (`_ascii`). A list with a REAL value (which SQLite writes
    with fewer digits than Python, and only an imported file can bring) is laid out by Python as
    before (`_rows_json`), and so is every list where SQLite's JSON functions are missing."""
    incident_id, head = _export_head(store, key)
    pieces = ["{\n", ",\n".join(f"  {json.dumps(name)}: {_indented(value)}" for name, value in head.items())]
    with store.reading() as db:
        by_sqlite = _sqlite_quotes_as_json(db.conn)
        for name, columns, source in _export_lists(store, incident_id):
            pieces.append(f",\n  {json.dumps(name)}: ")
            rows = db.execute(_row_json_sql(columns, source)).fetchall() if by_sqlite else [(None,)]
            if (None,) in rows:
                cursor = db.execute(_select(columns, source))
                pieces.append(_rows_json([column[0] for column in cursor.description], cursor.fetchall()))
            elif rows:  # each row's text starts with the ",\n" that follows the row before it
                pieces.append("[\n" + str(rows[0][0])[2:])
                pieces.extend(map(itemgetter(0), rows[1:]))
                pieces.append("\n  ]")
            else:
                pieces.append("[]")
    pieces.append("\n}\n")
    return _ascii("".join(pieces))


def _row_json_sql(columns: list[_Column], source: str) -> str:
    """The SELECT of a list's rows, each as one text: the row at depth 1 as json.dumps(indent=2)
    writes it (but for characters outside printable ASCII), after the ",\n" that separates it from
    the row before; or NULL for a row with a REAL value. The document is joined once from these
    texts (joining each list first, then the document, copied ~6 MB twice more: ~10 ms)."""
    if not columns:
        return "SELECT ',\n    {}' " + source
    pieces = []
    for number, (key, sql, _) in enumerate(columns):
        before = (",\n    {\n" if number == 0 else ",\n") + f"      {json.dumps(key, ensure_ascii=True)}: "
        pieces.append(_sql_text(before) + f" || json_quote({sql})")
    text = " || ".join(pieces) + " || " + _sql_text("\n    }")
    reals = [f"typeof({sql}) = 'real'" for _, sql, may_be_real in columns if may_be_real]
    if reals:
        text = f"CASE WHEN {' OR '.join(reals)} THEN NULL ELSE {text} END"
    return f"SELECT {text} {source}"


def _sql_text(text: str) -> str:
    """`text` as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


# What json.dumps(ensure_ascii=True) escapes that SQLite's json_quote writes as it is: DEL and
# every character beyond ASCII (outside a string, a JSON text is ASCII).
_BEYOND_ASCII = re.compile("[\x7f-\U0010ffff]+")


def _ascii(text: str) -> str:
    """JSON text with the characters json.dumps(ensure_ascii=True) escapes escaped as it does."""
    if text.isascii() and "\x7f" not in text:
        return text
    return _BEYOND_ASCII.sub(lambda found: json.dumps(found.group())[1:-1], text)


# Every ASCII character (those json.dumps escapes by name among them) and some beyond.
_PROBE = "".join(map(chr, range(128))) + "é\u2028🔥"
_QUOTES_AS_JSON: dict[str, bool] = {}


def _sqlite_quotes_as_json(conn: sqlite3.Connection) -> bool:
    """Whether this SQLite library has `json_quote` (built in since 3.38) and it writes a string as
    json.dumps does, once `_ascii` has escaped what lies beyond ASCII. Asked once per library."""
    if sqlite3.sqlite_version not in _QUOTES_AS_JSON:
        try:
            quoted = conn.execute("SELECT json_quote(?)", [_PROBE]).fetchone()[0]
        except sqlite3.Error:
            quoted = None
        _QUOTES_AS_JSON[sqlite3.sqlite_version] = isinstance(quoted, str) and _ascii(quoted) == json.dumps(_PROBE)
    return _QUOTES_AS_JSON[sqlite3.sqlite_version]


_VALUES = json.JSONEncoder(ensure_ascii=True, separators=("\0", ":"))


def _rows_json(keys: list[str], rows: list[tuple[Any, ...]]) -> str:
    """Rows (tuples of SQLite values) of one list, at depth 1, as json.dumps(indent=2) lays out
    the same rows as dicts of `keys`: each list of rows encoded by json's C encoder in one call,
    as lists of values with a NUL between values (a NUL within a string is escaped, so the text
    splits exactly there), and each row laid out by a template holding its keys, already encoded,
    with the breaks and indents json.dumps(indent=2) puts between them."""
    if not rows:
        return "[]"
    if not keys:
        return "[\n" + ",\n".join("    {}" for _ in rows) + "\n  ]"
    fields = ",\n".join(_literal(f"      {json.dumps(key, ensure_ascii=True)}: ") + "{}" for key in keys)
    template = "    {{\n" + fields + "\n    }}"
    encoded = _VALUES.encode(rows)  # [[a\0b]\0[c\0d]]: a row's last value never ends in "]"
    return "[\n" + ",\n".join(template.format(*row.split("\0")) for row in encoded[2:-2].split("]\0[")) + "\n  ]"


def _literal(text: str) -> str:
    """`text` as a literal part of a str.format template."""
    return text.replace("{", "{{").replace("}", "}}")


def _indented(value: Any) -> str:
    """A value of the document's head (the format, its version, the incident row) at depth 1."""
    if isinstance(value, dict) and value:
        body = json.JSONEncoder(ensure_ascii=True, separators=(",\n    ", ": ")).encode(value)
        return "{\n    " + body[1:-1] + "\n  }"
    return json.dumps(value, ensure_ascii=True)


def import_incident(store: Store, document: dict[str, Any], *, author: str = "") -> ImportResult:
    """Merge an exported incident into `store` in one transaction; `author`: who imports it (the
    author of the timeline events that record what the import changed)."""
    try:
        check_document(document)
        with store.transaction():
            try:
                result = _merge(store, document, author)
            except REJECTED_ROWS as error:
                raise ValueError(f"a record the database refuses: {error}") from None
    except (KeyError, TypeError, AttributeError, ValueError, OverflowError) as error:
        # A malformed export: the transaction was rolled back, so nothing was imported.
        detail = " ".join(f"{type(error).__name__}: {error}".split())
        raise StoreError(f"the export is malformed ({detail}); nothing was imported") from None
    return result


# What SQLite says of rows with missing fields, unknown columns or values of the wrong type: the
# file is at fault, not the disk, so these are reported as a malformed export (exit 2), not as a
# write worth retrying.
REJECTED_ROWS = (sqlite3.IntegrityError, sqlite3.InterfaceError, sqlite3.ProgrammingError)
# A sync gives the later of two incidents declared under one ref a suffix from its UUID.
REF_FORM = re.compile(r"INC-\d{8}-\d{3,}(-[0-9a-f]{4,32})?")


def _merge(store: Store, document: dict[str, Any], author: str) -> ImportResult:
    now = store.clock()
    _check_times(document, now)
    try:
        result, incident_id = _merge_incident(store, document["incident"], author, now)
        event_ids = _merge_events(
            store, incident_id, document.get("events", []), document.get("event_revisions", []), result
        )
        _merge_revisions(store, event_ids, document.get("event_revisions", []), result)
        for table in CHILD_TABLES:
            _merge_children(store, table, incident_id, document.get(table, []), result)
        _merge_sections(store, incident_id, document.get("postmortem_sections", []), result)
        _merge_section_revisions(store, incident_id, document.get("postmortem_section_revisions", []), result)
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
    for row in store.query_rows(
        "SELECT r.* FROM event_revisions r JOIN events e ON e.id = r.event_id WHERE e.incident_id = ?", [incident_id]
    ):
        revision_from_row(row)


def check_document(document: object) -> None:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise StoreError(
            "not an ir-console incident export (expected a JSON object with format "
            f"{FORMAT!r}; make one with `ir-console export ID --format json`)"
        )
    if document.get("version", 0) > FORMAT_VERSION:
        raise StoreError(
            f"export format version {document.get('version')} is newer than this "
            "ir-console understands; upgrade ir-console"
        )
    if not isinstance(document.get("incident"), dict) or not document["incident"].get("uuid"):
        raise StoreError("the export has no incident record with a uuid")


def _check_times(document: dict[str, Any], now: datetime) -> None:
    """Every timestamp in the file is a date `model.when` accepts and not in the future (beyond
    IMPORT_SKEW): a file dated 2099 would otherwise win every later merge."""
    parts = [("incident", [document["incident"]])] + [
        (name, rows)
        for name, rows in document.items()
        if name not in ("incident", "format", "version") and isinstance(rows, list)
    ]
    for name, rows in parts:
        for number, row in enumerate(rows):
            if not isinstance(row, dict):
                continue
            for key, value in row.items():
                if not (key.endswith("_at") and isinstance(value, str) and value.strip()):
                    continue
                where = f"{name}[{number}].{key}" if name != "incident" else f"incident.{key}"
                _check_time(value, where, now)


def _check_time(value: str, where: str, now: datetime) -> None:
    try:
        moment = parse_iso(value)
    except OverflowError:
        moment = None
    except ValueError:
        return  # not a timestamp at all: reported as a malformed export where the row is read
    try:
        if moment is None:
            raise ValueError
        in_range(moment)
    except ValueError:
        raise RefusedImport(
            f"the export's {where} {value.strip()[:40]!r} is out of range (dates from 1970 to "
            "2099 are accepted); nothing was imported"
        ) from None
    if moment > now + IMPORT_SKEW:
        raise RefusedImport(
            f"the export's {where} {format_when(moment)} is in the future (this machine's clock "
            f"says {format_when(now)}); nothing was imported"
        ) from None


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    """Text as the store keeps it; timestamps in its one sortable form (an offset would break
    timeline order, which compares them as text); no local ids (LOCAL_FIELDS)."""
    if not isinstance(row, dict):
        raise ValueError(f"a record is {type(row).__name__}, not an object")
    for key, value in row.items():
        if not isinstance(value, (str, int, float, type(None))):
            raise ValueError(f"field {key!r} holds {type(value).__name__}, not a value")
    cleaned = {k: storable(v) if isinstance(v, str) else v for k, v in row.items() if k not in LOCAL_FIELDS}
    for key, value in cleaned.items():
        if key.endswith("_at") and isinstance(value, str) and value:
            cleaned[key] = to_iso(parse_iso(value))
    return cleaned


def _owned_by(local: dict[str, Any], incident_id: int, table: str) -> None:
    """A UUID is one record of one incident; a file that reuses it for another is refused."""
    if local["incident_id"] != incident_id:
        raise StoreError(
            f"the export reuses the UUID of a {table} record that belongs to another incident; nothing was imported"
        )


def _merge_incident(store: Store, incoming: dict[str, Any], author: str, now: datetime) -> tuple[ImportResult, int]:
    incoming = _clean(incoming)
    local = store.query_row("SELECT * FROM incidents WHERE uuid = ?", [incoming["uuid"]])
    if local is None:
        ref = incoming.get("ref")
        ref_taken = store.query_row("SELECT id FROM incidents WHERE ref = ?", [ref])
        # A ref is shown everywhere: one not of our own form (or taken here) is replaced.
        if ref_taken or not isinstance(ref, str) or not REF_FORM.fullmatch(ref):
            incoming["ref"] = store.next_ref(parse_declared(incoming))
        incident_id = cast(int, store.db.table("incidents").insert(incoming).last_pk)
        return ImportResult(incoming["ref"], created=True, author=author, now=now), incident_id
    result = ImportResult(local["ref"], created=False, author=author, now=now)
    if (incoming.get("updated_at") or "") > (local["updated_at"] or ""):
        changes = {k: incoming[k] for k in INCIDENT_FIELDS if k in incoming and incoming[k] != local[k]}
        before, after = incident_from_row(local), incident_from_row({**local, **changes})
        problem = milestone_order_problem(after.milestones, [m for m in Milestone if milestone_column(m) in changes])
        if problem:
            raise RefusedImport(f"the export's milestones are out of order ({problem}); nothing was imported")
        store.db.table("incidents").update(local["id"], {**changes, "updated_at": incoming["updated_at"]})
        for text, kind in incident_changes(before, after):
            _import_event(store, local["id"], kind, text, result)
        if changes:
            result.count("incidents", updated=True)
    return result, local["id"]


def incident_changes(before: Incident, after: Incident) -> list[tuple[str, EventKind]]:
    """What changed between two versions of an incident, as the store's own writers word it."""
    changes: list[tuple[str, EventKind]] = []
    if after.title != before.title:
        changes.append((triage_change_text("title", before.title, after.title), EventKind.NOTE))
    if after.severity != before.severity:
        changes.append((f"Severity {before.severity.label} → {after.severity.label}", EventKind.SEVERITY_CHANGE))
    if after.status != before.status:
        changes.append((f"Status {before.status.value} → {after.status.value}", EventKind.STATUS_CHANGE))
    if after.phase != before.phase:
        changes.append((f"Phase {before.phase.value} → {after.phase.value}", EventKind.STATUS_CHANGE))
    for name in TRIAGE_FIELDS:
        old, new = getattr(before.triage, name), getattr(after.triage, name)
        if old != new:
            changes.append((triage_change_text(name, old, new), EventKind.NOTE))
    for role in Role:
        old, new = before.role(role), after.role(role)
        if old != new:
            was = f" (was {old})" if old else ""
            changes.append((f"{role.label}: {new}{was}" if new else f"{role.label} unassigned{was}", EventKind.ROLE))
    for milestone in Milestone:
        old, new = before.milestones.get(milestone), after.milestones.get(milestone)
        if old != new:
            shown = [to_iso(moment) if moment else "—" for moment in (old, new)]
            changes.append((f"{milestone.label} time: {shown[0]} → {shown[1]}", EventKind.NOTE))
    return changes


def _import_event(store: Store, incident_id: int, kind: EventKind, text: str, result: ImportResult) -> None:
    """A timeline event recording a change the import made, at the time of the import."""
    store._event(incident_id, kind, text, result.author, EventSource.IMPORT, result.now)


def parse_declared(incoming: dict[str, Any]) -> datetime:
    stamp = incoming.get("declared_at") or incoming.get("created_at")
    return parse_iso(stamp) if stamp else utc_now()


def _merge_events(
    store: Store, incident_id: int, events: list[dict[str, Any]], revisions: list[dict[str, Any]], result: ImportResult
) -> dict[str, int]:
    ids: dict[str, int] = {}
    for incoming in map(_clean, events):
        local = store.query_row("SELECT * FROM events WHERE uuid = ?", [incoming["uuid"]])
        if local is None:
            ids[incoming["uuid"]] = cast(
                int, store.db.table("events").insert({**incoming, "incident_id": incident_id}).last_pk
            )
            result.count("events")
            continue
        _owned_by(local, incident_id, "events")
        ids[incoming["uuid"]] = local["id"]
        changes: dict[str, Any] = {}
        if incoming.get("revision", 1) > local["revision"]:
            content = {k: incoming[k] for k in EVENT_CONTENT if k in incoming and incoming[k] != local[k]}
            if content:
                _keep_event_version(store, local, incoming["uuid"], revisions, result)
            changes = {
                **content,
                "revision": incoming["revision"],
                "edited_at": incoming.get("edited_at") or to_iso(result.now),
            }
        if incoming.get("retracted_at") and not local["retracted_at"]:
            changes.update({k: incoming.get(k) for k in EVENT_RETRACTION})
        if changes:
            store.db.table("events").update(local["id"], changes)
            result.count("events", updated=True)
    return ids


def _keep_event_version(
    store: Store, local: dict[str, Any], uuid: str, revisions: list[dict[str, Any]], result: ImportResult
) -> None:
    """The event's version here, kept in its history before a newer copy replaces it: as the file's
    history tells it (who replaced it, when) if the file holds this very version, else as replaced
    by this import."""
    if store.query_row(
        "SELECT id FROM event_revisions WHERE event_id = ? AND revision = ?", [local["id"], local["revision"]]
    ):
        return
    version = {k: local[k] for k in ("revision", *EVENT_CONTENT)}
    told = next(
        (
            r
            for r in map(_clean, revisions)
            if r.get("event_uuid") == uuid and all(r.get(k) == v for k, v in version.items())
        ),
        None,
    )
    store.db.table("event_revisions").insert(
        {
            "event_id": local["id"],
            **version,
            "replaced_at": told.get("replaced_at") if told else to_iso(result.now),
            "replaced_by": told.get("replaced_by") if told else storable(result.author),
        }
    )
    result.count("event_revisions")


def _merge_revisions(
    store: Store, event_ids: dict[str, int], revisions: list[dict[str, Any]], result: ImportResult
) -> None:
    for incoming in map(_clean, revisions):
        event_id = event_ids.get(incoming.pop("event_uuid", None))
        if event_id is None:
            continue
        exists = store.query_row(
            "SELECT id FROM event_revisions WHERE event_id = ? AND revision = ?", [event_id, incoming["revision"]]
        )
        if exists is None:
            store.db.table("event_revisions").insert({**incoming, "event_id": event_id})
            result.count("event_revisions")


def _merge_children(
    store: Store, table: str, incident_id: int, children: list[dict[str, Any]], result: ImportResult
) -> None:
    column = UPDATED_COLUMN.get(table)
    for incoming in map(_clean, children):
        local = store.query_row(f"SELECT * FROM {table} WHERE uuid = ?", [incoming["uuid"]])
        if local is None:
            store.db.table(table).insert({**incoming, "incident_id": incident_id})
            result.count(table)
            continue
        _owned_by(local, incident_id, table)
        if column and (incoming.get(column) or "") > (local[column] or ""):
            store.db.table(table).update(local["id"], _without_ids(incoming, "uuid"))
            result.count(table, updated=True)


def _merge_sections(store: Store, incident_id: int, sections: list[dict[str, Any]], result: ImportResult) -> None:
    """By the rule every writer follows (`Store.write_postmortem_section`): a newer text replaces
    the section, the text it replaces kept as a revision; an older one that differs is kept as a
    revision too. Text already held here, as the section or in its history, is not added again."""
    for incoming in map(_clean, sections):
        section = Section(incoming["section"])
        body = storable(incoming.get("body") or "")
        local = store.query_row(
            "SELECT body, updated_at FROM postmortem_sections WHERE incident_id = ? AND section = ?",
            [incident_id, section.value],
        )
        if local is not None and (
            body == local["body"]
            or store.query_row(
                "SELECT id FROM postmortem_section_revisions WHERE incident_id = ? AND section = ? AND body = ?",
                [incident_id, section.value, body],
            )
        ):
            continue
        written_at = parse_iso(incoming["updated_at"]) if incoming.get("updated_at") else result.now
        if local is None or to_iso(written_at) > (local["updated_at"] or ""):
            store.write_postmortem_section(
                incident_id, section, body, author=incoming.get("updated_by") or "", now=written_at, reason="import"
            )
            result.count("postmortem_sections", updated=local is not None)
        else:
            _keep_section_text(store, incident_id, section, body, incoming, result)


def _keep_section_text(
    store: Store, incident_id: int, section: Section, body: str, incoming: dict[str, Any], result: ImportResult
) -> None:
    """A section text from the file that is older than the one here: kept in the section's history."""
    current = store.query_row(
        "SELECT revision FROM postmortem_sections WHERE incident_id = ? AND section = ?", [incident_id, section.value]
    )
    store.db.table("postmortem_section_revisions").insert(
        {
            "incident_id": incident_id,
            "section": section.value,
            "revision": current["revision"] if current else 0,
            "body": body,
            "written_by": incoming.get("updated_by") or "",
            "written_at": incoming.get("updated_at"),
            "replaced_by": storable(result.author),
            "replaced_at": to_iso(result.now),
            "reason": "import-older",
        }
    )
    result.count("postmortem_section_revisions")


def _merge_section_revisions(
    store: Store, incident_id: int, revisions: list[dict[str, Any]], result: ImportResult
) -> None:
    """A section's history from the file: each text not already held here is added."""
    for incoming in map(_clean, revisions):
        section = Section(incoming["section"])
        body = storable(incoming.get("body") or "")
        held = store.query_row(
            "SELECT 1 FROM postmortem_sections WHERE incident_id = ? AND section = ? AND body = ? UNION ALL "
            "SELECT 1 FROM postmortem_section_revisions WHERE incident_id = ? AND section = ? AND body = ?",
            [incident_id, section.value, body] * 2,
        )
        if held is None:
            store.db.table("postmortem_section_revisions").insert(
                {**incoming, "incident_id": incident_id, "section": section.value, "body": body}
            )
            result.count("postmortem_section_revisions")
