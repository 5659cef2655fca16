"""Conversions between database rows (dicts) and model objects."""

from __future__ import annotations

import re

from ir_console.model.clock import from_iso, parse_iso
from ir_console.model.incident import Incident, Milestone, Phase, Role, Status, Triage
from ir_console.model.severity import Severity
from ir_console.model.timeline import EventKind, EventRevision, EventSource, TimelineEvent

# The work items' and the post-mortem's classes are imported by the functions that build them:
# `ir-console log` (one process per alert) converts incidents and events only.
TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (see model/__init__.py)
if TYPE_CHECKING:
    from typing import Any

    from ir_console.model.postmortem import SectionRevision
    from ir_console.model.work import ActionItem, ContainmentAction, ContainmentState, Hypothesis, StatusUpdate

LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def storable(text: str | None) -> str:
    """Text as SQLite can hold it: UTF-8 has no lone surrogates, so they become U+FFFD."""
    if not text:
        return ""
    return LONE_SURROGATE.sub("\ufffd", text)


def milestone_column(milestone: Milestone) -> str:
    return f"{milestone.value}_at"


def incident_from_row(row: dict[str, Any]) -> Incident:
    return Incident(
        id=row["id"],
        ref=row["ref"],
        uuid=row["uuid"],
        title=row["title"],
        severity=Severity(row["severity"]),
        status=Status(row["status"]),
        phase=Phase(row["phase"]),
        triage=Triage(
            reporter=row["reporter"] or "",
            happening=row["happening"] or "",
            affected=row["affected"] or "",
            changed=row["changed"] or "",
        ),
        roles={role: row[role.value] for role in Role if row[role.value]},
        milestones={
            milestone: parse_iso(row[milestone_column(milestone)])
            for milestone in Milestone
            if row[milestone_column(milestone)]
        },
        created_at=from_iso(row["created_at"]),
        updated_at=from_iso(row["updated_at"]),
    )


def event_from_row(row: dict[str, Any]) -> TimelineEvent:
    return TimelineEvent(
        id=row["id"],
        uuid=row["uuid"],
        incident_id=row["incident_id"],
        occurred_at=parse_iso(row["occurred_at"]),
        recorded_at=parse_iso(row["recorded_at"]),
        kind=EventKind(row["kind"]),
        text=row["text"],
        author=row["author"] or "",
        source=EventSource(row["source"]),
        key_moment=bool(row["key_moment"]),
        revision=row["revision"],
        edited_at=from_iso(row["edited_at"]),
        retracted_at=from_iso(row["retracted_at"]),
        retracted_by=row["retracted_by"] or "",
        retraction_reason=row["retraction_reason"] or "",
        milestone=Milestone(row["milestone"]) if row.get("milestone") else None,
        containment_uuid=row.get("containment_uuid") or "",
        state_from=containment_state(row.get("state_from")),
        state_to=containment_state(row.get("state_to")),
    )


def containment_state(value: str | None) -> ContainmentState | None:
    """A containment event's state change (None for every other event)."""
    if not value:
        return None
    from ir_console.model.work import ContainmentState

    return ContainmentState(value)


def revision_from_row(row: dict[str, Any]) -> EventRevision:
    return EventRevision(
        event_id=row["event_id"],
        revision=row["revision"],
        occurred_at=parse_iso(row["occurred_at"]),
        kind=EventKind(row["kind"]),
        text=row["text"],
        key_moment=bool(row["key_moment"]),
        replaced_at=parse_iso(row["replaced_at"]),
        replaced_by=row["replaced_by"] or "",
    )


def hypothesis_from_row(row: dict[str, Any]) -> Hypothesis:
    from ir_console.model.work import Hypothesis, HypothesisResult

    return Hypothesis(
        id=row["id"],
        uuid=row["uuid"],
        incident_id=row["incident_id"],
        statement=row["statement"],
        evidence_for=row["evidence_for"] or "",
        evidence_against=row["evidence_against"] or "",
        test=row["test"] or "",
        result=HypothesisResult(row["result"]),
        rank=row["rank"],
        author=row["author"] or "",
        created_at=from_iso(row["created_at"]),
        updated_at=from_iso(row["updated_at"]),
        number=row.get("number") or row["rank"],
    )


def containment_from_row(row: dict[str, Any]) -> ContainmentAction:
    from ir_console.model.work import ContainmentAction, ContainmentState

    return ContainmentAction(
        id=row["id"],
        uuid=row["uuid"],
        incident_id=row["incident_id"],
        action=row["action"],
        when_to_use=row["when_to_use"] or "",
        custom=bool(row["custom"]),
        state=ContainmentState(row["state"]),
        position=row["position"],
        changed_by=row["changed_by"] or "",
        changed_at=from_iso(row["changed_at"]),
        detail=row.get("detail") or "",
        owner=row.get("owner") or "",
    )


def status_update_from_row(row: dict[str, Any]) -> StatusUpdate:
    from ir_console.model.work import StatusUpdate

    return StatusUpdate(
        id=row["id"],
        uuid=row["uuid"],
        incident_id=row["incident_id"],
        status=row["status"] or "",
        impact=row["impact"] or "",
        current_action=row["current_action"] or "",
        eta=row["eta"] or "",
        next_update=row["next_update"] or "",
        text=row["text"],
        format=row["format"] or "markdown",
        sent_at=parse_iso(row["sent_at"]),
        author=row["author"] or "",
    )


def action_item_from_row(row: dict[str, Any]) -> ActionItem:
    from ir_console.model.work import ActionItem, ActionItemStatus, Priority

    return ActionItem(
        id=row["id"],
        uuid=row["uuid"],
        incident_id=row["incident_id"],
        action=row["action"],
        owner=row["owner"] or "",
        due_date=row["due_date"] or "",
        priority=Priority(row["priority"]),
        status=ActionItemStatus(row["status"]),
        created_at=from_iso(row["created_at"]),
        updated_at=from_iso(row["updated_at"]),
    )


def section_revision_from_row(row: dict[str, Any]) -> SectionRevision:
    from ir_console.model.postmortem import Section, SectionRevision

    return SectionRevision(
        section=Section(row["section"]),
        revision=row["revision"],
        body=row["body"] or "",
        written_by=row["written_by"] or "",
        written_at=from_iso(row["written_at"]),
        replaced_by=row["replaced_by"] or "",
        replaced_at=parse_iso(row["replaced_at"]),
        reason=row["reason"],
    )
