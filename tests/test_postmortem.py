"""The post-mortem: its Markdown export (golden file and a real Markdown parse), the drafts, and the
editor driven through Pilot (what the screen shows and what the SQLite file holds).

Regenerate the golden file deliberately, and read the diff before committing it:
`IR_CONSOLE_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_postmortem.py -k golden`.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt
from markdown_it.token import Token
from store_support import write_section
from textual.widgets import DataTable, Input, Label, Markdown, RadioSet, Static, TextArea
from tui_support import (
    NOW,
    NOW_ISO,
    Clock,
    console,
    count,
    header,
    one,
    paste,
    paste_text,
    query,
    run,
    settle,
    toasts,
    wait_until,
)

from ir_console.cli import main
from ir_console.model import (
    ContainmentState,
    EventKind,
    HypothesisResult,
    Incident,
    Milestone,
    Priority,
    Role,
    Section,
    Severity,
    Status,
    Triage,
)
from ir_console.model.postmortem import SEED_HEADINGS
from ir_console.render.deadlines import postmortem_window
from ir_console.render.markdown import (
    EXPORT_HEADINGS,
    NOT_WRITTEN,
    draft_sections,
    postmortem_markdown,
    timeline_table,
)
from ir_console.render.text import md_block, md_inline
from ir_console.store import Store, WriteFailed
from ir_console.tui.dialogs.action_item import ActionItemScreen
from ir_console.tui.dialogs.preview import PreviewScreen
from ir_console.tui.dialogs.remove_item import RemoveItemScreen
from ir_console.tui.dialogs.resolve import ConfirmResolveScreen
from ir_console.tui.dialogs.status import StatusScreen
from ir_console.tui.screens import postmortem as postmortem_screen
from ir_console.tui.screens.postmortem import DRAFTED, PostMortemScreen, editor_id
from ir_console.tui.screens.war_room import WarRoomScreen

GOLDEN = Path(__file__).parent / "golden" / "postmortem.md"
T0 = datetime(2026, 11, 27, 2, 55, tzinfo=UTC)  # impact started
# Pipes, newlines, backticks, HTML, Rich markup, Markdown emphasis and terminal escapes (CSI, OSC).
HOSTILE = (
    "pool | exhausted `db` <script>alert(1)</script> [bold red]x[/] *star* _under_"
    "\x1b[31m red\x1b[0m\x1b]0;pwn\x07\nline two"
)


class StepClock:
    """A clock that stays put until the test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def at(self, **delta: float) -> datetime:
        self.now = T0 + timedelta(**delta)
        return self.now


def build_incident(store: Store) -> Incident:
    """A resolved SEV-1 with fixed times and hostile text in an event, a hypothesis and an action item."""
    clock = StepClock(T0)
    store.clock = clock
    clock.at(minutes=7)
    incident = store.create_incident(
        "Checkout | API returning `500s`",
        Severity.SEV1,
        triage=Triage(
            reporter="PagerDuty: checkout-5xx",
            happening="30% of POST /checkout fail with 500",
            affected="All users paying by card",
            changed="Deploy v2.41.0 of payments-svc at 02:55",
        ),
        detected_at=T0 + timedelta(minutes=4),
        author="pager",
    )
    store.set_milestone(incident.id, Milestone.IMPACT_STARTED, T0, author="dana")
    clock.at(minutes=8)
    store.set_role(incident.id, Role.COMMANDER, "dana", author="dana")
    store.set_role(incident.id, Role.SCRIBE, "lee", author="dana")
    clock.at(minutes=9)
    store.add_event(
        incident.id, "5xx rate at 31% on checkout dashboard", kind=EventKind.ALERT, author="lee", key_moment=True
    )
    clock.at(minutes=10)
    store.add_event(incident.id, HOSTILE, kind=EventKind.EVIDENCE, author="sam", key_moment=True)
    likely = store.add_hypothesis(
        incident.id,
        f"v2.41.0 leaks DB connections: {HOSTILE}",
        evidence_for=HOSTILE,
        evidence_against="Staging soak test passed",
        test="Roll back one canary pod",
        author="sam",
    )
    other = store.add_hypothesis(
        incident.id,
        "Database primary is degraded",
        evidence_against="DB latency normal",
        test="pg_isready and the slow query log",
        author="sam",
    )
    clock.at(minutes=11)
    rollback = store.containment(incident.id)[0]
    store.set_containment_state(rollback.id, ContainmentState.IN_PROGRESS, author="sam")
    store.record_status_update(
        incident.id, "Investigating 500s on checkout.\nNext update 03:20 UTC.", status="Investigating", author="comms"
    )
    clock.at(minutes=14)
    store.set_status(incident.id, Status.IDENTIFIED, author="dana")
    store.set_hypothesis_result(likely.id, HypothesisResult.CONFIRMED, author="sam")
    store.set_hypothesis_result(other.id, HypothesisResult.REJECTED, author="sam")
    clock.at(minutes=19)
    store.set_containment_state(
        rollback.id, ContainmentState.DONE, detail="payments-svc | back to v2.40.3", owner="sam", author="sam"
    )
    store.set_status(incident.id, Status.MONITORING, author="dana")
    clock.at(minutes=37)
    store.set_status(incident.id, Status.RESOLVED, author="dana")
    clock.at(hours=20)
    store.add_action_item(
        incident.id,
        f"Alert on pool saturation: {HOSTILE}",
        owner="sam | sre",
        due_date="2026-12-04",
        priority=Priority.P1,
    )
    store.add_action_item(
        incident.id, "Soak-test card retries in staging", owner="lee", due_date="2026-12-11", priority=Priority.P2
    )
    write_section(
        store,
        incident.id,
        Section.WENT_WRONG,
        "- The canary did not exercise card retries.\n- Pool alerts were missing.",
    )
    write_section(
        store,
        incident.id,
        Section.LESSONS,
        "\n".join(
            [
                "Retries multiply connections: `pool_size * retries`.",
                "# A heading someone typed",
                "A pasted error page: <html><body>502</body></html> and <https://status.example.com>",
                "```",
                "<pre>kept as code</pre>",
            ]
        ),
    )
    return store.incident(incident.id)


