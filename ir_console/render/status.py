"""Status updates: the seed's communication template, drafted from the record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ir_console.model import EventKind, IncidentRecord
from ir_console.render.text import display_text, one_line

CURRENT_ACTION_KINDS = (EventKind.ACTION, EventKind.CONTAINMENT, EventKind.DECISION, EventKind.HYPOTHESIS)


@dataclass
class StatusUpdateDraft:
    title: str
    status: str
    impact: str
    current_action: str
    eta: str
    next_update: str


def draft_status_update(record: IncidentRecord, now: datetime) -> StatusUpdateDraft:
    incident = record.incident
    # Sending this update restarts the cadence, so the next one is due a full interval from now.
    due = now + incident.severity.info.update_every
    return StatusUpdateDraft(
        title=one_line(incident.title),
        status=incident.status.value,
        impact=one_line(incident.triage.affected or incident.triage.happening),
        current_action=current_action(record),
        eta="Unknown",
        next_update=f"{due:%H:%M} UTC" if incident.is_open else "None: this is the final update",
    )


def current_action(record: IncidentRecord) -> str:
    for event in reversed(record.events):
        if event.kind in CURRENT_ACTION_KINDS and not event.is_retracted:
            return one_line(event.text)
    return "Investigating"


def template_fields(draft: StatusUpdateDraft) -> list[tuple[str, str]]:
    """The seed's communication template, in its order, as (label, value)."""
    return [
        ("Status", draft.status),
        ("Impact", draft.impact),
        ("Current action", draft.current_action),
        ("ETA", draft.eta),
        ("Next update", draft.next_update),
    ]


def status_update_markdown(draft: StatusUpdateDraft) -> str:
    lines = [f"## Status Update: {display_text(draft.title)}"]
    lines += [f"**{label}:** {display_text(value)}" for label, value in template_fields(draft)]
    return "\n".join(lines)


def status_update_text(draft: StatusUpdateDraft) -> str:
    """The plain-text variant for chat."""
    lines = [f"Status update: {display_text(draft.title)}"]
    lines += [f"{label}: {display_text(value)}" for label, value in template_fields(draft)]
    return "\n".join(lines)
