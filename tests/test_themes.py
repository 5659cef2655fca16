"""Every theme the command palette offers works, Textual's own included, and the one chosen is
the one the next console opens with."""

from __future__ import annotations

import json

from tui_support import console, header, run, settle, war_room

from ir_console.locations import state_path


async def test_every_offered_theme_renders_the_war_room(store, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await settle(pilot)
        names = sorted(app.available_themes)
        assert {"war-room", "war-room-light", "textual-dark", "nord"} <= set(names)
        for name in names:
            app.theme = name
            await settle(pilot, 2)
            assert app.is_running, name
            assert header(app, "severity") == "SEV-2", name
            badge = war_room(app).query_one("#header #severity")
            assert badge.styles.background.a > 0, name  # the severity colour, whatever the theme


async def test_the_chosen_theme_is_remembered(store, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await settle(pilot)
        app.theme = "nord"
        await settle(pilot)
    assert json.loads(state_path().read_text())["theme"] == "nord"

    again = console(store, clock)
    async with run(again) as pilot:
        await settle(pilot)
        assert again.theme == "nord"


async def test_an_unknown_remembered_theme_falls_back_to_the_war_room(store, clock, incident) -> None:
    state_path().parent.mkdir(parents=True, exist_ok=True)
    state_path().write_text('{"theme": "no-such-theme"}')
    app = console(store, clock)
    async with run(app) as pilot:
        await settle(pilot)
        assert app.theme == "war-room"
