"""The header at a glance: who holds the roles, and at 80x24 every figure a commander looks for,
shortened, never cut."""

from __future__ import annotations

from textual.widgets import Label

from ir_console.model import Role
from tui_support import console, header, run, settle, war_room


def fits(app, name: str) -> bool:  # noqa: ANN001
    label = war_room(app).query_one(f"#header #{name}", Label)
    return len(str(label.content)) <= label.size.width


async def test_the_roles_are_on_the_war_room(store, clock, incident) -> None:  # noqa: ANN001
    app = console(store, clock)
    async with run(app) as pilot:
        await settle(pilot)
        assert header(app, "roles") == "no IC (r assigns)"
        store.set_role(incident.id, Role.COMMANDER, "dana")
        store.set_role(incident.id, Role.TECH_LEAD, "sam")
        war_room(app).refresh_record()
        await settle(pilot)
        assert header(app, "roles") == "IC dana · tech sam"


async def test_at_80x24_the_header_keeps_every_figure_whole(store, clock, incident) -> None:  # noqa: ANN001
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
