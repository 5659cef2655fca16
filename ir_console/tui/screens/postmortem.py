"""The post-mortem editor: every section of the seed's template, each editable, drafted from the record.

Each written section is a text box holding what someone wrote, or else the draft the record gives
(`render.markdown.draft_sections`, the same the export uses). Changed sections are written through
the store on the app's writer thread on ctrl+s, on leaving a box, after a pause in typing and on
closing; a failed write keeps the text and says why. Each save names the revision of the section
the box was loaded from, so a section another console changed meanwhile is a conflict the store
resolves without dropping either text; the editor then says whose text was kept and where. The
parts the record holds outright (the key
moments, metrics, responders, hypotheses, containment, status updates) are shown as the export
renders them, and the action items are a table of rows to add, edit and remove.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from markdown_it import MarkdownIt
from markdown_it.token import Token
from rich.box import Box
from rich.table import Table
from rich.text import Text
from textual import events, getters, on
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.lazy import Lazy
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import (
    Button,
    DataTable,
    Label,
    Markdown,
    Static,
    TextArea,
)
from textual.widgets._markdown import MarkdownBlock, MarkdownTable

from ir_console.model import ActionItem, ActionItemStatus, IncidentRecord, Section
from ir_console.model.postmortem import SectionRevision, SectionSave, SectionState
from ir_console.render import deadlines
from ir_console.render.markdown import (
    containment_table,
    draft_sections,
    duration_line,
    hypothesis_log,
    metrics_table,
    postmortem_markdown,
    responders_table,
    status_updates_table,
    timeline_table,
)
from ir_console.render.text import display_text, one_line
from ir_console.render.times import clock_time
from ir_console.store import Store, StoreError
from ir_console.tui.dialogs.action_item import STATUS_LABELS, ActionItemEdit, ActionItemScreen
from ir_console.tui.dialogs.preview import PreviewScreen
from ir_console.tui.dialogs.remove_item import ActionItemRemoval, RemoveItemScreen
from ir_console.tui.dialogs.section_history import SectionHistoryScreen
from ir_console.tui.styled import StyledAsMounted
from ir_console.tui.widgets.footer import QuickFooter

if TYPE_CHECKING:
    from ir_console.tui.app import IrConsoleApp

# The editor's order is the export's: the seed's sections, then the console's own.
SEED_PART = (
    Section.SUMMARY,
    "timeline",
    Section.ROOT_CAUSE,
    Section.IMPACT,
    Section.WENT_WELL,
    Section.WENT_WRONG,
    "action-items",
    Section.LESSONS,
)
FURTHER_PART = (
    Section.DETECTION,
    Section.RESOLUTION_RECOVERY,
    Section.LUCKY,
    "metrics",
    "responders",
    "hypotheses",
    "containment",
    "status-updates",
)
FURTHER = "further"  # the heading between the two
# The generated parts: heading and how the export renders them.
GENERATED: dict[str, tuple[str, Callable[[IncidentRecord], list[str]]]] = {
    "timeline": (
        "Timeline (key moments and milestones; ! or enter on the war-room timeline marks one)",
        timeline_table,
    ),
    "metrics": ("Metrics", metrics_table),
    "responders": ("Responders and Roles", responders_table),
    "hypotheses": ("Hypothesis Log", hypothesis_log),
    "containment": ("Containment Actions", containment_table),
    "status-updates": ("Status Updates Sent", status_updates_table),
}
SECTION_PROMPTS = {
    Section.SUMMARY: "2-3 sentences: what happened and its impact",
    Section.ROOT_CAUSE: "Technical explanation of what went wrong",
    Section.IMPACT: "Users affected, duration, revenue impact, data affected",
    Section.WENT_WELL: "- Good thing 1",
    Section.WENT_WRONG: "- Process/system gap 1 (blameless: systems, not people)",
    Section.LESSONS: "What the team should take away from this",
    Section.AUTHOR: "Name",
    Section.DETECTION: "How we found out, and how we could have found out sooner",
    Section.RESOLUTION_RECOVERY: "What stopped the bleeding, what fixed it, how we confirmed recovery",
    Section.LUCKY: "What went right by chance, and would not next time",
}
DRAFTED = "drafted from the record — edit to make it yours"
AUTOSAVE_SECONDS = 2.0


def conflict_notice(kept: SectionRevision, now: datetime | None = None) -> str:
    """One line: whose text was written under you, and where it is kept."""
    who = one_line(kept.written_by, 40) or "someone"
    when = f" at {clock_time(kept.written_at, now or kept.replaced_at)}" if kept.written_at else ""
    return (
        f"{who} saved this section{when} while you edited it: yours is the section now, theirs is kept "
        f"as revision {kept.revision} (ctrl+r shows the section's history)"
    )


def editor_id(section: Section) -> str:
    return f"section-{section.value.replace('_', '-')}"


def least_height(part: Section | str, generated: str) -> int:
    """The fewest rows `part` can take (postmortem.tcss): a heading with its margin, a text box at
    its minimum height, a generated table's lines unwrapped; a hint line may be empty."""
    if part == Section.AUTHOR:
        return 2 + 3
    if isinstance(part, Section):
        return 2 + 4
    if part == FURTHER:
        return 3
    return 2 + sum(1 for line in generated.splitlines() if line.startswith("|"))


