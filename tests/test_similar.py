"""Similar past incidents beside the triage form and the hypothesis dialog (issue #6).

Driven headless through Pilot on a real database: the past incidents are written with the store,
the keys a responder would press go through the app, and the assertions read what the pane draws
on screen and what the SQLite file holds.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from store_support import write_section
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Input, Static, TextArea
from textual.widgets._collapsible import CollapsibleTitle
from tui_support import NOW, Clock, console, count, one, paste, query, run, settle, wait_until, war_room

from ir_console.model import HypothesisResult, Incident, Section, Severity, Status, Triage
from ir_console.store import Store, StoreError
from ir_console.tui.dialogs.hypothesis import HypothesisScreen
from ir_console.tui.dialogs.new_incident import NewIncidentScreen
from ir_console.tui.screens.war_room import WarRoomScreen

POOL_TITLE = "Payments API timing out"
POOL_CONFIRMED = "connection pool exhausted"
POOL_ROOT_CAUSE = "v2.41.0 leaked one database connection per failed request"
POOL_FIX = "Rolled back to v2.40.3 and raised the pool size to 50"
MARKUP_TITLE = "Queue [bold red]stalled[/] on kafka-3"
NOTHING_FOUND = "No similar past incidents."

# The seed's "Common Root Causes" table, as the seed writes it.
SEED_ROOT_CAUSES = [
    ("Symptom", "Common Cause", "Quick Fix"),
    ("500 errors spike", "Bad deployment", "Rollback"),
    ("Slow responses", "Database query regression", "Kill slow queries, add index"),
    ("Connection timeouts", "Connection pool exhaustion", "Restart, increase pool size"),
    ("OOM crashes", "Memory leak", "Restart, set memory limits"),
    ("Auth failures", "Token/cert expiry", "Rotate credentials"),
    ("Data inconsistency", "Race condition", "Add locking, retry logic"),
]


def resolved_incident(
    store: Store, title: str, *, happening: str, days_ago: int, confirmed: str = "", root_cause: str = "", fix: str = ""
) -> Incident:
    """A past incident, resolved, with its confirmed hypothesis and post-mortem sections."""
    store.clock = Clock(NOW - timedelta(days=days_ago))
    incident = store.create_incident(title, Severity.SEV1, triage=Triage(happening=happening), author="pat")
    if confirmed:
        hypothesis = store.add_hypothesis(incident.id, confirmed, author="pat")
        store.set_hypothesis_result(hypothesis.id, HypothesisResult.CONFIRMED, author="pat")
    if root_cause:
        write_section(store, incident.id, Section.ROOT_CAUSE, root_cause, author="pat")
    if fix:
        write_section(store, incident.id, Section.RESOLUTION_RECOVERY, fix, author="pat")
    return store.set_status(incident.id, Status.RESOLVED, author="pat")


@pytest.fixture
def pool_incident(store: Store, clock: Clock) -> Incident:
    past = resolved_incident(
        store,
        POOL_TITLE,
        happening="Checkout requests time out after 30 s",
        days_ago=12,
        confirmed=POOL_CONFIRMED,
        root_cause=POOL_ROOT_CAUSE,
        fix=POOL_FIX,
    )
    store.clock = clock
    return past


def drawn(widget: Widget) -> list[str]:
    """The widget's lines as drawn on screen, as text."""
    width, height = widget.outer_size
    return [strip.text.rstrip() for strip in widget.render_lines(Region(0, 0, width, height))]


def similar_strips(app) -> list[Strip]:
    shown = app.screen.query_one("#similar-matches", Static)
    width, height = shown.outer_size
    return shown.render_lines(Region(0, 0, width, height))


def similar_lines(app) -> list[str]:
    return [strip.text.rstrip() for strip in similar_strips(app)]


def similar_text(app) -> str:
    return "\n".join(similar_lines(app))


def words(text: str) -> str:
    """Text with its line breaks and indents as single spaces: a value wrapped on two lines reads whole."""
    return " ".join(text.split())


