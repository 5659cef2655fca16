"""The post-mortem as Markdown: the seed's template, in its order, filled from the record.

Sections someone wrote are used as written; the rest are drafted from what the console recorded,
and a section with nothing to go on says that it has not been written yet.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ir_console.model import METRICS, IncidentRecord, Milestone, Role, Section
from ir_console.model.clock import format_duration, to_iso
from ir_console.render.text import md_block, md_cell, md_inline

NOT_WRITTEN = "_Not written yet._"


def hhmm(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "—"


def minutes(span: timedelta | None) -> str:
    return f"{int(span.total_seconds() // 60)} minutes" if span is not None else "unknown"


def table(headers: list[str], rows: list[list[str]], align: list[str] | None = None) -> list[str]:
    """A GitHub-flavoured table; cells must already be escaped with `md_cell`."""
    align = align or ["---"] * len(headers)
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(cell or " " for cell in row) + " |" for row in rows]
    return lines


def written_or(record: IncidentRecord, section: Section, draft: str) -> str:
    body = md_block(record.sections.get(section, ""))
    return body or draft or NOT_WRITTEN


def postmortem_markdown(record: IncidentRecord) -> str:
    incident = record.incident
    parts = [
        f"# Post-Mortem: {md_inline(incident.title)}",
        "",
        f"**Incident:** {incident.ref}  ",
        f"**Date:** {record.started_at:%Y-%m-%d}  " if record.started_at else "**Date:** unknown  ",
        f"**Duration:** {duration_line(record)}  ",
        f"**Severity:** {incident.severity.label}  ",
        f"**Status:** {incident.status.value}  ",
        f"**Author:** {md_inline(record.sections.get(Section.AUTHOR, '')) or md_inline(incident.role(Role.COMMANDER)) or 'not written yet'}",
        "",
        "## Summary",
        "",
        written_or(record, Section.SUMMARY, draft_summary(record)),
        "",
        "## Timeline",
        "",
        *timeline_table(record),
        "",
        "## Root Cause",
        "",
        written_or(record, Section.ROOT_CAUSE, draft_root_cause(record)),
        "",
        "## Impact",
        "",
        written_or(record, Section.IMPACT, draft_impact(record)),
        "",
        "## What Went Well",
        "",
        written_or(record, Section.WENT_WELL, ""),
        "",
        "## What Went Wrong",
        "",
        written_or(record, Section.WENT_WRONG, ""),
        "",
        "## Action Items",
        "",
        *action_items_table(record),
        "",
        "## Lessons Learned",
        "",
        written_or(record, Section.LESSONS, ""),
        "",
        *appendix(record),
    ]
    return "\n".join(parts).rstrip() + "\n"


def duration_line(record: IncidentRecord) -> str:
    start, end = record.started_at, record.incident.milestones.get(Milestone.RESOLVED)
    if not start:
        return "unknown"
    if not end:
        return f"{hhmm(start)} to (not resolved yet)"
    return f"{hhmm(start)} to {hhmm(end)} ({minutes(record.duration)})"


def draft_summary(record: IncidentRecord) -> str:
    incident, triage = record.incident, record.incident.triage
    sentences = []
    if triage.happening:
        sentences.append(md_inline(triage.happening.rstrip(".")) + ".")
    if triage.affected:
        sentences.append(f"Affected: {md_inline(triage.affected.rstrip('.'))}.")
    if sentences:
        sentences.append(f"Classified {incident.severity.label}; status {incident.status.value}.")
    return " ".join(sentences)


def timeline_table(record: IncidentRecord) -> list[str]:
    rows = [[md_cell(hhmm(event.occurred_at)), md_cell(event.text)] for event in record.key_events]
    if not rows:
        return [NOT_WRITTEN + " No key moments were recorded."]
    return table(["Time", "Event"], rows)


def draft_root_cause(record: IncidentRecord) -> str:
    return "\n".join(f"- {md_inline(h.statement)}" for h in record.confirmed_hypotheses)


def draft_impact(record: IncidentRecord) -> str:
    triage = record.incident.triage
    if not triage.affected and record.duration is None:
        return ""
    return "\n".join([
        f"- Users affected: {md_inline(triage.affected) or 'not recorded'}",
        f"- Duration: {minutes(record.duration)}",
    ])


def action_items_table(record: IncidentRecord) -> list[str]:
    if not record.action_items:
        return [NOT_WRITTEN + " No action items were recorded."]
    rows = [[md_cell(i.action), md_cell(i.owner), md_cell(i.due_date), i.priority.value]
            for i in record.action_items]
    return table(["Action", "Owner", "Due Date", "Priority"], rows, ["--------", "-------", "----------", ":--------:"])


def appendix(record: IncidentRecord) -> list[str]:
    lines = ["## Metrics", ""]
    metric_rows = []
    for metric in METRICS:
        span = record.metric(metric)
        start, end = (record.incident.milestones.get(m) for m in (metric.start, metric.end))
        metric_rows.append([metric.name, format_duration(span) if span is not None else "—", metric.definition,
                            to_iso(start) if start else "—", to_iso(end) if end else "—"])
    lines += table(["Metric", "Value", "Definition", "From", "To"], metric_rows)
    lines += ["", "## Responders", ""]
    responders = [[role.label, md_cell(record.incident.role(role))] for role in Role if record.incident.role(role)]
    lines += table(["Role", "Name"], responders) if responders else [NOT_WRITTEN + " No roles were assigned."]
    lines += ["", "## Hypothesis Log", ""]
    for hypothesis in record.hypotheses:
        lines += [
            f"### Hypothesis {hypothesis.rank}: {md_inline(hypothesis.statement)}",
            "",
            f"- Evidence for: {md_inline(hypothesis.evidence_for) or '—'}",
            f"- Evidence against: {md_inline(hypothesis.evidence_against) or '—'}",
            f"- Test: {md_inline(hypothesis.test) or '—'}",
            f"- Result: {hypothesis.result.value}",
            "",
        ]
    if not record.hypotheses:
        lines += ["No hypotheses were recorded.", ""]
    lines += ["## Containment Actions", ""]
    containment = [[md_cell(a.action), a.state.label, md_cell(a.changed_by), hhmm(a.changed_at) if a.changed_at else "—"]
                   for a in record.containment]
    lines += table(["Action", "State", "By", "When"], containment) if containment else ["None."]
    lines += ["", "## Status Updates Sent", ""]
    updates = [[hhmm(u.sent_at), md_cell(u.text)] for u in record.status_updates]
    lines += table(["Sent", "Text"], updates) if updates else ["No status updates were sent."]
    return lines
