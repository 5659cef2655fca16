"""The post-mortem as Markdown: the seed's template, in its order, filled from the record.

Sections someone wrote are used as written; the rest are drafted from what the console recorded
(`draft_sections`, which the post-mortem editor also prefills its text boxes with), and a section
with nothing to go on says that it has not been written yet. After the seed's sections come the
console's own: detection, resolution and recovery, where we got lucky, then what the record holds
(metrics, responders, the hypothesis log, containment actions, status updates).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ir_console.model import (
    METRICS,
    ContainmentAction,
    ContainmentState,
    EventKind,
    IncidentRecord,
    Milestone,
    Role,
    Section,
    TimelineEvent,
)
from ir_console.model.clock import format_duration, to_iso
from ir_console.model.postmortem import SEED_HEADINGS
from ir_console.model.record import ALERTS_LISTED
from ir_console.render.text import md_block, md_cell, md_inline, one_line

NOT_WRITTEN = "_Not written yet._"
# The seed's containment phase: "minutes 5-15, stop the bleeding".
CONTAINMENT_WINDOW = timedelta(minutes=15)
# Alerts listed in the drafted Detection section; the timeline has the rest.
MAX_ALERTS = ALERTS_LISTED

# The console's written sections beyond the seed's template, in the order they are exported.
FURTHER_SECTIONS = (Section.DETECTION, Section.RESOLUTION_RECOVERY, Section.LUCKY)
# Every heading of the export, in order: the seed's, then the console's.
EXPORT_HEADINGS = (
    *SEED_HEADINGS,
    *(section.heading for section in FURTHER_SECTIONS),
    "Metrics",
    "Responders and Roles",
    "Hypothesis Log",
    "Containment Actions",
    "Status Updates Sent",
)


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


# -- what someone wrote, or else the draft ----------------------------------------------------------


def written(record: IncidentRecord, section: Section) -> str:
    """The section as someone wrote it ("" when nobody did, or they cleared it)."""
    return record.sections.get(section, "").strip()


def section_body(record: IncidentRecord, section: Section, drafts: dict[Section, str]) -> str:
    return md_block(written(record, section)) or drafts.get(section, "") or NOT_WRITTEN


def author_line(record: IncidentRecord, drafts: dict[Section, str]) -> str:
    """The author is a name, not Markdown: escaped like any other user text."""
    return md_inline(written(record, Section.AUTHOR) or drafts[Section.AUTHOR]) or NOT_WRITTEN


def draft_sections(record: IncidentRecord) -> dict[Section, str]:
    """Every written section as the record alone would draft it: Markdown a person can edit.

    "" where the record has nothing to go on. The author is a plain name (the commander), not
    Markdown; every other draft is Markdown with the user text in it escaped.
    """
    return {
        Section.SUMMARY: draft_summary(record),
        Section.ROOT_CAUSE: draft_root_cause(record),
        Section.IMPACT: draft_impact(record),
        Section.WENT_WELL: "\n".join(line for met, line in timing_notes(record) if met),
        Section.WENT_WRONG: "\n".join(line for met, line in timing_notes(record) if not met),
        Section.LESSONS: "",
        Section.AUTHOR: one_line(record.incident.role(Role.COMMANDER)),
        Section.DETECTION: draft_detection(record),
        Section.RESOLUTION_RECOVERY: draft_resolution(record),
        Section.LUCKY: "",
    }


def postmortem_markdown(record: IncidentRecord) -> str:
    incident = record.incident
    drafts = draft_sections(record)

    def written_section(section: Section) -> list[str]:
        return [f"## {section.heading}", "", section_body(record, section, drafts), ""]

    parts = [
        f"# Post-Mortem: {md_inline(incident.title)}",
        "",
        f"**Incident:** {md_inline(incident.ref)}  ",
        f"**Date:** {incident.started_at:%Y-%m-%d}  " if incident.started_at else "**Date:** unknown  ",
        f"**Duration:** {duration_line(record)}  ",
        f"**Severity:** {incident.severity.label}  ",
        f"**Status:** {incident.status.value}  ",
        f"**Author:** {author_line(record, drafts)}",
        "",
        *written_section(Section.SUMMARY),
        "## Timeline",
        "",
        *timeline_table(record),
        "",
        *written_section(Section.ROOT_CAUSE),
        *written_section(Section.IMPACT),
        *written_section(Section.WENT_WELL),
        *written_section(Section.WENT_WRONG),
        "## Action Items",
        "",
        *action_items_table(record),
        "",
        *written_section(Section.LESSONS),
        *(line for section in FURTHER_SECTIONS for line in written_section(section)),
        "## Metrics",
        "",
        *metrics_table(record),
        "",
        "## Responders and Roles",
        "",
        *responders_table(record),
        "",
        "## Hypothesis Log",
        "",
        *hypothesis_log(record),
        "",
        "## Containment Actions",
        "",
        *containment_table(record),
        "",
        "## Status Updates Sent",
        "",
        *status_updates_table(record),
    ]
    return "\n".join(parts).rstrip() + "\n"


def duration_line(record: IncidentRecord) -> str:
    """From when the incident started (`Incident.started_at`) to resolved: the header's figure."""
    start, end = record.incident.started_at, record.incident.milestones.get(Milestone.RESOLVED)
    if not start:
        return "unknown"
    if not end:
        return f"{hhmm(start)} to (not resolved yet)"
    return f"{hhmm(start)} to {hhmm(end)} ({minutes(record.resolved_duration)})"


