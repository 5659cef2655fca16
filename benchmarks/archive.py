"""The archive: 1,000 incidents and 1,000,000 events; the incident list, search, similar incidents.

Built once per run in the benchmark's temp folder (`cached_archive`: reused if it is there).
Incidents are declared through `Store.create_incident` (its containment checklist, its two
milestone events, its search rows), back in time four hours apart; their milestones, commander,
hypotheses and post-mortem sections are then written as rows shaped like the store writes them
(the search triggers index them), and the events are bulk-inserted like `data.build_incident`
does (same columns, ISO timestamps, fresh UUIDs) with the search index rebuilt once after them
(see `build_archive`).

What is timed, each the median of `repeats` calls on a warm connection (the first call, which
reads the file into the page cache, is reported apart):
  list     Store.incident_summaries(): all, and filtered (resolved SEV-1/2 of the last 30 days)
  search   Store.search(): the first page of 50 for a word in a fifth of all events and every
           title, for a word in ten events, for a word in 600,000 events and nothing else, and a
           page far down the common word's matches
  similar  Store.similar_incidents() for a triage-sized text
Baselines on the same file: a plain `SELECT * FROM incidents` for the list; the bare FTS5 query
(50 rowids, no snippet, no join) for search and similar incidents.
"""

from __future__ import annotations

import random
import sqlite3
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

from benchmarks.data import AUTHORS, EVENT_COLUMNS, KINDS, TEXTS
from benchmarks.report import Row, median, milliseconds, ms, ratio
from ir_console.model import EventSource, HypothesisResult, Section, Severity, Status, Triage
from ir_console.model.clock import to_iso, truncate_to_ms
from ir_console.store import Store, search, search_index

INCIDENTS = 1_000
EVENTS = 1_000_000
COMMON_WORD = "checkout"  # in every title and in a fifth of the events
RARE_WORD = "zeppelin"  # in RARE_EVENTS events, spread over the archive
EVENTS_WORD = "pod"  # in three event texts of five, in no title, triage field or post-mortem
RARE_EVENTS = 10
SIMILAR_TEXT = "Card payments declined at checkout after deploy; replica lag on the payments database"

SYMPTOMS = [
    "Checkout returns 500s",
    "Checkout latency over 2 s",
    "Checkout payments declined",
    "Checkout cart empties",
    "Checkout search times out",
    "Checkout login loops",
]
CAUSES = [
    "connection pool exhaustion on payments-db",
    "bad deploy of payments-svc",
    "expired TLS certificate",
    "replica lag on orders-db",
    "memory leak in cart-svc",
    "feature flag misconfigured",
]
FIXES = [
    "rolled back the deploy",
    "raised the pool size and restarted",
    "rotated the certificate",
    "failed over to the standby",
    "restarted with a memory limit",
    "disabled the flag",
]


@dataclass(frozen=True)
class Archive:
    path: Path
    incidents: int
    events: int
    build_seconds: float
    how: str


def build_archive(path: Path, incidents: int = INCIDENTS, events: int = EVENTS, *, rebuild: bool = True) -> Archive:
    """The archive database. With `rebuild` (the default) the search triggers are dropped for
    the bulk events and the index is rebuilt once afterwards, which measured 28 s against 62 s
    with the triggers left on for a million events; either way the index ends up the same."""
    started = time.monotonic()
    rng = random.Random(20261127)
    now = truncate_to_ms(datetime.now(UTC))
    first = now - timedelta(hours=4 * incidents + 24)
    ids = declare_incidents(path, incidents, first, rng)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous = OFF")  # the build, not what is measured
        conn.execute("BEGIN")
        write_outcomes(conn, ids, first, rng)
        if rebuild:
            for name in search_index.TRIGGERS:
                conn.execute(f"DROP TRIGGER {name}")
        insert_events(conn, ids, events - 2 * len(ids), first)
        if rebuild:
            search_index.create_search_index(Database(conn))
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        count = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    finally:
        conn.close()
    if count != events:
        raise RuntimeError(f"built {count} events, wanted {events}")
    how = "index rebuilt once after the bulk insert" if rebuild else "index kept by its triggers"
    return Archive(path, len(ids), count, time.monotonic() - started, how)


