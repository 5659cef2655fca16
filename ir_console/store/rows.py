"""Conversions between database rows (dicts) and model objects."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ir_console.model import (
    ActionItem,
    ActionItemStatus,
    ContainmentAction,
    ContainmentState,
    EventKind,
    EventRevision,
    EventSource,
    Hypothesis,
    HypothesisResult,
    Incident,
    Milestone,
    Phase,
    Priority,
    Role,
    Severity,
    Status,
    StatusUpdate,
    TimelineEvent,
    Triage,
)
from ir_console.model.clock import from_iso, parse_iso

if TYPE_CHECKING:
    from ir_console.model.postmortem import SectionRevision

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
        state_from=ContainmentState(row["state_from"]) if row.get("state_from") else None,
        state_to=ContainmentState(row["state_to"]) if row.get("state_to") else None,
    )


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
    # Imported here: `ir-console log` reads incidents and writes events through this module, and
    # the post-mortem's dataclasses are no part of that.
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
