"""A resolved incident in the war room: a review that takes corrections but no new entries, and
reopening it (issues #6 and #11; the corrections themselves are in test_lifecycle_tui.py).

The console is driven headless with Pilot. Each test checks what the screen shows (the review
banner, notifications, which widget paints the Signals pane, the footer's keys) and what the
SQLite file holds, read with a connection of our own: a refused action leaves every row as it was.
"""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from store_support import count_events
from textual.widgets import Footer, Input, Label, TextArea
from textual.widgets._footer import FooterKey
from tui_support import (
    NOW,
    NOW_ISO,
    Clock,
    console,
    count,
    declare_checkout_incident,
    one,
    query,
    run,
    settle,
    toasts,
    wait_until,
    war_room,
)

from ir_console.config import Config, TcpCheck
from ir_console.model import EventKind, EventSource, Incident, Milestone, Section, Status
from ir_console.model.clock import to_iso
from ir_console.signals.health import HealthState
from ir_console.store import Store
from ir_console.tui.dialogs.new_incident import NewIncidentScreen
from ir_console.tui.dialogs.reopen import ReopenScreen
from ir_console.tui.dialogs.resolve import ConfirmResolveScreen
from ir_console.tui.dialogs.status import StatusScreen
from ir_console.tui.dialogs.status_update import StatusUpdateScreen
from ir_console.tui.screens.postmortem import PostMortemScreen, editor_id
from ir_console.tui.screens.war_room import WarRoomScreen
from ir_console.tui.widgets.entry_line import EntryLine
from ir_console.tui.widgets.recorded import RecordedSignals
from ir_console.tui.widgets.signals import SignalsPane

BANNER = "REVIEW — resolved 2026-11-27 03:14 UTC: no new entries; corrections are kept as revisions; o to reopen"
REFUSED = "Corrections are allowed (Enter on an event, d); o reopens it."
SIGNAL_TEXT = "CPU 95% (critical at 90%)"
EVIDENCE_TEXT = "System at 03:01:00Z\nCPU 97% · load 3.9 2.4 1.1\npayments-svc 141% CPU"


@pytest.fixture
def incident(store: Store, clock: Clock) -> Incident:
    """The checkout incident with what its signals recorded: a signal and a piece of evidence."""
    declared = declare_checkout_incident(store, clock)
    store.add_event(
        declared.id,
        SIGNAL_TEXT,
        kind=EventKind.SIGNAL,
        source=EventSource.SIGNAL,
        occurred_at=NOW - timedelta(minutes=15),
    )
    store.add_event(
        declared.id,
        EVIDENCE_TEXT,
        kind=EventKind.EVIDENCE,
        author="lee",
        occurred_at=NOW - timedelta(minutes=13, seconds=30),
    )
    store.add_hypothesis(declared.id, "Bad deploy v2.41.0", author="lee")
    return declared


def resolve_elsewhere(db_path, clock: Clock, incident: Incident) -> None:
    """Another console (its own connection) resolves the incident; this one sees it within a second."""
    with Store.open(db_path, clock=clock) as other:
        other.set_status(incident.id, Status.RESOLVED, author="dana")


def banner(app) -> Label:
    return war_room(app).query_one("#review-banner", Label)


def in_review(app) -> bool:
    return banner(app).display and str(banner(app).render()) == BANNER


def footer_keys(app) -> set[str]:
    """The keys the footer shows whole (a full footer cuts off its last ones)."""
    footer = war_room(app).query_one(Footer)
    return {key.key for key in footer.query(FooterKey) if footer.region.contains_region(key.region)}


def refusals(app) -> int:
    return sum(REFUSED in toast for toast in toasts(app))


def snapshot(db_path) -> dict:
    """Everything a refused action could have written."""
    return {
        table: query(db_path, f"SELECT * FROM {table} ORDER BY id")
        for table in ("incidents", "events", "hypotheses", "containment", "status_updates")
    }


