"""Write SVG screenshots of each screen of the console for the README: `make screenshots`.

Drives the real app headless on the demo incident with a fixed clock and fixed system figures,
at 160x48 in the default theme, so the pictures change only when the screens do.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from ir_console.demo import DEMO_START, FixedClock, FixedSampler, build_demo, demo_config, show_demo_signals
from ir_console.store import Store
from ir_console.tui.app import IrConsoleApp
from ir_console.tui.widgets.signals import SignalsPane

SIZE = (160, 48)
SHOTS = {
    "war-room": [],
    "new-incident": ["n"],
    "event": ["enter"],
    "event-edit": ["enter", "e"],
    "timeline-full": ["f"],
    "hypothesis": ["tab", "tab", "enter"],
    "containment": ["x"],
    "severity": ["s"],
    "roles": ["r"],
    "status-update": ["u"],
    "post-mortem": ["p"],
    "incidents": ["i"],
    "signals-health": ["g"],
    "signals-logs": ["g", "g", "g"],
    "help": ["f1"],
}


async def take(name: str, keys: list[str], folder: Path) -> Path:
    with tempfile.TemporaryDirectory() as scratch:
        store = Store.open(Path(scratch) / "demo.db")
        build_demo(store)
        app = IrConsoleApp(
            store,
            clock=FixedClock(DEMO_START + timedelta(minutes=12, seconds=30)),
            sampler=FixedSampler(),
            author="dana",
            live_interval=3600,
            sample_interval=0,
            config=demo_config(),
        )
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            show_demo_signals(app.screen.query_one(SignalsPane), app.sampler, app.clock())
            await pilot.press(*keys)
            await pilot.pause(0.2)
            path = Path(app.save_screenshot(filename=f"{name}.svg", path=str(folder)))
        store.close()
    return path


async def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, keys in SHOTS.items():
        print(await take(name, keys, folder))


if __name__ == "__main__":
    os.environ["TZ"] = "UTC"
    time.tzset()
    asyncio.run(main(Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots")))
