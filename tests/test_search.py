"""Full-text search, similar incidents and the incident list, on real SQLite files.

Each check is on what a user would get back (the hit, its snippet, its order) after writing the
record through the store, an import, or an older schema; the FTS5 index is also checked against
the tables with FTS5's own integrity-check.
"""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database
from store_support import count_events, write_section

from ir_console.model import HypothesisResult, Milestone, Role, Section, Severity, Status, Triage
from ir_console.model.archive import HitSource, SearchHit
from ir_console.store import Store, schema, search, search_index
from ir_console.store.connection import Connection
from ir_console.store.exchange import export_incident, import_incident
from ir_console.store.opening import configure, connect, create_database_file
from ir_console.store.search import SearchUnavailable

UTC = UTC
DAY = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def matched_words(hit: SearchHit) -> list[str]:
    return [part.text for part in hit.snippet if part.matched]


def hits_for(store: Store, text: str, **kwargs) -> list[tuple[str, str, str]]:
    """(incident ref, where, snippet) of every hit."""
    return [(h.incident_ref, h.where, h.snippet_text) for h in store.search(text, limit=1000, **kwargs)]


def assert_index_agrees(path: Path) -> None:
    """FTS5's own check: the index holds exactly what the tables hold."""
    conn = sqlite3.connect(path)
    try:
        for table in (search.EVENTS_INDEX, search.RECORDS_INDEX):
            conn.execute(f"INSERT INTO {table} ({table}) VALUES ('integrity-check')")
    finally:
        conn.close()


# -- every source -----------------------------------------------------------------------------


def test_search_finds_each_source_with_the_match_marked(store: Store, db_path: Path) -> None:
    incident = store.create_incident(
        "Checkout brownout",
        Severity.SEV2,
        triage=Triage(
            reporter="pagerduty",
            happening="carts vanish on reload",
            affected="mobile shoppers",
            changed="rolled canary kestrel",
        ),
    )
    event = store.add_event(incident.id, "grafana shows a sawtooth on redis")
    hypothesis = store.add_hypothesis(
        incident.id,
        "eviction storm",
        evidence_for="maxmemory reached",
        evidence_against="hit ratio steady",
        test="inspect slowlog",
    )
    write_section(store, incident.id, Section.ROOT_CAUSE, "A lua script pinned the primary")
    write_section(store, incident.id, Section.LESSONS, "Budget headroom for fragmentation")

    expected = {
        "brownout": (HitSource.TITLE, "title", "Title"),
        "pagerduty": (HitSource.TRIAGE, "reporter", "Reporter"),
        "vanish": (HitSource.TRIAGE, "happening", "What's happening?"),
        "shoppers": (HitSource.TRIAGE, "affected", "Who's affected?"),
        "kestrel": (HitSource.TRIAGE, "changed", "What changed recently?"),
        "sawtooth": (HitSource.EVENT, "", "Timeline"),
        "eviction": (HitSource.HYPOTHESIS, "statement", "Hypothesis: statement"),
        "maxmemory": (HitSource.HYPOTHESIS, "evidence_for", "Hypothesis: evidence for"),
        "steady": (HitSource.HYPOTHESIS, "evidence_against", "Hypothesis: evidence against"),
        "slowlog": (HitSource.HYPOTHESIS, "test", "Hypothesis: test"),
        "lua": (HitSource.POSTMORTEM, "root_cause", "Post-mortem: Root Cause"),
        "fragmentation": (HitSource.POSTMORTEM, "lessons", "Post-mortem: Lessons Learned"),
    }
    for word, (source, field, where) in expected.items():
        # Triage text also lands on the timeline (the "Detected" event): look at the record's hit.
        hits = [h for h in store.search(word) if h.source is not HitSource.EVENT or source is HitSource.EVENT]
        assert len(hits) == 1, (word, hits)
        hit = hits[0]
        assert (hit.source, hit.field, hit.where) == (source, field, where), word
        assert (hit.incident_id, hit.incident_ref, hit.incident_title) == (incident.id, incident.ref, incident.title)
        assert (hit.incident_status, hit.incident_severity) == (Status.INVESTIGATING, Severity.SEV2)
        assert [w.lower() for w in matched_words(hit)] == [word], (word, hit.snippet)
        start, end = hit.match_spans[0]
        assert hit.snippet_text[start:end].lower() == word
    sawtooth = store.search("sawtooth")[0]
    assert sawtooth.event_id == event.id and sawtooth.at == event.occurred_at and not sawtooth.retracted
    assert store.search("slowlog")[0].hypothesis_id == hypothesis.id
    assert store.search("brownout")[0].at == incident.detected_at
    assert_index_agrees(db_path)