async def open_review(pilot, db_path, clock: Clock, incident: Incident) -> None:
    await pilot.pause()
    resolve_elsewhere(db_path, clock, incident)
    await wait_until(pilot, lambda: in_review(pilot.app), "the review banner")


async def test_a_resolved_incident_refuses_new_entries(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        assert not banner(app).display and "o" not in footer_keys(app)
        await open_review(pilot, db_path, clock, incident)
        assert war_room(app).has_class("-review")
        await wait_until(pilot, lambda: "o" in footer_keys(app), "o in the footer")
        before = snapshot(db_path)

        # The entry line refuses, and keeps the text for after a reopening.
        await pilot.press("t", *"late", "enter")
        await wait_until(pilot, lambda: refusals(app) == 1, "the refusal of the entry")
        entry = war_room(app).query_one("#entry", EntryLine)
        assert entry.value == "late"
        assert "o (outside this line) to reopen" in str(entry.placeholder)
        assert any("is resolved: a new entry is refused" in toast for toast in toasts(app))

        # Each writing key says why and opens nothing: h s a r e, then space and + in containment.
        await pilot.press("escape", "x")
        for key in ["h", "s", "a", "r", "e", "space", "plus"]:
            app.clear_notifications()
            await pilot.press(key)
            await wait_until(pilot, lambda: refusals(app) == 1, f"the refusal of {key}")
            assert isinstance(app.screen, WarRoomScreen), key
        await settle(pilot)
        assert snapshot(db_path) == before

        # The final status update is sent after resolving: u still opens the composer.
        app.clear_notifications()
        await pilot.press("u")
        await wait_until(pilot, lambda: isinstance(app.screen, StatusUpdateScreen), "the status-update composer")
        assert refusals(app) == 0
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, WarRoomScreen), "the composer closed")
        assert snapshot(db_path) == before


async def test_the_signals_pane_shows_what_was_recorded_not_the_live_machine(store, db_path, clock, incident) -> None:
    store.retract_event(store.add_event(incident.id, "wrong host", kind=EventKind.EVIDENCE).id, reason="typo")
    store.add_event(
        incident.id,
        "Nightly batch: CPU 91%",
        kind=EventKind.SIGNAL,
        source=EventSource.SIGNAL,
        occurred_at=NOW - timedelta(hours=3, minutes=15),
    )
    store.add_event(incident.id, "A note is not a signal", occurred_at=NOW - timedelta(minutes=1))
    app = console(store, clock, sample_interval=0.1)  # the live System tab keeps sampling underneath
    async with run(app) as pilot:
        signals = war_room(app).query_one(SignalsPane)
        await wait_until(pilot, lambda: app.sampler.taken >= 2, "live samples")
        pane = war_room(app).query_one("#signals-pane")
        assert pane.border_title == "Signals"
        await open_review(pilot, db_path, clock, incident)

        recorded = war_room(app).query_one(RecordedSignals)
        # Read on the reader thread: drawn once read.
        await wait_until(pilot, lambda: "Nightly batch" in recorded.plain, "the recorded signals")
        x, y = pane.content_region.offset
        assert isinstance(app.screen.get_widget_at(x + 1, y + 1)[0], RecordedSignals)
        assert not signals.display and pane.border_title == "Signals — recorded"
        assert recorded.plain.split("\n") == [
            "2026-11-26",
            "23:59:30Z signal",
            "  Nightly batch: CPU 91%",
            "2026-11-27",
            "02:59:30Z signal",
            f"  {SIGNAL_TEXT}",
            "03:01:00Z evidence by lee",
            "  System at 03:01:00Z",
            "  CPU 97% · load 3.9 2.4 1.1",
            "  payments-svc 141% CPU",
            "03:14:30Z evidence [retracted]",
            "  wrong host",
        ]
        assert recorded.render_line(5).text.rstrip() == f"  {SIGNAL_TEXT}"  # drawn, not only held

        # The watches keep measuring for the next incident, without drawing.
        taken = app.sampler.taken
        await wait_until(pilot, lambda: app.sampler.taken >= taken + 2, "sampling under the review")
        await pilot.press("g")
        await wait_until(pilot, lambda: any("shows the signals it recorded" in t for t in toasts(app)), "g's answer")
        assert signals.active == "system"


