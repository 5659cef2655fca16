"""Child-process entry points for the fault tests: writers that use ir-console as people do.

    python tests/fault_drivers.py console DB INCIDENT_ID TAG COUNT GO
    python tests/fault_drivers.py cli DB INCIDENT_ID TAG COUNT GO

`console` runs a headless console on DB and logs COUNT entries on the incident through the entry
line, each one only once the console saved the last (the line empties). `cli` runs
`ir-console log` COUNT times, in-process (an interpreter per call would take minutes). Each writes
`TAG-0`, `TAG-1`, ... in that order, prints `ready` once the database is open, starts when the file
GO exists, and ends by printing one JSON line: how many entries it wrote, the event ids the CLI
printed, and every problem it saw (a notification the console showed, an error from the command).
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

START_TIMEOUT = 60.0  # seconds to wait for the go-file
ENTRY_TIMEOUT = 15.0  # seconds one entry may take to be saved, other writers busy and all
CLI_OUTPUT = re.compile(r"INC-\S+ #(\d+)")


def entry_text(tag: str, number: int) -> str:
    return f"{tag}-{number}"


def wait_for_go(go: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not go.exists():
        if time.monotonic() > deadline:
            sys.exit("no start signal")
        time.sleep(0.001)


def report(written: int, problems: list[str], event_ids: list[int] | None = None) -> None:
    print(json.dumps({"written": written, "problems": problems, "event_ids": event_ids or []}), flush=True)


# -- ir-console log -------------------------------------------------------------------------------


def run_cli_writer(db: str, incident_id: int, tag: str, count: int, go: Path) -> None:
    import click

    from ir_console import cli
    from ir_console.store import Store

    Store.open(db, create=False).close()  # what `ready` promises: the file opens
    print("ready", flush=True)
    wait_for_go(go)
    problems: list[str] = []
    event_ids: list[int] = []
    for number in range(count):
        out, err = io.StringIO(), io.StringIO()
        args = ["--db", db, "log", entry_text(tag, number), "--incident", str(incident_id), "--by", tag]
        try:
            with redirect_stdout(out), redirect_stderr(err):
                status = cli.main(args, standalone_mode=False)
        except click.ClickException as error:
            problems.append(f"ir-console log {entry_text(tag, number)}: {error.format_message()}")
            break
        printed = CLI_OUTPUT.fullmatch(out.getvalue().strip())
        if status not in (None, 0) or err.getvalue() or not printed:
            problems.append(
                f"ir-console log {entry_text(tag, number)}: exit {status}, "
                f"stdout {out.getvalue()!r}, stderr {err.getvalue()!r}"
            )
            break
        event_ids.append(int(printed.group(1)))
    report(len(event_ids), problems, event_ids)


# -- a headless console ---------------------------------------------------------------------------


async def drive_console(db: str, incident_id: int, tag: str, count: int, go: Path) -> None:
    from textual.notifications import Notify

    from ir_console.config import Config
    from ir_console.demo import FixedSampler
    from ir_console.store import Store
    from ir_console.tui.app import IrConsoleApp
    from ir_console.tui.screens.war_room import WarRoomScreen
    from ir_console.tui.widgets.entry_line import EntryLine

    problems: list[str] = []

    def notified(message: object) -> None:
        # Every notification is a problem here: "Not saved", "Cannot read the database"...
        if isinstance(message, Notify):
            problems.append(f"{message.notification.title}: {message.notification.message}")

    store = Store.open(db, create=False)
    app = IrConsoleApp(store, author=tag, sampler=FixedSampler(), sample_interval=0, config=Config())
    written = 0
    async with app.run_test(size=(160, 48), notifications=True, message_hook=notified) as pilot:
        await pilot.pause()
        screen = app.screen
        if not isinstance(screen, WarRoomScreen) or screen.incident is None or screen.incident.id != incident_id:
            problems.append(f"the console did not open on incident {incident_id}: {screen!r}")
        else:
            await pilot.press("t")
            print("ready", flush=True)
            if await started(pilot, go):
                written = await log_entries(app, screen.query_one("#entry", EntryLine), tag, count, problems)
            else:
                problems.append("no start signal")
        await pilot.pause()
    store.close()
    report(written, problems)


async def started(pilot, go: Path) -> bool:
    """Keep the console running until the go-file appears."""
    deadline = time.monotonic() + START_TIMEOUT
    while not go.exists():
        if time.monotonic() > deadline:
            return False
        await pilot.pause(0.001)
    return True


async def log_entries(app, entry, tag: str, count: int, problems: list[str]) -> int:
    """Log the entries one by one, each after the last was saved; how many were."""
    from textual import events

    for number in range(count):
        # The value is set rather than typed, and Enter is sent as the terminal sends it, without
        # Pilot's wait for the whole app to go idle (~150 ms a key): it still goes through the
        # entry line's Enter and the screen's `take_entry`.
        entry.value = entry_text(tag, number)
        app._driver.send_message(events.Key("enter", "\r"))
        if not await saved(entry, problems):
            return number
    return count


async def saved(entry, problems: list[str]) -> bool:
    """Wait until the console has saved the entry (the line is empty and no save is under way) or
    said it could not."""
    deadline = time.monotonic() + ENTRY_TIMEOUT
    while entry.value or entry.saving:
        if problems:
            return False
        if time.monotonic() > deadline:
            problems.append(f"{entry.value!r} not saved after {ENTRY_TIMEOUT:.0f} s")
            return False
        await asyncio.sleep(0.001)
    return not problems


def main(argv: list[str]) -> None:
    kind, db, incident_id, tag, count, go = argv
    if kind == "cli":
        run_cli_writer(db, int(incident_id), tag, int(count), Path(go))
    elif kind == "console":
        asyncio.run(drive_console(db, int(incident_id), tag, int(count), Path(go)))
    else:
        sys.exit(f"unknown writer {kind!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
