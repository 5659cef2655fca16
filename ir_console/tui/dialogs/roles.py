"""Roles (`r`): who holds each of the four roles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label

from ir_console.model import Role
from ir_console.render.text import one_line
from ir_console.tui.dialogs.base import TIME_HINT, FormError, Modal


@dataclass(frozen=True)
class RoleChanges:
    """The roles whose holder changed, and who holds them now ("" clears one); `at`: when they
    changed hands, when someone typed it (None: now)."""

    names: dict[Role, str]
    at: datetime | None = None


class RolesScreen(Modal[RoleChanges]):
    """The four roles, each name as it is shown (display_text: a stored or imported name never
    reaches the terminal as a control sequence). A field left as shown keeps the recorded name.
    The time field back-dates the change (a replay, or a hand-over noted late); empty is now."""

    def __init__(self, roles: dict[Role, str], now: datetime, began: datetime | None) -> None:
        super().__init__()
        self.roles = roles
        self.now = now
        self.began = began

    def shown(self, role: Role) -> str:
        return one_line(self.roles.get(role, ""))

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Roles", classes="dialog-title")
            for role in Role:
                yield Label(role.label, classes="field-label")
                yield Input(self.shown(role), id=role.value)
            yield Label(f"When they took over ({TIME_HINT})", classes="field-label", markup=False)
            yield Input(id="at", placeholder="now")
            yield FormError()
            yield from self.buttons("Assign")

    def on_mount(self) -> None:
        self.set_focus(self.query_one(f"#{Role.COMMANDER.value}", Input))

    @on(Input.Submitted)
    def next_field(self) -> None:
        self.focus_next()

    def action_save(self) -> None:
        ready, at = self.typed_time(self.now, self.began, "the time of the change")
        if not ready:
            return
        typed = {role: self.query_one(f"#{role.value}", Input).value for role in Role}
        chosen = {role: name.strip() for role, name in typed.items() if name != self.shown(role)}
        changed = {role: name for role, name in chosen.items() if name != self.roles.get(role, "")}
        self.dismiss(RoleChanges(changed, at))
