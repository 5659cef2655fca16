"""Everything recorded about one incident, gathered for rendering and export."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from ir_console.model.incident import Incident, Milestone
from ir_console.model.postmortem import Section
from ir_console.model.timeline import EventKind, TimelineEvent
from ir_console.model.work import ActionItem, ContainmentAction, Hypothesis, HypothesisResult, StatusUpdate


@dataclass(frozen=True)
class Metric:
    name: str
    definition: str
    start: Milestone
    end: Milestone


# Durations measured from the milestones; each states the two timestamps it is computed from.
METRICS = (
    Metric("Time to detect", "from impact started to detected", Milestone.IMPACT_STARTED, Milestone.DETECTED),
    Metric("Time to acknowledge", "from detected to acknowledged", Milestone.DETECTED, Milestone.ACKNOWLEDGED),
    Metric("Time to mitigate", "from detected to mitigated", Milestone.DETECTED, Milestone.MITIGATED),
    Metric("Time to resolve", "from detected to resolved", Milestone.DETECTED, Milestone.RESOLVED),
)
# Alerts a post-mortem's detection draft lists by name; the rest are counted ("and 12 more").
ALERTS_LISTED = 10


@dataclass
class IncidentRecord:
    incident: Incident
    events: list[TimelineEvent] = field(default_factory=list)
    hypotheses: list[Hypothesis] = field(default_factory=list)
    containment: list[ContainmentAction] = field(default_factory=list)
    status_updates: list[StatusUpdate] = field(default_factory=list)
    action_items: list[ActionItem] = field(default_factory=list)
    sections: dict[Section, str] = field(default_factory=dict)
    # None: `events` is the whole timeline. A number: `events` holds only what the documents draw
    # from (`Store.record_digest`), and this counts the alerts standing on the whole timeline.
    alert_count: int | None = None

    @property
    def alerts(self) -> list[TimelineEvent]:
        """The alerts that stand, in timeline order (in a digest: the first ALERTS_LISTED)."""
        return [e for e in self.events if e.kind is EventKind.ALERT and not e.is_retracted]

    @property
    def alerts_standing(self) -> int:
        return len(self.alerts) if self.alert_count is None else self.alert_count

    def metric(self, metric: Metric) -> timedelta | None:
        start = self.incident.milestones.get(metric.start)
        end = self.incident.milestones.get(metric.end)
        return end - start if start and end else None

    @property
    def resolved_duration(self) -> timedelta | None:
        """`Incident.duration` once the incident is resolved; None while it is open."""
        resolved = self.incident.milestones.get(Milestone.RESOLVED)
        return self.incident.duration(resolved) if resolved else None

    @property
    def confirmed_hypotheses(self) -> list[Hypothesis]:
        return [h for h in self.hypotheses if h.result is HypothesisResult.CONFIRMED]

    @property
    def key_events(self) -> list[TimelineEvent]:
        return [e for e in self.events if e.key_moment and not e.is_retracted]
