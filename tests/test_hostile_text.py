"""Hostile user text through everything that shows or exports it: the screen, the status update
(what reaches the clipboard), the post-mortem Markdown and the signal evidence.

Markup, ANSI/OSC sequences, NULs, lone surrogates, right-to-left overrides and Markdown table
breakers: stored exactly (test_roundtrip.py), shown as literal text, never as a terminal sequence.
"""

from __future__ import annotations

import random
import re
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_support import write_section
from tui_support import NOW, console, count, paste_text, prompts, query, run, timeline, wait_until

from ir_console.model import EventKind, Role, Section, Severity, Triage
from ir_console.render.markdown import postmortem_markdown
from ir_console.render.status import draft_status_update, status_update
from ir_console.render.text import display_text
from ir_console.store import Store
from ir_console.tui.dialogs.paste import PasteScreen
from ir_console.tui.widgets.hypothesis_list import HypothesisList

FRAGMENTS = [
    "[bold red]alarm[/]",
    "[/]",
    "[link=file:///etc/passwd]x[/link]",
    "\x1b[31mred\x1b[0m",
    "\x1b]52;c;cHduZWQ=\x07",
    "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\",
    "\x1bP+q\x1b\\",
    "\x9b2J",
    "\x00",
    "\x07",
    "\r",
    "\ud800",
    "\u202eevil\u202c",
    "\u2066iso\u2069",
    "| a | b |",
    "<script>alert(1)</script>",
    "*_`#",
    "\n# heading",
    "- [ ] item",
    "$(rm -rf ~)",
    "'; DROP TABLE events; --",
    "ünïcødé",
    "中文",
    "😀",
]
# Always something to log: "note " in front (blank entries are refused, and tested elsewhere).
hostile = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=4), min_size=1, max_size=8).map(
    lambda parts: "note " + "".join(parts)
)

# What must never reach a terminal: ESC, C0 controls (but newline and tab), DEL, C1, bidi overrides.
TERMINAL_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def no_terminal_control(text: str) -> bool:
    return TERMINAL_CONTROL.search(text) is None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=hostile)
def test_status_update_and_post_mortem_carry_no_terminal_control(tmp_path_factory, text: str) -> None:
    path = tmp_path_factory.mktemp("hostile") / "incidents.db"
    with Store.open(path) as store:
        incident = store.create_incident(
            text,
            Severity.SEV1,
            triage=Triage(reporter=text, happening=text, affected=text, changed=text),
            detected_at=NOW - timedelta(minutes=5),
            author=text,
            now=NOW,
        )
        store.set_role(incident.id, Role.COMMANDER, text, author=text)
        store.add_event(incident.id, text, kind=EventKind.ACTION, author=text, key_moment=True)
        store.add_hypothesis(incident.id, text, evidence_for=text, author=text)
        write_section(store, incident.id, Section.ROOT_CAUSE, text, author=text)
        record = store.record(incident.id)
    draft = draft_status_update(record, NOW)
    for format in ("markdown", "text"):
        assert no_terminal_control(status_update(draft, format)), format  # what the clipboard receives
    markdown = postmortem_markdown(record)
    assert no_terminal_control(markdown)
    for table in tables(markdown):
        # Every row of a table keeps its header's cells: user text never adds an unescaped `|`.
        assert {cells(row) for row in table} == {cells(table[0])}, table


def tables(markdown: str) -> list[list[str]]:
    found: list[list[str]] = []
    previous = ""
    for line in markdown.splitlines():
        if line.startswith("|"):
            if not previous.startswith("|"):
                found.append([])
            found[-1].append(line)
        previous = line
    return found


def cells(row: str) -> int:
    return len(re.findall(r"(?<!\\)\|", row))


async def test_the_screen_shows_hostile_text_literally(store: Store, db_path: Path, clock, incident) -> None:
    rng = random.Random(20261127)
    texts = ["note " + "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 5))) for _ in range(30)]
    texts.append("[bold red]alarm[/] \x1b[31mred\x1b[0m | a | b |")
    for text in texts:
        store.add_event(incident.id, text, author=text)
    store.add_hypothesis(incident.id, texts[-1], author="sam")
    app = console(store, clock)
    async with run(app) as pilot:
        view = timeline(app)
        await wait_until(pilot, lambda: view.count >= len(texts), "the hostile events")
        for y in range(view.scrollable_content_region.height):
            strip = view.render_line(y)
            assert no_terminal_control(strip.text), repr(strip.text)
            for segment in strip:
                assert no_terminal_control(segment.text)
        bottom = view.render_line(view.count - 1 - round(view.scroll_offset.y)).text
        assert "[bold red]alarm[/] red | a | b |" in bottom  # markup shown as text, escapes stripped
        shown = prompts(app.screen.query_one(HypothesisList))
        assert any("[bold red]alarm[/]" in prompt and no_terminal_control(prompt) for prompt in shown)


async def test_a_one_megabyte_paste_is_logged_whole_and_shown_safely(
    store: Store, db_path: Path, clock, incident
) -> None:
    # 1 MB as pasted; 0.72 MB once its escape sequences and bidi overrides are stripped. Too long
    # for the entry line (2,000 characters): the editor opens with it, whole.
    line = ("[bold]x[/] \x1b[31mred\x1b[0m \u202eRTL\u202c | cell | " * 30_000)[:999_990]
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.press("t")
        await paste_text(pilot, line)
        await wait_until(pilot, lambda: isinstance(app.screen, PasteScreen), "the editor", timeout=30)
        await pilot.press("ctrl+s")
        await wait_until(
            pilot, lambda: count(db_path, "events", "length(text) > 700000") == 1, "the 1 MB entry", timeout=30
        )
        [stored] = query(db_path, "SELECT text FROM events WHERE length(text) > 700000")
        assert stored["text"] == display_text(line)  # pasted control sequences never reach the record
        view = timeline(app)
        await wait_until(
            pilot,
            lambda: (
                "[bold]x[/] red RTL | cell |" in view.render_line(view.count - 1 - round(view.scroll_offset.y)).text
            ),
            "the entry on screen",
        )
        assert no_terminal_control(view.render_line(view.count - 1 - round(view.scroll_offset.y)).text)