@pytest.fixture
def resolved(store: Store) -> Incident:
    return build_incident(store)


# -- the export ---------------------------------------------------------------------------------------


def test_export_matches_the_golden_file(store: Store, resolved: Incident) -> None:
    markdown = postmortem_markdown(store.record(resolved.id))
    if os.environ.get("IR_CONSOLE_UPDATE_GOLDEN"):
        GOLDEN.write_text(markdown, encoding="utf-8")
    assert markdown == GOLDEN.read_text(encoding="utf-8")


def parse(markdown: str) -> list[Token]:
    # CommonMark with GitHub tables; raw HTML is recognised (so any that slipped through shows up).
    return MarkdownIt("commonmark").enable("table").parse(markdown)


def shown(inline: Token) -> str:
    """An inline token as a reader sees it: escapes and entities resolved."""
    return "".join(
        "\n" if child.type == "html_inline" and child.content == "<br>" else child.content
        for child in inline.children or []
        if child.type in ("text", "code_inline", "html_inline")
    )


def headings(tokens: list[Token], tag: str) -> list[str]:
    return [shown(tokens[i + 1]) for i, token in enumerate(tokens) if token.type == "heading_open" and token.tag == tag]


def tables(tokens: list[Token]) -> list[list[list[str]]]:
    """Every table as its rows (header row first), each row as its cells as a reader sees them."""
    found: list[list[list[str]]] = []
    for index, token in enumerate(tokens):
        if token.type == "table_open":
            found.append([])
        elif token.type == "tr_open":
            found[-1].append([])
        elif token.type in ("th_open", "td_open"):
            found[-1][-1].append(shown(tokens[index + 1]))
    return found


def section_of(markdown: str, heading: str) -> str:
    lines = markdown.splitlines()
    start = lines.index(f"## {heading}") + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("## ")), len(lines))
    return "\n".join(lines[start:end]).strip()


def plain_text(tokens: list[Token]) -> str:
    """What a reader sees: the text of every inline token, escapes and entities resolved."""
    return "\n".join(
        child.content
        for token in tokens
        if token.type == "inline"
        for child in token.children or []
        if child.type in ("text", "code_inline")
    )


