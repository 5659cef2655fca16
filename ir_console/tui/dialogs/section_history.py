"""A post-mortem section's earlier texts (ctrl+r), newest first: read, not edited."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import (
    Label,
    TextArea,
)

from ir_console.model import Section
from ir_console.model.postmortem import SectionRevision
from ir_console.render.text import display_text, one_line

REASONS = {"edit": "replaced", "conflict": "replaced in a conflict", "import": "replaced by an import"}


class SectionHistoryScreen(ModalScreen[None]):
    """A post-mortem section's earlier texts (kept revisions), newest first: read, not edited."""

    BINDINGS = [Binding("escape,ctrl+r", "dismiss", "Close")]

    def __init__(self, section: Section, history: list[SectionRevision]) -> None:
        super().__init__()
        self.section = section
        self.history = history

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(
                f"{self.section.heading}: earlier texts, newest first · esc closes",
                classes="dialog-title",
                markup=False,
            )
            yield TextArea(self.history_text(), id="history-text", read_only=True, soft_wrap=True)

    def history_text(self) -> str:
        if not self.history:
            return "No earlier text: this section has had one text, or none."
        parts = []
        for kept in reversed(self.history):
            written = f" at {kept.written_at:%Y-%m-%d %H:%M:%S}Z" if kept.written_at else ""
            parts.append(
                f"── revision {kept.revision}, written by {one_line(kept.written_by, 40) or 'someone'}{written}; "
                f"{REASONS.get(kept.reason, kept.reason)} by {one_line(kept.replaced_by, 40) or 'someone'} "
                f"at {kept.replaced_at:%Y-%m-%d %H:%M:%S}Z\n{display_text(kept.body)}"
            )
        return "\n\n".join(parts)
