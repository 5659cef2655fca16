"""Similar past incidents while triaging or writing a hypothesis, beside the seed's Common Root
Causes table.

The pane is given text as it is typed and looks it up once typing pauses: each past incident
that shares words with it, with the root cause found then and the fix that worked. Everything
shown from the archive is user text: cleaned by `one_line` and wrapped in `Text`, never markup.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import Collapsible, Label, Static

from ir_console.model import Severity
from ir_console.model.archive import SimilarIncident
from ir_console.model.root_causes import COMMON_ROOT_CAUSES
from ir_console.render.text import one_line
from ir_console.store import StoreError

# Long enough to wait out a burst of keys, short enough to feel like it follows the typing.
DEBOUNCE_SECONDS = 0.3
MATCHES_SHOWN = 5
# Each value is wrapped to two lines of the pane's width; this only bounds the work for huge text.
LINE_LIMIT = 300
MAX_FIELD_LINES = 2
MIN_VALUE_WIDTH = 10

HINT = "Past incidents with similar symptoms show here as you type."
NOTHING_FOUND = "No similar past incidents."

FindSimilar = Callable[[str], list[SimilarIncident]]


class MatchList:
    """The matches as drawn at the pane's width: per match its severity and title, its ref,
    status and start, the root cause found then and the fix, each at most two lines (a longer
    one ends in `…`), continuation lines indented under their first."""

    def __init__(self, matches: list[SimilarIncident], severity_styles: dict[Severity, str]) -> None:
        self.matches = matches
        self.severity_styles = severity_styles

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for match in self.matches:
            yield from match_lines(match, self.severity_styles.get(match.severity, "bold"), options.max_width, console)


def match_lines(match: SimilarIncident, severity_style: str, width: int, console: Console) -> list[Text]:
    when = f"{match.started_at.astimezone():%Y-%m-%d %H:%M}" if match.started_at else "start unknown"
    severity = Text.assemble((f" {match.severity.label} ", severity_style), " ")
    lines = labelled(severity, Text(one_line(match.title, LINE_LIMIT), style="bold"), width, console)
    lines.append(
        Text(f"  {one_line(match.ref)} · {match.status.value} · {when}", style="dim", no_wrap=True, overflow="ellipsis")
    )
    cause = cause_line(match)
    lines += labelled(
        Text("  Root cause: ", style="bold"),
        Text(cause) if cause else Text("not recorded", style="dim"),
        width,
        console,
    )
    fix = one_line(match.resolution.strip(), LINE_LIMIT)
    lines += labelled(
        Text("  Fix: ", style="bold"),
        Text(fix, style="green") if fix else Text("not recorded", style="dim"),
        width,
        console,
    )
    return lines


def labelled(label: Text, value: Text, width: int, console: Console) -> list[Text]:
    """`label value`, the value wrapped beside the label to at most MAX_FIELD_LINES lines."""
    room = max(MIN_VALUE_WIDTH, width - label.cell_len)
    wrapped = list(value.wrap(console, room, overflow="fold"))
    if len(wrapped) > MAX_FIELD_LINES:
        wrapped = wrapped[:MAX_FIELD_LINES]
        wrapped[-1].rstrip()
        wrapped[-1].truncate(room - 1)
        wrapped[-1].append("…")
    indent = Text(" " * label.cell_len)
    return [
        Text.assemble(label if number == 0 else indent, line, no_wrap=True, overflow="ellipsis")
        for number, line in enumerate(wrapped)
    ]


def cause_line(match: SimilarIncident) -> str:
    """The confirmed hypotheses, then the post-mortem's root cause, on one line."""
    confirmed = "; ".join(one_line(statement.strip()) for statement in match.confirmed_hypotheses)
    written = one_line(match.root_cause.strip())
    return one_line(" — ".join(part for part in (confirmed, written) if part), LINE_LIMIT)


def root_causes_table(*, expand: bool = False) -> Table:
    """The seed's Common Root Causes: symptom, common cause, quick fix. The one renderer of the
    table, for this pane and the incidents screen's Root causes tab (`expand`: the columns share
    the width, as that tab does)."""
    table = Table(expand=expand, header_style="bold")
    for heading in ("Symptom", "Common cause", "Quick fix"):
        table.add_column(heading, ratio=1 if expand else None)
    for row in COMMON_ROOT_CAUSES:
        table.add_row(Text(row.symptom), Text(row.cause), Text(row.quick_fix))
    return table


class SimilarIncidents(Vertical):
    """Similar past incidents for the text given to `look_for`, and the seed's root-cause table."""

    DEFAULT_CSS = """
    SimilarIncidents { height: auto; }
    SimilarIncidents .similar-title { text-style: bold; color: $text-accent; }
    SimilarIncidents #similar-matches.-problem { color: $error; }
    SimilarIncidents #similar-matches.-quiet { color: $text-muted; }
    SimilarIncidents Collapsible { border-top: none; padding: 0; margin-top: 1; }
    SimilarIncidents Collapsible Contents { padding: 0 0 0 1; }
    """

    def __init__(self, find: FindSimilar, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._find = find
        self._wanted = ""
        self._searched: str | None = None
        self._timer: Timer | None = None
        self.matches: list[SimilarIncident] = []

    def compose(self) -> ComposeResult:
        yield Label("Similar past incidents", classes="similar-title")
        yield Static(Text(HINT), id="similar-matches", classes="-quiet")
        with Collapsible(title="Common root causes (reference)", id="root-causes"):
            yield Static(root_causes_table(), id="root-causes-table")

    def look_for(self, text: str) -> None:
        """Search for `text` once typing has paused for DEBOUNCE_SECONDS."""
        self._wanted = text
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE_SECONDS, self.search_now)

    def search_now(self) -> None:
        """Search for the latest text given, unless it was just searched for."""
        self._timer = None
        text = self._wanted
        if text == self._searched:
            return
        self._searched = text
        if not text.strip():
            self.matches = []
            self._say(HINT, "-quiet")
            return
        try:
            self.matches = self._find(text)
        except StoreError as error:
            self._searched = None  # the next change tries again
            self.matches = []
            self._say(f"Could not search past incidents: {one_line(str(error), LINE_LIMIT)}", "-problem")
            return
        if self.matches:
            self._say(MatchList(self.matches, self.severity_styles()), "")
        else:
            self._say(NOTHING_FOUND, "-quiet")

    def severity_styles(self) -> dict[Severity, str]:
        """The severity badges in the theme's colours, as the header shows them."""
        variables = self.app.get_css_variables()
        styles = {}
        for severity in Severity:
            background = variables.get(f"sev-{int(severity)}")
            foreground = variables.get(f"sev-{int(severity)}-text")
            styles[severity] = f"bold {foreground} on {background}" if background and foreground else "bold reverse"
        return styles

    def _say(self, what: str | MatchList, kind: str) -> None:
        shown = self.query_one("#similar-matches", Static)
        shown.update(Text(what) if isinstance(what, str) else what)
        shown.set_class(kind == "-quiet", "-quiet")
        shown.set_class(kind == "-problem", "-problem")
