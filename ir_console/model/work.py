"""What responders work through: hypotheses, containment actions, status updates, action items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum


class HypothesisResult(str, Enum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"

    @classmethod
    def parse(cls, value: str) -> HypothesisResult:
        try:
            return cls(value.strip().lower())
        except ValueError:
            raise ValueError(f"result must be open, confirmed or rejected (got {value!r})") from None


@dataclass
class Hypothesis:
    id: int
    uuid: str
    incident_id: int
    statement: str
    evidence_for: str = ""
    evidence_against: str = ""
    test: str = ""
    result: HypothesisResult = HypothesisResult.OPEN
    rank: int = 1
    author: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    # Given when it is written and never changed: re-ranking moves `rank`, not the name.
    number: int = 0

    @property
    def label(self) -> str:
        """`H3`: how the timeline and the post-mortem name it."""
        return f"H{self.number}"


class ContainmentState(str, Enum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    NOT_APPLICABLE = "not_applicable"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")

    @property
    def next(self) -> ContainmentState:
        """The state `space` moves an item to: pending -> in progress -> done -> pending, like a
        checkbox; n/a -> pending. Never through done to n/a: "not applicable" is a decision of its
        own (its own key), and passing through done would record a false "done"."""
        return NEXT_STATE[self]

    @property
    def is_taken(self) -> bool:
        """In progress or done: a step someone took (what a status update and the post-mortem report)."""
        return self in (ContainmentState.IN_PROGRESS, ContainmentState.DONE)

    @classmethod
    def parse(cls, value: str) -> ContainmentState:
        key = value.strip().lower().replace(" ", "_").replace("-", "_")
        if key in ("n/a", "na"):
            return cls.NOT_APPLICABLE
        try:
            return cls(key)
        except ValueError:
            raise ValueError(f"state must be pending, in_progress, done or not_applicable (got {value!r})") from None


NEXT_STATE = {
    ContainmentState.PENDING: ContainmentState.IN_PROGRESS,
    ContainmentState.IN_PROGRESS: ContainmentState.DONE,
    ContainmentState.DONE: ContainmentState.PENDING,
    ContainmentState.NOT_APPLICABLE: ContainmentState.PENDING,
}


@dataclass(frozen=True)
class ContainmentTemplate:
    action: str
    when_to_use: str


# The seed's Phase 2 table; every new incident gets one checklist item for each.
SEED_CONTAINMENT = (
    ContainmentTemplate("Rollback deployment", "Problem started after a deploy"),
    ContainmentTemplate("Feature flag disable", "New feature causing issues"),
    ContainmentTemplate("Scale up", "Traffic/load related"),
    ContainmentTemplate("Failover to backup", "Primary system unrecoverable"),
    ContainmentTemplate("Rate limit", "Being overwhelmed by requests"),
    ContainmentTemplate("Block bad actor", "Malicious traffic identified"),
)


@dataclass
class ContainmentAction:
    id: int
    uuid: str
    incident_id: int
    action: str
    when_to_use: str
    custom: bool
    state: ContainmentState
    position: int
    changed_by: str = ""
    changed_at: datetime | None = None
    # What was done (which flag, which version rolled back to) and who owns it.
    detail: str = ""
    owner: str = ""


@dataclass
class StatusUpdate:
    """One update sent to stakeholders: the seed's communication template and the exact text."""

    id: int
    uuid: str
    incident_id: int
    status: str
    impact: str
    current_action: str
    eta: str
    next_update: str
    text: str
    format: str
    sent_at: datetime
    author: str = ""


class Priority(str, Enum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"

    @classmethod
    def parse(cls, value: str) -> Priority:
        try:
            return cls(value.strip().upper())
        except ValueError:
            raise ValueError(f"priority must be P1, P2 or P3 (got {value!r})") from None


class ActionItemStatus(str, Enum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"


@dataclass
class ActionItem:
    id: int
    uuid: str
    incident_id: int
    action: str
    owner: str = ""
    due_date: str = ""
    priority: Priority = Priority.P2
    status: ActionItemStatus = ActionItemStatus.OPEN
    created_at: datetime | None = None
    updated_at: datetime | None = None
