"""What a health check found, apart from the checker: the watches, the panes and the demo read
these without importing httpx (~60 ms at start-up, only needed once a check is configured)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum


class HealthState(str, Enum):
    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"


@dataclass(frozen=True)
class HealthResult:
    name: str
    kind: str  # "http" or "tcp"
    target: str  # what is checked, for display: "GET https://host/health" or "db.internal:5432"
    state: HealthState
    status_code: int | None  # HTTP only
    latency: float | None  # seconds, when an answer came
    reason: str  # one line, for a person: "HTTP 500 (expected 200)", "connection refused"
    checked_at: datetime  # aware UTC, from the checker's clock
    since: datetime  # when this endpoint entered its current state