def test_edits_replace_what_is_found(store: Store, db_path: Path) -> None:
    incident = store.create_incident("Queue backlog", Severity.SEV3, triage=Triage(happening="orders stuck"))
    event = store.add_event(incident.id, "suspect the walrus consumer")
    hypothesis = store.add_hypothesis(incident.id, "partition rebalance loop")
    write_section(store, incident.id, Section.SUMMARY, "draft about zucchini")

    store.edit_event(event.id, text="suspect the narwhal consumer")
    store.update_hypothesis(hypothesis.id, statement="offset commit stalled")
    write_section(store, incident.id, Section.SUMMARY, "final about aubergine")
    store.update_triage(incident.id, title="Queue backlog on billing", happening="invoices stuck")

    assert store.search("walrus") == [] and store.search("zucchini") == []  # the old versions are history
    # The first statement stays on the timeline ("Hypothesis 1: ..."), not in the hypothesis.
    assert {h.source for h in store.search("rebalance")} == {HitSource.EVENT}
    assert [h.event_id for h in store.search("narwhal")] == [event.id]
    assert [h.hypothesis_id for h in store.search("stalled") if h.source is HitSource.HYPOTHESIS] == [hypothesis.id]
    assert [h.where for h in store.search("aubergine")] == ["Post-mortem: Summary"]
    assert ("Title", "Queue backlog on billing") in [(h.where, h.snippet_text) for h in store.search("billing")]
    assert [h.where for h in store.search("invoices") if h.source is not HitSource.EVENT] == ["What's happening?"]
    # The triage edit's own timeline note says what changed; the triage field no longer holds "orders".
    assert all(h.source is HitSource.EVENT for h in store.search("orders"))
    assert_index_agrees(db_path)


def test_retracted_events_are_still_found_and_marked(store: Store) -> None:
    incident = store.create_incident("Login loop", Severity.SEV2)
    event = store.add_event(incident.id, "blamed the okapi cache")
    store.retract_event(event.id, author="dana", reason="wrong service")
    (hit,) = store.search("okapi")
    assert hit.retracted and hit.event_id == event.id and hit.where == "Timeline (retracted)"


def test_words_are_all_required_and_case_and_accents_fold(store: Store) -> None:
    incident = store.create_incident("Café menu slow", Severity.SEV4)
    store.add_event(incident.id, "CAFÉ latency from the naïve resolver")
    assert {h.source for h in store.search("cafe")} == {HitSource.TITLE, HitSource.EVENT}
    assert [h.snippet_text for h in store.search("cafe naive")] == ["CAFÉ latency from the naïve resolver"]
    assert store.search("cafe missingword") == []
    (hit,) = store.search("NAÏVE")
    assert matched_words(hit) == ["naïve"]