def cached_archive(folder: Path, incidents: int = INCIDENTS, events: int = EVENTS) -> Archive:
    """The archive in `folder`, built on the first call of a run and reused after."""
    path = folder / f"archive-{incidents}-{events}.db"
    if not path.exists():
        return build_archive(path, incidents, events)
    with Store.open(path, create=False) as store:
        incidents = store.scalar("SELECT count(*) FROM incidents")
        events = store.scalar("SELECT count(*) FROM events")
    return Archive(path, incidents, events, 0.0, "reused from an earlier build in this folder")


def declare_incidents(path: Path, incidents: int, first: datetime, rng: random.Random) -> list[int]:
    ids = []
    with Store.open(path) as store:
        store.db.execute("PRAGMA synchronous = OFF")
        for number in range(incidents):
            declared = first + timedelta(hours=4 * number)
            cause = rng.randrange(len(CAUSES))
            incident = store.create_incident(
                f"{SYMPTOMS[number % len(SYMPTOMS)]} ({number})",
                Severity(1 + number % 4),
                triage=Triage(
                    reporter=rng.choice(AUTHORS) or "pager",
                    happening=f"{SYMPTOMS[cause]} for {rng.randrange(1, 60)}% of requests",
                    affected="card payments in eu-west",
                    changed=f"deploy 2026.{number}",
                ),
                detected_at=declared - timedelta(minutes=rng.randrange(1, 10)),
                author="dana",
                now=declared,
            )
            ids.append(incident.id)
    return ids


def write_outcomes(conn: sqlite3.Connection, ids: list[int], first: datetime, rng: random.Random) -> None:
    """Impact start, acknowledgement, mitigation and (for all but the newest tenth) resolution;
    a commander; two hypotheses (one confirmed) and the post-mortem's root cause and resolution."""
    for number, incident_id in enumerate(ids):
        declared = first + timedelta(hours=4 * number)
        cause = rng.randrange(len(CAUSES))
        resolved = number < len(ids) * 9 // 10
        at = lambda minutes: to_iso(declared + timedelta(minutes=minutes))  # noqa: E731
        conn.execute(
            "UPDATE incidents SET impact_started_at = ?, acknowledged_at = ?, mitigated_at = ?, resolved_at = ?, "
            "status = ?, commander = ? WHERE id = ?",
            [
                at(-rng.randrange(10, 30)),
                at(rng.randrange(1, 10)),
                at(rng.randrange(10, 60)),
                at(rng.randrange(60, 300)) if resolved else None,
                (Status.RESOLVED if resolved else Status.MONITORING).value,
                rng.choice(AUTHORS[:4]),
                incident_id,
            ],
        )
        guesses = [
            (CAUSES[cause], HypothesisResult.CONFIRMED),
            (CAUSES[(cause + 1) % len(CAUSES)], HypothesisResult.REJECTED),
        ]
        for rank, (statement, result) in enumerate(guesses, start=1):
            conn.execute(
                "INSERT INTO hypotheses (uuid, incident_id, statement, evidence_for, evidence_against, test, result, "
                "rank, author, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    str(uuid.uuid4()),
                    incident_id,
                    statement,
                    "errors began with the change",
                    "",
                    "check the graphs",
                    result.value,
                    rank,
                    "lee",
                    at(20),
                    at(40),
                ],
            )
        if resolved:
            for section, body in ((Section.ROOT_CAUSE, CAUSES[cause]), (Section.RESOLUTION_RECOVERY, FIXES[cause])):
                conn.execute(
                    "INSERT INTO postmortem_sections (incident_id, section, body, updated_by, updated_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [incident_id, section.value, body, "dana", at(600)],
                )


def insert_events(conn: sqlite3.Connection, ids: list[int], events: int, first: datetime) -> None:
    """`events` timeline rows, spread evenly over the incidents, in batches (memory stays flat)."""
    per_incident, extra = divmod(events, len(ids))
    rare_every = max(1, events // RARE_EVENTS)
    sql = f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES ({', '.join('?' * len(EVENT_COLUMNS))})"
    written = 0
    for number, incident_id in enumerate(ids):
        declared = first + timedelta(hours=4 * number)
        count = per_incident + (1 if number < extra else 0)
        rows = []
        for i in range(count):
            n = written + i
            occurred = to_iso(declared + timedelta(seconds=5 * (i + 1)))
            kind = KINDS[n % len(KINDS)]
            text = TEXTS[n % len(TEXTS)].format(n=100 + (n * 7919) % 9000, pod=n % 37)
            if n % rare_every == rare_every // 2:
                text += f" ({RARE_WORD} alert)"
            rows.append(
                (
                    str(uuid.uuid4()),
                    incident_id,
                    occurred,
                    occurred,
                    kind.value,
                    text,
                    AUTHORS[n % len(AUTHORS)],
                    (EventSource.SIGNAL if kind.value == "signal" else EventSource.CONSOLE).value,
                    int(n % 997 == 0),
                    1,
                )
            )
        conn.executemany(sql, rows)
        written += count


def timed(call, repeats: int) -> tuple[float, list[float], object]:
    """(first call in ms, the next `repeats` in ms, the last result)."""
    started = time.perf_counter()
    result = call()
    first = (time.perf_counter() - started) * 1000
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - started) * 1000)
    return first, times, result


