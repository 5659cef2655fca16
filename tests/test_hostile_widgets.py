"""No byte from outside reaches the terminal (issue #17 items 6 and 7).

Every stored text field holds hostile text: OSC 52 (the clipboard), OSC 0 (the window title),
CSI 2J (clear the screen), an OSC 8 link, a DCS query, the 8-bit CSI and OSC (C1), bidi overrides
and isolates, and invisible characters (zero-width space, LRM/RLM/ALM, BOM, a line separator,
TAG characters). The console is driven headless through every dialog and screen, and what it
writes to the terminal is captured as the raw bytes a real driver would send (Textual's headless
driver writes nothing, so the test's driver records instead). Textual's own output uses a small
set of CSI sequences; anything else (another ESC sequence, a C1 control, a bidi or invisible
character) came from the record.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from store_support import write_section
from textual.drivers import headless_driver
from textual.widgets import Input
from tui_support import NOW, Clock, console, count, one, run, settle, timeline, wait_until, war_room

from ir_console.model import ContainmentState, EventKind, HypothesisResult, Role, Section, Severity, Status, Triage
from ir_console.render.markdown import postmortem_markdown
from ir_console.render.status import draft_status_update, status_update
from ir_console.render.text import display_text, md_cell, md_inline, one_line
from ir_console.store import Store
from ir_console.tui.dialogs.roles import RolesScreen

# One of each: what a terminal would act on, and what would hide or reorder text.
ATTACKS = (
    "\x1b]52;c;SElKQUNLRUQ=\x07"  # OSC 52: overwrite the clipboard
    "\x1b]0;pwned-title\x07"  # OSC 0: set the window title
    "\x1b[2J"  # CSI: clear the screen
    "\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\"  # OSC 8: a hyperlink
    "\x1bP+q544e\x1b\\"  # DCS: ask the terminal a question
    "\x9b2J\x9d0;c1-title\x9c"  # the same in 8-bit C1 form
    "\u202eevil\u202c\u2066iso\u2069"  # bidi override and isolate
    "\u200bz\u200dw\u200e\u200f\u061c\ufeff\u2028line\u2029\U000e0048\U000e0049"  # invisible and format characters
)


def hostile(name: str) -> str:
    return f"{name} {ATTACKS} end"


# What Textual itself writes: SGR colours, cursor moves and position, show/hide cursor, modes
# (synchronized output, mouse, bracketed paste, alternate screen), the cursor shape and (OSC 22)
# the mouse pointer's shape.
TEXTUAL_SEQUENCE = re.compile(r"\x1b\[(?:[0-9;:]*[mHABCDGfX]|\?[0-9;]*[hl]|[0-9]* q)|\x1b\]22;[a-z-]+\x07")
NOT_FOR_THE_TERMINAL = re.compile(
    "[\x1b\x80-\x9f\u202a-\u202e\u2066-\u2069\u200b-\u200f\u061c\ufeff\u2028\u2029\U000e0000-\U000e007f]"
)


def unintended(output: str) -> list[str]:
    """What the captured output holds besides text and Textual's own sequences, with context."""
    rest = TEXTUAL_SEQUENCE.sub("", output)
    return [repr(rest[max(0, m.start() - 20) : m.end() + 20]) for m in NOT_FOR_THE_TERMINAL.finditer(rest)]


class RecordingDriver(headless_driver.HeadlessDriver):
    """The headless driver, but the app believes it has a terminal: every byte it would send is kept."""

    written: list[str] = []

    @property
    def is_headless(self) -> bool:
        return False

    def write(self, data: str) -> None:
        RecordingDriver.written.append(data)


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    written: list[str] = []
    monkeypatch.setattr(RecordingDriver, "written", written)
    monkeypatch.setattr(headless_driver, "HeadlessDriver", RecordingDriver)
    yield written


