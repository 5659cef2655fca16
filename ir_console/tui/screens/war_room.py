"""The war room: header strip, timeline, hypotheses, containment checklist and the signal panes.

The screen owns the layout and the incident being worked. Widgets send messages up; the screen
writes through the store on the app's writer thread and then tells the widgets what to show.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar, cast

from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Label, OptionList

from ir_console.model import (
    EventKind,
    EventSource,
    Incident,
    IncidentRecord,
    Milestone,
    Status,
    StatusUpdate,
    TimelineFilter,
)
from ir_console.model.when import needs_confirmation
from ir_console.render import deadlines
from ir_console.render.text import one_line
from ir_console.render.times import when_with_day
from ir_console.signals.watch import SignalNotice
from ir_console.store import DatabaseReplaced, Store, StoreError
from ir_console.store.store import ResolvedRefusal, refuse_if_resolved
from ir_console.tui.drafts import KEEP_AS_TYPED_DELAY
from ir_console.tui.entry_syntax import parse_entry
from ir_console.tui.styled import StyledAsMounted
from ir_console.tui.widgets.containment_list import ContainmentList
from ir_console.tui.widgets.entry_line import ENTRY_PLACEHOLDER, EntryLine
from ir_console.tui.widgets.footer import QuickFooter
from ir_console.tui.widgets.header import IncidentHeader
from ir_console.tui.widgets.hypothesis_list import HypothesisList
from ir_console.tui.widgets.recorded import RECORDED_KINDS, RecordedLines, RecordedSignals
from ir_console.tui.widgets.signals import SignalsPane
from ir_console.tui.widgets.timeline import TimelineView

if TYPE_CHECKING:  # the dialogs load when first opened (not at start-up: the first frame needs none)
    from ir_console.model import StatusUpdate
    from ir_console.tui.app import IrConsoleApp
    from ir_console.tui.dialogs.add_containment import NewContainmentAction
    from ir_console.tui.dialogs.containment import ContainmentEdit
    from ir_console.tui.dialogs.details import Details
    from ir_console.tui.dialogs.event import EventCorrection, EventRetraction
    from ir_console.tui.dialogs.event_detail import EditWanted
    from ir_console.tui.dialogs.hypothesis import HypothesisEdit
    from ir_console.tui.dialogs.milestones import MilestoneChanges
    from ir_console.tui.dialogs.new_incident import NewIncident
    from ir_console.tui.dialogs.paste import PastedEntry
    from ir_console.tui.dialogs.reopen import Reopening
    from ir_console.tui.dialogs.resolve import ResolveConfirmed
    from ir_console.tui.dialogs.roles import RoleChanges
    from ir_console.tui.dialogs.severity import SeverityChoice
    from ir_console.tui.dialogs.status import StatusChoice
    from ir_console.tui.dialogs.status_update import StatusUpdateSent  # the dialog loads when first needed
    from ir_console.tui.screens.incidents import IncidentChoice  # the screen loads when first needed

NARROW_WIDTH = 120
EARLY_NOTICES_KEPT = 50
# Seconds between drawing a resolved incident read-only and reading its recorded signals (a long
# incident recorded tens of thousands, read on the reader thread): that frame is not slowed.
RECORDED_DELAY = 0.1
# How long Enter holds the screen's repaints for its entry's save (`hold_frames`).
SAME_FRAME_WAIT = 0.03
EARLY_NOTICE_WINDOW = timedelta(hours=1)
TINY_WIDTH, TINY_HEIGHT = 60, 20
T = TypeVar("T")
# What failed to read (see `WarRoomScreen.read`): the record the panes show, the timeline's rows,
# the record digest a document (`p`, `u`) is drawn from, a resolved incident's recorded signals.
RECORD, TIMELINE, DOCUMENT, RECORDED = "record", "timeline", "the incident's record", "recorded signals"
# What the review's rules (styles/app.tcss, `WarRoomScreen.-review ...`) style: restyled on resolving
# and reopening (`show_review`). A rule added there for another widget names it here too.
REVIEW_STYLED = "#review-banner, #recorded-signals, #signals, .pane"
REVIEW_PLACEHOLDER = (
    "Resolved: no new entries; correct what is recorded (Enter on an event, d for details). "
    "Press o (outside this line) to reopen it."
)


def sentence(error: Exception) -> str:
    """An error as one line that ends like a sentence, so that more can follow it."""
    text = one_line(str(error))
    return text if not text or text.endswith((".", "!", "?")) else text + "."


class TimelinePane(Vertical):
    """The timeline and its entry line: what `f` (and the palette's Maximize) puts on the whole screen."""

    ALLOW_MAXIMIZE = True


class WarRoomScreen(StyledAsMounted, Screen):
    # The header stays above a maximised timeline: the incident, its clock and the next update due.
    ALLOW_IN_MAXIMIZED_VIEW = "#header, Footer"
    if TYPE_CHECKING:  # the App's services, typed; nothing changes at run time
        app = getters.app(IrConsoleApp)

    BINDINGS = [
        Binding("n", "new_incident", "New incident", id="new-incident", tooltip="Declare a new incident"),
        # Early in the list: under review the footer is full, and its last keys are cut off.
        Binding(
            "o",
            "reopen",
            "Reopen",
            id="reopen",
            tooltip="Reopen the resolved incident under review (asks first; recorded on the timeline)",
        ),
        Binding("t", "timeline_entry", "Log", id="timeline-entry", tooltip="Write a timeline entry"),
        Binding("h", "new_hypothesis", "Hypothesis", id="new-hypothesis", tooltip="Add a hypothesis"),
        Binding("x", "containment", "Containment", id="containment", tooltip="Go to the containment checklist"),
        Binding("s", "severity", "Severity", id="severity", tooltip="Change the severity"),
        Binding("a", "status", "Status", id="status", tooltip="Change the status"),
        Binding(
            "m",
            "milestones",
            "Milestones",
            id="milestones",
            tooltip="Set or correct when impact started, detected, ... resolved (also under review)",
        ),
        Binding("r", "roles", "Roles", id="roles", tooltip="Assign commander, scribe, comms and tech lead"),
        Binding(
            "d",
            "details",
            "Details",
            id="details",
            tooltip="Edit the title and triage fields (reporter, what's happening, who's affected, what changed)",
        ),
        Binding("u", "status_update", "Update", id="status-update", tooltip="Compose a status update"),
        Binding(
            "p", "postmortem", "Post-mortem", id="postmortem", tooltip="Write the post-mortem (drafted from the record)"
        ),
        Binding("i", "incidents", "Incidents", id="incidents", tooltip="List incidents and switch"),
        Binding(
            "g",
            "next_signal",
            "Signals",
            id="next-signal",
            show=False,
            tooltip="Show the next signal pane: system, health, changes, logs",
        ),
        Binding(
            "T",
            "focus_timeline",
            "Timeline pane",
            id="focus-timeline",
            show=False,
            tooltip="Go to the timeline (Enter on an event shows it whole; e there edits it)",
        ),
        Binding(
            "f",
            "full_timeline",
            "Full screen",
            id="full-timeline",
            show=False,
            tooltip="The timeline and the entry line on the whole screen (f or Escape returns)",
        ),
        Binding(
            "v",
            "timeline_filter",
            "Filter",
            id="timeline-filter",
            show=False,
            tooltip="Timeline: all events, then without signals, then key moments only",
        ),
        Binding(
            "H",
            "focus_hypotheses",
            "Hypotheses pane",
            id="focus-hypotheses",
            show=False,
            tooltip="Go to the hypotheses ([ and ] rank them, Enter opens one)",
        ),
        Binding(
            "e",
            "evidence",
            "Evidence",
            id="evidence",
            tooltip="Attach what the signal pane shows to the timeline as evidence",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        # The entry line's text as typed, kept (tui/drafts.py) a moment after the last key.
        self._unsent_line: tuple[str, datetime] = ("", datetime.min)
        self._keeping_line: Timer | None = None
        self.incident: Incident | None = None
        self._data_version: int | None = None
        # Signals noticed while no incident was open: the first symptoms of the next one.
        self._early_notices: deque[SignalNotice] = deque(maxlen=EARLY_NOTICES_KEPT)
        # The database banner: why nothing more is saved (the file at the path is not the one
        # opened), and the reads that failed, by what they read: why, and the read to try again
        # on the change poll (None: the record, read again by `refresh_record`).
        self._file_gone: str | None = None
        self._rang_overdue = False  # the bell rang for the update now overdue
        self._failed_reads: dict[str, tuple[str, Callable[[], object] | None]] = {}
        self._document_loading = False  # `p` or `u` pressed: the record digest is being read

    @property
    def store(self) -> Store:
        return self.app.reader

    def compose(self) -> ComposeResult:
        yield IncidentHeader(id="header")
        with TimelinePane(id="timeline-pane", classes="pane") as pane:
            pane.border_title = "Timeline"
            yield Label(id="db-banner", markup=False)
            yield Label(id="review-banner", markup=False)
            yield TimelineView(id="timeline")
            yield EntryLine(self.take_entry, placeholder=ENTRY_PLACEHOLDER, id="entry")
        with Vertical(id="hypotheses-pane", classes="pane") as pane:
            pane.border_title = "Hypotheses"
            yield HypothesisList(id="hypotheses")
        with Vertical(id="containment-pane", classes="pane") as pane:
            pane.border_title = "Containment"
            yield ContainmentList(id="containment")
        with Vertical(id="signals-pane", classes="pane") as pane:
            pane.border_title = "Signals"
            yield SignalsPane(self.app.config, sample_interval=self.app.sample_interval, id="signals")
            yield RecordedSignals(id="recorded-signals")
        yield QuickFooter()

    def on_mount(self) -> None:
        read = self.read(lambda: (self.store.latest_open_incident(),), None, "open incidents")
        self.incident = read[0] if read else None
        self.refresh_record()
        self.set_interval(1.0, self.tick)
        self.set_interval(self.app.live_interval, self.check_for_changes)
        self.run_worker(self.release_held_notices(), group="held-notices", exit_on_error=False)
        self.query_one("#timeline", TimelineView).focus()
        if read is not None and self.incident is None:
            self.action_new_incident()
        self.restore_unsent_line()

    # -- the entry line's unsent text outlives the console (tui/drafts.py) -----------------------

    def restore_unsent_line(self) -> None:
        """Text typed into the entry line and never entered when the last console on this
        database ended (closed, killed, its terminal gone) is back in the line."""
        if self.incident is None:
            return
        unsent = self.app.drafts.line(self.incident.id)
        entry_line = self.query_one("#entry", EntryLine)
        if unsent is not None and not entry_line.value:
            text, typed_at = unsent
            entry_line.give_back(text, typed_at)
            self.notify(
                f"Typed {when_with_day(typed_at, self.app.clock())}, never entered: Enter logs it at that time.",
                title="Unsent text back in the entry line",
                markup=False,
            )

    @on(Input.Changed, "#entry")
    def entry_typed(self, changed: Input.Changed) -> None:
        if self._keeping_line is not None:
            self._keeping_line.stop()
        self._unsent_line = changed.value, self.app.clock()
        self._keeping_line = self.set_timer(KEEP_AS_TYPED_DELAY, self.keep_unsent_line)

    def keep_unsent_line(self) -> None:
        self._keeping_line = None
        if self.incident is not None:
            self.app.drafts.keep_line(self.incident.id, *self._unsent_line)

    def on_unmount(self) -> None:
        if self._keeping_line is not None:  # leaving within a moment of the last key
            self.keep_unsent_line()

    def on_screen_resume(self) -> None:
        self.query_one(SignalsPane).redraw()  # it kept measuring under the modal, without drawing

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW_WIDTH, "-narrow")
        self.set_class(self.size.width < TINY_WIDTH or self.size.height < TINY_HEIGHT, "-tiny")

    # -- showing the record ---------------------------------------------------------------------

    def refresh_record(self, *, appended: bool = False) -> None:
        """Read the current incident from the store and show it in every pane.

        `appended`: the change was an entry added at the end of the timeline, which then reads
        only its new rows instead of re-counting the incident.
        """
        retrying_timeline = TIMELINE in self._failed_reads  # its rows are drawn again below
        try:
            self._data_version = self.store.data_version()
            if self.incident is not None:
                self.incident = self.store.incident(self.incident.id)
            incident_id = self.incident.id if self.incident else None
            self.app.drafts.incident_id = incident_id  # what is typed in a dialog belongs to it
            hypotheses = self.store.hypotheses(incident_id) if incident_id else []
            containment = self.store.containment(incident_id) if incident_id else []
        except StoreError as error:
            self.read_failed(RECORD, error)
            return
        self.read_succeeded(RECORD)
        self.query_one("#hypotheses", HypothesisList).show(hypotheses)
        self.query_one("#containment", ContainmentList).show(containment)
        self.show_review()
        try:
            self.query_one("#timeline", TimelineView).show_incident(self.store, incident_id, appended=appended)
        except StoreError as error:  # the other panes are shown all the same
            self.read_failed(TIMELINE, error)
        else:
            if retrying_timeline:
                self.call_after_refresh(self._timeline_redrawn)
        self.tick()

    @property
    def reviewing(self) -> bool:
        """A resolved incident is shown: its review, where what is recorded may be corrected but
        nothing new is added, until someone reopens it."""
        return self.incident is not None and not self.incident.is_open

    def show_review(self) -> None:
        """Enter or leave review mode: the banner, the recorded signals in place of the live tabs
        (read on the reader thread: `load_recorded`), the entry line's hint, and the `o` key (shown
        only while reviewing)."""
        reviewing = self.reviewing
        if self.incident is not None and reviewing:
            from ir_console.tui.dialogs.reopen import resolved_at_text

            resolved = resolved_at_text(self.incident)
            self.query_one("#review-banner", Label).update(
                f"REVIEW — resolved{' ' + resolved if resolved else ''}: no new entries; "
                "corrections are kept as revisions; o to reopen"
            )
            self.set_timer(RECORDED_DELAY, self.load_recorded)  # the read-only war room is drawn first
        if reviewing == self.has_class("-review"):
            return
        # Only these match a `WarRoomScreen.-review` rule (styles/app.tcss): restyling them alone,
        # not every widget on the screen, is what the class changes (a third of resolve's time).
        self.set_class(reviewing, "-review", update=False)
        self.app.stylesheet.update_nodes(self.query(REVIEW_STYLED), animate=True)
        self.query_one("#signals-pane").border_title = "Signals — recorded" if reviewing else "Signals"
        self.query_one("#entry", EntryLine).placeholder = REVIEW_PLACEHOLDER if reviewing else ENTRY_PLACEHOLDER
        self.refresh_bindings()

    def load_recorded(self) -> None:
        """Read and lay out the recorded signals on the reader thread (a long incident recorded
        tens of thousands), then show them: the war room is drawn read-only meanwhile."""
        if self.incident is not None:
            incident_id = self.incident.id

            async def load() -> None:  # a function, not a coroutine: a worker replaced unstarted leaves none
                await self._load_recorded(incident_id)

            # (Textual's annotations take an async function's result to be Never.)
            self.run_worker(cast(Any, load), group="recorded", exclusive=True, exit_on_error=False)

    async def _load_recorded(self, incident_id: int) -> None:
        try:
            lines = await self.app.read_apart(
                lambda store: RecordedLines(store.events_of_kinds(incident_id, RECORDED_KINDS))
            )
        except StoreError as error:
            self.read_failed(RECORDED, error, self.load_recorded)
            return
        self.read_succeeded(RECORDED)
        if self.reviewing and self.incident is not None and self.incident.id == incident_id:
            self.query_one("#recorded-signals", RecordedSignals).show_recorded(lines)

    def tick(self) -> None:
        now = self.app.clock()
        last = self._last_update()
        sent_at = last.sent_at if last else None
        promised = deadlines.promised_next_update(last.next_update, last.sent_at) if last else None
        header = self.query_one("#header", IncidentHeader)
        header.show(self.incident, sent_at, now, promised)
        self.ring_when_overdue(header.update_overdue)
        self.query_one("#timeline", TimelineView).check_day()
        self.query_one(SignalsPane).draw_pending()  # in the frame the clock repaints anyway

    def ring_when_overdue(self, overdue: bool) -> None:
        """The terminal bell, once, as the next status update becomes overdue (besides the red
        header): the commander may be looking at another window. `[updates] bell = false` mutes it."""
        if overdue and not self._rang_overdue and self.app.config.update_bell:
            self.app.bell()
        self._rang_overdue = overdue

    def _last_update(self) -> StatusUpdate | None:
        if self.incident is None:
            return None
        incident_id = self.incident.id
        updates: list[StatusUpdate] = self.read(lambda: self.store.status_updates(incident_id), [], "status updates")
        return updates[-1] if updates else None

    def check_for_changes(self) -> None:
        """Another console or `ir-console log` wrote: show it without a keypress. Also the file's
        identity: deleted, moved or replaced, and nothing more is saved (see `file_gone`); and a
        read that failed is tried again."""
        if self._file_gone is None:
            try:
                self.store.check_file()
            except DatabaseReplaced as error:
                self.file_gone(error)
        version = self.read(self.store.data_version, None, "changes")
        if version is None:
            return
        if self._failed_reads:
            self.read(self.store.forget_cached_pages, None, "changes")
        for what, (_, retry) in list(self._failed_reads.items()):
            if retry is not None:
                self.read(retry, None, what)
        if version != self._data_version or RECORD in self._failed_reads or TIMELINE in self._failed_reads:
            if self.incident is None:
                self.incident = self.read(self.store.latest_open_incident, None, "open incidents")
            self.refresh_record()

    # -- the database banner: reads that failed, a file that is gone ----------------------------

    def read(self, load: Callable[[], T], default: T, what: str) -> T:
        """THE way the war room reads on its own (timers, dialogs' loads; the timeline reports its
        own through `TimelineView.ReadFailed`): a read that fails (a damaged page, a lock held too
        long) puts one line in the banner and gives `default`; the change poll tries it again,
        and the banner goes once every failed read has succeeded. It never ends the app."""
        try:
            value = load()
        except StoreError as error:
            self.read_failed(what, error, load)
            return default
        self.read_succeeded(what)
        return value

    def read_failed(self, what: str, error: StoreError | str, retry: Callable[[], object] | None = None) -> None:
        why = one_line(str(error))
        if what not in self._failed_reads:  # said once when it starts failing; the banner stays while it does
            self.notify(why, title="Cannot read the database", severity="error", markup=False)
        self._failed_reads[what] = (why, retry)
        self.show_banner()

    def read_succeeded(self, what: str) -> None:
        if self._failed_reads.pop(what, None) is not None:
            self.show_banner()

    def _timeline_redrawn(self) -> None:
        """After a retry was drawn: the banner goes unless a row failed again (the banner stays
        up meanwhile, without blinking)."""
        error = self.query_one("#timeline", TimelineView).read_error
        if error is None:
            self.read_succeeded(TIMELINE)
        else:
            self.read_failed(TIMELINE, error)

    @on(TimelineView.ReadFailed)
    def timeline_read_failed(self, failed: TimelineView.ReadFailed) -> None:
        self.read_failed(TIMELINE, failed.error)

    def file_gone(self, error: DatabaseReplaced) -> None:
        """The file at the path is not the one the console opened: everything is refused from now
        on (a refused entry stays on the line), and the banner says what to do."""
        self._file_gone = one_line(str(error))
        self.show_banner()

    def show_banner(self) -> None:
        if self._file_gone:
            text = (
                f"NOT SAVING: {self._file_gone}. Everything up to this moment was saved; what you type now "
                "is refused and stays where you typed it. Copy it out, quit (ctrl+q) and start ir-console "
                "on the right file (--db)."
            )
        elif self._failed_reads:
            why = next(reversed(self._failed_reads.values()))[0]
            text = f"CANNOT READ PART OF THE DATABASE: {why}. What could be read is shown; retrying."
        else:
            text = ""
        self.query_one("#db-banner", Label).update(text)
        self.set_class(bool(text), "-db-problem")

    def refuse_if_file_gone(self) -> bool:
        if self._file_gone:
            self.notify(f"{self._file_gone}.", title="Not saved", severity="error", timeout=10, markup=False)
        return bool(self._file_gone)

    def switch_to(self, incident: Incident) -> None:
        self.incident = incident
        self.refresh_record()

    # -- writing --------------------------------------------------------------------------------

    async def write(self, change: Callable[[Store], Any], *, appended: bool = False) -> Any:
        """Write on the writer thread; on failure say why and return None (the caller keeps input,
        and a dialog's fields are kept as its draft: see tui/drafts.py)."""
        draft = self.app.drafts.take_pending()
        kept = " What you typed is kept: open the dialog again to retry." if draft else ""
        try:
            result = await self.app.write(change)
        except DatabaseReplaced as error:
            self.file_gone(error)
            self.notify(sentence(error) + kept, title="Not saved", severity="error", timeout=10, markup=False)
            return None
        except (StoreError, ValueError) as error:
            self.notify(sentence(error) + kept, title="Not saved", severity="error", timeout=10, markup=False)
            return None
        if draft:
            self.app.drafts.discard(draft)
        self.refresh_record(appended=appended)
        return result if result is not None else True

    @property
    def author(self) -> str:
        return self.app.author

    def require_incident(self) -> Incident | None:
        if self.refuse_if_file_gone():
            return None  # nothing typed into a form that cannot be saved
        if self.incident is None:
            self.notify("No incident yet: press n to declare one.", severity="warning")
        return self.incident

    def require_writable(self, what: str = "a new entry") -> Incident | None:
        """The incident, if something new may be added to it or its state changed; a resolved one
        takes only corrections until reopened (the store's rule, `refuse_if_resolved`)."""
        incident = self.require_incident()
        try:
            if incident is not None:
                refuse_if_resolved(incident, what)
        except ResolvedRefusal as refusal:
            self.notify(
                f"{refusal}. Corrections are allowed (Enter on an event, d); o reopens it.",
                title="Not saved",
                severity="warning",
                markup=False,
            )
            return None
        return incident

    def require_correctable(self) -> Incident | None:
        """The incident, if what it already holds may be corrected: an open one, or a resolved one
        under review (its post-incident review corrects times, milestones, details and text; each
        correction is kept as a revision). New entries need `require_writable`."""
        return self.require_incident()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reopen":
            return self.reviewing  # `o` exists (in the footer too) only while a resolved incident is shown
        return True

    def take_entry(self, line: str, entered_at: datetime | None) -> bool:
        """The entry line's Enter: check `line` now and queue it for the writer (True), or say why
        not and leave it in the line (False). Called as the key arrives, so each Enter logs what was
        on the line at that moment, with that moment as its time unless it is back-dated; the
        save happens behind the ones queued before it, and the line is free for the next entry."""
        incident = self.require_incident()
        entry_line = self.query_one("#entry", EntryLine)
        if incident is None or self.require_writable() is None:
            return False  # a refused line stays in the entry line: Enter logs it once the incident is reopened
        now = self.app.clock()
        entered_at = entered_at or now
        try:
            entry = parse_entry(line, entered_at)
        except ValueError as error:
            # The message quotes what the user typed: it is text, not markup (`@[/]` must not crash the app).
            entry_line.end_confirmation()
            self.notify(one_line(str(error)), title="Entry not logged", severity="error", markup=False)
            return False
        if not entry.text:
            entry_line.end_confirmation()
            self.notify("Write something after the prefixes.", severity="warning")
            return False
        back_dated = entry.occurred_at is not None
        if entry.occurred_at is not None and needs_confirmation(entry.occurred_at, now, incident.started_at):
            # Another day, or before the incident began: logged only once the commander saw the date.
            confirmed = entry_line.confirmed_moment(line)
            if confirmed is None:
                began = incident.started_at
                why = (
                    "before the incident began"
                    if began is not None and entry.occurred_at < began
                    else "more than 12 h ago"
                )
                entry_line.ask_to_confirm(
                    line, entry.occurred_at, f"{when_with_day(entry.occurred_at, now)}, {why}: Enter logs it, Esc edits"
                )
                return False
            entry.occurred_at = confirmed  # the moment that was shown, not one re-read a minute later
        occurred_at = entry.occurred_at or entered_at
        one_frame = self.hold_frames()  # the cleared line and the saved entry drawn together
        saving = self.app.submit_write(
            lambda store: store.add_event(
                incident.id,
                entry.text,
                kind=entry.kind,
                occurred_at=occurred_at,
                author=self.author,
                source=EventSource.CONSOLE,
                key_moment=entry.key_moment,
            )
        )
        self.run_worker(
            self._entry_saved(saving, line, entered_at, appended=not back_dated, one_frame=one_frame),
            group="entry-saves",
            exit_on_error=False,
        )
        return True

    def hold_frames(self) -> ExitStack:
        """Hold the screen's repaints until the returned stack is closed, or for `SAME_FRAME_WAIT`
        at most (a slow write never freezes the screen). Enter clears the line at once and the entry
        shows once saved: held, both reach the terminal in one frame, a frame sooner (a repaint
        waits for the next 60 fps tick, so two frames cost 17 ms more than one)."""
        held = ExitStack()
        held.enter_context(self.app.batch_update())
        self.app.set_timer(SAME_FRAME_WAIT, held.close)
        return held

    async def _entry_saved(
        self, saving: asyncio.Future, line: str, entered_at: datetime, *, appended: bool, one_frame: ExitStack
    ) -> None:
        entry_line = self.query_one("#entry", EntryLine)
        try:
            with one_frame:
                await saving
                entry_line.saved()
                self.refresh_record(appended=appended)
        except (StoreError, ValueError) as error:
            if isinstance(error, DatabaseReplaced):
                self.file_gone(error)  # nothing more is saved: the banner says why
            where = (
                "in the entry line: Enter saves it"
                if entry_line.not_saved(line, entered_at)
                else "above the entry line: Enter on the empty line brings it back"
            )
            self.notify(
                f"{one_line(str(error))}. The entry is kept {where}.",
                title="Not saved",
                severity="error",
                timeout=10,
                markup=False,
            )

    @on(EntryLine.LongPaste)
    def pasted_text(self, pasted: EntryLine.LongPaste) -> None:
        from ir_console.tui.dialogs.paste import PasteScreen

        if self.require_writable():
            self.app.push_screen(PasteScreen(pasted.text), self._paste_done)

    async def _paste_done(self, pasted: PastedEntry | None) -> None:
        incident = self.require_writable() if pasted else None
        if pasted and incident:
            await self.write(
                lambda store: store.add_event(
                    incident.id,
                    pasted.text,
                    kind=pasted.kind,
                    key_moment=pasted.key_moment,
                    author=self.author,
                    source=EventSource.CONSOLE,
                ),
                appended=True,
            )

    # -- panes ----------------------------------------------------------------------------------

    @on(TimelineView.EventChosen)
    def open_event(self, chosen: TimelineView.EventChosen) -> None:
        from ir_console.tui.dialogs.event import EventScreen
        from ir_console.tui.dialogs.event_detail import EventDetailScreen

        loaded = self.read(
            lambda: (self.store.event(chosen.event_id), self.store.event_history(chosen.event_id)), None, "an event"
        )
        if loaded is None:
            return
        event, history = loaded

        def edit_if_asked(edit: EditWanted | None) -> None:
            if edit is None:
                return
            if self.incident is not None and self.reviewing:
                self.notify(
                    f"{one_line(self.incident.ref)} is resolved: a correction here is kept as a revision.",
                    markup=False,
                )
            self.app.push_screen(EventScreen(event, history, self.app.clock()), self._event_done)

        self.app.push_screen(EventDetailScreen(event, history), edit_if_asked)

    def say_opened_read_only(self) -> None:
        """Under review a hypothesis opens to be read: say so before anyone edits it."""
        if self.incident is not None and self.reviewing:
            self.notify(
                f"{one_line(self.incident.ref)} is resolved: hypotheses are shown read-only, nothing changed here "
                "is saved. o (in the war room) reopens it.",
                severity="warning",
                markup=False,
            )

    async def _event_done(self, result: EventCorrection | EventRetraction | None) -> None:
        """Edits and retractions correct what is recorded: allowed in review, the earlier version kept."""
        from ir_console.tui.dialogs.event import EventRetraction

        if result is None or self.require_correctable() is None:
            return
        if isinstance(result, EventRetraction):
            await self.write(
                lambda store: store.retract_event(result.event_id, author=self.author, reason=result.reason)
            )
            return
        await self.write(
            lambda store: store.edit_event(
                result.event_id,
                text=result.text,
                occurred_at=result.occurred_at,
                key_moment=result.key_moment,
                author=self.author,
            )
        )

    @on(OptionList.OptionSelected, "#hypotheses")
    def open_hypothesis(self, selected: OptionList.OptionSelected) -> None:
        from ir_console.tui.dialogs.hypothesis import HypothesisScreen

        hypothesis = self.read(lambda: self.store.hypothesis(int(cast(str, selected.option.id))), None, "a hypothesis")
        if hypothesis is None:
            return
        self.say_opened_read_only()
        self.app.push_screen(HypothesisScreen(hypothesis), self._hypothesis_done)

    @on(HypothesisList.Move)
    async def move_hypothesis(self, move: HypothesisList.Move) -> None:
        if self.require_writable() is None:
            return
        if await self.write(lambda store: store.move_hypothesis(move.hypothesis_id, move.offset)):
            # The highlight goes with the moved hypothesis, so `[` `[` moves it up two places.
            hypotheses = self.query_one("#hypotheses", HypothesisList)
            hypotheses.highlighted = hypotheses.get_option_index(str(move.hypothesis_id))

    async def _hypothesis_done(self, edit: HypothesisEdit | None) -> None:
        incident = self.require_writable("a hypothesis") if edit else None
        if edit is None or incident is None:
            return

        def save(store: Store) -> None:
            if edit.hypothesis_id is None:
                target = store.add_hypothesis(incident.id, author=self.author, at=edit.at, **edit.fields).id
            else:
                store.update_hypothesis(edit.hypothesis_id, author=self.author, **edit.fields)
                target = edit.hypothesis_id
            store.set_hypothesis_result(target, edit.result, author=self.author, at=edit.at)

        await self.write(save)

    @on(ContainmentList.Advance)
    async def advance_containment(self, advance: ContainmentList.Advance) -> None:
        if self.require_writable("changing a containment action's state") is None:
            return
        await self.write(lambda store: store.advance_containment(advance.action_id, author=self.author))

    @on(ContainmentList.SetState)
    async def set_containment_state(self, chosen: ContainmentList.SetState) -> None:
        if self.require_writable() is None:
            return
        await self.write(lambda store: store.set_containment_state(chosen.action_id, chosen.state, author=self.author))

    @on(ContainmentList.Undo)
    async def undo_containment(self, undo: ContainmentList.Undo) -> None:
        if self.require_writable() is None:
            return
        if await self.write(lambda store: store.undo_containment(undo.action_id, author=self.author)):
            self.notify("Undone: the change is struck out on the timeline.", markup=False)

    @on(OptionList.OptionSelected, "#containment")
    def open_containment(self, selected: OptionList.OptionSelected) -> None:
        from ir_console.tui.dialogs.containment import ContainmentDialog

        incident = self.require_correctable()
        if incident is None:
            return
        action = self.read(
            lambda: self.store.containment_action(int(cast(str, selected.option.id))), None, "containment"
        )
        if action is None:
            return
        self.app.push_screen(ContainmentDialog(action, self.app.clock(), incident.started_at), self._containment_edited)

    async def _containment_edited(self, edit: ContainmentEdit | None) -> None:
        incident = self.require_correctable() if edit else None
        if edit is None or incident is None:
            return
        before = self.read(lambda: self.store.containment_action(edit.action_id), None, "containment")
        if before is None:
            return
        if not incident.is_open and (edit.undo or edit.state != before.state):
            # Under review its detail, owner and time may be corrected; its state is what happened.
            self.require_writable("changing a containment action's state")
            return
        if edit.undo:
            await self.write(lambda store: store.undo_containment(edit.action_id, author=self.author))
            return
        await self.write(
            lambda store: store.set_containment_state(
                edit.action_id, edit.state, at=edit.at, detail=edit.detail, owner=edit.owner, author=self.author
            )
        )

    @on(ContainmentList.Add)
    def add_containment(self) -> None:
        from ir_console.tui.dialogs.add_containment import AddContainmentScreen

        if self.require_writable("a new containment action"):
            self.app.push_screen(AddContainmentScreen(), self._containment_added)

    async def _containment_added(self, added: NewContainmentAction | None) -> None:
        incident = self.require_writable() if added else None
        if added and incident:
            await self.write(
                lambda store: store.add_containment(incident.id, added.action, added.when_to_use, author=self.author)
            )

    # -- signals --------------------------------------------------------------------------------

    @on(SignalsPane.Noticed)
    async def signals_noticed(self, noticed: SignalsPane.Noticed) -> None:
        """A threshold crossed or an endpoint changed state: on the timeline, typed by nobody.

        It belongs to the incident open now; one the limits held back belongs to the incident
        that was open when its signal changed, and is written there when its hold ends even if
        that incident was resolved meanwhile. Held notices are kept in the file, so a restart
        does not lose them either (`release_held_notices`)."""
        incident = self.incident if self.incident is not None and self.incident.is_open else None
        await self._log_notices(incident, noticed.notices, noticed.held)

    async def _log_early_notices(self, incident: Incident) -> None:
        declared = self.app.clock()
        early = [notice for notice in self._early_notices if declared - notice.occurred_at <= EARLY_NOTICE_WINDOW]
        self._early_notices.clear()
        if early:
            await self._log_notices(incident, early)

    async def _log_notices(
        self, incident: Incident | None, notices: list[SignalNotice], held: list[SignalNotice] | None = None
    ) -> None:
        if incident is None and not held and not notices:
            return
        incident_id = incident.id if incident else None
        orphans = await self.write(lambda store: store.record_signal_notices(incident_id, notices, held or ()))
        if isinstance(orphans, list):
            self._early_notices.extend(orphans)  # nothing open: kept for the next incident declared

    async def release_held_notices(self) -> None:
        """Notices an earlier run held back: written to their incidents now, at their own times."""
        try:
            if not self.store.held_notices():
                return
        except StoreError:
            return
        orphans = await self.write(lambda store: store.release_held_notices())
        if isinstance(orphans, list):
            self._early_notices.extend(SignalNotice(n.key, n.text, n.occurred_at) for n in orphans)

    def action_next_signal(self) -> None:
        if self.reviewing:
            self.notify(
                "A resolved incident shows the signals it recorded; the live tabs are back once it is "
                "reopened (o) or another incident is shown.",
                markup=False,
            )
            return
        self.query_one(SignalsPane).next_tab()

    async def action_evidence(self) -> None:
        incident = self.require_writable("new evidence")
        signals = self.query_one(SignalsPane)
        text = signals.evidence()
        if incident is None:
            return
        if not text:
            self.notify("Nothing measured yet: try again in a moment.", severity="warning")
            return
        if await self.write(
            lambda store: store.add_event(
                incident.id, text, kind=EventKind.EVIDENCE, author=self.author, source=EventSource.CONSOLE
            ),
            appended=True,
        ):
            self.notify(f"{signals.active.capitalize()} attached to the timeline as evidence.", markup=False)

    # -- key actions ----------------------------------------------------------------------------

    def action_new_incident(self) -> None:
        from ir_console.tui.dialogs.new_incident import NewIncidentScreen

        if self.refuse_if_file_gone():
            return
        self.app.push_screen(NewIncidentScreen(self.app.clock()), self._incident_declared)

    async def _incident_declared(self, form: NewIncident | None) -> None:
        if form is None:
            return
        created = await self.write(
            lambda store: store.create_incident(
                form.title,
                form.severity,
                triage=form.triage,
                detected_at=form.detected_at,
                impact_started_at=form.impact_started_at,
                author=self.author,
            )
        )
        if isinstance(created, Incident):
            self.switch_to(created)
            self.query_one("#entry", EntryLine).focus()
            await self._log_early_notices(created)

    def action_timeline_entry(self) -> None:
        self.query_one("#entry", EntryLine).focus()

    def action_focus_timeline(self) -> None:
        self.query_one("#timeline", TimelineView).focus()

    def action_full_timeline(self) -> None:
        pane = self.query_one("#timeline-pane", TimelinePane)
        if self.maximized is pane:
            self.minimize()
            return
        if not isinstance(self.focused, TimelineView | EntryLine):
            self.query_one("#timeline", TimelineView).focus()
        self.maximize(pane, container=False)

    def action_timeline_filter(self) -> None:
        view = self.query_one("#timeline", TimelineView)
        view.show_only(view.shown.next())
        title = "Timeline" if view.shown is TimelineFilter.ALL else f"Timeline — {view.shown.value} (v: next)"
        self.query_one("#timeline-pane", TimelinePane).border_title = title

    def action_focus_hypotheses(self) -> None:
        if self.has_class("-tiny"):
            self.notify("The hypotheses are hidden at this terminal size: enlarge it.", severity="warning")
            return
        self.query_one("#hypotheses", HypothesisList).focus()

    def action_new_hypothesis(self) -> None:
        from ir_console.tui.dialogs.hypothesis import HypothesisScreen

        if self.require_writable("a new hypothesis"):
            incident_id = self.incident.id if self.incident else None
            self.app.push_screen(HypothesisScreen(None, incident_id), self._hypothesis_done)

    def action_containment(self) -> None:
        if self.has_class("-tiny"):
            self.notify("The containment checklist is hidden at this terminal size: enlarge it.", severity="warning")
            return
        self.query_one("#containment", ContainmentList).focus()

    def action_severity(self) -> None:
        from ir_console.tui.dialogs.severity import SeverityScreen

        incident = self.require_writable("changing the severity")
        if incident:
            self.app.push_screen(SeverityScreen(incident.severity), self._severity_chosen)

    async def _severity_chosen(self, choice: SeverityChoice | None) -> None:
        incident = self.require_writable("changing the severity") if choice else None
        if choice and incident:
            await self.write(
                lambda store: store.set_severity(incident.id, choice.severity, reason=choice.reason, author=self.author)
            )

    def action_status(self) -> None:
        from ir_console.tui.dialogs.status import StatusScreen

        incident = self.require_writable("changing the status")  # out of Resolved only through o, which asks first
        if incident:
            self.app.push_screen(
                StatusScreen(incident.status, incident.milestones, self.app.clock()), self._status_chosen
            )

    async def _status_chosen(self, choice: StatusChoice | None) -> None:
        from ir_console.tui.dialogs.resolve import ConfirmResolveScreen
        from ir_console.tui.dialogs.status import StatusChoice

        incident = self.require_writable("changing the status") if choice else None
        if not choice or incident is None or choice.status == incident.status:
            return
        if choice.status is Status.RESOLVED:
            resolved_at = choice.at or incident.milestones.get(Milestone.RESOLVED) or self.app.clock()

            async def confirmed(answer: ResolveConfirmed | None) -> None:
                if answer is not None:  # resolved at the time the question showed
                    await self._set_status(incident, StatusChoice(choice.status, answer.resolved_at))

            self.app.push_screen(ConfirmResolveScreen(incident.ref, resolved_at), confirmed)
            return
        await self._set_status(incident, choice)

    async def _set_status(self, incident: Incident, choice: StatusChoice) -> None:
        current = self.require_writable("changing the status")
        if current is not None:
            # Resolving with no resolved time set only adds events (the change, the milestone, the
            # phase): the timeline reads just those instead of re-counting a long incident (one
            # back-dated before its last row still has it re-counted: `TimelineView.reload`).
            appended = choice.status is Status.RESOLVED and Milestone.RESOLVED not in current.milestones
            await self.write(
                lambda store: store.set_status(incident.id, choice.status, at=choice.at, author=self.author),
                appended=appended,
            )

    @on(IncidentHeader.MilestonesWanted)
    def action_milestones(self) -> None:
        from ir_console.tui.dialogs.milestones import MilestonesScreen

        incident = self.require_correctable()  # a review corrects times too
        if incident:
            self.app.push_screen(MilestonesScreen(incident, self.app.clock()), self._milestones_chosen)

    async def _milestones_chosen(self, chosen: MilestoneChanges | None) -> None:
        incident = self.require_correctable() if chosen else None
        if chosen and incident:
            await self.write(lambda store: store.set_milestones(incident.id, chosen.changes, author=self.author))

    def action_roles(self) -> None:
        from ir_console.tui.dialogs.roles import RolesScreen

        incident = self.require_writable("changing the roles")
        if incident:
            self.app.push_screen(RolesScreen(incident.roles, self.app.clock(), incident.started_at), self._roles_chosen)

    async def _roles_chosen(self, chosen: RoleChanges | None) -> None:
        incident = self.require_writable("changing the roles") if chosen and chosen.names else None
        if not chosen or not chosen.names or incident is None:
            return

        def save(store: Store) -> None:
            for role, name in chosen.names.items():
                store.set_role(incident.id, role, name, at=chosen.at, author=self.author)

        await self.write(save)

    def action_details(self) -> None:
        """Title and triage fields: corrections, so allowed under review too."""
        from ir_console.tui.dialogs.details import DetailsScreen

        incident = self.require_correctable()
        if incident:
            self.app.push_screen(DetailsScreen(incident), self._details_saved)

    async def _details_saved(self, details: Details | None) -> None:
        incident = self.require_correctable() if details else None
        if details and incident:
            await self.write(
                lambda store: store.update_triage(
                    incident.id, title=details.title, author=self.author, **details.triage()
                )
            )

    def action_status_update(self) -> None:
        # Allowed in review: the final "resolved" update is sent after the incident is resolved.
        incident = self.require_incident()
        if incident:
            self.open_document(incident, self._compose_status_update)

    def _compose_status_update(self, record: IncidentRecord) -> None:
        from ir_console.tui.dialogs.status_update import StatusUpdateScreen  # loaded when first needed

        self.app.push_screen(
            StatusUpdateScreen(
                record, self.app.clock(), cadence=self.app.config.update_cadence, send=self._status_update_sent
            )
        )

    def open_document(self, incident: Incident, show: Callable[[IncidentRecord], None]) -> None:
        """`show` the incident's record digest (what the documents draw from), read on the reader
        thread: a long timeline never holds the screen. A second key while it is read is ignored."""
        if self._document_loading:
            return
        self._document_loading = True
        self.run_worker(self._load_document(incident.id, show), group="document", exit_on_error=False)

    async def _load_document(self, incident_id: int, show: Callable[[IncidentRecord], None]) -> None:
        try:
            record = await self.app.read_apart(lambda store: store.record_digest(incident_id))
        except StoreError as error:
            self.read_failed(DOCUMENT, error, lambda: self.store.incident(incident_id))
            return
        finally:
            self._document_loading = False
        self.read_succeeded(DOCUMENT)
        if self.is_current and self.incident is not None and self.incident.id == incident_id:
            show(record)

    async def _status_update_sent(self, sent: StatusUpdateSent) -> bool:
        """The composer's ctrl+s: record the exact text (on the timeline too, which restarts the
        header's countdown), then copy it in a worker thread, which says where it went. False when
        not recorded: the composer stays open with the text."""

        from ir_console.tui.dialogs.status_update import copy_status_update

        incident = self.require_incident()
        if incident is None:
            return False

        def record(store: Store) -> StatusUpdate:
            return store.record_status_update(
                incident.id,
                sent.text,
                format=sent.format,
                status=sent.status,
                impact=sent.impact,
                current_action=sent.current_action,
                eta=sent.eta,
                next_update=sent.next_update,
                author=self.author,
            )

        if not await self.write(record):
            return False
        self.run_worker(
            partial(copy_status_update, self.app, sent.text, format=sent.format, ref=incident.ref),
            thread=True,
            group="clipboard",
            exit_on_error=False,
        )
        return True

    def action_postmortem(self) -> None:
        incident = self.require_incident()
        if incident:
            self.open_document(incident, self._edit_postmortem)

    def _edit_postmortem(self, record: IncidentRecord) -> None:
        from ir_console.tui.screens.postmortem import PostMortemScreen  # Markdown loads only when needed

        self.app.push_screen(PostMortemScreen(record))

    def action_reopen(self) -> None:
        from ir_console.tui.dialogs.reopen import ReopenScreen

        if self.incident is not None and self.reviewing:
            self.app.push_screen(ReopenScreen(self.incident), self._reopen_confirmed)

    async def _reopen_confirmed(self, reopening: Reopening | None) -> None:
        incident = self.incident
        if reopening is None or incident is None or incident.is_open:
            return
        reason = reopening.reason
        if await self.write(lambda store: store.reopen_incident(incident.id, reason=reason, author=self.author)):
            self.notify(f"{one_line(incident.ref)} reopened: Investigating.", markup=False)

    def action_incidents(self) -> None:
        from ir_console.tui.screens.incidents import IncidentsScreen  # loaded when first needed

        self.app.push_screen(IncidentsScreen(self.store, self.app.clock()), self._incident_chosen)

    def _incident_chosen(self, chosen: IncidentChoice | None) -> None:
        """Switch to the incident, the timeline cursor on the event when one was chosen (a search hit)."""
        if chosen is None:
            return
        incident_id, event_id = chosen.incident_id, chosen.event_id
        try:
            self.switch_to(self.store.incident(incident_id))
            if event_id is not None:
                timeline = self.query_one("#timeline", TimelineView)
                timeline.show_event(event_id)
                timeline.focus()
        except StoreError as error:
            self.notify(one_line(str(error)), title="Cannot open the incident", severity="error", markup=False)
