"""`ir-console demo`: the console on the demo incident, in a temporary database of its own.

The command's app is driven headless (Pilot) in place of the terminal: what it shows, that what is
typed is saved in the demo's database, and that the database is gone when the console ends and
the user's own database was never made.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner
from tui_support import header, query, shown_lines, wait_until

from ir_console.cli import main
from ir_console.demo import DEMO_START
from ir_console.tui.widgets.signals import SignalsPane


@pytest.fixture
def as_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """The console's terminal check passes (CliRunner's streams are not terminals)."""
    monkeypatch.setattr("ir_console.cli.terminal_refusal", lambda: None)


def test_demo_opens_on_the_demo_incident_in_a_temporary_database(
    as_terminal, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: dict = {}

    async def drive(app) -> None:
        async with app.run_test(size=(160, 48), notifications=True) as pilot:
            await pilot.pause()
            seen["db"] = Path(app.reader.path)
            seen["ref"] = header(app, "ref")
            seen["title"] = header(app, "title")
            seen["lines"] = shown_lines(app)
            seen["health"] = [result.name for result in app.screen.query_one(SignalsPane).health]
            seen["now"] = app.clock()
            await pilot.press("t", *"tried the demo", "enter")
            await wait_until(
                pilot,
                lambda: query(seen["db"], "SELECT author FROM events WHERE text = 'tried the demo'"),
                "the entry saved in the demo's database",
            )
            assert any("tried the demo" in line for line in shown_lines(app))
            await pilot.press("ctrl+q")

    def run_app(app) -> int:
        asyncio.run(drive(app))
        return app.return_code or 0

    monkeypatch.setattr("ir_console.tui.app.run_app", run_app)
    own = tmp_path / "mine" / "incidents.db"
    result = CliRunner().invoke(main, ["--db", str(own), "demo"])
    assert result.exit_code == 0, result.output
    assert seen["title"] == "Checkout API returning 500s"
    assert seen["ref"].startswith("INC-20261127-")
    assert any("5xx rate at 31% on checkout dashboard" in line for line in seen["lines"])
    assert seen["health"] == ["checkout-api", "postgres"]  # the demo's signals, never contacted
    assert seen["db"].name == "demo.db"
    assert not seen["db"].exists() and not seen["db"].parent.exists()  # deleted on exit
    assert not own.parent.exists()  # the user's database untouched, not even created
    # The demo's clock runs on the incident's night, just after its last entry.
    assert DEMO_START < seen["now"] < DEMO_START.replace(hour=4)
