"""What the console writes for people: the status update composer and the post-mortem draft."""

from __future__ import annotations

from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Markdown, RadioButton, RadioSet, TextArea

from ir_console.model import IncidentRecord
from ir_console.render.markdown import postmortem_markdown
from ir_console.render.status import (
    StatusUpdateDraft,
    draft_status_update,
    status_update_markdown,
    status_update_text,
)
from ir_console.tui.screens.forms import Modal

DRAFT_FIELDS = (
    ("status", "Status"),
    ("impact", "Impact: who/what is affected"),
    ("current_action", "Current action: what we're doing right now"),
    ("eta", "ETA: when we expect resolution, if known"),
    ("next_update", "Next update"),
)


class StatusUpdateScreen(Modal):
    """Drafted from the record, editable, copied to the clipboard and stored exactly as sent."""

    DEFAULT_CSS = """
    StatusUpdateScreen #preview { height: 9; }
    StatusUpdateScreen RadioSet { layout: horizontal; }
    """

    def __init__(self, record: IncidentRecord, now: datetime) -> None:
        super().__init__()
        self.draft = draft_status_update(record, now)

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Label(f"Status update: {self.draft.title}", classes="dialog-title", markup=False)
            for name, label in DRAFT_FIELDS:
                yield Label(label, classes="field-label")
                yield Input(getattr(self.draft, name), id=name)
            with RadioSet(id="format"):
                yield RadioButton("Markdown", value=True, id="markdown")
                yield RadioButton("Plain text (chat)", id="text")
            yield Label("Text to send (edit freely)", classes="field-label")
            yield TextArea(self.compose_text(), id="preview", soft_wrap=True)
            with Horizontal(classes="buttons"):
                yield Button("Cancel (Esc)", id="cancel")
                yield Button("Copy and record (ctrl+s)", id="save", variant="primary")

    @property
    def format(self) -> str:
        pressed = self.query_one("#format", RadioSet).pressed_button if self.is_mounted else None
        return pressed.id if pressed else "markdown"

    def current_draft(self) -> StatusUpdateDraft:
        if not self.is_mounted:
            return self.draft
        values = {name: self.query_one(f"#{name}", Input).value for name, _ in DRAFT_FIELDS}
        return StatusUpdateDraft(title=self.draft.title, **values)

    def compose_text(self) -> str:
        draft = self.current_draft()
        return status_update_text(draft) if self.format == "text" else status_update_markdown(draft)

    @on(Input.Changed)
    @on(RadioSet.Changed)
    def redraft(self) -> None:
        self.query_one("#preview", TextArea).text = self.compose_text()

    def action_save(self) -> None:
        text = self.query_one("#preview", TextArea).text
        self.app.copy_to_clipboard(text)
        draft = self.current_draft()
        self.dismiss({
            "text": text, "format": self.format, "status": draft.status, "impact": draft.impact,
            "current_action": draft.current_action, "eta": draft.eta, "next_update": draft.next_update,
        })


class PostMortemScreen(Modal):
    """The post-mortem as `ir-console export` writes it, drafted from the record so far."""

    DEFAULT_CSS = """
    PostMortemScreen > .dialog { width: 120; height: 100%; }
    """

    def __init__(self, record: IncidentRecord) -> None:
        super().__init__()
        self.record = record

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Label(f"Post-mortem draft — export with: ir-console export {self.record.incident.ref}",
                        classes="dialog-title", markup=False)
            yield Markdown(postmortem_markdown(self.record))
            with Horizontal(classes="buttons"):
                yield Button("Close (Esc)", id="cancel")
