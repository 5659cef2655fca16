"""Layout guards: SVG snapshots of the war room and of each modal, on fixed data and a fixed clock.

Regenerate deliberately with `make snapshots`, and look at the diff before committing it.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from ir_console.demo import DEMO_START, FixedClock, FixedSampler, build_demo, demo_config, show_demo_signals
from ir_console.store import Store
from ir_console.tui.app import IrConsoleApp
from ir_console.tui.widgets.signals import SignalsPane

NOW = DEMO_START + timedelta(minutes=12, seconds=30)

# A cursor caught mid-blink would make a snapshot differ from run to run (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("steady_cursor")


@pytest.fixture
def demo_app(tmp_path: Path):
    store = Store.open(tmp_path / "demo.db")
    build_demo(store)
    app = IrConsoleApp(
        store,
        clock=FixedClock(NOW),
        sampler=FixedSampler(),
        author="dana",
        live_interval=3600,
        sample_interval=0,
        config=demo_config(),
    )
    yield app
    store.close()


async def settle(pilot) -> None:
    """Fill the signal panes with the demo's fixed measurements and let every refresh finish."""
    await pilot.pause()
    show_demo_signals(pilot.app.screen.query_one(SignalsPane), pilot.app.sampler, NOW)
    await pilot.pause()


@pytest.mark.parametrize("size", [(160, 48), (80, 24), (40, 12)], ids=["160x48", "80x24", "40x12"])
def test_war_room(snap_compare, demo_app, size) -> None:
    assert snap_compare(demo_app, terminal_size=size, run_before=settle)


def test_war_room_light_theme(snap_compare, demo_app) -> None:
    async def light(pilot) -> None:
        pilot.app.theme = "war-room-light"
        await settle(pilot)

    assert snap_compare(demo_app, terminal_size=(160, 48), run_before=light)


@pytest.mark.parametrize(
    "keys",
    [
        ["n"],
        ["s"],
        ["a"],
        ["r"],
        ["h"],
        ["u"],
        ["p"],
        ["i"],
        ["f1"],
        ["enter"],
        ["x", "plus"],
    ],
    ids=[
        "new-incident",
        "severity",
        "status",
        "roles",
        "hypothesis",
        "status-update",
        "post-mortem",
        "incidents",
        "help",
        "event",
        "add-containment",
    ],
)
def test_modal(snap_compare, demo_app, keys) -> None:
    async def open_modal(pilot) -> None:
        await settle(pilot)
        await pilot.press(*keys)
        await pilot.pause()

    assert snap_compare(demo_app, terminal_size=(160, 48), run_before=open_modal)


@pytest.mark.parametrize("presses", [1, 2, 3], ids=["health", "changes", "logs"])
def test_signal_tab(snap_compare, demo_app, presses) -> None:
    async def show_tab(pilot) -> None:
        await settle(pilot)
        await pilot.press(*["g"] * presses)
        await pilot.pause()

    assert snap_compare(demo_app, terminal_size=(160, 48), run_before=show_tab)