def test_export_parses_with_the_headings_in_order_and_whole_table_rows(store: Store, resolved: Incident) -> None:
    record = store.record(resolved.id)
    markdown = postmortem_markdown(record)
    tokens = parse(markdown)

    assert headings(tokens, "h1") == ["Post-Mortem: Checkout | API returning `500s`"]
    assert headings(tokens, "h2") == list(EXPORT_HEADINGS)
    assert list(EXPORT_HEADINGS[: len(SEED_HEADINGS)]) == list(SEED_HEADINGS)  # the seed's, in its order, first
    # Only the hypothesis log and what someone wrote on purpose go below `##`.
    assert headings(tokens, "h3") == [
        "A heading someone typed",
        "H1: v2.41.0 leaks DB connections: pool | exhausted `db` <script>alert(1)</script> "
        "[bold red]x[/] *star* _under_ red line two",
        "H2: Database primary is degraded",
    ]

    found = tables(tokens)
    # Timeline, action items, metrics, responders, containment, status updates: no pipe broke a row.
    widths = [2, 4, 5, 2, 5, 3]
    assert [len(t[0]) for t in found] == widths
    for table, width in zip(found, widths):
        assert all(len(row) == width for row in table), table
    timeline, actions, metrics, responders, containment, updates = found
    assert len(timeline) - 1 == len([e for e in record.events if e.key_moment]) == 11
    assert (
        timeline[6][1] == "pool | exhausted `db` <script>alert(1)</script> [bold red]x[/] *star* _under_ red\nline two"
    )
    assert [row[0] for row in timeline[1:]] == sorted(row[0] for row in timeline[1:])
    assert actions[0] == ["Action", "Owner", "Due Date", "Priority"]
    assert [row[1:] for row in actions[1:]] == [["sam | sre", "2026-12-04", "P1"], ["lee", "2026-12-11", "P2"]]
    assert [row[0] for row in metrics[1:]] == [
        "Time to detect",
        "Time to acknowledge",
        "Time to mitigate",
        "Time to resolve",
    ]
    assert all(row[3] != "—" and row[4] != "—" for row in metrics[1:])  # both timestamps of each
    assert len(responders) == 6 and len(containment) == 2 and len(updates) == 2
    assert containment[1] == [
        "Rollback deployment",
        "done",
        "payments-svc | back to v2.40.3",
        "sam",
        "2026-11-27 03:14 UTC",
    ]

    # User text is data: no HTML but the <br> the console writes for a newline in a cell, no code
    # span but the one written on purpose and the fence, no emphasis, no terminal escapes.
    html = [c.content for t in tokens if t.type == "inline" for c in t.children or [] if c.type == "html_inline"]
    assert set(html) == {"<br>"}
    assert not [t for t in tokens if t.type == "html_block"]
    assert [c.content for t in tokens if t.type == "inline" for c in t.children or [] if c.type == "code_inline"] == [
        "pool_size * retries"
    ]
    assert [t.content for t in tokens if t.type == "fence"] == ["<pre>kept as code</pre>\n"]
    # Emphasis only where the console puts it: the header's labels and "_Not written yet._".
    emphasised = [
        t.children[i + 1].content
        for t in tokens
        if t.type == "inline"
        for i, c in enumerate(t.children or [])
        if c.type in ("em_open", "strong_open")
    ]
    assert emphasised == ["Incident:", "Date:", "Duration:", "Severity:", "Status:", "Author:", "Not written yet."]
    text = plain_text(tokens)
    assert "<script>alert(1)</script> [bold red]x[/] *star* _under_ red" in text
    assert "A pasted error page: <html><body>502</body></html>" in text
    assert "\x1b" not in markdown and "pwn" not in markdown and "\x07" not in markdown


def test_an_empty_incident_leaves_no_bare_placeholder(store: Store) -> None:
    incident = store.create_incident("Something is off", Severity.SEV3, author="ops")
    markdown = postmortem_markdown(store.record(incident.id))
    assert headings(parse(markdown), "h2") == list(EXPORT_HEADINGS)
    assert "**Author:** _Not written yet._" in markdown.splitlines()
    not_written = []
    for heading in EXPORT_HEADINGS:
        body = section_of(markdown, heading)
        assert body, f"{heading} is empty"
        # No template placeholder such as "[Good thing 1]" left standing.
        assert not any(line.strip().startswith("[") for line in body.splitlines()), (heading, body)
        if "Not written yet" in body:
            not_written.append(heading)
    assert not_written == [
        "Summary",
        "Root Cause",
        "Impact",
        "What Went Well",
        "What Went Wrong",
        "Action Items",
        "Lessons Learned",
        "Resolution and Recovery",
        "Where We Got Lucky",
    ]
    assert section_of(markdown, "Detection").startswith("- Detected ")  # every incident has that
    # The timeline has what every incident has: detected and declared.
    assert len(tables(parse(section_of(markdown, "Timeline")))[0]) == 3
    # Not even a heading: a section of whitespace someone saved is not written either.
    write_section(store, incident.id, Section.SUMMARY, "  \n ")
    assert section_of(postmortem_markdown(store.record(incident.id)), "Summary") == NOT_WRITTEN


# -- the drafts -------------------------------------------------------------------------------------


def test_drafts_cover_every_section_and_the_export_uses_them_until_someone_writes(
    store: Store, resolved: Incident
) -> None:
    record = store.record(resolved.id)
    drafts = draft_sections(record)
    assert set(drafts) == set(Section)
    assert drafts[Section.AUTHOR] == "dana"  # a name, not Markdown
    assert drafts[Section.LESSONS] == drafts[Section.LUCKY] == ""
    markdown = postmortem_markdown(record)
    for section in (
        Section.SUMMARY,
        Section.ROOT_CAUSE,
        Section.IMPACT,
        Section.WENT_WELL,
        Section.DETECTION,
        Section.RESOLUTION_RECOVERY,
    ):
        assert drafts[section] and section_of(markdown, section.heading) == drafts[section], section
    # What someone wrote wins over the draft; the draft of another section is untouched.
    assert section_of(markdown, "What Went Wrong").startswith("- The canary did not exercise")
    write_section(store, resolved.id, Section.SUMMARY, "We shipped a connection leak.")
    write_section(store, resolved.id, Section.AUTHOR, "Dana *Kim*")
    markdown = postmortem_markdown(store.record(resolved.id))
    assert section_of(markdown, "Summary") == "We shipped a connection leak."
    assert "**Author:** Dana \\*Kim\\*" in markdown.splitlines()
    assert section_of(markdown, "Impact") == drafts[Section.IMPACT]