def seed(store: Store, clock: Clock) -> int:
    """An incident with hostile text in every stored text field; its id."""
    store.clock = clock
    incident = store.create_incident(
        hostile("title"),
        Severity.SEV2,
        triage=Triage(
            reporter=hostile("reporter"),
            happening=hostile("happening"),
            affected=hostile("affected"),
            changed=hostile("changed"),
        ),
        detected_at=NOW - timedelta(minutes=20),
        author=hostile("author"),
        now=NOW - timedelta(minutes=18),
    )
    with store.transaction() as db:  # an imported export can carry any ref
        db.execute("UPDATE incidents SET ref = ? WHERE id = ?", [hostile("INC"), incident.id])
    for role in Role:
        store.set_role(incident.id, role, hostile(role.value), author=hostile("author"))
    store.set_severity(incident.id, Severity.SEV1, reason=hostile("reason"), author=hostile("author"))
    event = store.add_event(
        incident.id, hostile("event"), kind=EventKind.ACTION, author=hostile("author"), key_moment=True
    )
    store.edit_event(event.id, text=hostile("edited"), author=hostile("editor"))
    store.add_hypothesis(
        incident.id,
        hostile("statement"),
        evidence_for=hostile("for"),
        evidence_against=hostile("against"),
        test=hostile("test"),
        author=hostile("author"),
    )
    action = store.add_containment(incident.id, hostile("action"), hostile("when"), author=hostile("author"))
    store.set_containment_state(action.id, ContainmentState.IN_PROGRESS, author=hostile("author"))
    store.update_containment(action.id, detail=hostile("detail"), owner=hostile("owner"), author=hostile("author"))
    store.record_status_update(
        incident.id,
        hostile("update"),
        status=hostile("status"),
        impact=hostile("impact"),
        current_action=hostile("current"),
        eta=hostile("eta"),
        next_update=hostile("next"),
        author=hostile("author"),
    )
    store.add_action_item(incident.id, hostile("item"), owner=hostile("item owner"), due_date=hostile("due"))
    for section in Section:
        write_section(store, incident.id, section, hostile(section.value), author=hostile("author"))
    return incident.id


# -- the console ---------------------------------------------------------------------------------


async def visit(pilot, keys: tuple[str, ...], what: str, *, close: tuple[str, ...] = ("escape",)) -> None:
    """Press `keys` from the war room, let the screen they open draw, then close it again."""
    app = pilot.app
    room = war_room(app)
    for key in keys:
        await pilot.press(key)
    await wait_until(pilot, lambda: app.screen is not room, what)
    await settle(pilot)
    for key in close:
        await pilot.press(key)
    await wait_until(pilot, lambda: app.screen is room, f"back from {what}")


async def focus_and_open(pilot, selector: str, what: str) -> None:
    war_room(pilot.app).query_one(selector).focus()
    await pilot.pause()
    await visit(pilot, ("enter",), what)


async def test_every_screen_writes_no_terminal_sequence_from_the_record(
    store: Store, db_path: Path, terminal: list[str]
) -> None:
    clock = Clock()
    incident_id = seed(store, clock)
    app = console(store, clock)
    async with run(app) as pilot:
        await wait_until(pilot, lambda: timeline(app).count >= 5, "the timeline")
        await settle(pilot)
        await visit(pilot, ("d",), "details")
        await visit(pilot, ("s",), "severity")
        await visit(pilot, ("a",), "status")
        await visit(pilot, ("r",), "roles")
        await visit(pilot, ("m",), "milestones")
        await visit(pilot, ("u",), "the status update")
        await visit(pilot, ("h", *"title"), "a new hypothesis beside similar incidents", close=("escape",))
        await focus_and_open(pilot, "#timeline", "an event")
        await focus_and_open(pilot, "HypothesisList", "a hypothesis")
        containment = war_room(app).query_one("ContainmentList")
        containment.focus()
        containment.highlighted = containment.option_count - 1  # the hostile custom action
        await pilot.pause()
        await visit(pilot, ("enter",), "a containment action")
        await visit(pilot, ("p",), "the post-mortem")
        await visit(pilot, ("p", "ctrl+o"), "the post-mortem's preview", close=("escape", "escape"))
        await visit(pilot, ("i",), "the incidents list")
        await visit(pilot, ("i", "2", *"title", "enter"), "a search of the incidents", close=("escape", "escape"))
        await visit(pilot, ("f1",), "help")
        await visit(pilot, ("n", *"title"), "the triage form beside similar incidents")
    output = "".join(terminal)
    assert unintended(output) == []
    assert "linkevilisozw" in output  # the hostile fields were on screen, made safe
    with store.reading():
        assert store.incident(incident_id).title == hostile("title")  # the record keeps what was typed


