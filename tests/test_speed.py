"""Issue #14: the keys that draw from a long record read only what they draw, off the event loop.

`p`, `u` and the post-mortem editor's live refresh read the record digest (`Store.record_digest`)
on the reader thread, never the whole timeline; the documents drafted from it are the ones the
whole record gives. Resolving reads the recorded signals on the reader thread too. No timing is
asserted here: `python -m benchmarks` measures; these tests check what is read, where, and what
the user then sees.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from datetime import timedelta

import pytest
from textual.app import App
from textual.css.stylesheet import Stylesheet
from textual.widget import Widget
from textual.widgets import Footer, Input, Label, Markdown, OptionList, Static, TabbedContent, TextArea
from textual.widgets._footer import FooterKey
from textual.widgets._markdown import MarkdownBlock
from tui_support import (
    NOW,
    Clock,
    console,
    declare_checkout_incident,
    run,
    settle,
    shown_lines,
    timeline,
    toasts,
    wait_until,
    war_room,
)

from ir_console.config import Config, GitSource, LogSource
from ir_console.model import (
    ContainmentState,
    EventKind,
    EventSource,
    Incident,
    Section,
    Severity,
    Status,
    TimelineFilter,
)
from ir_console.render.markdown import draft_sections, postmortem_markdown
from ir_console.render.status import draft_status_update
from ir_console.signals import resources
from ir_console.signals.resources import MountUsage
from ir_console.store import Store
from ir_console.tui.dialogs.status import StatusChoice
from ir_console.tui.dialogs.status_update import StatusUpdateScreen
from ir_console.tui.screens.incidents import IncidentsScreen
from ir_console.tui.screens.postmortem import PostMortemScreen
from ir_console.tui.widgets.incident_list import IncidentList
from ir_console.tui.widgets.recorded import RecordedSignals
from ir_console.tui.widgets.signals import SignalsPane
from ir_console.tui.widgets.text_pane import TextPane


@pytest.fixture
def incident(store: Store, clock: Clock) -> Incident:
    """Twelve alerts (one retracted), notes by several people (two writing first in the same
    millisecond), key moments, an action then a containment step that stands, a later retracted
    decision, and recorded signals."""
    declared = declare_checkout_incident(store, clock)
    start = NOW - timedelta(minutes=17)
    for n in range(12):
        alert = store.add_event(
            declared.id, f"alert {n}", kind=EventKind.ALERT, author="pager", occurred_at=start + timedelta(seconds=n)
        )
        if n == 3:
            store.retract_event(alert.id, reason="duplicate")
    same = start + timedelta(minutes=1)
    store.add_event(declared.id, "zoe was first", occurred_at=same, author="zoe")
    store.add_event(declared.id, "amy at the same moment", occurred_at=same, author="amy")
    store.add_event(declared.id, "zoe again", occurred_at=same + timedelta(seconds=5), author="zoe")
    store.add_event(declared.id, "key: rollback started", occurred_at=same + timedelta(minutes=1), key_moment=True)
    store.add_event(declared.id, "restarted pods", kind=EventKind.ACTION, author="lee", occurred_at=same)
    action = store.add_containment(declared.id, "Roll back v2.41.0", author="lee")
    store.set_containment_state(action.id, ContainmentState.DONE, detail="back on v2.40.3", author="lee")
    decision = store.add_event(declared.id, "freeze deploys", kind=EventKind.DECISION, author="kim")
    store.retract_event(decision.id, reason="not decided")
    for n in range(3):
        store.add_event(declared.id, f"CPU {90 + n}%", kind=EventKind.SIGNAL, source=EventSource.SIGNAL)
    return declared


def test_the_digest_drafts_what_the_whole_record_drafts(store: Store, incident: Incident) -> None:
    record, digest = store.record(incident.id), store.record_digest(incident.id)
    assert len(digest.events) < len(record.events)  # the notes, signals and most alerts are not read
    assert digest.alert_count == 11
    assert postmortem_markdown(digest) == postmortem_markdown(record)
    assert draft_sections(digest) == draft_sections(record)
    assert "  - and 1 more" in draft_sections(digest)[Section.DETECTION]
    assert draft_status_update(digest, NOW) == draft_status_update(record, NOW)
    assert draft_status_update(digest, NOW).current_action == "Roll back v2.41.0: done — back on v2.40.3"


def digest_steps(store: Store, incident_id: int) -> int:
    """SQLite's virtual-machine steps (in thousands) the digest takes: the work it does, untimed."""
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    store.db.conn.set_progress_handler(count, 1000)
    try:
        store.record_digest(incident_id)
    finally:
        store.db.conn.set_progress_handler(None, 0)
    return steps