def test_drafts_follow_the_record(store: Store) -> None:
    clock = StepClock(T0)
    store.clock = clock
    incident = store.create_incident(
        "Slow search",
        Severity.SEV2,
        detected_at=T0,
        author="ops",
        triage=Triage(happening="# p99 at 4 s", affected="- everyone searching"),
    )
    drafts = draft_sections(store.record(incident.id))
    # User text at the start of a line stays text: never a heading or a list.
    assert (
        drafts[Section.SUMMARY]
        == "\\# p99 at 4 s. Affected: \\- everyone searching. SEV-2, investigating, not resolved yet."
    )
    assert drafts[Section.WENT_WELL] == drafts[Section.WENT_WRONG] == ""
    # Acknowledged 40 minutes after detection: outside the SEV-2 response time; and said so.
    clock.at(minutes=40)
    store.set_role(incident.id, Role.COMMANDER, "ana")
    drafts = draft_sections(store.record(incident.id))
    assert drafts[Section.WENT_WRONG] == (
        "- Acknowledged 40m 00s after detection: outside the SEV-2 response time (< 30 min)."
    )
    assert drafts[Section.WENT_WELL] == ""
    assert drafts[Section.DETECTION].startswith("- Detected 2026-11-27 02:55 UTC.\n- Symptoms at triage: \\# p99")


def test_the_timeline_shows_each_milestone_once_at_the_time_it_holds(store: Store, resolved: Incident) -> None:
    store.clock = StepClock(T0 + timedelta(days=1))
    store.set_milestone(resolved.id, Milestone.RESOLVED, T0 + timedelta(minutes=40), author="dana")
    store.set_milestone(resolved.id, Milestone.MITIGATED, None, author="dana")
    markdown = postmortem_markdown(store.record(resolved.id))
    rows = tables(parse(section_of(markdown, "Timeline")))[0]
    events = [row[1] for row in rows]
    assert events.count("Confirmed resolved") == 1 and "Mitigated" not in events
    assert ["2026-11-27 03:35 UTC", "Confirmed resolved"] in rows
    assert "(40 minutes)" in markdown


# -- Markdown someone wrote -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written, exported",
    [
        ("Plain *Markdown* with `code <b>` stays", "Plain *Markdown* with `code <b>` stays"),
        ("<script>alert(1)</script>", "&lt;script>alert(1)&lt;/script>"),
        (
            "see <https://example.com/a?b=1> or <ops@example.com>",
            "see <https://example.com/a?b=1> or <ops@example.com>",
        ),
        ("a < b and 1<2", "a < b and 1<2"),
        ("# Top\n## Second\n### Third", "### Top\n### Second\n### Third"),
        ("Paragraph\n---\nmore", "Paragraph\n\n---\nmore"),
        ("```\n# code <b>\n", "```\n# code <b>\n```"),
        ("~~~~\n<b>\n~~~~\nafter <b>", "~~~~\n<b>\n~~~~\nafter &lt;b>"),
        ("red \x1b[31mtext\x1b[0m\x1b]0;title\x07", "red text"),
    ],
)
def test_written_markdown_is_kept_but_cannot_break_the_document(written: str, exported: str) -> None:
    assert md_block(written) == exported


def test_one_line_user_text_never_starts_a_block() -> None:
    assert [md_inline(t) for t in ("# x", "> x", "- x", "+ x", "= x", "12. x", "3) x", "a # b")] == [
        "\\# x",
        "&gt; x",
        "\\- x",
        "\\+ x",
        "\\= x",
        "12\\. x",
        "3\\) x",
        "a # b",
    ]


# -- the 48-hour window -------------------------------------------------------------------------------


def test_postmortem_window_counts_down_48_hours_from_resolution(store: Store, resolved: Incident) -> None:
    resolved_at = resolved.milestones[Milestone.RESOLVED]
    open_incident = store.create_incident("Still going", Severity.SEV2, author="ops")
    assert postmortem_window(open_incident, resolved_at) is None
    assert postmortem_window(resolved, resolved_at).text == "post-mortem due in 2d 00h"
    window = postmortem_window(resolved, resolved_at + timedelta(hours=47, minutes=30))
    assert (window.text, window.state) == ("post-mortem due in 30m 00s", "due")
    window = postmortem_window(resolved, resolved_at + timedelta(hours=49))
    assert (window.text, window.state) == ("post-mortem 1h 00m past the 48 h window", "late")


