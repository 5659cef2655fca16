"""F1: every key, what it does, and the entry line's syntax."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from ir_console.tui.screens.war_room import WarRoomScreen

ENTRY_HELP = (
    ("/action /decision /alert /evidence", "kind of entry (default: note)"),
    ("!", "mark as a key moment (goes into the post-mortem timeline)"),
    ("@14:32  @14:32Z  @-5m  @-1d", "back-date: local time, UTC, or that long ago"),
    ("@2026-11-29 23:58", "back-date to a date and time (ISO 8601 too); another day asks for a second Enter"),
)
PANE_KEYS = (
    ("tab / shift+tab", "next / previous pane"),
    ("T", "the timeline pane"),
    ("H", "the hypotheses pane"),
    ("enter (timeline)", "read the whole event: text, author, both times, earlier versions"),
    ("e (reading an event)", "edit it: text, back-date, key moment, retract"),
    ("↑ ↓ pgup pgdn home end", "move in the timeline"),
    ("enter (hypotheses)", "open the hypothesis: evidence, test, result"),
    ("[ and ] (hypotheses)", "move the hypothesis up or down the ranking"),
    ("space (containment)", "next state: pending → in progress → done → pending (never through done to n/a)"),
    ("1 2 3 0 (containment)", "set pending, in progress, done, not applicable (- too)"),
    ("z / ctrl+z (containment)", "undo the action's latest change (struck out on the timeline, state restored)"),
    ("enter (containment)", "open the action: state, what was done, owner, when it changed (back-date), undo"),
    ("+ (containment)", "add a custom containment action"),
    ("esc", "leave the entry line (back to the timeline); close a dialog unsaved, keeping what was typed"),
    ("ctrl+s (dialogs)", "save the dialog"),
    ("ctrl+p", "command palette: every action by name, and the themes"),
    ("f1", "this help"),
    ("ctrl+q", "quit (everything is already saved)"),
)


# Keys of the other screens that their bindings do not name.
POSTMORTEM_EXTRA = (
    ("tab / shift+tab", "next / previous section"),
    ("enter (action items)", "edit the action item"),
)
INCIDENTS_EXTRA = (
    ("enter (list)", "open the incident (a resolved one as a review)"),
    ("enter (search results)", "open the incident at the event found"),
    ("click a column header", "sort by it; again to reverse"),
)


def key_name(key: str) -> str:
    """`escape,ctrl+o` as `escape / ctrl+o`, `plus` as `+`, `slash` as `/`."""
    names = {"plus": "+", "slash": "/", "left_square_bracket": "[", "right_square_bracket": "]"}
    return " / ".join(names.get(part, part) for part in key.split(","))


def binding_rows(bindings: list, extra: tuple[tuple[str, str], ...] = ()) -> Table:
    rows = Table.grid(padding=(0, 2))
    rows.add_column(style="bold")
    rows.add_column()
    seen = set()
    for binding in bindings:
        if not isinstance(binding, Binding) or binding.action in seen:
            continue
        seen.add(binding.action)
        rows.add_row(key_name(binding.key), Text(binding.tooltip or binding.description or binding.action))
    for key, meaning in extra:
        rows.add_row(key, meaning)
    return rows


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        keys = Table.grid(padding=(0, 2))
        keys.add_column(style="bold")
        keys.add_column()
        for binding in WarRoomScreen.BINDINGS:
            assert isinstance(binding, Binding), "the war room's bindings are Binding objects"
            keys.add_row(binding.key, Text(binding.tooltip or binding.description))
        for key, meaning in PANE_KEYS:
            keys.add_row(key, meaning)
        entry = Table.grid(padding=(0, 2))
        entry.add_column(style="bold")
        entry.add_column()
        for prefix, meaning in ENTRY_HELP:
            entry.add_row(prefix, meaning)
        # Loaded here, not at start-up: F1 is the first time these screens' keys are needed.
        from ir_console.tui.dialogs.preview import PreviewScreen
        from ir_console.tui.screens.incidents import IncidentsScreen
        from ir_console.tui.screens.postmortem import ActionItemTable, PostMortemScreen

        with VerticalScroll():
            yield Label("Keys", classes="dialog-title")
            yield Static(keys)
            yield Label("\nTimeline entry line (t)", classes="dialog-title")
            yield Static(entry)
            yield Label("\nPost-mortem editor (p)", classes="dialog-title")
            yield Static(
                binding_rows([*PostMortemScreen.BINDINGS, *ActionItemTable.BINDINGS], POSTMORTEM_EXTRA),
                id="help-postmortem",
            )
            yield Label("\nPost-mortem preview (ctrl+o in the editor)", classes="dialog-title")
            yield Static(binding_rows(PreviewScreen.BINDINGS), id="help-preview")
            yield Label("\nIncidents screen (i)", classes="dialog-title")
            yield Static(binding_rows(IncidentsScreen.BINDINGS, INCIDENTS_EXTRA), id="help-incidents")
            yield Label("\nEsc closes this help.")
