"""Pasted lines (a log excerpt, a stack trace) logged as one entry, verbatim."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Checkbox, Label, TextArea

from ir_console.model import EventKind
from ir_console.tui.dialogs.base import Modal
from ir_console.tui.widgets.choices import Tick


@dataclass(frozen=True)
class PastedEntry:
    """Pasted lines to log as one entry."""

    text: str
    kind: EventKind
    key_moment: bool


class PasteScreen(Modal[PastedEntry]):
    """Pasted lines (a log excerpt, a stack trace) logged as one entry, verbatim."""

    KEEPS_DRAFT = False  # each paste opens with its own text

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        lines = self.text.count("\n") + 1
        with VerticalScroll(classes="dialog"):
            yield Label(
                f"Log the pasted text ({lines} lines, {len(self.text):,} characters) as one entry",
                classes="dialog-title",
            )
            yield TextArea(self.text, id="text", soft_wrap=True, show_line_numbers=False)
            yield Tick("Evidence (otherwise a note)", True, id="evidence")
            yield Tick("Key moment", False, id="key")
            with Horizontal(classes="buttons"):
                yield Button("Cancel (Esc)", id="cancel")
                yield Button("Log (ctrl+s)", id="save", variant="primary")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#text", TextArea))

    def action_save(self) -> None:
        text = self.query_one("#text", TextArea).text
        if text.strip():
            self.dismiss(
                PastedEntry(
                    text,
                    EventKind.EVIDENCE if self.query_one("#evidence", Checkbox).value else EventKind.NOTE,
                    self.query_one("#key", Checkbox).value,
                )
            )
