"""A crafted export cannot rewrite history: import moves no row to another incident, records what it
changes (timeline events, revisions), takes no local ids from the file, and refuses dates in the
future or out of range in one line. What the file holds is read with a connection of our own."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from store_support import write_section
from tui_support import NOW, Clock, count, one, query

from ir_console.cli import main
from ir_console.model import ContainmentState, EventSource, Section, Severity, Status
from ir_console.model.clock import to_iso
from ir_console.store import Store, StoreError
from ir_console.store.exchange import export_incident, import_incident


@pytest.fixture
def two(tmp_path: Path):
    """A store holding incidents A (with a note and an edited containment item) and B."""
    clock = Clock(NOW - timedelta(hours=1))
    with Store.open(tmp_path / "a.db", clock=clock) as store:
        a = store.create_incident("Checkout down", Severity.SEV2, author="dana")
        store.add_event(a.id, "pool at 100%", author="sam")
        b = store.create_incident("Search slow", Severity.SEV3, author="dana")
        clock.now = NOW
        yield store, a, b


def tables(path: Path) -> dict[str, list[dict]]:
    names = [
        r["name"]
        for r in query(
            path,
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'search_%' AND name NOT LIKE 'sqlite_%'",
        )
    ]
    return {name: query(path, f"SELECT * FROM {name} ORDER BY rowid") for name in names}


def test_a_file_cannot_move_an_event_or_containment_item_to_another_incident(two, tmp_path) -> None:
    store, a, b = two
    document = export_incident(store, a.id)
    note = next(e for e in document["events"] if e["text"] == "pool at 100%")
    note.update(incident_id=b.id, revision=note["revision"] + 1, text="pool at 100%", edited_at=to_iso(NOW))
    document["containment"][0].update(incident_id=b.id, updated_at=to_iso(NOW), state="done")
    import_incident(store, document)
    path = tmp_path / "a.db"
    assert one(path, "SELECT incident_id FROM events WHERE uuid = ?", note["uuid"])["incident_id"] == a.id
    assert (
        one(path, "SELECT incident_id FROM containment WHERE uuid = ?", document["containment"][0]["uuid"])[
            "incident_id"
        ]
        == a.id
    )
    assert note["uuid"] not in [e.uuid for e in store.events(b.id)]
    assert store.containment(a.id)[0].state is ContainmentState.DONE
    assert len(store.containment(b.id)) == len(store.containment(a.id))


def test_changes_to_the_incident_are_written_on_its_timeline(two, tmp_path) -> None:
    store, a, _ = two
    document = export_incident(store, a.id)
    document["incident"].update(title="Checkout fine", severity=4, status="Monitoring", updated_at=to_iso(NOW))
    import_incident(store, document, author="lee")
    incident = store.incident(a.id)
    assert (incident.title, incident.severity, incident.status) == ("Checkout fine", Severity.SEV4, Status.MONITORING)
    imported = [(e.text, e.author) for e in store.events(a.id) if e.source is EventSource.IMPORT]
    assert ("Title: Checkout down → Checkout fine", "lee") in imported
    assert ("Severity SEV-2 → SEV-4", "lee") in imported
    assert ("Status Investigating → Monitoring", "lee") in imported
    # The same file again changes nothing and writes nothing.
    before = count(tmp_path / "a.db", "events")
    import_incident(store, document, author="lee")
    assert count(tmp_path / "a.db", "events") == before


def test_a_changed_event_text_keeps_the_earlier_version(two) -> None:
    store, a, _ = two
    document = export_incident(store, a.id)
    assert document["event_revisions"] == []
    note = next(e for e in document["events"] if e["text"] == "pool at 100%")
    note.update(text="pool was fine", revision=5, edited_at=to_iso(NOW))
    import_incident(store, document, author="lee")
    event = next(e for e in store.events(a.id) if e.uuid == note["uuid"])
    assert event.text == "pool was fine"
    assert [(r.text, r.revision, r.replaced_by) for r in store.event_history(event.id)] == [("pool at 100%", 1, "lee")]


def test_a_retraction_from_a_file_changes_no_text(two) -> None:
    store, a, _ = two
    document = export_incident(store, a.id)
    note = next(e for e in document["events"] if e["text"] == "pool at 100%")
    note.update(text="something else", retracted_at=to_iso(NOW), retracted_by="lee", retraction_reason="typo")
    import_incident(store, document)
    event = next(e for e in store.events(a.id) if e.uuid == note["uuid"])
    assert event.is_retracted and event.text == "pool at 100%"


def test_ids_in_the_file_are_ignored_and_the_incident_is_still_found(two, tmp_path) -> None:
    store, a, _ = two
    document = json.loads(json.dumps(export_incident(store, a.id)))
    document["incident"]["id"] = 2**62
    for table in ("events", "containment", "hypotheses"):
        for row in document[table]:
            row["id"] = 2**62
            row["incident_id"] = 2**62
    with Store.open(tmp_path / "b.db", clock=Clock()) as target:
        result = import_incident(target, document)
        assert result.created
        assert query(tmp_path / "b.db", "SELECT max(id) AS top FROM events")[0]["top"] < 1000
        assert query(tmp_path / "b.db", "SELECT id FROM incidents")[0]["id"] == 1
        hits = target.search("Checkout")
        assert [h.incident_ref for h in hits][:1] == [result.ref]


@pytest.mark.parametrize("where", ["incident.updated_at", "events.0.occurred_at", "postmortem_sections.0.updated_at"])
def test_a_file_dated_in_the_future_is_refused_in_one_line(two, tmp_path, where) -> None:
    store, a, _ = two
    write_section(store, a.id, Section.SUMMARY, "ours")
    document = copy.deepcopy(export_incident(store, a.id))
    *parents, last = where.split(".")
    target = document
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    target[last] = "2099-01-01T00:00:00Z"
    before = tables(tmp_path / "a.db")
    with pytest.raises(StoreError) as refused:
        import_incident(store, document)
    message = str(refused.value)
    assert "\n" not in message and "in the future" in message and "nothing was imported" in message
    assert tables(tmp_path / "a.db") == before
    # Within the clock skew two machines may have, it is taken.
    target[last] = to_iso(NOW + timedelta(minutes=2))
    import_incident(store, document)


@pytest.mark.parametrize("stamp", ["9999-12-31T23:59:59Z", "9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00Z"])
def test_dates_out_of_range_are_refused_by_the_cli_in_one_line(two, tmp_path, stamp) -> None:
    store, a, _ = two
    document = export_incident(store, a.id)
    document["events"][0]["occurred_at"] = stamp
    file = tmp_path / "crafted.json"
    file.write_text(json.dumps(document))
    before = tables(tmp_path / "a.db")
    result = CliRunner(env={"IR_CONSOLE_DB": str(tmp_path / "a.db")}).invoke(
        main, ["import", str(file)], prog_name="ir-console"
    )
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "out of range" in lines[0] and "Traceback" not in result.output
    assert tables(tmp_path / "a.db") == before
