"""The incidents list: every incident, most recent first; Enter switches the war room to it."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from ir_console.model import Incident, Milestone, Role
from ir_console.model.clock import format_duration
from ir_console.render.text import one_line
from ir_console.tui.screens.forms import Modal


def incident_line(incident: Incident, now: datetime) -> Text:
    start = incident.detected_at or now
    duration = format_duration(incident.milestones.get(Milestone.RESOLVED, now) - start)
    line = Text.assemble(
        (f"{incident.ref}  ", "bold"),
        (f"{incident.severity.label}  ", "bold"),
        f"{incident.status.value:<13} ",
        f"{start.astimezone():%Y-%m-%d %H:%M}  ",
        f"{duration:>8}  ",
    )
    line.append(one_line(incident.title, 60))
    commander = incident.role(Role.COMMANDER)
    if commander:
        line.append(f"  IC {one_line(commander, 20)}", style="dim")
    return line


class IncidentsScreen(Modal):
    DEFAULT_CSS = """
    IncidentsScreen > .dialog { width: 140; height: 80%; }
    IncidentsScreen OptionList { height: 1fr; }
    """

    def __init__(self, incidents: list[Incident], now: datetime) -> None:
        super().__init__()
        self.incidents = incidents
        self.now = now

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Incidents ({len(self.incidents)}) — Enter opens, Esc closes", classes="dialog-title")
            yield OptionList(*[Option(incident_line(i, self.now), id=str(i.id)) for i in self.incidents])

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def chosen(self, selected: OptionList.OptionSelected) -> None:
        self.dismiss(int(selected.option.id))
