"""Past incidents as the archive shows them: list rows, search hits and similar incidents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from ir_console.model.incident import Incident, Role, Status, Triage
from ir_console.model.postmortem import Section
from ir_console.model.record import Metric
from ir_console.model.severity import Severity


@dataclass(frozen=True)
class IncidentSummary:
    """One row of the incidents list: `started_at` and `duration` are the incident's own
    (`Incident.started_at`, `Incident.duration` to the time asked about while it is open)."""

    incident: Incident
    started_at: datetime
    duration: timedelta
    # None unless asked for: counting costs a walk over every event's index entry.
    event_count: int | None = None

    @classmethod
    def of(cls, incident: Incident, now: datetime, event_count: int | None = None) -> IncidentSummary:
        """The row for `incident`, an open one's duration running to `now`."""
        started = incident.started_at or now  # an import may lack every milestone
        duration = incident.duration(now)
        return cls(incident, started, duration if duration is not None else now - started, event_count)

    @property
    def id(self) -> int:
        return self.incident.id

    @property
    def ref(self) -> str:
        return self.incident.ref

    @property
    def title(self) -> str:
        return self.incident.title

    @property
    def severity(self) -> Severity:
        return self.incident.severity

    @property
    def status(self) -> Status:
        return self.incident.status

    @property
    def commander(self) -> str:
        return self.incident.role(Role.COMMANDER)

    def metric(self, metric: Metric) -> timedelta | None:
        """The same measure as `IncidentRecord.metric`: None when either milestone is missing."""
        start = self.incident.milestones.get(metric.start)
        end = self.incident.milestones.get(metric.end)
        return end - start if start and end else None


class HitSource(str, Enum):
    """Where in an incident a search matched."""

    TITLE = "title"
    TRIAGE = "triage"
    EVENT = "event"
    HYPOTHESIS = "hypothesis"
    POSTMORTEM = "postmortem"


HYPOTHESIS_FIELD_LABELS = {
    "statement": "statement",
    "evidence_for": "evidence for",
    "evidence_against": "evidence against",
    "test": "test",
}


@dataclass(frozen=True)
class SnippetPart:
    """A piece of a snippet; `matched` pieces are the words searched for. The text is user
    text, as stored: clean it for display (it may hold control characters) piece by piece."""

    text: str
    matched: bool


@dataclass(frozen=True)
class SearchHit:
    incident_id: int
    incident_ref: str
    incident_title: str
    incident_status: Status
    incident_severity: Severity
    source: HitSource
    # "title" or the triage field, the hypothesis field, the post-mortem section; "" for events.
    field: str
    # When it happened (events), was last changed (hypotheses, sections) or the incident started.
    at: datetime | None
    snippet: tuple[SnippetPart, ...]
    event_id: int | None = None
    hypothesis_id: int | None = None
    retracted: bool = False

    @property
    def snippet_text(self) -> str:
        return "".join(part.text for part in self.snippet)

    @property
    def match_spans(self) -> list[tuple[int, int]]:
        """(start, end) of each matched part in `snippet_text`."""
        spans, position = [], 0
        for part in self.snippet:
            if part.matched:
                spans.append((position, position + len(part.text)))
            position += len(part.text)
        return spans

    @property
    def where(self) -> str:
        """`Timeline`, `What's happening?`, `Hypothesis: evidence for`, `Post-mortem: Root Cause`."""
        if self.source is HitSource.TITLE:
            return "Title"
        if self.source is HitSource.TRIAGE:
            return Triage.FIELD_LABELS.get(self.field, self.field)
        if self.source is HitSource.HYPOTHESIS:
            return f"Hypothesis: {HYPOTHESIS_FIELD_LABELS.get(self.field, self.field)}"
        if self.source is HitSource.POSTMORTEM:
            return f"Post-mortem: {section_heading(self.field)}"
        return "Timeline (retracted)" if self.retracted else "Timeline"


def section_heading(name: str) -> str:
    try:
        return Section(name).heading
    except ValueError:
        return name


@dataclass(frozen=True)
class SimilarIncident:
    """Another incident whose text shares words with what is being triaged, and what fixed it."""

    incident_id: int
    ref: str
    title: str
    severity: Severity
    status: Status
    started_at: datetime | None
    # bm25 summed over the incident's matching fields: lower is closer (SQLite's convention).
    score: float
    # The incident's confirmed hypotheses: its root cause as found at the time.
    confirmed_hypotheses: tuple[str, ...] = ()
    # The post-mortem's Root Cause and Resolution and Recovery sections, when written.
    root_cause: str = ""
    resolution: str = ""
