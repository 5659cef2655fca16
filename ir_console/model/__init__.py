"""The domain: plain dataclasses and enums for the incident workflow. No I/O, no Textual."""

from ir_console.model.clock import format_duration, parse_iso, to_iso, utc_now
from ir_console.model.incident import (
    Incident,
    Milestone,
    Phase,
    Role,
    Status,
    Triage,
)
from ir_console.model.postmortem import PostMortemSection, Section
from ir_console.model.record import METRICS, IncidentRecord, Metric
from ir_console.model.severity import SEVERITY_TABLE, Severity, SeverityInfo
from ir_console.model.timeline import (
    ENTRY_KINDS,
    EventKind,
    EventRevision,
    EventSource,
    TimelineEvent,
    TimelineFilter,
)
from ir_console.model.work import (
    SEED_CONTAINMENT,
    ActionItem,
    ActionItemStatus,
    ContainmentAction,
    ContainmentState,
    Hypothesis,
    HypothesisResult,
    Priority,
    StatusUpdate,
)

__all__ = [
    "ENTRY_KINDS",
    "METRICS",
    "TimelineFilter",
    "IncidentRecord",
    "Metric",
    "SEED_CONTAINMENT",
    "SEVERITY_TABLE",
    "ActionItem",
    "ActionItemStatus",
    "ContainmentAction",
    "ContainmentState",
    "EventKind",
    "EventRevision",
    "EventSource",
    "Hypothesis",
    "HypothesisResult",
    "Incident",
    "Milestone",
    "Phase",
    "PostMortemSection",
    "Priority",
    "Role",
    "Section",
    "Severity",
    "SeverityInfo",
    "Status",
    "StatusUpdate",
    "TimelineEvent",
    "Triage",
    "format_duration",
    "parse_iso",
    "to_iso",
    "utc_now",
]
