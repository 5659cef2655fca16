"""The header at a glance: who holds the roles, and at 80x24 every figure a commander looks for,
shortened, never cut."""

from __future__ import annotations

from textual.widgets import Label
from tui_support import console, header, run, settle, war_room

from ir_console.model import Role


def fits(app, name: str) -> bool:
    label = war_room(app).query_one(f"#header #{name}", Label)
    return len(str(label.content)) <= label.size.width


async def test_the_roles_are_on_the_war_room(store, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await settle(pilot)
        assert header(app, "roles") == "no IC (r assigns)"
        store.set_role(incident.id, Role.COMMANDER, "dana")
        store.set_role(incident.id, Role.TECH_LEAD, "sam")
        war_room(app).refresh_record()
        await settle(pilot)
        assert header(app, "roles") == "IC dana · tech sam"


async def test_at_80x24_the_header_keeps_every_figure_whole(store, clock, incident) -> None:
    store.set_role(incident.id, Role.COMMANDER, "dana")
    app = console(store, clock)
    async with run(app, size=(80, 24)) as pilot:
        await settle(pilot)
        assert header(app, "severity") == "SEV-2" and header(app, "status") == "Investigating"
        assert header(app, "phase") == "Detection & Triage"
        assert header(app, "roles") == "IC dana"
        assert header(app, "response").startswith("resp")
        assert header(app, "next-update").startswith("update in")
        for name in ("severity", "status", "phase", "roles", "elapsed", "response", "next-update", "clock"):
            assert fits(app, name), (name, header(app, name))


async def test_every_pane_is_one_key_away_and_f1_lists_every_screen_s_keys(store, clock, incident) -> None:
    import io

    from rich.console import Console
    from textual.widgets import Static

    from ir_console.tui.dialogs.help import HelpScreen
    from ir_console.tui.widgets.containment_list import ContainmentList
    from ir_console.tui.widgets.hypothesis_list import HypothesisList
    from ir_console.tui.widgets.timeline import TimelineView

    app = console(store, clock)
    async with run(app) as pilot:
        await settle(pilot)
        for key, pane in (("H", HypothesisList), ("x", ContainmentList), ("T", TimelineView)):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.focused, pane), key
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        shown = {}
        for name in ("postmortem", "preview", "incidents"):
            out = Console(width=100, record=True, file=io.StringIO())
            out.print(app.screen.query_one(f"#help-{name}", Static).content)
            shown[name] = out.export_text()
        assert "ctrl+n" in shown["postmortem"] and "Add action item" in shown["postmortem"]
        assert "Rendered / source" in shown["preview"]
        assert "Sort by next column" in shown["incidents"] and "/" in shown["incidents"]


async def test_the_chosen_containment_item_and_hypothesis_are_marked_not_only_coloured(store, clock, incident) -> None:
    from tui_support import marked

    from ir_console.tui.widgets.containment_list import ContainmentList
    from ir_console.tui.widgets.hypothesis_list import HypothesisList

    store.add_hypothesis(incident.id, "Pool exhausted")
    store.add_hypothesis(incident.id, "Bad deploy")
    app = console(store, clock)
    async with run(app) as pilot:
        await settle(pilot)
        checklist = war_room(app).query_one("#containment", ContainmentList)
        assert marked(checklist) == [0]
        await pilot.press("x", "down", "down")
        await settle(pilot)
        assert marked(checklist) == [2]
        hypotheses = war_room(app).query_one("#hypotheses", HypothesisList)
        await pilot.press("H", "down")
        await settle(pilot)
        assert marked(hypotheses) == [1]
