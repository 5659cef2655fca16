"""Removing a post-mortem action item: asked first."""

from __future__ import annotations

import dataclasses

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import (
    Button,
    Label,
)

from ir_console.model import ActionItem
from ir_console.render.text import one_line
from ir_console.tui.dialogs.base import Modal


@dataclasses.dataclass(frozen=True)
class ActionItemRemoval:
    item_id: int


class RemoveItemScreen(Modal[ActionItemRemoval]):
    KEEPS_DRAFT = False

    def __init__(self, item: ActionItem) -> None:
        super().__init__()
        self.item = item

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Remove this action item?", classes="dialog-title")
            yield Label(one_line(self.item.action, 200), markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Keep (Esc)", id="cancel")
                yield Button("Remove (enter)", id="save", variant="error")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#save", Button))

    def action_save(self) -> None:
        self.dismiss(ActionItemRemoval(self.item.id))