# -- drafts -------------------------------------------------------------------------------------------


def draft_summary(record: IncidentRecord) -> str:
    incident, triage = record.incident, record.incident.triage
    sentences = []
    if triage.happening:
        sentences.append(md_inline(triage.happening.rstrip(".")) + ".")
    if triage.affected:
        sentences.append(f"Affected: {md_inline(triage.affected.rstrip('.'))}.")
    if not sentences:
        return ""
    causes = "; ".join(md_inline(h.statement.rstrip(".")) for h in record.confirmed_hypotheses)
    if causes:
        sentences.append(f"Root cause: {causes}.")
    if record.resolved_duration is not None:
        sentences.append(f"{incident.severity.label}, resolved after {minutes(record.resolved_duration)}.")
    else:
        sentences.append(f"{incident.severity.label}, {incident.status.value.lower()}, not resolved yet.")
    return " ".join(sentences)


def draft_root_cause(record: IncidentRecord) -> str:
    lines = []
    for hypothesis in record.confirmed_hypotheses:
        lines.append(f"- {md_inline(hypothesis.statement)}")
        if hypothesis.evidence_for.strip():
            lines.append(f"  - Evidence: {md_inline(hypothesis.evidence_for)}")
        if hypothesis.test.strip():
            lines.append(f"  - Confirmed by: {md_inline(hypothesis.test)}")
    return "\n".join(lines)


def draft_impact(record: IncidentRecord) -> str:
    triage = record.incident.triage
    span = record.resolved_duration
    if not triage.affected and span is None:
        return ""
    duration = minutes(span) if span is not None else "unknown (not resolved yet)"
    return "\n".join(
        [
            f"- Users affected: {md_inline(triage.affected) or 'not recorded'}",
            f"- Duration: {duration}",
            "- Revenue impact: not recorded",
            "- Data affected: not recorded",
        ]
    )


def timing_notes(record: IncidentRecord) -> list[tuple[bool, str]]:
    """The seed's clocks, met or missed: the response time and containment by minute 15."""
    incident = record.incident
    detected = incident.detected_at
    if detected is None:
        return []
    notes = []
    info = incident.severity.info
    acknowledged = incident.milestones.get(Milestone.ACKNOWLEDGED)
    if acknowledged is not None:
        span = acknowledged - detected
        met = span <= info.response_target
        notes.append(
            (
                met,
                f"- Acknowledged {format_duration(span, precise=True)} after detection: "
                f"{'within' if met else 'outside'} the {incident.severity.label} response time "
                f"({info.response_time}).",
            )
        )
    first = first_containment_done(record)
    if first is not None:
        notes.append(containment_note(first, detected))
    return notes