# -- the editor, driven through Pilot --------------------------------------------------------------


@pytest.fixture
def incident(store: Store, clock: Clock) -> Incident:
    """An open SEV-2, detected 20 minutes before NOW, with a confirmed hypothesis and hostile text."""
    store.clock = clock
    clock.now = NOW - timedelta(minutes=18)
    created = store.create_incident(
        "Checkout API returning 500s",
        Severity.SEV2,
        triage=Triage(
            reporter="PagerDuty",
            happening="30% of POST /checkout fail",
            affected="All users paying by card",
            changed="Deploy v2.41.0",
        ),
        detected_at=NOW - timedelta(minutes=20),
        author="pager",
    )
    store.set_role(created.id, Role.COMMANDER, "dana", author="dana")
    hypothesis = store.add_hypothesis(created.id, f"Connection leak {HOSTILE}", author="sam")
    store.set_hypothesis_result(hypothesis.id, HypothesisResult.CONFIRMED, author="sam")
    clock.now = NOW
    return store.incident(created.id)


async def open_editor(pilot) -> PostMortemScreen:
    await pilot.pause()
    await pilot.press("p")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, PostMortemScreen), "the post-mortem editor")
    return pilot.app.screen


def box(screen: PostMortemScreen, section: Section) -> TextArea:
    return screen.query_one(f"#{editor_id(section)}", TextArea)


def hint(screen: PostMortemScreen, section: Section) -> str:
    return str(screen.query_one(f"#hint-{editor_id(section)}", Label).render())


def sections_in(db_path: Path) -> dict[str, str]:
    return {r["section"]: r["body"] for r in query(db_path, "SELECT section, body FROM postmortem_sections")}


def table_rows(screen: PostMortemScreen) -> list[list[str]]:
    table = screen.query_one("#action-items", DataTable)
    return [[str(getattr(cell, "plain", cell)) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def fail(monkeypatch, name: str, times: int) -> list[int]:
    """`Store.<name>` raises WriteFailed('disk full') on its next `times` calls."""
    original = getattr(Store, name)
    calls: list[int] = []

    def failing(self, *args, **kwargs):
        calls.append(1)
        if len(calls) <= times:
            raise WriteFailed("disk full")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Store, name, failing)
    return calls


async def test_editor_drafts_every_section_and_saves_edits_to_the_file(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        screen = await open_editor(pilot)
        record = store.record(incident.id)
        drafts = draft_sections(record)
        # Every written section is a box, prefilled with the draft; the drafted ones say so.
        for section in Section:
            assert box(screen, section).text == drafts[section], section
        assert hint(screen, Section.SUMMARY) == hint(screen, Section.ROOT_CAUSE) == DRAFTED
        assert hint(screen, Section.LESSONS) == "not written yet"
        assert box(screen, Section.AUTHOR).text == "dana"
        # The parts the record holds are shown as the export renders them.
        assert screen.query_one("#generated-timeline", Markdown).source == "\n".join(timeline_table(record))
        assert "Time to acknowledge" in screen.query_one("#generated-metrics", Markdown).source
        assert "### H1: Connection leak" in screen.query_one("#generated-hypotheses", Markdown).source
        assert all("\x1b" not in area.text for area in screen.query(TextArea))
        assert "Date 2026-11-27 · Duration 2026-11-27 02:54 UTC to (not resolved yet) · SEV-2 · Investigating" in str(
            screen.query_one("#pm-facts", Label).render()
        )

        summary = box(screen, Section.SUMMARY)
        assert app.focused is summary
        await pilot.press("f7")  # select all, then type over it
        await paste_text(pilot, "We shipped a connection leak | and rolled back.\n\n- second `para`")
        assert hint(screen, Section.SUMMARY).startswith("unsaved changes")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: count(db_path, "postmortem_sections") == 1, "the summary in the file")
        row = one(db_path, "SELECT * FROM postmortem_sections")
        assert (row["incident_id"], row["section"], row["updated_by"], row["updated_at"]) == (
            incident.id,
            "summary",
            "tester",
            NOW_ISO,
        )
        assert row["body"] == "We shipped a connection leak | and rolled back.\n\n- second `para`"
        await wait_until(pilot, lambda: hint(screen, Section.SUMMARY) == "written", "the hint")

        # Leaving a box saves it too; the drafts nobody touched are not written.
        lessons = box(screen, Section.LESSONS)
        lessons.focus()
        await paste_text(pilot, "Canary the retry path.")
        await pilot.press("tab")
        await wait_until(pilot, lambda: "lessons" in sections_in(db_path), "the lessons in the file")
        assert sections_in(db_path) == {
            "summary": "We shipped a connection leak | and rolled back.\n\n- second `para`",
            "lessons": "Canary the retry path.",
        }

        # Escape saves what is left and closes; the timeline got nothing from all this.
        events_before = count(db_path, "events")
        lucky = box(screen, Section.LUCKY)
        lucky.focus()
        await paste_text(pilot, "It happened at low traffic.")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, WarRoomScreen), "the war room")
        assert sections_in(db_path)["lucky"] == "It happened at low traffic."
        assert count(db_path, "events") == events_before

        # Opened again, the editor shows what was written.
        screen = await open_editor(pilot)
        assert box(screen, Section.SUMMARY).text.startswith("We shipped a connection leak")
        assert hint(screen, Section.LUCKY) == "written"
        assert box(screen, Section.IMPACT).text == drafts[Section.IMPACT]

    # `ir-console export` writes the edits.
    result = CliRunner(env={"IR_CONSOLE_DB": str(db_path), "IR_CONSOLE_USER": "tester"}).invoke(
        main, ["export", incident.ref], prog_name="ir-console"
    )
    assert result.exit_code == 0, result.output
    assert section_of(result.stdout, "Summary") == "We shipped a connection leak | and rolled back.\n\n- second `para`"
    assert section_of(result.stdout, "Lessons Learned") == "Canary the retry path."
    assert section_of(result.stdout, "Where We Got Lucky") == "It happened at low traffic."
    assert section_of(result.stdout, "Impact") == drafts[Section.IMPACT]


