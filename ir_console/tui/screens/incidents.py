"""The incidents screen (`i`): the archive of every incident, in four tabs.

**Incidents**: a table filtered by status, severity and when they started, sorted in SQL by any
column (click its header, or `o` for the next column and `O` to reverse). **Search**: every word
of every incident, the matched words highlighted. **Stats**: incidents and response times by
severity over a window, exportable as Markdown or JSON. **Root causes**: the seed's table.

Enter on an incident or a search hit closes the screen with `(incident id, event id or None)`:
the war room switches to that incident and puts its timeline cursor on the event.

Reading runs on the event loop: the list counts the incidents and reads only the page of rows in
view (`IncidentList`), and a search page (50 hits) takes about 2 ms at a million events.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, cast

from rich.style import Style
from rich.text import Text
from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Label, OptionList, Select, Static, TabbedContent, TabPane
from textual.widgets.option_list import Option

from ir_console.clipboard import save_to_file
from ir_console.locations import data_dir, private_dir
from ir_console.model import Severity, Status, format_duration
from ir_console.model.archive import IncidentSummary, SearchHit
from ir_console.model.when import parse_since, parse_until
from ir_console.render.stats import ArchiveStats, archive_stats, incidents, stats_json, stats_markdown, stats_text
from ir_console.render.text import one_line
from ir_console.store import Store, StoreError
from ir_console.store.search import SearchUnavailable, search_words
from ir_console.tui.styled import StyledAsMounted
from ir_console.tui.widgets.footer import QuickFooter
from ir_console.tui.widgets.incident_list import Column, IncidentList, ListQuery
from ir_console.tui.widgets.similar import root_causes_table

if TYPE_CHECKING:
    from ir_console.tui.app import IrConsoleApp

# The table's columns: (SUMMARY_SORTS key, header).
COLUMNS = (
    ("ref", "id"),
    ("title", "title"),
    ("severity", "severity"),
    ("status", "status"),
    ("started", "started"),
    ("duration", "duration"),
    ("commander", "commander"),
)
COLUMN_LABELS = dict(COLUMNS)
# A column chosen anew sorts these largest (latest) first; the others A to Z, SEV-1 first.
LARGEST_FIRST = frozenset({"started", "duration"})
TITLE_WIDTH = 48
COMMANDER_WIDTH = 20
# The widest each column's cells can be (the ref's is read from the file: refs are any length).
COLUMN_WIDTHS = {
    "title": TITLE_WIDTH,
    "severity": len(" SEV-1 "),
    "status": max(len(status.value) for status in Status),
    "started": len("2026-11-27 03:14"),
    "duration": 10,
    "commander": COMMANDER_WIDTH,
}

STATUS_FILTERS: dict[str, list[Status] | None] = {
    "all": None,
    "open": [s for s in Status if s.is_open],
    "resolved": [Status.RESOLVED],
    **{s.value.lower(): [s] for s in Status if s.is_open},
}
ANY_SEVERITY = "any"
# What each tab focuses when shown by its key, and what Esc in one of its inputs goes back to
# (where the screen's keys work again: in an input, letters and digits type).
TAB_FOCUS = {
    "incidents-tab": "#incident-table",
    "search-tab": "#search-input",
    "stats-tab": "#stats-scroll",
    "causes-tab": "#causes-scroll",
}
TAB_HOME = {**TAB_FOCUS, "search-tab": "#search-results"}

SEARCH_LIMIT = 50
SEARCH_DELAY = 0.3  # seconds after the last keystroke
MATCH_STYLE = Style(bold=True, reverse=True)
STATS_DAYS = 90
DATE_HINT = "YYYY-MM-DD (local) or a time"


# -- dates --------------------------------------------------------------------------------------


def parse_window(since_text: str, until_text: str, now: datetime) -> tuple[datetime | None, datetime | None]:
    """The filter's window, read by `model.when` (a date: local, `until` takes in the whole day).
    Empty: no bound. Raises ValueError naming the field."""
    since = until = None
    try:
        since = parse_since(since_text, now) if since_text.strip() else None
    except ValueError as problem:
        raise ValueError(f"since: {problem}") from None
    try:
        until = parse_until(until_text, now) if until_text.strip() else None
    except ValueError as problem:
        raise ValueError(f"until: {problem}") from None
    if since is not None and until is not None and since >= until:
        raise ValueError("since must be before until")
    return since, until


# -- the cells ----------------------------------------------------------------------------------


def severity_badge(severity: Severity, colours: dict[str, str]) -> Text:
    background = colours.get(f"sev-{severity.value}")
    foreground = colours.get(f"sev-{severity.value}-text")
    style = Style(bold=True, bgcolor=background, color=foreground) if background and foreground else Style(bold=True)
    return Text(f" {severity.label} ", style=style)


def summary_row(summary: IncidentSummary, colours: dict[str, str]) -> list[Text]:
    """One incident as table cells; user text as `Text`, never markup."""
    return [
        Text(one_line(summary.ref), style="bold"),
        Text(one_line(summary.title, TITLE_WIDTH)),
        severity_badge(summary.severity, colours),
        Text(summary.status.value),
        Text(f"{summary.started_at.astimezone():%Y-%m-%d %H:%M}"),
        Text(format_duration(summary.duration), justify="right"),
        Text(one_line(summary.commander, COMMANDER_WIDTH) or "—", style="" if summary.commander else "dim"),
    ]


def hit_prompt(hit: SearchHit) -> Text:
    """Two lines: where the hit is, then the snippet with the matched words highlighted."""
    when = f"{hit.at.astimezone():%Y-%m-%d %H:%M}" if hit.at else "—"
    prompt = Text.assemble(
        (one_line(hit.incident_ref), "bold"),
        f"  {when}  ",
        (one_line(hit.where), "italic"),
        "  ",
        (one_line(hit.incident_title, TITLE_WIDTH), "dim"),
        "\n  ",
    )
    for part in hit.snippet:
        prompt.append(one_line(part.text), MATCH_STYLE if part.matched else None)
    return prompt


@dataclass(frozen=True)
class Export:
    suffix: str
    label: str


EXPORTS = {"markdown": Export(".md", "Markdown"), "json": Export(".json", "JSON")}


def stats_dir() -> Path:
    return private_dir(data_dir() / "stats")


# -- the screen ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncidentChoice:
    """The incident to open, and the event to put the timeline's cursor on (a search hit)."""

    incident_id: int
    event_id: int | None = None