def first_containment_done(record: IncidentRecord) -> ContainmentAction | None:
    """The containment action done earliest, by the (possibly back-dated) time of its change to done."""
    done = [(a, a.changed_at) for a in record.containment if a.state is ContainmentState.DONE and a.changed_at]
    return min(done, key=lambda pair: pair[1])[0] if done else None


def containment_note(first: ContainmentAction, detected: datetime) -> tuple[bool, str]:
    """The first containment action against the 15-minute window; one done before the incident
    was detected (a rollback already under way) says so rather than a negative span."""
    assert first.changed_at is not None, "a containment action done has the time it was done"
    span = first.changed_at - detected
    action = md_inline(first.action)
    if span < timedelta(0):
        return True, (
            f"- First containment action done before detection ({action}, {hhmm(first.changed_at)}): "
            f"already under way when the incident was detected."
        )
    met = span <= CONTAINMENT_WINDOW
    return met, (
        f"- First containment action done {format_duration(span, precise=True)} after detection ({action}): "
        f"{'within' if met else 'after'} the 15-minute containment window."
    )


def draft_detection(record: IncidentRecord) -> str:
    incident, triage = record.incident, record.incident.triage
    lines = []
    if incident.detected_at:
        reporter = f", reported by {md_inline(triage.reporter)}" if triage.reporter.strip() else ""
        lines.append(f"- Detected {hhmm(incident.detected_at)}{reporter}.")
    impact_started = incident.milestones.get(Milestone.IMPACT_STARTED)
    to_detect = record.metric(METRICS[0])
    if impact_started and to_detect is not None:
        lines.append(
            f"- Impact started {hhmm(impact_started)}: time to detect {format_duration(to_detect, precise=True)}."
        )
    if triage.happening.strip():
        lines.append(f"- Symptoms at triage: {md_inline(triage.happening)}")
    if triage.changed.strip():
        lines.append(f"- What had changed recently: {md_inline(triage.changed)}")
    alerts, standing = record.alerts, record.alerts_standing
    if alerts:
        lines.append("- Alerts on the timeline:")
        lines += [f"  - {hhmm(e.occurred_at)}: {md_inline(e.text)}" for e in alerts[:MAX_ALERTS]]
        if standing > MAX_ALERTS:
            lines.append(f"  - and {standing - MAX_ALERTS} more")
    return "\n".join(lines)


def draft_resolution(record: IncidentRecord) -> str:
    milestones = record.incident.milestones
    lines = []
    taken = [a for a in record.containment if a.state in (ContainmentState.IN_PROGRESS, ContainmentState.DONE)]
    if taken:
        lines.append("- Containment:")
        for action in taken:
            by = f" by {md_inline(action.changed_by)}" if action.changed_by.strip() else ""
            when = f" at {hhmm(action.changed_at)}" if action.changed_at else ""
            detail = f" — {md_inline(action.detail)}" if action.detail.strip() else ""
            owner = f" (owner: {md_inline(action.owner)})" if action.owner.strip() else ""
            lines.append(f"  - {md_inline(action.action)}: {action.state.label}{by}{when}{detail}{owner}")
    for milestone, metric in (
        (Milestone.IDENTIFIED, None),
        (Milestone.MITIGATED, METRICS[2]),
        (Milestone.RESOLVED, METRICS[3]),
    ):
        moment = milestones.get(milestone)
        if moment is None:
            continue
        span = record.metric(metric) if metric else None
        measured = (
            f" ({metric.name.lower()} {format_duration(span, precise=True)})" if metric and span is not None else ""
        )
        lines.append(f"- {milestone.description} {hhmm(moment)}{measured}.")
    return "\n".join(lines)


# -- what the record holds, generated -------------------------------------------------------------


def milestone_of(event: TimelineEvent) -> Milestone | None:
    """The milestone an event records (`events.milestone`): the two are one record."""
    return event.milestone


def superseded(event: TimelineEvent) -> bool:
    """A milestone event written before events recorded their milestone, that no longer does
    (the milestone was set again or cleared): its text is a milestone's, its link is missing."""
    if event.kind is not EventKind.MILESTONE or event.milestone is not None:
        return False
    return any(
        event.text == m.description or event.text.startswith((m.description + " ", m.description + ":"))
        for m in Milestone
    )


