"""One containment item: its state, what was done, who owns it, and when it changed.

The state can be set directly (never through done on the way to n/a), the time of the change
back-dated in the one time syntax (`model.when`), and the item's latest change undone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, RadioSet

from ir_console.model import ContainmentAction, ContainmentState
from ir_console.model.when import SYNTAX, format_when
from ir_console.render.text import one_line
from ir_console.tui.dialogs.base import FormError, Modal
from ir_console.tui.widgets.choices import Choice

STATE_KEYS = {
    ContainmentState.PENDING: "1",
    ContainmentState.IN_PROGRESS: "2",
    ContainmentState.DONE: "3",
    ContainmentState.NOT_APPLICABLE: "0",
}


@dataclass(frozen=True)
class ContainmentEdit:
    """What the dialog asks for. `at`: when the change happened (None: now for a new state; for
    the same state, the time of its latest change stays). `undo`: undo the latest change instead."""

    action_id: int
    state: ContainmentState
    detail: str
    owner: str
    at: datetime | None = None
    undo: bool = False


class ContainmentDialog(Modal[ContainmentEdit]):
    BINDINGS = [
        Binding("ctrl+z", "undo", "Undo last change", id="undo-containment"),
        # The keys the state labels name, as in the checklist; typed into a text field they are text.
        *[Binding(key, f"choose_state('{state.value}')", state.label, show=False) for state, key in STATE_KEYS.items()],
    ]

    def draft_subject(self) -> str:
        return self.action.uuid

    def __init__(self, action: ContainmentAction, now: datetime, began: datetime | None) -> None:
        super().__init__()
        self.action = action
        self.now = now
        self.began = began

    def compose(self) -> ComposeResult:
        action = self.action
        with VerticalScroll(classes="dialog"):
            yield Label(f"Containment: {one_line(action.action)}", classes="dialog-title", markup=False)
            if action.when_to_use:
                yield Label(f"When to use: {one_line(action.when_to_use)}", classes="facts", markup=False)
            yield Label(self._last_change(), id="last-change", classes="facts", markup=False)
            yield Label("What was done (which flag, which version, which hosts)", classes="field-label")
            yield Input(one_line(action.detail), id="detail")
            yield Label("Owner", classes="field-label")
            yield Input(one_line(action.owner), id="owner")
            yield Label("State", classes="field-label")
            with RadioSet(id="state"):
                for state in ContainmentState:
                    yield Choice(f"{state.label} ({STATE_KEYS[state]})", value=state is action.state, id=state.value)
            yield Label(f"When it changed (empty: now) — {SYNTAX}", classes="field-label", markup=False)
            yield Input(id="at", placeholder="now")
            yield FormError()
            with Horizontal(classes="buttons"):
                yield Button("Cancel (Esc)", id="cancel")
                yield Button(
                    "Undo last change (ctrl+z)", id="undo", variant="warning", disabled=action.changed_at is None
                )
                yield Button("Save (ctrl+s)", id="save", variant="primary")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#detail", Input))

    def _last_change(self) -> str:
        action = self.action
        if action.changed_at is None:
            return f"Now {action.state.label}; never changed."
        by = f" by {one_line(action.changed_by, 40)}" if action.changed_by else ""
        return f"Now {action.state.label}, since {format_when(action.changed_at)}{by}."

    @on(Input.Submitted)
    def next_field(self) -> None:
        self.focus_next()

    def action_choose_state(self, value: str) -> None:
        self.query_one(f"#{value}", Choice).value = True

    def chosen_state(self) -> ContainmentState:
        pressed = self.query_one("#state", RadioSet).pressed_button
        return ContainmentState(pressed.id) if pressed is not None and pressed.id else self.action.state

    def action_save(self) -> None:
        ready, at = self.typed_time(self.now, self.began, "the time of the change")
        if not ready:
            return
        self.dismiss(
            ContainmentEdit(
                action_id=self.action.id,
                state=self.chosen_state(),
                detail=self.kept_or_typed("detail", self.action.detail),
                owner=self.kept_or_typed("owner", self.action.owner),
                at=at,
            )
        )

    def kept_or_typed(self, name: str, recorded: str) -> str:
        """The field's text, or the recorded text when the field is left as it was shown."""
        typed = self.query_one(f"#{name}", Input).value
        return recorded if typed == one_line(recorded) else typed

    @on(Button.Pressed, "#undo")
    def action_undo(self) -> None:
        if self.action.changed_at is not None:
            self.dismiss(
                ContainmentEdit(self.action.id, self.action.state, self.action.detail, self.action.owner, undo=True)
            )
