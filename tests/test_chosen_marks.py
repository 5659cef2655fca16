"""The chosen severity and status are marked with `▶`, not told by colour alone (#12)."""

from __future__ import annotations

from textual.widgets import OptionList
from tui_support import console, marked, prompts, run, settle, wait_until, war_room

from ir_console.tui.dialogs.new_incident import NewIncidentScreen
from ir_console.tui.dialogs.status import StatusScreen


def screen_lines(widget) -> list[str]:
    """What the list draws, row by row."""
    return [widget.render_line(y).text.rstrip() for y in range(widget.size.height)]


async def test_the_triage_forms_severity_and_the_status_dialog_mark_their_choice(store, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, NewIncidentScreen), "the triage form")
        await pilot.press("tab")
        severities = app.screen.query_one("#severity-list", OptionList)
        assert app.focused is severities and marked(severities) == [1]
        assert any(line.strip("▊ ").startswith("▶ SEV-2") for line in screen_lines(severities))
        await pilot.press("down")
        await settle(pilot)
        assert marked(severities) == [2] and prompts(severities)[2].startswith("SEV-3")
        drawn = [line.strip("▊ ") for line in screen_lines(severities)]
        assert any(line.startswith("▶ SEV-3") for line in drawn)
        assert not any(line.startswith("▶ SEV-2") for line in drawn)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is war_room(app), "closed")

        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, StatusScreen), "the status dialog")
        statuses = app.screen.query_one(OptionList)
        current = statuses.highlighted
        assert marked(statuses) == [current]
        await pilot.press("down")
        await settle(pilot)
        assert marked(statuses) == [current + 1]
        assert sum(line.strip("▊ ").startswith("▶ ") for line in screen_lines(statuses)) == 1


async def test_radio_buttons_and_checkboxes_show_their_state_in_the_glyph(store, clock, incident) -> None:
    """The containment dialog's state and the event's key-moment box: `●` / `X` only when on."""
    from textual.widgets import Checkbox, RadioButton, RadioSet

    from ir_console.tui.dialogs.containment import ContainmentDialog
    from ir_console.tui.dialogs.event import EventScreen
    from ir_console.tui.dialogs.event_detail import EventDetailScreen

    def glyph(button) -> str:
        return button.render_line(0).text.strip()[:3]

    app = console(store, clock)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("x", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ContainmentDialog), "the containment dialog")
        await settle(pilot)
        states = app.screen.query_one(RadioSet)
        buttons = list(states.query(RadioButton))
        glyphs = [glyph(button) for button in buttons]
        assert glyphs.count("▐●▌") == 1 and glyphs[states.pressed_index] == "▐●▌"
        assert all(g == "▐ ▌" for i, g in enumerate(glyphs) if i != states.pressed_index)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is war_room(app), "closed")

        store.add_event(incident.id, "Rolled back", key_moment=True)
        war_room(app).refresh_record()
        await settle(pilot)
        war_room(app).query_one("#timeline").focus()
        await pilot.press("end", "enter", "e")
        await wait_until(pilot, lambda: isinstance(app.screen, EventScreen), "the event editor")
        await settle(pilot)
        key = app.screen.query_one("#key", Checkbox)
        assert key.value and glyph(key) == "▐X▌"
        key.value = False
        await settle(pilot)
        assert glyph(key) == "▐ ▌"
        assert not isinstance(app.screen, EventDetailScreen)
