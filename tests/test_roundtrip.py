"""Any text survives the store and a JSON export/import unchanged; imports merge by UUID."""

from __future__ import annotations

import copy
import json
import sqlite3
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from store_support import every_incident, write_section

from ir_console.model import (
    ContainmentState,
    EventKind,
    EventSource,
    HypothesisResult,
    Milestone,
    Priority,
    Role,
    Section,
    Severity,
    Status,
    Triage,
    utc_now,
)
from ir_console.store import Store, StoreError
from ir_console.store.exchange import export_incident, import_incident

NASTY = [
    "[bold]x[/]",
    "[link=https://evil.example]click[/link]",
    "\x1b[31mred\x1b[0m",
    "\x1b]0;pwned\x07",
    "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\",
    "\x00",
    "a\x00b",
    "\u200f\u202eRTL override\u202c",
    "\u2066isolate\u2069",
    "line 1\nline 2\r\nline 3\rtab\there",
    "\u2028\u2029\x85",
    "\x7f\x9b31m",
    "🔥 e\u0301 ß ﬁ",
    "'; DROP TABLE events; --",
    '{"format": "ir-console.incident"}',
    "| cell | `code` | <b>html</b> & **bold** _it_",
]
text_values = st.one_of(
    st.text(),
    st.sampled_from(NASTY),
    st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=5)), max_size=6).map("".join),
)
ONE_MEGABYTE = ("[bold]x[/] \x1b[31mred\x1b[0m \u200fRTL\u200e \x00NUL é 🔥\n" * 40_000)[:1_000_000]


def json_file_round_trip(document: dict, folder: Path) -> dict:
    """As a user carries it: dumped to a UTF-8 file, read back elsewhere."""
    path = folder / "incident.json"
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    return json.loads(path.read_text(encoding="utf-8"))


