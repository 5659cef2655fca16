"""The war room, driven headless through Textual's Pilot.

Each test presses the keys a responder would press and then checks both sides: what the screen
shows (widget state, rendered lines, labels, which screen is up) and what the SQLite file holds
(read with a connection of our own). Writes happen on the app's writer thread, so the tests wait
for them with a bounded poll (`wait_until`), never a bare sleep.
"""

from __future__ import annotations

import asyncio
import io
import re
import time
from datetime import timedelta
from pathlib import Path

from rich.console import Console
from textual import events
from textual.command import CommandPalette
from textual.widgets import Button, Input, Label, Markdown, OptionList, RadioSet, Static, TextArea
from tui_support import (
    CHECKOUT_TITLE,
    NOW,
    NOW_ISO,
    console,
    count,
    header,
    last_line,
    line_at,
    one,
    paste,
    paste_text,
    prompts,
    query,
    run,
    settle,
    shown_lines,
    timeline,
    toasts,
    wait_until,
    war_room,
)

from ir_console.model import SEED_CONTAINMENT, Severity, Status
from ir_console.model.clock import to_iso
from ir_console.render.status import status_update_markdown
from ir_console.store import Store, WriteFailed
from ir_console.tui.dialogs.add_containment import AddContainmentScreen
from ir_console.tui.dialogs.event import EventScreen
from ir_console.tui.dialogs.event_detail import EventDetailScreen
from ir_console.tui.dialogs.help import HelpScreen
from ir_console.tui.dialogs.hypothesis import HypothesisScreen
from ir_console.tui.dialogs.new_incident import NewIncidentScreen
from ir_console.tui.dialogs.paste import PasteScreen
from ir_console.tui.dialogs.resolve import ConfirmResolveScreen
from ir_console.tui.dialogs.roles import RolesScreen
from ir_console.tui.dialogs.severity import SeverityScreen
from ir_console.tui.dialogs.status import StatusScreen
from ir_console.tui.dialogs.status_update import StatusUpdateScreen
from ir_console.tui.screens.incidents import IncidentsScreen
from ir_console.tui.screens.postmortem import PostMortemScreen
from ir_console.tui.screens.war_room import WarRoomScreen
from ir_console.tui.widgets.containment_list import ContainmentList
from ir_console.tui.widgets.entry_line import EntryLine
from ir_console.tui.widgets.hypothesis_list import HypothesisList
from ir_console.tui.widgets.incident_list import IncidentList
from ir_console.tui.widgets.timeline import TimelineView

TITLE = CHECKOUT_TITLE
MARKUP = "[bold red]x[/]"
# Rich markup, a CSI colour and an OSC window-title sequence: all of it is data.
HOSTILE = f"Deploy {MARKUP} \x1b[31mred\x1b[0m \x1b]0;pwn\x07done"
HOSTILE_SHOWN = f"Deploy {MARKUP} red done"


def events_in_order(db_path: Path, incident_id: int) -> list[dict]:
    return query(db_path, "SELECT * FROM events WHERE incident_id = ? ORDER BY occurred_at, id", incident_id)


async def type_text(pilot, text: str) -> None:
    await pilot.press(*text)


# -- declaring an incident ------------------------------------------------------------------------


async def test_empty_database_opens_the_form_and_declares_the_incident(store, db_path, clock) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, NewIncidentScreen)
        form = app.screen
        assert app.focused is form.query_one("#title", Input)
        # Time detected defaults to the app clock's now.
        assert form.query_one("#detected", Input).value == NOW_ISO

        await paste_text(pilot, TITLE)
        await pilot.press("tab")
        severities = form.query_one("#severity-list", OptionList)
        assert app.focused is severities and severities.highlighted == 1  # SEV-2 preselected
        await pilot.press("down")
        assert prompts(severities)[severities.highlighted].startswith("SEV-3")
        await pilot.press("tab", "tab")  # keep the default time detected
        assert app.focused is form.query_one("#reporter", Input)
        await paste_text(pilot, "PagerDuty checkout alert")
        await pilot.press("tab")
        await paste_text(pilot, "30% of POST /checkout fail")
        await pilot.press("tab")
        await paste_text(pilot, "A subset of users")
        await pilot.press("tab")
        await paste_text(pilot, "Deploy v2.41.0 at 02:55")
        await pilot.press("ctrl+s")

        await wait_until(
            pilot,
            lambda: count(db_path, "incidents") == 1 and header(app, "ref"),
            "the incident in the database and the header",
        )
        row = one(db_path, "SELECT * FROM incidents")
        assert row["title"] == TITLE and row["severity"] == 3
        assert row["status"] == "Investigating" and row["phase"] == "Detection & Triage"
        assert (row["reporter"], row["happening"], row["affected"], row["changed"]) == (
            "PagerDuty checkout alert",
            "30% of POST /checkout fail",
            "A subset of users",
            "Deploy v2.41.0 at 02:55",
        )
        assert row["detected_at"] == NOW_ISO and row["declared_at"] == NOW_ISO
        assert [r["action"] for r in query(db_path, "SELECT action FROM containment ORDER BY position")] == [
            t.action for t in SEED_CONTAINMENT
        ]
        assert [(e["author"], e["source"]) for e in events_in_order(db_path, row["id"])] == [("tester", "console")] * 2

        assert isinstance(app.screen, WarRoomScreen)
        assert header(app, "ref") == row["ref"] == "INC-20261127-001"
        assert header(app, "title") == TITLE
        assert header(app, "severity") == "SEV-3"
        assert war_room(app).query_one("#header #severity").has_class("sev-3")
        containment = prompts(war_room(app).query_one("#containment", ContainmentList))
        assert containment == [f"[ ] {t.action}  {t.when_to_use}" for t in SEED_CONTAINMENT]
        assert timeline(app).count == 2
        assert "Detected (reported by PagerDuty checkout alert): 30% of POST" in line_at(app, 0)
        assert f"Incident declared: SEV-3 {TITLE}" in line_at(app, 1)
        # The responder lands on the entry line, ready to log.
        assert isinstance(app.focused, EntryLine)


TYPED_TIMES = [
    ("03:02Z", "2026-11-27T03:02:00.000Z", "elapsed 12m 30s"),
    ("-12m", "2026-11-27T03:02:30.000Z", "elapsed 12m 00s"),
    ("2026-11-27T02:58:00Z", "2026-11-27T02:58:00.000Z", "elapsed 16m 30s"),
]


async def test_new_incident_with_a_typed_time_detected(store, db_path, clock) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        for number, (typed, stored, elapsed) in enumerate(TYPED_TIMES, start=1):
            if number > 1:
                await pilot.press("escape", "n")  # leave the entry line, declare another
            assert isinstance(app.screen, NewIncidentScreen)
            title = f"Disk full on db-{number}"
            await paste_text(pilot, title)
            await pilot.press("tab", "tab")
            detected = app.screen.query_one("#detected", Input)
            assert app.focused is detected
            await type_text(pilot, typed)  # the default is selected on focus: typing replaces it
            assert detected.value == typed
            await pilot.press("ctrl+s")
            await wait_until(
                pilot,
                lambda t=title: count(db_path, "incidents") == number and header(app, "title") == t,
                f"incident {title!r}",
            )
            row = one(db_path, "SELECT * FROM incidents WHERE title = ?", title)
            assert row["detected_at"] == stored and row["declared_at"] == NOW_ISO, typed
            detected_event = events_in_order(db_path, row["id"])[0]
            assert detected_event["occurred_at"] == stored and detected_event["text"].startswith("Detected")
            assert header(app, "elapsed") == elapsed
            assert timeline(app).count == 2
            assert line_at(app, 0).startswith(stored[11:19])
            assert "↶" in line_at(app, 0)  # back-filled mark


