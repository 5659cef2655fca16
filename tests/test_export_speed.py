"""Issue #14 (export) and #13 (convergence): `ir-console export` of a long incident reads and
writes less, and prints what it printed before, byte for byte; two machines export the same file.

The JSON export is laid out without the json module's (pure Python) indenting encoder, and the
Markdown post-mortem is drawn from the record digest instead of the whole timeline: these tests
compare the command's output with what the whole record and `json.dumps(..., indent=2)` give. No
timing is asserted: `python -m benchmarks --only export` measures.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from store_support import write_section
from tui_support import NOW, Clock, declare_checkout_incident

from ir_console.cli import main
from ir_console.model import ContainmentState, EventKind, EventSource, Incident, Section, Severity, Status
from ir_console.render.markdown import postmortem_markdown
from ir_console.store import Store
from ir_console.store.exchange import export_incident, import_incident

# Text that could confuse a layout made by hand: JSON's own punctuation, the row and value breaks
# of an indented export, format-string braces, escapes, non-ASCII and line separators.
NASTY = [
    '},\n      {"uuid": "x"}',
    "]\x00[ nul inside",
    "{} {0} {uuid} %s %(x)s",
    'quote " backslash \\ tab \t',
    "émoji 🔥 and ü, RTL \u202e, LS \u2028 PS \u2029",
    "\x1b[31mred\x1b[0m \x07",
    "[]",
    "{}",
    "ends with a brace }",
    "ends with a bracket ]",
]


def run_cli(db: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--db", str(db), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def rich(store: Store, clock: Clock) -> Incident:
    """Every table an export holds: events (hostile text, edited, retracted, key moments, same
    moment), their revisions, hypotheses, containment, status updates, action items and the
    post-mortem with a section's history."""
    declared = declare_checkout_incident(store, clock)
    start = NOW - timedelta(minutes=17)
    for n, text in enumerate(NASTY):
        store.add_event(
            declared.id, text, kind=EventKind.EVIDENCE, author=text[:12], occurred_at=start + timedelta(seconds=n)
        )
    edited = store.add_event(declared.id, "first words", occurred_at=start - timedelta(seconds=1), key_moment=True)
    store.edit_event(edited.id, text=NASTY[0], author="lee")
    store.edit_event(edited.id, text=NASTY[2], author="amy")
    store.retract_event(store.add_event(declared.id, "freeze deploys", kind=EventKind.DECISION).id, reason=NASTY[1])
    for n in range(5):
        store.add_event(declared.id, f"CPU {90 + n}%", kind=EventKind.SIGNAL, source=EventSource.SIGNAL)
    store.add_hypothesis(declared.id, NASTY[4], evidence_for=NASTY[0], evidence_against="", test=NASTY[3])
    action = store.add_containment(declared.id, "Roll back v2.41.0", author="lee")
    store.set_containment_state(action.id, ContainmentState.DONE, detail=NASTY[6], author="lee")
    store.record_status_update(declared.id, NASTY[5], impact=NASTY[7])
    store.add_action_item(declared.id, NASTY[8], owner="kim")
    write_section(store, declared.id, Section.ROOT_CAUSE, NASTY[9])
    write_section(store, declared.id, Section.ROOT_CAUSE, NASTY[0] + "\nsecond version")
    write_section(store, declared.id, Section.SUMMARY, NASTY[4])
    return declared


def test_the_json_export_is_json_dumps_indented_of_the_whole_record(db_path: Path, store: Store, rich: Incident):
    printed = run_cli(db_path, "export", rich.ref, "--format", "json")
    document = export_incident(store, rich.id)
    assert printed == json.dumps(document, indent=2, ensure_ascii=True) + "\n"
    assert printed.isascii()
    # What the document holds: every table's rows, without this database's ids, in their own order.
    assert [row["text"] for row in document["events"] if row["text"] in NASTY] == [NASTY[2], *NASTY]
    assert len(document["event_revisions"]) == 2
    for name in ("hypotheses", "containment", "status_updates", "action_items", "postmortem_section_revisions"):
        assert document[name], name
    for name, rows in document.items():
        for row in rows if isinstance(rows, list) else []:
            assert not {"id", "incident_id", "event_id"} & set(row), name
    assert list(document["events"][0])[:3] == ["uuid", "occurred_at", "recorded_at"]  # the table's column order


