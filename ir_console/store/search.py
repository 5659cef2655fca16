"""Full-text search over the archive (SQLite FTS5), and past incidents similar to a new one.

Two FTS5 indexes, both kept current by triggers, so every writer (console, CLI, import, another
process) keeps them right without knowing about them:

- `search_events`: the timeline text. External content (the text stays in `events` only; its
  rowid is the event id), which keeps a million events from being stored twice.
- `search_records`: incident titles and triage fields, hypothesis fields and post-mortem sections,
  one row per field. Its rowid is `incident id << 32 | part << 28 | n`: a trigger finds a row to
  replace by rowid, and rowid order is newest incident first with no sort.

Results come in index order, never ranked over every match (bm25 over 45,000 matches costs 45 ms):
first the records (newest incident first: title, triage, hypotheses, post-mortem), then the
timeline, most recently written first. Only the page asked for is read, snippets included.

User text is never FTS5 syntax: each word is quoted as a phrase, so `AND`, `*`, `NEAR(`, `col:`
or a stray `"` are searched for as words.

An SQLite without FTS5 still opens the store; search then raises SearchUnavailable, and the index
is built the first time the file is opened by an SQLite that has it.

The index itself (tables, triggers, building it) is in search_index.py; this module queries it.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ir_console.model import Incident, Section
from ir_console.model.archive import HitSource, SearchHit, SimilarIncident, SnippetPart
from ir_console.model.clock import from_iso
from ir_console.model.work import HypothesisResult
from ir_console.store import rows, search_index
from ir_console.store.errors import StoreError
from ir_console.store.rows import storable
from ir_console.store.search_index import EVENTS_INDEX, INCIDENT_SHIFT, PART_SHIFT, RECORDS_INDEX, incident_range

if TYPE_CHECKING:
    from ir_console.store.connection import Db

SNIPPET_TOKENS = 16
# Words of a text looked for in similar incidents: beyond this, more cost more and add little.
MAX_SIMILARITY_WORDS = 32
STOPWORDS = frozenset(
    """
    a about after again all also am an and any are as at be been before being but by can could
    did do does doing down during each few for from had has have having he her here hers him his
    how i if in into is it its just me more most my no nor not now of off on once only or other our
    out over own same she should so some such than that the their them then there these they this
    those through to too under until up very was we were what when where which while who whom why
    will with would you your yours
""".split()
)


class SearchUnavailable(StoreError):
    """This Python's SQLite has no FTS5, so there is no search index."""


def require_index(db: Db, path: Path) -> None:
    """Raise SearchUnavailable, naming `path` (the database file), unless the index is ready."""
    if search_index.index_ready(db):
        return
    if not search_index.fts5_available(db):
        raise SearchUnavailable(
            f"search is unavailable: this Python's SQLite {sqlite3.sqlite_version} was built without "
            "FTS5; everything else works"
        )
    raise SearchUnavailable(f"{path}: the search index is missing; open the database again to rebuild it")


# -- queries -------------------------------------------------------------------------------------

WORD = re.compile(r"\S+")
WORD_CHARACTERS = re.compile(r"\w+")
NUL = "\x00"


def search_words(text: str) -> list[str]:
    """The words of a query: split on white space, keeping only those with a letter or digit
    (`*` or `"` alone are no word: FTS5 would ignore them, or read them as syntax)."""
    return [word for word in WORD.findall(storable(text).replace(NUL, " ")) if WORD_CHARACTERS.search(word)]


def phrase(word: str) -> str:
    """A word as an FTS5 phrase: quoted, its quotes doubled, so nothing in it is syntax."""
    return '"' + word.replace('"', '""') + '"'


def all_words_query(words: Iterable[str]) -> str:
    """Every word, each matching as a word prefix (`replica` finds "replication"): the quoted
    phrase followed by FTS5's prefix star, which is syntax of ours, never the user's."""
    return " ".join(phrase(word) + "*" for word in words)


def similarity_words(text: str) -> list[str]:
    """Distinct words of three characters or more that are not stopwords, lower-cased, in the
    order they first appear, at most MAX_SIMILARITY_WORDS."""
    words = WORD_CHARACTERS.findall(storable(text).lower())
    kept = dict.fromkeys(word for word in words if len(word) >= 3 and word not in STOPWORDS)
    return list(kept)[:MAX_SIMILARITY_WORDS]


