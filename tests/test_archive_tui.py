"""The incidents screen (`i`, `ir-console --list`), driven headless through Textual's Pilot:
filtering, sorting, full-text search that opens the war room at the event found, statistics and
their export, the seed's common root causes, and small terminals.

Incidents are written with a real store on a real file; what the screen shows is read from its
widgets as rendered, and the database with a connection of our own.
"""

from __future__ import annotations

import io
import json
import sqlite3
from contextlib import closing
from datetime import timedelta

import pytest
from click.testing import CliRunner
from rich.console import Console
from textual.widgets import Input, Label, OptionList, Static, TabbedContent
from tui_support import NOW, Clock, console, count, header, line_at, query, run, timeline, toasts, wait_until

from ir_console.cli import main
from ir_console.model import Milestone, Role, Severity, Status
from ir_console.model.root_causes import COMMON_ROOT_CAUSES
from ir_console.render.stats import BLOCKS
from ir_console.store import Store
from ir_console.tui.screens.incidents import MATCH_STYLE, IncidentsScreen
from ir_console.tui.screens.war_room import WarRoomScreen
from ir_console.tui.widgets.incident_list import IncidentList

MARKUP_TITLE = "[bold]x[/] payments [red]down[/red]"


def make_incident(
    store: Store,
    title: str,
    severity: Severity,
    *,
    started: timedelta,
    status: Status = Status.INVESTIGATING,
    commander: str = "",
    **after_detected: float,
) -> int:
    """An incident detected `started` before NOW; milestones given in minutes after detection
    (`impact_started` in minutes before it)."""
    detected = NOW - started
    incident = store.create_incident(title, severity, detected_at=detected, author="ops", now=detected)
    if "impact_started" in after_detected:
        store.set_milestone(
            incident.id, Milestone.IMPACT_STARTED, detected - timedelta(minutes=after_detected.pop("impact_started"))
        )
    # Resolved is stamped by resolving, at its time.
    resolved = after_detected.pop("resolved", None)
    for name, minutes in after_detected.items():
        store.set_milestone(incident.id, Milestone(name), detected + timedelta(minutes=minutes))
    if status is not Status.INVESTIGATING:
        at = detected + timedelta(minutes=resolved) if resolved is not None else None
        store.set_status(incident.id, status, at=at)
    if commander:
        store.set_role(incident.id, Role.COMMANDER, commander)
    return incident.id


@pytest.fixture
def archive(store: Store, clock: Clock) -> dict[str, int]:
    """Four incidents over a week; each title names it."""
    store.clock = clock
    return {
        "db": make_incident(
            store,
            "Database failover",
            Severity.SEV1,
            started=timedelta(days=6),
            status=Status.RESOLVED,
            commander="zoe",
            resolved=90,
        ),
        "cdn": make_incident(
            store,
            "CDN cache misses",
            Severity.SEV3,
            started=timedelta(days=2),
            status=Status.MONITORING,
            commander="amir",
        ),
        "auth": make_incident(store, "Auth tokens expired", Severity.SEV2, started=timedelta(hours=5), commander="kim"),
        "batch": make_incident(
            store, "Batch job slow", Severity.SEV4, started=timedelta(days=4), status=Status.RESOLVED, resolved=10
        ),
    }


async def open_incidents(pilot, app) -> IncidentsScreen:
    await pilot.pause()
    if not isinstance(app.screen, IncidentsScreen):
        await pilot.press("escape")  # the war room may open on the new-incident form
        await pilot.press("i")
    await wait_until(pilot, lambda: isinstance(app.screen, IncidentsScreen), "the incidents screen")
    return app.screen


def table_of(screen: IncidentsScreen) -> IncidentList:
    return screen.query_one("#incident-table", IncidentList)


def column(screen: IncidentsScreen, name: str) -> list[str]:
    table = table_of(screen)
    index = [column.key for column in table.columns].index(name)
    return [table.get_row_at(row)[index].plain for row in range(table.row_count)]


def titles(screen: IncidentsScreen) -> list[str]:
    return column(screen, "title")


