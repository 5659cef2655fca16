"""One timeline event edited (`e` while reading it, event_detail.py): its text, its time, whether it
is a key moment (the earlier version is kept), or retracted with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Label, Static, TextArea

from ir_console.model import EventRevision, TimelineEvent
from ir_console.model.clock import to_iso
from ir_console.model.when import needs_confirmation, not_in_future, parse_when
from ir_console.render.text import display_text
from ir_console.render.times import when_with_day
from ir_console.store import StoreError
from ir_console.tui.dialogs.base import TIME_HINT, FormError, Modal
from ir_console.tui.dialogs.event_detail import event_facts, event_history
from ir_console.tui.widgets.choices import Tick

if TYPE_CHECKING:
    from ir_console.tui.app import IrConsoleApp


@dataclass(frozen=True)
class EventCorrection:
    """What the event dialog changed (None: left as it was)."""

    event_id: int
    text: str | None = None
    occurred_at: datetime | None = None
    key_moment: bool | None = None


@dataclass(frozen=True)
class EventRetraction:
    event_id: int
    reason: str = ""


class EventScreen(Modal[EventCorrection | EventRetraction]):
    if TYPE_CHECKING:  # the App's services, typed; nothing changes at run time
        app = getters.app(IrConsoleApp)

    BINDINGS = [Binding("ctrl+r", "retract", "Retract", id="retract")]

    def __init__(self, event: TimelineEvent, history: list[EventRevision], now: datetime) -> None:
        super().__init__()
        self.event = event
        self.history = history
        self.now = now
        # A new time before the incident began or over 12 h ago is saved on the second ctrl+s,
        # once the full date-time has been shown: the moment shown for it.
        self._confirmed: datetime | None = None

    def draft_subject(self) -> int:
        return self.event.id

    def _read_time(self, typed: str) -> datetime:
        return not_in_future(parse_when(typed, self.now), self.now)

    def _resolved(self, typed: str) -> str:
        """What the time field will store, in full, as the user types (or why it cannot)."""
        try:
            return f"→ {when_with_day(self._read_time(typed), self.now)}"
        except ValueError as problem:
            return f"→ {problem}"

    @on(Input.Changed, "#occurred")
    def time_typed(self, changed: Input.Changed) -> None:
        self.query_one("#occurred-resolved", Label).update(self._resolved(changed.value))

    def _began(self) -> datetime | None:
        try:
            return self.app.reader.incident(self.event.incident_id).started_at
        except StoreError:
            return None

    def compose(self) -> ComposeResult:
        event = self.event
        with VerticalScroll(classes="dialog"):
            state = " — RETRACTED" if event.is_retracted else ""
            yield Label(f"Event #{event.id}: {event.kind.label}{state}", classes="dialog-title")
            yield Static(self._facts(), classes="facts")
            yield Label("Text", classes="field-label")
            yield TextArea(display_text(event.text), id="text", soft_wrap=True, show_line_numbers=False)
            yield Label(f"When it happened ({TIME_HINT})", classes="field-label")
            yield Input(to_iso(event.occurred_at), id="occurred")
            yield Label(self._resolved(to_iso(event.occurred_at)), id="occurred-resolved", markup=False)
            yield Tick("Key moment (goes into the post-mortem timeline)", event.key_moment, id="key")
            yield Label("Reason, if you retract it", classes="field-label")
            yield Input(id="reason")
            yield FormError()
            if self.history:
                yield Label("Earlier versions", classes="field-label")
                yield Static(self._history(), id="history")
            with Horizontal(classes="buttons"):
                yield Button("Cancel (Esc)", id="cancel")
                yield Button("Retract (ctrl+r)", id="retract", variant="error", disabled=event.is_retracted)
                yield Button("Save (ctrl+s)", id="save", variant="primary")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#text", TextArea))

    def _facts(self) -> Text:
        return event_facts(self.event)

    def _history(self) -> Text:
        return event_history(self.history)

    def action_save(self) -> None:
        new_text: str | None = None
        text = self.query_one("#text", TextArea).text
        if text != display_text(self.event.text):
            if not text.strip():
                self.query_one("#form-error", Label).update("The text cannot be empty; retract the event instead.")
                return
            new_text = text
        try:
            occurred = parse_when(self.query_one("#occurred", Input).value, self.now)
            if occurred != self.event.occurred_at:
                not_in_future(occurred, self.now)  # a time kept as it was is not questioned
        except ValueError as problem:
            self.query_one("#form-error", Label).update(f"When: {problem}")
            return
        if occurred != self.event.occurred_at:
            if needs_confirmation(occurred, self.now, self._began()) and occurred != self._confirmed:
                self._confirmed = occurred
                self.query_one("#form-error", Label).update(
                    f"When: {when_with_day(occurred, self.now)} — before the incident began or over 12 h ago. "
                    "ctrl+s again saves it."
                )
                return
        key = self.query_one("#key", Checkbox).value
        correction = EventCorrection(
            self.event.id,
            text=new_text,
            occurred_at=occurred if occurred != self.event.occurred_at else None,
            key_moment=key if key != self.event.key_moment else None,
        )
        self.dismiss(correction if correction != EventCorrection(self.event.id) else None)

    @on(Button.Pressed, "#retract")
    def action_retract(self) -> None:
        if not self.event.is_retracted:
            reason = self.query_one("#reason", Input).value.strip()
            self.dismiss(EventRetraction(self.event.id, reason))
