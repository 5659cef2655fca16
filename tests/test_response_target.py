"""The header's response target tells the truth once the incident is resolved (#11 follow-up)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ir_console.model import Milestone, Severity, Status
from ir_console.render.deadlines import response_target

DETECTED = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


def test_a_resolved_incident_never_acknowledged_counts_nothing_down(store) -> None:
    incident = store.create_incident("Search slow", Severity.SEV2, detected_at=DETECTED)
    store.set_status(incident.id, Status.RESOLVED, at=DETECTED + timedelta(minutes=20))
    resolved = store.incident(incident.id)
    assert Milestone.ACKNOWLEDGED not in resolved.milestones
    # Five minutes after resolving, inside the 30-minute target: no "10m left" on a closed matter.
    shortly = response_target(resolved, DETECTED + timedelta(minutes=25))
    assert (shortly.text, shortly.state) == ("response < 30 min: never acknowledged", "ok")
    # A day later it reads the same: nothing "missed by 1d" grows on a resolved record.
    assert response_target(resolved, DETECTED + timedelta(days=1)).text == shortly.text


def test_resolved_after_the_target_without_acknowledgement_is_late(store) -> None:
    incident = store.create_incident("Search slow", Severity.SEV2, detected_at=DETECTED)
    store.set_status(incident.id, Status.RESOLVED, at=DETECTED + timedelta(hours=2))
    deadline = response_target(store.incident(incident.id), DETECTED + timedelta(hours=3), short=True)
    assert (deadline.text, deadline.state) == ("resp: never acknowledged", "late")


def test_an_open_incident_still_counts_down_and_an_acknowledged_one_says_met(store) -> None:
    incident = store.create_incident("Search slow", Severity.SEV2, detected_at=DETECTED)
    assert response_target(store.incident(incident.id), DETECTED + timedelta(minutes=10)).text.endswith("20m 00s left")
    store.set_milestones(incident.id, {Milestone.ACKNOWLEDGED: DETECTED + timedelta(minutes=12)})
    assert response_target(store.incident(incident.id), DETECTED + timedelta(hours=5)).text.endswith(": met")