def test_the_markdown_export_is_the_post_mortem_of_the_whole_record(db_path: Path, store: Store, rich: Incident):
    printed = run_cli(db_path, "export", rich.ref)
    assert printed == postmortem_markdown(store.record(rich.id))
    assert "## Timeline" in printed and "Roll back v2.41.0" in printed


def test_an_incident_with_nothing_but_its_declaration_exports_empty_lists(db_path: Path, store: Store) -> None:
    declared = store.create_incident("Quiet", Severity.SEV4, author="ann")
    printed = run_cli(db_path, "export", declared.ref, "--format", "json")
    assert printed == json.dumps(export_incident(store, declared.id), indent=2, ensure_ascii=True) + "\n"
    assert '"hypotheses": []' in printed


def test_two_machines_writing_in_the_same_millisecond_export_the_same_file(tmp_path: Path) -> None:
    """Issue #13: each machine's own entry has the smaller row id there; after each imports the
    other's export, both export the same file (the last tie-break is the entry's UUID)."""
    clock = Clock()
    a_path, b_path = tmp_path / "a.db", tmp_path / "b.db"
    with Store.open(a_path, clock=clock) as a:
        declared = a.create_incident("Checkout errors", Severity.SEV2, author="ann", now=NOW - timedelta(minutes=5))
        shared = export_incident(a, declared.id)
    with Store.open(b_path, clock=clock) as b:
        import_incident(b, json.loads(json.dumps(shared)))
    at = NOW - timedelta(minutes=1)
    with Store.open(a_path, clock=clock) as a, Store.open(b_path, clock=clock) as b:
        a.add_event(a.incident(declared.uuid).id, "seen on machine a", occurred_at=at, author="ann")
        b.add_event(b.incident(declared.uuid).id, "seen on machine b", occurred_at=at, author="bob")
        from_a, from_b = export_incident(a, declared.uuid), export_incident(b, declared.uuid)
        import_incident(b, json.loads(json.dumps(from_a)), author="bob")
        import_incident(a, json.loads(json.dumps(from_b)), author="ann")
        ids = [
            [e.id for e in store.events(store.incident(declared.uuid).id) if e.text.startswith("seen on")]
            for store in (a, b)
        ]
    # The same moment to the millisecond, written and recorded, and row ids in opposite orders.
    texts = {
        path.name: [e.text for e in Store.open(path, clock=clock).events(1) if e.text.startswith("seen")]
        for path in (a_path, b_path)
    }
    assert texts["a.db"] == ["seen on machine a", "seen on machine b"]
    assert texts["b.db"] == ["seen on machine b", "seen on machine a"]
    assert all(len(pair) == 2 for pair in ids)
    exported = [run_cli(path, "export", declared.ref, "--format", "json") for path in (a_path, b_path)]
    assert exported[0] == exported[1]
    listed = [row["text"] for row in json.loads(exported[0])["events"] if row["text"].startswith("seen")]
    assert sorted(listed) == ["seen on machine a", "seen on machine b"]