def measure(archive: Archive, repeats: int = 20) -> tuple[list[Row], list[str]]:
    """The rows of the results table and the check lines (what each call returned)."""
    rows: list[Row] = []
    checks: list[str] = []
    scale = f"{archive.incidents:,} incidents, {archive.events:,} events"
    with Store.open(archive.path, create=False) as store:
        raw = store.db.conn

        def bare_list() -> list:
            return raw.execute("SELECT * FROM incidents").fetchall()

        def bare_search(word: str):
            return lambda: raw.execute(
                f"SELECT rowid FROM {search_index.EVENTS_INDEX} WHERE {search_index.EVENTS_INDEX} MATCH ? "
                "ORDER BY rowid DESC LIMIT 50",
                [search.phrase(word)],
            ).fetchall()

        month_ago = datetime.now(UTC) - timedelta(days=30)
        cases = [
            (f"incident list, all ({scale})", lambda: store.incident_summaries(), bare_list, "< 300 ms"),
            (
                "incident list, all, with event counts",
                lambda: store.incident_summaries(event_counts=True),
                bare_list,
                "< 300 ms",
            ),
            (
                "incident list, resolved SEV-1/2 of the last 30 days",
                lambda: store.incident_summaries(
                    statuses=[Status.RESOLVED], severities=[Severity.SEV1, Severity.SEV2], since=month_ago
                ),
                bare_list,
                "< 300 ms",
            ),
            (
                "incident list, all, sorted by duration",
                lambda: store.incident_summaries(sort="duration"),
                bare_list,
                "< 300 ms",
            ),
            (
                f"search, first 50, common word ({COMMON_WORD!r})",
                lambda: store.search(COMMON_WORD),
                bare_search(COMMON_WORD),
                "< 50 ms",
            ),
            (
                f"search, first 50, rare word ({RARE_WORD!r}, {RARE_EVENTS} events)",
                lambda: store.search(RARE_WORD),
                bare_search(RARE_WORD),
                "< 50 ms",
            ),
            (
                f"search, first 50, word in events only ({EVENTS_WORD!r}, 3 in 5 events)",
                lambda: store.search(EVENTS_WORD),
                bare_search(EVENTS_WORD),
                "< 50 ms",
            ),
            (
                f"search, 50 at offset 5,000 ({COMMON_WORD!r})",
                lambda: store.search(COMMON_WORD, offset=5000),
                bare_search(COMMON_WORD),
                "–",
            ),
            (
                "similar incidents, 5, for a triage-sized text",
                lambda: store.similar_incidents(SIMILAR_TEXT, exclude_incident_id=None),
                bare_search("payments"),
                "–",
            ),
        ]
        for label, call, baseline, target in cases:
            first, times, result = timed(call, repeats)
            _, base_times, _ = timed(baseline, repeats)
            rows.append(
                Row(
                    f"{label} (median of {repeats})",
                    milliseconds(times),
                    milliseconds(base_times),
                    ratio(median(times), median(base_times)),
                    target,
                )
            )
            rows.append(Row("  first call (pages not yet cached)", ms(first)))
            checks.append(f"check: {label}: {describe(result)}")
    size = archive.path.stat().st_size / 2**20
    rows.append(Row(f"  archive build ({archive.how}); file {size:,.0f} MiB", f"{archive.build_seconds:.0f} s"))
    return rows, checks


def describe(result: object) -> str:
    if not isinstance(result, list) or not result:
        return "nothing returned"
    first = result[0]
    if hasattr(first, "snippet_text"):
        return f"{len(result)} hits, first {first.incident_ref} {first.where}: {first.snippet_text[:50]!r}"
    if hasattr(first, "root_cause"):
        return f"{len(result)} incidents, first {first.ref} (root cause {first.root_cause[:40]!r})"
    return f"{len(result)} incidents, first {first.ref}"
