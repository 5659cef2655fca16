"""The chosen severity and status are marked with `▶`, not told by colour alone (#12)."""

from __future__ import annotations

from textual.widgets import OptionList
from tui_support import console, marked, prompts, run, settle, wait_until, war_room

from ir_console.tui.screens.forms import NewIncidentScreen, StatusScreen


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