def timeline_events(record: IncidentRecord) -> list[TimelineEvent]:
    """Key moments, with each milestone shown once, at the time it holds now: a milestone's event
    moves when it is corrected and is retracted when it is cleared."""
    shown = []
    for event in record.key_events:
        milestone = milestone_of(event)
        if superseded(event) or (
            milestone is not None and record.incident.milestones.get(milestone) != event.occurred_at
        ):
            continue
        shown.append(event)
    return shown


def timeline_table(record: IncidentRecord) -> list[str]:
    rows = [[md_cell(hhmm(event.occurred_at)), md_cell(event.text)] for event in timeline_events(record)]
    if not rows:
        return [NOT_WRITTEN + " No key moments were recorded."]
    return table(["Time", "Event"], rows)


def action_items_table(record: IncidentRecord) -> list[str]:
    if not record.action_items:
        return [NOT_WRITTEN + " No action items were recorded."]
    rows = [[md_cell(i.action), md_cell(i.owner), md_cell(i.due_date), i.priority.value] for i in record.action_items]
    return table(["Action", "Owner", "Due Date", "Priority"], rows, ["--------", "-------", "----------", ":--------:"])


def metrics_table(record: IncidentRecord) -> list[str]:
    rows = []
    for metric in METRICS:
        span = record.metric(metric)
        start, end = (record.incident.milestones.get(m) for m in (metric.start, metric.end))
        rows.append(
            [
                metric.name,
                format_duration(span, precise=True) if span is not None else "—",
                metric.definition,
                to_iso(start) if start else "—",
                to_iso(end) if end else "—",
            ]
        )
    return table(["Metric", "Value", "Definition", "From", "To"], rows)


def responders(record: IncidentRecord) -> list[tuple[str, str]]:
    """(role, name): the roles assigned, then everyone else who wrote on the record, in order of appearance."""
    named = [(role.label, record.incident.role(role)) for role in Role if record.incident.role(role).strip()]
    seen = {name for _, name in named}
    others = []
    writers = [e.author for e in record.events] + [h.author for h in record.hypotheses]
    writers += [a.changed_by for a in record.containment] + [u.author for u in record.status_updates]
    for name in writers:
        if name.strip() and name not in seen:
            seen.add(name)
            others.append(("Responder", name))
    return named + others


def responders_table(record: IncidentRecord) -> list[str]:
    rows = [[role, md_cell(name)] for role, name in responders(record)]
    return table(["Role", "Name"], rows) if rows else [NOT_WRITTEN + " No roles were assigned."]


def hypothesis_log(record: IncidentRecord) -> list[str]:
    """The seed's debugging log in rank order, each hypothesis under the number it was given (H2)."""
    if not record.hypotheses:
        return ["No hypotheses were recorded."]
    lines: list[str] = []
    for hypothesis in record.hypotheses:
        lines += [
            f"### {hypothesis.label}: {md_inline(hypothesis.statement)}",
            "",
            f"- Evidence for: {md_inline(hypothesis.evidence_for) or '—'}",
            f"- Evidence against: {md_inline(hypothesis.evidence_against) or '—'}",
            f"- Test: {md_inline(hypothesis.test) or '—'}",
            f"- Result: {hypothesis.result.value}",
            "",
        ]
    return lines[:-1]


def containment_table(record: IncidentRecord) -> list[str]:
    """The actions taken (or ruled out); the ones still pending were not."""
    rows = [
        [
            md_cell(a.action),
            a.state.label,
            md_cell(a.detail),
            md_cell(a.owner),
            hhmm(a.changed_at) if a.changed_at else "—",
        ]
        for a in record.containment
        if a.state is not ContainmentState.PENDING
    ]
    return (
        table(["Action", "State", "Detail", "Owner", "When"], rows) if rows else ["No containment actions were taken."]
    )


def status_updates_table(record: IncidentRecord) -> list[str]:
    rows = [[hhmm(u.sent_at), md_cell(u.status), md_cell(u.text)] for u in record.status_updates]
    return table(["Sent", "Status", "Text"], rows) if rows else ["No status updates were sent."]