class LaterParts(Vertical):
    """The parts below the fold, mounted after the first frame (`Lazy`); says when they are in."""

    DEFAULT_CSS = "LaterParts { height: auto; }"

    class Mounted(Message):
        pass

    def on_mount(self) -> None:
        self.post_message(self.Mounted())


class ActionItemTable(DataTable):
    """The action items, one row each. Enter edits the row, + adds one, delete removes one."""

    BINDINGS = [
        Binding("plus", "add", "Add item", show=False),
        Binding("delete", "remove", "Remove item", show=False),
    ]

    class Add(Message):
        pass

    class Remove(Message):
        def __init__(self, item_id: int) -> None:
            super().__init__()
            self.item_id = item_id

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        self.add_columns("Action", "Owner", "Due date", "Priority", "Status")
        self._shown: list[ActionItem] | None = None

    def show(self, items: list[ActionItem]) -> None:
        if items == self._shown:
            return
        self._shown = list(items)
        current = self.selected_id
        self.clear()
        for item in items:
            self.add_row(
                Text(one_line(item.action)),
                Text(one_line(item.owner)),
                Text(one_line(item.due_date)),
                item.priority.value,
                STATUS_LABELS[item.status],
                key=str(item.id),
            )
        if current is not None and str(current) in self.rows:
            self.move_cursor(row=self.get_row_index(str(current)))

    @property
    def selected_id(self) -> int | None:
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return int(cast(str, row_key.value))

    def action_add(self) -> None:
        self.post_message(self.Add())

    def action_remove(self) -> None:
        if self.selected_id is not None:
            self.post_message(self.Remove(self.selected_id))


class CompactTable(MarkdownTable):
    """A Markdown table drawn as one renderable (`compact_table`), not one widget a cell: the key moments
    of a long incident are hundreds of rows, and a widget per cell made opening the editor cost
    a second. Built from the table's cells as plain text (`RecordMarkdown` reads them from the
    parser's tokens), so no widget is made for a cell either."""

    def __init__(self, markdown: Markdown, token: Token, headers: list[str], rows: list[list[str]]) -> None:
        super().__init__(markdown, token)
        self._cells = headers, rows

    def compose(self) -> ComposeResult:
        yield Static(compact_table(*self._cells))


# Under the header a rule, and nothing else drawn: the look of Textual's Markdown tables.
RULE_UNDER_HEADER = Box("    \n    \n ─  \n    \n    \n    \n    \n    \n")


def compact_table(headers: list[str], rows: list[list[str]]) -> Table:
    """One Rich table (a single renderable, however many rows): the header in bold over a rule,
    every column but the last as wide as its widest cell, the last wrapping within its column at
    whatever width the editor has."""
    table = Table(
        box=RULE_UNDER_HEADER,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
        header_style="bold",
        border_style="dim",
    )
    for index, header in enumerate(headers):
        table.add_column(header, no_wrap=index < len(headers) - 1, overflow="fold")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))  # Text: a cell is shown as written, never as markup
    return table


