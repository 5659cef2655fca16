"""The domain: plain dataclasses and enums for the incident workflow. No I/O, no Textual.

The names below are imported from their modules when first asked for (PEP 562): `ir-console
log`, one process per alert, uses the incident and its timeline, and building the other modules'
dataclasses (the post-mortem, the record, the archive) would cost it more than its own work.
`from ir_console.model import Incident` works as before.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing, which `ir-console log` need not load
if TYPE_CHECKING:
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

# Each name and the module of ours that defines it.
_HOME = {
    "format_duration": "clock",
    "parse_iso": "clock",
    "to_iso": "clock",
    "utc_now": "clock",
    "Incident": "incident",
    "Milestone": "incident",
    "Phase": "incident",
    "Role": "incident",
    "Status": "incident",
    "Triage": "incident",
    "PostMortemSection": "postmortem",
    "Section": "postmortem",
    "METRICS": "record",
    "IncidentRecord": "record",
    "Metric": "record",
    "SEVERITY_TABLE": "severity",
    "Severity": "severity",
    "SeverityInfo": "severity",
    "ENTRY_KINDS": "timeline",
    "EventKind": "timeline",
    "EventRevision": "timeline",
    "EventSource": "timeline",
    "TimelineEvent": "timeline",
    "TimelineFilter": "timeline",
    "SEED_CONTAINMENT": "work",
    "ActionItem": "work",
    "ActionItemStatus": "work",
    "ContainmentAction": "work",
    "ContainmentState": "work",
    "Hypothesis": "work",
    "HypothesisResult": "work",
    "Priority": "work",
    "StatusUpdate": "work",
}


def __getattr__(name: str) -> object:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    # __import__ rather than importlib.import_module: the same import, and `python -X importtime`
    # (which tests/test_log_command.py reads) lists only what comes through __import__.
    value = getattr(__import__(f"{__name__}.{home}", fromlist=[name]), name)
    globals()[name] = value  # asked once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOME})


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