async def type_text(pilot, text: str) -> None:
    await pilot.press(*text)


async def open_triage_form(pilot) -> NewIncidentScreen:
    """The console opens on the form when no incident is open; else `n` opens it."""
    await pilot.pause()
    if not isinstance(pilot.app.screen, NewIncidentScreen):
        await pilot.press("n")
    assert isinstance(pilot.app.screen, NewIncidentScreen)
    return pilot.app.screen


async def go_to_happening(pilot) -> Input:
    await pilot.press("tab", "tab", "tab", "tab")  # title, severity, time detected, reporter
    happening = pilot.app.screen.query_one("#happening", Input)
    assert pilot.app.focused is happening
    return happening


# -- the triage form ------------------------------------------------------------------------------


async def test_typing_symptoms_shows_a_past_incident_with_its_root_cause_and_fix(
    store, db_path, clock, pool_incident
) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await open_triage_form(pilot)
        assert similar_text(app) == "Past incidents with similar symptoms show here as you type."
        await go_to_happening(pilot)
        await type_text(pilot, "connection pool")
        await wait_until(pilot, lambda: pool_incident.ref in similar_text(app), "the past incident in the pane")
        lines = similar_lines(app)
        assert lines[0] == f" SEV-1  {POOL_TITLE}"
        badge = next(segment for segment in similar_strips(app)[0] if "SEV-1" in segment.text)
        assert badge.style.bgcolor.triplet.hex.upper() == app.get_css_variables()["sev-1"].upper()
        assert lines[1] == f"  {pool_incident.ref} · Resolved · 2026-11-15 03:14"
        assert f"Root cause: {POOL_CONFIRMED} — {POOL_ROOT_CAUSE} Fix: {POOL_FIX}" in words(similar_text(app))
        assert lines[-1] == f"  Fix: {POOL_FIX}"
        assert app.screen.query_one("#happening", Input).value == "connection pool"


async def test_lookups_wait_for_typing_to_pause(store, db_path, clock, pool_incident, monkeypatch) -> None:
    """Two changes 50 ms apart (a typist's pace) are looked up once, with the text as it ended up."""
    looked_up: list[str] = []
    original = Store.similar_incidents

    def counting(self, text, **options):
        looked_up.append(text)
        return original(self, text, **options)

    monkeypatch.setattr(Store, "similar_incidents", counting)
    app = console(store, clock)
    async with run(app) as pilot:
        await open_triage_form(pilot)
        await go_to_happening(pilot)
        paste(app, "connection")
        await pilot.pause(0.05)
        assert app.screen.query_one("#happening", Input).value == "connection"
        paste(app, " pool")
        await wait_until(pilot, lambda: pool_incident.ref in similar_text(app), "the past incident in the pane")
        await settle(pilot)
        assert looked_up == ["\nconnection pool\n\n"]  # title, happening, affected, changed


async def test_every_triage_field_is_looked_up_and_the_newest_text_wins(store, db_path, clock, pool_incident) -> None:
    resolved_incident(
        store,
        "Disk full on db-2",
        happening="writes failing, no space left",
        days_ago=3,
        confirmed="WAL archiving stopped",
    )
    store.clock = clock
    app = console(store, clock)
    async with run(app) as pilot:
        await open_triage_form(pilot)
        paste(app, "Disk full again")  # the title field has the focus
        await wait_until(pilot, lambda: "Disk full on db-2" in similar_text(app), "the disk incident")
        assert POOL_TITLE not in similar_text(app)
        assert "  Root cause: WAL archiving stopped" in similar_lines(app)
        assert "  Fix: not recorded" in similar_lines(app)
        await pilot.press("ctrl+a", "ctrl+k")  # to the start, delete to the end: nothing left to look up
        await wait_until(pilot, lambda: "show here as you type" in similar_text(app), "the hint again")
        paste(app, "Payments timing out")
        await wait_until(pilot, lambda: POOL_TITLE in similar_text(app), "the pool incident")
        assert "Disk full on db-2" not in similar_text(app)


