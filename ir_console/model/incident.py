"""The incident: identity, classification, triage fields, roles and milestones."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum

from ir_console.model.severity import Severity


class Status(str, Enum):
    INVESTIGATING = "Investigating"
    IDENTIFIED = "Identified"
    MONITORING = "Monitoring"
    RESOLVED = "Resolved"

    @classmethod
    def parse(cls, value: str) -> Status:
        for status in cls:
            if status.value.lower() == value.strip().lower():
                return status
        choices = ", ".join(s.value for s in cls)
        raise ValueError(f"status must be one of {choices} (got {value!r})")

    @property
    def is_open(self) -> bool:
        return self is not Status.RESOLVED


class Phase(str, Enum):
    TRIAGE = "Detection & Triage"
    CONTAINMENT = "Containment"
    RESOLUTION = "Resolution"
    POST_MORTEM = "Post-Mortem"

    @property
    def time_guide(self) -> str:
        return PHASE_TIME_GUIDE[self]


PHASE_TIME_GUIDE = {
    Phase.TRIAGE: "first 5 minutes",
    Phase.CONTAINMENT: "minutes 5-15: stop the bleeding",
    Phase.RESOLUTION: "hypothesis-driven debugging",
    Phase.POST_MORTEM: "write within 48 hours of resolution",
}

# Moving to a status moves the phase forward (never back) to this one. The seed stops the bleeding
# before it fixes the cause: a cause identified during triage leads to containment first.
PHASE_FOR_STATUS = {
    Status.INVESTIGATING: Phase.TRIAGE,
    Status.IDENTIFIED: Phase.CONTAINMENT,
    Status.MONITORING: Phase.RESOLUTION,
    Status.RESOLVED: Phase.POST_MORTEM,
}

PHASE_ORDER = list(Phase)


class Milestone(str, Enum):
    IMPACT_STARTED = "impact_started"
    DETECTED = "detected"
    DECLARED = "declared"
    ACKNOWLEDGED = "acknowledged"
    IDENTIFIED = "identified"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def description(self) -> str:
        """How the milestone reads on the timeline."""
        return MILESTONE_DESCRIPTIONS[self]

    @classmethod
    def parse(cls, value: str) -> Milestone:
        key = value.strip().lower().replace("-", "_").replace(" ", "_")
        try:
            return cls(key)
        except ValueError:
            choices = ", ".join(m.value for m in cls)
            raise ValueError(f"milestone must be one of {choices} (got {value!r})") from None


MILESTONE_DESCRIPTIONS = {
    Milestone.IMPACT_STARTED: "Impact started",
    Milestone.DETECTED: "Detected",
    Milestone.DECLARED: "Incident declared",
    Milestone.ACKNOWLEDGED: "Acknowledged",
    Milestone.IDENTIFIED: "Root cause identified",
    Milestone.MITIGATED: "Mitigated",
    Milestone.RESOLVED: "Confirmed resolved",
    Milestone.CLOSED: "Closed",
}

# Reaching a status stamps this milestone, unless someone already set it.
MILESTONE_FOR_STATUS = {
    Status.IDENTIFIED: Milestone.IDENTIFIED,
    Status.MONITORING: Milestone.MITIGATED,
    Status.RESOLVED: Milestone.RESOLVED,
}

# Every incident has these two; they can be corrected, never cleared.
REQUIRED_MILESTONES = (Milestone.DETECTED, Milestone.DECLARED)

# (earlier, later): the order milestones must keep, checked by the store for every writer.
MILESTONE_ORDER = (
    (Milestone.IMPACT_STARTED, Milestone.DETECTED),
    *((Milestone.IMPACT_STARTED, later) for later in list(Milestone)[2:]),
    *((Milestone.DETECTED, later) for later in list(Milestone)[2:]),
    (Milestone.MITIGATED, Milestone.RESOLVED),
    (Milestone.RESOLVED, Milestone.CLOSED),
)


def milestone_time(moment: datetime) -> str:
    """`2026-11-29 10:00 UTC` (seconds shown when there are any), for one-line reasons."""
    seconds = f":{moment:%S}" if moment.second else ""
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M}{seconds} UTC"


def milestone_order_problem(milestones: Mapping[Milestone, datetime], changed: Iterable[Milestone] = ()) -> str | None:
    """Why these milestones are out of order, in one line, or None when they are in order.

    The reason speaks of a milestone in `changed` when one is involved: `resolved (…) cannot be
    before detected (…)`, or `detected (…) cannot be after resolved (…)`."""
    changed = set(changed)
    for earlier, later in MILESTONE_ORDER:
        first, second = milestones.get(earlier), milestones.get(later)
        if first is None or second is None or first <= second:
            continue
        if earlier in changed and later not in changed:
            return (
                f"{earlier.label.lower()} ({milestone_time(first)}) cannot be after "
                f"{later.label.lower()} ({milestone_time(second)})"
            )
        return (
            f"{later.label.lower()} ({milestone_time(second)}) cannot be before "
            f"{earlier.label.lower()} ({milestone_time(first)})"
        )
    return None


class Role(str, Enum):
    COMMANDER = "commander"
    SCRIBE = "scribe"
    COMMS_LEAD = "comms_lead"
    TECH_LEAD = "tech_lead"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.COMMANDER: "Incident commander",
    Role.SCRIBE: "Scribe",
    Role.COMMS_LEAD: "Comms lead",
    Role.TECH_LEAD: "Tech lead",
}


@dataclass
class Triage:
    """The seed's Phase 1 triage record. `detected_at` is the incident's DETECTED milestone."""

    reporter: str = ""
    happening: str = ""
    affected: str = ""
    changed: str = ""

    FIELD_LABELS = {
        "reporter": "Reporter",
        "happening": "What's happening?",
        "affected": "Who's affected?",
        "changed": "What changed recently?",
    }


@dataclass
class Incident:
    id: int
    ref: str
    uuid: str
    title: str
    severity: Severity
    status: Status
    phase: Phase
    triage: Triage
    roles: dict[Role, str] = field(default_factory=dict)
    milestones: dict[Milestone, datetime] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    @property
    def detected_at(self) -> datetime | None:
        return self.milestones.get(Milestone.DETECTED)

    def role(self, role: Role) -> str:
        return self.roles.get(role, "")

    @property
    def started_at(self) -> datetime | None:
        """When the incident began, by the one rule used everywhere: impact started when known,
        else detected, else declared."""
        milestones = self.milestones
        return (
            milestones.get(Milestone.IMPACT_STARTED)
            or milestones.get(Milestone.DETECTED)
            or milestones.get(Milestone.DECLARED)
            or self.created_at
        )

    def duration(self, now: datetime) -> timedelta | None:
        """From when it began to resolved, or to `now` while it is open: header, list,
        post-mortem and statistics all show this one."""
        start = self.started_at
        if start is None:
            return None
        return self.milestones.get(Milestone.RESOLVED, now) - start