async def test_new_incident_form_refuses_what_it_cannot_save(store, db_path, clock) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        form = app.screen
        error = form.query_one("#form-error")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form and str(error.render()) == "The incident needs a title."
        assert app.focused is form.query_one("#title", Input)

        await paste_text(pilot, "Latency spike")
        await pilot.press("tab", "tab")
        # What the user typed is quoted back as text, never read as markup.
        await paste_text(pilot, "[/]yesterday")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form and app.is_running
        assert str(error.render()).startswith("Time detected: cannot read the time '[/]yesterday': use now, -5m")
        assert app.focused is form.query_one("#detected", Input)
        assert count(db_path, "incidents") == 0


async def test_escape_cancels_the_new_incident_form(store, db_path, clock) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await paste_text(pilot, "Not really an incident")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
        assert header(app, "severity") == "NO INCIDENT"
        assert header(app, "title") == "Press n to declare an incident"
        assert timeline(app).count == 0
        assert count(db_path, "incidents") == 0 and count(db_path, "events") == 0

        # Logging without an incident says what to do and writes nothing.
        await pilot.press("t")
        await paste_text(pilot, "orphan entry")
        await pilot.press("enter")
        await settle(pilot)
        assert any("No incident yet: press n" in toast for toast in toasts(app))
        assert app.screen.query_one("#entry", EntryLine).value == "orphan entry"
        assert count(db_path, "events") == 0

        # n brings the form back (from the timeline; in the entry line n is just a letter).
        await pilot.press("escape", "n")
        assert isinstance(app.screen, NewIncidentScreen)


async def test_the_most_recent_open_incident_opens(store, db_path, clock) -> None:
    store.clock = clock
    store.create_incident("Older open incident", Severity.SEV3, now=NOW - timedelta(hours=2))
    newer = store.create_incident("Newer open incident", Severity.SEV2, now=NOW - timedelta(hours=1))
    resolved = store.create_incident("Newest but resolved", Severity.SEV1, now=NOW - timedelta(minutes=30))
    store.set_status(resolved.id, Status.RESOLVED)
    store.add_event(newer.id, "Newer incident's own entry")
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, WarRoomScreen)  # no form: there is work to show
        assert header(app, "ref") == newer.ref and header(app, "title") == "Newer open incident"
        assert header(app, "severity") == "SEV-2"
        assert timeline(app).count == count(db_path, "events", "incident_id = ?", newer.id) == 3
        assert "Newer incident's own entry" in last_line(app)
        assert all("Older" not in line and "Newest" not in line for line in shown_lines(app))


# -- the timeline entry line ----------------------------------------------------------------------


async def test_timeline_entry_is_written_and_shown(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        before = count(db_path, "events")
        await pilot.press("t")
        entry = app.screen.query_one("#entry", EntryLine)
        assert app.focused is entry
        # Every war-room key letter types normally in the entry line.
        text = "hash rx2: spin up; tap"
        await type_text(pilot, text)
        assert isinstance(app.screen, WarRoomScreen) and entry.value == text
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: count(db_path, "events") == before + 1 and entry.value == "",
            "the entry in the database and the entry line cleared",
        )
        row = one(db_path, "SELECT * FROM events WHERE text = ?", text)
        assert (row["author"], row["source"], row["kind"], row["key_moment"]) == ("tester", "console", "note", 0)
        assert row["occurred_at"] == row["recorded_at"] == NOW_ISO
        assert row["incident_id"] == incident.id
        view = timeline(app)
        assert view.count == before + 1 and view.current_event.id == row["id"]
        assert last_line(app).startswith("03:14:30 03:14Z")
        assert text in last_line(app) and last_line(app).endswith("— tester")
        assert app.focused is entry  # ready for the next line


async def test_entry_prefixes_kind_key_moment_and_back_dating(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        entry = app.screen.query_one("#entry", EntryLine)
        await pilot.press("t")
        lines = [
            "/action Restarted checkout pods",
            "! Rolled back to v41",
            "@-5m Disk alarm on db-1",
            "@03:00 First 500s in the logs",
            "/decision ! @-1h Freeze deploys to payments",
        ]
        for number, line in enumerate(lines, start=1):
            await paste_text(pilot, line)
            await pilot.press("enter")
            if line.startswith("/decision"):  # 02:14:30 is before the incident began: shown, then confirmed
                await wait_until(pilot, lambda: entry.confirming, "the question")
                assert "2026-11-27 02:14:30 UTC (today), before the incident began" in entry.border_title
                await pilot.press("enter")
            await wait_until(
                pilot, lambda n=number: count(db_path, "events") == 2 + n and entry.value == "", f"entry {line!r}"
            )

        def stored(text: str) -> dict:
            return one(db_path, "SELECT * FROM events WHERE text = ?", text)

        assert stored("Restarted checkout pods")["kind"] == "action"
        assert stored("Rolled back to v41")["key_moment"] == 1
        disk = stored("Disk alarm on db-1")
        assert disk["occurred_at"] == "2026-11-27T03:09:30.000Z" and disk["recorded_at"] == NOW_ISO
        assert stored("First 500s in the logs")["occurred_at"] == "2026-11-27T03:00:00.000Z"
        freeze = stored("Freeze deploys to payments")
        assert (freeze["kind"], freeze["key_moment"], freeze["occurred_at"]) == (
            "decision",
            1,
            "2026-11-27T02:14:30.000Z",
        )

        # The timeline is in the order things happened, not the order they were typed.
        ordered = [e["text"] for e in events_in_order(db_path, incident.id)]
        assert ordered[0] == "Freeze deploys to payments"
        assert (
            ordered.index("First 500s in the logs")
            < ordered.index("Disk alarm on db-1")
            < ordered.index("Restarted checkout pods")
        )
        shown = shown_lines(app)
        assert len(shown) == len(ordered) == timeline(app).count
        for line, text in zip(shown, ordered):
            assert text in line
        by_text = dict(zip(ordered, shown))
        assert by_text["Freeze deploys to payments"].startswith("02:14:30 02:14Z ★ ◆ decision")
        assert "↶" in by_text["Freeze deploys to payments"]
        assert by_text["Disk alarm on db-1"].startswith("03:09:30 03:09Z")
        assert by_text["Restarted checkout pods"].startswith("03:14:30 03:14Z   > action")
        assert "/action" not in by_text["Restarted checkout pods"]
        assert " ★ " in by_text["Rolled back to v41"] and "!" not in by_text["Rolled back to v41"].split("·")[-1]


BAD_ENTRIES = [
    ("@25:99 Bad time", "no such time of day: '25:99'"),
    ("@yesterday Something", "cannot read the time 'yesterday'"),
    ("/bogus Something", "unknown kind /bogus"),
    # The user's own text inside the message stays text: neither styled nor a markup error.
    ("/[bold]x Something", "unknown kind /[bold]x"),
    ("@[/] Something", "cannot read the time '[/]'"),
    ("! @-5m", "Write something after the prefixes."),
]


async def test_bad_entry_prefix_shows_an_error_keeps_the_text_and_writes_nothing(
    store, db_path, clock, incident
) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        before = count(db_path, "events")
        entry = app.screen.query_one("#entry", EntryLine)
        await pilot.press("t")
        for line, message in BAD_ENTRIES:
            entry.value = ""
            await paste_text(pilot, line)
            await pilot.press("enter")
            await wait_until(
                pilot, lambda m=message: any(m in toast for toast in toasts(app)), f"the message {message!r}"
            )
            await settle(pilot)
            assert app.is_running
            assert entry.value == line and app.focused is entry
            assert count(db_path, "events") == before
            assert timeline(app).count == before


async def test_double_enter_logs_an_entry_once(store, db_path, clock, incident, monkeypatch) -> None:
    original = Store.add_event

    def slow_add_event(self, *args, **kwargs):
        time.sleep(0.2)  # a slow disk, on the writer thread: the second Enter arrives mid-write
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Store, "add_event", slow_add_event)
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await paste_text(pilot, "Paged the database team")
        # Two Enters before the first write is back: a hurried responder, or key repeat.
        app._driver.send_message(events.Key("enter", "\r"))
        app._driver.send_message(events.Key("enter", "\r"))
        entry = app.screen.query_one("#entry", EntryLine)
        await wait_until(pilot, lambda: entry.value == "" and not entry.saving, "the entry saved")
        await settle(pilot)
        assert count(db_path, "events", "text = ?", "Paged the database team") == 1
        assert sum("Paged the database team" in line for line in shown_lines(app)) == 1