class RecordMarkdown(Markdown):
    """The parts generated from the record: Markdown, with its tables drawn compact.

    Built with the screen (`compose`), so the first frame shows them; Textual's `Markdown` parses
    on a thread and mounts its blocks after it is mounted, a pass of its own after the screen's.
    An update parses on the event loop: these parts are a few kilobytes."""

    def compose(self) -> ComposeResult:
        self._markdown = self._initial_markdown or ""
        yield from self.blocks(self._markdown)

    def update(self, markdown: str) -> AwaitComplete:
        if markdown == self._markdown:  # shown already (the mount's update of the composed text)
            return AwaitComplete(asyncio.sleep(0))
        self._markdown = markdown
        blocks = list(self.blocks(markdown))

        async def show() -> None:
            async with self.lock:
                with self.app.batch_update():
                    await self.remove_children()
                    await self.mount_all(blocks)

        return AwaitComplete(show())

    def blocks(self, markdown: str) -> Iterator[MarkdownBlock]:
        """Textual's blocks for everything but tables, which become one `CompactTable` each."""
        tokens = MarkdownIt("gfm-like").parse(markdown)
        start = 0
        for index, token in enumerate(tokens):
            if token.type == "table_open" and token.level == 0:
                yield from self._parse_markdown(tokens[start:index])
                start = next(i for i in range(index, len(tokens)) if tokens[i].type == "table_close") + 1
                yield CompactTable(self, token, *table_cells(tokens[index:start]))
        yield from self._parse_markdown(tokens[start:])


def table_cells(tokens: list[Token]) -> tuple[list[str], list[list[str]]]:
    """A table's header cells and rows of cells, as plain text (as Textual's blocks show them)."""
    headers: list[str] = []
    rows: list[list[str]] = []
    in_body = False
    for index, token in enumerate(tokens):
        if token.type == "tbody_open":
            in_body = True
        elif token.type == "tr_open" and in_body:
            rows.append([])
        elif token.type in ("th_open", "td_open"):
            inline = tokens[index + 1]
            text = cell_text(inline) if inline.type == "inline" else ""
            (rows[-1] if in_body else headers).append(text)
    return headers, rows


def cell_text(inline: Token) -> str:
    return MarkdownBlock._token_to_content(cast(MarkdownBlock, None), inline).plain


