"""The incidents list: one incident a line, a Line API view over the store that reads only the
page of rows in view (as the timeline does), so 10,000 incidents open as fast as 1,000.

The screen hands it a `ListQuery` (the filters, the sort, the moment open incidents' durations run
to) with the number of rows it lists; pages of PAGE_SIZE rows are read as they are drawn, and a
few are kept. A header row stays on top (a click on a column's header asks to sort by it); rows
are striped, and a row cursor moves with the arrows, the page keys, Home and End. Enter, or a
click on a row, chooses the incident under it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ir_console.model import Severity, Status
from ir_console.model.archive import IncidentSummary
from ir_console.store import Store, StoreError

PAGE_SIZE = 100
PAGES_KEPT = 8


@dataclass(frozen=True)
class ListQuery:
    """What the list shows: `Store.incident_summaries`' filters and sort."""

    statuses: tuple[Status, ...] | None = None
    severities: tuple[Severity, ...] | None = None
    since: datetime | None = None
    until: datetime | None = None
    sort: str = "started"
    descending: bool = True
    now: datetime | None = None

    def filters(self) -> dict:
        return {"statuses": self.statuses, "severities": self.severities, "since": self.since, "until": self.until}

    def arguments(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int  # cells, without the one-cell padding each side


class IncidentList(ScrollView, can_focus=True):
    """`show(store, query, count)` lists what the query finds; `cells(summary)` (from the screen)
    makes a row's cells, one line of `Text` each."""

    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("enter", "select", "Open", show=False),
    ]
    COMPONENT_CLASSES = {"incident-list--header", "incident-list--cursor", "incident-list--stripe"}
    DEFAULT_CSS = """
    IncidentList { background: $surface; }
    IncidentList > .incident-list--header { text-style: bold; background: $panel; color: $primary; }
    IncidentList > .incident-list--stripe { background: $surface-lighten-1; }
    IncidentList > .incident-list--cursor { background: $block-cursor-background; color: $block-cursor-foreground;
        text-style: $block-cursor-text-style; }
    IncidentList:blur > .incident-list--cursor { background: $block-cursor-blurred-background;
        text-style: $block-cursor-blurred-text-style; }
    """

    class Selected(Message):
        """Enter or a click on a row: open this incident."""

        def __init__(self, incidents: IncidentList, incident_id: int) -> None:
            super().__init__()
            self.incidents = incidents
            self.incident_id = incident_id

        @property
        def control(self) -> IncidentList:
            return self.incidents

    class HeaderSelected(Message):
        """A click on a column's header: sort by it."""

        def __init__(self, incidents: IncidentList, column: str) -> None:
            super().__init__()
            self.incidents = incidents
            self.column = column

        @property
        def control(self) -> IncidentList:
            return self.incidents

    def __init__(self, cells: Callable[[IncidentSummary], list[Text]], **kwargs) -> None:
        super().__init__(**kwargs)
        self.cells = cells
        self.columns: list[Column] = []
        self.headers: list[Text] = []
        self.store: Store | None = None
        self.list_query: ListQuery = ListQuery()
        self.row_count = 0
        self.cursor = 0
        self.read_error: StoreError | None = None
        self._pages: OrderedDict[int, list[IncidentSummary]] = OrderedDict()

    # -- what is listed -------------------------------------------------------------------------

    def show(
        self,
        store: Store,
        query: ListQuery,
        row_count: int,
        columns: Sequence[Column],
        headers: Sequence[Text],
        cursor: int = 0,
    ) -> None:
        """List `row_count` rows of `query` (pages are read as they are drawn), the cursor on row
        `cursor`."""
        self.store, self.list_query, self.row_count = store, query, row_count
        self.columns, self.headers = list(columns), list(headers)
        self._pages.clear()
        self.read_error = None
        self.virtual_size = Size(self.line_width, row_count + 1)
        self.cursor = max(0, min(cursor, row_count - 1))
        self.refresh()
        self.call_after_refresh(self.scroll_to_cursor)

    @property
    def line_width(self) -> int:
        return sum(column.width + 2 for column in self.columns)

    def column_x(self, key: str) -> int:
        """Where a column's cell starts (after its padding), in the list's own cells."""
        x = 0
        for column in self.columns:
            if column.key == key:
                return x + 1
            x += column.width + 2
        raise KeyError(key)

    def summary(self, row: int) -> IncidentSummary | None:
        """The incident on `row` (a page read from the store when it is not kept), or None."""
        if self.store is None or not 0 <= row < self.row_count:
            return None
        number = row // PAGE_SIZE
        page = self._pages.get(number)
        if page is None:
            try:
                page = self.store.incident_summaries(
                    **self.list_query.arguments(), limit=PAGE_SIZE, offset=number * PAGE_SIZE
                )
            except StoreError as error:
                self.read_error = error
                return None
            self._pages[number] = page
            while len(self._pages) > PAGES_KEPT:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        index = row - number * PAGE_SIZE
        return page[index] if index < len(page) else None

    def get_row_at(self, row: int) -> list[Text]:
        """The cells of `row`, as drawn."""
        summary = self.summary(row)
        return self.cells(summary) if summary is not None else []

    @property
    def highlighted(self) -> IncidentSummary | None:
        return self.summary(self.cursor) if self.row_count else None

    # -- drawing ----------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        scroll_x, scroll_y = round(self.scroll_offset.x), round(self.scroll_offset.y)
        if y == 0:
            cells, style = self.headers, self.get_component_rich_style("incident-list--header")
        else:
            row = scroll_y + y - 1
            summary = self.summary(row)
            if summary is None:
                return Strip.blank(width, self.rich_style)
            cells = self.cells(summary)
            if row == self.cursor:
                style = self.get_component_rich_style("incident-list--cursor")
            elif row % 2:
                style = self.get_component_rich_style("incident-list--stripe")
            else:
                style = self.rich_style
        line = Text(no_wrap=True, end="")
        for column, cell in zip(self.columns, cells):
            cell = cell.copy()
            cell.no_wrap, cell.end = True, ""
            line.append(" ")
            cell.align("right" if cell.justify == "right" else "left", column.width)
            line.append_text(cell)
            line.append(" ")
        segments = [Segment(s.text, style + s.style if s.style else style) for s in line.render(self.app.console)]
        strip = Strip(segments, line.cell_len).crop(scroll_x, scroll_x + width)
        return strip.extend_cell_length(width, style)

    def refresh_row(self, row: int) -> None:
        y = row - round(self.scroll_offset.y) + 1
        if 1 <= y < self.scrollable_content_region.height:
            self.refresh_line(y)

    # -- the cursor ---------------------------------------------------------------------------------

    def move_cursor(self, row: int) -> None:
        if not self.row_count:
            return
        row = max(0, min(row, self.row_count - 1))
        if row != self.cursor:
            self.refresh_row(self.cursor)
            self.cursor = row
            self.refresh_row(row)
        self.scroll_to_cursor()

    def scroll_to_cursor(self) -> None:
        rows_in_view = max(1, self.scrollable_content_region.height - 1)
        top = round(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + rows_in_view:
            self.scroll_to(y=self.cursor - rows_in_view + 1, animate=False)

    def action_cursor(self, step: int) -> None:
        self.move_cursor(self.cursor + step)

    def action_page(self, direction: int) -> None:
        self.move_cursor(self.cursor + direction * max(1, self.scrollable_content_region.height - 1))

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(self.row_count - 1)

    def action_select(self) -> None:
        summary = self.highlighted
        if summary is not None:
            self.post_message(self.Selected(self, summary.id))

    def on_click(self, click: events.Click) -> None:
        offset = click.get_content_offset(self)
        if offset is None:
            return
        click.stop()
        if offset.y == 0:
            x = offset.x + round(self.scroll_offset.x)
            for column in self.columns:
                if x < column.width + 2:
                    self.post_message(self.HeaderSelected(self, column.key))
                    return
                x -= column.width + 2
            return
        row = round(self.scroll_offset.y) + offset.y - 1
        if 0 <= row < self.row_count:
            self.move_cursor(row)
            self.action_select()

    def on_resize(self) -> None:
        self.virtual_size = Size(self.line_width, self.row_count + 1)
