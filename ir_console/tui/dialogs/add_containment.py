"""A custom containment action (`+` in the containment pane)."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label

from ir_console.tui.dialogs.base import Modal


@dataclass(frozen=True)
class NewContainmentAction:
    action: str
    when_to_use: str = ""


class AddContainmentScreen(Modal[NewContainmentAction]):
    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Add a containment action", classes="dialog-title")
            yield Label("Action", classes="field-label")
            yield Input(placeholder="Drain traffic from eu-west-1", id="action")
            yield Label("When to use", classes="field-label")
            yield Input(id="when")
            yield from self.buttons("Add")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#action", Input))

    @on(Input.Submitted)
    def next_field(self) -> None:
        self.focus_next()

    def action_save(self) -> None:
        action = self.query_one("#action", Input).value.strip()
        if action:
            self.dismiss(NewContainmentAction(action, self.query_one("#when", Input).value.strip()))
