"""Any timeline entry can be read whole without opening it for editing (#12, "Read, don't edit")."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Static
from tui_support import NOW, console, count, run, settle, timeline, wait_until, war_room

from ir_console.tui.dialogs.event import EventScreen
from ir_console.tui.dialogs.event_detail import EventDetailScreen
from ir_console.tui.screens.war_room import WarRoomScreen

LONG = (
    "Replica lag on orders-db-2 climbed to 45 s after the 02:51 deploy; the connection pool on "
    "payments-svc saturated at max=20 and every checkout request waited on it until the 30 s "
    "gateway timeout fired, which is why the 500s came in waves rather than all at once.\n"
    "Second line: pg_stat_activity showed 180 idle-in-transaction sessions from the new worker."
)


async def test_enter_shows_the_whole_entry_to_read_and_e_opens_it_for_editing(store, db_path, clock, incident) -> None:
    event = store.add_event(incident.id, "Pool exhausted", author="sam", occurred_at=NOW - timedelta(minutes=5))
    store.edit_event(event.id, text=LONG, author="lee")
    app = console(store, clock)
    async with run(app, size=(160, 48)) as pilot:
        await settle(pilot)
        view = timeline(app)
        view.show_event(event.id)
        view.focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, EventDetailScreen), "the event, to read")
        detail = app.screen
        # The whole text, wrapped on screen (the timeline row cuts it at the pane's width).
        shown = str(detail.query_one("#event-text", Static).content)
        assert shown == LONG
        assert detail.query_one("#event-text").size.height >= 4  # wrapped, not cut
        facts = str(detail.query_one("#event-facts", Static).content)
        assert "happened 2026-11-27T03:09:30.000Z" in facts and "recorded 2026-11-27T03:14:30.000Z" in facts
        assert "by sam" in facts
        history = str(detail.query_one("#event-history", Static).content)
        assert "v1 (2026-11-27T03:09:30.000Z), replaced 2026-11-27T03:14:30.000Z by lee" in history
        assert "Pool exhausted" in history

        # Letters typed while reading change nothing and reach no war-room key below.
        before = (count(db_path, "events"), count(db_path, "event_revisions"), count(db_path, "hypotheses"))
        await pilot.press("n", "t", "h", "x", "s", "a", "space", "enter", "backspace", "delete")
        await settle(pilot)
        assert app.screen is detail
        assert (count(db_path, "events"), count(db_path, "event_revisions"), count(db_path, "hypotheses")) == before

        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, WarRoomScreen), "back to the war room")
        assert app.focused is view and view.current_event.id == event.id

        # Editing is one more key.
        await pilot.press("enter", "e")
        await wait_until(pilot, lambda: isinstance(app.screen, EventScreen), "the editor")
        assert app.screen.event.id == event.id
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is war_room(app), "back")
        assert count(db_path, "event_revisions") == before[1]


async def test_the_detail_fits_a_small_terminal_and_scrolls(store, clock, incident) -> None:
    event = store.add_event(incident.id, "\n".join(f"log line {n}" for n in range(60)), author="sam")
    app = console(store, clock)
    async with run(app, size=(80, 24)) as pilot:
        await settle(pilot)
        timeline(app).show_event(event.id)
        timeline(app).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, EventDetailScreen), "the event, to read")
        dialog = app.screen.query_one("#event-detail")
        assert dialog.outer_size.height <= 24 and dialog.max_scroll_y > 0
        await pilot.press("end")
        await settle(pilot)
        assert dialog.scroll_y == dialog.max_scroll_y