async def test_action_items_are_added_edited_and_removed_as_rows(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        screen = await open_editor(pilot)
        assert table_rows(screen) == []
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: isinstance(app.screen, ActionItemScreen), "the action item form")
        form = app.screen
        assert app.focused is form.query_one("#action", Input)
        await paste_text(pilot, "Alert on pool saturation | p99 [b]now[/b]")
        await pilot.press("tab")
        await paste_text(pilot, "sam")
        await pilot.press("tab")
        await paste_text(pilot, "2026-12-04")
        await pilot.press("tab")
        assert app.focused is form.query_one("#priority", RadioSet)
        await pilot.press("enter")  # the highlight starts on the first, P1 (P2 is the default)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: count(db_path, "action_items") == 1 and table_rows(screen), "the new row")
        row = one(db_path, "SELECT * FROM action_items")
        assert (row["incident_id"], row["action"], row["owner"], row["due_date"], row["priority"], row["status"]) == (
            incident.id,
            "Alert on pool saturation | p99 [b]now[/b]",
            "sam",
            "2026-12-04",
            "P1",
            "open",
        )
        assert table_rows(screen) == [["Alert on pool saturation | p99 [b]now[/b]", "sam", "2026-12-04", "P1", "open"]]
        assert app.focused is screen.query_one("#action-items", DataTable)

        # Enter edits the row: the form comes prefilled; only what changed is written.
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ActionItemScreen), "the edit form")
        form = app.screen
        assert form.query_one("#action", Input).value == "Alert on pool saturation | p99 [b]now[/b]"
        form.query_one("#owner", Input).focus()
        await pilot.press("ctrl+u")
        await paste_text(pilot, "lee")
        form.query_one("#status", RadioSet).focus()
        await pilot.press("right", "right", "enter")  # open -> in progress -> done
        await pilot.press("ctrl+s")
        await wait_until(
            pilot, lambda: one(db_path, "SELECT status FROM action_items")["status"] == "done", "the edited row"
        )
        row = one(db_path, "SELECT * FROM action_items")
        assert (row["owner"], row["priority"], row["due_date"]) == ("lee", "P1", "2026-12-04")
        await wait_until(pilot, lambda: table_rows(screen)[0][1:] == ["lee", "2026-12-04", "P1", "done"], "the row")

        # A due date that is not a date is refused, and nothing is written.
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: isinstance(app.screen, ActionItemScreen), "the form")
        await paste_text(pilot, "Soak-test card retries")
        app.screen.query_one("#due_date", Input).focus()
        await paste_text(pilot, "next sprint")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "not a date" in str(app.screen.query_one("#form-error", Label).render())
        assert count(db_path, "action_items") == 1
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen, "the editor")

        # Delete removes the row, after asking.
        screen.query_one("#action-items", DataTable).focus()
        await pilot.press("delete")
        await wait_until(pilot, lambda: isinstance(app.screen, RemoveItemScreen), "the question")
        await pilot.press("escape")
        await settle(pilot)
        assert count(db_path, "action_items") == 1
        await pilot.press("delete")
        await wait_until(pilot, lambda: isinstance(app.screen, RemoveItemScreen), "the question")
        await pilot.press("enter")
        await wait_until(pilot, lambda: count(db_path, "action_items") == 0 and table_rows(screen) == [], "the removal")
        assert count(db_path, "events", "kind = 'note' AND text LIKE '%pool saturation%'") == 0