async def test_the_post_mortem_stays_writable(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await open_review(pilot, db_path, clock, incident)
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PostMortemScreen), "the post-mortem editor")
        summary = app.screen.query_one(f"#{editor_id(Section.SUMMARY)}", TextArea)
        summary.text = "Checkout failed for 20 minutes after v2.41.0."
        await pilot.press("ctrl+s")
        await wait_until(
            pilot,
            lambda: count(db_path, "postmortem_sections", "section = ?", Section.SUMMARY.value),
            "the saved summary",
        )
        assert one(db_path, "SELECT body FROM postmortem_sections")["body"] == summary.text


async def test_reopening_asks_and_cancelling_changes_nothing(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await open_review(pilot, db_path, clock, incident)
        before = snapshot(db_path)
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, ReopenScreen), "the question")
        question = app.screen
        assert "Reopen INC-20261127-001?" in str(question.query_one(".dialog-title", Label).render())
        # The reason is where one types: letters are letters, none answers the question or
        # reaches the war room below (`u` would open the composer, `i` the incidents screen).
        assert app.focused is question.query_one("#reason", Input)
        await pilot.press(*"nuisance")
        await settle(pilot)
        assert app.screen is question and question.query_one("#reason", Input).value == "nuisance"
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, WarRoomScreen), "escape closing it")
        await settle(pilot)
        assert snapshot(db_path) == before and in_review(app)

        # Enter answers yes: reopened, no reason given.
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, ReopenScreen), "the question")
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: one(db_path, "SELECT status FROM incidents")["status"] == "Investigating", "the reopening"
        )
        reopened = query(db_path, "SELECT * FROM events ORDER BY id")[-2]
        assert reopened["text"] == (
            f"Reopened by tester: Status Resolved → Investigating (had been resolved at {NOW_ISO})"
        )


async def test_reopening_with_a_reason_is_recorded_and_the_war_room_writes_again(
    store, db_path, clock, incident
) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await open_review(pilot, db_path, clock, incident)
        clock.advance(minutes=5)
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, ReopenScreen), "the question")
        await pilot.press(*"any", "space", *"5xx", "enter")  # the reason has the focus; Enter reopens
        await wait_until(pilot, lambda: not war_room(app).has_class("-review"), "the end of the review")

        row = one(db_path, "SELECT * FROM incidents")
        assert (row["status"], row["phase"], row["resolved_at"]) == ("Investigating", "Resolution", None)
        reopen, phase = query(db_path, "SELECT * FROM events ORDER BY id")[-2:]
        assert (reopen["kind"], reopen["author"], reopen["key_moment"], reopen["recorded_at"]) == (
            "status_change",
            "tester",
            1,
            to_iso(NOW + timedelta(minutes=5)),
        )
        assert reopen["text"] == (
            f"Reopened by tester: Status Resolved → Investigating (had been resolved at {NOW_ISO}). Reason: any 5xx"
        )
        assert phase["text"] == "Phase Post-Mortem → Resolution"

        assert not banner(app).display and "o" not in footer_keys(app)
        assert war_room(app).query_one(SignalsPane).display
        assert war_room(app).query_one("#signals-pane").border_title == "Signals"
        await pilot.press("o")  # no longer under review: o is nothing
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)

        await pilot.press("t", *"ok", "enter")
        await wait_until(pilot, lambda: count(db_path, "events", "text = 'ok'") == 1, "the entry")


async def test_resolving_with_a_enters_review(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, StatusScreen), "the status list")
        await pilot.press("down", "down", "down", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmResolveScreen), "the confirmation")
        await pilot.press("enter")  # Resolve
        await wait_until(pilot, lambda: in_review(app), "the review banner")
        assert one(db_path, "SELECT status FROM incidents")["status"] == "Resolved"
        hypotheses = count(db_path, "hypotheses")
        await pilot.press("h")
        await wait_until(pilot, lambda: refusals(app) == 1, "the refusal")
        assert count(db_path, "hypotheses") == hypotheses