async def test_notifications_about_a_resolved_incident_write_no_terminal_sequence(
    store: Store, db_path: Path, terminal: list[str]
) -> None:
    clock = Clock()
    incident_id = seed(store, clock)
    app = console(store, clock)
    async with run(app) as pilot:
        await wait_until(pilot, lambda: timeline(app).count >= 5, "the timeline")
        with Store.open(db_path) as other:  # another console resolves it
            other.set_status(incident_id, Status.RESOLVED, author=hostile("author"))
        await wait_until(pilot, lambda: not war_room(app).incident.is_open, "the review")
        await focus_and_open(pilot, "#timeline", "an event under review")  # notifies: kept as a revision
        await visit(pilot, ("o",), "the reopen question", close=("enter",))  # Enter reopens (the reason has the focus)
        await wait_until(pilot, lambda: store.incident(incident_id).status is Status.INVESTIGATING, "reopened")
        await settle(pilot)
    output = "".join(terminal)
    assert unintended(output) == []
    assert "reopened: Investigating" in output


# -- invisible and format characters (item 7) ----------------------------------------------------

INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u061c\u2060\ufeff\u00ad\U000e0001\U000e0068\U000e0069\U000e007f"


def test_invisible_characters_are_dropped_from_display_and_separators_become_line_breaks() -> None:
    text = f"roll{INVISIBLE}back\u2028db-2\u2029done"
    assert display_text(text) == "rollback\ndb-2\ndone"
    assert one_line(text) == "rollback ⏎ db-2 ⏎ done"
    assert md_cell(text) == "rollback<br>db-2<br>done"
    assert md_inline(text) == "rollback db-2 done"
    assert display_text("👍\ufe0f ünï 中文") == "👍\ufe0f ünï 中文"  # visible text, variation selectors kept


def test_the_record_keeps_them_the_exports_for_people_drop_them(store: Store, db_path: Path) -> None:
    typed = f"Rolled{INVISIBLE} back\u2028v2.40.3"
    incident = store.create_incident(
        typed,
        Severity.SEV2,
        triage=Triage(happening=typed),
        detected_at=NOW - timedelta(minutes=5),
        author="sam",
        now=NOW,
    )
    store.set_role(incident.id, Role.COMMANDER, typed, author="sam")
    store.add_event(incident.id, typed, kind=EventKind.ACTION, author="sam", key_moment=True)
    store.add_hypothesis(incident.id, typed, author="sam")
    store.set_hypothesis_result(store.hypotheses(incident.id)[0].id, HypothesisResult.CONFIRMED, author="sam")
    write_section(store, incident.id, Section.ROOT_CAUSE, typed, author="sam")
    record = store.record(incident.id)
    assert record.incident.title == typed  # stored as typed
    for shown in (
        postmortem_markdown(record),
        status_update(draft_status_update(record, NOW), "markdown"),
        status_update(draft_status_update(record, NOW), "text"),
    ):
        assert INVISIBLE_OR_SEPARATOR.search(shown) is None
        assert "Rolled back" in shown


INVISIBLE_OR_SEPARATOR = re.compile(f"[{INVISIBLE}\u2028\u2029]")


async def test_names_shown_safely_are_kept_as_recorded_unless_edited(store: Store, db_path: Path) -> None:
    clock = Clock()
    incident_id = seed(store, clock)
    events_before = count(db_path, "events")
    app = console(store, clock)
    async with run(app) as pilot:
        await wait_until(pilot, lambda: timeline(app).count >= 5, "the timeline")
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, RolesScreen), "the roles")
        assert app.screen.query_one("#commander", Input).value == one_line(hostile("commander"))
        await pilot.press("ctrl+s")  # nothing edited: nothing written
        await settle(pilot)
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, RolesScreen), "the roles again")
        app.screen.query_one("#scribe", Input).value = "Ana"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: one(db_path, "SELECT scribe FROM incidents")["scribe"] == "Ana", "the scribe")
        await settle(pilot)
    row = one(db_path, "SELECT commander, comms_lead, tech_lead FROM incidents WHERE id = ?", incident_id)
    assert row == {
        "commander": hostile("commander"),
        "comms_lead": hostile("comms_lead"),
        "tech_lead": hostile("tech_lead"),
    }
    assert count(db_path, "events") == events_before + 1  # the scribe's change, and nothing else