async def test_escape_leaves_the_entry_line_and_keys_work_again(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await paste_text(pilot, "half a thought")
        await pilot.press("escape")
        assert isinstance(app.focused, TimelineView)
        assert app.screen.query_one("#entry", EntryLine).value == "half a thought"  # kept, not sent
        await pilot.press("s")
        assert isinstance(app.screen, SeverityScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert count(db_path, "events", "text = ?", "half a thought") == 0
        assert one(db_path, "SELECT severity FROM incidents")["severity"] == 2


async def test_tab_and_shift_tab_move_between_panes(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        assert app.focused.id == "timeline"
        seen = []
        for _ in range(6):
            await pilot.press("tab")
            seen.append(app.focused.id or type(app.focused).__name__)
        # The signal panes: their tab strip, then the visible tab's pane.
        assert seen == ["entry", "hypotheses", "containment", "ContentTabs", "system", "timeline"]
        backwards = []
        for _ in range(6):
            await pilot.press("shift+tab")
            backwards.append(app.focused.id or type(app.focused).__name__)
        assert backwards == ["system", "ContentTabs", "containment", "hypotheses", "entry", "timeline"]
        assert count(db_path, "events") == 2  # moving around writes nothing


# -- editing and retracting an event --------------------------------------------------------------


async def test_edit_then_retract_an_event(store, db_path, clock, incident) -> None:
    store.add_event(incident.id, "Error rate 31% on checkout", author="lee")
    wrong = store.add_event(incident.id, "Pool exhausted on payments", author="sam")
    store.add_event(incident.id, "Freeze deploys", author="dana")
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        view = timeline(app)
        assert app.focused is view and view.count == 5 and view.cursor == 4
        await pilot.press("up", "up", "down")
        assert view.current_event.id == wrong.id
        await pilot.press("enter", "e")
        assert isinstance(app.screen, EventScreen)
        text_area = app.screen.query_one("#text", TextArea)
        assert text_area.text == "Pool exhausted on payments"
        await pilot.press("end", "ctrl+u")
        await paste_text(pilot, "Pool exhausted on payments-svc (max=20)")
        await pilot.press("ctrl+s")
        await wait_until(
            pilot,
            lambda: (
                one(db_path, "SELECT text FROM events WHERE id = ?", wrong.id)["text"]
                == "Pool exhausted on payments-svc (max=20)"
            ),
            "the edit in the database",
        )
        row = one(db_path, "SELECT * FROM events WHERE id = ?", wrong.id)
        assert row["revision"] == 2 and row["edited_at"] == NOW_ISO and row["author"] == "sam"
        old = one(db_path, "SELECT * FROM event_revisions WHERE event_id = ?", wrong.id)
        assert (old["revision"], old["text"], old["replaced_by"]) == (1, "Pool exhausted on payments", "tester")

        await wait_until(pilot, lambda: "payments-svc" in line_at(app, 3), "the edited line")
        assert isinstance(app.screen, WarRoomScreen) and app.focused is view
        # The user's place is kept: the edited event is still the selected one.
        assert view.current_event.id == wrong.id
        assert "✎ Pool exhausted on payments-svc (max=20)" in line_at(app, 3)

        await pilot.press("enter", "e")
        screen = app.screen
        assert isinstance(screen, EventScreen) and screen.event.id == wrong.id
        history = str(screen.query_one("#history", Static).render())
        assert "v1" in history and "Pool exhausted on payments\n" in history
        screen.query_one("#reason", Input).focus()
        await paste_text(pilot, "wrong service")
        await pilot.press("ctrl+r")
        await wait_until(
            pilot,
            lambda: one(db_path, "SELECT retracted_at FROM events WHERE id = ?", wrong.id)["retracted_at"],
            "the retraction in the database",
        )
        row = one(db_path, "SELECT * FROM events WHERE id = ?", wrong.id)
        assert (row["retracted_at"], row["retracted_by"], row["retraction_reason"]) == (
            NOW_ISO,
            "tester",
            "wrong service",
        )
        assert row["text"] == "Pool exhausted on payments-svc (max=20)"  # still in the record
        assert count(db_path, "events", "incident_id = ?", incident.id) == 5
        await wait_until(pilot, lambda: "[retracted]" in line_at(app, 3), "the retracted line")
        assert "[retracted] Pool exhausted on payments-svc (max=20)" in line_at(app, 3)
        assert view.count == 5 and view.current_event.id == wrong.id

        await pilot.press("enter")
        assert "RETRACTED" in str(app.screen.query_one(".dialog-title").render())
        assert "by tester: wrong service" in str(app.screen.query_one("#event-facts", Static).content)
        await pilot.press("e")
        assert app.screen.query_one("#retract", Button).disabled
        await pilot.press("escape")


async def test_saving_an_unchanged_event_writes_nothing(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("enter", "e")
        assert isinstance(app.screen, EventScreen)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
        assert count(db_path, "event_revisions") == 0
        assert one(db_path, "SELECT max(revision) AS r FROM events")["r"] == 1


# -- hypotheses -----------------------------------------------------------------------------------


async def add_hypothesis(pilot, db_path: Path, statement: str, evidence_for: str = "", test: str = "") -> None:
    app = pilot.app
    before = count(db_path, "hypotheses")
    await pilot.press("h")
    assert isinstance(app.screen, HypothesisScreen)
    assert app.focused is app.screen.query_one("#statement", TextArea)
    await paste_text(pilot, statement)
    await pilot.press("tab")
    await paste_text(pilot, evidence_for)
    await pilot.press("tab", "tab")
    assert app.focused is app.screen.query_one("#test", TextArea)
    await paste_text(pilot, test)
    await pilot.press("ctrl+s")
    await wait_until(
        pilot,
        lambda: (
            count(db_path, "hypotheses") == before + 1
            and len(war_room(app).query_one("#hypotheses", HypothesisList).options) == before + 1
        ),
        f"hypothesis {statement!r}",
    )


async def test_hypothesis_lifecycle(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        hypotheses = war_room(app).query_one("#hypotheses", HypothesisList)
        await add_hypothesis(
            pilot,
            db_path,
            "v2.41.0 leaks DB connections",
            "Pool exhausted since the deploy",
            "Roll back one canary pod",
        )
        row = one(db_path, "SELECT * FROM hypotheses")
        assert (row["statement"], row["evidence_for"], row["evidence_against"], row["test"]) == (
            "v2.41.0 leaks DB connections",
            "Pool exhausted since the deploy",
            "",
            "Roll back one canary pod",
        )
        assert (row["result"], row["rank"], row["author"]) == ("open", 1, "tester")
        logged = one(db_path, "SELECT * FROM events WHERE kind = 'hypothesis'")
        assert logged["text"] == "Hypothesis H1: v2.41.0 leaks DB connections" and logged["author"] == "tester"
        assert prompts(hypotheses) == ["1. H1  OPEN      v2.41.0 leaks DB connections"]
        assert "Hypothesis H1: v2.41.0 leaks DB connections" in last_line(app)

        # Two more from a colleague's console: they show up here too.
        with Store.open(db_path, clock=clock) as colleague:
            colleague.add_hypothesis(incident.id, "Database primary is degraded", author="sam")
            colleague.add_hypothesis(incident.id, "Cache stampede after the flush", author="sam")
        await wait_until(pilot, lambda: len(hypotheses.options) == 3, "the colleague's hypotheses")

        # Open the first one from the list and confirm it.
        await pilot.press("tab", "tab")
        assert app.focused is hypotheses
        await pilot.press("home", "enter")
        screen = app.screen
        assert isinstance(screen, HypothesisScreen)
        assert str(screen.query_one(".dialog-title").render()) == "Hypothesis H1 (rank 1)"
        assert screen.query_one("#statement", TextArea).text == "v2.41.0 leaks DB connections"
        await pilot.press("tab", "tab", "tab", "tab")
        radio = screen.query_one("#result", RadioSet)
        assert app.focused is radio
        await pilot.press("right", "enter")
        assert radio.pressed_button.id == "confirmed"
        await pilot.press("ctrl+s")
        await wait_until(
            pilot,
            lambda: (
                one(db_path, "SELECT result FROM hypotheses WHERE rank = 1")["result"] == "confirmed"
                and "CONFIRMED" in prompts(hypotheses)[0]
            ),
            "the confirmed result",
        )
        confirmed = one(db_path, "SELECT * FROM events WHERE text LIKE 'Hypothesis H1 confirmed%'")
        assert confirmed["key_moment"] == 1 and confirmed["author"] == "tester"
        assert count(db_path, "events", "text LIKE 'Hypothesis H1 updated%'") == 0  # nothing else changed
        assert prompts(hypotheses)[0] == "1. H1  CONFIRMED v2.41.0 leaks DB connections"
        assert " ★ " in last_line(app) and "Hypothesis H1 confirmed: v2.41.0 leaks DB connections" in last_line(app)

        # `[` twice moves the third hypothesis to the top; `]` moves it back down one.
        assert app.focused is hypotheses
        await pilot.press("end")
        assert hypotheses.highlighted == 2

        def ranks() -> dict[str, int]:
            return {r["statement"]: r["rank"] for r in query(db_path, "SELECT statement, rank FROM hypotheses")}

        await pilot.press("left_square_bracket")
        await wait_until(pilot, lambda: ranks()["Cache stampede after the flush"] == 2, "rank 2")
        await pilot.press("left_square_bracket")
        await wait_until(pilot, lambda: ranks()["Cache stampede after the flush"] == 1, "rank 1")
        assert ranks() == {
            "Cache stampede after the flush": 1,
            "v2.41.0 leaks DB connections": 2,
            "Database primary is degraded": 3,
        }
        await wait_until(
            pilot, lambda: prompts(hypotheses)[0].endswith("Cache stampede after the flush"), "the list reordered"
        )
        # Re-ranking moves the rank, never the name: the third written stays H3 at the top.
        assert prompts(hypotheses) == [
            "1. H3  OPEN      Cache stampede after the flush",
            "2. H1  CONFIRMED v2.41.0 leaks DB connections",
            "3. H2  OPEN      Database primary is degraded",
        ]
        assert hypotheses.highlighted == 0  # the highlight follows the moved hypothesis
        await pilot.press("right_square_bracket")
        await wait_until(pilot, lambda: ranks()["Cache stampede after the flush"] == 2, "rank back to 2")
        assert ranks()["v2.41.0 leaks DB connections"] == 1
        await wait_until(
            pilot, lambda: prompts(hypotheses)[1].endswith("Cache stampede after the flush"), "the list reordered again"
        )
        assert hypotheses.highlighted == 1


# -- containment ----------------------------------------------------------------------------------


async def test_containment_keys_do_nothing_while_the_checklist_is_hidden(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app, size=(40, 12)) as pilot:
        await pilot.pause()
        await pilot.press("x", "space", "space")
        await settle(pilot)
        assert not isinstance(app.focused, ContainmentList)
    assert count(db_path, "containment", "state != 'pending'") == 0


async def test_containment_checklist(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        checklist = war_room(app).query_one("#containment", ContainmentList)
        await pilot.press("x")
        assert app.focused is checklist and checklist.highlighted == 0
        rollback = one(db_path, "SELECT id FROM containment WHERE action = 'Rollback deployment'")["id"]

        def action() -> dict:
            return one(db_path, "SELECT * FROM containment WHERE id = ?", rollback)

        # space: pending -> in progress -> done -> pending; n/a has its own key, never reached through done.
        steps = [
            (
                "space",
                "in_progress",
                "[~] Rollback deployment  in progress by tester 03:14",
                "pending → in progress",
                0,
            ),
            ("space", "done", "[x] Rollback deployment  done by tester 03:14", "in progress → done", 1),
            ("space", "pending", "[ ] Rollback deployment  Problem started after a deploy", "done → pending", 0),
            (
                "0",
                "not_applicable",
                "[-] Rollback deployment  not applicable by tester 03:14",
                "pending → not applicable",
                0,
            ),
            (
                "space",
                "pending",
                "[ ] Rollback deployment  Problem started after a deploy",
                "not applicable → pending",
                0,
            ),
        ]
        for number, (key, state, shown, change, key_moment) in enumerate(steps, start=1):
            await pilot.press(key)
            await wait_until(
                pilot,
                lambda s=state, p=shown, n=number: (
                    action()["state"] == s
                    and prompts(checklist)[0] == p
                    and count(db_path, "events", "kind = 'containment'") == n
                ),
                f"state {state}",
            )
            row = action()
            if state != "pending":
                assert (row["changed_by"], row["changed_at"]) == ("tester", NOW_ISO)
            logged = query(db_path, "SELECT * FROM events WHERE kind = 'containment' ORDER BY id")
            assert len(logged) == number
            assert logged[-1]["text"] == f"Rollback deployment: {change}"
            assert (logged[-1]["author"], logged[-1]["key_moment"]) == ("tester", key_moment)
            assert f"Rollback deployment: {change}" in " ".join(shown_lines(app))
            if number == 1:
                assert one(db_path, "SELECT phase FROM incidents")["phase"] == "Containment"
                assert header(app, "phase").startswith("Containment (minutes 5-15")
                assert count(db_path, "events", "text = 'Phase Detection & Triage → Containment'") == 1
        assert checklist.highlighted == 0 and app.focused is checklist

        await pilot.press("down", "space")
        await wait_until(
            pilot, lambda: prompts(checklist)[1].startswith("[~] Feature flag disable"), "the second action in progress"
        )
        assert (
            one(db_path, "SELECT state FROM containment WHERE action = 'Feature flag disable'")["state"]
            == "in_progress"
        )

        await pilot.press("plus")
        assert isinstance(app.screen, AddContainmentScreen)
        await paste_text(pilot, "Drain eu-west-1")
        await pilot.press("tab")
        await paste_text(pilot, "Region degraded")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: len(checklist.options) == 7, "the custom action")
        custom = one(db_path, "SELECT * FROM containment WHERE custom = 1")
        assert (custom["action"], custom["when_to_use"], custom["position"], custom["state"]) == (
            "Drain eu-west-1",
            "Region degraded",
            7,
            "pending",
        )
        assert count(db_path, "events", "text = 'Containment action added: Drain eu-west-1'") == 1
        assert prompts(checklist)[6] == "[ ] Drain eu-west-1  Region degraded"


# -- severity, status, roles ----------------------------------------------------------------------


async def test_severity_change(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("s")
        screen = app.screen
        assert isinstance(screen, SeverityScreen)
        options = screen.query_one(OptionList)
        assert options.highlighted == 1 and prompts(options)[1].startswith("SEV-2")
        await pilot.press("down", "escape")  # cancelled: nothing changes
        await settle(pilot)
        assert one(db_path, "SELECT severity FROM incidents")["severity"] == 2 and header(app, "severity") == "SEV-2"

        await pilot.press("s", "up", "enter")
        await wait_until(pilot, lambda: header(app, "severity") == "SEV-1", "the header badge")
        assert one(db_path, "SELECT severity FROM incidents")["severity"] == 1
        change = one(db_path, "SELECT * FROM events WHERE kind = 'severity_change'")
        assert (change["text"], change["author"], change["key_moment"]) == ("Severity SEV-2 → SEV-1", "tester", 1)
        badge = war_room(app).query_one("#header #severity")
        assert badge.has_class("sev-1") and not badge.has_class("sev-2")
        assert header(app, "response").startswith("response Immediate")
        assert "Severity SEV-2 → SEV-1" in last_line(app)


async def test_status_change_stamps_milestones(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("a")
        screen = app.screen
        assert isinstance(screen, StatusScreen)
        assert prompts(screen.query_one(OptionList)) == [
            "Investigating (1)",
            "Identified (2)",
            "Monitoring (3)",
            "Resolved (4)",
        ]
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: header(app, "status") == "Identified", "the header status")
        row = one(db_path, "SELECT * FROM incidents")
        # Identified during triage: containment ("stop the bleeding") comes before the fix.
        assert (row["status"], row["identified_at"], row["phase"]) == ("Identified", NOW_ISO, "Containment")
        texts = [e["text"] for e in query(db_path, "SELECT text FROM events ORDER BY id")]
        assert texts[-3:] == [
            "Status Investigating → Identified",
            "Root cause identified",
            "Phase Detection & Triage → Containment",
        ]
        assert header(app, "phase").startswith("Containment")

        clock.advance(minutes=10)
        await pilot.press("a", "down", "down", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmResolveScreen), "the confirmation")
        await pilot.press("enter")
        await wait_until(pilot, lambda: header(app, "status") == "Resolved", "resolved in the header")
        row = one(db_path, "SELECT * FROM incidents")
        assert row["resolved_at"] == "2026-11-27T03:24:30.000Z" and row["identified_at"] == NOW_ISO
        assert header(app, "next-update") == "post-mortem due in 2d 00h"
        assert header(app, "elapsed") == "elapsed 30m 00s"


async def test_a_digit_chooses_the_same_status_whatever_the_status_is_now(store, db_path, clock, incident) -> None:
    """The arrow keys move from the current status (and wrap round), so `Down Down Down` means
    Resolved only from Investigating; `3` is Monitoring and `4` Resolved from anywhere, and digits
    typed in the time field are the time."""
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("a", "3", "enter")
        await wait_until(pilot, lambda: header(app, "status") == "Monitoring", "Monitoring")
        clock.advance(minutes=10)
        await pilot.press("a")
        assert isinstance(app.screen, StatusScreen)
        assert prompts(app.screen.query_one(OptionList))[3] == "Resolved (4)"
        await pilot.press("4", "tab", "ctrl+u", *"-2m", "ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmResolveScreen), "the confirmation")
        await pilot.press("enter")
        await wait_until(pilot, lambda: header(app, "status") == "Resolved", "Resolved")
        row = one(db_path, "SELECT status, resolved_at FROM incidents")
        assert row == {"status": "Resolved", "resolved_at": to_iso(NOW + timedelta(minutes=8))}


async def test_a_digit_chooses_the_severity_of_that_number_in_the_form_and_the_dialog(store, db_path, clock) -> None:
    """In the new-incident form's severity list and in `s`, `1`–`4` mean SEV-1–SEV-4 wherever the
    highlight starts; a digit typed in a text field is text."""
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, NewIncidentScreen)
        await type_text(pilot, "Checkout 2 down")
        await pilot.press("tab", "1", "ctrl+s")
        await wait_until(pilot, lambda: count(db_path, "incidents") == 1, "the incident")
        assert one(db_path, "SELECT title, severity FROM incidents") == {"title": "Checkout 2 down", "severity": 1}
        await pilot.press("escape", "s")
        assert isinstance(app.screen, SeverityScreen)
        await pilot.press("3", "enter")
        await wait_until(pilot, lambda: one(db_path, "SELECT severity FROM incidents")["severity"] == 3, "SEV-3")


async def test_a_time_typed_in_the_status_dialog_and_left_is_not_brought_back(store, db_path, clock, incident) -> None:
    """Escape after typing a time in the status dialog: the next `a 3` offers the milestone's
    default time (now), not the time typed for another occasion."""
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("a", "3", "tab", "ctrl+u", *"-1d", "escape")
        await settle(pilot)
        clock.advance(minutes=5)
        for key in ("a", "3"):  # one burst, as typed fast
            app.post_message(events.Key(key, key))
        await settle(pilot)
        assert app.screen.query_one("#stamp", Input).value == "now"
        await pilot.press("enter")
        await wait_until(pilot, lambda: header(app, "status") == "Monitoring", "Monitoring")
        assert one(db_path, "SELECT mitigated_at FROM incidents")["mitigated_at"] == to_iso(NOW + timedelta(minutes=5))


async def test_a_tab_typed_right_behind_the_key_that_opens_a_dialog_keeps_its_focus(store, clock, incident) -> None:
    """Typed fast from a real terminal, `a 3 Tab 14:52Z` can reach the dialog before its own
    opening focus was applied: that focus, deferred, then pulled the focus back to the list, and
    the time's digits chose statuses there. The dialog focuses its list as it mounts, at once."""
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        screen = StatusScreen(Status.INVESTIGATING, {}, now=NOW)
        await app.push_screen(screen)  # mounted; anything it deferred has not run yet
        screen.query_one(OptionList).highlighted = 2  # Monitoring: its time field takes keys
        screen.set_focus(screen.query_one("#stamp", Input))  # the Tab, handled first
        await pilot.pause()
        await pilot.pause()
        assert screen.focused is screen.query_one("#stamp", Input)


async def test_keys_held_behind_a_binding_stay_ahead_of_keys_typed_after_them(store, db_path, clock, incident) -> None:
    """From a terminal `a 4 Tab` came in one read and `-1m ctrl+s` in the next: the first keys,
    held behind the dialog `a` opened, were queued again behind the later ones, so the `1` reached
    the status list before the Tab that leaves it and the incident went back to Investigating.
    Held keys keep their turn: the time goes into the time field and Resolved is saved with it."""
    store.set_status(incident.id, Status.MONITORING, author="ann")
    clock.advance(minutes=5)
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        for key, character in [("a", "a"), ("4", "4"), ("tab", "\t"), ("ctrl+u", None)]:
            app.post_message(events.Key(key, character))
        for _ in range(1000):  # the next read arrives once `a` has been handled
            if app._holding_keys:
                break
            await asyncio.sleep(0)
        for key, character in [("minus", "-"), ("1", "1"), ("m", "m"), ("ctrl+s", None)]:
            app.post_message(events.Key(key, character))
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmResolveScreen), "the confirmation")
        await pilot.press("enter")
        await wait_until(pilot, lambda: header(app, "status") == "Resolved", "Resolved")
        assert one(db_path, "SELECT resolved_at FROM incidents")["resolved_at"] == to_iso(NOW + timedelta(minutes=4))
        assert count(db_path, "events", "text = 'Status Monitoring → Investigating'") == 0


async def test_roles_assignment_and_acknowledged_milestone(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        assert header(app, "response") == "response < 30 min: 10m 00s left"
        await pilot.press("r")
        assert isinstance(app.screen, RolesScreen)
        assert app.focused.id == "commander"
        for name in ("dana", "lee", "sam", "kim"):
            await type_text(pilot, name)
            await pilot.press("tab")
        await pilot.press("ctrl+s")
        await wait_until(
            pilot,
            lambda: (
                one(db_path, "SELECT tech_lead FROM incidents")["tech_lead"] == "kim"
                and header(app, "response").endswith("met")
            ),
            "the roles",
        )
        row = one(db_path, "SELECT * FROM incidents")
        assert (row["commander"], row["scribe"], row["comms_lead"], row["tech_lead"]) == ("dana", "lee", "sam", "kim")
        assert row["acknowledged_at"] == NOW_ISO
        texts = [e["text"] for e in query(db_path, "SELECT text FROM events WHERE author = 'tester' ORDER BY id")]
        assert texts == ["Incident commander: dana", "Acknowledged", "Scribe: lee", "Comms lead: sam", "Tech lead: kim"]
        assert header(app, "response") == "response < 30 min: met"

        # Changing the commander later does not move the acknowledged time.
        clock.advance(minutes=5)
        await pilot.press("r")
        assert app.screen.query_one("#commander", Input).value == "dana"
        await type_text(pilot, "ravi")
        await pilot.press("ctrl+s")
        await wait_until(
            pilot, lambda: one(db_path, "SELECT commander FROM incidents")["commander"] == "ravi", "the new commander"
        )
        assert one(db_path, "SELECT acknowledged_at FROM incidents")["acknowledged_at"] == NOW_ISO
        assert count(db_path, "events", "text = 'Incident commander: ravi (was dana)'") == 1
        await wait_until(pilot, lambda: "Incident commander: ravi (was dana)" in last_line(app), "the role line")


async def test_roles_back_dated_in_a_replay_are_recorded_when_they_changed_hands(
    store, db_path, clock, incident
) -> None:
    """The roles dialog's time field dates the hand-over (and the acknowledgement it makes), and a
    time before the incident began is shown in full and saved only on the second ctrl+s."""
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("r")
        assert isinstance(app.screen, RolesScreen)
        await type_text(pilot, "dana")
        await pilot.press("tab", "tab", "tab", "tab")
        assert app.focused.id == "at"
        await type_text(pilot, "-10m")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: one(db_path, "SELECT commander FROM incidents")["commander"] == "dana", "dana")
        ten_minutes_ago = to_iso(NOW - timedelta(minutes=10))
        assert one(db_path, "SELECT acknowledged_at FROM incidents")["acknowledged_at"] == ten_minutes_ago
        assert one(db_path, "SELECT occurred_at FROM events WHERE text = 'Incident commander: dana'")[
            "occurred_at"
        ] == (ten_minutes_ago)

        await pilot.press("r", "tab")
        await type_text(pilot, "lee")
        await pilot.press("tab", "tab", "tab")
        await type_text(pilot, "-25m")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, RolesScreen)  # before the incident began: shown, not saved yet
        assert "before the incident began" in str(app.screen.query_one("#form-error", Label).render())
        assert one(db_path, "SELECT scribe FROM incidents")["scribe"] == ""
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: one(db_path, "SELECT scribe FROM incidents")["scribe"] == "lee", "lee")
        assert one(db_path, "SELECT occurred_at FROM events WHERE text = 'Scribe: lee'")["occurred_at"] == to_iso(
            NOW - timedelta(minutes=25)
        )


async def test_on_a_short_terminal_the_field_in_focus_and_the_error_line_are_in_sight(
    store, db_path, clock, incident
) -> None:
    """At 80x24 the roles dialog is taller than the terminal: its fields scroll, so the time field
    Tab reaches and the line saying why ctrl+s did not save are on screen, not under the buttons."""
    app = console(store, clock)
    async with run(app, size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await type_text(pilot, "dana")
        await pilot.press("tab", "tab", "tab", "tab")
        await pilot.pause()
        at = app.screen.query_one("#at", Input)
        assert app.screen.get_widget_at(at.region.x + 2, at.region.y + 1)[0] is at
        await type_text(pilot, "-2d")
        await pilot.press("ctrl+s")
        error = app.screen.query_one("#form-error", Label)
        await wait_until(pilot, lambda: "before the incident began" in str(error.render()), "the question")
        await pilot.pause()
        assert app.screen.get_widget_at(error.region.x, error.region.y)[0] is error
        assert one(db_path, "SELECT commander FROM incidents")["commander"] == ""


async def test_on_a_short_terminal_tab_reaches_the_fields_below_the_fold(store, db_path, clock, incident) -> None:
    """At 80x24 the containment dialog scrolls; Tab from its state goes to the time field under it,
    not to the buttons first: typed there, `-20m` is the time (as digits on the state they chose
    states), and the step is recorded done 20 minutes ago."""
    app = console(store, clock)
    async with run(app, size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("x", "enter")
        await settle(pilot)
        await pilot.press("tab", "tab", "3", "tab")
        assert app.focused is app.screen.query_one("#at", Input)
        await type_text(pilot, "-20m")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: count(db_path, "events", "kind = 'containment'") == 1, "the change")
        row = one(db_path, "SELECT occurred_at, text FROM events WHERE kind = 'containment'")
        assert row["occurred_at"] == to_iso(NOW - timedelta(minutes=20))
        assert "→ done" in row["text"]


# -- status update, post-mortem, incidents list ---------------------------------------------------


async def test_status_update_is_recorded_exactly_and_copied(store, db_path, clock, incident, monkeypatch) -> None:
    monkeypatch.setenv("TMUX", "/tmp/tmux-0/default,1,0")  # no system clipboard, a session where OSC 52 may work
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        assert header(app, "next-update") == "next update in 12m 00s"  # SEV-2: every 30 min from declared
        await pilot.press("u")  # the composer opens once the record is read (on the reader thread)
        await wait_until(pilot, lambda: isinstance(app.screen, StatusUpdateScreen), "the composer")
        screen = app.screen
        fields = {
            name: screen.query_one(f"#{name}", Input).value
            for name in ("status", "impact", "current_action", "eta", "next_update")
        }
        assert fields == {
            "status": "Investigating",
            "impact": "All users paying by card — 30% of POST /checkout fail",
            "current_action": "Investigating",
            "eta": "Unknown",
            "next_update": "03:44 UTC",
        }
        preview = screen.query_one("#preview", TextArea)
        assert preview.text == status_update_markdown(screen.current_draft())
        assert preview.text.startswith(f"## Status Update: {TITLE}\n**Status:** Investigating\n")

        screen.query_one("#eta", Input).focus()
        await type_text(pilot, "30 minutes")  # replaces the selected "Unknown"
        await wait_until(pilot, lambda: "**ETA:** 30 minutes" in preview.text, "the preview redrafted")
        text = preview.text
        await pilot.press("ctrl+s")
        await wait_until(
            pilot,
            lambda: count(db_path, "status_updates") == 1 and header(app, "next-update") == "next update in 29m 30s",
            "the status update",
        )  # to 03:44, as promised
        row = one(db_path, "SELECT * FROM status_updates")
        assert row["text"] == text
        assert (row["status"], row["impact"], row["eta"], row["format"], row["author"], row["sent_at"]) == (
            "Investigating",
            "All users paying by card — 30% of POST /checkout fail",
            "30 minutes",
            "markdown",
            "tester",
            NOW_ISO,
        )
        logged = one(db_path, "SELECT * FROM events WHERE kind = 'status_update'")
        assert logged["text"] == f"Status update sent:\n{text}" and logged["author"] == "tester"
        await wait_until(pilot, lambda: app.clipboard == text, "OSC 52")  # what copy_to_clipboard sent
        await wait_until(
            pilot, lambda: any("Sent to your terminal's clipboard (OSC 52)" in t for t in toasts(app)), "where it went"
        )
        assert "Status update sent: ⏎ ## Status Update: Checkout API" in last_line(app)


async def test_post_mortem_draft(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        before = count(db_path, "events")
        await pilot.press("p")  # the editor opens once the record is read (on the reader thread)
        await wait_until(pilot, lambda: isinstance(app.screen, PostMortemScreen), "the editor")
        screen = app.screen  # the editor: tests/test_postmortem.py
        assert f"{incident.ref}: {TITLE}" in str(screen.query_one("#pm-title").render())
        assert "Incident declared" in screen.query_one("#generated-timeline", Markdown).source
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, WarRoomScreen), "the war room")
        await settle(pilot)
        assert count(db_path, "events") == before  # reading the draft writes nothing
        assert count(db_path, "postmortem_sections") == 0


async def test_incidents_list_switches_the_war_room(store, db_path, clock, incident) -> None:
    other = store.create_incident("Search index lagging", Severity.SEV3, author="ops", now=NOW - timedelta(minutes=5))
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        assert header(app, "ref") == other.ref  # the most recent open one
        await pilot.press("i")
        screen = app.screen
        assert isinstance(screen, IncidentsScreen)
        table = screen.query_one("#incident-table", IncidentList)
        listed = [[cell.plain.strip() for cell in table.get_row_at(row)] for row in range(table.row_count)]
        assert [row[:4] for row in listed] == [
            [other.ref, "Search index lagging", "SEV-3", "Investigating"],
            [incident.ref, TITLE, "SEV-2", "Investigating"],
        ]
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: header(app, "ref") == incident.ref, "the switch")
        assert isinstance(app.screen, WarRoomScreen)
        assert header(app, "title") == TITLE
        assert timeline(app).count == count(db_path, "events", "incident_id = ?", incident.id)
        assert f"Incident declared: SEV-2 {TITLE}" in last_line(app)

        # What is logged now goes to the chosen incident.
        await pilot.press("t")
        await paste_text(pilot, "Back on checkout")
        await pilot.press("enter")
        await wait_until(pilot, lambda: count(db_path, "events", "text = 'Back on checkout'") == 1, "the entry")
        assert (
            one(db_path, "SELECT incident_id FROM events WHERE text = 'Back on checkout'")["incident_id"] == incident.id
        )


