"""Every theme the command palette offers works, Textual's own included, and the one chosen is
the one the next console opens with."""

from __future__ import annotations

import json

from tui_support import console, header, run, settle, wait_until, war_room

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


async def test_at_16_colours_the_four_severities_stay_distinct_from_each_other_and_the_header(
    store, clock, incident
) -> None:
    """TERM=xterm, linux or screen: Rich maps each colour to the nearest of the 16 ANSI ones. The
    badge says its severity in words too; its colour must still tell the four apart at a glance."""
    from rich.color import ColorSystem

    from ir_console.model import Severity

    def ansi(color) -> int:  # the colour a 16-colour terminal shows for a Textual Color
        return color.rich_color.downgrade(ColorSystem.STANDARD).number

    app = console(store, clock)
    async with run(app) as pilot:
        await settle(pilot)
        room = war_room(app)
        for name in ("war-room", "war-room-light", "textual-dark", "textual-light"):
            app.theme = name
            badges: dict[int, str] = {}
            for severity in Severity:
                if store.incident(incident.id).severity != severity:
                    store.set_severity(incident.id, severity)
                    room.refresh_record()
                await wait_until(pilot, lambda s=severity: header(app, "severity") == s.label, severity.label)
                await settle(pilot, 2)
                badge = room.query_one("#header #severity")
                badges[ansi(badge.styles.background)] = severity.label
                assert ansi(badge.styles.color) != ansi(badge.styles.background), (name, severity.label)
            assert len(badges) == 4, (name, badges)
            assert ansi(room.query_one("#header").styles.background) not in badges, (name, badges)
