"""Keys that open a document or change the incident, on the 100,000-event incident: `p` (the
post-mortem editor), `u` (the status update composer) and resolve (confirm → the war room redrawn
read-only), each from the key press to the first frame that shows it filled, in a headless console
of its own (a fresh subprocess, signals off).

Baseline, in the same app and run: pushing a trivial screen (one `Static`) by a key bound for the
purpose, the framework's floor for a screen. Rounds alternate the figures, so noise hits all alike.

Timing: the key goes to the driver as a terminal's would (not through `Pilot.press`, whose wait for
an idle process would also wait for the reader thread's work after the frame); the clock stops at
the first frame the compositor hands to `App._display` while the screen shows what it is for (the
check runs as each frame is handed over).

Parent: `measure(db, cwd, repeats)` runs `python -m benchmarks.keys DB REPEATS` and reads back one
JSON line.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.report import Row, median, milliseconds, ratio

MARK = "BENCH-KEYS "
TIMEOUT = 60.0


def measure(db: Path, cwd: str, repeats: int = 5) -> tuple[list[Row], list[str]]:
    output = subprocess.run(
        [sys.executable, "-m", "benchmarks.keys", str(db), str(repeats)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=1200,
    )
    line = next((ln for ln in output.stdout.splitlines() if ln.startswith(MARK)), None)
    if line is None:
        raise RuntimeError(f"keys: no result\n{output.stdout[-2000:]}\n{output.stderr[-2000:]}")
    result = json.loads(line[len(MARK) :])
    trivial = result["trivial_ms"]
    events = result["events"]
    rows = []
    for name, label, target in (
        ("postmortem_ms", f"`p` post-mortem editor, key → drawn, {events:,} events", "≤ 2x"),
        ("status_ms", f"`u` status update composer, key → drawn, {events:,} events", "≤ 1.5x"),
        ("resolve_ms", f"resolve, confirm → war room drawn read-only, {events:,} events", "≤ 2x"),
    ):
        values = result[name]
        rows.append(
            Row(
                f"{label} (median of {len(values)})",
                milliseconds(values),
                milliseconds(trivial) + " (trivial screen)",
                ratio(median(values), median(trivial)),
                target,
            )
        )
    checks = [
        f"check: keys: the post-mortem's key-moment table had {result['key_rows']} rows; the composer's current "
        f"action read {result['current_action']!r}; resolve showed the review banner each time"
    ]
    return rows, checks


class Frames:
    """Counts the frames the compositor hands to `App._display`, with the time of the last; and,
    while a `probe` is set, the time of the first frame drawn while it holds."""

    def __init__(self, app) -> None:
        self.count, self.at = 0, 0.0
        self.probe = None
        self.ready_at: float | None = None
        original = app._display

        def display(screen, update) -> None:
            if update is not None and screen is app.screen:  # a frame of the screen on top
                self.count, self.at = self.count + 1, time.perf_counter()
                # Nothing runs between the compositor rendering this frame and handing it here,
                # so what the probe sees now is what the frame shows.
                if self.probe is not None and self.ready_at is None and self.probe():
                    self.ready_at = self.at
            original(screen, update)

        app._display = display


async def timed_key(app, frames: Frames, key: str, ready) -> float:
    """Milliseconds from sending `key` to the first frame drawn while `ready()` holds (checked as
    each frame is handed over, so the clock stops at that frame, not at one drawn after a poll
    noticed it: a new screen lays itself out two or three times as it opens)."""
    from textual import events

    frames.probe, frames.ready_at = ready, None
    started = time.perf_counter()
    app._driver.send_message(events.Key(key, None))
    try:
        await wait_for(lambda: frames.ready_at is not None, f"the first frame that shows {key} done")
    finally:
        frames.probe = None
    return (frames.ready_at - started) * 1000


async def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.001)


async def _run(db: Path, repeats: int) -> dict:
    from textual.binding import Binding
    from textual.screen import Screen
    from textual.widgets import Label, Markdown, Static, TextArea

    from ir_console.config import Config
    from ir_console.model import Status
    from ir_console.store import Store
    from ir_console.tui.app import IrConsoleApp
    from ir_console.tui.dialogs.resolve import ConfirmResolveScreen
    from ir_console.tui.dialogs.status import StatusChoice
    from ir_console.tui.dialogs.status_update import StatusUpdateScreen
    from ir_console.tui.screens.postmortem import PostMortemScreen
    from ir_console.tui.screens.war_room import WarRoomScreen

    class Trivial(Screen):
        BINDINGS = [Binding("escape", "app.pop_screen")]

        def compose(self):
            yield Static("trivial")

    class BenchApp(IrConsoleApp):
        BINDINGS = [Binding("f12", "trivial", "Trivial")]

        def action_trivial(self) -> None:
            self.push_screen(Trivial())

    config = Config()
    config.signals.interval = 0
    store = Store.open(db, create=False)
    events = store.scalar("SELECT count(*) FROM events")
    incident_id = store.latest_open_incident().id
    app = BenchApp(store, config=config, sample_interval=0, live_interval=0.5, author="bench")
    timings: dict[str, list[float]] = {"trivial_ms": [], "postmortem_ms": [], "status_ms": [], "resolve_ms": []}
    details: dict = {}

    def generated_timeline(screen) -> bool:
        found = screen.query("#generated-timeline")
        return bool(found) and bool(found.first(Markdown).source)

    def preview_filled(screen) -> bool:
        found = screen.query("#preview")
        return bool(found) and bool(found.first(TextArea).text)

    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause(0.5)
        frames = Frames(app)
        war_room = app.screen

        def banner_shown() -> bool:
            return "REVIEW" in str(war_room.query_one("#review-banner", Label).render())

        assert isinstance(war_room, WarRoomScreen)
        for _ in range(repeats):
            for key, kind, name, ready in (
                ("f12", Trivial, "trivial_ms", lambda screen: True),
                ("p", PostMortemScreen, "postmortem_ms", generated_timeline),
                ("u", StatusUpdateScreen, "status_ms", preview_filled),
            ):
                timings[name].append(
                    await timed_key(app, frames, key, lambda: isinstance(app.screen, kind) and ready(app.screen))
                )
                if kind is PostMortemScreen:
                    details["key_rows"] = app.screen.query_one("#generated-timeline", Markdown).source.count("\n| ")
                if kind is StatusUpdateScreen:
                    details["current_action"] = app.screen.query_one("#current_action").value
                await pilot.press("escape")
                await wait_for(lambda: app.screen is war_room, "back to the war room")
                await pilot.pause()
            # Resolve: the status dialog's choice, then the confirmation; timed from its Enter.
            war_room.run_worker(war_room._status_chosen(StatusChoice(Status.RESOLVED, None)))
            await wait_for(lambda: isinstance(app.screen, ConfirmResolveScreen), "the confirmation")
            await pilot.pause()
            timings["resolve_ms"].append(
                await timed_key(
                    app,
                    frames,
                    "enter",
                    lambda: app.screen is war_room and war_room.has_class("-review") and banner_shown(),
                )
            )
            await app.write(lambda s: s.reopen_incident(incident_id, reason="bench", author="bench"))
            war_room.refresh_record()
            await wait_for(lambda: not war_room.has_class("-review"), "reopened")
            await pilot.pause(0.2)
    store.close()
    return {**timings, **details, "events": events}


def main() -> None:
    db, repeats = Path(sys.argv[1]), int(sys.argv[2])
    print(MARK + json.dumps(asyncio.run(_run(db, repeats))), flush=True)


if __name__ == "__main__":
    main()
