"""The timeline on the whole screen, and filtered by kind (#12, "Read, don't edit")."""

from __future__ import annotations

from textual.widgets import Footer
from tui_support import console, count, header, run, settle, shown_lines, timeline, wait_until, war_room

from ir_console.model import EventKind, EventSource
from ir_console.tui.widgets.entry_line import EntryLine


def pane_title(app) -> str:
    return str(war_room(app).query_one("#timeline-pane").border_title)


async def test_f_puts_the_timeline_on_the_whole_screen_and_entries_still_go_in(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app, size=(160, 48)) as pilot:
        await settle(pilot)
        room = war_room(app)
        pane = room.query_one("#timeline-pane")
        normal = pane.region
        assert normal.width < 120  # beside the hypotheses, containment and signals
        await pilot.press("f")
        await settle(pilot)
        full = pane.region
        # All of the screen but the header's two rows and the footer's one.
        assert (full.width, full.height) == (160, 45), full
        assert header(app, "title") == "Checkout API returning 500s" and room.query_one("#header").region.height == 2
        assert room.query_one(Footer).region.height == 1
        assert not room.query_one("#hypotheses-pane").region.height  # not drawn
        assert timeline(app).region.height == 45 - 2 - 1  # the border and the entry line

        # Writing goes on: the entry line is there, and the entry lands in the record.
        await pilot.press("t")
        assert isinstance(app.focused, EntryLine)
        await pilot.press(*"Rolled back payments-svc", "enter")
        await wait_until(pilot, lambda: count(db_path, "events", "text = 'Rolled back payments-svc'") == 1, "entry")
        await wait_until(pilot, lambda: "Rolled back payments-svc" in shown_lines(app)[-1], "shown")
        assert pane.region == full

        await pilot.press("escape")  # leaves the entry line
        await pilot.press("f")
        await settle(pilot)
        assert pane.region == normal
        await pilot.press("f", "escape")  # Escape returns too
        await settle(pilot)
        assert pane.region == normal

        # The command palette's Maximize, on the focused timeline, gives the same whole screen.
        timeline(app).focus()
        await pilot.press("ctrl+p", *"maximize")
        await settle(pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: room.maximized is pane, "maximised from the palette")
        await settle(pilot)
        assert pane.region == full


async def test_v_hides_signals_then_shows_only_key_moments(store, db_path, clock, incident) -> None:
    store.add_event(incident.id, "CPU 97% for 60 s", kind=EventKind.SIGNAL, source=EventSource.SIGNAL)
    store.add_event(incident.id, "checkout-api down: HTTP 500", kind=EventKind.SIGNAL, source=EventSource.SIGNAL)
    store.add_event(incident.id, "Rollback started", kind=EventKind.ACTION, author="sam", key_moment=True)
    store.add_event(incident.id, "Looked at the dashboards", author="sam")
    total = count(db_path, "events", "incident_id = ?", incident.id)
    signals = count(db_path, "events", "kind = 'signal'")
    keys = count(db_path, "events", "key_moment = 1")
    assert 0 < keys < total - signals
    app = console(store, clock)
    async with run(app, size=(160, 48)) as pilot:
        await settle(pilot)
        view = timeline(app)
        assert view.count == total and pane_title(app) == "Timeline"
        assert any("CPU 97%" in line for line in shown_lines(app))

        await pilot.press("v")
        await settle(pilot)
        assert view.count == total - signals
        assert pane_title(app) == "Timeline — without signals (v: next)"
        assert not any("CPU 97%" in line or "checkout-api down" in line for line in shown_lines(app))
        assert "Looked at the dashboards" in shown_lines(app)[-1]

        await pilot.press("v")
        await settle(pilot)
        assert view.count == keys and pane_title(app) == "Timeline — key moments only (v: next)"
        assert all("★" in line for line in shown_lines(app)[: view.count])
        # A new entry that is not a key moment is recorded, and not shown here; a key moment is.
        await pilot.press("t", *"checked the pool size", "enter")
        await wait_until(pilot, lambda: count(db_path, "events", "text = 'checked the pool size'") == 1, "the entry")
        await pilot.press(*"! Error rate back under 1%", "enter")
        await wait_until(pilot, lambda: view.count == keys + 1, "the key moment shown")
        assert "Error rate back under 1%" in shown_lines(app)[view.count - 1]
        assert not any("checked the pool size" in line for line in shown_lines(app))

        await pilot.press("escape", "v")
        await settle(pilot)
        assert view.count == total + 2 and pane_title(app) == "Timeline"
        assert count(db_path, "events", "incident_id = ?", incident.id) == total + 2  # the record holds all
