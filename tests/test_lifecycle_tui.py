"""The console's side of issue #11, driven headless with Pilot: a resolved incident under review
takes corrections (an event's text, the title and triage fields), each kept as a revision or a
timeline note, and still refuses new entries; the Details dialog (d); the severity's reason.

Each test checks what the screen shows and what the SQLite file holds (read with a connection of
our own).
"""

from __future__ import annotations

from textual.widgets import Input, Label, OptionList, TextArea
from tui_support import (
    NOW_ISO,
    Clock,
    console,
    count,
    header,
    last_line,
    one,
    paste_text,
    query,
    run,
    settle,
    shown_lines,
    timeline,
    toasts,
    wait_until,
    war_room,
)

from ir_console.model import Incident, Status
from ir_console.store import Store
from ir_console.tui.dialogs.details import DetailsScreen
from ir_console.tui.dialogs.event import EventScreen
from ir_console.tui.dialogs.event_detail import EventDetailScreen
from ir_console.tui.dialogs.severity import SeverityScreen
from ir_console.tui.screens.war_room import WarRoomScreen

REFUSED = "Corrections are allowed (Enter on an event, d); o reopens it."


async def open_review(pilot, db_path, clock: Clock, incident: Incident) -> None:
    """Another console resolves the incident; this one shows its review within a second."""
    await pilot.pause()
    with Store.open(db_path, clock=clock) as other:
        other.set_status(incident.id, Status.RESOLVED, author="dana")
    await wait_until(pilot, lambda: war_room(pilot.app).has_class("-review"), "the review")


def banner(app) -> str:
    return str(war_room(app).query_one("#review-banner", Label).render())


async def test_correcting_an_event_under_review_keeps_a_revision(store, db_path, clock, incident) -> None:
    wrong = store.add_event(incident.id, "Pager fired at 02:54", author="lee")
    app = console(store, clock)
    async with run(app) as pilot:
        await open_review(pilot, db_path, clock, incident)
        assert "corrections are kept as revisions" in banner(app)
        view = timeline(app)
        view.show_event(wrong.id)
        view.focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, EventDetailScreen), "the event, to read")
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, EventScreen), "the event dialog")
        assert app.screen.event.id == wrong.id
        assert any("a correction here is kept as a revision" in t for t in toasts(app))
        app.screen.query_one("#text", TextArea).text = "Pager fired at 02:51"
        await pilot.press("ctrl+s")
        await wait_until(
            pilot,
            lambda: one(db_path, "SELECT text FROM events WHERE id = ?", wrong.id)["text"] == "Pager fired at 02:51",
            "the correction in the database",
        )
        row = one(db_path, "SELECT * FROM events WHERE id = ?", wrong.id)
        assert (row["revision"], row["edited_at"], row["author"]) == (2, NOW_ISO, "lee")
        old = one(db_path, "SELECT * FROM event_revisions WHERE event_id = ?", wrong.id)
        assert (old["revision"], old["text"], old["replaced_by"], old["replaced_at"]) == (
            1,
            "Pager fired at 02:54",
            "tester",
            NOW_ISO,
        )
        assert one(db_path, "SELECT status FROM incidents")["status"] == "Resolved"  # still under review
        await wait_until(
            pilot,
            lambda: any("✎ Pager fired at 02:51" in line for line in shown_lines(app)),
            "the corrected line, marked edited",
        )
        assert not any(REFUSED in t for t in toasts(app))


async def test_triage_corrections_under_review_and_new_entries_still_refused(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await open_review(pilot, db_path, clock, incident)
        events = count(db_path, "events")

        # A new entry is refused with the rule's reason, and nothing is written.
        await pilot.press("t", *"late", "enter")
        await wait_until(
            pilot,
            lambda: any("a new entry is refused" in t and REFUSED in t for t in toasts(app)),
            "the refusal of the entry",
        )
        app.clear_notifications()
        await pilot.press("escape", "h")
        await wait_until(
            pilot, lambda: any("a new hypothesis is refused" in t for t in toasts(app)), "the refusal of the hypothesis"
        )
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen) and count(db_path, "events") == events

        # d opens the details; corrections are saved, each a note saying old → new.
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, DetailsScreen), "the details dialog")
        assert "corrections are kept" in str(app.screen.query_one(".dialog-title", Label).render())
        assert app.focused is app.screen.query_one("#title", Input)
        app.screen.query_one("#affected", Input).value = "EU card payers"
        app.screen.query_one("#changed", Input).value = "Deploy v2.41.0 and a pool-size config change"
        await pilot.press("ctrl+s")
        await wait_until(
            pilot,
            lambda: one(db_path, "SELECT affected FROM incidents")["affected"] == "EU card payers",
            "the corrected triage",
        )
        row = one(db_path, "SELECT * FROM incidents")
        assert (row["changed"], row["status"], row["title"]) == (
            "Deploy v2.41.0 and a pool-size config change",
            "Resolved",
            "Checkout API returning 500s",
        )
        notes = query(db_path, "SELECT text, author, kind FROM events ORDER BY id")[events:]
        assert notes == [
            {"text": "Who's affected? All users paying by card → EU card payers", "author": "tester", "kind": "note"},
            {
                "text": "What changed recently? Deploy v2.41.0 → Deploy v2.41.0 and a pool-size config change",
                "author": "tester",
                "kind": "note",
            },
        ]


async def test_details_dialog_edits_the_title_and_cancelling_changes_nothing(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        events = count(db_path, "events")
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, DetailsScreen), "the details dialog")
        dialog = app.screen
        assert [
            dialog.query_one(f"#{name}", Input).value
            for name in ("title", "reporter", "happening", "affected", "changed")
        ] == [
            "Checkout API returning 500s",
            "PagerDuty",
            "30% of POST /checkout fail",
            "All users paying by card",
            "Deploy v2.41.0",
        ]
        assert app.focused is dialog.query_one("#title", Input)
        await pilot.press("ctrl+u", *"x", "escape")  # cancelled: nothing changes
        await wait_until(pilot, lambda: isinstance(app.screen, WarRoomScreen), "the dialog closed")
        await settle(pilot)
        assert count(db_path, "events") == events

        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, DetailsScreen), "the details dialog")
        await pilot.press("ctrl+u", "ctrl+s")  # an empty title is refused in the dialog
        assert "needs a title" in str(app.screen.query_one("#form-error", Label).render())
        await paste_text(pilot, "Checkout down")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: header(app, "title") == "Checkout down", "the new title")
        assert one(db_path, "SELECT title FROM incidents")["title"] == "Checkout down"
        assert count(db_path, "events") == events + 1
        assert "Title: Checkout API returning 500s → Checkout down" in last_line(app)


async def test_severity_change_with_a_reason(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, SeverityScreen), "the severity dialog")
        assert app.focused is app.screen.query_one(OptionList)  # one chooses the severity first
        await pilot.press("up", "tab")
        assert app.focused is app.screen.query_one("#reason", Input)
        await paste_text(pilot, "checkout fully down")
        await pilot.press("enter")
        await wait_until(pilot, lambda: header(app, "severity") == "SEV-1", "the header badge")
        change = one(db_path, "SELECT * FROM events WHERE kind = 'severity_change'")
        assert (change["text"], change["author"], change["key_moment"]) == (
            "Severity SEV-2 → SEV-1: checkout fully down",
            "tester",
            1,
        )
        assert "Severity SEV-2 → SEV-1: checkout fully down" in last_line(app)
