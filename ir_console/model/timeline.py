"""Timeline events: the complete, append-only record of an incident."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (see model/__init__.py)
if TYPE_CHECKING:  # in annotations only: the work items' module is not needed to log an entry
    from ir_console.model.incident import Milestone
    from ir_console.model.work import ContainmentState


class EventKind(str, Enum):
    NOTE = "note"
    ALERT = "alert"
    ACTION = "action"
    DECISION = "decision"
    STATUS_CHANGE = "status_change"
    SEVERITY_CHANGE = "severity_change"
    HYPOTHESIS = "hypothesis"
    CONTAINMENT = "containment"
    STATUS_UPDATE = "status_update"
    SIGNAL = "signal"
    EVIDENCE = "evidence"
    # Milestones, roles and triage edits are changes of state too; they get kinds of their own
    # so that the post-mortem timeline can pick them out.
    MILESTONE = "milestone"
    ROLE = "role"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")

    @classmethod
    def parse(cls, value: str) -> EventKind:
        key = value.strip().lower().replace("-", "_").replace(" ", "_")
        try:
            return cls(key)
        except ValueError:
            choices = ", ".join(k.value for k in cls)
            raise ValueError(f"kind must be one of {choices} (got {value!r})") from None


# Kinds a person types on the timeline; the others are written by the console itself.
ENTRY_KINDS = (
    EventKind.NOTE,
    EventKind.ALERT,
    EventKind.ACTION,
    EventKind.DECISION,
    EventKind.EVIDENCE,
)


class TimelineFilter(str, Enum):
    """Which events the timeline pane shows; the record always holds them all."""

    ALL = "all events"
    NO_SIGNALS = "without signals"
    KEY_MOMENTS = "key moments only"

    def next(self) -> TimelineFilter:
        members = list(TimelineFilter)
        return members[(members.index(self) + 1) % len(members)]

    def includes(self, event: TimelineEvent) -> bool:
        """Whether the pane shows `event` (the store's EVENT_FILTERS say the same in SQL)."""
        if self is TimelineFilter.NO_SIGNALS:
            return event.kind != EventKind.SIGNAL
        if self is TimelineFilter.KEY_MOMENTS:
            return event.key_moment
        return True


class EventSource(str, Enum):
    CONSOLE = "console"
    CLI = "cli"
    SIGNAL = "signal"
    IMPORT = "import"


@dataclass
class TimelineEvent:
    id: int
    uuid: str
    incident_id: int
    occurred_at: datetime
    recorded_at: datetime
    kind: EventKind
    text: str
    author: str
    source: EventSource
    key_moment: bool = False
    revision: int = 1
    edited_at: datetime | None = None
    retracted_at: datetime | None = None
    retracted_by: str = ""
    retraction_reason: str = ""
    # The milestone this event records: correcting either moves the other.
    milestone: Milestone | None = None
    # A containment item's change of state: which item (its UUID) and from what to what.
    containment_uuid: str = ""
    state_from: ContainmentState | None = None
    state_to: ContainmentState | None = None

    @property
    def is_retracted(self) -> bool:
        return self.retracted_at is not None

    @property
    def is_backfilled(self) -> bool:
        return (self.recorded_at - self.occurred_at).total_seconds() > 60


@dataclass
class EventRevision:
    """An earlier version of an event, kept when the event is edited."""

    event_id: int
    revision: int
    occurred_at: datetime
    kind: EventKind
    text: str
    key_moment: bool
    replaced_at: datetime
    replaced_by: str