async def test_a_failed_save_keeps_the_text_and_says_why(store, db_path, clock, incident, monkeypatch) -> None:
    monkeypatch.setattr(postmortem_screen, "AUTOSAVE_SECONDS", 3600)  # only the saves this test asks for
    app = console(store, clock)
    async with run(app) as pilot:
        screen = await open_editor(pilot)
        calls = fail(monkeypatch, "set_postmortem_sections", times=2)
        await pilot.press("f7")
        await paste_text(pilot, "Written during a disk-full night.")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: any("disk full" in toast for toast in toasts(app)), "the error")
        assert any(toast.startswith("Post-mortem not saved") for toast in toasts(app))
        assert box(screen, Section.SUMMARY).text == "Written during a disk-full night."
        assert hint(screen, Section.SUMMARY).startswith("unsaved changes")
        assert count(db_path, "postmortem_sections") == 0

        # Escape does not throw the text away on a failed save: it stays, and says how to leave anyway.
        await pilot.press("escape")
        await wait_until(
            pilot, lambda: len(calls) == 2 and any("Escape again" in t for t in toasts(app)), "the warning"
        )
        assert app.screen is screen and count(db_path, "postmortem_sections") == 0

        await pilot.press("ctrl+s")  # the disk has room again
        await wait_until(pilot, lambda: count(db_path, "postmortem_sections") == 1, "the retry")
        assert one(db_path, "SELECT body FROM postmortem_sections")["body"] == "Written during a disk-full night."
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, WarRoomScreen), "the war room")


async def test_a_pause_in_typing_saves(store, db_path, clock, incident, monkeypatch) -> None:
    monkeypatch.setattr(postmortem_screen, "AUTOSAVE_SECONDS", 0.2)
    app = console(store, clock)
    async with run(app) as pilot:
        screen = await open_editor(pilot)
        box(screen, Section.LUCKY).focus()
        await settle(pilot)
        assert count(db_path, "postmortem_sections") == 0  # nothing changed, nothing written
        paste(app, "Low traffic at 3 a.m.")
        await wait_until(pilot, lambda: count(db_path, "postmortem_sections") == 1, "the saved section")
        assert sections_in(db_path) == {"lucky": "Low traffic at 3 a.m."}
        assert app.focused is box(screen, Section.LUCKY)


async def test_preview_shows_the_export_with_unsaved_edits(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        screen = await open_editor(pilot)
        await pilot.press("f7")
        await paste_text(pilot, "Not saved yet, but previewed.")
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, PreviewScreen), "the preview")
        preview = app.screen
        source = preview.query_one(Markdown).source
        assert section_of(source, "Summary") == "Not saved yet, but previewed."
        write_section(store, incident.id, Section.SUMMARY, "Not saved yet, but previewed.")
        assert source == postmortem_markdown(store.record(incident.id))
        await pilot.press("m")
        assert preview.has_class("-source") and preview.query_one("#preview-source", TextArea).text == source
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen, "the editor")


async def test_the_editor_follows_what_others_write(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        screen = await open_editor(pilot)
        with Store.open(db_path) as other:
            other.add_action_item(incident.id, f"Add pool alerts {HOSTILE}", owner="ops", priority=Priority.P1)
            write_section(other, incident.id, Section.LUCKY, "Low traffic at 3 a.m.")
            write_section(other, incident.id, Section.SUMMARY, "Someone else's summary.")
            other.add_event(incident.id, "Rolled back", key_moment=True, author="sam")
        await wait_until(
            pilot,
            lambda: len(table_rows(screen)) == 1 and box(screen, Section.LUCKY).text,
            "the other console's writes",
        )
        # Markup and escapes are text in the table.
        assert table_rows(screen)[0][0] == (
            "Add pool alerts pool | exhausted `db` <script>alert(1)</script> "
            "[bold red]x[/] *star* _under_ red ⏎ line two"
        )
        assert box(screen, Section.LUCKY).text == "Low traffic at 3 a.m." and hint(screen, Section.LUCKY) == "written"
        assert box(screen, Section.SUMMARY).text == "Someone else's summary."
        assert "Rolled back" in screen.query_one("#generated-timeline", Markdown).source

        # A box with unsaved changes keeps them; saving them wins.
        await pilot.press("f7")
        await paste_text(pilot, "My summary.")
        with Store.open(db_path) as other:
            write_section(other, incident.id, Section.SUMMARY, "A third summary.")
        await wait_until(pilot, lambda: screen.record.sections[Section.SUMMARY] == "A third summary.", "the re-read")
        assert box(screen, Section.SUMMARY).text == "My summary."
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: sections_in(db_path)["summary"] == "My summary.", "the save")


