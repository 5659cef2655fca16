"""The containment checklist pane: each action with its state mark, owner and last change."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import getters
from textual.binding import Binding
from textual.message import Message

from ir_console.model import ContainmentAction, ContainmentState
from ir_console.render.text import one_line
from ir_console.render.times import clock_time
from ir_console.tui.widgets.marked_list import MarkedList

if TYPE_CHECKING:
    from ir_console.tui.app import IrConsoleApp


STATE_MARKS = {
    ContainmentState.PENDING: ("[ ]", ""),
    ContainmentState.IN_PROGRESS: ("[~]", "bold yellow"),
    ContainmentState.DONE: ("[x]", "bold green"),
    ContainmentState.NOT_APPLICABLE: ("[-]", "dim"),
}


class ContainmentList(MarkedList):
    """The containment checklist, one line an action. `space` moves an item to its next state
    (pending -> in progress -> done -> pending), 1 2 3 0 set pending, in progress, done, n/a
    directly, `z` undoes the item's latest change, enter opens it, `+` adds one."""

    if TYPE_CHECKING:  # the App's services, typed; nothing changes at run time
        app = getters.app(IrConsoleApp)

    BINDINGS = [
        Binding("space", "advance", "Next state", id="advance"),
        Binding("enter", "select", "Open", id="open-containment"),
        Binding("1", "set_state('pending')", "Pending", id="set-pending", show=False),
        Binding("2", "set_state('in_progress')", "In progress", id="set-in-progress", show=False),
        Binding("3", "set_state('done')", "Done", id="set-done", show=False),
        Binding("0,minus", "set_state('not_applicable')", "N/a", id="set-not-applicable", show=False),
        Binding("z,ctrl+z", "undo", "Undo", id="undo-containment"),
        Binding("plus", "add", "Add action", id="add-containment"),
    ]

    class Advance(Message):
        def __init__(self, action_id: int) -> None:
            super().__init__()
            self.action_id = action_id

    class SetState(Message):
        def __init__(self, action_id: int, state: ContainmentState) -> None:
            super().__init__()
            self.action_id = action_id
            self.state = state

    class Undo(Message):
        def __init__(self, action_id: int) -> None:
            super().__init__()
            self.action_id = action_id

    class Add(Message):
        pass

    shown: list[ContainmentAction] | None = None

    def show(self, actions: list[ContainmentAction]) -> None:
        if actions == self.shown:
            return
        self.shown = actions
        now = self.app.clock()
        self.set_lines([(str(a.id), self._line(a, now)) for a in actions])

    @staticmethod
    def _line(action: ContainmentAction, now: datetime) -> Text:
        """`[x] Rollback deployment  done by sam 03:14 — v2.40.3 (owner: sam)`; a pending item
        says when to use it instead. One line, cut with an ellipsis."""
        mark, style = STATE_MARKS[action.state]
        line = Text(f"{mark} ", style=style, no_wrap=True, overflow="ellipsis")
        line.append(one_line(action.action), style="bold" if action.state is ContainmentState.IN_PROGRESS else "")
        if action.state is not ContainmentState.PENDING:
            who = f" by {one_line(action.changed_by, 16)}" if action.changed_by else ""
            when = f" {clock_time(action.changed_at, now)}" if action.changed_at else ""  # dated if not today
            line.append(f"  {action.state.label}{who}{when}", style="dim")
        if action.detail:
            line.append(f" — {one_line(action.detail)}")
        if action.owner:
            line.append(f" (owner: {one_line(action.owner, 24)})", style="dim")
        if action.state is ContainmentState.PENDING and action.when_to_use and not action.detail:
            line.append(f"  {one_line(action.when_to_use)}", style="italic dim")
        return line

    def _highlighted_id(self) -> int | None:
        if self.highlighted is None:
            return None
        return int(cast(str, self.get_option_at_index(self.highlighted).id))

    def action_advance(self) -> None:
        if (action_id := self._highlighted_id()) is not None:
            self.post_message(self.Advance(action_id))

    def action_set_state(self, state: str) -> None:
        if (action_id := self._highlighted_id()) is not None:
            self.post_message(self.SetState(action_id, ContainmentState(state)))

    def action_undo(self) -> None:
        if (action_id := self._highlighted_id()) is not None:
            self.post_message(self.Undo(action_id))

    def action_add(self) -> None:
        self.post_message(self.Add())