async def test_markup_in_a_past_title_is_shown_as_text(store, db_path, clock) -> None:
    past = resolved_incident(
        store,
        MARKUP_TITLE + " \x1b[31mred\x1b[0m",
        happening="consumers stalled",
        days_ago=1,
        fix="Restarted [/]the brokers",
    )
    store.clock = clock
    app = console(store, clock)
    async with run(app) as pilot:
        await open_triage_form(pilot)
        await go_to_happening(pilot)
        paste(app, "consumers stalled")
        await wait_until(pilot, lambda: past.ref in similar_text(app), "the past incident")
        assert similar_lines(app)[0] == f" SEV-1  {MARKUP_TITLE} red"
        assert "  Fix: Restarted [/]the brokers" in similar_lines(app)
        assert "\x1b" not in similar_text(app)


async def test_a_long_root_cause_takes_two_lines_at_most(store, db_path, clock) -> None:
    cause = " ".join(f"step{n} failed" for n in range(100))
    past = resolved_incident(
        store,
        "Replication lag",
        happening="replicas behind",
        days_ago=2,
        root_cause=cause,
        fix="Rebuilt the replica\nfrom a snapshot",
    )
    store.clock = clock
    app = console(store, clock)
    async with run(app, size=(80, 24)) as pilot:
        await open_triage_form(pilot)
        paste(app, "replicas behind")
        await wait_until(pilot, lambda: past.ref in similar_text(app), "the past incident")
        lines = similar_lines(app)
        label = "  Root cause: "
        first = next(n for n, line in enumerate(lines) if line.startswith(label))
        assert lines[first].startswith(label + "step0 failed step1 failed")
        assert re.match(f" {{{len(label)}}}(step|failed)", lines[first + 1])  # under the first line's text
        assert lines[first + 1].endswith("…")
        assert lines[first + 2] == "  Fix: Rebuilt the replica ⏎ from a snapshot"


