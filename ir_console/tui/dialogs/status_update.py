"""The status update composer (`u`): the seed's template drafted from the record, edited, then
recorded on the timeline and copied (the post-mortem has its own screen, `postmortem.py`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from textual import on
from textual.app import App, ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, RadioSet, TextArea

from ir_console.clipboard import CopyResult, copy_text
from ir_console.model import IncidentRecord
from ir_console.render.deadlines import Cadence
from ir_console.render.status import StatusUpdateDraft, draft_status_update, status_update
from ir_console.render.text import one_line
from ir_console.tui.dialogs.base import Modal
from ir_console.tui.widgets.choices import Choice

DRAFT_FIELDS = (
    ("status", "Status"),
    ("impact", "Impact: who/what is affected"),
    ("current_action", "Current action: what we're doing right now"),
    ("eta", "ETA: when we expect resolution, if known"),
    ("next_update", "Next update"),
)


@dataclass(frozen=True)
class StatusUpdateSent:
    """What `Store.record_status_update` records: the exact text sent, its format (markdown, text,
    slack) and the fields it was drafted from."""

    text: str
    format: str
    status: str
    impact: str
    current_action: str
    eta: str
    next_update: str


class StatusUpdateScreen(Modal[StatusUpdateSent]):
    """Drafted from the record, editable, recorded exactly as sent, then copied.

    ctrl+s hands what would be sent to `send` (the war room records it, then copies it) and
    closes only once it is recorded: if the write fails the dialog stays, with everything typed,
    for a retry. Without `send` the dialog is dismissed with the same `StatusUpdateSent`.
    """

    def __init__(
        self,
        record: IncidentRecord,
        now: datetime,
        *,
        cadence: Cadence | None = None,
        send: Callable[[StatusUpdateSent], Awaitable[bool]] | None = None,
    ) -> None:
        super().__init__()
        self.draft = draft_status_update(record, now, cadence)
        self.send = send
        self.sending = False
        # The text as last drafted from the fields: what the preview holds until someone edits it.
        self._generated = status_update(self.draft, "markdown")

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Label(f"Status update: {self.draft.title}", classes="dialog-title", markup=False)
            for name, label in DRAFT_FIELDS:
                yield Label(label, classes="field-label")
                yield Input(one_line(getattr(self.draft, name)), id=name)
            with RadioSet(id="format"):
                yield Choice("Markdown", value=True, id="markdown")
                yield Choice("Plain text (chat)", id="text")
                yield Choice("Slack", id="slack")
            yield Label("Text to send (edit freely: a field changed later updates its own line)", classes="field-label")
            yield TextArea(self._generated, id="preview", soft_wrap=True)
            yield Label("", id="redraft-note", classes="field-label", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Cancel (Esc)", id="cancel")
                yield Button("Record and copy (ctrl+s)", id="save", variant="primary")

    @property
    def format(self) -> str:
        pressed = self.query_one("#format", RadioSet).pressed_button if self.is_mounted else None
        return cast(str, pressed.id) if pressed else "markdown"

    def current_draft(self) -> StatusUpdateDraft:
        if not self.is_mounted:
            return self.draft
        values = {name: self.query_one(f"#{name}", Input).value for name, _ in DRAFT_FIELDS}
        return StatusUpdateDraft(title=self.draft.title, **values)

    def compose_text(self) -> str:
        return status_update(self.current_draft(), self.format)

    def set_field_values(self, values: dict[str, Any]) -> None:
        """A draft kept from before: the fields first, then, once their changes have redrafted,
        the text exactly as it was left (hand edits included), drafted from those fields."""
        super().set_field_values(values)
        text = values.get("preview")

        def as_left() -> None:
            self._generated = self.compose_text()
            if isinstance(text, str):
                self.query_one("#preview", TextArea).text = text
            self.query_one("#redraft-note", Label).update("")

        self.call_after_refresh(as_left)

    @on(Input.Changed)
    @on(RadioSet.Changed)
    def redraft(self) -> None:
        """Draft the text again from the fields. Text edited by hand keeps its edits: only the
        lines a field changed are replaced; what cannot be placed is said, never dropped."""
        preview = self.query_one("#preview", TextArea)
        note = self.query_one("#redraft-note", Label)
        drafted = self.compose_text()
        if preview.text == self._generated:
            if preview.text != drafted:  # not reloaded for nothing (each field says Changed as it mounts)
                preview.text = drafted
            note.update("")
        else:
            text, missing = redraft_lines(preview.text, self._generated, drafted)
            preview.text = text
            note.update("Edited by hand, so not redrafted here: " + "; ".join(missing) if missing else "")
        self._generated = drafted

    def to_send(self) -> StatusUpdateSent:
        """What `Store.record_status_update` takes: the exact text, its format and the fields."""
        draft = self.current_draft()
        return StatusUpdateSent(
            text=self.query_one("#preview", TextArea).text,
            format=self.format,
            status=draft.status,
            impact=draft.impact,
            current_action=draft.current_action,
            eta=draft.eta,
            next_update=draft.next_update,
        )

    def action_save(self) -> None:
        if self.sending:
            return  # ctrl+s pressed again while the first one is being recorded: sent once
        sent = self.to_send()
        if not sent.text.strip():
            self.notify("The text to send is empty.", severity="warning")
            return
        if self.send is None:
            self.dismiss(sent)
            return
        self.sending = True
        self.run_worker(self._send(sent), group="send")

    async def _send(self, sent: StatusUpdateSent) -> None:
        assert self.send is not None, "checked by the caller"
        try:
            recorded = await self.send(sent)
        finally:
            self.sending = False
        if recorded and self.is_current:
            self.forget_draft()
            self.dismiss(sent)

    def action_cancel(self) -> None:
        if not self.sending:  # once it is being recorded, it is sent: the dialog closes when it is
            super().action_cancel()


def redraft_lines(edited: str, old: str, new: str) -> tuple[str, list[str]]:
    """`edited` (a draft changed by hand) with each line that changed between the drafts `old` and
    `new` replaced where it still stands; the new lines that found no place to go are returned."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    if len(old_lines) != len(new_lines):  # another format: its lines are not the same lines
        return edited, ["the format (clear the text to redraft it in the new one)"]
    changes = {before: after for before, after in zip(old_lines, new_lines) if before != after}
    lines = edited.splitlines()
    placed = set()
    for index, line in enumerate(lines):
        if line in changes:
            placed.add(line)
            lines[index] = changes[line]
    missing = [after for before, after in changes.items() if before not in placed]
    return "\n".join(lines) + ("\n" if edited.endswith("\n") else ""), missing


def copy_status_update(app: App, text: str, *, format: str = "markdown", ref: str = "") -> CopyResult:
    """Run in a worker thread (the system clipboard may take seconds): copy `text` by clipboard.py's
    policy, OSC 52 through the app, then tell the user where it went."""

    def osc52(sent: str) -> None:
        try:
            app.call_from_thread(app.copy_to_clipboard, sent)
        except RuntimeError:
            pass  # the console closed meanwhile

    result = copy_text(
        text,
        osc52=osc52,
        suffix=".md" if format == "markdown" else ".txt",
        name=f"status-update-{ref}" if ref else "status-update",
    )
    try:
        app.call_from_thread(
            app.notify,
            result.message,
            title="Status update recorded",
            markup=False,
            severity=result.severity,
            timeout=5 if result.system else 15,
        )
    except RuntimeError:
        pass  # the console closed meanwhile: the update is recorded, the file (if any) written
    return result
