"""The timeline pane: every event of the incident, oldest first, virtualised over the store.

A Line API `ScrollView`: it asks the store only for the page of events in view and caches the
rendered strips, so an incident with 100,000 events opens and scrolls like one with ten. One
event is one line; the full text, its history and edits are in the event screen (Enter).

A row that is not today's (local for the local column, UTC for the UTC column) carries its
date, with the year when it is not this one: a replayed outage from years ago never looks like
today's. Events are in time order, so the first and the last row hold the widest dates; the
other rows keep that width, blank where they are today's, and the columns stay aligned.
"""

from __future__ import annotations

from datetime import UTC, date
from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events, getters
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ir_console.model import EventKind, TimelineEvent, TimelineFilter
from ir_console.render.text import one_line
from ir_console.render.times import day_label
from ir_console.store import Store, StoreError

if TYPE_CHECKING:
    from ir_console.tui.app import IrConsoleApp

PAGE_SIZE = 200
KIND_ICONS = {
    EventKind.NOTE: "·",
    EventKind.ALERT: "!",
    EventKind.ACTION: ">",
    EventKind.DECISION: "◆",
    EventKind.STATUS_CHANGE: "~",
    EventKind.SEVERITY_CHANGE: "▲",
    EventKind.HYPOTHESIS: "?",
    EventKind.CONTAINMENT: "#",
    EventKind.STATUS_UPDATE: "✉",
    EventKind.SIGNAL: "≈",
    EventKind.EVIDENCE: "§",
    EventKind.MILESTONE: "●",
    EventKind.ROLE: "@",
}
KIND_CLASS = {
    EventKind.ALERT: "timeline--alert",
    EventKind.SEVERITY_CHANGE: "timeline--alert",
    EventKind.SIGNAL: "timeline--alert",
    EventKind.ACTION: "timeline--action",
    EventKind.CONTAINMENT: "timeline--action",
    EventKind.DECISION: "timeline--decision",
    EventKind.MILESTONE: "timeline--decision",
    EventKind.STATUS_CHANGE: "timeline--state",
    EventKind.STATUS_UPDATE: "timeline--state",
    EventKind.ROLE: "timeline--state",
    EventKind.HYPOTHESIS: "timeline--hypothesis",
    EventKind.EVIDENCE: "timeline--hypothesis",
}


