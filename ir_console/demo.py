"""A realistic incident with fixed times, for screenshots, snapshot tests and trying the console."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from ir_console.model import (
    ContainmentState,
    EventKind,
    HypothesisResult,
    Incident,
    Milestone,
    Role,
    Severity,
    Status,
    Triage,
)
from ir_console.signals.resources import ResourceSample
from ir_console.store import Store

DEMO_START = datetime(2026, 11, 27, 3, 2, 0, tzinfo=timezone.utc)


class SteppingClock:
    """A clock that moves forward by `step` each time it is read: fixed, yet ordered."""

    def __init__(self, start: datetime = DEMO_START, step: timedelta = timedelta(seconds=41)) -> None:
        self.now = start
        self.step = step

    def __call__(self) -> datetime:
        current = self.now
        self.now += self.step
        return current


class FixedClock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


class FixedSampler:
    """System figures that do not change, so screenshots are the same on every machine."""

    def __init__(self) -> None:
        self.readings = iter([])

    def sample(self) -> ResourceSample:
        return ResourceSample(
            cpu_percent=93.5, memory_percent=78.2, swap_percent=4.0, disk_percent=61.0,
            load_average=(3.92, 2.41, 1.10), cpu_count=2,
        )


def build_demo(store: Store) -> Incident:
    """Checkout 500s after a deploy: triage, containment under way, one hypothesis confirmed."""
    store.clock = SteppingClock()
    incident = store.create_incident(
        "Checkout API returning 500s", Severity.SEV1,
        triage=Triage(reporter="PagerDuty: checkout-5xx alert", happening="30% of POST /checkout fail with 500",
                      affected="All users paying by card", changed="Deploy v2.41.0 of payments-svc at 02:55"),
        detected_at=DEMO_START - timedelta(minutes=3), author="pager",
    )
    store.set_milestone(incident.id, Milestone.IMPACT_STARTED, DEMO_START - timedelta(minutes=7), author="dana")
    store.set_role(incident.id, Role.COMMANDER, "dana", author="dana")
    store.set_role(incident.id, Role.SCRIBE, "lee", author="dana")
    store.add_event(incident.id, "5xx rate at 31% on checkout dashboard", kind=EventKind.ALERT, author="lee",
                    key_moment=True)
    store.add_event(incident.id, "Error log: [payments] connection pool exhausted (max=20)",
                    kind=EventKind.EVIDENCE, author="sam")
    store.add_event(incident.id, "Freeze deploys to payments-svc", kind=EventKind.DECISION, author="dana")
    likely = store.add_hypothesis(incident.id, "v2.41.0 leaks DB connections on card retries",
                                  evidence_for="Pool exhausted since 02:56; deploy at 02:55",
                                  evidence_against="Staging soak test passed", test="Roll back one canary pod",
                                  author="sam")
    store.add_hypothesis(incident.id, "Database primary is degraded", evidence_against="DB latency normal",
                         test="pg_isready and slow query log", author="sam")
    rollback = store.containment(incident.id)[0]
    store.set_containment_state(rollback.id, ContainmentState.IN_PROGRESS, author="sam")
    store.set_status(incident.id, Status.IDENTIFIED, author="dana")
    store.set_hypothesis_result(likely.id, HypothesisResult.CONFIRMED, author="sam")
    store.set_containment_state(rollback.id, ContainmentState.DONE, author="sam")
    store.add_event(incident.id, "Error rate back under 1% after rollback", kind=EventKind.ACTION, author="sam")
    return store.incident(incident.id)