def shown_row(screen: IncidentsScreen, row: int) -> str:
    """A table row as drawn on screen (row 0 is the first incident, below the header)."""
    return table_of(screen).render_line(row + 1).text


def results_of(screen: IncidentsScreen) -> OptionList:
    return screen.query_one("#search-results", OptionList)


def title_bar(screen: IncidentsScreen) -> str:
    return str(screen.query_one("#incidents-title", Label).render())


def error_shown(screen: IncidentsScreen, name: str) -> str:
    label = screen.query_one(f"#{name}", Label)
    return str(label.render()) if label.display else ""


def static_text(widget: Static, width: int = 120) -> str:
    """What a Static holds, rendered as plain text."""
    out = Console(width=width, record=True, file=io.StringIO())
    out.print(widget.content)
    return out.export_text()


async def type_into(pilot, screen: IncidentsScreen, selector: str, text: str) -> None:
    """Type `text` into an emptied input, key by key, and press Enter."""
    field = screen.query_one(selector, Input)
    field.focus()
    field.value = ""
    await pilot.press(*text, "enter")


async def fill(pilot, screen: IncidentsScreen, selector: str, text: str) -> None:
    """Put `text` in an input at once (a key press costs ~65 ms in Pilot) and press Enter."""
    field = screen.query_one(selector, Input)
    field.focus()
    field.value = text
    await pilot.press("enter")


async def show_tab(pilot, screen: IncidentsScreen, key: str, tab: str) -> None:
    await pilot.press(key)
    await wait_until(pilot, lambda: screen.query_one(TabbedContent).active == tab, tab)


# -- the list -------------------------------------------------------------------------------------


async def test_lists_every_incident_newest_first_with_its_columns(store, db_path, clock, archive) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        screen = await open_incidents(pilot, app)
        assert titles(screen) == ["Auth tokens expired", "CDN cache misses", "Batch job slow", "Database failover"]
        assert column(screen, "ref") == [
            row["ref"] for row in query(db_path, "SELECT ref FROM incidents ORDER BY detected_at DESC")
        ]
        first = shown_row(screen, 0)
        auth = store.incident(archive["auth"])
        for cell in (auth.ref, "Auth tokens expired", "SEV-2", "Investigating", "2026-11-26 22:14", "5h 00m", "kim"):
            assert cell in first
        assert column(screen, "duration")[3] == "1h 30m"  # resolved: to its resolution, not to now
        assert "4 shown" in title_bar(screen) and "sorted by started descending" in title_bar(screen)


async def test_filters_by_status_severity_and_dates(store, db_path, clock, archive) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        screen = await open_incidents(pilot, app)
        # Status, chosen from the drop-down with the keyboard: "open" is the second choice.
        screen.query_one("#status-filter").focus()
        await pilot.press("enter", "down", "enter")
        await wait_until(pilot, lambda: len(titles(screen)) == 2, "the open incidents")
        assert titles(screen) == ["Auth tokens expired", "CDN cache misses"]
        assert "2 shown" in title_bar(screen)

        # Severity, with status back to all.
        screen.query_one("#status-filter").value = "all"
        screen.query_one("#severity-filter").value = "1"
        await wait_until(pilot, lambda: titles(screen) == ["Database failover"], "SEV-1 only")
        screen.query_one("#severity-filter").value = "any"
        await wait_until(pilot, lambda: len(titles(screen)) == 4, "every severity")

        # Dates: local days, `until` taking in the whole day.
        await type_into(pilot, screen, "#since", "2026-11-23")
        await wait_until(pilot, lambda: len(titles(screen)) == 3, "since the 23rd")
        assert "Database failover" not in titles(screen)
        await type_into(pilot, screen, "#until", "2026-11-25")
        await wait_until(pilot, lambda: titles(screen) == ["CDN cache misses", "Batch job slow"], "23rd to 25th")

        # A wrong date says so, names the field and leaves the list as it was.
        await type_into(pilot, screen, "#until", "2026-13-45")
        await wait_until(pilot, lambda: error_shown(screen, "filter-error"), "the error")
        assert error_shown(screen, "filter-error").startswith("until: cannot read the time '2026-13-45': use now")
        assert titles(screen) == ["CDN cache misses", "Batch job slow"]
        await fill(pilot, screen, "#until", "2026-11-25")  # put back: the list shown is right again
        await wait_until(pilot, lambda: not error_shown(screen, "filter-error"), "the error gone")
        await fill(pilot, screen, "#until", "2026-11-20")
        await wait_until(
            pilot, lambda: error_shown(screen, "filter-error") == "since must be before until", "the window error"
        )
        await fill(pilot, screen, "#until", "")
        await wait_until(
            pilot, lambda: not error_shown(screen, "filter-error") and len(titles(screen)) == 3, "the error cleared"
        )
    assert count(db_path, "incidents") == 4  # browsing writes nothing