def tables(path: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(path)
    try:
        # The search index is derived, and its segment layout depends on the order of writes.
        names = [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'search%'")
        ]
        return {n: [tuple(r) for r in conn.execute(f"SELECT * FROM [{n}] ORDER BY rowid")] for n in names}
    finally:
        conn.close()


# -- any text -------------------------------------------------------------------------------------


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(text=text_values)
@example(text=ONE_MEGABYTE)
@example(text="[bold]x[/]")
@example(text="\x00")
def test_any_text_round_trips_through_store_and_json(text: str) -> None:
    assume(text.strip())  # empty entries and statements are refused by design (tested in test_store)
    with tempfile.TemporaryDirectory() as folder_name:  # fresh per example: fixtures do not reset
        folder = Path(folder_name)
        with Store.open(folder / "a.db") as source:
            incident = source.create_incident("Round trip", Severity.SEV2)
            event = source.add_event(incident.id, text, kind=EventKind.EVIDENCE)
            hypothesis = source.add_hypothesis(incident.id, text, evidence_for=text, evidence_against=text, test=text)
            source.update_triage(incident.id, reporter=text, happening=text, affected=text, changed=text)
            source.record_status_update(incident.id, text, impact=text)
            write_section(source, incident.id, Section.ROOT_CAUSE, text)

            # What the first store holds is what was typed (statements are trimmed on entry).
            assert source.event(event.id).text == text
            stored = source.hypothesis(hypothesis.id)
            assert stored.statement == text.strip()
            assert (stored.evidence_for, stored.evidence_against, stored.test) == (text, text, text)
            assert source.incident(incident.id).triage == Triage(text, text, text, text)
            exported = export_incident(source, incident.id)

        document = json_file_round_trip(exported, folder)
        with Store.open(folder / "b.db") as target:
            result = import_incident(target, document)
            assert result.created and result.ref == incident.ref
            copy_ = target.incident(incident.uuid)
            assert copy_.triage == Triage(text, text, text, text)
            [event_copy] = [e for e in target.events(copy_.id) if e.uuid == event.uuid]
            assert event_copy.text == text
            [hypothesis_copy] = target.hypotheses(copy_.id)
            assert hypothesis_copy.statement == text.strip()
            assert (hypothesis_copy.evidence_for, hypothesis_copy.evidence_against, hypothesis_copy.test) == (
                text,
                text,
                text,
            )
            [update] = target.status_updates(copy_.id)
            assert (update.text, update.impact) == (text, text)
            assert target.postmortem_sections(copy_.id) == {Section.ROOT_CAUSE: text}
            # And everything else too: the copy exports exactly as the original did.
            assert export_incident(target, copy_.id) == exported


def test_lone_surrogates_become_replacement_characters(tmp_path: Path) -> None:
    """UTF-8 cannot hold a lone surrogate: the store keeps U+FFFD in its place, by design."""
    typed = "before \ud800 middle \udfff after \ud83d\udd25"  # the last two are a pair, but as two code points
    kept = "before \ufffd middle \ufffd after \ufffd\ufffd"
    with Store.open(tmp_path / "a.db") as source:
        incident = source.create_incident("Surrogates \udc80", Severity.SEV3)
        assert incident.title == "Surrogates \ufffd"
        event = source.add_event(incident.id, typed)
        hypothesis = source.add_hypothesis(incident.id, typed, evidence_for=typed)
        source.update_triage(incident.id, happening=typed)
        assert source.event(event.id).text == kept
        assert (source.hypothesis(hypothesis.id).statement, source.hypothesis(hypothesis.id).evidence_for) == (
            kept,
            kept,
        )
        assert source.incident(incident.id).triage.happening == kept
        exported = export_incident(source, incident.id)
    # No surrogate reaches the export, so it can be written as UTF-8.
    document = json_file_round_trip(exported, tmp_path)
    with Store.open(tmp_path / "b.db") as target:
        import_incident(target, document)
        copy_ = target.incident(incident.uuid)
        assert copy_.triage.happening == kept
        assert [e.text for e in target.events(copy_.id) if e.uuid == event.uuid] == [kept]
        assert target.hypotheses(copy_.id)[0].statement == kept


def test_surrogates_escaped_in_an_export_file(tmp_path: Path) -> None:
    """JSON may spell lone surrogates as escapes; a proper pair is one character."""
    with Store.open(tmp_path / "a.db") as source:
        incident = source.create_incident("x", Severity.SEV3)
        event = source.add_event(incident.id, "placeholder")
        document = export_incident(source, incident.id)
    text = json.dumps(document).replace("placeholder", "lone \\ud800 pair \\ud83d\\udd25")
    with Store.open(tmp_path / "b.db") as target:
        import_incident(target, json.loads(text))
        [copy_] = [e for e in target.events(target.incident(incident.uuid).id) if e.uuid == event.uuid]
        assert copy_.text == "lone \ufffd pair 🔥"


# -- merging --------------------------------------------------------------------------------------


def build_incident(store: Store) -> int:
    incident = store.create_incident(
        "Checkout 500s", Severity.SEV1, triage=Triage(reporter="pager"), now=utc_now() - timedelta(hours=1)
    )
    store.add_event(incident.id, "error rate 30%", kind=EventKind.ALERT, key_moment=True)
    store.add_hypothesis(incident.id, "Bad deploy")
    store.set_role(incident.id, Role.COMMANDER, "alice")
    return incident.id


def counts(path: Path) -> dict[str, int]:
    return {name: len(rows) for name, rows in tables(path).items() if name != "_sqlite_migrations"}


def test_import_twice_adds_nothing_the_second_time(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.db") as source:
        incident_id = build_incident(source)
        source.edit_event(source.events(incident_id)[-1].id, text="edited once")
        source.add_action_item(incident_id, "Add canary", priority=Priority.P1)
        write_section(source, incident_id, Section.SUMMARY, "short")
        document = json.loads(json.dumps(export_incident(source, incident_id)))
    with Store.open(tmp_path / "b.db") as target:
        first = import_incident(target, document)
        assert first.created
        after_first = tables(tmp_path / "b.db")
        second = import_incident(target, document)
        assert not second.created and second.ref == first.ref
        assert second.added == {} and second.updated == {}
    assert tables(tmp_path / "b.db") == after_first
    assert counts(tmp_path / "b.db") == counts(tmp_path / "a.db")


def in_export_order(store: Store, incident_id: int) -> list:
    """The timeline in the export's order (exchange.EVENT_ORDER): the entries of one instant by
    the milestone they record, then by UUID."""
    rank = {None: -1, **{m: n for n, m in enumerate(Milestone)}}
    return sorted(store.events(incident_id), key=lambda e: (e.occurred_at, e.recorded_at, rank[e.milestone], e.uuid))


def test_import_of_a_newer_copy_merges(tmp_path: Path) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    with Store.open(a) as source:
        incident_id = build_incident(source)
        old = json.loads(json.dumps(export_incident(source, incident_id)))
    with Store.open(b) as target:
        import_incident(target, old)
        # Someone on the receiving side adds a note of their own.
        local = target.add_event(target.incident(old["incident"]["uuid"]).id, "note written on laptop B")

    with Store.open(a) as source:
        events = source.events(incident_id)
        alert = next(e for e in events if e.text == "error rate 30%")
        source.edit_event(alert.id, text="error rate 35%", author="bob")
        # (Not a milestone's event: retracting the Detected event is refused, its time is corrected.)
        mistaken = next(e for e in events if e.milestone is None and e.id != alert.id)
        source.retract_event(mistaken.id, author="bob", reason="wrong time")
        source.add_event(incident_id, "rolled back v42", kind=EventKind.ACTION)
        hypothesis = source.hypotheses(incident_id)[0]
        source.set_hypothesis_result(hypothesis.id, HypothesisResult.CONFIRMED)
        source.set_containment_state(source.containment(incident_id)[0].id, ContainmentState.DONE)
        source.set_status(incident_id, Status.RESOLVED)
        source.add_action_item(incident_id, "Add canary")
        write_section(source, incident_id, Section.SUMMARY, "We rolled back.")
        newer = json.loads(json.dumps(export_incident(source, incident_id)))
        # Entries of one instant (a resolve's status and phase changes) are copied in the export's
        # order, which ends with their UUIDs (issue #13), so they are compared in that order.
        expected_events = [(e.uuid, e.text, e.revision, e.is_retracted) for e in in_export_order(source, incident_id)]

    with Store.open(b) as target:
        result = import_incident(target, newer)
        assert not result.created
        assert result.updated["incidents"] == 1
        assert result.updated["events"] == 2  # the edited one and the retracted one
        assert result.added["events"] >= 4
        copy_ = target.incident(newer["incident"]["uuid"])
        assert copy_.status is Status.RESOLVED
        assert Milestone.RESOLVED in copy_.milestones
        # What the import changed in the incident itself is on the timeline, as the import's events.
        imported = [e for e in target.events(copy_.id) if e.source is EventSource.IMPORT]
        assert [(e.kind, e.text, e.key_moment) for e in imported] == [
            (EventKind.STATUS_CHANGE, "Status Investigating → Resolved", False),
            (EventKind.STATUS_CHANGE, "Phase Detection & Triage → Post-Mortem", False),
            (EventKind.NOTE, f"Resolved time: — → {newer['incident']['resolved_at']}", False),
        ]
        got = [
            (e.uuid, e.text, e.revision, e.is_retracted) for e in in_export_order(target, copy_.id) if e not in imported
        ]
        assert [g for g in got if g[0] != local.uuid] == expected_events
        assert local.uuid in [g[0] for g in got]  # B's own note is kept
        edited = next(e for e in target.events(copy_.id) if e.uuid == alert.uuid)
        assert edited.text == "error rate 35%"
        assert [r.text for r in target.event_history(edited.id)] == ["error rate 30%"]
        assert target.hypotheses(copy_.id)[0].result is HypothesisResult.CONFIRMED
        assert target.containment(copy_.id)[0].state is ContainmentState.DONE
        assert [i.action for i in target.action_items(copy_.id)] == ["Add canary"]
        assert target.postmortem_sections(copy_.id) == {Section.SUMMARY: "We rolled back."}
        # Apart from B's own note and the import's events, B now holds what A holds.
        mine = export_incident(target, copy_.id)
        mine["events"] = [e for e in mine["events"] if e["uuid"] != local.uuid and e["source"] != "import"]
        assert mine == newer

        # An older copy imported afterwards does not undo anything.
        import_incident(target, old)
        assert target.incident(copy_.id).status is Status.RESOLVED
        assert next(e for e in target.events(copy_.id) if e.uuid == alert.uuid).text == "error rate 35%"


def test_import_gives_a_new_ref_when_the_ref_is_taken(tmp_path: Path) -> None:
    day = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    with Store.open(tmp_path / "a.db") as source:
        incident = source.create_incident("From A", Severity.SEV2, now=day)
        document = export_incident(source, incident.id)
    with Store.open(tmp_path / "b.db") as target:
        mine = target.create_incident("B's own", Severity.SEV3, now=day)
        assert mine.ref == incident.ref == "INC-20260301-001"
        result = import_incident(target, document)
        assert result.ref == "INC-20260301-002"
        assert target.incident("INC-20260301-002").uuid == incident.uuid
        assert target.incident("INC-20260301-001").title == "B's own"


# -- garbage --------------------------------------------------------------------------------------


def valid_document(tmp_path: Path) -> dict:
    with Store.open(tmp_path / "a.db") as source:
        incident = source.create_incident("x", Severity.SEV2)
        source.add_event(incident.id, "note")
        source.add_hypothesis(incident.id, "h")
        source.edit_event(source.events(incident.id)[-1].id, text="edited")
        return json.loads(json.dumps(export_incident(source, incident.id)))


def mutate(path: str, value: object):
    """A function that returns a copy of a document with `path` (dot-separated) set to `value`."""

    def apply(document: dict) -> object:
        document = copy.deepcopy(document)
        *parents, last = path.split(".")
        target = document
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
        return document

    return apply


GARBAGE = {
    "a list": lambda d: [d],
    "a string": lambda d: "ir-console.incident",
    "null": lambda d: None,
    "wrong format": mutate("format", "something.else"),
    "no format": lambda d: {k: v for k, v in d.items() if k != "format"},
    "newer version": mutate("version", 99),
    "version as text": mutate("version", "2"),
    "no incident": lambda d: {k: v for k, v in d.items() if k != "incident"},
    "incident is a list": mutate("incident", ["uuid"]),
    "incident without uuid": mutate("incident.uuid", ""),
    "incident uuid is an object": mutate("incident.uuid", {"a": 1}),
    "incident without title": mutate("incident.title", None),
    "incident with an unknown column": mutate("incident.colour", "red"),
    "incident severity is a word": mutate("incident.severity", "high"),
    "incident status unknown": mutate("incident.status", "Exploded"),
    "incident timestamp garbage": mutate("incident.detected_at", "yesterday-ish"),
    "events is an object": mutate("events", {"uuid": "x"}),
    "events is a string": mutate("events", "events"),
    "event is a number": mutate("events.0", 42),
    "event without uuid": lambda d: mutate("events.0", {k: v for k, v in d["events"][0].items() if k != "uuid"})(d),
    "event kind unknown": mutate("events.0.kind", "gossip"),
    "event without text": mutate("events.0.text", None),
    "event time garbage": mutate("events.0.occurred_at", "soon"),
    "revision kind unknown": mutate("event_revisions.0.kind", "gossip"),
    "hypotheses is a number": mutate("hypotheses", 7),
    "hypothesis result unknown": mutate("hypotheses.0.result", "probably"),
    "containment item is a list": mutate("containment.0", ["Rollback deployment"]),
    "section unknown": mutate("postmortem_sections", [{"section": "gossip", "body": "x", "updated_at": "z"}]),
    "section without name": mutate("postmortem_sections", [{"body": "x"}]),
}


@pytest.mark.parametrize("name", list(GARBAGE))
def test_garbage_import_is_refused_and_changes_nothing(tmp_path: Path, name: str) -> None:
    document = GARBAGE[name](valid_document(tmp_path))
    path = tmp_path / "b.db"
    with Store.open(path) as target:
        existing = target.create_incident("already here", Severity.SEV4)
        before = tables(path)
        with pytest.raises(StoreError) as caught:
            import_incident(target, document)
        assert "\n" not in str(caught.value)
        assert tables(path) == before
        # The store is still usable, and still reads back.
        assert [
            i.title
            for i in every_incident(
                target,
            )
        ] == ["already here"]
        target.add_event(existing.id, "still works")
        assert target.record(existing.id).events[-1].text == "still works"


def test_import_normalises_timestamps_with_an_offset(tmp_path: Path) -> None:
    source = Store.open(tmp_path / "a.db")
    incident_id = build_incident(source)
    document = export_incident(source, incident_id)
    document["events"][-1]["occurred_at"] = "2026-11-27T05:00:00+05:00"  # 00:00 UTC
    target = Store.open(tmp_path / "b.db")
    import_incident(target, document)
    stored = target.query_row("SELECT occurred_at FROM events WHERE uuid = ?", [document["events"][-1]["uuid"]])
    assert stored["occurred_at"] == "2026-11-27T00:00:00.000Z"


def test_import_refuses_a_uuid_that_belongs_to_another_incident(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "a.db")
    first = build_incident(store)
    second = store.create_incident("Other", Severity.SEV3)
    stolen = store.add_event(second.id, "belongs to the other incident")
    document = export_incident(store, first)
    document["events"][-1]["uuid"] = stolen.uuid
    document["events"][-1]["text"] = "overwritten?"
    document["events"][-1]["revision"] = 99
    before = counts(tmp_path / "a.db")
    with pytest.raises(StoreError, match="another incident"):
        import_incident(store, document)
    assert store.event(stolen.id).text == "belongs to the other incident"
    assert counts(tmp_path / "a.db") == before
