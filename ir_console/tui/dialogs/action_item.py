"""One post-mortem action item (ctrl+n, Enter in the table): the seed's columns and its status."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import (
    Input,
    Label,
    RadioSet,
)

from ir_console.model import ActionItem, ActionItemStatus, Priority
from ir_console.render.text import display_text
from ir_console.tui.dialogs.base import FormError, Modal
from ir_console.tui.widgets.choices import Choice

STATUS_LABELS = {
    ActionItemStatus.OPEN: "open",
    ActionItemStatus.IN_PROGRESS: "in progress",
    ActionItemStatus.DONE: "done",
}


@dataclasses.dataclass(frozen=True)
class ActionItemEdit:
    """A new action item (`item_id` None) as typed, or an existing one and the fields changed."""

    item_id: int | None
    action: str
    owner: str
    due_date: str
    priority: Priority
    status: ActionItemStatus
    changed: dict[str, Any] = dataclasses.field(default_factory=dict)  # an existing item's changed fields

    def values(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "owner": self.owner,
            "due_date": self.due_date,
            "priority": self.priority,
            "status": self.status,
        }


class ActionItemScreen(Modal[ActionItemEdit]):
    """One action item: the seed's columns (action, owner, due date, priority) and its status."""

    KEEPS_DRAFT = False  # the post-mortem editor writes it itself, and keeps it when that fails

    def __init__(self, item: ActionItem | None) -> None:
        super().__init__()
        self.item = item

    def compose(self) -> ComposeResult:
        item = self.item
        with VerticalScroll(classes="dialog"):
            yield Label("Edit action item" if item else "New action item", classes="dialog-title")
            yield Label("Action: a preventive measure, a detection or process improvement", classes="field-label")
            yield Input(display_text(item.action) if item else "", id="action")
            yield Label("Owner", classes="field-label")
            yield Input(display_text(item.owner) if item else "", id="owner")
            yield Label("Due date (YYYY-MM-DD)", classes="field-label")
            yield Input(display_text(item.due_date) if item else "", id="due_date", placeholder="2026-12-04")
            yield Label("Priority", classes="field-label")
            with RadioSet(id="priority"):
                for priority in Priority:
                    yield Choice(
                        priority.value, value=(item.priority if item else Priority.P2) is priority, id=priority.value
                    )
            yield Label("Status", classes="field-label")
            with RadioSet(id="status"):
                for status in ActionItemStatus:
                    chosen = (item.status if item else ActionItemStatus.OPEN) is status
                    yield Choice(STATUS_LABELS[status], value=chosen, id=status.value)
            yield FormError()
            yield from self.buttons("Save")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#action", Input))

    @on(Input.Submitted)
    def next_field(self) -> None:
        self.focus_next()

    def value(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value.strip()

    def action_save(self) -> None:
        error = self.query_one("#form-error", Label)
        if not self.value("action"):
            error.update("An action item needs an action.")
            self.query_one("#action", Input).focus()
            return
        due = self.value("due_date")
        if due:
            try:
                date.fromisoformat(due)
            except ValueError:
                error.update(f"Due date: {due!r} is not a date like 2026-12-04 (or leave it empty).")
                self.query_one("#due_date", Input).focus()
                return
        priority = self.query_one("#priority", RadioSet).pressed_button
        status = self.query_one("#status", RadioSet).pressed_button
        item = self.item
        typed = ActionItemEdit(
            item.id if item else None,
            self.value("action"),
            self.value("owner"),
            due,
            Priority(priority.id) if priority else Priority.P2,
            ActionItemStatus(status.id) if status else ActionItemStatus.OPEN,
        )
        if item is not None:
            current = {
                "action": display_text(item.action),
                "owner": display_text(item.owner),
                "due_date": display_text(item.due_date),
                "priority": item.priority,
                "status": item.status,
            }
            typed = dataclasses.replace(
                typed, changed={name: value for name, value in typed.values().items() if value != current[name]}
            )
        self.dismiss(typed)
