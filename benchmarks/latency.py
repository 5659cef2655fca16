"""Enter-to-visible latency of a timeline entry, and the durable insert it is compared with.

Console: one headless console (`App.run_test`, 160x48) on a copy of the 100,000-event database,
with the defaults `ir-console` runs with (real clock, real resource sampler, live refresh every
0.5 s). `t` focuses the entry line; each round types a short unique text and presses Enter.

What is timed: from just before `pilot.press("enter")` hands the key to the app, to the first
frame whose timeline row at the bottom of the pane (where the newest event sits) contains the
text. Frames are observed by wrapping `App._display` on the instance: the compositor calls it with
every update it rendered (headless it writes nothing), so the probe reads the frame itself, the
same strips a terminal would get, not the widget's state. The clock is read on entry to
`_display`, before the probe looks at the frame. Textual renders at most `TEXTUAL_FPS` (60) frames a
second: a repaint waits for the next 16.7 ms tick of the screen's update timer, so up to one tick
of every figure is Textual's frame pacing.

Also recorded per entry, by wrapping `app.submit_write` and the screen's `refresh_record` on the
instances (no console code is changed), to show where the time goes:
  dispatch  press -> the screen queues the write for the writer thread (key, the entry line)
  write     the writer thread's add_event: BEGIN IMMEDIATE, insert, COMMIT (fsync), read back
            (from when the writer thread starts it)
  refresh   refresh_record() on the event loop: count(*), incident, hypotheses, containment ...
  wait      refresh_record() done -> the compositor starts the frame (the rest of the handler,
            other messages, and the wait for the next 60 fps tick of the screen's update timer)
  render    the compositor renders the frame: render_line of every dirty widget, for the
            timeline including the page of events it reads from the store
  pages     of which Store.events_page (the SQL page read, LIMIT 200 OFFSET n) on the reader

Baseline: on another copy of the same database in the same folder, a raw sqlite3 connection in WAL
with synchronous=FULL inserts one event row shaped like `Store._event` writes it, in
BEGIN IMMEDIATE ... COMMIT: the durable write alone. One baseline insert is done before each
console entry (same moment, same machine state), so noise hits both series alike.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ir_console.model.clock import to_iso

SIZE = (160, 48)
PARTS = ("dispatch", "write", "refresh", "wait", "render", "pages")
WARMUP = 3  # the first entries open the writer connection and warm the caches; reported apart
TIMEOUT = 10.0


@dataclass
class LatencyResult:
    console_ms: list[float] = field(default_factory=list)
    baseline_ms: list[float] = field(default_factory=list)
    parts_ms: dict[str, list[float]] = field(default_factory=dict)
    first_entry_ms: float | None = None
    frames_per_entry: list[int] = field(default_factory=list)
    timeouts: int = 0


class FrameProbe:
    """Wraps `app._display`: notes when a frame shows `text` on one row of a region."""

    def __init__(self, app, marks: dict[str, float]) -> None:
        self.app = app
        self.marks = marks
        self.marks_at_seen: dict[str, float] = {}
        self.original = app._display
        self.text: str | None = None
        self.row: tuple[int, int, int] | None = None  # y, x1, x2 in screen cells
        self.seen: float | None = None
        self.shown = asyncio.Event()
        self.frames = 0
        app._display = self._display

    def arm(self, text: str, region) -> None:
        self.text, self.seen, self.frames = text, None, 0
        self.row = (region.bottom - 1, region.x, region.right)
        self.shown.clear()

    def _display(self, screen, update) -> None:
        now = time.perf_counter()
        if self.text is not None and self.seen is None and update is not None and screen is self.app.screen:
            self.frames += 1
            row = frame_row(update, *self.row)
            if row is not None and self.text in row:
                self.seen = now
                self.marks_at_seen = dict(self.marks)  # later frames overwrite the render marks
                self.shown.set()
        self.original(screen, update)


def frame_row(update, y: int, x1: int, x2: int) -> str | None:
    """The text a compositor update puts on screen row `y` between columns x1 and x2, or None
    when the update does not touch that row."""
    from textual._compositor import ChopsUpdate, LayoutUpdate

    if isinstance(update, LayoutUpdate):
        region = update.region
        if not region.y <= y < region.bottom:
            return None
        strips = list(update.strips[y - region.y])
        x = region.x
        pieces = []
        for strip in strips:
            if x + strip.cell_length > x1 and x < x2:
                pieces.append(strip.text)
            x += strip.cell_length
        return "".join(pieces)
    if isinstance(update, ChopsUpdate):
        if y not in {span_y for span_y, _, _ in update.spans} or y >= len(update.chops):
            return None
        return "".join(strip.text for x, strip in update.chops[y].items() if strip is not None and x1 <= x < x2)
    return None


def type_text(app, text: str) -> None:
    """Key events for `text`, through the driver like real keys, without the pilot's per-key
    idle waits (two 20 ms sleeps a key); the caller pauses once afterwards."""
    from textual import events
    from textual.keys import _character_to_key

    for char in text:
        key = char if char.isalnum() else _character_to_key(char)
        app._driver.send_message(events.Key(key, char))


class Baseline:
    """One durable event insert, as bare as SQLite allows, on its own connection."""

    SQL = (
        "INSERT INTO events (uuid, incident_id, occurred_at, recorded_at, kind, text, author, source, "
        "key_moment, revision) VALUES (?, ?, ?, ?, 'note', ?, 'bench', 'console', 0, 1)"
    )

    def __init__(self, path: Path, incident_id: int) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = FULL")
        self.incident_id = incident_id

    def insert(self, text: str) -> float:
        """Milliseconds for BEGIN IMMEDIATE, INSERT, COMMIT."""
        now = to_iso(datetime.now(UTC))
        row = (str(uuid.uuid4()), self.incident_id, now, now, text)
        start = time.perf_counter()
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.execute(self.SQL, row)
        self.conn.execute("COMMIT")
        return (time.perf_counter() - start) * 1000

    def close(self) -> None:
        self.conn.close()


async def _run(console_db: Path, baseline_db: Path, incident_id: int, entries: int) -> LatencyResult:
    from ir_console.store import Store
    from ir_console.tui.app import IrConsoleApp

    result = LatencyResult(parts_ms={name: [] for name in PARTS})
    baseline = Baseline(baseline_db, incident_id)
    store = Store.open(console_db, create=False)
    app = IrConsoleApp(store, author="bench")
    marks: dict[str, float] = {}
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            screen = app.screen
            timeline = screen.query_one("#timeline")
            entry = screen.query_one("#entry")

            original_submit = app.submit_write

            def timed_submit(change):
                def timed_change(store):
                    marks.setdefault("write_start", time.perf_counter())
                    try:
                        return change(store)
                    finally:
                        marks.setdefault("write_done", time.perf_counter())

                marks.setdefault("dispatched", time.perf_counter())
                return original_submit(timed_change)

            original_refresh = screen.refresh_record

            def timed_refresh(*args, **kwargs) -> None:
                original_refresh(*args, **kwargs)
                if "write_done" in marks:
                    marks.setdefault("refresh_done", time.perf_counter())

            compositor = screen._compositor
            original_render = compositor.render_update

            def timed_render(*args, **kwargs):
                marks["render_start"] = time.perf_counter()
                marks["pages_in_render"] = 0.0
                return original_render(*args, **kwargs)

            original_page = store.events_page

            def timed_page(*args, **kwargs):
                page_start = time.perf_counter()
                try:
                    return original_page(*args, **kwargs)
                finally:
                    if "pages_in_render" in marks:
                        marks["pages_in_render"] += time.perf_counter() - page_start

            app.submit_write = timed_submit
            screen.refresh_record = timed_refresh
            compositor.render_update = timed_render
            store.events_page = timed_page
            probe = FrameProbe(app, marks)

            await pilot.press("t")
            if not entry.has_focus:
                raise RuntimeError("pressing t did not focus the entry line")

            for number in range(WARMUP + entries):
                text = f"bench {number:04d} ok"
                type_text(app, text)
                await pilot.pause()
                if entry.value != text:
                    raise RuntimeError(f"entry line holds {entry.value!r}, typed {text!r}")
                await pilot.pause()
                baseline_ms = baseline.insert(text + " baseline")
                await pilot.pause()
                count = timeline.count
                marks.clear()
                probe.arm(text, timeline.content_region)
                start = time.perf_counter()
                await pilot.press("enter")
                try:
                    await asyncio.wait_for(probe.shown.wait(), TIMEOUT)
                except TimeoutError:
                    result.timeouts += 1
                    await pilot.pause()
                    entry.value = ""
                    continue
                if timeline.count != count + 1:
                    raise RuntimeError(f"timeline count {timeline.count}, expected {count + 1}")
                latency = (probe.seen - start) * 1000
                if number == 0:
                    result.first_entry_ms = latency
                if number < WARMUP:
                    continue
                result.console_ms.append(latency)
                result.baseline_ms.append(baseline_ms)
                result.frames_per_entry.append(probe.frames)
                seen = probe.marks_at_seen
                if {"write_start", "write_done", "refresh_done", "render_start"} <= seen.keys():
                    parts = result.parts_ms
                    parts["dispatch"].append((seen["dispatched"] - start) * 1000)
                    parts["write"].append((seen["write_done"] - seen["write_start"]) * 1000)
                    parts["refresh"].append((seen["refresh_done"] - seen["write_done"]) * 1000)
                    parts["wait"].append((seen["render_start"] - seen["refresh_done"]) * 1000)
                    parts["render"].append((probe.seen - seen["render_start"]) * 1000)
                    parts["pages"].append(seen["pages_in_render"] * 1000)
                await pilot.pause()
    finally:
        baseline.close()
        store.close()
    return result


def measure(console_db: Path, baseline_db: Path, incident_id: int, entries: int) -> LatencyResult:
    return asyncio.run(_run(console_db, baseline_db, incident_id, entries))
