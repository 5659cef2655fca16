"""Reopening a resolved incident for a real recurrence: asked, never done by a stray key, with an
optional reason. Correcting the record does not need it: the review takes corrections."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from ir_console.model import Incident, Milestone
from ir_console.model.clock import as_utc
from ir_console.render.text import one_line
from ir_console.tui.dialogs.base import Modal


def resolved_at_text(incident: Incident) -> str:
    """`2026-11-27 03:24 UTC`, or "" when the incident carries no resolution time."""
    resolved = incident.milestones.get(Milestone.RESOLVED)
    return f"{as_utc(resolved):%Y-%m-%d %H:%M} UTC" if resolved else ""


@dataclass(frozen=True)
class Reopening:
    """Reopen the incident, for this reason ("": none given)."""

    reason: str = ""


class ReopenScreen(Modal[Reopening]):
    """Enter or ctrl+s reopens (with the reason typed, if any); Esc leaves the incident resolved.

    Focus starts in the reason box, where every letter is a letter: no single key answers the
    question while text can be typed (a reason typed into a dialog whose `n` meant "keep
    resolved" once ran its other letters as war-room keys)."""

    KEEPS_DRAFT = False  # Escape here answers "keep it resolved": a decision, not a form left half-filled

    def __init__(self, incident: Incident) -> None:
        super().__init__()
        self.incident = incident

    def compose(self) -> ComposeResult:
        incident = self.incident
        resolved = resolved_at_text(incident)
        with Vertical(classes="dialog"):
            yield Label(f"Reopen {one_line(incident.ref)}?", classes="dialog-title", markup=False)
            yield Static(
                Text.assemble(
                    (one_line(incident.title, 120), "bold"),
                    f"\nResolved {resolved}." if resolved else "\nResolved.",
                    "\nIt goes back to Investigating; the reopening, by you and why, is recorded on the timeline.",
                    "\nReopen it when the problem is back. To correct the record, there is no need: "
                    "Enter on an event, or d for the details, saves a correction.",
                )
            )
            yield Label("Reason (optional)", classes="field-label")
            yield Input(placeholder="Errors are back after the rollback", id="reason")
            with Horizontal(classes="buttons"):
                yield Button("Keep resolved (Esc)", id="cancel")
                yield Button("Reopen (Enter or ctrl+s)", id="save", variant="warning")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#reason", Input))

    @on(Input.Submitted, "#reason")
    def action_save(self) -> None:
        self.dismiss(Reopening(self.query_one("#reason", Input).value.strip()))