class Snippets:
    """Markers for FTS5's snippet(): random for each query, so no stored text can fake one."""

    def __init__(self) -> None:
        import secrets  # here, not at the top: every write opens the store, few search

        nonce = secrets.token_hex(8)
        self.open = f"\ue000{nonce}["
        self.close = f"]{nonce}\ue000"

    def sql(self, table: str) -> str:
        return f"snippet({table}, 0, ?, ?, '…', {SNIPPET_TOKENS})"

    @property
    def params(self) -> list[str]:
        return [self.open, self.close]

    def parts(self, marked: str | None) -> tuple[SnippetPart, ...]:
        found: list[SnippetPart] = []
        for number, piece in enumerate((marked or "").split(self.open)):
            matched, _, rest = piece.partition(self.close) if number else ("", "", piece)
            if matched:
                found.append(SnippetPart(matched, True))
            if rest:
                found.append(SnippetPart(rest, False))
        return tuple(found)


def search(
    db: Db, path: Path, text: str, *, limit: int = 50, offset: int = 0, incident_id: int | None = None
) -> list[SearchHit]:
    """See `Store.search`; `path`: the database file, named when the index is missing."""
    require_index(db, path)
    words = search_words(text)
    if not words or limit <= 0:
        return []
    query, offset, marks = all_words_query(words), max(0, offset), Snippets()
    found = _record_matches(db, query, marks, limit, offset, incident_id)
    if len(found) < limit:
        records_total = offset + len(found) if found or not offset else _count_records(db, query, incident_id)
        found += _event_matches(db, query, marks, limit - len(found), max(0, offset - records_total), incident_id)
    return _hits(db, found, marks)


def _record_matches(
    db: Db, query: str, marks: Snippets, limit: int, offset: int, incident_id: int | None
) -> list[dict[str, Any]]:
    within = f"AND {incident_range('?')}" if incident_id is not None else ""
    return [
        dict(r)
        for r in db.query(
            f"SELECT rowid >> {INCIDENT_SHIFT} AS incident_id, rowid, source, field, source_id, "
            f"{marks.sql(RECORDS_INDEX)} AS snippet FROM {RECORDS_INDEX} "
            f"WHERE {RECORDS_INDEX} MATCH ? {within} ORDER BY rowid DESC LIMIT ? OFFSET ?",
            [*marks.params, query, *([incident_id, incident_id] if within else []), limit, offset],
        )
    ]


def _count_records(db: Db, query: str, incident_id: int | None) -> int:
    within = f"AND {incident_range('?')}" if incident_id is not None else ""
    count: int = db.execute(
        f"SELECT count(*) FROM {RECORDS_INDEX} WHERE {RECORDS_INDEX} MATCH ? {within}",
        [query, *([incident_id, incident_id] if within else [])],
    ).fetchone()[0]
    return count


def _event_matches(
    db: Db, query: str, marks: Snippets, limit: int, offset: int, incident_id: int | None
) -> list[dict[str, Any]]:
    where, params = "", []
    if incident_id is not None:
        # The incident's events lie between its lowest and highest id: FTS5 reads only that range.
        low, high = db.execute("SELECT min(id), max(id) FROM events WHERE incident_id = ?", [incident_id]).fetchone()
        if low is None:
            return []
        where, params = f"AND {EVENTS_INDEX}.rowid BETWEEN ? AND ? AND e.incident_id = ?", [low, high, incident_id]
    # Auxiliary functions such as snippet() take the table's name, not an alias.
    return [
        {**dict(r), "source": HitSource.EVENT.value, "field": ""}
        for r in db.query(
            f"SELECT e.incident_id, e.id AS event_id, e.occurred_at AS at, e.retracted_at, "
            f"{marks.sql(EVENTS_INDEX)} AS snippet FROM {EVENTS_INDEX} JOIN events AS e ON e.id = {EVENTS_INDEX}.rowid "
            f"WHERE {EVENTS_INDEX} MATCH ? {where} ORDER BY {EVENTS_INDEX}.rowid DESC LIMIT ? OFFSET ?",
            [*marks.params, query, *params, limit, offset],
        )
    ]