HOSTILE = [
    '"',
    '""',
    '"unbalanced',
    'foo"',
    "*",
    "foo*",
    "^start",
    "AND",
    "OR",
    "NOT",
    "a AND",
    "AND b",
    "NEAR(",
    "NEAR(a b, 2)",
    "col:",
    "text:foo",
    "source:x",
    "(",
    ")",
    "(a OR b)",
    "'",
    "';--",
    "-",
    "+",
    "{a b}",
    "\x00",
    "a\x00b",
    "\ud800",
    "🔥",
    "日本語",
    "ß",
    "\u202e",
    "   ",
    "",
    "\n\t",
    "a" * 10_000,
    " ".join(["x"] * 500),
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_raise(store: Store, query: str) -> None:
    incident = store.create_incident("Parser stress", Severity.SEV4)
    store.add_event(incident.id, 'literal AND NEAR( col: text:foo "quoted" *stars* (a OR b)')
    found = store.search(query)
    assert isinstance(found, list)
    assert isinstance(store.similar_incidents(query, exclude_incident_id=None), list)
    if not query.strip():
        assert found == []


@pytest.mark.parametrize(
    "query, word",
    [
        ("AND", "AND"),
        ("NEAR(", "NEAR"),
        ("col:", "col"),
        ("text:foo", "text:foo"),
        ('"quoted"', "quoted"),
        ("*stars*", "stars"),
        ("(a OR b)", "AND a OR b"),  # each word a prefix: `a` also begins "AND"
    ],
)
def test_syntax_is_searched_for_literally(store: Store, query: str, word: str) -> None:
    incident = store.create_incident("Parser stress", Severity.SEV4)
    event = store.add_event(incident.id, 'literal AND NEAR( col: text:foo "quoted" *stars* (a OR b)')
    store.add_event(incident.id, "nothing of the sort here, b only")
    (hit,) = store.search(query)
    assert hit.event_id == event.id
    assert " ".join(matched_words(hit)) == word


# -- order, pages, one incident ---------------------------------------------------------------


def test_records_come_first_newest_incident_first_then_the_timeline_newest_first(store: Store) -> None:
    old = store.create_incident("Heron outage", Severity.SEV1, now=DAY)
    new = store.create_incident("Heron slowness", Severity.SEV3, now=DAY + timedelta(days=1))
    first = store.add_event(old.id, "heron note one")
    second = store.add_event(new.id, "heron note two")
    third = store.add_event(old.id, "heron note three")
    hits = store.search("heron")
    records = [(h.incident_ref, h.source) for h in hits if h.source is not HitSource.EVENT]
    assert records == [(new.ref, HitSource.TITLE), (old.ref, HitSource.TITLE)]
    assert hits[:2] == [h for h in hits if h.source is HitSource.TITLE]
    events = [h.event_id for h in hits[2:]]
    assert events[:3] == [third.id, second.id, first.id]  # then the two "Incident declared" events


def test_pages_cover_every_hit_once(store: Store) -> None:
    incidents = [store.create_incident(f"Otter {n}", Severity.SEV4, now=DAY + timedelta(hours=n)) for n in range(4)]
    for n, incident in enumerate(incidents):
        store.add_hypothesis(incident.id, f"otter hypothesis {n}")
        for m in range(3):
            store.add_event(incident.id, f"otter event {n}.{m}")
    everything = store.search("otter", limit=1000)
    key = lambda h: (h.source, h.incident_id, h.event_id, h.hypothesis_id, h.field)
    assert len({key(h) for h in everything}) == len(everything) > 20
    for size in (1, 3, 7, len(everything)):
        paged = []
        for offset in range(0, len(everything) + size, size):
            paged += store.search("otter", limit=size, offset=offset)
        assert [key(h) for h in paged] == [key(h) for h in everything], size
    assert store.search("otter", offset=len(everything)) == []

    target = incidents[1]
    only = store.search("otter", limit=1000, incident_id=target.id)
    assert only and {h.incident_id for h in only} == {target.id}
    assert [key(h) for h in only] == [key(h) for h in everything if h.incident_id == target.id]
    assert [key(h) for h in store.search("otter", limit=2, offset=3, incident_id=target.id)] == [
        key(h) for h in only[3:5]
    ]


# -- imports and older files ------------------------------------------------------------------


def test_an_imported_incident_is_searchable_and_a_newer_copy_replaces_old_text(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.db") as source:
        incident = source.create_incident("Mongoose failover", Severity.SEV2, triage=Triage(affected="EU tenants"))
        event = source.add_event(incident.id, "quokka replica promoted")
        hypothesis = source.add_hypothesis(incident.id, "split brain", evidence_for="two primaries")
        source.set_hypothesis_result(hypothesis.id, HypothesisResult.CONFIRMED)
        write_section(source, incident.id, Section.RESOLUTION_RECOVERY, "fenced the old primary")
        first = json.loads(json.dumps(export_incident(source, incident.id)))
        source.edit_event(event.id, text="wombat replica promoted")
        newer = json.loads(json.dumps(export_incident(source, incident.id)))

    with Store.open(tmp_path / "b.db") as target:
        assert target.search("quokka") == []
        import_incident(target, first)
        for word, where in [
            ("mongoose", "Title"),
            ("tenants", "Who's affected?"),
            ("quokka", "Timeline"),
            ("primaries", "Hypothesis: evidence for"),
            ("fenced", "Post-mortem: Resolution and Recovery"),
        ]:
            assert where in [h.where for h in target.search(word)], word
        import_incident(target, first)  # twice: nothing doubles
        assert len(target.search("quokka")) == 1
        import_incident(target, newer)
        assert target.search("quokka") == []
        assert [h.snippet_text for h in target.search("wombat")] == ["wombat replica promoted"]
    assert_index_agrees(tmp_path / "b.db")


def database_at_m001(path: Path) -> Database:
    """A file as ir-console left it before the search index existed: m001 only."""
    create_database_file(path)
    connection = Connection(connect(path))
    configure(connection, path)
    db = connection.utils
    schema.migrations.apply(db, stop_before="m002_search_index")
    assert [m.name for m in schema.migrations.applied(db)] == ["m001_incident_record"]
    return db


def test_a_database_from_before_search_gets_its_index_and_old_rows_are_found(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = database_at_m001(path)  # written as that version wrote its rows
    old["incidents"].insert(
        {
            "id": 1,
            "ref": "INC-20261101-001",
            "uuid": "i-1",
            "title": "Pelican timeout",
            "severity": 2,
            "status": "Investigating",
            "phase": "Detection & Triage",
            "changed": "ferret deploy",
            "detected_at": "2026-11-01T10:00:00.000Z",
            "declared_at": "2026-11-01T10:00:00.000Z",
        }
    )
    old["events"].insert(
        {
            "uuid": "e-1",
            "incident_id": 1,
            "occurred_at": "2026-11-01T10:05:00.000Z",
            "recorded_at": "2026-11-01T10:05:00.000Z",
            "kind": "note",
            "text": "gannet queue drained",
        }
    )
    old["hypotheses"].insert(
        {"uuid": "h-1", "incident_id": 1, "statement": "cormorant lock contention", "result": "open", "rank": 1}
    )
    old["postmortem_sections"].insert({"incident_id": 1, "section": "summary", "body": "albatross summary"})
    old.close()
    conn = sqlite3.connect(path)
    assert "search_events" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()

    with Store.open(path) as store:
        assert {m.name for m in schema.migrations.applied(store.db)} == schema.known_migration_names()
        for word in ("pelican", "ferret", "gannet", "cormorant", "albatross"):
            assert [
                h.incident_id for h in store.search(word) if h.source is not HitSource.EVENT or word == "gannet"
            ] == [1], word
        store.add_event(1, "puffin arrives after the migration")
        assert len(store.search("puffin")) == 1
    assert_index_agrees(path)


def test_without_fts5_the_store_opens_and_search_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "incidents.db"
    monkeypatch.setattr(search_index, "fts5_available", lambda db: False)
    with Store.open(path) as store:  # a new file on an SQLite without FTS5
        incident = store.create_incident("Ibis outage", Severity.SEV1)
        store.add_event(incident.id, "written with no index")
        with pytest.raises(SearchUnavailable, match="FTS5"):
            store.search("ibis")
        with pytest.raises(SearchUnavailable, match="FTS5"):
            store.similar_incidents("ibis", exclude_incident_id=None)
    monkeypatch.undo()

    with Store.open(path) as store:  # the same file, on an SQLite with FTS5: the index is built
        assert {h.source for h in store.search("ibis")} == {HitSource.TITLE, HitSource.EVENT}
        assert len(store.search("written")) == 1
    assert_index_agrees(path)

    monkeypatch.setattr(search_index, "fts5_available", lambda db: False)
    with Store.open(path) as store:  # back on an SQLite without it: the triggers go, writes work
        store.add_event(incident.id, "written while the index was off")
        triggers = store.query_rows("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name NOT LIKE 'sync_%'")
        assert triggers == []  # the search index's (sync's own triggers write its outbox)
    monkeypatch.undo()
    with Store.open(path) as store:
        assert len(store.search("while the index was off")) == 1
    assert_index_agrees(path)


def test_a_file_opened_for_reading_without_its_index_names_the_file(tmp_path: Path) -> None:
    """A read-only open builds no index: search and similar incidents then say which file lacks it."""
    path = tmp_path / "incidents.db"
    with Store.open(path) as store:
        store.create_incident("Ibis outage", Severity.SEV1)
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TRIGGER search_events_insert")
    conn.close()
    with Store.open(path, read_only=True) as store:
        missing = re.escape(f"{path}: the search index is missing; open the database again to rebuild it")
        with pytest.raises(SearchUnavailable, match=missing):
            store.search("ibis")
        with pytest.raises(SearchUnavailable, match=missing):
            store.similar_incidents("ibis", exclude_incident_id=None)
    with Store.open(path) as store:  # opened for writing: the index is built again
        assert {h.source for h in store.search("ibis")} == {HitSource.TITLE, HitSource.EVENT}


# -- similar incidents ------------------------------------------------------------------------


def test_similar_incidents_rank_shared_words_and_bring_the_fix(store: Store) -> None:
    payments = store.create_incident(
        "Card payments declined",
        Severity.SEV1,
        now=DAY,
        triage=Triage(happening="card authorisations fail after a deploy"),
    )
    cause = store.add_hypothesis(payments.id, "bad deploy of payments-svc broke tokenisation")
    store.add_hypothesis(payments.id, "card network outage")
    store.set_hypothesis_result(cause.id, HypothesisResult.CONFIRMED)
    write_section(store, payments.id, Section.ROOT_CAUSE, "A config flag disabled tokenisation")
    write_section(store, payments.id, Section.RESOLUTION_RECOVERY, "Rolled back to v2.40")
    partly = store.create_incident("Deploy pipeline stuck", Severity.SEV4, now=DAY + timedelta(days=1))
    store.create_incident("Disk full on log host", Severity.SEV3, now=DAY + timedelta(days=2))
    current = store.create_incident(
        "Payments declined for card users",
        Severity.SEV2,
        triage=Triage(happening="card payments declined since the deploy"),
    )

    similar = store.similar_incidents(
        "Card payments declined after the deploy, users see errors", exclude_incident_id=current.id
    )
    assert [s.ref for s in similar] == [payments.ref, partly.ref]
    best = similar[0]
    assert best.confirmed_hypotheses == ("bad deploy of payments-svc broke tokenisation",)
    assert best.root_cause == "A config flag disabled tokenisation"
    assert best.resolution == "Rolled back to v2.40"
    assert (best.severity, best.status, best.title) == (Severity.SEV1, Status.INVESTIGATING, payments.title)
    assert best.score < similar[1].score  # bm25: lower is closer
    assert similar[1].confirmed_hypotheses == () and similar[1].root_cause == ""
    assert len(store.similar_incidents("deploy", exclude_incident_id=None, limit=2)) == 2
    assert current.ref in [s.ref for s in store.similar_incidents("deploy", exclude_incident_id=None)]
    assert store.similar_incidents("the and of to a", exclude_incident_id=None) == []  # stopwords only


# -- the incident list ------------------------------------------------------------------------


def build_list(store: Store) -> dict[str, int]:
    """Four incidents with known start, end, severity, status and commander."""
    made = {}
    specs = [  # title, severity, impact started (hours after DAY), resolved after (hours), status, commander,
        # timeline entries of its own
        ("alpha", Severity.SEV2, 0, 5, Status.RESOLVED, "zoe", 1),
        ("Bravo", Severity.SEV1, 24, 1, Status.RESOLVED, "adam", 7),
        ("charlie", Severity.SEV4, 48, None, Status.MONITORING, "", 4),
        ("delta", Severity.SEV1, 72, None, Status.INVESTIGATING, "Mia", 12),
    ]
    for title, severity, start, hours, status, commander, entries in specs:
        started = DAY + timedelta(hours=start)
        incident = store.create_incident(
            title, severity, detected_at=started + timedelta(minutes=5), now=started + timedelta(minutes=10)
        )
        store.set_milestone(incident.id, Milestone.IMPACT_STARTED, started)
        if commander:
            store.set_role(incident.id, Role.COMMANDER, commander)
        if status is not Status.INVESTIGATING:
            store.set_status(incident.id, status)
        if hours is not None:
            store.set_milestone(incident.id, Milestone.RESOLVED, started + timedelta(hours=hours))
        for n in range(entries):
            store.add_event(incident.id, f"entry {n}")
        made[title] = incident.id
    return made


def test_incident_summaries_filter_by_status_severity_and_start(store: Store) -> None:
    ids = build_list(store)
    now = DAY + timedelta(days=10)

    def titles(**kwargs) -> list[str]:
        return [s.title for s in store.incident_summaries(now=now, **kwargs)]

    assert titles() == ["delta", "charlie", "Bravo", "alpha"]  # newest start first
    assert titles(statuses=[Status.RESOLVED]) == ["Bravo", "alpha"]
    assert titles(statuses=[Status.INVESTIGATING, Status.MONITORING]) == ["delta", "charlie"]
    assert titles(statuses=[]) == []
    assert titles(severities=[Severity.SEV1]) == ["delta", "Bravo"]
    assert titles(severities=[Severity.SEV1], statuses=[Status.RESOLVED]) == ["Bravo"]
    assert titles(since=DAY + timedelta(hours=24)) == ["delta", "charlie", "Bravo"]  # since is inclusive
    assert titles(until=DAY + timedelta(hours=48)) == ["Bravo", "alpha"]  # until is exclusive
    assert titles(since=DAY + timedelta(hours=1), until=DAY + timedelta(hours=73)) == ["delta", "charlie", "Bravo"]

    summary = {s.title: s for s in store.incident_summaries(now=now, event_counts=True)}
    assert summary["alpha"].started_at == DAY and summary["alpha"].duration == timedelta(hours=5)
    assert summary["delta"].duration == now - (DAY + timedelta(hours=72))  # open: to now
    assert summary["Bravo"].commander == "adam" and summary["charlie"].commander == ""
    assert summary["alpha"].id == ids["alpha"] and summary["alpha"].incident.ref == summary["alpha"].ref
    assert {t: s.event_count for t, s in summary.items()} == {t: count_events(store, i) for t, i in ids.items()}
    assert all(s.event_count is None for s in store.incident_summaries(now=now))  # only when asked


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("started", ["alpha", "Bravo", "charlie", "delta"]),
        ("id", ["alpha", "Bravo", "charlie", "delta"]),
        ("ref", ["alpha", "Bravo", "charlie", "delta"]),
        ("title", ["alpha", "Bravo", "charlie", "delta"]),  # case does not matter
        ("severity", ["Bravo", "delta", "alpha", "charlie"]),  # SEV-1 first; ties by id
        ("status", ["delta", "charlie", "alpha", "Bravo"]),  # workflow order; ties by id
        ("duration", ["Bravo", "alpha", "delta", "charlie"]),  # open ones run to now
        ("commander", ["charlie", "Bravo", "delta", "alpha"]),  # nobody sorts first
        ("events", None),  # by count_events, below
    ],
)
def test_incident_summaries_sort_by_every_column_both_ways(store: Store, sort: str, expected: list[str]) -> None:
    ids = build_list(store)
    if expected is None:
        expected = sorted(ids, key=lambda title: (count_events(store, ids[title]), ids[title]))
        assert len({count_events(store, i) for i in ids.values()}) == len(ids)  # no ties to hide behind
    now = DAY + timedelta(days=10)
    ascending = [s.title for s in store.incident_summaries(sort=sort, descending=False, now=now)]
    assert ascending == expected
    # Ties are broken by id in the same direction, so descending is the exact reverse.
    assert [s.title for s in store.incident_summaries(sort=sort, now=now)] == expected[::-1]


def test_incident_summaries_refuse_an_unknown_sort(store: Store) -> None:
    with pytest.raises(ValueError, match="sort must be one of"):
        store.incident_summaries(sort="title; DROP TABLE incidents")


def test_a_word_finds_the_words_it_begins(store: Store) -> None:
    incident = store.create_incident("Replication lag on db-2", Severity.SEV2)
    event = store.add_event(incident.id, "Failover started; replicas catching up")
    found = {(h.source, h.event_id) for h in store.search("replica")}
    assert (HitSource.TITLE, None) in found and (HitSource.EVENT, event.id) in found
    (hit,) = store.search("catch")
    assert matched_words(hit) == ["catching"]
    assert store.search("lication") == []  # a prefix, not any substring
