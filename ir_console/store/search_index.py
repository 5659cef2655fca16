"""The full-text search index's definition and upkeep: its two FTS5 tables, the triggers that keep
them current, and building or dropping them to fit what this SQLite can do (see search.py for
what the index holds and how it is queried).

Apart from search.py's queries, which build the model's search results: every store that writes
checks the index when it opens (`ensure_search_index`), `ir-console log` included, and that
check needs none of the model.
"""

from __future__ import annotations

import sqlite3

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (see model/__init__.py)
if TYPE_CHECKING:
    from ir_console.store.connection import Db

EVENTS_INDEX = "search_events"
RECORDS_INDEX = "search_records"
# unicode61 folds case and, with remove_diacritics 2, accents: "cafe" finds "Café".
TOKENIZER = "unicode61 remove_diacritics 2"

INCIDENT_FIELDS = ("title", "happening", "affected", "changed", "reporter")
HYPOTHESIS_FIELDS = ("statement", "evidence_for", "evidence_against", "test")
# Parts of an incident in `search_records`, in the order results list them (rowid descending).
PART_INCIDENT, PART_HYPOTHESIS, PART_POSTMORTEM = 2, 1, 0
# n below 2**28: a hypothesis's is its id * 4 + field (ids up to 67 million), a section's its rowid.
INCIDENT_SHIFT, PART_SHIFT = 32, 28


def _rowid(row: str, part: int, n: str) -> str:
    return f"(({row}.incident_id << {INCIDENT_SHIFT}) + ({part} << {PART_SHIFT}) + {n})"


def incident_range(incident_id: str) -> str:
    return f"rowid BETWEEN ({incident_id} << {INCIDENT_SHIFT}) AND (({incident_id} + 1) << {INCIDENT_SHIFT}) - 1"


def _fields(names: tuple[str, ...]) -> str:
    """A subquery of (n, field): the last name gets 0, so rowid order descending is name order."""
    return (
        "("
        + " UNION ALL ".join(f"SELECT {len(names) - 1 - i} AS n, '{name}' AS field" for i, name in enumerate(names))
        + ") AS f"
    )


def _field_text(row: str, names: tuple[str, ...]) -> str:
    return "CASE f.field " + " ".join(f"WHEN '{name}' THEN {row}.{name}" for name in names) + " END"


# Each of these is the INSERT of the index rows of one row named `row`: `new` in a trigger, or
# every row of `table` (aliased `row`) when the index is first filled.


def _insert_incident(row: str, table: str = "") -> str:
    text = _field_text(row, INCIDENT_FIELDS)
    rowid = f"(({row}.id << {INCIDENT_SHIFT}) + ({PART_INCIDENT} << {PART_SHIFT}) + f.n)"
    source = "CASE f.field WHEN 'title' THEN 'title' ELSE 'triage' END"
    return (
        f"INSERT INTO {RECORDS_INDEX} (rowid, text, source, field, source_id) "
        f"SELECT {rowid}, {text}, {source}, f.field, NULL "
        f"FROM {table + ', ' if table else ''}{_fields(INCIDENT_FIELDS)} WHERE {text} <> ''"
    )


def _insert_hypothesis(row: str, table: str = "") -> str:
    text = _field_text(row, HYPOTHESIS_FIELDS)
    rowid = _rowid(row, PART_HYPOTHESIS, f"{row}.id * {len(HYPOTHESIS_FIELDS)} + f.n")
    return (
        f"INSERT INTO {RECORDS_INDEX} (rowid, text, source, field, source_id) "
        f"SELECT {rowid}, {text}, 'hypothesis', f.field, {row}.id "
        f"FROM {table + ', ' if table else ''}{_fields(HYPOTHESIS_FIELDS)} WHERE {text} <> ''"
    )


def _insert_section(row: str, table: str = "") -> str:
    return (
        f"INSERT INTO {RECORDS_INDEX} (rowid, text, source, field, source_id) "
        f"SELECT {_rowid(row, PART_POSTMORTEM, f'{row}.rowid')}, {row}.body, 'postmortem', {row}.section, NULL "
        f"{'FROM ' + table if table else ''} WHERE {row}.body <> ''"
    )


def _delete_incident(row: str) -> str:
    first = f"(({row}.id << {INCIDENT_SHIFT}) + ({PART_INCIDENT} << {PART_SHIFT}))"
    return f"DELETE FROM {RECORDS_INDEX} WHERE rowid BETWEEN {first} AND {first} + {len(INCIDENT_FIELDS) - 1}"


def _delete_hypothesis(row: str) -> str:
    first = _rowid(row, PART_HYPOTHESIS, f"{row}.id * {len(HYPOTHESIS_FIELDS)}")
    return f"DELETE FROM {RECORDS_INDEX} WHERE rowid BETWEEN {first} AND {first} + {len(HYPOTHESIS_FIELDS) - 1}"


def _delete_section(row: str) -> str:
    return f"DELETE FROM {RECORDS_INDEX} WHERE rowid = {_rowid(row, PART_POSTMORTEM, f'{row}.rowid')}"


def _delete_event(row: str) -> str:
    # External content: FTS5 removes a row's words only when told what the words were.
    return f"INSERT INTO {EVENTS_INDEX} ({EVENTS_INDEX}, rowid, text) VALUES ('delete', {row}.id, {row}.text)"


