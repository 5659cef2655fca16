"""Live refresh: another process (or another connection) writes, and the running console shows it
without a keypress."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from tui_support import Clock, console, count, header, last_line, one, run, timeline

from ir_console.model import Incident, Severity, Triage
from ir_console.model.clock import utc_now
from ir_console.store import Store
from ir_console.tui.dialogs.event_detail import EventDetailScreen

SHOWN_WITHIN = 1.0  # seconds, after the other writer has committed
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def clock() -> Clock:
    # Real time, frozen: `ir-console log` in another process stamps its entry with the real clock,
    # and it must land after everything the test wrote.
    return Clock(utc_now())


@pytest.fixture
def incident(store: Store, clock: Clock) -> Incident:
    store.clock = clock
    return store.create_incident(
        "Checkout API returning 500s",
        Severity.SEV2,
        triage=Triage(affected="All users paying by card"),
        detected_at=clock.now - timedelta(minutes=20),
        now=clock.now - timedelta(minutes=18),
    )


async def shown_within(pilot, condition, what: str, seconds: float = SHOWN_WITHIN) -> float:
    """Let the console run, pressing nothing, until `condition()` holds; fail after `seconds`."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > seconds:
            raise AssertionError(f"{what} not shown within {seconds} s")
        await pilot.pause(0.02)
    return time.monotonic() - start


async def test_an_entry_logged_from_another_shell_appears_without_a_keypress(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        view = timeline(app)
        assert view.count == 2
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
        # A real `ir-console log` in its own process; the console's event loop keeps running meanwhile.
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "ir_console",
            "--db",
            str(db_path),
            "log",
            "from another shell",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=REPO,
            env=env,
        )
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)
        assert process.returncode == 0, err.decode()
        row = one(db_path, "SELECT * FROM events WHERE text = 'from another shell'")
        assert out.decode().strip() == f"{incident.ref} #{row['id']}"
        assert (row["source"], row["incident_id"]) == ("cli", incident.id)

        await shown_within(pilot, lambda: "from another shell" in last_line(app), "the CLI's entry")
        assert view.count == count(db_path, "events") == 3
        assert view.current_event.id == row["id"]  # the cursor follows the newest event


async def test_a_second_store_writing_directly_is_shown_live(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        with Store.open(db_path, clock=clock) as other:
            other.add_event(incident.id, "from a second store", author="ops")
            await shown_within(pilot, lambda: "from a second store — ops" in last_line(app), "the second store's entry")
            assert timeline(app).count == count(db_path, "events")

            other.set_severity(incident.id, Severity.SEV1, author="ops")
            await shown_within(pilot, lambda: header(app, "severity") == "SEV-1", "the new severity")
            assert one(db_path, "SELECT severity FROM incidents")["severity"] == 1
            assert "Severity SEV-2 → SEV-1 — ops" in last_line(app)


async def test_the_selected_event_stays_selected_when_others_arrive(store, db_path, clock, incident) -> None:
    """A responder reading an older event must not have Enter open a different one because a
    colleague logged something meanwhile."""
    first = store.add_event(incident.id, "Error rate 31% on checkout", author="lee")
    store.add_event(incident.id, "Freeze deploys", author="dana")
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        view = timeline(app)
        assert app.focused is view
        await pilot.press("up")
        assert view.current_event.id == first.id
        with Store.open(db_path, clock=clock) as other:
            other.add_event(incident.id, "Colleague: pods restarted", author="sam")
            await shown_within(pilot, lambda: view.count == 5, "the colleague's entry")
            assert view.current_event.id == first.id
            # A back-dated entry lands before the selection: the selection moves with its event.
            other.add_event(incident.id, "Back-filled alert", occurred_at=clock.now - timedelta(hours=1), author="sam")
            await shown_within(pilot, lambda: view.count == 6, "the back-dated entry")
            assert view.current_event.id == first.id and view.cursor == 3
        assert count(db_path, "events") == 6
        await pilot.press("enter")
        assert isinstance(app.screen, EventDetailScreen) and app.screen.event.id == first.id

        # Back on the newest event, the cursor follows new events again.
        await pilot.press("escape", "end")
        with Store.open(db_path, clock=clock) as other:
            newest = other.add_event(incident.id, "Latest news", author="sam")
            await shown_within(pilot, lambda: view.count == 7, "the newest entry")
        assert view.current_event.id == newest.id and "Latest news" in last_line(app)
