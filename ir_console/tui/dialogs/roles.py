"""Roles (`r`): who holds each of the four roles."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label

from ir_console.model import Role
from ir_console.render.text import one_line
from ir_console.tui.dialogs.base import Modal


@dataclass(frozen=True)
class RoleChanges:
    """The roles whose holder changed, and who holds them now ("" clears one)."""

    names: dict[Role, str]


class RolesScreen(Modal[RoleChanges]):
    """The four roles, each name as it is shown (display_text: a stored or imported name never
    reaches the terminal as a control sequence). A field left as shown keeps the recorded name."""

    def __init__(self, roles: dict[Role, str]) -> None:
        super().__init__()
        self.roles = roles

    def shown(self, role: Role) -> str:
        return one_line(self.roles.get(role, ""))

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Roles", classes="dialog-title")
            for role in Role:
                yield Label(role.label, classes="field-label")
                yield Input(self.shown(role), id=role.value)
            yield from self.buttons("Assign")

    def on_mount(self) -> None:
        self.query_one(f"#{Role.COMMANDER.value}", Input).focus()

    @on(Input.Submitted)
    def next_field(self) -> None:
        self.focus_next()

    def action_save(self) -> None:
        typed = {role: self.query_one(f"#{role.value}", Input).value for role in Role}
        chosen = {role: name.strip() for role, name in typed.items() if name != self.shown(role)}
        self.dismiss(RoleChanges({role: name for role, name in chosen.items() if name != self.roles.get(role, "")}))