class IncidentsScreen(StyledAsMounted, Screen[IncidentChoice]):
    """Closes with the `IncidentChoice` to open, or None."""

    if TYPE_CHECKING:  # the App's services, typed; nothing changes at run time
        app = getters.app(IrConsoleApp)

    AUTO_FOCUS = ""  # on_mount chooses the table
    BINDINGS = [
        Binding("escape", "close", "Close", id="close-incidents", tooltip="Leave the input, or close the screen"),
        Binding("o", "next_sort", "Sort by next column", id="next-sort"),
        Binding("O", "reverse_sort", "Reverse", id="reverse-sort"),
        Binding("r", "reverse_sort", "Reverse", show=False),
        Binding("slash", "show_tab('search-tab')", "Search", id="search"),
        Binding("m", "export('markdown')", "Export Markdown", id="export-markdown"),
        Binding("j", "export('json')", "Export JSON", id="export-json"),
        Binding("1", "show_tab('incidents-tab')", show=False),
        Binding("2", "show_tab('search-tab')", show=False),
        Binding("3", "show_tab('stats-tab')", show=False),
        Binding("4", "show_tab('causes-tab')", show=False),
    ]

    def __init__(self, store: Store, now: datetime) -> None:
        super().__init__()
        self.store = store
        self.now = now
        self.sort = "started"
        self.descending = True
        self.shown_count = 0
        self._colour_cache: dict[str, str] | None = None
        self.hits: list[SearchHit] = []
        self.stats: ArchiveStats | None = None
        self._search_timer: Timer | None = None
        self._shown_query: tuple[str, ...] | None = None
        self._built_tabs: set[str] = set()
        # The statistics' window starts STATS_DAYS before the screen opened.
        self.stats_since = f"{(now - timedelta(days=STATS_DAYS)).astimezone():%Y-%m-%d}"

    def compose(self) -> ComposeResult:
        yield Label(id="incidents-title", markup=False)
        with TabbedContent(id="tabs", initial="incidents-tab"):
            with TabPane("Incidents", id="incidents-tab"):
                with Horizontal(classes="filters"):
                    yield Select(
                        [(f"status: {name}", name) for name in STATUS_FILTERS],
                        value="all",
                        allow_blank=False,
                        compact=True,
                        id="status-filter",
                    )
                    yield Select(
                        [("severity: any", ANY_SEVERITY), *((s.label, str(s.value)) for s in Severity)],
                        value=ANY_SEVERITY,
                        allow_blank=False,
                        compact=True,
                        id="severity-filter",
                    )
                    yield from date_inputs("since", "until")
                yield Label(id="filter-error", classes="error", markup=False)
                yield IncidentList(self.row_cells, id="incident-table")
            # The other tabs are built when first shown (`build_tab`): the screen opens sooner.
            yield TabPane("Search", id="search-tab")
            yield TabPane("Stats", id="stats-tab")
            yield TabPane("Root causes", id="causes-tab")
        yield QuickFooter()

    def search_tab(self) -> ComposeResult:
        yield Input(
            placeholder="words to find in titles, triage, timelines, hypotheses, post-mortems",
            id="search-input",
            compact=True,
        )
        yield Label(
            "Type words and press Enter; Enter on a match opens it.",
            id="search-status",
            classes="note",
            markup=False,
        )
        yield OptionList(id="search-results")

    def stats_tab(self) -> ComposeResult:
        with Horizontal(classes="filters"):
            yield from date_inputs("stats-since", "stats-until", since=self.stats_since)
        yield Label(id="stats-error", classes="error", markup=False)
        with VerticalScroll(id="stats-scroll", classes="scroll"):
            yield Static(id="stats-chart")

    def causes_tab(self) -> ComposeResult:
        with VerticalScroll(id="causes-scroll", classes="scroll"):
            yield Static(
                "Common root causes: a symptom, the cause usually behind it, and the quick "
                "fix that contains it while the real cause is confirmed.",
                classes="note",
                markup=False,
            )
            yield Static(root_causes_table(expand=True), id="root-causes")

    def build_tab(self, tab: str) -> None:
        """Mount a tab's widgets the first time it is shown (they are in the DOM at once: its
        focus and its reads can follow)."""
        content = {"search-tab": self.search_tab, "stats-tab": self.stats_tab, "causes-tab": self.causes_tab}
        if tab in content and tab not in self._built_tabs:
            self._built_tabs.add(tab)
            self.query_one(f"#{tab}", TabPane).mount_compose(content[tab]())

    def on_mount(self) -> None:
        self.show_incidents()
        self.query_one("#incident-table", IncidentList).focus()
        self._data_version = self._version()
        self.set_interval(self.app.live_interval, self.check_for_changes)

    def _version(self) -> int | None:
        try:
            return self.store.data_version()
        except StoreError:
            return None

    def check_for_changes(self) -> None:
        """Another console or the command line added or changed an incident: the list, the search
        results and the statistics show it without a keypress."""
        version = self._version()
        if version is None or version == self._data_version:
            return
        self._data_version = version
        self.now = self.app.clock()
        self.show_incidents()
        if self.hits:
            self.run_search()
        if self.stats is not None:
            self.show_stats()

    @property
    def active_tab(self) -> str:
        # The first tab until the tabs are composed (the footer asks `check_action` as it is).
        return self.query_one("#tabs", TabbedContent).active or "incidents-tab"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Sorting belongs to the incidents tab and exporting to the stats tab: elsewhere their
        keys do nothing and the footer leaves them out."""
        if action in ("next_sort", "reverse_sort"):
            return self.active_tab == "incidents-tab"
        if action == "export":
            return self.active_tab == "stats-tab"
        return True

    @on(TabbedContent.TabActivated)
    def tab_shown(self, activated: TabbedContent.TabActivated) -> None:
        self.build_tab(str(activated.pane.id))  # a tab clicked, or chosen on the tab bar
        self.refresh_bindings()
        if activated.pane.id == "stats-tab" and self.stats is None:
            self.show_stats()

    def action_show_tab(self, tab: str) -> None:
        """Show the tab and focus in it: a focused widget left in a hidden tab would take its
        focus, and its tab, back."""
        self.build_tab(tab)
        self.query_one("#tabs", TabbedContent).active = tab
        self.query_one(TAB_FOCUS[tab]).focus()

    def action_close(self) -> None:
        """Esc: out of an input first (as the war room's entry line does), then off the screen."""
        if isinstance(self.focused, Input):
            self.query_one(TAB_HOME[self.active_tab]).focus()
        else:
            self.dismiss(None)

    def open(self, incident_id: int, event_id: int | None = None) -> None:
        self.dismiss(IncidentChoice(incident_id, event_id))

    # -- incidents --------------------------------------------------------------------------

    @property
    def query_asked(self) -> tuple[str, ...]:
        """The filters and sort as the screen shows them."""
        return (
            str(self.query_one("#status-filter", Select).value),
            str(self.query_one("#severity-filter", Select).value),
            self.query_one("#since", Input).value,
            self.query_one("#until", Input).value,
            self.sort,
            str(self.descending),
        )

    def show_incidents(self, *, unless_shown: bool = False) -> None:
        """Count the incidents the filters and sort find and list them (the list reads the rows in
        view as it draws them); say what is wrong if a date is.

        `unless_shown`: not again for the query on screen (a select announcing its first value, a
        date field left unchanged)."""
        asked = self.query_asked
        error = self.query_one("#filter-error", Label)
        if unless_shown and asked == self._shown_query:
            show_error(error, "")  # a date put back as it was: what is shown is right again
            return
        status, severity, since_text, until_text, _, _ = asked
        table = self.query_one("#incident-table", IncidentList)
        highlighted = self.highlighted_incident
        try:
            since, until = parse_window(since_text, until_text, self.now)
            statuses = STATUS_FILTERS[status]
            query = ListQuery(
                statuses=tuple(statuses) if statuses is not None else None,
                severities=None if severity == ANY_SEVERITY else (Severity(int(severity)),),
                since=since,
                until=until,
                sort=self.sort,
                descending=self.descending,
                now=self.now,
            )
            count = self.store.count_incident_summaries(**query.filters())
            cursor = (
                self.store.incident_summary_position(highlighted, **query.arguments()) if highlighted is not None else 0
            )
            ref_width = self.store.scalar("SELECT coalesce(max(length(ref)), 0) FROM incidents")
        except (ValueError, StoreError) as problem:
            show_error(error, one_line(str(problem)))
            return
        self._shown_query = asked
        self.shown_count = count
        show_error(error, "")
        table.show(self.store, query, count, self.list_columns(ref_width), self.list_headers(), cursor or 0)
        self._show_title()

    def list_columns(self, ref_width: int) -> list[Column]:
        """Each column as wide as its widest possible cell (so no row needs reading to size it)."""
        widths = {"ref": max(ref_width, 4), **COLUMN_WIDTHS}
        return [Column(key, label, max(widths[key], len(label) + 2)) for key, label in COLUMNS]

    def list_headers(self) -> list[Text]:
        headers = []
        for key, label in COLUMNS:
            arrow = (" ▼" if self.descending else " ▲") if key == self.sort else ""
            headers.append(Text(label + arrow, style="bold" if arrow else ""))
        return headers

    def row_cells(self, summary: IncidentSummary) -> list[Text]:
        return summary_row(summary, self._colours)

    @property
    def _colours(self) -> dict[str, str]:
        if self._colour_cache is None:
            self._colour_cache = self.app.get_css_variables()
        return self._colour_cache

    def _show_title(self) -> None:
        count = self.shown_count
        order = "descending" if self.descending else "ascending"
        self.query_one("#incidents-title", Label).update(
            Text(
                f"Incidents: {count} shown, sorted by {COLUMN_LABELS[self.sort]} {order} — "
                "Enter opens, o/O sort, / searches, Esc closes"
            )
        )

    @property
    def highlighted_incident(self) -> int | None:
        summary = self.query_one("#incident-table", IncidentList).highlighted
        return summary.id if summary is not None else None

    def sort_by(self, column: str, descending: bool) -> None:
        self.sort, self.descending = column, descending
        self.show_incidents()

    def action_next_sort(self) -> None:
        keys = [key for key, _ in COLUMNS]
        following = keys[(keys.index(self.sort) + 1) % len(keys)] if self.sort in keys else keys[0]
        self.sort_by(following, following in LARGEST_FIRST)

    def action_reverse_sort(self) -> None:
        self.sort_by(self.sort, not self.descending)

    @on(IncidentList.HeaderSelected, "#incident-table")
    def header_clicked(self, selected: IncidentList.HeaderSelected) -> None:
        column = selected.column
        if column == self.sort:
            self.action_reverse_sort()
        else:
            self.sort_by(column, column in LARGEST_FIRST)

    @on(IncidentList.Selected, "#incident-table")
    def incident_chosen(self, selected: IncidentList.Selected) -> None:
        self.open(selected.incident_id)

    @on(Select.Changed, "#status-filter, #severity-filter")
    @on(Input.Submitted, "#since, #until")
    @on(Input.Blurred, "#since, #until")
    def filter_changed(self) -> None:
        self.show_incidents(unless_shown=True)

    # -- search -----------------------------------------------------------------------------

    @on(Input.Changed, "#search-input")
    def search_typed(self) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DELAY, self.run_search)

    @on(Input.Submitted, "#search-input")
    def search_submitted(self) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self.run_search()
        if self.hits:
            results = self.query_one("#search-results", OptionList)
            results.highlighted = 0
            results.focus()

    def run_search(self) -> None:
        text = self.query_one("#search-input", Input).value
        status = self.query_one("#search-status", Label)
        results = self.query_one("#search-results", OptionList)
        self.hits = []
        try:
            if not search_words(text):
                message = (
                    "Type words to search for."
                    if not text.strip()
                    else (f"No words to search for in {one_line(text, 40)!r}: use letters or digits.")
                )
            else:
                self.hits = self.store.search(text, limit=SEARCH_LIMIT)
                message = search_summary(len(self.hits))
        except SearchUnavailable as problem:  # no FTS5 in this SQLite, or no index in this file
            message = sentence(one_line(str(problem)))
        except StoreError as problem:
            message = f"Cannot search: {one_line(str(problem))}"
        status.update(Text(message))
        results.clear_options()
        results.add_options([Option(hit_prompt(hit), id=str(index)) for index, hit in enumerate(self.hits)])

    @on(OptionList.OptionSelected, "#search-results")
    def hit_chosen(self, selected: OptionList.OptionSelected) -> None:
        hit = self.hits[int(cast(str, selected.option.id))]
        self.open(hit.incident_id, hit.event_id)

    # -- stats ------------------------------------------------------------------------------

    def show_stats(self) -> None:
        error = self.query_one("#stats-error", Label)
        try:
            since, until = parse_window(
                self.query_one("#stats-since", Input).value, self.query_one("#stats-until", Input).value, self.now
            )
            summaries = self.store.incident_summaries(since=since, until=until, now=self.now)
        except (ValueError, StoreError) as problem:
            show_error(error, one_line(str(problem)))
            return
        show_error(error, "")
        self.stats = archive_stats(summaries, since=since, until=until)
        self._draw_stats()

    def _draw_stats(self) -> None:
        if self.stats is None:
            return
        scroll = self.query_one("#stats-scroll", VerticalScroll)
        # Its scrollbar gutter is always there, so the width is known before the tab is laid out.
        width = scroll.scrollable_content_region.width or self.size.width - scroll.styles.scrollbar_size_vertical
        text = stats_text(self.stats, max(30, width)) + "\nm: export as Markdown, j: as JSON (to the data folder)"
        self.query_one("#stats-chart", Static).update(Text(text, no_wrap=True, overflow="ellipsis"))

    def on_resize(self) -> None:
        self.call_after_refresh(self._draw_stats)

    @on(Input.Submitted, "#stats-since, #stats-until")
    @on(Input.Blurred, "#stats-since, #stats-until")
    def stats_window_changed(self) -> None:
        self.show_stats()

    def action_export(self, kind: str) -> None:
        if self.stats is None:
            self.show_stats()
        if self.stats is None:
            return  # the window is wrong: the screen says why
        export = EXPORTS[kind]
        text = stats_markdown(self.stats) if kind == "markdown" else json.dumps(stats_json(self.stats), indent=2) + "\n"
        try:
            path = save_to_file(text, stats_dir(), suffix=export.suffix, name="incident-stats")
        except OSError as problem:
            self.notify(one_line(str(problem)), title="Statistics not exported", severity="error", markup=False)
            return
        self.notify(
            f"Statistics ({incidents(self.stats.overall.incidents)}, {self.stats.window}) written as "
            f"{export.label} to {path}",
            title="Exported",
            markup=False,
        )


def date_inputs(since_id: str, until_id: str, *, since: str = "") -> ComposeResult:
    yield Label("since")
    yield Input(since, placeholder=DATE_HINT, id=since_id, compact=True)
    yield Label("until")
    yield Input(placeholder=DATE_HINT, id=until_id, compact=True)


def search_summary(found: int) -> str:
    if not found:
        return "No matches."
    if found >= SEARCH_LIMIT:
        return f"The first {found} matches (add words to narrow it down). Enter opens one."
    return f"{found} match{'' if found == 1 else 'es'}. Enter opens one."


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def show_error(label: Label, message: str) -> None:
    if str(label.content) == message:
        return  # an update lays the screen out again, and the selects announce their values as it opens
    label.update(Text(message))
    label.set_class(bool(message), "-shown")
