"""Status updates: the seed's communication template, drafted from the record.

Two formats of the same fields, in the template's order: the seed's Markdown (for a status page,
an e-mail, a ticket) and plain text for chat. The draft is only a start: the commander edits it,
and what is stored is the exact text they sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from ir_console.model import ContainmentAction, EventKind, IncidentRecord, TimelineEvent
from ir_console.render.deadlines import Cadence, update_every
from ir_console.render.text import display_text, one_line

# What counts as "what we're doing right now": containment steps, actions taken and decisions.
# (Hypotheses, alerts and evidence are what we know, not what we do.)
CURRENT_ACTION_KINDS = (EventKind.ACTION, EventKind.CONTAINMENT, EventKind.DECISION)
FORMATS = ("markdown", "text")


@dataclass
class StatusUpdateDraft:
    title: str
    status: str
    impact: str
    current_action: str
    eta: str
    next_update: str


def draft_status_update(record: IncidentRecord, now: datetime, cadence: Cadence | None = None) -> StatusUpdateDraft:
    """The template filled from the record: impact from triage, the latest action, the next update
    one interval (`cadence`, default the severity's) from `now`."""
    incident = record.incident
    # Sending this update restarts the cadence, so the next one is due a full interval from now.
    due = now + update_every(incident.severity, cadence)
    return StatusUpdateDraft(
        title=one_line(incident.title),
        status=incident.status.value,
        impact=impact(record),
        current_action=current_action(record),
        eta="Unknown",
        next_update=next_update_time(due, now) if incident.is_open else "None: this is the final update",
    )


def next_update_time(due: datetime, now: datetime) -> str:
    """`03:29 UTC`, with its date when it is not today (UTC): a SEV-4's next update at 22:00 is
    due tomorrow, and stakeholders read it in another time zone."""
    due, now = due.astimezone(timezone.utc), now.astimezone(timezone.utc)
    return f"{due:%H:%M} UTC" if due.date() == now.date() else f"{due:%Y-%m-%d %H:%M} UTC"


def impact(record: IncidentRecord) -> str:
    """Who is affected and what they see, from the triage fields."""
    triage = record.incident.triage
    parts = [one_line(part).strip() for part in (triage.affected, triage.happening)]
    return " — ".join(part for part in parts if part) or "Being assessed"


def current_action(record: IncidentRecord) -> str:
    """The latest action, decision or containment step taken (in progress or done, with what was
    done) that still stands. Containment bookkeeping (an item added, ruled out, set back to
    pending, its detail edited) is not something we are doing."""
    items = {item.uuid: item for item in record.containment}
    for event in reversed(record.events):
        if event.kind not in CURRENT_ACTION_KINDS or event.is_retracted:
            continue
        if event.kind is not EventKind.CONTAINMENT:
            return one_line(event.text)
        step = containment_step(event, items)
        if step:
            return step
    return "Investigating"


def containment_step(event: TimelineEvent, items: dict[str, ContainmentAction]) -> str:
    """`Rollback deployment: done — rolled back to v2.40.3` for a change to in progress or done
    that still stands (the item is still in that state); "" otherwise."""
    item = items.get(event.containment_uuid)
    if item is None:
        # Recorded before changes were linked to their item: only its text tells what it was.
        legacy = not event.containment_uuid and event.text.endswith(("→ in progress", "→ done"))
        return one_line(event.text) if legacy else ""
    if event.state_to is None or not event.state_to.is_taken or item.state is not event.state_to:
        return ""
    detail = f" — {item.detail}" if item.detail.strip() else ""
    return one_line(f"{item.action}: {item.state.label}{detail}")


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


def status_update(draft: StatusUpdateDraft, format: str = "markdown") -> str:
    """The draft in `format`: "markdown" (the seed's template) or "text" (for chat)."""
    if format not in FORMATS:
        raise ValueError(f"format must be markdown or text (got {format!r})")
    return status_update_text(draft) if format == "text" else status_update_markdown(draft)
