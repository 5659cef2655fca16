"""The header strip: what a commander glances at from across the room."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, getters
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Label

from ir_console.model import Incident
from ir_console.render import deadlines
from ir_console.render.text import one_line

if TYPE_CHECKING:
    from ir_console.tui.app import IrConsoleApp

# Below this width the header's labels are shortened (the war room's own narrow layout starts here).
NARROW_WIDTH = 120
# Clicking these opens the milestones they are measured from.
MILESTONE_AREAS = ("elapsed", "response")


class IncidentHeader(Vertical):
    if TYPE_CHECKING:  # the App's services, typed; nothing changes at run time
        app = getters.app(IrConsoleApp)

    class MilestonesWanted(Message):
        """The elapsed time or the response target was clicked: show the milestones."""

    DEFAULT_CSS = """
    IncidentHeader { height: 2; background: $panel; padding: 0 1; layout: vertical; }
    IncidentHeader Horizontal { height: 1; }
    IncidentHeader Label { height: 1; margin-right: 2; text-wrap: nowrap; text-overflow: ellipsis; }
    IncidentHeader #title, IncidentHeader #phase { width: 1fr; }
    IncidentHeader #clock, IncidentHeader #next-update { margin-right: 0; }
    IncidentHeader #severity { padding: 0 1; text-style: bold; }
    IncidentHeader #severity.sev-1 { background: $sev-1; color: $sev-1-text; }
    IncidentHeader #severity.sev-2 { background: $sev-2; color: $sev-2-text; }
    IncidentHeader #severity.sev-3 { background: $sev-3; color: $sev-3-text; }
    IncidentHeader #severity.sev-4 { background: $sev-4; color: $sev-4-text; }
    IncidentHeader #ref, IncidentHeader #title, IncidentHeader #clock { text-style: bold; }
    IncidentHeader .late { color: $error; text-style: bold; }
    IncidentHeader .due { color: $warning; }
    IncidentHeader #sync { display: none; color: $text-muted; }
    IncidentHeader #sync.shown { display: block; }
    IncidentHeader #sync.offline { color: $warning; }
    """

    def compose(self) -> ComposeResult:
        with Horizontal():
            for name in ("severity", "ref", "title", "elapsed", "sync", "clock"):
                yield Label(id=name, markup=False)
        with Horizontal():
            for name in ("status", "phase", "roles", "response", "next-update"):
                yield Label(id=name, markup=False)

    def on_mount(self) -> None:
        for name in MILESTONE_AREAS:
            self.query_one(f"#{name}", Label).tooltip = "Milestones (m): set or correct their times"

    def on_click(self, click: events.Click) -> None:
        if click.widget is not None and click.widget.id in MILESTONE_AREAS:
            self.post_message(self.MilestonesWanted())

    # Whether the next status update is overdue, as last shown.
    update_overdue = False

    def show(
        self, incident: Incident | None, last_update: datetime | None, now: datetime, promised: datetime | None = None
    ) -> None:
        """`promised`: when the last status update sent said the next one would come."""
        self.update_overdue = False
        if incident is None:
            self._set("severity", "NO INCIDENT", "")
            self._set("title", "Press n to declare an incident")
            for name in ("ref", "elapsed", "status", "phase", "roles", "response", "next-update"):
                self._set(name, "")
        else:
            # Below 120 columns the labels are shortened, so that severity, status, phase, the
            # commander, elapsed and the next update all still fit.
            short = self.app.size.width < NARROW_WIDTH
            self._set("severity", incident.severity.label, f"sev-{incident.severity.value}")
            self._set("ref", one_line(incident.ref))
            self._set("title", one_line(incident.title))
            self._set("elapsed", f"elapsed {deadlines.elapsed(incident, now)}")
            self._set("status", incident.status.value)
            self._set_deadline("phase", deadlines.phase_guide(incident, now, short=short))
            self._set_deadline("roles", deadlines.roles_line(incident, short=short))
            self._set_deadline("response", deadlines.response_target(incident, now, short=short))
            window = deadlines.postmortem_window(incident, now, short=short)
            cadence = self.app.config.update_cadence  # [updates] in config.toml
            due = window or deadlines.next_update(incident, last_update, now, cadence, short=short, promised=promised)
            self.update_overdue = window is None and due.state == "late"
            self._set_deadline("next-update", due)
        self._set("clock", f"{now:%H:%M:%S} UTC")

    def show_sync(self, label: str, live: bool) -> None:
        """Sync's state in a few words: live, offline with changes waiting, or why."""
        self._set("sync", label, "shown" if live else "shown offline" if label else "")

    def _set_deadline(self, name: str, deadline: deadlines.Deadline) -> None:
        self._set(name, deadline.text, deadline.state)

    def _set(self, name: str, text: str, classes: str | None = None) -> None:
        """Update a label only when its text or state changed: each update re-lays the header out."""
        label = self.query_one(f"#{name}", Label)
        old = str(label.content)
        if old != text:
            # Same length (the clock, a countdown): the header's layout cannot change.
            label.update(Text(text), layout=len(old) != len(text))
        if classes is not None and set(label.classes) != set(classes.split()):
            label.set_classes(classes)