# -- help and the command palette -----------------------------------------------------------------


def rendered(renderable) -> str:
    output = Console(width=120, file=io.StringIO(), record=True, color_system=None)
    output.print(renderable)
    return output.export_text()


async def test_help_lists_every_key(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("f1")
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        text = "\n".join(rendered(static.content) for static in screen.query(Static))
        rows = [line.strip() for line in text.splitlines()]
        for key in "nthxsarupi":
            assert any(re.match(rf"{key}\s{{2,}}\S", row) for row in rows), f"key {key} not in the help"
        for key in (
            "tab / shift+tab",
            "space",
            "+ (containment)",
            "[ and ]",
            "enter (timeline)",
            "ctrl+p",
            "f1",
            "ctrl+q",
            "esc",
        ):
            assert any(row.startswith(key) for row in rows), f"{key!r} not in the help"
        assert "/action /decision /alert /evidence" in text and "@-5m" in text
        await pilot.press("escape")
        assert isinstance(app.screen, WarRoomScreen)
        assert count(db_path, "events") == 2


async def test_command_palette_runs_a_war_room_command(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await type_text(pilot, "Severity")
        palette = app.screen

        def hits() -> list[str]:
            return prompts(palette.query_one("CommandList"))

        await wait_until(pilot, lambda: any(hit.startswith("Severity") for hit in hits()), "the Severity command")
        assert "Change the severity (key: s)" in next(hit for hit in hits() if hit.startswith("Severity"))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, SeverityScreen), "the severity screen")
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: header(app, "severity") == "SEV-3", "the header badge")
        assert one(db_path, "SELECT severity FROM incidents")["severity"] == 3


