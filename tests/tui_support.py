"""Helpers for the Pilot tests: a settable clock, the app under test, and honest waits.

Every Pilot test checks two things: what the screen shows and what the SQLite file holds. The
file is read with a separate `sqlite3` connection, never through the app's own store.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

from textual import events
from textual.pilot import Pilot
from textual.widgets import Label
from textual.widgets._toast import Toast

from ir_console.demo import FixedSampler
from ir_console.model import Incident, Severity, Triage
from ir_console.store import Store
from ir_console.tui.app import IrConsoleApp
from ir_console.tui.screens.war_room import WarRoomScreen
from ir_console.tui.widgets.marked_list import MarkedList
from ir_console.tui.widgets.timeline import TimelineView

NOW = datetime(2026, 11, 27, 3, 14, 30, tzinfo=UTC)
NOW_ISO = "2026-11-27T03:14:30.000Z"
WAIT_SECONDS = 5.0


class Clock:
    """The app's clock: fixed until a test moves it."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


CHECKOUT_TITLE = "Checkout API returning 500s"


def declare_checkout_incident(store: Store, clock: Clock) -> Incident:
    """An open SEV-2 declared 18 minutes before NOW (detected 20 minutes before); the store's
    later writes take their time from `clock`."""
    store.clock = clock
    return store.create_incident(
        CHECKOUT_TITLE,
        Severity.SEV2,
        triage=Triage(
            reporter="PagerDuty",
            happening="30% of POST /checkout fail",
            affected="All users paying by card",
            changed="Deploy v2.41.0",
        ),
        detected_at=NOW - timedelta(minutes=20),
        author="pager",
        now=NOW - timedelta(minutes=18),
    )


def console(store: Store, clock: Clock, **options: object) -> IrConsoleApp:
    settings = {"author": "tester", "live_interval": 0.1, "sample_interval": 0, **options}
    return IrConsoleApp(store, clock=clock, sampler=FixedSampler(), **settings)


def run(app: IrConsoleApp, size: tuple[int, int] = (160, 48)):
    # Notifications on: a toast that cannot be rendered must fail the test as it would crash the app.
    return app.run_test(size=size, notifications=True)


def query(path: Path, sql: str, *params: object) -> list[dict]:
    """Rows from the database file, read with a connection of our own."""
    with closing(sqlite3.connect(path)) as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute(sql, params)]


def one(path: Path, sql: str, *params: object) -> dict:
    found = query(path, sql, *params)
    assert len(found) == 1, f"expected one row for {sql!r} {params!r}, got {found!r}"
    return found[0]


def count(path: Path, table: str, where: str = "1", *params: object) -> int:
    return query(path, f"SELECT count(*) AS n FROM {table} WHERE {where}", *params)[0]["n"]


async def wait_until(pilot: Pilot, condition: Callable[[], object], what: str, timeout: float = WAIT_SECONDS) -> None:
    """Let the app run (writer thread included) until `condition()` holds; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        await pilot.pause()
        if condition():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        await pilot.pause(0.02)


async def settle(pilot: Pilot, rounds: int = 5) -> None:
    """Give a write that should NOT happen every chance to happen before asserting it did not."""
    for _ in range(rounds):
        await pilot.pause()
        await pilot.pause(0.02)


def war_room(app: IrConsoleApp) -> WarRoomScreen:
    return next(screen for screen in app.screen_stack if isinstance(screen, WarRoomScreen))


def timeline(app: IrConsoleApp) -> TimelineView:
    return war_room(app).query_one("#timeline", TimelineView)


def shown_lines(app: IrConsoleApp) -> list[str]:
    """The timeline lines on screen, as text."""
    view = timeline(app)
    top = round(view.scroll_offset.y)
    visible = max(0, min(view.count - top, view.scrollable_content_region.height))
    return [view.render_line(y).text.rstrip() for y in range(visible)]


def line_at(app: IrConsoleApp, index: int) -> str:
    """The on-screen text of timeline event `index` (which must be scrolled into view)."""
    view = timeline(app)
    y = index - round(view.scroll_offset.y)
    assert 0 <= y < view.scrollable_content_region.height, f"event {index} is not on screen"
    return view.render_line(y).text.rstrip()


def last_line(app: IrConsoleApp) -> str:
    return line_at(app, timeline(app).count - 1)


def header(app: IrConsoleApp, name: str) -> str:
    return str(war_room(app).query_one(f"#header #{name}", Label).render())


def toasts(app: IrConsoleApp) -> list[str]:
    """The notifications on screen, as rendered (title and message)."""
    return [str(toast.render()) for toast in app.screen.query(Toast)]


def prompts(options) -> list[str]:
    """An OptionList's option prompts as plain text, without the war room lists' `▶ ` mark of the
    highlighted one (`marked` tells which that is)."""
    texts = [str(getattr(option.prompt, "plain", option.prompt)) for option in options.options]
    if isinstance(options, MarkedList):
        texts = [text[len(MarkedList.MARK) :] for text in texts]
    return texts


def marked(options) -> list[int]:
    """Which options of a war room list carry the `▶ ` mark."""
    return [
        index
        for index, option in enumerate(options.options)
        if str(getattr(option.prompt, "plain", option.prompt)).startswith(MarkedList.MARK)
    ]


def paste(app: IrConsoleApp, text: str) -> None:
    """What a terminal sends for a bracketed paste: the text, control sequences and all."""
    app._driver.send_message(events.Paste(text))


async def paste_text(pilot: Pilot, text: str) -> None:
    """Longer text arrives as a paste: a key press costs ~65 ms in Pilot, and typing is tested elsewhere."""
    paste(pilot.app, text)
    await pilot.pause()