async def test_resolving_shows_the_48_hour_window(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        assert header(app, "next-update").startswith("next update in")
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, StatusScreen), "the status list")
        await pilot.press("down", "down", "down", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmResolveScreen), "the confirmation")
        await pilot.press("enter")  # Resolve  # Resolved
        await wait_until(pilot, lambda: header(app, "next-update") == "post-mortem due in 2d 00h", "the window")
        assert one(db_path, "SELECT resolved_at FROM incidents")["resolved_at"] == NOW_ISO

        clock.advance(hours=47, minutes=30)
        await wait_until(pilot, lambda: header(app, "next-update") == "post-mortem due in 30m 00s", "the countdown")
        screen = await open_editor(pilot)
        assert str(screen.query_one("#pm-facts", Label).render()).endswith("Resolved · post-mortem due in 30m 00s")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, WarRoomScreen), "the war room")

        clock.advance(hours=1)
        await wait_until(
            pilot, lambda: header(app, "next-update") == "post-mortem 30m 00s past the 48 h window", "the late window"
        )
        label = app.screen.query_one("#header #next-update", Label)
        assert label.has_class("late")


async def test_a_section_back_at_its_draft_is_drafted_again_and_ctrl_l_clears_one(
    store, db_path, clock, incident
) -> None:
    """A section counts as written only while its text differs from the draft: undone back to the
    draft it says "drafted" and stores nothing, so the draft goes on following the record."""
    app = console(store, clock)
    async with run(app) as pilot:
        screen = await open_editor(pilot)
        summary = box(screen, Section.SUMMARY)
        draft = summary.text
        assert app.focused is summary and hint(screen, Section.SUMMARY) == DRAFTED
        await pilot.press("end", *" Rolled back at 03:10.")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: sections_in(db_path).get("summary") == summary.text != draft, "saved")
        assert hint(screen, Section.SUMMARY) == "written"

        # Undo back to the draft: drafted again, and what is stored is nothing written.
        while summary.text != draft:
            await pilot.press("ctrl+z")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: sections_in(db_path).get("summary") == "", "stored as not written")
        await wait_until(pilot, lambda: hint(screen, Section.SUMMARY) == DRAFTED, "drafted again")
        # The draft follows the record again: a change of severity shows in it.
        with Store.open(db_path, clock=clock) as other:  # another console, as the editor's reader sees it
            other.set_severity(incident.id, Severity.SEV1, reason="checkout fully down")
        await wait_until(pilot, lambda: "SEV-1" in box(screen, Section.SUMMARY).text, "the draft following the record")
        assert hint(screen, Section.SUMMARY) == DRAFTED

        # ctrl+l clears a written section in one key; ctrl+z brings the text back.
        lessons = box(screen, Section.LESSONS)
        lessons.focus()
        await paste_text(pilot, "Canary the retry path.")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: sections_in(db_path).get("lessons") == "Canary the retry path.", "lessons")
        await pilot.press("ctrl+l")
        assert lessons.text == "" and hint(screen, Section.LESSONS).startswith("unsaved")
        await pilot.press("ctrl+z")
        assert lessons.text == "Canary the retry path."
        await pilot.press("ctrl+l", "ctrl+s")
        await wait_until(pilot, lambda: sections_in(db_path).get("lessons") == "", "lessons cleared")
        assert hint(screen, Section.LESSONS) == "not written yet"


async def test_the_key_moment_table_fits_a_narrow_terminal_and_wraps_within_its_column(store, clock, incident) -> None:
    """At 80 columns the generated timeline keeps its rule on one line under the header, and a long
    entry wraps under its own column, not back at the left edge."""
    long_text = "Rolled back the transit gateway change in every region after the saturation alarms " * 2
    store.add_event(incident.id, long_text.strip(), key_moment=True, author="lee")
    app = console(store, clock)
    async with run(app, size=(80, 40)) as pilot:
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PostMortemScreen), "the editor")
        table = app.screen.query_one("#generated-timeline").query_one(postmortem_screen.CompactTable)
        await wait_until(pilot, lambda: table.size.height > 0, "the table laid out")
        shown = table.query_one(Static)
        lines = [shown.render_line(y).text.rstrip() for y in range(shown.size.height)]
        assert lines[0].split() == ["Time", "Event"]
        assert set(lines[1].replace(" ", "")) == {"─"} and lines[2][:4].isdigit()  # the rule is one line
        start = lines.index(next(line for line in lines if "Rolled back" in line))
        event_column = lines[start].index("Rolled back")
        assert event_column > 0 and lines[start + 1][:event_column].strip() == ""
        assert lines[start + 1][event_column:].strip()  # the rest of the entry, under its column
