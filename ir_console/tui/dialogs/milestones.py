"""The milestones dialog: impact started to closed, each set, corrected or cleared in one place.

The times are typed in the one syntax (`model.when`); each field shows what it reads as, with
its full date. The order is checked here with the store's own rule, so a refusal is a message
in the dialog and nothing is saved; the store checks it again when it writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Label

from ir_console.model import Incident, Milestone
from ir_console.model.incident import REQUIRED_MILESTONES, milestone_order_problem
from ir_console.model.when import SYNTAX, format_when, not_in_future, parse_when
from ir_console.render.text import one_line
from ir_console.tui.dialogs.base import FormError, Modal, shown_time

RESOLVING_MILESTONES = frozenset({Milestone.RESOLVED, Milestone.CLOSED})


@dataclass(frozen=True)
class MilestoneChanges:
    """What to write: each milestone changed, to its new time or None (cleared)."""

    changes: dict[Milestone, datetime | None]


def read_time(text: str, now: datetime, milestone: Milestone) -> datetime | None:
    """The time typed for a milestone (None: cleared); ValueError with a one-line reason."""
    if not text.strip():
        return None
    return not_in_future(parse_when(text, now), now, milestone.label.lower())


class MilestonesScreen(Modal[MilestoneChanges]):
    """Every milestone with its time. Enter moves to the next field, ctrl+s saves the changed ones."""

    def __init__(self, incident: Incident, now: datetime) -> None:
        super().__init__()
        self.incident = incident
        self.now = now
        self.shown = {m: shown_time(incident.milestones.get(m), now) for m in Milestone}
        # Resolved and closed are stamped by resolving (the status dialog), never typed here while
        # the incident is open: the store refuses them, so the fields take no keys (Tab skips them).
        self.stamped_by_resolving = RESOLVING_MILESTONES if incident.is_open else frozenset()

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Label(f"Milestones — {one_line(self.incident.ref)}", classes="dialog-title", markup=False)
            yield Label(f"Type a time ({SYNTAX}); empty clears it.", id="syntax", markup=False)
            for milestone in Milestone:
                with Horizontal(classes="milestone-row"):
                    yield Label(milestone.label, classes="name")
                    yield Input(
                        self.shown[milestone],
                        placeholder="not set",
                        id=f"time-{milestone.value}",
                        disabled=milestone in self.stamped_by_resolving,
                    )
                    yield Label(
                        self.reading(milestone, self.shown[milestone]),
                        id=f"reads-{milestone.value}",
                        classes="reads",
                        markup=False,
                    )
            yield FormError()
            yield from self.buttons("Save")

    def on_mount(self) -> None:
        typed_here = [m for m in Milestone if m not in self.stamped_by_resolving]
        first_unset = next((m for m in typed_here if m not in self.incident.milestones), Milestone.IMPACT_STARTED)
        self.set_focus(self.field(first_unset))

    def field(self, milestone: Milestone) -> Input:
        return self.query_one(f"#time-{milestone.value}", Input)

    def reading(self, milestone: Milestone, text: str) -> str:
        """What the field's text reads as: the full date-time, `not set`, or why it cannot be read."""
        if milestone in self.stamped_by_resolving:
            return "set by resolving it: a, then Resolved"
        try:
            moment = read_time(text, self.now, milestone)
        except ValueError as problem:
            return one_line(str(problem))
        if moment is None:
            return "cannot be cleared" if milestone in REQUIRED_MILESTONES else "not set"
        return format_when(moment)

    @on(Input.Changed)
    def show_reading(self, changed: Input.Changed) -> None:
        milestone = Milestone(cast(str, changed.input.id).removeprefix("time-"))
        label = self.query_one(f"#reads-{milestone.value}", Label)
        label.update(self.reading(milestone, changed.value))
        if milestone in self.stamped_by_resolving:
            return
        try:
            read_time(changed.value, self.now, milestone)
            label.remove_class("-bad")
        except ValueError:
            label.add_class("-bad")

    @on(Input.Submitted)
    def next_field(self) -> None:
        self.focus_next()

    def refuse(self, message: str, milestone: Milestone | None = None) -> None:
        self.query_one("#form-error", Label).update(message)
        if milestone is not None:
            self.field(milestone).focus()

    def action_save(self) -> None:
        changes: dict[Milestone, datetime | None] = {}
        for milestone in Milestone:
            text = self.field(milestone).value
            if text.strip() == self.shown[milestone] or milestone in self.stamped_by_resolving:
                continue  # untouched: kept to the millisecond, not re-read from what is shown
            try:
                changes[milestone] = read_time(text, self.now, milestone)
            except ValueError as problem:
                self.refuse(f"{milestone.label}: {one_line(str(problem))}", milestone)
                return
            if changes[milestone] is None and milestone in REQUIRED_MILESTONES:
                self.refuse(f"{milestone.label} cannot be cleared: every incident has one; correct it.", milestone)
                return
        if not changes:
            self.dismiss(None)
            return
        after = {**self.incident.milestones, **changes}
        out_of_order = milestone_order_problem({m: t for m, t in after.items() if t is not None}, changes)
        if out_of_order:
            self.refuse(f"Not saved: {out_of_order}.", next(iter(changes)))
            return
        self.dismiss(MilestoneChanges(changes))
