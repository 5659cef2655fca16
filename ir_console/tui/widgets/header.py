"""The header strip: what a commander glances at from across the room."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label

from ir_console.model import Incident
from ir_console.render import deadlines
from ir_console.render.text import one_line


class IncidentHeader(Vertical):
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
    """

    def compose(self) -> ComposeResult:
        with Horizontal():
            for name in ("severity", "ref", "title", "elapsed", "clock"):
                yield Label(id=name, markup=False)
        with Horizontal():
            for name in ("status", "phase", "response", "next-update"):
                yield Label(id=name, markup=False)

    def show(self, incident: Incident | None, last_update: datetime | None, now: datetime) -> None:
        severity = self.query_one("#severity", Label)
        if incident is None:
            severity.update("NO INCIDENT")
            severity.set_classes("")
            self.query_one("#title", Label).update(Text("Press n to declare an incident"))
            for name in ("ref", "elapsed", "status", "phase", "response", "next-update"):
                self.query_one(f"#{name}", Label).update("")
            self._show_clock(now)
            return
        severity.update(incident.severity.label)
        severity.set_classes(f"sev-{incident.severity.value}")
        self.query_one("#ref", Label).update(incident.ref)
        self.query_one("#title", Label).update(Text(one_line(incident.title)))
        self.query_one("#elapsed", Label).update(f"elapsed {deadlines.elapsed(incident, now)}")
        self.query_one("#status", Label).update(incident.status.value)
        self._show_deadline("#phase", deadlines.phase_guide(incident, now))
        self._show_deadline("#response", deadlines.response_target(incident, now))
        window = deadlines.postmortem_window(incident, now)
        update = deadlines.next_update(incident, last_update, now)
        self._show_deadline("#next-update", window or update)
        self._show_clock(now)

    def _show_deadline(self, selector: str, deadline: deadlines.Deadline) -> None:
        label = self.query_one(selector, Label)
        label.update(deadline.text)
        label.set_classes(deadline.state)

    def _show_clock(self, now: datetime) -> None:
        self.query_one("#clock", Label).update(f"{now:%H:%M:%S} UTC")