async def test_ctrl_q_quits_even_from_the_entry_line(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await paste_text(pilot, "Handing over to the day shift")
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: count(db_path, "events", "text = 'Handing over to the day shift'") == 1, "the entry"
        )
        await type_text(pilot, "unsent")
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0
    assert count(db_path, "events", "text LIKE '%unsent%'") == 0
    # The writer's connection was closed: the file is free for another writer straight away.
    with Store.open(db_path) as after:
        after.add_event(incident.id, "after the console quit")
    assert count(db_path, "events", "text = 'after the console quit'") == 1


# -- user text is data ----------------------------------------------------------------------------


async def test_markup_is_data_and_pasted_control_sequences_never_reach_the_record(store, db_path, clock) -> None:
    """Rich markup is kept and shown literally. Terminal control sequences in a paste are removed
    before any editor sees them (an editor would echo them to the terminal); what reaches the
    store is exactly what the editor held."""
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, NewIncidentScreen)
        paste(app, HOSTILE)
        await pilot.pause()
        title_input = app.screen.query_one("#title", Input)
        assert title_input.value == HOSTILE_SHOWN
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: count(db_path, "incidents") == 1 and header(app, "ref"), "the incident")
        assert one(db_path, "SELECT title FROM incidents")["title"] == HOSTILE_SHOWN
        assert header(app, "title") == HOSTILE_SHOWN
        declared = line_at(app, 1)
        assert f"Incident declared: SEV-2 {HOSTILE_SHOWN}" in declared

        entry_text = f"{MARKUP} \x1b[31mred\x1b[0m \x1b]0;pwn\x07after"
        assert isinstance(app.focused, EntryLine)  # declaring an incident lands in the entry line
        paste(app, entry_text)
        await pilot.pause()
        entry = app.screen.query_one("#entry", EntryLine)
        assert entry.value == f"{MARKUP} red after"
        assert "\x1b" not in entry.render_line(0).text
        await pilot.press("enter")
        await wait_until(pilot, lambda: count(db_path, "events") == 3 and entry.value == "", "the entry")
        assert one(db_path, "SELECT text FROM events WHERE id = 3")["text"] == f"{MARKUP} red after"
        shown = last_line(app)
        assert f"{MARKUP} red after" in shown
        assert "\x1b" not in shown and "pwn" not in shown

        # The event screen and the incidents list show it as text too.
        await pilot.press("escape", "enter")
        assert isinstance(app.screen, EventDetailScreen)
        assert str(app.screen.query_one("#event-text", Static).content) == f"{MARKUP} red after"
        await pilot.press("e")
        assert isinstance(app.screen, EventScreen)
        assert app.screen.query_one("#text", TextArea).text == f"{MARKUP} red after"
        await pilot.press("ctrl+s")  # nothing changed by the user: nothing is written
        await settle(pilot)
        assert count(db_path, "event_revisions") == 0
        await pilot.press("i")
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentsScreen), "the incidents screen")
        shown = app.screen.query_one("#incident-table", IncidentList).render_line(1).text  # below the header
        assert HOSTILE_SHOWN in shown and "\x1b" not in shown


