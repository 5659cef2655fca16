"""The clocks a commander watches: elapsed time, the response target, the next status update."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from ir_console.model import Incident, Milestone, Phase, Role, Severity
from ir_console.model.clock import format_duration
from ir_console.model.postmortem import POST_MORTEM_WINDOW_HOURS
from ir_console.render.text import one_line


@dataclass(frozen=True)
class Deadline:
    text: str
    state: str  # "ok", "due" (running, not late yet) or "late"


def elapsed(incident: Incident, now: datetime) -> str:
    """The incident's duration (`Incident.duration`): from impact started, else detected, to
    resolved or now; the list, the post-mortem and the statistics show the same figure."""
    return format_duration(incident.duration(now) or timedelta(0))


def response_target(incident: Incident, now: datetime, *, short: bool = False) -> Deadline:
    """Was the incident acknowledged within its severity's response time? `short`: for a narrow
    header (`resp: met`)."""
    info = incident.severity.info
    detected = incident.detected_at or now
    acknowledged = incident.milestones.get(Milestone.ACKNOWLEDGED)
    target = "resp" if short else f"response {info.response_time}"
    if acknowledged is not None:
        met = acknowledged - detected <= info.response_target
        return Deadline(f"{target}: {'met' if met else 'missed'}", "ok" if met else "late")
    ended = incident.milestones.get(Milestone.RESOLVED)
    if ended is not None:  # no countdown on a resolved incident: say what the record holds
        in_time = ended - detected <= info.response_target
        return Deadline(f"{target}: never acknowledged", "ok" if in_time else "late")
    left = detected + info.response_target - now
    if left < timedelta(0):
        return Deadline(f"{target}: missed by {format_duration(-left)}", "late")
    return Deadline(f"{target}: {format_duration(left)} left", "due")


# How often each severity gets a status update (config.py's `[updates] cadence_minutes`).
Cadence = Mapping[Severity, timedelta]


def update_every(severity: Severity, cadence: Cadence | None = None) -> timedelta:
    """The interval between status updates: the configured one, else the severity's default."""
    if cadence is not None and severity in cadence:
        return cadence[severity]
    return severity.info.update_every


def next_update_due(
    incident: Incident, last_update: datetime | None, cadence: Cadence | None = None, promised: datetime | None = None
) -> datetime:
    """When the last update sent said the next one would come (`promised`), else one interval
    after the last update sent, or after the incident was declared."""
    if promised is not None:
        return promised
    declared = incident.milestones.get(Milestone.DECLARED) or incident.detected_at
    assert declared is not None, "every incident the store holds was declared"
    return (last_update or declared) + update_every(incident.severity, cadence)


NEXT_AT = re.compile(r"^(?:(\d{4}-\d{2}-\d{2})[ T])?(\d{1,2}):(\d{2})\s*(?:UTC|Z)$", re.IGNORECASE)
NEXT_IN = re.compile(r"^(?:in\s+|\+)?(\d{1,4})\s*(m|min|mins|minutes?|h|hours?)$", re.IGNORECASE)


def promised_next_update(text: str, sent_at: datetime) -> datetime | None:
    """The time a status update's "Next update" promised: `03:29 UTC` (the next such time after it
    was sent), `2026-11-30 03:29 UTC`, `in 20m`, `+1h`; None for anything else ("None: this is
    the final update", free text), when the cadence goes on as before."""
    cleaned = text.strip()
    relative = NEXT_IN.match(cleaned)
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2).lower()
        return sent_at + (timedelta(hours=amount) if unit.startswith("h") else timedelta(minutes=amount))
    absolute = NEXT_AT.match(cleaned)
    if not absolute:
        return None
    day, hour, minute = absolute.group(1), int(absolute.group(2)), int(absolute.group(3))
    if hour > 23 or minute > 59:
        return None
    sent = sent_at.astimezone(UTC)
    try:
        base = date.fromisoformat(day) if day else sent.date()
    except ValueError:
        return None
    moment = datetime.combine(base, time(hour, minute), tzinfo=UTC)
    if not day and moment <= sent:
        moment += timedelta(days=1)  # `00:10 UTC` written at 23:55 is tomorrow's
    return moment


def next_update(
    incident: Incident,
    last_update: datetime | None,
    now: datetime,
    cadence: Cadence | None = None,
    *,
    short: bool = False,
    promised: datetime | None = None,
) -> Deadline:
    if not incident.is_open:
        return Deadline("no updates due", "ok")
    left = next_update_due(incident, last_update, cadence, promised) - now
    if left < timedelta(0):
        return Deadline(f"update OVERDUE {format_duration(-left)}", "late")
    text = f"update in {format_duration(left)}" if short else f"next update in {format_duration(left)}"
    return Deadline(text, "due" if left < timedelta(minutes=5) else "ok")


def phase_guide(incident: Incident, now: datetime, *, short: bool = False) -> Deadline:
    """The seed's time guide: triage in the first 5 minutes, containment by minute 15. `short`:
    the phase alone (its colour still says when it is late)."""
    start = incident.detected_at or now
    minutes = (now - start).total_seconds() / 60
    text = incident.phase.value if short else f"{incident.phase.value} ({incident.phase.time_guide})"
    late = (incident.phase is Phase.TRIAGE and minutes > 5) or (incident.phase is Phase.CONTAINMENT and minutes > 15)
    return Deadline(text, "late" if late and incident.is_open else "ok")


def postmortem_window(incident: Incident, now: datetime, *, short: bool = False) -> Deadline | None:
    """After resolution: how much of the 48 hours to write the post-mortem is left."""
    resolved = incident.milestones.get(Milestone.RESOLVED)
    if resolved is None:
        return None
    left = resolved + timedelta(hours=POST_MORTEM_WINDOW_HOURS) - now
    if left < timedelta(0):
        late = format_duration(-left)
        return Deadline(f"post-mortem {late} late" if short else f"post-mortem {late} past the 48 h window", "late")
    return Deadline(f"post-mortem due in {format_duration(left)}", "due")


ROLE_SHORT_NAMES = {"commander": "IC", "scribe": "scribe", "comms_lead": "comms", "tech_lead": "tech"}


def roles_line(incident: Incident, *, short: bool = False) -> Deadline:
    """`IC dana · scribe lee · tech sam` (`short`: the commander alone): who holds the roles; no
    commander yet is said, amber while the incident is open."""
    roles = [Role.COMMANDER] if short else list(Role)
    named = [
        f"{ROLE_SHORT_NAMES[role.value]} {one_line(incident.role(role), 16 if short else 24)}"
        for role in roles
        if incident.role(role).strip()
    ]
    if not incident.role(Role.COMMANDER).strip():
        missing = "no IC" if short else "no IC (r assigns)"
        return Deadline(" · ".join([missing, *named]), "due" if incident.is_open else "ok")
    return Deadline(" · ".join(named), "ok")
