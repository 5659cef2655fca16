"""Resolving asks first: the incident then takes corrections but no new entries, and the dialog
shows when it is resolved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Label

from ir_console.model.when import format_when
from ir_console.render.text import one_line
from ir_console.tui.dialogs.base import Modal


@dataclass(frozen=True)
class ResolveConfirmed:
    """The answer `yes`; cancelling dismisses with None."""

    resolved_at: datetime


class ConfirmResolveScreen(Modal[ResolveConfirmed]):
    """`Resolve INC-…? Resolved at …; after that …`. Enter (or ctrl+s) resolves, Escape does not."""

    KEEPS_DRAFT = False

    def __init__(self, ref: str, resolved_at: datetime) -> None:
        super().__init__()
        self.ref = ref
        self.resolved_at = resolved_at

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Resolve {one_line(self.ref)}?", classes="dialog-title", markup=False)
            yield Label(
                f"Resolved at {format_when(self.resolved_at)}. After that it takes no new entries; "
                "its record can still be corrected for the review.",
                id="resolve-question",
                markup=False,
            )
            yield Label("o reopens it later (asks first, recorded on the timeline).", classes="field-label")
            yield from self.buttons("Resolve")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#save", Button))

    def action_save(self) -> None:
        self.dismiss(ResolveConfirmed(self.resolved_at))
