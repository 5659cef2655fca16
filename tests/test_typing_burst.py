"""Keys that arrive in one burst (fast typing, a paste of keystrokes, an SSH lag catching up) are
taken in the order they were typed: a Tab moves on before the next letters land, so no text lands
in the field the commander already left."""

from __future__ import annotations

from textual import events
from textual.widgets import Input
from tui_support import console, run, settle, wait_until

from ir_console.tui.dialogs.new_incident import NewIncidentScreen


def burst(app, keys: str | list[str]) -> None:
    """Post the keys at once, as a terminal delivers a burst: no waiting between them."""
    named = {"tab": "\t", "enter": "\r", "escape": "\x1b"}
    for key in keys:
        character = key if len(key) == 1 else named.get(key)
        app.post_message(events.Key(key, character))


async def test_text_typed_after_tab_in_one_burst_lands_in_the_next_field(store, clock) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, NewIncidentScreen), "the triage form")
        form = app.screen
        for name in ("title", "detected"):
            form.query_one(f"#{name}", Input).value = ""
        form.query_one("#title", Input).focus()
        await settle(pilot)
        burst(app, [*"ab", "tab", "tab", *"cd", "tab", *"ef", "shift+tab", *"gh"])
        await settle(pilot, 20)
        values = {name: form.query_one(f"#{name}", Input).value for name in ("title", "detected", "reporter")}
        # Back in a field by shift+tab its text is selected, as a browser does: typing replaces it.
        assert values == {"title": "ab", "detected": "gh", "reporter": "ef"}


async def test_a_key_that_moves_on_takes_effect_before_the_next_key_in_the_burst(
    store, clock, incident, db_path
) -> None:
    from tui_support import war_room

    from ir_console.tui.widgets.containment_list import ContainmentList
    from ir_console.tui.widgets.entry_line import EntryLine

    app = console(store, clock)
    async with run(app) as pilot:
        await settle(pilot)
        entry = war_room(app).query_one("#entry", EntryLine)
        entry.focus()
        await settle(pilot)
        # Leave the entry line, go to the checklist, set its second item in progress: one burst.
        burst(app, ["escape", "x", "down", "2"])
        await settle(pilot, 20)
        assert entry.value == ""  # no letter stayed behind in the line just left
        assert isinstance(app.focused, ContainmentList)
        second = store.containment(incident.id)[1]
        assert second.state.value == "in_progress", second


async def test_a_back_dated_entry_typed_in_a_burst_is_asked_about_and_logged_on_the_next_enter(
    store, clock, incident, db_path
) -> None:
    from tui_support import count, war_room

    from ir_console.tui.widgets.entry_line import EntryLine

    app = console(store, clock)
    async with run(app) as pilot:
        await settle(pilot)
        entry = war_room(app).query_one("#entry", EntryLine)
        entry.focus()
        await settle(pilot)
        before = count(db_path, "events")
        # Found in tmux: the line's own typing, delivered after its Enter, cancelled the question.
        burst(app, [*"plain note", "enter", *"@-1d early sign", "enter"])
        await settle(pilot, 20)
        assert entry.confirming and entry.value == "@-1d early sign"
        burst(app, ["enter"])
        await settle(pilot, 20)
        assert count(db_path, "events") == before + 2
        assert not entry.confirming and entry.value == ""


async def test_ctrl_s_right_after_typing_in_one_burst_saves_what_was_typed(store, clock, incident, db_path) -> None:
    """A binding behind typed keys waits until the field has taken them in: the save is of the
    dialog as typed (found replaying an outage in tmux: a back-dated containment step typed and
    saved in one burst was recorded at "now", its time not yet in the field)."""
    from tui_support import one

    from ir_console.tui.dialogs.containment import ContainmentDialog
    from ir_console.tui.dialogs.hypothesis import HypothesisScreen

    app = console(store, clock)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("x", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ContainmentDialog), "the containment dialog")
        await settle(pilot)
        burst(app, [*"v2.40.3", "tab", *"sam", "tab", "3", "tab", *"-6m", "ctrl+s"])
        await wait_until(
            pilot,
            lambda: (
                one(db_path, "SELECT state FROM containment WHERE action = 'Rollback deployment'")["state"] == "done"
            ),
            "saved",
        )
        row = one(db_path, "SELECT * FROM containment WHERE action = 'Rollback deployment'")
        assert (row["detail"], row["owner"], row["changed_at"]) == ("v2.40.3", "sam", "2026-11-27T03:08:30.000Z")

        await settle(pilot)
        burst(app, ["h", *"Connection pool leak", "ctrl+s"])
        await wait_until(pilot, lambda: one(db_path, "SELECT count(*) AS n FROM hypotheses")["n"] == 1, "saved")
        assert one(db_path, "SELECT statement FROM hypotheses")["statement"] == "Connection pool leak"
        assert not isinstance(app.screen, HypothesisScreen)


async def test_a_status_and_its_time_typed_in_one_burst_keep_the_time(store, clock, incident, db_path) -> None:
    """`a down down down tab <time> ctrl+s` in one burst: the time typed is the one recorded (found
    replaying in tmux: the highlight's message came after the typed time and put `now` back)."""
    from tui_support import one

    from ir_console.tui.dialogs.status import StatusScreen

    app = console(store, clock)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, StatusScreen), "the status dialog")
        await settle(pilot)
        burst(app, ["down", "down", "down", "tab", "ctrl+u", *"-2m", "ctrl+s"])
        await wait_until(pilot, lambda: not isinstance(app.screen, StatusScreen), "the confirmation")
        await settle(pilot)
        burst(app, ["ctrl+s"])  # resolve
        await wait_until(
            pilot, lambda: one(db_path, "SELECT status FROM incidents")["status"] == "Resolved", "resolved"
        )
        assert one(db_path, "SELECT resolved_at FROM incidents")["resolved_at"] == "2026-11-27T03:12:30.000Z"


async def test_escape_then_a_key_that_opens_a_screen_in_one_burst_leaves_that_screen_open(
    store, clock, incident
) -> None:
    """Escape on the checklist has no binding there: it went on through the checklist and came
    back up to the app after `i` had opened the incidents screen, which it then closed. Found in
    tmux: `Escape i` typed fast did nothing."""
    from ir_console.tui.screens.incidents import IncidentsScreen
    from ir_console.tui.widgets.containment_list import ContainmentList

    app = console(store, clock)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.focused, ContainmentList), "the checklist")
        burst(app, ["escape", "i"])
        await settle(pilot, 20)
        assert isinstance(app.screen, IncidentsScreen)
