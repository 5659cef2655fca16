"""Details (`d`): correct the title and the triage fields after declaring, open or under review.

Each field that changed goes on the timeline as its own note, old → new (Store.update_triage).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label

from ir_console.model import Incident
from ir_console.render.text import one_line
from ir_console.tui.dialogs.base import AFFECTED_SUGGESTIONS, FormError, Modal

FIELDS = (
    ("title", "Title"),
    ("reporter", "Reporter: who noticed"),
    ("happening", "What's happening? One sentence of symptoms"),
    ("affected", "Who's affected? All users / subset / internal only"),
    ("changed", "What changed recently? Deployments, config changes, traffic spikes"),
)


class TriageFields(TypedDict):
    """The triage fields by name, as `Store.update_triage` takes them."""

    reporter: str
    happening: str
    affected: str
    changed: str


@dataclass
class Details:
    """The fields as the dialog left them; only those that differ from the record change it."""

    title: str
    reporter: str
    happening: str
    affected: str
    changed: str

    def triage(self) -> TriageFields:
        return {
            "reporter": self.reporter,
            "happening": self.happening,
            "affected": self.affected,
            "changed": self.changed,
        }


class DetailsScreen(Modal[Details]):
    """Title and triage fields, filled in from the incident. ctrl+s saves, Escape leaves them."""

    def __init__(self, incident: Incident) -> None:
        super().__init__()
        self.incident = incident

    def current(self, name: str) -> str:
        return self.incident.title if name == "title" else getattr(self.incident.triage, name)

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            state = " (resolved: corrections are kept on the timeline)" if not self.incident.is_open else ""
            yield Label(f"Details of {one_line(self.incident.ref)}{state}", classes="dialog-title", markup=False)
            for name, label in FIELDS:
                yield Label(label, classes="field-label")
                suggester = SuggestFromList(AFFECTED_SUGGESTIONS, case_sensitive=False) if name == "affected" else None
                # One line each, as they were typed in the triage form; Input keeps the text as text.
                yield Input(one_line(self.current(name)), id=name, suggester=suggester)
            yield FormError()
            yield from self.buttons("Save")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#title", Input))

    @on(Input.Submitted)
    def next_field(self) -> None:
        self.focus_next()

    def action_save(self) -> None:
        values = {name: self.query_one(f"#{name}", Input).value for name, _ in FIELDS}
        if not values["title"].strip():
            self.query_one("#form-error", Label).update("The incident needs a title.")
            self.query_one("#title", Input).focus()
            return
        # A field left as it was shown stays as recorded (one_line may have shortened what is shown).
        for name, _ in FIELDS:
            if values[name] == one_line(self.current(name)):
                values[name] = self.current(name)
        self.dismiss(Details(**values))
