"""One timeline event read whole (Enter on the timeline): its text, both times, who recorded it and
its earlier versions. Nothing is editable here; `e` asks for the event dialog (event.py)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from ir_console.model import EventRevision, TimelineEvent
from ir_console.model.clock import to_iso
from ir_console.render.text import display_text
from ir_console.tui.dialogs.base import Modal


def event_facts(event: TimelineEvent) -> Text:
    """Both times, how and by whom it was recorded, and its retraction."""
    facts = Text()
    facts.append(f"happened {to_iso(event.occurred_at)} ({event.occurred_at.astimezone():%H:%M:%S} local)\n")
    facts.append(f"recorded {to_iso(event.recorded_at)} via {event.source.value}")
    if event.author:
        facts.append(f" by {display_text(event.author)}")
    if event.key_moment:
        facts.append("\nkey moment (in the post-mortem timeline)")
    if event.retracted_at is not None:
        facts.append(
            f"\nretracted {to_iso(event.retracted_at)} by {display_text(event.retracted_by)}: "
            f"{display_text(event.retraction_reason)}"
        )
    return facts


def event_history(history: list[EventRevision]) -> Text:
    """The earlier versions, oldest first, each with when and by whom it was replaced."""
    text = Text()
    for revision in history:
        text.append(
            f"v{revision.revision} ({to_iso(revision.occurred_at)}), replaced {to_iso(revision.replaced_at)}"
            f" by {display_text(revision.replaced_by)}\n",
            style="dim",
        )
        text.append(display_text(revision.text) + "\n")
    return text


@dataclass(frozen=True)
class EditWanted:
    """`e` while reading: open the event to edit or retract it."""

    event_id: int


class EventDetailScreen(Modal[EditWanted]):
    """An event read whole, nothing editable: a stray key cannot change the record. Dismissed with
    `EditWanted` when `e` asks to edit it (Escape: None)."""

    KEEPS_DRAFT = False  # nothing is typed here
    BINDINGS = [Binding("e", "edit", "Edit", id="edit-event")]

    def __init__(self, event: TimelineEvent, history: list[EventRevision]) -> None:
        super().__init__()
        self.event = event
        self.history = history

    def compose(self) -> ComposeResult:
        event = self.event
        with VerticalScroll(classes="dialog", id="event-detail"):
            state = " — RETRACTED" if event.is_retracted else ""
            yield Label(f"Event #{event.id}: {event.kind.label}{state}", classes="dialog-title", markup=False)
            yield Static(Text(display_text(event.text)), id="event-text")
            yield Label("Recorded", classes="field-label")
            yield Static(event_facts(event), id="event-facts")
            if self.history:
                yield Label(f"Earlier versions ({len(self.history)})", classes="field-label")
                yield Static(event_history(self.history), id="event-history")
            yield Label("e edit or retract · esc close · ↑↓ scroll", classes="hint")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#event-detail"))

    def action_edit(self) -> None:
        self.dismiss(EditWanted(self.event.id))