async def test_sorts_in_sql_by_key_and_by_clicking_a_header(store, clock, archive) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        screen = await open_incidents(pilot, app)
        await pilot.press("o")  # started -> duration, longest first
        await wait_until(pilot, lambda: screen.sort == "duration", "sorted by duration")
        assert titles(screen) == ["CDN cache misses", "Auth tokens expired", "Database failover", "Batch job slow"]
        assert "sorted by duration descending" in title_bar(screen)
        assert "duration ▼" in table_of(screen).render_line(0).text
        await pilot.press("O")
        await wait_until(pilot, lambda: not screen.descending, "reversed")
        assert titles(screen) == ["Batch job slow", "Database failover", "Auth tokens expired", "CDN cache misses"]

        # Clicking the severity header: SEV-1 first; clicking it again reverses.
        await pilot.click("#incident-table", offset=(header_x(screen, "severity"), 0))
        await wait_until(pilot, lambda: screen.sort == "severity", "sorted by severity")
        assert column(screen, "severity") == [" SEV-1 ", " SEV-2 ", " SEV-3 ", " SEV-4 "]
        await pilot.click("#incident-table", offset=(header_x(screen, "severity"), 0))
        await wait_until(pilot, lambda: screen.descending, "severity reversed")
        assert column(screen, "severity") == [" SEV-4 ", " SEV-3 ", " SEV-2 ", " SEV-1 "]
        await pilot.click("#incident-table", offset=(header_x(screen, "commander"), 0))
        await wait_until(pilot, lambda: screen.sort == "commander", "sorted by commander")
        assert column(screen, "commander") == ["—", "amir", "kim", "zoe"]  # no commander sorts first


def header_x(screen: IncidentsScreen, name: str) -> int:
    """The x of a column's header cell, within the table."""
    table = table_of(screen)
    return table.column_x(name) - round(table.scroll_offset.x)


async def test_enter_opens_the_incident_in_the_war_room(store, clock, archive) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await open_incidents(pilot, app)
        await pilot.press("down", "enter")  # the second row: CDN cache misses
        await wait_until(pilot, lambda: isinstance(app.screen, WarRoomScreen), "the war room")
        assert header(app, "ref") == store.incident(archive["cdn"]).ref
        assert header(app, "title") == "CDN cache misses"
        await pilot.press("i")
        await open_incidents(pilot, app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, WarRoomScreen), "closed")
        assert header(app, "title") == "CDN cache misses"  # Esc changes nothing


async def test_markup_in_titles_and_commanders_is_shown_literally(store, db_path, clock) -> None:
    store.clock = clock
    make_incident(store, MARKUP_TITLE, Severity.SEV2, started=timedelta(minutes=30), commander="[i]eve[/i]")
    app = console(store, clock)
    async with run(app) as pilot:
        screen = await open_incidents(pilot, app)
        shown = shown_row(screen, 0)
        assert MARKUP_TITLE in shown and "[i]eve[/i]" in shown
    assert query(db_path, "SELECT title FROM incidents")[0]["title"] == MARKUP_TITLE


# -- search ---------------------------------------------------------------------------------------