def _hits(db: Db, found: list[dict[str, Any]], marks: Snippets) -> list[SearchHit]:
    """Fill in the incident and the time of each match, for this page only."""
    incidents = _incidents(db, {m["incident_id"] for m in found})
    hypotheses = _by_id(
        db,
        "SELECT id, updated_at FROM hypotheses WHERE id IN ({})",
        {m["source_id"] for m in found if m["source"] == HitSource.HYPOTHESIS.value},
    )
    sections = _by_id(
        db,
        "SELECT rowid AS id, updated_at FROM postmortem_sections WHERE rowid IN ({})",
        {m["rowid"] & ((1 << PART_SHIFT) - 1) for m in found if m["source"] == HitSource.POSTMORTEM.value},
    )
    hits = []
    for match in found:
        incident = incidents.get(match["incident_id"])
        if incident is None:
            continue  # removed between the two reads: nothing to open
        source = HitSource(match["source"])
        if source is HitSource.EVENT:
            at = from_iso(match["at"])
        elif source is HitSource.HYPOTHESIS:
            at = from_iso(hypotheses.get(match["source_id"]))
        elif source is HitSource.POSTMORTEM:
            at = from_iso(sections.get(match["rowid"] & ((1 << PART_SHIFT) - 1)))
        else:
            at = incident.started_at
        hits.append(
            SearchHit(
                incident_id=incident.id,
                incident_ref=incident.ref,
                incident_title=incident.title,
                incident_status=incident.status,
                incident_severity=incident.severity,
                source=source,
                field=match["field"],
                at=at,
                snippet=marks.parts(match["snippet"]),
                event_id=match.get("event_id"),
                hypothesis_id=match["source_id"] if source is HitSource.HYPOTHESIS else None,
                retracted=bool(match.get("retracted_at")),
            )
        )
    return hits


def _incidents(db: Db, ids: set[int]) -> dict[int, Incident]:
    if not ids:
        return {}
    found = db.query(f"SELECT * FROM incidents WHERE id IN ({', '.join('?' * len(ids))})", list(ids))
    return {row["id"]: rows.incident_from_row(row) for row in found}


def _by_id(db: Db, sql: str, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.execute(sql.format(", ".join("?" * len(ids))), list(ids)).fetchall())


def similar_incidents(
    db: Db, path: Path, text: str, *, exclude_incident_id: int | None, limit: int = 5
) -> list[SimilarIncident]:
    """Other incidents whose titles, triage, hypotheses or post-mortems share words with `text`
    (any of them), closest first: bm25 of each matching field, summed per incident."""
    require_index(db, path)
    words = similarity_words(text)
    if not words or limit <= 0:
        return []
    scored = db.execute(
        f"SELECT incident_id, sum(score) AS score FROM ("
        f"  SELECT rowid >> {INCIDENT_SHIFT} AS incident_id, rank AS score FROM {RECORDS_INDEX}"
        f"  WHERE {RECORDS_INDEX} MATCH ?) "
        "WHERE incident_id IS NOT ? GROUP BY incident_id ORDER BY score, incident_id DESC LIMIT ?",
        [" OR ".join(phrase(word) for word in words), exclude_incident_id, limit],
    ).fetchall()
    ids = [incident_id for incident_id, _ in scored]
    incidents = _incidents(db, set(ids))
    marks = ", ".join("?" * len(ids))
    confirmed: dict[int, list[str]] = {}
    for incident_id, statement in db.execute(
        f"SELECT incident_id, statement FROM hypotheses WHERE incident_id IN ({marks}) AND result = ? "
        "ORDER BY rank, id",
        [*ids, HypothesisResult.CONFIRMED.value],
    ).fetchall():
        confirmed.setdefault(incident_id, []).append(statement)
    sections = {
        (incident_id, section): body
        for incident_id, section, body in db.execute(
            f"SELECT incident_id, section, body FROM postmortem_sections WHERE incident_id IN ({marks}) "
            "AND section IN (?, ?)",
            [*ids, Section.ROOT_CAUSE.value, Section.RESOLUTION_RECOVERY.value],
        )
    }
    similar = []
    for incident_id, score in scored:
        incident = incidents.get(incident_id)
        if incident is None:
            continue
        similar.append(
            SimilarIncident(
                incident_id=incident.id,
                ref=incident.ref,
                title=incident.title,
                severity=incident.severity,
                status=incident.status,
                started_at=incident.started_at,
                score=score,
                confirmed_hypotheses=tuple(confirmed.get(incident_id, ())),
                root_cause=sections.get((incident_id, Section.ROOT_CAUSE.value), "") or "",
                resolution=sections.get((incident_id, Section.RESOLUTION_RECOVERY.value), "") or "",
            )
        )
    return similar