class PostMortemScreen(StyledAsMounted, Screen[None]):
    if TYPE_CHECKING:  # the App's services, typed; nothing changes at run time
        app = getters.app(IrConsoleApp)

    AUTO_FOCUS = ""  # on_mount chooses the summary
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="save"),
        Binding("ctrl+o", "preview", "Preview export", id="preview"),
        Binding("ctrl+n", "add_item", "Add action item", id="add-action-item"),
        Binding("ctrl+r", "history", "Section history", id="section-history"),
        Binding(
            "ctrl+l",
            "clear_section",
            "Clear section",
            id="clear-section",
            tooltip="Clear the focused section: back to the record's draft, nothing written (ctrl+z undoes)",
        ),
        Binding("escape", "close", "Close", id="close"),
    ]

    def __init__(self, record: IncidentRecord) -> None:
        super().__init__()
        self.incident_id = record.incident.id
        self.record = record
        self.drafts = draft_sections(self.record)
        # What each box held when last loaded or saved: a box whose text differs has unsaved changes.
        self.baseline: dict[Section, str] = {}
        # The stored revision each box was loaded from (0: not written yet); a save names it.
        self.loaded: dict[Section, int] = {}
        # A section whose save met another writer's text: the hint saying where that text is kept.
        self.conflicts: dict[Section, str] = {}
        self._states: dict[Section, SectionState] = {}  # the sections' states as last read
        self._data_version: int | None = None
        self._save_lock = asyncio.Lock()
        self._autosave: Timer | None = None
        self._failed: str = ""  # why the last save failed ("" after a good one)
        self._leaving = False
        self._leave_unsaved = False  # Escape after a failed save closes anyway

    @property
    def store(self) -> Store:
        return self.app.reader

    # -- layout -------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        incident = self.record.incident
        yield Label(f"Post-mortem {one_line(incident.ref)}: {one_line(incident.title)}", id="pm-title", markup=False)
        yield Label("", id="pm-facts", markup=False)
        parts: list[Section | str] = [Section.AUTHOR, *SEED_PART, FURTHER, *FURTHER_PART]
        first = self.first_screenful(parts)
        with VerticalScroll(id="pm-body") as body:
            body.can_focus = False
            for part in parts[:first]:
                yield from self.part(part)
            if first < len(parts):
                # Below the fold whatever the texts: built after the first frame (`LaterParts`).
                with Lazy(LaterParts(id="pm-later")):
                    for part in parts[first:]:
                        yield from self.part(part)
        yield QuickFooter()

    def first_screenful(self, parts: list[Section | str]) -> int:
        """How many of `parts` can show in the first frame: the others start below the screen's
        last row even at their least height (CSS minimums, a table's rows unwrapped). The summary,
        which takes the focus, is always built."""
        rows = self.app.size.height - 3  # the body: under the title and facts, over the footer
        top = 0
        for index, part in enumerate(parts):
            if top >= rows and index > parts.index(Section.SUMMARY):
                return index
            top += least_height(part, self.generated(part) if part in GENERATED else "")
        return len(parts)

    def part(self, part: Section | str) -> ComposeResult:
        if isinstance(part, Section):
            yield from self.section_editor(part)
        elif part == FURTHER:
            yield Label("Beyond the seed's template", classes="pm-further")
        elif part == "action-items":
            with Vertical(classes="pm-part", id="part-action-items"):
                yield Label("Action Items", classes="pm-heading")
                yield Label("enter edits the row · + or ctrl+n adds one · delete removes one", classes="pm-hint")
                yield ActionItemTable(id="action-items")
                with Horizontal(classes="pm-buttons"):
                    yield Button("Add (ctrl+n)", id="add-item")
                    yield Button("Edit (enter)", id="edit-item")
                    yield Button("Remove (delete)", id="remove-item")
        else:
            heading, _ = GENERATED[part]
            with Vertical(classes="pm-part", id=f"part-{part}"):
                yield Label(heading, classes="pm-heading", markup=False)
                yield Label("from the record (not edited here)", classes="pm-hint")
                yield RecordMarkdown(self.generated(part), id=f"generated-{part}", classes="pm-generated")

    def section_editor(self, section: Section) -> ComposeResult:
        text = self.initial_text(section)
        self.baseline[section] = text
        with Vertical(classes="pm-part pm-section", id=f"part-{editor_id(section)}"):
            yield Label(section.heading, classes="pm-heading")
            yield Label("", id=f"hint-{editor_id(section)}", classes="pm-hint", markup=False)
            yield TextArea(text, id=editor_id(section), soft_wrap=True, placeholder=SECTION_PROMPTS[section])

    def initial_text(self, section: Section) -> str:
        """The written text, or else the draft."""
        written = display_text(self.record.sections.get(section, ""))
        return written if written.strip() else self.drafts.get(section, "")

    def generated(self, part: str) -> str:
        return "\n".join(GENERATED[part][1](self.record))

    def on_mount(self) -> None:
        try:
            self._data_version = self.store.data_version()
            states = self.store.postmortem_section_states(self.incident_id)
        except StoreError as error:
            # A damaged page: one line, back to the war room, which keeps running.
            self.notify(one_line(str(error)), title="Cannot read the post-mortem", severity="error", markup=False)
            self.call_later(self.dismiss)
            return
        self.show_sections(states)
        self.show_items()
        self.show_hints()
        self.tick()
        self.set_interval(1.0, self.tick)
        self.set_interval(self.app.live_interval, self.check_for_changes)
        self.editor(Section.SUMMARY).focus(scroll_visible=False)  # the top stays in view: author, then summary

    def editor(self, section: Section) -> TextArea:
        return self.query_one(f"#{editor_id(section)}", TextArea)

    @property
    def editors(self) -> dict[Section, TextArea]:
        """The section boxes mounted so far (those below the fold join just after the first frame)."""
        mounted = {box.id: box for box in self.query(TextArea)}
        return {section: mounted[editor_id(section)] for section in self.baseline if editor_id(section) in mounted}

    @on(LaterParts.Mounted)
    def later_parts_mounted(self) -> None:
        """The parts below the fold are in: show them what the rest shows (the stored texts, the
        record as last read)."""
        self.show_sections(self._states)
        self.refresh_generated()

    # -- what the boxes say about themselves ----------------------------------------------------------

    def dirty(self) -> dict[Section, str]:
        return {section: box.text for section, box in self.editors.items() if box.text != self.baseline[section]}

    def show_hints(self) -> None:
        for section, box in self.editors.items():
            hint = self.query_one(f"#hint-{editor_id(section)}", Label)
            written = self.record.sections.get(section, "").strip()
            draft = self.drafts.get(section, "")
            if box.text != self.baseline[section]:
                text, state = "unsaved changes (ctrl+s saves; so does leaving the box)", "-unsaved"
            elif section in self.conflicts:
                text, state = self.conflicts[section], "-unsaved"
            elif written and box.text.strip() and box.text != draft:
                text, state = "written", ""
            elif box.text.strip() and box.text == draft:
                text, state = DRAFTED, "-drafted"
            elif draft:
                text, state = "empty: the export drafts this from the record", "-drafted"
            else:
                text, state = "not written yet", ""
            if str(hint.content) != text:
                hint.update(text)
            hint.set_class(state == "-drafted", "-drafted")
            hint.set_class(state == "-unsaved", "-unsaved")

    def tick(self) -> None:
        incident = self.record.incident
        facts = [
            f"Date {self.record.incident.started_at:%Y-%m-%d}" if self.record.incident.started_at else "Date unknown",
            f"Duration {duration_line(self.record)}",
            incident.severity.label,
            incident.status.value,
        ]
        window = deadlines.postmortem_window(incident, self.app.clock())
        facts.append(window.text if window else "post-mortem due within 48 h of resolution")
        label = self.query_one("#pm-facts", Label)
        text = " · ".join(facts)
        if str(label.content) != text:
            label.update(text)
        label.set_class(window is not None and window.state == "late", "late")

    # -- saving ---------------------------------------------------------------------------------------

    @on(TextArea.Changed)
    def edited(self, changed: TextArea.Changed) -> None:
        self._leave_unsaved = False
        section = next((s for s, box in self.editors.items() if box is changed.text_area), None)
        if section is not None and changed.text_area.text != self.baseline.get(section):
            self.conflicts.pop(section, None)
        self.show_hints()
        if self._autosave is not None:
            self._autosave.stop()
        self._autosave = self.set_timer(AUTOSAVE_SECONDS, self.autosave)

    async def autosave(self) -> None:
        await self.save(quiet=True)

    def on_descendant_blur(self, blurred: events.DescendantBlur) -> None:
        if isinstance(blurred.widget, TextArea) and not self._leaving:
            self.run_worker(self.save(quiet=True), group="postmortem-save")

    async def action_save(self) -> None:
        await self.save()

    async def save(self, *, quiet: bool = False) -> bool:
        """Write every changed section in one transaction; False (text kept, reason shown) on failure.

        `quiet`: an automatic save does not repeat a failure already shown.
        """
        async with self._save_lock:
            changes = self.dirty()
            if not changes:
                return True
            author = self.app.author
            loaded = {section: self.loaded.get(section, 0) for section in changes}
            # A section is written only while it differs from what the record drafts: text back at
            # the draft (undone, or ctrl+l) is stored as nothing written, and the draft follows the record.
            bodies = {section: "" if text == self.drafts.get(section) else text for section, text in changes.items()}
            try:
                saved = await self.app.write(
                    lambda store: store.set_postmortem_sections(self.incident_id, bodies, author=author, loaded=loaded)
                )
            except (StoreError, ValueError) as error:
                reason = one_line(str(error))
                if not quiet or reason != self._failed:
                    self.notify(
                        f"{reason}. Your text is kept here: ctrl+s tries again.",
                        title="Post-mortem not saved",
                        severity="error",
                        timeout=10,
                        markup=False,
                    )
                self._failed = reason
                return False
            self._failed = ""
            self._leave_unsaved = False
            for section, result in saved.items():
                self.saved(section, changes[section], bodies[section], result)
            self.show_hints()
            return True

    def saved(self, section: Section, shown: str, sent: str, result: SectionSave) -> None:
        """Take in what the store made of `sent` (the box showed `shown`: the same text, or the
        draft when `sent` is empty): its text now, its revision, a conflict."""
        box = self.editor(section)
        self.record.sections[section] = result.body
        stored = display_text(result.body) if result.body.strip() else self.drafts.get(section, "")
        if box.text == shown and result.body != sent:
            self.load_box(box, stored)  # the other text held ours whole
        if box.text == shown or result.body == sent:
            # The box shows the stored text (or what the user typed on top of it since).
            self.loaded[section] = result.revision
        # Else someone else's text is current and the box does not show it: the next save, from
        # the revision loaded before, is a conflict again, and so is not silent.
        self.baseline[section] = box.text if box.text == shown else stored
        if result.conflict is not None:
            notice = conflict_notice(result.conflict)
            self.conflicts[section] = notice
            self.notify(
                notice, title=f"{section.heading}: edited in two places", severity="warning", timeout=15, markup=False
            )

    def action_clear_section(self) -> None:
        """The focused section back to what the record drafts: nothing written, saved as such."""
        section = next((s for s, box in self.editors.items() if box is self.focused), None)
        if section is None:
            self.notify("Go to a section's box first (tab): ctrl+l clears that section.", severity="warning")
            return
        box = self.editor(section)
        draft = self.drafts.get(section, "")
        if box.text != draft:
            box.replace(draft, box.document.start, box.document.end)  # an edit: ctrl+z brings the text back
            self.notify(
                f"{section.heading}: cleared; it follows the record's draft again (ctrl+z undoes).", markup=False
            )

    @staticmethod
    def load_box(box: TextArea, text: str) -> None:
        cursor = box.cursor_location
        box.load_text(text)
        box.move_cursor(cursor)

    async def action_close(self) -> None:
        if self._autosave is not None:
            self._autosave.stop()
        if self._leave_unsaved or await self.save():
            self._leaving = True
            self.dismiss()
            return
        # A failed save keeps the screen and the text; Escape again (with no edit between) leaves anyway.
        self._leave_unsaved = True
        self.notify("Escape again closes without saving.", severity="warning", markup=False)

    # -- the rest of the record, kept current -----------------------------------------------------------

    def check_for_changes(self) -> None:
        """Another console or the CLI wrote (or this screen did): show what the record holds now,
        read on the reader thread (`reload`)."""
        try:
            version = self.store.data_version()
        except StoreError:
            return
        if version != self._data_version:
            self._data_version = version  # what the reload reads is at least this new
            self.run_worker(self.reload(), group="postmortem-reload", exclusive=True, exit_on_error=False)

    async def reload(self) -> None:
        """Read the record digest and the sections' states on the reader thread, then show them: a
        change to a long incident never holds the editor (nor reads its whole timeline)."""
        incident_id = self.incident_id

        def load(store: Store) -> tuple[IncidentRecord, dict[Section, SectionState]]:
            with store.reading() as db, db.atomic():
                return store.record_digest(incident_id), store.postmortem_section_states(incident_id)

        try:
            record, states = await self.app.read_apart(load)
        except StoreError:
            return
        if self.is_mounted:
            self.show_record(record, states)

    def show_record(self, record: IncidentRecord, states: dict[Section, SectionState]) -> None:
        self.record = record
        self.drafts = draft_sections(record)
        self.show_sections(states)
        self.refresh_generated()

    def show_sections(self, states: dict[Section, SectionState]) -> None:
        """Boxes without unsaved changes show the stored text (or the draft), and remember its
        revision; a box with unsaved changes is left alone, and so is the revision it was loaded
        from, so that saving it over a text it never showed is a conflict, not a silent loss."""
        self._states = states
        for section, box in self.editors.items():
            if box.text != self.baseline[section]:
                continue
            state = states.get(section)
            self.loaded[section] = state.revision if state else 0
            written = display_text(state.body) if state else ""
            text = written if written.strip() else self.drafts.get(section, "")
            if text != box.text:
                self.baseline[section] = text
                self.load_box(box, text)

    def refresh_generated(self) -> None:
        for view in self.query(RecordMarkdown):
            source = self.generated(cast(str, view.id).removeprefix("generated-"))
            if view.source != source:
                view.update(source)
        self.show_items()
        self.show_hints()
        self.tick()

    def show_items(self) -> None:
        for table in self.query(ActionItemTable):  # none until mounted, when below the fold
            table.show(self.record.action_items)

    # -- action items -------------------------------------------------------------------------------------

    async def write(self, change: Callable[[Store], Any]) -> bool:
        try:
            await self.app.write(change)
        except (StoreError, ValueError) as error:
            self.notify(one_line(str(error)), title="Not saved", severity="error", timeout=10, markup=False)
            return False
        await self.reload()
        return True

    @property
    def item_table(self) -> ActionItemTable:
        return self.query_one("#action-items", ActionItemTable)

    def action_add_item(self) -> None:
        self.app.push_screen(ActionItemScreen(None), self._item_done)

    @on(ActionItemTable.Add)
    @on(Button.Pressed, "#add-item")
    def add_item(self) -> None:
        self.action_add_item()

    @on(DataTable.RowSelected, "#action-items")
    @on(Button.Pressed, "#edit-item")
    def edit_item(self) -> None:
        item_id = self.item_table.selected_id
        item = next((i for i in self.record.action_items if i.id == item_id), None)
        if item is not None:
            self.app.push_screen(ActionItemScreen(item), self._item_done)

    @on(ActionItemTable.Remove)
    @on(Button.Pressed, "#remove-item")
    def remove_item(self) -> None:
        item_id = self.item_table.selected_id
        item = next((i for i in self.record.action_items if i.id == item_id), None)
        if item is not None:
            self.app.push_screen(RemoveItemScreen(item), self._item_done)

    async def _item_done(self, result: ActionItemEdit | ActionItemRemoval | None) -> None:
        if result is None:
            return
        if isinstance(result, ActionItemRemoval):
            removal = result
            await self.write(lambda store: store.delete_action_item(removal.item_id))
        elif result.item_id is None:
            new = result

            def add(store: Store) -> None:
                created = store.add_action_item(
                    self.incident_id, new.action, owner=new.owner, due_date=new.due_date, priority=new.priority
                )
                if new.status is not ActionItemStatus.OPEN:
                    store.update_action_item(created.id, status=new.status)

            if await self.write(add):
                table = self.item_table
                newest = max(self.record.action_items, key=lambda i: i.id, default=None)
                if newest is not None:
                    table.move_cursor(row=table.get_row_index(str(newest.id)))
        elif result.changed:
            edit, item_id = result, result.item_id
            await self.write(lambda store: store.update_action_item(item_id, **edit.changed))
        self.item_table.focus()

    # -- preview ----------------------------------------------------------------------------------------

    def current_record(self) -> IncidentRecord:
        """The record with the boxes as they are now: what the export will write once they are saved."""
        sections = {
            **self.record.sections,
            **{section: box.text for section, box in self.editors.items() if box.text != self.baseline[section]},
        }
        return dataclasses.replace(self.record, sections=sections)

    def focused_section(self) -> Section:
        return next((section for section, box in self.editors.items() if box is self.app.focused), Section.SUMMARY)

    def action_history(self) -> None:
        """The focused section's earlier texts, newest first, with who wrote and who replaced each."""
        section = self.focused_section()
        try:
            history = self.store.postmortem_section_history(self.incident_id, section)
        except StoreError as error:
            self.notify(one_line(str(error)), title="History not read", severity="error", markup=False)
            return
        self.app.push_screen(SectionHistoryScreen(section, history))

    def action_preview(self) -> None:
        self.app.push_screen(PreviewScreen(postmortem_markdown(self.current_record()), self.record.incident.ref))
