"""Times in the console: a back-dated entry never lands on another day unseen, and the timeline
shows the date of every row that is not today's.

The clock is five minutes past midnight; the incident was detected at 00:01 and declared at
00:02 (local time is UTC, conftest). Each test checks the screen and the SQLite file.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from textual.widgets import Input, Label
from tui_support import (
    Clock,
    console,
    count,
    one,
    paste_text,
    prompts,
    run,
    settle,
    shown_lines,
    timeline,
    toasts,
    wait_until,
)

from ir_console.model import Incident, Severity, Triage
from ir_console.store import Store
from ir_console.tui.dialogs.event import EventScreen
from ir_console.tui.screens.war_room import WarRoomScreen
from ir_console.tui.widgets.containment_list import ContainmentList
from ir_console.tui.widgets.entry_line import EntryLine

MIDNIGHT = datetime(2026, 11, 30, 0, 5, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(MIDNIGHT)


@pytest.fixture
def incident(store: Store, clock: Clock) -> Incident:
    store.clock = clock
    return store.create_incident(
        "Checkout 500s after midnight",
        Severity.SEV2,
        triage=Triage(reporter="pager"),
        detected_at=MIDNIGHT - timedelta(minutes=4),
        author="pager",
        now=MIDNIGHT - timedelta(minutes=3),
    )


def entry_line(app) -> EntryLine:
    return app.screen.query_one("#entry", EntryLine)


async def type_entry(pilot, line: str) -> None:
    entry = entry_line(pilot.app)
    entry.value = ""
    await paste_text(pilot, line)
    await pilot.press("enter")


def stored(db_path, text: str) -> dict:
    return one(db_path, "SELECT * FROM events WHERE text = ?", text)


async def test_23_58_typed_at_00_05_lands_yesterday_only_after_the_date_was_shown(
    store, db_path, clock, incident
) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("t")
        before = count(db_path, "events")
        await type_entry(pilot, "@23:58 Pager fired for checkout")
        entry = entry_line(app)
        await wait_until(pilot, lambda: entry.confirming, "the question")
        # Shown in full, with the day, and why; nothing is written yet and the text stays.
        assert entry.border_title == (
            "2026-11-29 23:58:00 UTC (yesterday), before the incident began: Enter logs it, Esc edits"
        )
        await settle(pilot)
        assert count(db_path, "events") == before and entry.value == "@23:58 Pager fired for checkout"

        await pilot.press("enter")
        await wait_until(pilot, lambda: count(db_path, "events") == before + 1, "the entry in the database")
        row = stored(db_path, "Pager fired for checkout")
        assert row["occurred_at"] == "2026-11-29T23:58:00.000Z"
        await wait_until(
            pilot, lambda: entry.value == "" and not entry.confirming and not entry.saving, "the line emptied"
        )

        # On the timeline it carries its date, in the local and the UTC column; the incident's
        # own day does not, and its columns stay aligned under the dated row.
        view = timeline(app)
        await wait_until(pilot, lambda: view.count == before + 1, "the timeline")
        lines = shown_lines(app)
        assert lines[0].startswith("Nov 29 23:58:00 Nov 29 23:58Z")
        assert "Pager fired for checkout" in lines[0]
        assert all(line.startswith("       00:0") for line in lines[1:]), lines
        assert lines[1].index("00:01Z") == lines[0].index("23:58Z")  # the UTC column where the dated row has it


async def test_a_full_date_time_on_the_entry_line(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("t")
        entry = entry_line(app)
        # A date and a time as two words, after the incident began: logged at once.
        await type_entry(pilot, "/alert @2026-11-30 00:03 Error rate 31%")
        await wait_until(pilot, lambda: entry.value == "" and not entry.saving, "the entry logged")
        row = stored(db_path, "Error rate 31%")
        assert (row["kind"], row["occurred_at"]) == ("alert", "2026-11-30T00:03:00.000Z")
        assert not entry.confirming

        # ISO 8601 as one word, with its zone, the day before: asked first.
        await type_entry(pilot, "@2026-11-29T22:10Z Deploy v2.41.0 started")
        await wait_until(pilot, lambda: entry.confirming, "the question")
        assert entry.border_title.startswith("2026-11-29 22:10:00 UTC (yesterday), before the incident began")
        await pilot.press("enter")
        await wait_until(pilot, lambda: entry.value == "" and not entry.saving, "the entry logged")
        assert stored(db_path, "Deploy v2.41.0 started")["occurred_at"] == "2026-11-29T22:10:00.000Z"


async def test_more_than_12_hours_ago_is_asked_too(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("t")
        entry = entry_line(app)
        await type_entry(pilot, "@-1d Same alert yesterday")
        await wait_until(pilot, lambda: entry.confirming, "the question")
        assert entry.border_title.startswith("2026-11-29 00:05:00 UTC (yesterday)")


async def test_escape_at_the_question_returns_to_the_line_with_its_text(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("t")
        entry = entry_line(app)
        before = count(db_path, "events")
        await type_entry(pilot, "@23:58 Pager fired")
        await wait_until(pilot, lambda: entry.confirming, "the question")
        await pilot.press("escape")
        assert not entry.confirming and not entry.border_title
        assert entry.value == "@23:58 Pager fired" and app.focused is entry  # still editing
        # The question is asked again: Escape did not count as a yes.
        await pilot.press("enter")
        await wait_until(pilot, lambda: entry.confirming, "the question again")
        # An edit is a new line: its time is read again, and asked about if it must be.
        await pilot.press("end")
        await pilot.press("ctrl+w")  # delete the last word
        assert not entry.confirming
        await settle(pilot)
        assert count(db_path, "events") == before
        # Outside a question, Escape leaves the line.
        await pilot.press("escape")
        assert app.focused is timeline(app)


async def test_a_time_in_the_future_is_refused(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("t")
        entry = entry_line(app)
        before = count(db_path, "events")
        await type_entry(pilot, "@2026-11-30T09:00Z Deploy window")
        await wait_until(pilot, lambda: any("in the future" in toast for toast in toasts(app)), "the refusal")
        assert any("2026-11-30 09:00:00 UTC is in the future" in toast for toast in toasts(app))
        await settle(pilot)
        assert count(db_path, "events") == before
        assert entry.value == "@2026-11-30T09:00Z Deploy window" and not entry.confirming


async def test_the_event_dialog_shows_the_time_it_will_store_and_asks_for_another_day(
    store, db_path, clock, incident
) -> None:
    event = store.add_event(incident.id, "First 500s", author="sam")
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("end", "enter", "e")
        dialog = app.screen
        assert isinstance(dialog, EventScreen) and dialog.event.id == event.id
        field = dialog.query_one("#occurred", Input)
        resolved = dialog.query_one("#occurred-resolved", Label)
        assert str(resolved.render()) == "→ 2026-11-30 00:05:00 UTC (today)"

        field.focus()
        field.value = ""
        await paste_text(pilot, "23:58")
        await wait_until(
            pilot,
            lambda: str(resolved.render()) == "→ 2026-11-29 23:58:00 UTC (yesterday)",
            "the resolved time under the field",
        )
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = str(dialog.query_one("#form-error", Label).render())
        assert app.screen is dialog and error.startswith("When: 2026-11-29 23:58:00 UTC (yesterday)")
        assert one(db_path, "SELECT occurred_at FROM events WHERE id = ?", event.id)["occurred_at"] == (
            "2026-11-30T00:05:00.000Z"
        )

        await pilot.press("ctrl+s")
        await wait_until(
            pilot,
            lambda: (
                one(db_path, "SELECT occurred_at FROM events WHERE id = ?", event.id)["occurred_at"]
                == "2026-11-29T23:58:00.000Z"
            ),
            "the new time in the database",
        )
        assert isinstance(app.screen, WarRoomScreen)


async def test_the_event_dialog_refuses_the_future_and_says_so_as_you_type(store, db_path, clock, incident) -> None:
    event = store.add_event(incident.id, "First 500s", author="sam")
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("end", "enter", "e")
        dialog = app.screen
        field = dialog.query_one("#occurred", Input)
        field.value = "2026-11-30T09:00Z"
        await pilot.pause()
        assert "is in the future" in str(dialog.query_one("#occurred-resolved", Label).render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog
        assert "in the future" in str(dialog.query_one("#form-error", Label).render())
        assert one(db_path, "SELECT occurred_at FROM events WHERE id = ?", event.id)["occurred_at"] == (
            "2026-11-30T00:05:00.000Z"
        )


async def test_a_containment_change_not_made_today_shows_its_date(store, db_path, clock, incident) -> None:
    rollback, flag = store.containment(incident.id)[:2]
    clock.now = MIDNIGHT - timedelta(minutes=7)  # 23:58 yesterday
    store.advance_containment(rollback.id, author="sam")
    clock.now = MIDNIGHT
    store.advance_containment(flag.id, author="sam")
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        shown = prompts(app.screen.query_one("#containment", ContainmentList))
        assert "in progress by sam Nov 29 23:58" in shown[0]
        assert "in progress by sam 00:05" in shown[1] and "Nov" not in shown[1]


async def test_a_replayed_outage_from_another_year_never_looks_like_today(store, db_path, clock) -> None:
    # GitHub's 2018-10-21 partition, back-filled today: its rows carry their date and year, the
    # declaration made today does not, and the columns line up.
    store.clock = clock
    store.create_incident(
        "US East network partition", Severity.SEV1, detected_at=datetime(2018, 10, 21, 22, 54, tzinfo=UTC), now=MIDNIGHT
    )
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        view = timeline(app)
        await wait_until(pilot, lambda: view.count == 2, "the timeline")
        detected, declared = shown_lines(app)[:2]
        assert detected.startswith("Oct 21 2018 22:54:00 Oct 21 2018 22:54Z"), detected
        assert declared.startswith(" " * len("Oct 21 2018 ") + "00:05:00"), declared
        assert declared.index("00:05Z") == detected.index("22:54Z")

        clock.advance(days=1)  # past midnight: the declaration is yesterday's now
        await wait_until(
            pilot,
            lambda: shown_lines(app)[1].startswith(f"{'Nov 30':<11} 00:05:00 {'Nov 30':<11} 00:05Z"),
            "yesterday's row dated",
        )


@pytest.mark.parametrize("line", ["@9999-12-31T23:59:59Z Far", "@0001-01-01 Early", "@-9999999999m Long ago"])
async def test_dates_at_the_limits_are_one_line_on_the_entry_line(store, db_path, clock, incident, line) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("t")
        before = count(db_path, "events")
        await type_entry(pilot, line)
        token = line.split()[0][1:]
        await wait_until(
            pilot,
            lambda: any(
                f"'{token}'" in toast and ("out of range" in toast or "cannot read" in toast) for toast in toasts(app)
            ),
            "the one-line refusal",
        )
        await settle(pilot)
        assert app.is_running and count(db_path, "events") == before
        assert entry_line(app).value == line


async def test_an_until_filter_at_the_limit_is_one_line_on_the_incidents_screen(store, clock, incident) -> None:
    from ir_console.tui.screens.incidents import IncidentsScreen

    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("i")
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentsScreen), "the incidents screen")
        screen = app.screen
        screen.query_one("#until", Input).value = "9999-12-31"
        screen.show_incidents()
        await settle(pilot)
        assert "out of range" in str(screen.query_one("#filter-error", Label).content)
        assert app.is_running