async def test_text_stored_with_control_sequences_is_shown_without_them(store, db_path, clock, incident) -> None:
    """Text that came in another way (the CLI, an import) is stored exactly and shown safely."""
    store.add_event(incident.id, HOSTILE, author="cli")
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        shown = last_line(app)
        assert HOSTILE_SHOWN in shown and "\x1b" not in shown and "pwn" not in shown
    assert one(db_path, "SELECT text FROM events WHERE author = 'cli'")["text"] == HOSTILE


async def test_a_pasted_block_of_lines_is_logged_whole(store, db_path, clock, incident) -> None:
    """An Input keeps only the first line of a paste; the console offers the whole block instead."""
    block = "\n".join(f"2026-11-27 03:0{n % 10}:00 ERROR pool exhausted \x1b[31m#{n}\x1b[0m" for n in range(3000))
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("t")
        paste(app, block)
        await wait_until(pilot, lambda: isinstance(app.screen, PasteScreen), "the paste dialog")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: count(db_path, "events", "kind = 'evidence'") == 1, "the pasted entry")
    stored = one(db_path, "SELECT text FROM events WHERE kind = 'evidence'")["text"]
    assert stored.count("\n") == 2999
    assert stored.endswith("ERROR pool exhausted #2999") and "\x1b" not in stored