INSERT_EVENT = f"INSERT INTO {EVENTS_INDEX} (rowid, text) VALUES (new.id, new.text)"

# An update deletes the row's old index rows and inserts its new ones; `UPDATE OF` those columns
# only, so a retraction or a status change costs the index nothing.
TRIGGERS = {
    "search_events_insert": ("AFTER INSERT ON events", [INSERT_EVENT]),
    "search_events_update": ("AFTER UPDATE OF text ON events", [_delete_event("old"), INSERT_EVENT]),
    "search_events_delete": ("AFTER DELETE ON events", [_delete_event("old")]),
    "search_incidents_insert": ("AFTER INSERT ON incidents", [_insert_incident("new")]),
    "search_incidents_update": (
        f"AFTER UPDATE OF {', '.join(INCIDENT_FIELDS)} ON incidents",
        [_delete_incident("old"), _insert_incident("new")],
    ),
    "search_incidents_delete": (
        "AFTER DELETE ON incidents",
        [f"DELETE FROM {RECORDS_INDEX} WHERE {incident_range('old.id')}"],
    ),
    "search_hypotheses_insert": ("AFTER INSERT ON hypotheses", [_insert_hypothesis("new")]),
    "search_hypotheses_update": (
        f"AFTER UPDATE OF {', '.join(HYPOTHESIS_FIELDS)} ON hypotheses",
        [_delete_hypothesis("old"), _insert_hypothesis("new")],
    ),
    "search_hypotheses_delete": ("AFTER DELETE ON hypotheses", [_delete_hypothesis("old")]),
    "search_sections_insert": ("AFTER INSERT ON postmortem_sections", [_insert_section("new")]),
    "search_sections_update": (
        "AFTER UPDATE OF body ON postmortem_sections",
        [_delete_section("old"), _insert_section("new")],
    ),
    "search_sections_delete": ("AFTER DELETE ON postmortem_sections", [_delete_section("old")]),
}


def fts5_available(db: Db) -> bool:
    try:
        return db.execute("SELECT 1 FROM pragma_module_list WHERE name = 'fts5'").fetchone() is not None
    except sqlite3.Error:  # an SQLite without the introspection pragmas: try the module itself
        try:
            db.execute("CREATE VIRTUAL TABLE temp.fts5_probe USING fts5(x)")
            db.execute("DROP TABLE temp.fts5_probe")
            return True
        except sqlite3.Error:
            return False


def _present(db: Db) -> tuple[set[str], set[str]]:
    """Our index tables and triggers that the schema holds."""
    found = db.execute(
        "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'trigger') AND name IN ({})".format(
            ", ".join("?" * (2 + len(TRIGGERS)))
        ),
        [EVENTS_INDEX, RECORDS_INDEX, *TRIGGERS],
    ).fetchall()
    return {n for t, n in found if t == "table"}, {n for t, n in found if t == "trigger"}


def index_ready(db: Db) -> bool:
    tables, triggers = _present(db)
    return tables == {EVENTS_INDEX, RECORDS_INDEX} and triggers == set(TRIGGERS)


def create_search_index(db: Db) -> None:
    """Create both indexes and their triggers and fill them from what the database holds.

    Run inside a transaction (a migration's, or `ensure_search_index`'s)."""
    for name in TRIGGERS:
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
    db.execute(f"DROP TABLE IF EXISTS {EVENTS_INDEX}")
    db.execute(f"DROP TABLE IF EXISTS {RECORDS_INDEX}")
    # columnsize=0: no table of each event's length, which only ranking would read (10 MB a million).
    db.execute(
        f"CREATE VIRTUAL TABLE {EVENTS_INDEX} USING fts5(text, content='events', content_rowid='id', "
        f"columnsize=0, tokenize='{TOKENIZER}')"
    )
    db.execute(
        f"CREATE VIRTUAL TABLE {RECORDS_INDEX} USING fts5(text, source UNINDEXED, field UNINDEXED, "
        f"source_id UNINDEXED, tokenize='{TOKENIZER}')"
    )
    db.execute(f"INSERT INTO {EVENTS_INDEX} ({EVENTS_INDEX}) VALUES ('rebuild')")
    db.execute(_insert_incident("i", "incidents AS i"))
    db.execute(_insert_hypothesis("h", "hypotheses AS h"))
    db.execute(_insert_section("s", "postmortem_sections AS s"))
    for name, (when, statements) in TRIGGERS.items():
        db.execute(f"CREATE TRIGGER {name} {when} BEGIN {'; '.join(statements)}; END")


def ensure_search_index(db: Db) -> None:
    """Make the index fit what this SQLite can do; two small reads when it already does.

    With FTS5 and no complete index (the file was migrated by an SQLite without FTS5), build it.
    Without FTS5 but with the index's triggers, every write would fail on the missing module, so
    the triggers go; the next open by an SQLite with FTS5 builds the index again from scratch.
    """
    if not _needs_work(db):
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        if _needs_work(db):  # another process may have done it while we waited for the lock
            if fts5_available(db):
                create_search_index(db)
            else:
                for name in _present(db)[1]:
                    db.execute(f"DROP TRIGGER {name}")
        db.conn.commit()
    except BaseException:
        db.conn.rollback()
        raise


def _needs_work(db: Db) -> bool:
    if fts5_available(db):
        return not index_ready(db)
    return bool(_present(db)[1])