def test_the_digest_of_a_long_timeline_reads_no_more_than_of_a_short_one(store: Store, incident: Incident) -> None:
    """Key moments, standing alerts and each author's first event come from indexes (m007): 20,000
    more notes by the same people add nothing to read (a pass over every event took 140 ms at
    100,000 events, on the way from `p` or `u` to the screen)."""
    short = digest_steps(store, incident.id)
    before = store.record_digest(incident.id)
    with store.transaction() as db:
        db.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) "
            "INSERT INTO events (uuid, incident_id, occurred_at, recorded_at, kind, text, author) "
            "SELECT lower(hex(randomblob(16))), ?, strftime('%Y-%m-%dT%H:%M:%fZ', '2026-11-27 03:15:00', "
            "(i % 600) || ' seconds'), '2026-11-27T03:25:00.000Z', 'note', 'note ' || i, "
            "CASE i % 3 WHEN 0 THEN 'zoe' WHEN 1 THEN 'amy' ELSE 'lee' END FROM n",
            [incident.id],
        )
    assert store.scalar("SELECT count(*) FROM events WHERE incident_id = ?", [incident.id]) > 20000
    assert store.record_digest(incident.id) == before  # the same digest, read as cheaply
    assert digest_steps(store, incident.id) <= short + 5


class ReadWatch:
    """Counts the whole-timeline reads (`Store.record`, `Store.events`) and the recorded-signal
    reads made on the event loop's thread."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.whole: list[str] = []
        self.on_loop: list[str] = []
        for name in ("record", "events", "events_of_kinds", "record_digest"):
            original = getattr(Store, name, None)
            if original is not None:
                monkeypatch.setattr(Store, name, self.wrap(name, original))

    def wrap(self, name, original):
        def read(store, *args, **kwargs):
            if name in ("record", "events"):
                self.whole.append(name)
            if threading.current_thread() is threading.main_thread():
                self.on_loop.append(name)
            return original(store, *args, **kwargs)

        return read


async def test_p_and_u_open_from_the_digest_read_off_the_event_loop(
    store: Store, clock: Clock, incident: Incident, monkeypatch: pytest.MonkeyPatch
) -> None:
    watch = ReadWatch(monkeypatch)
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PostMortemScreen), "the post-mortem editor")
        source = app.screen.query_one("#generated-timeline", Markdown).source
        assert "key: rollback started" in source and "alert" not in source
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is war_room(app), "the war room")
        await pilot.press("u")
        await wait_until(pilot, lambda: isinstance(app.screen, StatusUpdateScreen), "the composer")
        assert app.screen.query_one("#current_action").value == "Roll back v2.41.0: done — back on v2.40.3"
    assert watch.whole == [] and watch.on_loop == []


async def test_the_editor_draws_a_long_key_moment_table_without_a_widget_per_cell(
    store: Store, clock: Clock, incident: Incident, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each table drawn from the record is one text: 80 key moments (two cells each) are all
    shown, and opening the editor builds a handful of Markdown blocks, not one per cell (the
    cells' widgets, made and dropped, were most of the editor's cost on a long incident)."""
    for n in range(80):
        store.add_event(incident.id, f"key moment {n:02d}", key_moment=True, occurred_at=NOW - timedelta(seconds=n))
    built: list[str] = []
    original = MarkdownBlock.__init__

    def counting(block, *args, **kwargs) -> None:
        built.append(type(block).__name__)
        original(block, *args, **kwargs)

    monkeypatch.setattr(MarkdownBlock, "__init__", counting)
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PostMortemScreen), "the post-mortem editor")
        await pilot.pause()
        shown = "\n".join(
            part.render_line(y).text
            for part in app.screen.query("#generated-timeline Static")
            for y in range(part.size.height)
        )
    assert all(f"key moment {n:02d}" in shown for n in range(80))
    assert len(built) < 30, built


async def test_the_editor_builds_what_is_below_the_fold_after_its_first_frame(
    store: Store, clock: Clock, incident: Incident
) -> None:
    """Behind 80 key moments every part after the timeline is below the screen's last row: the
    first frame is built from the title down to the timeline, and the rest joins right after it,
    each part as it would have been (a written section with its text, its hint, its revision)."""
    for n in range(80):
        store.add_event(incident.id, f"key moment {n:02d}", key_moment=True, occurred_at=NOW - timedelta(seconds=n))
    store.set_postmortem_sections(incident.id, {Section.LESSONS: "Alert on the queue, not the pods."}, author="kim")
    app = console(store, clock)
    first_frame: list[list[str]] = []
    async with run(app) as pilot:
        await pilot.pause()
        original = app._display

        def display(screen, update) -> None:
            if update is not None and screen is app.screen and isinstance(screen, PostMortemScreen):
                if not first_frame:
                    first_frame.append([str(box.id) for box in screen.query(TextArea)])
            original(screen, update)

        app._display = display
        await pilot.press("p")
        await wait_until(pilot, lambda: first_frame, "the editor's first frame")
        editor = app.screen
        assert isinstance(editor, PostMortemScreen)
        assert first_frame[0] == ["section-author", "section-summary"]
        await wait_until(pilot, lambda: editor.query("#section-lessons"), "the parts below the fold")
        await pilot.pause()
        assert editor.query_one("#section-lessons", TextArea).text == "Alert on the queue, not the pods."
        assert str(editor.query_one("#hint-section-lessons", Label).content) == "written"
        assert editor.loaded[Section.LESSONS] == 1
        assert "kim" in editor.query_one("#generated-responders", Markdown).source
        assert editor.query_one("#action-items").is_mounted
        # Edited and saved like any other section.
        editor.query_one("#section-lessons", TextArea).text = "Alert on the queue depth."
        await pilot.press("ctrl+s")
        await wait_until(
            pilot,
            lambda: store.postmortem_section_states(incident.id)[Section.LESSONS].body == "Alert on the queue depth.",
            "the section saved",
        )