# -- resizing -------------------------------------------------------------------------------------

# The range, 40x12 to 250x80, its corners and the layout breakpoints (120 and 60 columns, 20 rows).
SIZES = [(160, 48), (80, 24), (40, 12), (250, 80), (119, 19), (60, 20), (250, 12), (40, 80), (120, 40)]
MODALS = [
    (("n",), NewIncidentScreen),
    (("s",), SeverityScreen),
    (("a",), StatusScreen),
    (("r",), RolesScreen),
    (("h",), HypothesisScreen),
    (("u",), StatusUpdateScreen),
    (("p",), PostMortemScreen),
    (("i",), IncidentsScreen),
    (("f1",), HelpScreen),
    (("enter",), EventDetailScreen),
    (("enter", "e"), EventScreen),
    (("ctrl+p",), CommandPalette),
    (("x", "plus"), AddContainmentScreen),
]


async def test_resizing_the_war_room_and_every_modal(store, db_path, clock, incident) -> None:
    store.add_event(incident.id, "Last thing that happened", author="lee")
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        events_before = count(db_path, "events")

        def timeline_is_there() -> None:
            view = timeline(app)
            assert view.region.width > 0 and view.region.height > 0
            assert view.count == events_before
            assert last_line(app).startswith("03:14:30")

        for size in SIZES:
            await pilot.resize_terminal(*size)
            assert app.size == size
            timeline_is_there()
            await pilot.press("g")  # the next signal tab draws at this size too
        for keys, modal in MODALS:
            # Each modal opens at the size the last one left, then goes through the others.
            if keys[0] == "x" and war_room(app).has_class("-tiny"):
                await pilot.resize_terminal(160, 48)  # the checklist is hidden on a tiny terminal
            start = SIZES.index(tuple(app.size))
            timeline(app).focus()
            await pilot.press(*keys)
            assert isinstance(app.screen, modal), (keys, app.size)
            for size in SIZES[start + 1 :] + SIZES[:start]:
                await pilot.resize_terminal(*size)
                assert app.is_running and isinstance(app.screen, modal) and app.size == size
            await pilot.press("escape")
            await wait_until(pilot, lambda: isinstance(app.screen, WarRoomScreen), f"{modal.__name__} closed")
            timeline_is_there()
        assert count(db_path, "events") == events_before

        # At 40x12 only the timeline and its entry line are left, and they still work.
        await pilot.resize_terminal(40, 12)
        assert war_room(app).has_class("-tiny")
        assert not war_room(app).query_one("#hypotheses-pane").display
        await pilot.press("t")
        await paste_text(pilot, "tiny screen entry")
        await pilot.press("enter")
        await wait_until(pilot, lambda: count(db_path, "events", "text = 'tiny screen entry'") == 1, "the entry")
        await wait_until(pilot, lambda: "tiny screen entry" in last_line(app), "the line")


