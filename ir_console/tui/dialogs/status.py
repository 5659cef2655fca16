"""Status (`a`): the status list, and the time the chosen status stamps its milestone at."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, OptionList

from ir_console.model import Milestone, Status
from ir_console.model.incident import MILESTONE_FOR_STATUS
from ir_console.model.when import format_when, not_in_future, parse_when
from ir_console.tui.dialogs.base import TIME_HINT, FormError, Modal, shown_time
from ir_console.tui.widgets.marked_list import MarkedList

if TYPE_CHECKING:
    from ir_console.tui.app import IrConsoleApp


@dataclass(frozen=True)
class StatusChoice:
    """The status chosen, and the time its milestone is stamped at when someone typed one
    (None: now, or where the milestone already is)."""

    status: Status
    at: datetime | None = None


# The same digit chooses the same status whatever the status is now: the arrow keys move from the
# current one, so `Down Down Down` means Resolved only from Investigating (and wraps round).
STATUS_KEYS = {status: str(number) for number, status in enumerate(Status, start=1)}


class StatusScreen(Modal[StatusChoice]):
    """The status list, and beside it the time the chosen status stamps its milestone at
    (Identified, Monitoring → mitigated, Resolved): now, or the milestone as already set; editable.
    A digit highlights a status (1 Investigating … 4 Resolved) wherever the list starts."""

    # A time typed here and left unsaved is not kept: brought back under another choice (`a 3`
    # a day later), it would stamp a milestone at a time nobody chose for it.
    KEEPS_DRAFT = False

    BINDINGS = [
        Binding(key, f"highlight_status('{status.name}')", status.value, show=False)
        for status, key in STATUS_KEYS.items()
    ]

    if TYPE_CHECKING:  # the App's services, typed; nothing changes at run time
        app = getters.app(IrConsoleApp)

    def __init__(
        self, current: Status, milestones: dict[Milestone, datetime] | None = None, now: datetime | None = None
    ) -> None:
        super().__init__()
        self.current = current
        self.milestones = milestones or {}
        self.now = now

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Status — now {self.current.value}. 1–4 or ↑↓, Enter chooses.", classes="dialog-title")
            options = MarkedList()  # the chosen status marked `▶`, not by colour alone
            options.set_lines([(s.name, Text(f"{s.value} ({STATUS_KEYS[s]})")) for s in Status])
            options.highlighted = list(Status).index(self.current)
            yield options
            yield Label("", id="stamp-label", classes="field-label", markup=False)
            with Horizontal(id="stamp-row"):
                yield Input(id="stamp")
                yield Label("", id="stamp-reads", markup=False)
            yield FormError()
            yield from self.buttons("Set")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        self.set_focus(options)
        self.show_stamp(self.chosen)
        # As the highlight moves, not when its message arrives: in a burst (`down down down tab
        # 14:52 ctrl+s`) the message came after the typed time and put the default back over it.
        self.watch(options, "highlighted", lambda: self.show_stamp(self.chosen), init=False)

    def action_highlight_status(self, name: str) -> None:
        """A digit typed outside the time field: that status highlighted (the time field follows)."""
        options = self.query_one(OptionList)
        options.highlighted = list(Status).index(Status[name])
        self.set_focus(options)

    @property
    def chosen(self) -> Status:
        return list(Status)[self.query_one(OptionList).highlighted or 0]

    def default_stamp(self, status: Status) -> str:
        """What the time field holds until someone edits it: the milestone's time, or `now`."""
        milestone = MILESTONE_FOR_STATUS.get(status)
        if milestone is None:
            return ""
        return shown_time(self.milestones.get(milestone), self.clock_now) or "now"

    @property
    def clock_now(self) -> datetime:
        return self.now or self.app.clock()

    def show_stamp(self, status: Status) -> None:
        milestone = MILESTONE_FOR_STATUS.get(status)
        stamps = milestone is not None and status != self.current
        label = self.query_one("#stamp-label", Label)
        stamp = self.query_one("#stamp", Input)
        # Always laid out, disabled when nothing is stamped: a row shown only now would have no
        # place in the focus order yet, and a Tab typed right after the arrow keys would skip it.
        stamp.disabled = not stamps
        if milestone is None or not stamps:
            label.update(
                f"{status.value} stamps no milestone" if milestone is None else f"{status.value} is the status now"
            )
            stamp.value = ""
            self.query_one("#stamp-reads", Label).update("")
            return
        already = milestone in self.milestones
        label.update(
            f"{status.value} stamps {milestone.label.lower()} at"
            + (" (already set: kept unless you change it)" if already else "")
            + f" — {TIME_HINT}"
        )
        stamp.value = self.default_stamp(status)
        self.show_reading()

    @on(Input.Changed, "#stamp")
    def show_reading(self) -> None:
        try:
            reads = format_when(self.read_stamp(self.query_one("#stamp", Input).value))
        except ValueError as problem:
            reads = str(problem)
        self.query_one("#stamp-reads", Label).update(reads)

    def read_stamp(self, text: str) -> datetime:
        now = self.clock_now
        return not_in_future(parse_when(text, now), now, "the time")

    @on(Input.Submitted, "#stamp")
    @on(OptionList.OptionSelected)
    def action_save(self) -> None:
        status = self.chosen
        at = None
        text = self.query_one("#stamp", Input).value
        if MILESTONE_FOR_STATUS.get(status) and status != self.current and text.strip() != self.default_stamp(status):
            try:
                at = self.read_stamp(text)
            except ValueError as problem:
                self.query_one("#form-error", Label).update(f"Time: {problem}")
                self.query_one("#stamp", Input).focus()
                return
        self.dismiss(StatusChoice(status, at))
