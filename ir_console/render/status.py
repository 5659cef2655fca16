"""Status updates: the seed's communication template, drafted from the record.

Three formats of the same fields, in the template's order: the seed's Markdown (for a status page,
an e-mail, a ticket), plain text for chat, and Slack's own markup (`*bold*`, no `#` headings: the
seed's `**Status:**` shows literally in Slack). The draft is only a start: the commander edits it,
and what is stored is the exact text they sent.

Each draft after the first starts from the last update sent: its impact, current action and ETA as
the commander last wrote them, with the status and the next update refreshed, and the current
action replaced only by something done since. The final update of a resolved incident says what
resolved it and needs no ETA.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from ir_console.model import ContainmentAction, EventKind, IncidentRecord, Milestone, TimelineEvent
from ir_console.render.deadlines import Cadence, update_every
from ir_console.render.text import display_text, one_line

# What counts as "what we're doing right now": containment steps, actions taken and decisions.
# (Hypotheses, alerts and evidence are what we know, not what we do.)
CURRENT_ACTION_KINDS = (EventKind.ACTION, EventKind.CONTAINMENT, EventKind.DECISION)
FORMATS = ("markdown", "text", "slack")
NO_MORE_UPDATES = "None: this is the final update"


@dataclass
class StatusUpdateDraft:
    title: str
    status: str
    impact: str
    current_action: str
    eta: str
    next_update: str


def draft_status_update(record: IncidentRecord, now: datetime, cadence: Cadence | None = None) -> StatusUpdateDraft:
    """The template filled from the record and the last update sent: impact, current action and
    ETA carried forward from that update (the first draft: from triage, the latest action,
    `Unknown`), the current action replaced by anything done since it was sent, the status as it
    is, and the next update one interval (`cadence`, default the severity's) from `now`."""
    incident = record.incident
    last = record.status_updates[-1] if record.status_updates else None
    action, done_at = latest_action(record)
    if last is not None and last.current_action.strip() and (done_at is None or done_at <= last.sent_at):
        action = last.current_action  # nothing done since: the commander's words stand
    draft = StatusUpdateDraft(
        title=one_line(incident.title),
        status=incident.status.value,
        impact=(last.impact if last is not None and last.impact.strip() else impact(record)),
        current_action=action,
        eta=(last.eta if last is not None and last.eta.strip() else "Unknown"),
        # Sending this update restarts the cadence, so the next one is due a full interval from now.
        next_update=next_update_time(now + update_every(incident.severity, cadence), now),
    )
    if not incident.is_open:
        resolved = incident.milestones.get(Milestone.RESOLVED)
        done, _ = latest_action(record)
        draft.current_action = f"Resolved: {done}" if done != NOTHING_YET else "Resolved"
        draft.eta = f"None: resolved at {next_update_time(resolved, now)}" if resolved else "None: resolved"
        draft.next_update = NO_MORE_UPDATES
    return draft


def next_update_time(due: datetime, now: datetime) -> str:
    """`03:29 UTC`, with its date when it is not today (UTC): a SEV-4's next update at 22:00 is
    due tomorrow, and stakeholders read it in another time zone."""
    due, now = due.astimezone(UTC), now.astimezone(UTC)
    return f"{due:%H:%M} UTC" if due.date() == now.date() else f"{due:%Y-%m-%d %H:%M} UTC"


def impact(record: IncidentRecord) -> str:
    """Who is affected and what they see, from the triage fields."""
    triage = record.incident.triage
    parts = [one_line(part).strip() for part in (triage.affected, triage.happening)]
    return " — ".join(part for part in parts if part) or "Being assessed"


NOTHING_YET = "Investigating"


def latest_action(record: IncidentRecord) -> tuple[str, datetime | None]:
    """The latest action, decision or containment step taken (in progress or done, with what was
    done) that still stands, and when. Containment bookkeeping (an item added, ruled out, set back
    to pending, its detail edited) is not something we are doing."""
    items = {item.uuid: item for item in record.containment}
    for event in reversed(record.events):
        if event.kind not in CURRENT_ACTION_KINDS or event.is_retracted:
            continue
        if event.kind is not EventKind.CONTAINMENT:
            return one_line(event.text), event.occurred_at
        step = containment_step(event, items)
        if step:
            return step, event.occurred_at
    return NOTHING_YET, None


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


def status_update_slack(draft: StatusUpdateDraft) -> str:
    """Slack's markup: a bold first line instead of a heading, `*Label:*` with single stars."""
    lines = [f"*Status update: {slack_safe(draft.title)}*"]
    lines += [f"*{label}:* {slack_safe(value)}" for label, value in template_fields(draft)]
    return "\n".join(lines)


def slack_safe(text: str) -> str:
    """User text for Slack: its `&`, `<` and `>` escaped as Slack asks (so `<!channel>` or a link
    cannot be forged), control sequences stripped."""
    return display_text(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def status_update(draft: StatusUpdateDraft, format: str = "markdown") -> str:
    """The draft in `format`: "markdown" (the seed's template), "text" (for chat) or "slack"."""
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)} (got {format!r})")
    if format == "slack":
        return status_update_slack(draft)
    return status_update_text(draft) if format == "text" else status_update_markdown(draft)