# -- failed writes --------------------------------------------------------------------------------


def fail_once(monkeypatch, name: str, *, after_original: bool = False) -> list[int]:
    """Make `Store.<name>` raise WriteFailed('disk full') on its next call (optionally after doing its work)."""
    original = getattr(Store, name)
    calls: list[int] = []

    def failing(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            if after_original:
                original(self, *args, **kwargs)
            raise WriteFailed("disk full")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Store, name, failing)
    return calls


async def test_a_failed_entry_keeps_the_text_for_a_retry(store, db_path, clock, incident, monkeypatch) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        calls = fail_once(monkeypatch, "add_event")
        before = count(db_path, "events")
        await pilot.press("t")
        await paste_text(pilot, "Rolled back to v41")
        await pilot.press("enter")
        await wait_until(pilot, lambda: any("disk full" in toast for toast in toasts(app)), "the error")
        assert any(toast.startswith("Not saved") for toast in toasts(app))
        entry = app.screen.query_one("#entry", EntryLine)
        assert entry.value == "Rolled back to v41" and app.focused is entry
        assert count(db_path, "events") == before and timeline(app).count == before
        assert calls == [1]

        await pilot.press("enter")  # retry
        await wait_until(pilot, lambda: entry.value == "" and timeline(app).count == before + 1, "the retry")
        assert count(db_path, "events", "text = 'Rolled back to v41'") == 1
        assert "Rolled back to v41" in last_line(app)


async def test_a_write_failing_half_way_leaves_nothing_behind(store, db_path, clock, incident, monkeypatch) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        checklist = war_room(app).query_one("#containment", ContainmentList)
        # The containment row is updated, then writing its timeline event fails: all of it is rolled back.
        fail_once(monkeypatch, "_event", after_original=True)
        await pilot.press("x", "space")
        await wait_until(pilot, lambda: any("disk full" in toast for toast in toasts(app)), "the error")
        row = one(db_path, "SELECT * FROM containment WHERE action = 'Rollback deployment'")
        assert (row["state"], row["changed_by"], row["changed_at"]) == ("pending", "", None)
        assert count(db_path, "events", "kind = 'containment'") == 0
        assert one(db_path, "SELECT phase FROM incidents")["phase"] == "Detection & Triage"
        assert prompts(checklist)[0].startswith("[ ] Rollback deployment")

        await pilot.press("space")
        await wait_until(pilot, lambda: prompts(checklist)[0].startswith("[~] Rollback deployment"), "the retry")
        assert (
            one(db_path, "SELECT state FROM containment WHERE action = 'Rollback deployment'")["state"] == "in_progress"
        )
        assert count(db_path, "events", "kind = 'containment'") == 1