async def test_search_opens_the_incident_at_the_event_found(store, db_path, clock, archive) -> None:
    auth = archive["auth"]
    for n in range(150):
        store.add_event(auth, f"routine check {n}", author="bot")
    found = store.add_event(
        auth, "[red]Token[/red] signer rotated by cron at 03:00", author="kim", occurred_at=NOW - timedelta(hours=4)
    )
    for n in range(150):
        store.add_event(auth, f"later check {n}", author="bot")
    app = console(store, clock)
    async with run(app) as pilot:
        screen = await open_incidents(pilot, app)
        await show_tab(pilot, screen, "slash", "search-tab")
        assert app.focused is screen.query_one("#search-input", Input)
        await pilot.press(*"signer cron", "enter")
        results = screen.query_one("#search-results", OptionList)
        await wait_until(pilot, lambda: results.option_count == 1, "one hit")
        assert str(screen.query_one("#search-status", Label).render()) == "1 match. Enter opens one."
        prompt = results.get_option_at_index(0).prompt
        ref = store.incident(auth).ref
        assert prompt.plain.startswith(f"{ref}  2026-11-26 23:14  Timeline  Auth tokens expired")
        assert "[red]Token[/red] signer rotated by cron" in prompt.plain  # markup stays text
        highlighted = {prompt.plain[span.start : span.end] for span in prompt.spans if span.style == MATCH_STYLE}
        assert highlighted == {"signer", "cron"}

        assert app.focused is results  # Enter in the box moves to the results: Enter again opens
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, WarRoomScreen), "the war room")
        view = timeline(app)
        position = store.event_position(found.id)
        assert header(app, "ref") == ref
        assert view.count == count(db_path, "events", "incident_id = ?", auth)
        assert 0 < position < view.count - 100  # mid-timeline, far from the newest event
        await wait_until(pilot, lambda: view.cursor == position, "the cursor on the event")
        assert app.focused is view
        await pilot.pause()
        assert "[red]Token[/red] signer rotated by cron" in line_at(app, position)  # scrolled into view
        assert view.current_event.id == found.id


async def test_search_says_when_there_is_nothing_to_search(store, db_path, clock, archive) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        screen = await open_incidents(pilot, app)
        await show_tab(pilot, screen, "2", "search-tab")
        status = screen.query_one("#search-status", Label)
        await pilot.press("*", "enter")
        await wait_until(pilot, lambda: "No words" in str(status.render()), "the no-words message")
        assert str(status.render()) == "No words to search for in '*': use letters or digits."
        await fill(pilot, screen, "#search-input", "zebra")
        await wait_until(pilot, lambda: str(status.render()) == "No matches.", "no matches")

        # Typing searches by itself, after a pause.
        screen.query_one("#search-input", Input).value = "expired"
        results = screen.query_one("#search-results", OptionList)
        await wait_until(pilot, lambda: results.option_count == 2, "the typed search")
        assert [hit.where for hit in screen.hits] == ["Title", "Timeline"]  # the title, then "Incident declared"

        # Esc leaves the input first (digits and letters type there), then closes the screen.
        assert app.focused is screen.query_one("#search-input", Input)
        await pilot.press("escape")
        assert app.focused is results and app.screen is screen
        await show_tab(pilot, screen, "1", "incidents-tab")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, WarRoomScreen), "the war room")

    # An index that is missing (as with an SQLite without FTS5) is said, not a crash.
    with closing(sqlite3.connect(db_path)) as db, db:
        db.execute("DROP TABLE search_events")
    app = console(store, clock)
    async with run(app) as pilot:
        screen = await open_incidents(pilot, app)
        await show_tab(pilot, screen, "slash", "search-tab")
        await fill(pilot, screen, "#search-input", "expired")
        status = screen.query_one("#search-status", Label)
        await wait_until(pilot, lambda: "search index is missing" in str(status.render()), "the message")
        assert results_of(screen).option_count == 0


# -- stats ----------------------------------------------------------------------------------------