async def test_nothing_similar_says_so(store, db_path, clock, pool_incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await open_triage_form(pilot)
        await go_to_happening(pilot)
        paste(app, "kerberos tickets rejected")
        await wait_until(pilot, lambda: similar_text(app) == NOTHING_FOUND, "the nothing-found message")


async def test_a_database_error_is_said_and_the_form_still_saves(
    store, db_path, clock, pool_incident, monkeypatch
) -> None:
    def failing(self, text, **options):
        raise StoreError("database disk image is malformed [/]")

    monkeypatch.setattr(Store, "similar_incidents", failing)
    app = console(store, clock)
    async with run(app) as pilot:
        await open_triage_form(pilot)
        paste(app, "Checkout down")
        await wait_until(pilot, lambda: "Could not search" in similar_text(app), "the problem in the pane")
        assert words(similar_text(app)) == "Could not search past incidents: database disk image is malformed [/]"
        await pilot.press("ctrl+s")
        await wait_until(
            pilot,
            lambda: (
                isinstance(app.screen, WarRoomScreen) and count(db_path, "incidents", "title = 'Checkout down'") == 1
            ),
            "the declared incident",
        )


# -- the seed's Common Root Causes ----------------------------------------------------------------


async def test_the_seed_root_causes_table_opens_from_the_form(store, db_path, clock) -> None:
    app = console(store, clock)
    async with run(app, size=(250, 80)) as pilot:
        form = await open_triage_form(pilot)
        table = form.query_one("#root-causes-table", Static)
        assert not table.display or table.region.height == 0  # folded away until asked for
        await pilot.press(*["tab"] * 8)  # past the eight triage fields (impact started is the last)
        assert isinstance(app.focused, CollapsibleTitle)
        await pilot.press("enter")
        await wait_until(pilot, lambda: table.region.height > 0, "the table shown")
        # The one renderer the incidents screen's Root causes tab uses too: a cell between rules.
        rows = [line.strip().strip("│┃ ") for line in drawn(table) if "│" in line or "┃" in line]
        cells = [tuple(cell.strip().lower() for cell in re.split("[│┃]", row)) for row in rows]
        assert cells == [tuple(cell.lower() for cell in row) for row in SEED_ROOT_CAUSES]
        await pilot.press("enter")
        await wait_until(pilot, lambda: table.region.height == 0, "the table folded again")


# -- the hypothesis dialog ------------------------------------------------------------------------


@pytest.fixture
def current_incident(store: Store, clock: Clock, pool_incident: Incident) -> Incident:
    """The incident being worked: its own text matches the past one's too."""
    return store.create_incident(
        "Checkout connection pool exhausted again",
        Severity.SEV2,
        triage=Triage(happening="connection pool exhausted on checkout"),
    )


async def test_the_hypothesis_dialog_shows_similar_incidents_but_not_the_current_one(
    store, db_path, clock, pool_incident, current_incident
) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        assert war_room(app).incident.id == current_incident.id
        await pilot.press("h")
        assert isinstance(app.screen, HypothesisScreen)
        assert app.focused is app.screen.query_one("#statement", TextArea)
        await type_text(pilot, "pool exhausted")
        await wait_until(pilot, lambda: pool_incident.ref in similar_text(app), "the past incident")
        assert f"Root cause: {POOL_CONFIRMED} — {POOL_ROOT_CAUSE}" in words(similar_text(app))
        assert current_incident.ref not in similar_text(app)


async def test_an_opened_hypothesis_is_looked_up_at_once_leaving_out_its_incident(
    store, db_path, clock, pool_incident, current_incident
) -> None:
    store.add_hypothesis(current_incident.id, "pool exhausted by the new retry loop", author="sam")
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("tab", "tab", "home", "enter")  # the hypotheses pane, its first one
        assert isinstance(app.screen, HypothesisScreen)
        await wait_until(pilot, lambda: pool_incident.ref in similar_text(app), "the past incident on opening")
        assert current_incident.ref not in similar_text(app)

        # Given explicitly, the incident id is the one left out.
        await pilot.press("escape")
        app.push_screen(HypothesisScreen(None, incident_id=pool_incident.id))
        await pilot.pause()
        paste(app, "pool exhausted")
        await wait_until(pilot, lambda: current_incident.ref in similar_text(app), "the worked incident, not left out")
        assert pool_incident.ref not in similar_text(app)


# -- small terminals ------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (40, 12)])
async def test_the_forms_still_save_on_a_small_terminal(store, db_path, clock, pool_incident, size) -> None:
    app = console(store, clock)
    async with run(app, size=size) as pilot:
        form = await open_triage_form(pilot)
        assert not form.has_class("-wide")
        paste(app, "Checkout pool exhausted")
        await wait_until(pilot, lambda: pool_incident.ref in similar_text(app), "the past incident in the pane")
        await pilot.press("ctrl+s")
        await wait_until(
            pilot,
            lambda: (
                isinstance(app.screen, WarRoomScreen) and count(db_path, "incidents", "status = 'Investigating'") == 1
            ),
            "the declared incident",
        )
        declared = one(db_path, "SELECT * FROM incidents WHERE status = 'Investigating'")
        assert declared["title"] == "Checkout pool exhausted"

        await pilot.press("escape", "h")  # from the entry line the form left the focus in
        assert isinstance(app.screen, HypothesisScreen)
        paste(app, "connection pool exhausted")
        await wait_until(pilot, lambda: pool_incident.ref in similar_text(app), "the past incident in the dialog")
        await pilot.press("ctrl+s")
        await wait_until(
            pilot, lambda: count(db_path, "hypotheses", "incident_id = ?", declared["id"]) == 1, "the hypothesis saved"
        )
        assert app.is_running and isinstance(app.screen, WarRoomScreen)
    assert [
        row["statement"]
        for row in query(db_path, "SELECT statement FROM hypotheses WHERE incident_id = ?", declared["id"])
    ] == ["connection pool exhausted"]