def test_entries_of_one_instant_keep_the_order_they_were_written_in_across_export_and_import(tmp_path: Path) -> None:
    """Same-instant entries are ordered by UUID everywhere but the machine that wrote them; the
    UUIDs sort in the order they were made, so the machine that imports them (or receives them by
    sync) lists them as written: a resolve's status change stays before its phase change.
    (Milestones of one instant go after the other entries, in milestone order, everywhere.)"""
    clock = Clock()  # stands still: every write below has the same occurred_at and recorded_at
    with Store.open(tmp_path / "a.db", clock=clock) as a:
        declared = a.create_incident("Checkout errors", Severity.SEV2, author="ann", now=NOW - timedelta(minutes=5))
        for number in range(30):
            a.add_event(declared.id, f"same instant {number}", author="ann")
        a.set_status(declared.id, Status.RESOLVED, author="ann")
        written = [event.text for event in a.events(declared.id) if event.milestone is None]
        exported = export_incident(a, declared.id)
    assert [event["text"] for event in exported["events"] if event["milestone"] is None] == written
    with Store.open(tmp_path / "b.db", clock=clock) as b:
        import_incident(b, json.loads(json.dumps(exported)), author="bob")
        received = [event.text for event in b.events(b.incident(declared.uuid).id) if event.milestone is None]
    assert received == written
    assert written.index("Status Investigating → Resolved") < written.index("Phase Detection & Triage → Post-Mortem")


def test_text_sqlite_writes_is_escaped_as_json_dumps_escapes_it(db_path: Path, store: Store) -> None:
    """SQLite writes each row's JSON; what it leaves as it is (DEL, every character beyond ASCII,
    astral ones as surrogate pairs) is escaped afterwards, as json.dumps(ensure_ascii=True) does."""
    declared = store.create_incident("DEL \x7f only", Severity.SEV3, author="ann")
    texts = ["del \x7f\x7f end", "\x7fü🔥\u2028\x00\x1f\x7f", "ü", "🔥", "'; SELECT 1; --", "% %s %% \\u0000"]
    for number, text in enumerate(texts):
        if number < 2:  # first an export whose only character to escape afterwards is DEL
            printed = run_cli(db_path, "export", declared.ref, "--format", "json")
            assert printed == json.dumps(export_incident(store, declared.id), indent=2, ensure_ascii=True) + "\n"
            assert printed.isascii() and "\x7f" not in printed
        store.add_event(declared.id, text, author=text[:3])
    store.add_hypothesis(declared.id, "\x7f🔥", evidence_for="ü", evidence_against="", test="")
    printed = run_cli(db_path, "export", declared.ref, "--format", "json")
    assert printed == json.dumps(export_incident(store, declared.id), indent=2, ensure_ascii=True) + "\n"
    assert printed.isascii() and "\x7f" not in printed
    assert [row["text"] for row in json.loads(printed)["events"] if row["text"] in texts] == texts


def test_a_real_number_in_a_row_is_written_as_json_dumps_writes_it(db_path: Path, store: Store) -> None:
    """A REAL value (an imported file may hold one where ir-console writes integers): SQLite
    writes it with 15 digits, Python with as many as it takes; the export is json.dumps's."""
    declared = store.create_incident("Reals", Severity.SEV3, author="ann")
    event = store.add_event(declared.id, "a float key moment", author="ann")
    store.add_event(declared.id, "an ordinary entry", author="ann")
    with store.transaction():
        store.db.execute("UPDATE events SET key_moment = ? WHERE id = ?", [0.1 + 0.2, event.id])
        store.db.execute("UPDATE events SET revision = ? WHERE id = ?", [1e300, event.id])
    printed = run_cli(db_path, "export", declared.ref, "--format", "json")
    assert printed == json.dumps(export_incident(store, declared.id), indent=2, ensure_ascii=True) + "\n"
    assert '"key_moment": 0.30000000000000004,' in printed and '"revision": 1e+300,' in printed


def test_a_sqlite_whose_json_quote_writes_otherwise_leaves_the_layout_to_python(
    store: Store, rich: Incident, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's json_quote is checked once against json.dumps (before 3.38 it may be missing):
    one that writes a string otherwise is not used, and the export is the same bytes."""
    from ir_console.store import exchange

    expected = json.dumps(export_incident(store, rich.id), indent=2, ensure_ascii=True) + "\n"
    monkeypatch.setattr(exchange, "_QUOTES_AS_JSON", {})
    store.db.conn.create_function("json_quote", 1, lambda value: json.dumps(value) + " ")
    assert exchange.export_json(store, rich.id) == expected
    assert exchange._QUOTES_AS_JSON == {sqlite3.sqlite_version: False}