@pytest.fixture
def measured(store: Store, clock: Clock) -> None:
    """Two SEV-1s with every milestone, a SEV-3 with none, and a SEV-2 from 200 days ago."""
    store.clock = clock
    make_incident(
        store,
        "Primary down",
        Severity.SEV1,
        started=timedelta(days=3),
        impact_started=10,
        acknowledged=2,
        mitigated=10,
        resolved=30,
        status=Status.RESOLVED,
    )
    make_incident(
        store,
        "Replica lag",
        Severity.SEV1,
        started=timedelta(days=1),
        impact_started=20,
        acknowledged=4,
        mitigated=20,
        resolved=60,
        status=Status.RESOLVED,
    )
    make_incident(store, "Slow search", Severity.SEV3, started=timedelta(hours=2))
    make_incident(
        store,
        "Old outage",
        Severity.SEV2,
        started=timedelta(days=200),
        acknowledged=6,
        resolved=120,
        status=Status.RESOLVED,
    )


def chart_lines(screen: IncidentsScreen) -> list[str]:
    return str(screen.query_one("#stats-chart", Static).render()).split("\n")


def chart_row(lines: list[str], heading: str, label: str) -> str:
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    return next(line for line in lines[start + 1 :] if line.startswith(label))


def figures(lines: list[str], heading: str, label: str) -> str:
    """A chart row's figures, without its label and bar: `15m 00s median 15m 00s n=2`."""
    row = chart_row(lines, heading, label)
    return " ".join(row.translate({ord(block): " " for block in BLOCKS}).split()[1:])


async def test_stats_by_severity_over_the_window_and_export(store, clock, measured, private_session) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        screen = await open_incidents(pilot, app)
        await show_tab(pilot, screen, "3", "stats-tab")
        await wait_until(pilot, lambda: screen.stats is not None, "the stats")
        assert screen.query_one("#stats-since", Input).value == "2026-08-29"  # the last 90 days
        lines = chart_lines(screen)
        assert lines[0] == "3 incidents, started since 2026-08-29 00:00 UTC"
        counts = {label: chart_row(lines, "Incidents by severity", label) for label in ("SEV-1", "SEV-2", "SEV-3")}
        assert counts["SEV-1"].endswith(" 2") and "█" in counts["SEV-1"]
        assert counts["SEV-2"].endswith(" 0") and "█" not in counts["SEV-2"]
        assert counts["SEV-3"].endswith(" 1")
        assert figures(lines, "Time to detect", "SEV-1") == "15m 00s median 15m 00s n=2"
        assert figures(lines, "Time to acknowledge", "SEV-1") == "3m 00s median 3m 00s n=2"
        assert figures(lines, "Time to mitigate", "SEV-1") == "15m 00s median 15m 00s n=2"
        assert figures(lines, "Time to resolve", "SEV-1") == "45m 00s median 45m 00s n=2"
        assert figures(lines, "Time to resolve", "SEV-3") == "— median — n=0"

        # A wider window takes in the old SEV-2; a wrong one says why.
        await fill(pilot, screen, "#stats-since", "2026-01-01")
        await wait_until(pilot, lambda: chart_lines(screen)[0].startswith("4 incidents"), "the wider window")
        assert figures(chart_lines(screen), "Time to resolve", "SEV-2") == "2h 00m median 2h 00m n=1"
        await fill(pilot, screen, "#stats-since", "last week")
        await wait_until(pilot, lambda: error_shown(screen, "stats-error"), "the error")
        assert error_shown(screen, "stats-error").startswith("since: cannot read the time 'last week'")

        screen.query_one("#stats-scroll").focus()
        await pilot.press("m")
        await wait_until(pilot, lambda: any("Exported" in toast for toast in toasts(app)), "the notification")
        folder = private_session / "data" / "ir-console" / "stats"
        written = list(folder.glob("incident-stats-*.md"))
        assert len(written) == 1 and str(written[0]) in "".join(toasts(app)).replace("\n", "")
        markdown = written[0].read_text()
        assert "| SEV-1 | 2 |" in markdown and "| SEV-2 | 1 |" in markdown  # the last good window
        assert oct(written[0].stat().st_mode & 0o777) == "0o600"
        await pilot.press("j")
        await wait_until(pilot, lambda: list(folder.glob("incident-stats-*.json")), "the JSON file")
        exported = json.loads(next(folder.glob("incident-stats-*.json")).read_text())
        assert exported["incidents"] == 4
        sev1 = exported["by_severity"][0]["metrics"]["time_to_resolve"]
        assert (sev1["incidents"], sev1["mean_seconds"], sev1["median_seconds"]) == (2, 2700.0, 2700.0)


