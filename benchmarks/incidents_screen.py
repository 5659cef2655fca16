"""Opening the incidents screen (`i`) on the archive: from the key press to the first frame that
shows the filled table, in a headless console of its own (a fresh subprocess).

Parent: `measure(db, cwd, repeats)` runs `python -m benchmarks.incidents_screen DB REPEATS` and reads
back one JSON line. Child: the console on DB (signals off), then `repeats` times: press `i`, wait
for the screen's list to count every incident, and time to the first frame drawn after that (the
list reads the rows in view as it draws them, so that frame holds them; timed as in
benchmarks.keys: the key sent as a terminal would, the clock stopped by a frame probe), time it, press Escape. The
baseline is the same for a trivial screen (one `Static`, pushed by a key bound for the purpose):
the framework's floor for a screen, as in benchmarks.keys.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from benchmarks.keys import Frames, timed_key
from benchmarks.report import Row, median, milliseconds, ratio

MARK = "BENCH-INCIDENTS "


def measure(db: Path, cwd: str, repeats: int = 5) -> tuple[list[Row], list[str]]:
    output = subprocess.run(
        [sys.executable, "-m", "benchmarks.incidents_screen", str(db), str(repeats)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )
    line = next((ln for ln in output.stdout.splitlines() if ln.startswith(MARK)), None)
    if line is None:
        raise RuntimeError(f"incidents screen: no result\n{output.stdout[-2000:]}\n{output.stderr[-2000:]}")
    result = json.loads(line[len(MARK) :])
    screen, trivial = result["incidents_ms"], result["trivial_ms"]
    rows = [
        Row(
            f"incidents screen opens, {result['rows']:,} incidents (i → filled table drawn, median of {len(screen)})",
            milliseconds(screen),
            milliseconds(trivial) + " (trivial screen)",
            ratio(median(screen), median(trivial)),
            "≤ 2x",
        )
    ]
    return rows, [f"check: the incidents table held {result['rows']:,} rows each time"]


async def _run(db: Path, repeats: int) -> dict:
    from textual.binding import Binding
    from textual.screen import Screen
    from textual.widgets import Static

    from ir_console.config import Config
    from ir_console.store import Store
    from ir_console.tui.app import IrConsoleApp
    from ir_console.tui.screens.incidents import IncidentsScreen

    config = Config()
    config.signals.interval = 0
    store = Store.open(db, create=False)
    expected = store.scalar("SELECT count(*) FROM incidents")

    class Trivial(Screen):
        BINDINGS = [Binding("escape", "app.pop_screen")]

        def compose(self):
            yield Static("trivial")

    class BenchApp(IrConsoleApp):
        BINDINGS = [Binding("f12", "trivial", "Trivial")]

        def action_trivial(self) -> None:
            self.push_screen(Trivial())

    app = BenchApp(store, config=config, sample_interval=0, live_interval=3600)
    timings: dict[str, list[float]] = {"incidents_ms": [], "trivial_ms": []}
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause(0.5)
        frames = Frames(app)
        for _ in range(repeats):
            for key, kind, name, ready in (
                (
                    "i",
                    IncidentsScreen,
                    "incidents_ms",
                    lambda screen: any(table.row_count >= expected for table in screen.query("#incident-table")),
                ),
                ("f12", Trivial, "trivial_ms", lambda screen: True),
            ):
                timings[name].append(
                    await timed_key(app, frames, key, lambda: isinstance(app.screen, kind) and ready(app.screen))
                )
                await pilot.press("escape")
                while isinstance(app.screen, kind):
                    await asyncio.sleep(0.001)
                await pilot.pause()
    store.close()
    return {**timings, "rows": expected}


def main() -> None:
    db, repeats = Path(sys.argv[1]), int(sys.argv[2])
    print(MARK + json.dumps(asyncio.run(_run(db, repeats))), flush=True)


if __name__ == "__main__":
    main()
