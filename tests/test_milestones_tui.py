"""The milestones in the console: the `m` dialog (and a click on the header), the status dialog's
stamp time, the resolve confirmation, the event dialog moving a milestone, the triage form's impact
started. Each test checks what the screen shows and what the SQLite file holds."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Input, Label
from tui_support import (
    NOW,
    console,
    count,
    header,
    one,
    query,
    run,
    settle,
    toasts,
    wait_until,
    war_room,
)

from ir_console.model import Milestone, Status, to_iso
from ir_console.render.markdown import postmortem_markdown
from ir_console.store import Store
from ir_console.tui.dialogs.event import EventScreen
from ir_console.tui.dialogs.event_detail import EventDetailScreen
from ir_console.tui.dialogs.milestones import MilestonesScreen
from ir_console.tui.dialogs.new_incident import NewIncidentScreen
from ir_console.tui.dialogs.resolve import ConfirmResolveScreen
from ir_console.tui.dialogs.status import StatusScreen
from ir_console.tui.screens.war_room import WarRoomScreen
from ir_console.tui.widgets.timeline import TimelineView


def label(screen, selector: str) -> str:
    return str(screen.query_one(selector, Label).render())


def milestone_events(db_path, milestone: Milestone) -> list[dict]:
    return query(db_path, "SELECT * FROM events WHERE milestone = ? ORDER BY id", milestone.value)


async def open_milestones(pilot) -> MilestonesScreen:
    await pilot.press("m")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, MilestonesScreen), "the milestones dialog")
    return pilot.app.screen


async def test_m_lists_the_milestones_and_a_correction_moves_the_one_event(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        clock.advance(minutes=10)
        with Store.open(db_path, clock=clock) as other:  # another console resolves it
            other.set_status(incident.id, Status.RESOLVED, author="dana")  # under review: corrections allowed
        await wait_until(pilot, lambda: war_room(app).reviewing, "the review")
        assert header(app, "elapsed") == "elapsed 30m 00s"
        dialog = await open_milestones(pilot)
        fields = {m: dialog.query_one(f"#time-{m.value}", Input) for m in Milestone}
        assert {m: f.value for m, f in fields.items() if f.value} == {
            Milestone.DETECTED: "02:54:30",
            Milestone.DECLARED: "02:56:30",
            Milestone.RESOLVED: "03:24:30",
        }
        assert label(dialog, "#reads-resolved") == "2026-11-27 03:24:30 UTC"
        assert label(dialog, "#reads-acknowledged") == "not set"
        assert app.focused is fields[Milestone.IMPACT_STARTED]  # the first one not set

        fields[Milestone.RESOLVED].value = "03:19:30"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, WarRoomScreen), "the war room")
        await wait_until(pilot, lambda: header(app, "elapsed") == "elapsed 25m 00s", "the corrected elapsed time")
        assert one(db_path, "SELECT resolved_at FROM incidents")["resolved_at"] == "2026-11-27T03:19:30.000Z"
        (event,) = milestone_events(db_path, Milestone.RESOLVED)
        assert (event["occurred_at"], event["revision"]) == ("2026-11-27T03:19:30.000Z", 2)
        assert count(db_path, "event_revisions", "event_id = ? AND replaced_by = 'tester'", event["id"]) == 1
        summary = store.incident_summaries(now=NOW + timedelta(days=1))[0]
        assert summary.duration == timedelta(minutes=25)


async def test_the_dialog_refuses_out_of_order_and_saves_nothing(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        before = query(db_path, "SELECT * FROM incidents"), count(db_path, "events")
        dialog = await open_milestones(pilot)
        dialog.query_one("#time-mitigated", Input).value = "02:00"
        await pilot.pause()
        assert label(dialog, "#reads-mitigated") == "2026-11-27 02:00:00 UTC"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog
        assert label(dialog, "#form-error") == (
            "Not saved: mitigated (2026-11-27 02:00 UTC) cannot be before detected (2026-11-27 02:54:30 UTC)."
        )
        dialog.query_one("#time-detected", Input).value = ""
        dialog.query_one("#time-mitigated", Input).value = "-5m"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert label(dialog, "#form-error") == "Detected cannot be cleared: every incident has one; correct it."
        assert (query(db_path, "SELECT * FROM incidents"), count(db_path, "events")) == before


async def test_resolved_and_closed_take_no_typing_while_the_incident_is_open(store, db_path, clock, incident) -> None:
    """They are stamped by resolving: typed here they were refused only after the dialog closed
    ("Not saved"). The fields say so and Tab passes them by."""
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        dialog = await open_milestones(pilot)
        for milestone in (Milestone.RESOLVED, Milestone.CLOSED):
            assert dialog.query_one(f"#time-{milestone.value}", Input).disabled
            assert label(dialog, f"#reads-{milestone.value}") == "set by resolving it: a, then Resolved"
        dialog.query_one("#time-mitigated", Input).focus()
        await pilot.press(*"03:10", "tab", *"03:20", "ctrl+s")  # Tab from Mitigated: the buttons, not Resolved
        await wait_until(pilot, lambda: isinstance(app.screen, WarRoomScreen), "the war room")
        await settle(pilot)
        assert one(db_path, "SELECT resolved_at, closed_at, status FROM incidents") == {
            "resolved_at": None,
            "closed_at": None,
            "status": "Investigating",
        }
        assert one(db_path, "SELECT mitigated_at FROM incidents")["mitigated_at"] is not None  # what was typed
        assert not toasts(app)


async def test_clicking_the_elapsed_time_opens_the_milestones(store, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.click("#header #elapsed")
        await wait_until(pilot, lambda: isinstance(app.screen, MilestonesScreen), "the milestones dialog")


async def test_the_status_dialog_shows_and_takes_the_time_it_stamps(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("a", "down")  # Identified
        dialog = app.screen
        assert isinstance(dialog, StatusScreen)
        assert label(dialog, "#stamp-label").startswith("Identified stamps identified at")
        assert dialog.query_one("#stamp", Input).value == "now"
        assert label(dialog, "#stamp-reads") == "2026-11-27 03:14:30 UTC"
        await pilot.press("tab")
        assert app.focused is dialog.query_one("#stamp", Input)
        dialog.query_one("#stamp", Input).value = "-5m"
        await pilot.press("enter")
        await wait_until(pilot, lambda: header(app, "status") == "Identified", "the new status")
        row = one(db_path, "SELECT identified_at, phase FROM incidents")
        # Identified during triage leads to containment, as the seed orders it.
        assert (row["identified_at"], row["phase"]) == (to_iso(NOW - timedelta(minutes=5)), "Containment")
        assert [e["occurred_at"] for e in milestone_events(db_path, Milestone.IDENTIFIED)] == [
            to_iso(NOW - timedelta(minutes=5))
        ]


async def test_resolving_confirms_with_the_edited_resolved_time(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("a", "down", "down", "down", "tab")  # Resolved, then its time
        dialog = app.screen
        dialog.query_one("#stamp", Input).value = "03:10"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmResolveScreen), "the confirmation")
        confirm = app.screen
        assert label(confirm, ".dialog-title") == f"Resolve {incident.ref}?"
        assert label(confirm, "#resolve-question") == (
            "Resolved at 2026-11-27 03:10:00 UTC. After that it takes no new "
            "entries; its record can still be corrected for the review."
        )
        await pilot.press("escape")  # not yet: nothing saved
        await settle(pilot)
        assert one(db_path, "SELECT status FROM incidents")["status"] == "Investigating"

        await pilot.press("a", "down", "down", "down", "tab")
        app.screen.query_one("#stamp", Input).value = "03:10"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmResolveScreen), "the confirmation")
        await pilot.press("enter")
        await wait_until(pilot, lambda: header(app, "status") == "Resolved", "resolved")
        row = one(db_path, "SELECT status, resolved_at FROM incidents")
        assert row == {"status": "Resolved", "resolved_at": "2026-11-27T03:10:00.000Z"}
        assert header(app, "elapsed") == "elapsed 15m 30s"


async def test_back_dating_the_detected_event_moves_the_milestone(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        assert header(app, "elapsed") == "elapsed 20m 00s"
        (detected,) = milestone_events(db_path, Milestone.DETECTED)
        war_room(app).post_message(TimelineView.EventChosen(detected["id"]))
        await wait_until(pilot, lambda: isinstance(app.screen, EventDetailScreen), "the event, to read")
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, EventScreen), "the event dialog")
        app.screen.query_one("#occurred", Input).value = "2026-11-27T02:44:30Z"
        await pilot.press("ctrl+s")  # before the incident began: shown with its date, confirmed by a second ctrl+s
        assert isinstance(app.screen, EventScreen)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: header(app, "elapsed") == "elapsed 30m 00s", "the moved start")
        assert one(db_path, "SELECT detected_at FROM incidents")["detected_at"] == "2026-11-27T02:44:30.000Z"
        assert len(milestone_events(db_path, Milestone.DETECTED)) == 1


async def test_impact_started_from_the_triage_form_gives_time_to_detect(store, db_path, clock) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        form = app.screen
        assert isinstance(form, NewIncidentScreen)
        form.query_one("#title", Input).value = "Checkout 500s"
        form.query_one("#impact-started", Input).value = "-1h"
        form.query_one("#detected", Input).value = "-30m"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: count(db_path, "incidents") == 1, "the incident")
        row = one(db_path, "SELECT impact_started_at, detected_at FROM incidents")
        assert row == {
            "impact_started_at": to_iso(NOW - timedelta(hours=1)),
            "detected_at": to_iso(NOW - timedelta(minutes=30)),
        }
        assert header(app, "elapsed") == "elapsed 1h 00m"
        markdown = postmortem_markdown(store.record(1))
        assert "| Time to detect | 30m 00s | from impact started to detected |" in markdown
        assert "- Impact started 2026-11-27 02:14 UTC: time to detect 30m 00s." in markdown


async def test_the_triage_form_refuses_impact_after_detection(store, db_path, clock) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        form = app.screen
        form.query_one("#title", Input).value = "Checkout 500s"
        form.query_one("#impact-started", Input).value = "-10m"
        form.query_one("#detected", Input).value = "-30m"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert label(form, "#form-error") == (
            "Impact started: impact started (2026-11-27 03:04:30 UTC) cannot be "
            "after detected (2026-11-27 02:44:30 UTC)"
        )
        assert count(db_path, "incidents") == 0