# -- root causes, start-up, small terminals -------------------------------------------------------


async def test_root_causes_tab_lists_the_seed_table(store, clock) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        screen = await open_incidents(pilot, app)
        await show_tab(pilot, screen, "4", "causes-tab")
        shown = static_text(screen.query_one("#root-causes", Static), width=140)
        rows = [line for line in shown.splitlines() if "│" in line and "Symptom" not in line]
        assert len(rows) == 6 == len(COMMON_ROOT_CAUSES)
        expected = [
            ("500 errors spike", "Bad deployment", "Rollback"),
            ("Slow responses", "Database query regression", "Kill slow queries, add index"),
            ("Connection timeouts", "Connection pool exhaustion", "Restart, increase pool size"),
            ("OOM crashes", "Memory leak", "Restart, set memory limits"),
            ("Auth failures", "Token/cert expiry", "Rotate credentials"),
            ("Data inconsistency", "Race condition", "Add locking, retry logic"),
        ]
        assert [tuple(cell.strip() for cell in row.strip("│ ").split("│")) for row in rows] == expected


async def test_list_option_starts_on_the_incidents_screen(store, clock, archive) -> None:
    app = console(store, clock, start_with_incidents=True)
    async with run(app) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentsScreen), "the incidents screen")
        assert len(titles(app.screen)) == 4
        assert app.focused is table_of(app.screen)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, WarRoomScreen), "the war room under it")


def test_cli_list_flag_reaches_the_console(db_path, monkeypatch) -> None:
    opened: list[dict] = []
    monkeypatch.setattr("ir_console.tui.app.run_console", lambda store, **options: opened.append(options))
    monkeypatch.setattr("ir_console.cli.terminal_refusal", lambda: None)  # CliRunner's streams are no terminal
    result = CliRunner().invoke(main, ["--db", str(db_path), "--list"])
    assert result.exit_code == 0, result.output
    assert opened and opened[0]["start_with_incidents"] is True
    opened.clear()
    assert CliRunner().invoke(main, ["--db", str(db_path)]).exit_code == 0
    assert opened[0]["start_with_incidents"] is False


async def test_every_tab_at_small_sizes(store, clock, archive) -> None:
    store.add_event(archive["auth"], "Token expired at the edge", author="kim")
    app = console(store, clock)
    async with run(app, size=(80, 24)) as pilot:
        screen = await open_incidents(pilot, app)
        for size in ((80, 24), (40, 12)):
            await pilot.resize_terminal(*size)
            for key, tab in (("1", "incidents-tab"), ("2", "search-tab"), ("3", "stats-tab"), ("4", "causes-tab")):
                await show_tab(pilot, screen, key, tab)
                if tab == "search-tab":
                    await fill(pilot, screen, "#search-input", "token")
                    await wait_until(pilot, lambda: screen.hits, "a hit")
                await pilot.pause()
                assert app.screen is screen and screen.size == size
            await show_tab(pilot, screen, "1", "incidents-tab")
            assert table_of(screen).region.height > 0 and table_of(screen).row_count == 4
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, WarRoomScreen), "the war room at 40x12")


async def test_the_list_and_the_search_follow_other_writers(store: Store, clock: Clock, archive, db_path) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        screen = await open_incidents(pilot, app)
        table = table_of(screen)
        assert table.row_count == 4
        screen.action_show_tab("search-tab")
        screen.query_one("#search-input", Input).value = "kestrel"
        screen.run_search()
        assert screen.hits == []
        # Another console, or `ir-console new`, on the same file.
        with Store.open(db_path, clock=clock) as other:
            added = other.create_incident("Kestrel queue stalled", Severity.SEV3)
        await wait_until(pilot, lambda: table.row_count == 5, "the new incident in the list")
        await wait_until(
            pilot, lambda: [hit.incident_id for hit in screen.hits][:1] == [added.id], "the search results"
        )