@pytest.mark.parametrize("size", [(160, 48), (100, 30), (120, 70)])
async def test_what_the_editor_builds_after_its_first_frame_starts_below_the_screen(
    store: Store, clock: Clock, incident: Incident, size: tuple[int, int]
) -> None:
    """The parts built after the first frame never show in it: laid out, the first of them starts
    at or below the body's last row (the first frame is what the commander would see anyway)."""
    app = console(store, clock)
    async with run(app, size=size) as pilot:
        await pilot.pause()
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PostMortemScreen), "the post-mortem editor")
        editor = app.screen
        await wait_until(pilot, lambda: editor.query("#section-lucky"), "every part")
        await pilot.pause()
        body = editor.query_one("#pm-body")
        later = editor.query_one("#pm-later")
        assert body.scroll_y == 0
        assert later.virtual_region.y >= body.scrollable_content_region.height


async def test_the_composer_loads_its_text_once_as_it_opens(
    store: Store, clock: Clock, incident: Incident, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each field says Changed as it mounts; the text they draft is the one already shown, so the
    preview is not loaded again for each (five reloads of the text area on the way to the frame)."""
    loads: list[str] = []
    original = TextArea.load_text

    def load_text(area: TextArea, text: str) -> None:
        loads.append(text)
        original(area, text)

    monkeypatch.setattr(TextArea, "load_text", load_text)
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("u")
        await wait_until(pilot, lambda: isinstance(app.screen, StatusUpdateScreen), "the composer")
        await pilot.pause()
        composer = app.screen
        assert loads == []  # the text it was built with, untouched
        assert composer.query_one("#preview", TextArea).text == composer.compose_text()
        composer.query_one("#eta", Input).value = "30 minutes"
        await pilot.pause()
        assert "30 minutes" in composer.query_one("#preview", TextArea).text
        assert len(loads) == 1


async def test_the_editor_follows_changes_without_reading_the_whole_record(
    store: Store, db_path, clock: Clock, incident: Incident, monkeypatch: pytest.MonkeyPatch
) -> None:
    watch = ReadWatch(monkeypatch)
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PostMortemScreen), "the post-mortem editor")
        editor = app.screen
        with Store.open(db_path, clock=clock) as other:  # another console marks a key moment
            other.add_event(incident.id, "key: pods healthy again", key_moment=True, author="dana")
        await wait_until(
            pilot,
            lambda: "key: pods healthy again" in editor.query_one("#generated-timeline", Markdown).source,
            "the new key moment in the editor",
        )
        assert "dana" in editor.query_one("#generated-responders", Markdown).source
    assert watch.whole == [] and watch.on_loop == []


async def test_resolving_draws_the_review_and_reads_the_recorded_signals_off_the_loop(
    store: Store, clock: Clock, incident: Incident, monkeypatch: pytest.MonkeyPatch
) -> None:
    watch = ReadWatch(monkeypatch)
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        room = war_room(app)
        await room._set_status(room.incident, StatusChoice(Status.RESOLVED, None))  # as the confirmation does
        recorded = room.query_one(RecordedSignals)
        await wait_until(pilot, lambda: "CPU 92%" in recorded.plain, "the recorded signals")
        assert recorded.plain.splitlines()[-1] == "  CPU 92%"
        assert not any("Cannot read" in toast for toast in toasts(app))
    assert "events_of_kinds" not in watch.on_loop


# -- idle: signals that cost less when nothing happens ------------------------------------------


def test_mounts_are_listed_once_in_ten_samples(monkeypatch: pytest.MonkeyPatch) -> None:
    listed: list[int] = []
    mount = MountUsage("/", "ext4", 40.0, 4, 10, "/dev/sda1")

    def mounts() -> list[MountUsage]:
        listed.append(1)
        return [mount]

    monkeypatch.setattr(resources, "mount_usages", mounts)
    sampler = resources.ResourceSampler()
    samples = [sampler.sample() for _ in range(12)]
    assert len(listed) == 2  # samples 1 and 11
    assert all(sample.mounts == (mount,) for sample in samples)  # the samples between repeat the list


async def test_an_idle_log_wakes_the_console_only_when_a_line_arrives(
    store: Store, clock: Clock, incident: Incident, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "app.log"
    log.write_text("ERROR before the console started\n")
    config = Config()
    config.logs.interval = 0.05
    config.logs.files.append(LogSource(log, name="payments"))
    handed: list[int] = []
    original = SignalsPane.record_log_lines
    monkeypatch.setattr(SignalsPane, "record_log_lines", lambda pane, fresh: (handed.append(1), original(pane, fresh)))
    app = console(store, clock, config=config)
    async with run(app) as pilot:
        pane = war_room(app).query_one(SignalsPane)
        await wait_until(pilot, lambda: pane.log_lines[0], "the backlog read")
        polled = pane.tails[0]
        await wait_until(pilot, lambda: polled._offset > 0, "the file followed")
        quiet = len(handed)
        for _ in range(10):  # ten polls of a file nobody writes to
            await pilot.pause(0.05)
        assert len(handed) == quiet
        with log.open("a") as handle:
            handle.write("ERROR pool exhausted\n")
        await wait_until(pilot, lambda: any("pool exhausted" in line.text for line in pane.log_lines[0]), "the line")
        assert len(handed) == quiet + 1
        assert pane.unseen_log_lines == 2  # the tab label counts the backlog line and this one


async def test_hidden_signal_tabs_are_built_when_first_shown(
    store: Store, clock: Clock, incident: Incident, tmp_path
) -> None:
    log = tmp_path / "app.log"
    log.write_text("ERROR before the console started\n")
    config = Config()
    config.logs.interval = 0.05
    config.logs.files.append(LogSource(log, name="payments"))
    app = console(store, clock, config=config)
    async with run(app) as pilot:
        pane = war_room(app).query_one(SignalsPane)
        await pilot.pause()
        assert [tab for tab in ("system", "health", "changes", "logs") if pane.query(f"#{tab}")] == ["system"]
        for _ in range(3):
            await pilot.press("g")
        await wait_until(pilot, lambda: pane.active == "logs" and pane.query("#logs"), "the Logs tab")
        logs = pane.query_one("#logs", TextPane)
        await wait_until(pilot, lambda: "ERROR before the console started" in logs.plain, "the log drawn")
        assert [tab for tab in ("system", "health", "changes", "logs") if pane.query(f"#{tab}")] == [
            "system",
            "health",
            "changes",
            "logs",
        ]


# -- the incidents screen -------------------------------------------------------------------------


async def test_the_incidents_list_reads_only_the_rows_in_view(
    store: Store, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.clock = clock
    for n in range(250):
        store.create_incident(f"Incident number {n}", Severity(1 + n % 4), now=NOW - timedelta(hours=n))
    read: list[int] = []
    original = Store.incident_summaries

    def summaries(self, **kwargs):
        found = original(self, **kwargs)
        read.append(len(found))
        return found

    monkeypatch.setattr(Store, "incident_summaries", summaries)
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("escape", "i")  # the war room opened on the new-incident form
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentsScreen), "the incidents screen")
        table = app.screen.query_one("#incident-table", IncidentList)
        await wait_until(pilot, lambda: "Incident number 0 " in table.render_line(1).text, "the newest first")
        assert "Incidents: 250 shown" in str(app.screen.query_one("#incidents-title").render())
        assert sum(read) <= 100  # one page, not 250 incidents
        await pilot.press("end")
        await wait_until(pilot, lambda: table.cursor == 249, "the cursor on the last row")
        await pilot.pause()
        bottom = table.scrollable_content_region.height - 1
        assert "Incident number 249 " in table.render_line(bottom).text  # the oldest, drawn at the bottom
        assert sum(read) <= 200
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen is war_room(app), "the war room")
        assert war_room(app).incident.title == "Incident number 249"


# -- resolve: what the review changes is restyled, nothing else ------------------------------------


def look(screen) -> dict[object, tuple]:
    """What each widget's styles draw: shown or not, its border, colours and size rules."""
    return {
        node: (node.display, node.styles.border, node.styles.background, node.styles.color, node.styles.height)
        for node in screen.walk_children(with_self=True)
    }


async def test_resolving_restyles_the_review_widgets_and_footer_keys_once(
    store: Store, clock: Clock, incident: Incident, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        room = war_room(app)
        restyled: list[object] = []
        apply = Stylesheet.apply

        def counting(self, node, *args, **kwargs):
            restyled.append(node)
            return apply(self, node, *args, **kwargs)

        monkeypatch.setattr(Stylesheet, "apply", counting)
        await room._set_status(room.incident, StatusChoice(Status.RESOLVED, None))  # as the confirmation does
        footer = room.query_one(Footer)
        await wait_until(pilot, lambda: "o" in {key.key for key in footer.query(FooterKey)}, "o in the footer")
        await pilot.pause()
        keys = footer.query(FooterKey).nodes
        widgets = [node for node in restyled if isinstance(node, Widget)]  # not their component styles
        # The review's widgets (and the header's labels it changes), and each footer key once, as it
        # mounts: Textual's own way restyled all the screen's widgets, then every key twice more.
        assert len(widgets) <= len(keys) + 12, [type(node).__name__ for node in widgets]
        assert [widgets.count(key) for key in keys] == [1] * len(keys)
        assert str(room.query_one("#review-banner", Label).render()).startswith("REVIEW — resolved")
        assert not room.query_one("#signals").display and room.query_one(RecordedSignals).display
        # As Textual's footer draws them: the keys in the footer's style, the command palette's compact.
        assert [key.has_class("-compact") for key in footer.query(FooterKey)] == [
            key.has_class("-command-palette") for key in footer.query(FooterKey)
        ]
        assert footer.query(FooterKey).last().has_class("-command-palette", "-compact")
        shown = look(room)
        room.update_node_styles(animate=False)  # a full restyle changes nothing: every rule was applied
        assert look(room) == shown
        incident_id = room.incident.id
        await room.write(lambda s: s.reopen_incident(incident_id, reason="not fixed", author="dana"))
        await wait_until(pilot, lambda: room.query_one("#signals").display, "the live signals back")
        shown = look(room)
        room.update_node_styles(animate=False)
        assert look(room) == shown
        assert not room.query_one("#review-banner").display and not room.query_one(RecordedSignals).display


def test_a_page_of_the_incidents_list_is_the_slice_of_the_whole_list(store: Store, clock: Clock) -> None:
    """A page is sorted on the ids and what it is sorted by, then only its rows are read whole
    (sorting every incident's whole row took 25 ms a page at 10,000 incidents: `python -m
    benchmarks` measures it); the page is the same slice of the same order, ties and filters too."""
    store.clock = clock
    for n in range(300):
        store.create_incident(f"Incident number {n // 2}", Severity(1 + n % 4), now=NOW - timedelta(hours=n // 3))
    for sort in ("started", "title", "duration", "severity", "status", "ref", "events"):
        for descending in (True, False):
            for filters in ({}, {"severities": (Severity(1), Severity(3))}):
                whole = store.incident_summaries(now=NOW, sort=sort, descending=descending, **filters)
                for offset in (0, 40, len(whole) - 10):
                    page = store.incident_summaries(
                        now=NOW, sort=sort, descending=descending, limit=50, offset=offset, **filters
                    )
                    assert page == whole[offset : offset + 50], (sort, descending, filters, offset)
    # The newest first; the three that started together, the last declared first.
    assert [summary.title for summary in store.incident_summaries(now=NOW, limit=4)] == [
        "Incident number 1",
        "Incident number 0",
        "Incident number 0",
        "Incident number 2",
    ]


async def test_the_incidents_screen_builds_its_other_tabs_when_first_shown(store: Store, clock: Clock) -> None:
    """It opens with the list's tab alone built; search, stats and root causes are built the first
    time they are shown, by key or by a click on the tab, and work as ever."""
    store.clock = clock
    store.create_incident("Checkout down", Severity.SEV1, now=NOW - timedelta(hours=1))
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("i")
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentsScreen), "the incidents screen")
        screen = app.screen
        table = screen.query_one("#incident-table", IncidentList)
        await wait_until(pilot, lambda: "Checkout down" in table.render_line(1).text, "the list")
        assert not screen.query("#search-input, #stats-chart, #root-causes")
        await pilot.click("#--content-tab-causes-tab")
        await wait_until(pilot, lambda: screen.query("#root-causes"), "the root causes built")
        await pilot.pause()
        assert screen.query_one("#root-causes").region.height > 5  # drawn in the tab
        await pilot.press("3")
        chart = screen.query_one("#stats-chart", Static)
        await wait_until(pilot, lambda: "m: export as Markdown" in str(chart.render()), "the statistics")
        assert screen.query_one("#stats-since", Input).value == f"{(NOW - timedelta(days=90)).astimezone():%Y-%m-%d}"
        await pilot.press("2")
        await wait_until(pilot, lambda: app.focused is screen.query_one("#search-input"), "the search input focused")
        await pilot.press("c", "h", "e", "c", "k", "o", "u", "t", "enter")
        results = screen.query_one("#search-results", OptionList)
        status = screen.query_one("#search-status", Label)
        await wait_until(pilot, lambda: str(status.render()) == "2 matches. Enter opens one.", "the hits")
        assert results.option_count == 2 and "Checkout down" in str(results.get_option_at_index(0).prompt)
        assert len(screen.query("#search-input")) == 1  # built once


async def test_the_footer_keeps_its_keys_when_the_keys_shown_are_the_same(
    store: Store, clock: Clock, incident: Incident
) -> None:
    """A dialog opened and closed leaves the war room's footer as it was: its keys are not mounted
    again (Textual's footer rebuilt them all whenever the bindings might have changed)."""
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        room = war_room(app)
        footer = room.query_one(Footer)
        await wait_until(pilot, lambda: footer.query(FooterKey), "the footer's keys")
        keys = footer.query(FooterKey).nodes
        await pilot.press("f1")
        await wait_until(pilot, lambda: app.screen is not room, "the help")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is room, "back to the war room")
        await settle(pilot)
        assert footer.query(FooterKey).nodes == keys
        await room._set_status(room.incident, StatusChoice(Status.RESOLVED, None))  # as the confirmation does
        await wait_until(pilot, lambda: "o" in {key.key for key in footer.query(FooterKey)}, "o in the footer")
        assert [key.key for key in footer.query(FooterKey) if key.key != "o"] == [key.key for key in keys]


def spy_on_counts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The `after_id` of each `events_added_since`, and 0 for each `events_counted`: 0 re-counts
    the whole timeline."""
    asked: list[int] = []
    original = Store.events_added_since
    original_count = Store.events_counted

    def counting(self, incident_id, after_id, *args, **kwargs):
        asked.append(after_id)
        return original(self, incident_id, after_id, *args, **kwargs)

    def counting_all(self, incident_id, *args, **kwargs):
        asked.append(0)
        return original_count(self, incident_id, *args, **kwargs)

    monkeypatch.setattr(Store, "events_added_since", counting)
    monkeypatch.setattr(Store, "events_counted", counting_all)
    return asked


async def test_resolving_reads_only_the_events_it_added_to_the_timeline(
    store: Store, clock: Clock, incident: Incident, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        room = war_room(app)
        asked = spy_on_counts(monkeypatch)
        await room._set_status(room.incident, StatusChoice(Status.RESOLVED, None))  # as the confirmation does
        await pilot.pause()
        assert asked and 0 not in asked  # no re-count of the whole timeline
        view = timeline(app)
        assert view.count == len(store.events(incident.id))
        shown = shown_lines(app)
        assert "Status Investigating → Resolved" in shown[-3] and "Confirmed resolved" in shown[-2]
        assert "Phase" in shown[-1] and "→" in shown[-1]


async def test_a_screen_opens_with_its_footer_keys_in_place(store: Store, clock: Clock, incident: Incident) -> None:
    """The footer's keys are composed with the screen (Textual's footer mounted them only after
    the screen's first frame, and laid the screen out again), and not rebuilt once it shows."""
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        screen = IncidentsScreen(store, NOW)
        await app.push_screen(screen)  # mounted with all it composed
        footer = screen.query_one(Footer)
        keys = footer.query(FooterKey).nodes
        assert [key.key for key in keys] == ["escape", "o", "O", "slash", "ctrl+q", "f1", "ctrl+p"]
        await settle(pilot)
        assert footer.query(FooterKey).nodes == keys


async def test_the_timeline_is_counted_without_reading_every_event_id_and_follows_new_rows(
    store: Store, clock: Clock, db_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first count of a timeline is a bare count of the incident's index (reading every
    entry's id for the highest took three times as long on 100,000 events, before the first
    frame); the highest id in the file is where the rows added later start, whichever incident
    they belong to."""
    store.clock = clock
    other = store.create_incident("Search slow", Severity.SEV3, author="lee", now=NOW - timedelta(hours=1))
    ours = declare_checkout_incident(store, clock)
    for n in range(5):
        store.add_event(ours.id, f"ours {n}", author="dana")
        store.add_event(other.id, f"theirs {n}", author="lee")
    asked: list[int] = []
    original = Store.events_added_since

    def noting(self, incident_id, after_id, *args, **kwargs):
        asked.append(after_id)
        return original(self, incident_id, after_id, *args, **kwargs)

    monkeypatch.setattr(Store, "events_added_since", noting)
    app = console(store, clock)
    async with run(app) as pilot:
        await settle(pilot)
        view = timeline(app)
        assert war_room(app).incident.id == ours.id
        assert view.count == len(store.events(ours.id))
        assert "ours 4" in shown_lines(app)[-1]
        assert 0 not in asked  # counted, not read entry by entry
        # Another console writes to the other incident, then to this one (ids above any seen).
        with Store.open(db_path, create=False) as elsewhere:
            elsewhere.add_event(other.id, "theirs later", author="lee")
            elsewhere.add_event(ours.id, "ours later", author="sam")
        await wait_until(pilot, lambda: "ours later" in shown_lines(app)[-1], "the new row shown")
        assert view.count == len(store.events(ours.id))
        assert not any("theirs" in line for line in shown_lines(app))
    for shown in TimelineFilter:
        counted, highest = store.events_counted(ours.id, shown)
        assert counted == original(store, ours.id, 0, shown)[0]
        assert highest == max(row["id"] for row in store.query_rows("SELECT id FROM events"))


@pytest.mark.parametrize("key", ["s", "u", "i", "p"])
async def test_a_screen_is_not_restyled_whole_as_it_opens(
    store: Store, clock: Clock, incident: Incident, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    """A dialog (`s`, `u`), the incidents screen (`i`) and the post-mortem editor (`p`): Textual
    restyled all of a screen's widgets as it was first shown, after each had been styled as it
    mounted. Only what a class or the focus changes is restyled now, and the screen looks as a
    full restyle makes it look."""
    app = console(store, clock)
    async with run(app) as pilot:
        await settle(pilot)
        room = war_room(app)
        restyled: list[object] = []
        update_styles = App.update_styles

        def noting(self, node, *args, **kwargs):
            restyled.append(node)
            return update_styles(self, node, *args, **kwargs)

        monkeypatch.setattr(App, "update_styles", noting)
        await pilot.press(key)
        await wait_until(pilot, lambda: app.screen is not room, "the screen open")
        await settle(pilot)
        screen = app.screen
        assert screen not in restyled, [type(node).__name__ for node in restyled]
        shown = look(screen)
        screen.update_node_styles(animate=False)  # a full restyle changes nothing: every rule was applied
        await settle(pilot)
        assert look(screen) == shown


def sqlite_memory_used() -> int:
    """Bytes SQLite holds in this process (every connection's page cache among them)."""
    import _sqlite3
    import ctypes

    used = ctypes.CDLL(_sqlite3.__file__).sqlite3_memory_used
    used.restype = ctypes.c_int64
    return used()


def test_counting_a_long_timeline_keeps_none_of_its_pages_in_memory(store: Store, incident: Incident) -> None:
    """The first count of a timeline reads every page of the incident's index: the reading
    connection's cache kept up to 2 MB of them (at 100,000 events) for as long as the console ran."""
    with store.transaction():
        store.db.conn.executemany(
            "INSERT INTO events (uuid, incident_id, occurred_at, recorded_at, kind, text)"
            " VALUES (?, ?, ?, ?, 'note', ?)",
            [
                (
                    f"bulk-{n}",
                    incident.id,
                    f"2026-11-29T10:{n // 6000:02d}:00.{n % 1000:03d}Z",
                    "2026-11-29T12:00:00Z",
                    "x",
                )
                for n in range(30_000)
            ],
        )
    with Store.open(store.path, create=False) as console_reader:  # a connection with a cold cache, as at start
        before = sqlite_memory_used()
        counted, _ = console_reader.events_counted(incident.id)
        kept = sqlite_memory_used() - before
    assert counted == len(store.events(incident.id)) > 30_000
    assert kept < 256 * 1024, kept  # ~1 MB of index pages read


async def test_a_long_timeline_opens_reading_its_last_page_and_only_its_first_row(
    store: Store, clock: Clock, incident: Incident, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first row's date sets the width of the dates column: it is read alone, not with the
    199 rows after it, which a timeline opened at its end does not draw."""
    store.add_event(incident.id, "seen yesterday", occurred_at=NOW - timedelta(days=1), author="dana")
    for n in range(450):
        store.add_event(incident.id, f"note {n}", author="dana")
    read: list[int] = []
    original = Store.events_page

    def noting(self, *args, **kwargs):
        page = original(self, *args, **kwargs)
        read.append(len(page))
        return page

    monkeypatch.setattr(Store, "events_page", noting)
    app = console(store, clock)
    async with run(app) as pilot:
        await settle(pilot)
        view = timeline(app)
        assert sum(read) <= 200 + 1, read  # the last page, and the first row
        assert view.count == len(store.events(incident.id)) > 450
        # Yesterday's row carries its date; today's rows keep the column, blank.
        assert view.date_width > 0
        last = shown_lines(app)[-1]
        assert last.startswith(" " * (view.date_width + 1)) and "note 449" in last
        await pilot.press("home")
        await settle(pilot)
        assert "seen yesterday" in shown_lines(app)[0] and not shown_lines(app)[0].startswith(" ")


def test_the_count_and_the_highest_id_are_read_from_one_state_of_the_file(
    store: Store, incident: Incident, db_path
) -> None:
    """Another console writes while the timeline is counted: the count and the highest id come
    from the same state of the file, so what `events_added_since` finds after that id is exactly
    what the count left out (no row lost, none counted twice)."""
    with Store.open(db_path, create=False) as other:
        written: list[str] = []

        def write_meanwhile(statement: str) -> None:
            if statement.lstrip().upper().startswith("SELECT") and "events" in statement and len(written) < 3:
                written.append(statement)
                other.add_event(incident.id, f"written meanwhile {len(written)}", author="lee")

        store.db.conn.set_trace_callback(write_meanwhile)
        try:
            counted, highest = store.events_counted(incident.id)
        finally:
            store.db.conn.set_trace_callback(None)
        assert written  # a write landed while it read
        added, _, _ = store.events_added_since(incident.id, highest)
        assert counted + added == len(store.events(incident.id))


async def test_a_text_pane_draws_changed_lines_in_one_refresh_asking_its_style_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The style under a text pane's lines is Textual's `rich_style`, which walks every ancestor:
    asked once a line, it was over half the cost of a line the System pane redrew each second. And
    each `refresh_line` works out the pane's gutter and scrollbars again: the changed lines are
    refreshed in one call. A theme change still restyles the lines."""
    from rich.text import Text
    from textual.app import App, ComposeResult

    class Host(App):
        def compose(self) -> ComposeResult:
            yield TextPane()

    asked: list[int] = []
    real = Widget.rich_style
    monkeypatch.setattr(TextPane, "rich_style", property(lambda pane: asked.append(1) or real.fget(pane)))
    app = Host()
    async with app.run_test(size=(40, 12)) as pilot:
        pane = app.query_one(TextPane)
        pane.show_text(Text("\n".join(f"line {n} first" for n in range(8))))
        await pilot.pause()
        asked.clear()

        refreshes: list[tuple] = []
        real_refresh = TextPane.refresh
        monkeypatch.setattr(
            TextPane, "refresh", lambda pane, *a, **k: refreshes.append(a) or real_refresh(pane, *a, **k)
        )
        pane.show_text(Text("\n".join(f"line {n} second" for n in range(8))))
        assert len(refreshes) == 1 and len(refreshes[0]) == 8  # one refresh naming the eight changed lines
        await pilot.pause()

        assert [pane.render_line(y).text.rstrip() for y in range(8)] == [f"line {n} second" for n in range(8)]
        assert len(asked) <= 1
        refreshes.clear()
        pane.show_text(Text("\n".join(f"line {n} second" for n in range(8))))
        assert refreshes == []  # nothing changed, nothing to paint

        before = pane.render_line(0)._segments[0].style
        app.theme = "textual-light" if app.theme != "textual-light" else "nord"
        await pilot.pause()
        pane.show_text(Text("\n".join(f"line {n} third" for n in range(8))))
        await pilot.pause()
        after = pane.render_line(0)._segments[0].style
        assert after is not None and after.bgcolor == real.fget(pane).bgcolor != before.bgcolor


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
async def test_a_quiet_repository_wakes_the_console_only_when_a_commit_arrives(
    store: Store, clock: Clock, incident: Incident, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    env = {**os.environ, "GIT_AUTHOR_NAME": "Ada", "GIT_AUTHOR_EMAIL": "a@example.com"}
    env |= {"GIT_COMMITTER_NAME": "Ada", "GIT_COMMITTER_EMAIL": "a@example.com"}
    repo = tmp_path / "payments-svc"

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env, timeout=10)

    repo.mkdir()
    git("init", "-q")
    git("commit", "-q", "--allow-empty", "-m", "Deploy v2.41.0")
    config = Config()
    config.changes.interval = 0.05
    config.changes.git.append(GitSource(repo))
    handed: list[int] = []
    original = SignalsPane.record_changes
    monkeypatch.setattr(SignalsPane, "record_changes", lambda pane, repos: (handed.append(1), original(pane, repos)))
    reads: list[int] = []
    original_read = SignalsPane._read_changes
    monkeypatch.setattr(SignalsPane, "_read_changes", lambda pane: (reads.append(1), original_read(pane))[1])
    app = console(store, clock, config=config)
    async with run(app) as pilot:
        pane = war_room(app).query_one(SignalsPane)
        await wait_until(pilot, lambda: pane.repos and pane.repos[0].commits, "the first read")
        quiet = len(handed)
        read = len(reads)
        await wait_until(pilot, lambda: len(reads) >= read + 10, "ten reads of a repository nobody commits to")
        assert len(handed) == quiet
        git("commit", "-q", "--allow-empty", "-m", "Raise pool size")
        await wait_until(pilot, lambda: len(pane.repos[0].commits) == 2, "the new commit")
        assert len(handed) == quiet + 1
        assert pane.repos[0].commits[0].subject == "Raise pool size"
        assert app.screen.query_one(TabbedContent).get_tab("changes-tab").label.plain == "Changes 2"