async def test_retracting_an_event_under_review_is_a_correction(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await open_review(pilot, db_path, clock, incident)
        war_room(app).query_one("#timeline").focus()
        await pilot.press("enter", "e")  # read the event, then edit it
        await wait_until(pilot, lambda: any("kept as a revision" in t for t in toasts(app)), "the review's note")
        event_id = app.screen.event.id
        app.screen.query_one("#reason", Input).value = "wrong incident"
        await pilot.press("ctrl+r")  # retract
        await wait_until(
            pilot,
            lambda: one(db_path, "SELECT retracted_by FROM events WHERE id = ?", event_id)["retracted_by"] == "tester",
            "the retraction",
        )
        assert isinstance(app.screen, WarRoomScreen) and refusals(app) == 0
        row = one(db_path, "SELECT * FROM events WHERE id = ?", event_id)
        assert row["retraction_reason"] == "wrong incident"
        assert one(db_path, "SELECT status FROM incidents")["status"] == "Resolved"


# -- signals noticed under review ------------------------------------------------------------------


def health_config(port: int) -> Config:
    config = Config()
    config.health.interval = 0.2
    config.health.tcp.append(TcpCheck("db", "127.0.0.1", port, timeout=10.0))
    return config


async def test_a_signal_noticed_under_review_waits_for_the_next_incident(store, db_path, clock, incident) -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:  # the test closes it; `with` makes sure
        port = listener.getsockname()[1]
        app = console(store, clock, config=health_config(port))
        async with run(app) as pilot:
            signals = war_room(app).query_one(SignalsPane)
            await wait_until(pilot, lambda: [r.state for r in signals.health] == [HealthState.UP], "db up")
            await open_review(pilot, db_path, clock, incident)
            before = count(db_path, "events", "kind = 'signal'")

            listener.close()  # the database goes away while the resolved incident is on screen
            await wait_until(pilot, lambda: [r.state for r in signals.health] == [HealthState.DOWN], "db down")
            await settle(pilot)
            assert count(db_path, "events", "kind = 'signal'") == before

            clock.advance(minutes=2)
            await pilot.press("n")
            await wait_until(pilot, lambda: isinstance(app.screen, NewIncidentScreen), "the new-incident form")
            await pilot.press(*"db", "ctrl+s")
            await wait_until(pilot, lambda: count(db_path, "incidents") == 2, "the new incident")
            new_id = one(db_path, "SELECT id FROM incidents WHERE title = 'db'")["id"]
            held = "kind = 'signal' AND incident_id = ?"
            await wait_until(pilot, lambda: count(db_path, "events", held, new_id) == 1, "the held signal, logged")
            row = one(db_path, "SELECT * FROM events WHERE kind = 'signal' AND incident_id = ?", new_id)
            assert row["text"].startswith("db down: ") and row["occurred_at"] == NOW_ISO
            assert count(db_path, "events", "kind = 'signal' AND incident_id = ?", incident.id) == before
            assert not war_room(app).has_class("-review")


# -- the store ---------------------------------------------------------------------------------------


def test_reopen_refuses_an_open_incident_and_resolving_again_stamps_a_new_time(store, clock, incident) -> None:
    events = count_events(store, incident.id)
    with pytest.raises(ValueError, match="is not resolved"):
        store.reopen_incident(incident.id, author="dana")
    assert count_events(store, incident.id) == events
    store.set_status(incident.id, Status.RESOLVED, author="dana")
    store.reopen_incident(incident.id, author="dana", reason="again")
    clock.advance(minutes=30)
    resolved = store.set_status(incident.id, Status.RESOLVED, author="dana")
    assert resolved.milestones[Milestone.RESOLVED] == NOW + timedelta(minutes=30)