class TimelineView(ScrollView, can_focus=True):
    if TYPE_CHECKING:  # the App's services, typed; nothing changes at run time
        app = getters.app(IrConsoleApp)

    DEFAULT_CSS = """
    TimelineView { background: $surface; scrollbar-gutter: stable; }
    TimelineView > .timeline--time { color: $text-muted; }
    TimelineView > .timeline--alert { color: $error; }
    TimelineView > .timeline--action { color: $success; }
    TimelineView > .timeline--decision { color: $accent; }
    TimelineView > .timeline--state { color: $primary-lighten-2; }
    TimelineView > .timeline--hypothesis { color: $warning; }
    TimelineView > .timeline--key { color: $warning; text-style: bold; }
    TimelineView > .timeline--retracted { color: $text-disabled; text-style: strike; }
    TimelineView > .timeline--author { color: $text-muted; }
    TimelineView > .timeline--cursor { background: $primary 40%; }
    TimelineView:focus > .timeline--cursor { background: $primary 70%; }
    """
    COMPONENT_CLASSES = {
        "timeline--time",
        "timeline--alert",
        "timeline--action",
        "timeline--decision",
        "timeline--state",
        "timeline--hypothesis",
        "timeline--key",
        "timeline--retracted",
        "timeline--author",
        "timeline--cursor",
    }
    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "cursor_page(-1)", show=False),
        Binding("pagedown", "cursor_page(1)", show=False),
        Binding("home", "cursor_to(0)", show=False),
        Binding("end", "cursor_end", show=False),
        Binding("enter", "open_event", "Read event", id="open-event"),
    ]

    cursor: reactive[int] = reactive(-1, always_update=True)

    class EventChosen(Message):
        """The user asked to open an event (Enter or double click)."""

        def __init__(self, event_id: int) -> None:
            super().__init__()
            self.event_id = event_id

    class ReadFailed(Message):
        """A row in view could not be read (a damaged page): the screen says so in its banner."""

        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.store: Store | None = None
        self.incident_id: int | None = None
        self.count = 0
        self.shown = TimelineFilter.ALL  # which events the pane shows (`show_only`)
        self._last_id = 0
        self.following = True
        # The pages of events read and the rows drawn, the least recently used dropped first.
        self._pages: LRUCache[int, list[TimelineEvent]] = LRUCache(16)
        self._strips: LRUCache[tuple[int, int, int, int], Strip] = LRUCache(2000)
        # Today, local and UTC, as the dates were last worked out; the width of the widest date a
        # row shows (0: every row is today's, and none needs one).
        self.today: tuple[date, date] | None = None
        self.date_width = 0
        # Why the last row drawn could not be read, until the next reload (see `render_line`).
        self.read_error: str | None = None

    # -- data -----------------------------------------------------------------------------------

    def show_incident(self, store: Store, incident_id: int | None, *, appended: bool = False) -> None:
        changed = incident_id != self.incident_id
        self.store, self.incident_id = store, incident_id
        if changed:
            self.following = True
        self.reload(appended=appended and not changed)

    def reload(self, *, appended: bool = False) -> None:
        """Bring the view up to date with the store.

        `appended`: the only change is events added at the end (an entry typed just now), so the
        count grows by the rows past the last one seen and only the last page is read again.
        Otherwise anything may have moved (back-dated events, edits, retractions): re-count and
        drop the caches.

        The cursor follows the newest event if it was on the last one; otherwise it stays on the
        event the user chose (wherever back-dated events push it), so Enter opens that event.
        """
        self.read_error = None
        was_last = self.cursor == self.count - 1
        selected = None if self.following else self.current_event
        if appended and self.store is not None and self.incident_id is not None:
            self._take_appended()
        else:
            self._recount()
        self.virtual_size = Size(self.scrollable_content_region.width, self.count)
        at_bottom = self.scroll_offset.y >= self.max_scroll_y
        if self.following or (at_bottom and was_last) or self.cursor >= self.count:
            self.cursor = self.count - 1
            self.scroll_to_newest()
        elif selected is not None and self.store is not None:
            self.cursor = self.store.event_position(selected.id, self.shown)
        self.refresh()

    def show_only(self, shown: TimelineFilter) -> None:
        """Show only some events (the record keeps them all); the cursor stays on the event it
        was on, or the nearest one shown."""
        if shown == self.shown:
            return
        selected = self.current_event
        self.shown = shown
        self._recount()
        if self.store is None:
            return
        self.virtual_size = Size(self.scrollable_content_region.width, self.count)
        if selected is None or self.following:
            self.cursor = self.count - 1
            self.scroll_to_newest()
        else:
            self.cursor = min(self.store.event_position(selected.id, shown), self.count - 1)
            self.call_after_refresh(self._centre_cursor)
        self.refresh()

    def _recount(self) -> None:
        self._pages.clear()
        self._strips.clear()
        self.count, self._last_id = 0, 0
        if self.store is not None and self.incident_id is not None:
            self.count, self._last_id = self.store.events_counted(self.incident_id, self.shown)
        self._measure_dates()

    def _measure_dates(self) -> None:
        """Every row that is not today's carries its date; the oldest and the newest rows have the
        widest ones (rows are in time order), so only they are read."""
        now = self.app.clock()
        self.today = (now.astimezone().date(), now.astimezone(UTC).date())
        newest = self.event_at(self.count - 1)  # its page is the one drawn first
        self.date_width = max(
            (
                len(label)
                for event in (self._oldest_event(), newest)
                if event is not None
                for label in self._labels(event)
            ),
            default=0,
        )

    def _oldest_event(self) -> TimelineEvent | None:
        """The first row: from its page when that was read, else alone (not its page of 200 rows,
        which a long timeline opened at its end does not draw)."""
        if not self.count or self.store is None or self.incident_id is None:
            return None
        if self._pages.get(0) is not None:
            return self.event_at(0)
        found = self.store.events_page(self.incident_id, 0, 1, total=self.count, shown=self.shown)
        return found[0] if found else None

    def _labels(self, event: TimelineEvent) -> tuple[str, str]:
        assert self.today is not None, "set by _measure_dates before any row is drawn"
        local_today, utc_today = self.today
        return (
            day_label(event.occurred_at.astimezone().date(), local_today),
            day_label(event.occurred_at.astimezone(UTC).date(), utc_today),
        )

    def _take_appended(self) -> None:
        assert self.store is not None and self.incident_id is not None, "reload() checks both"
        newest = self.event_at(self.count - 1)
        added, last_id, earliest = self.store.events_added_since(self.incident_id, self._last_id, self.shown)
        if newest is not None and earliest is not None and earliest < newest.occurred_at:
            self._recount()  # someone back-dated an event meanwhile: it lands mid-timeline
            return
        self._last_id = last_id
        first_new = self.count
        self.count += added
        self._pages.discard(first_new // PAGE_SIZE)
        width = self.date_width
        self._measure_dates()
        if self.date_width != width:
            self._strips.clear()  # every row makes room for the dates
        for key in [key for key in self._strips.keys() if key[0] >= first_new]:
            self._strips.discard(key)

    def scroll_to_newest(self) -> None:
        # Before the first layout the view has no height and Textual ignores the scroll, so it is
        # asked again once the frame is laid out.
        self.scroll_end(animate=False, immediate=True)
        self.call_after_refresh(self.scroll_end, animate=False, immediate=True)

    def event_at(self, index: int) -> TimelineEvent | None:
        if not 0 <= index < self.count or self.store is None or self.incident_id is None:
            return None
        page_number, offset = divmod(index, PAGE_SIZE)
        page = self._pages.get(page_number)
        if page is None:
            page = self.store.events_page(
                self.incident_id, page_number * PAGE_SIZE, PAGE_SIZE, total=self.count, shown=self.shown
            )
            self._pages.set(page_number, page)
        return page[offset] if offset < len(page) else None

    @property
    def current_event(self) -> TimelineEvent | None:
        return self.event_at(self.cursor)

    # -- rendering ------------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def on_resize(self) -> None:
        self._strips.clear()
        self.virtual_size = Size(self.scrollable_content_region.width, self.count)
        if self.following:  # the first layout, or a resize: keep the newest event in view
            self.scroll_end(animate=False, immediate=True)

    def check_day(self) -> None:
        """Called on the clock tick: past midnight, yesterday's rows carry their date."""
        now = self.app.clock()
        if self.today is not None and (now.astimezone().date(), now.astimezone(UTC).date()) != self.today:
            self._measure_dates()
            self._strips.clear()
            self.refresh()

    def render_line(self, y: int) -> Strip:
        top = round(self.scroll_offset.y)
        if self.following and top < self.max_scroll_y:
            # The first frame is painted before the scroll to the end lands: draw the end anyway.
            top = self.max_scroll_y
        index = top + y
        width = self.scrollable_content_region.width
        try:
            event = self.event_at(index)
        except StoreError as error:
            # Drawn blank, never raised: an exception here would end the app. The screen's
            # banner says why, and its change poll reloads (and so retries) the view.
            if self.read_error is None:
                self.read_error = one_line(str(error))
                self.post_message(self.ReadFailed(self.read_error))
            event = None
        if event is None:
            return Strip.blank(width, self.rich_style)
        key = (index, event.id, event.revision, width)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._render_event(event, width)
            self._strips.set(key, strip)
        if index == self.cursor:
            # post_style: the cursor's background goes over the row's own, not under it.
            cursor = Style(bgcolor=self.get_component_rich_style("timeline--cursor").bgcolor)
            strip = Strip(Segment.apply_style(strip, post_style=cursor), strip.cell_length)
        return strip

    def _render_event(self, event: TimelineEvent, width: int) -> Strip:
        style = self.get_component_rich_style
        local = event.occurred_at.astimezone()
        utc = event.occurred_at.astimezone(UTC)
        line = Text(no_wrap=True, overflow="ellipsis", end="", style=self.rich_style)
        local_label, utc_label = self._labels(event) if self.today else ("", "")
        line.append(self._day(local_label) + f"{local:%H:%M:%S}", style("timeline--time"))
        if width >= 100:
            line.append(" " + self._day(utc_label) + f"{utc:%H:%M}Z", style("timeline--time"))
        line.append(" ★ " if event.key_moment else "   ", style("timeline--key"))
        kind_style = style(KIND_CLASS[event.kind]) if event.kind in KIND_CLASS else Style()
        line.append(KIND_ICONS.get(event.kind, "·") + " ", kind_style)
        if width >= 100:
            line.append(f"{event.kind.label:<15.15} ", kind_style)
        marks = ("✎" if event.revision > 1 else "") + ("↶" if event.is_backfilled else "")
        if marks:
            line.append(marks + " ", style("timeline--time"))
        text_style = style("timeline--retracted") if event.is_retracted else Style()
        if event.is_retracted:
            line.append("[retracted] ", style("timeline--retracted"))
        line.append(one_line(event.text), text_style)
        if event.author and width >= 80:
            line.append(f" — {one_line(event.author, 24)}", style("timeline--author"))
        line.truncate(width, overflow="ellipsis", pad=True)
        segments = [Segment(s.text, s.style) for s in line.render(self.app.console)]
        return Strip(segments, width).simplify()

    def _day(self, label: str) -> str:
        """`Nov 29 ` (or `Oct 21 2018 `) on a row not of today, blank of the same width on today's
        when another row has a date, nothing when none has: the columns stay aligned."""
        return f"{label:<{self.date_width}} " if self.date_width else ""

    # -- cursor and scrolling -------------------------------------------------------------------

    def validate_cursor(self, value: int) -> int:
        return max(-1, min(value, self.count - 1))

    def watch_cursor(self, old: int, new: int) -> None:
        self.following = new == self.count - 1
        self._scroll_cursor_into_view()
        self.refresh()

    def _scroll_cursor_into_view(self) -> None:
        height = self.scrollable_content_region.height
        top = round(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height > 0:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def show_event(self, event_id: int) -> None:
        """Put the cursor on one of the shown incident's events, mid-view; it stays there (the
        view stops following new events) until the user moves it."""
        if self.store is None:
            return
        if not self.shown.includes(self.store.event(event_id)):
            self.show_only(TimelineFilter.ALL)  # asked for an event the filter hides: show it
        self.cursor = self.store.event_position(event_id, self.shown)
        # After any scroll to the newest event still pending from the reload that showed the incident.
        self.call_after_refresh(self._centre_cursor)

    def _centre_cursor(self) -> None:
        height = self.scrollable_content_region.height
        self.scroll_to(y=max(0, self.cursor - height // 2), animate=False, immediate=True)

    def action_cursor(self, delta: int) -> None:
        self.cursor = max(0, self.cursor + delta) if self.count else -1

    def action_cursor_page(self, direction: int) -> None:
        self.action_cursor(direction * max(1, self.scrollable_content_region.height - 1))

    def action_cursor_to(self, index: int) -> None:
        self.cursor = index

    def action_cursor_end(self) -> None:
        self.cursor = self.count - 1

    def action_open_event(self) -> None:
        event = self.current_event
        if event is not None:
            self.post_message(self.EventChosen(event.id))

    def on_click(self, event: events.Click) -> None:
        index = round(self.scroll_offset.y) + event.y
        if 0 <= index < self.count:
            self.cursor = index
            if event.chain == 2:
                self.action_open_event()

    def on_mouse_scroll_up(self) -> None:
        self.following = False
