"""Statistics over past incidents: how many of each severity, and how long detecting,
acknowledging, mitigating and resolving took (mean and median, by severity and overall).

The measures are the post-mortem's (`model.record.METRICS`): an incident missing either milestone
of a measure is left out of that measure, and every figure says how many incidents it is drawn
from. Rendered as plain-text bar charts for a terminal, as Markdown tables and as JSON. Pure.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ir_console.model import METRICS, Metric, Severity
from ir_console.model.archive import IncidentSummary
from ir_console.model.clock import format_duration, to_iso
from ir_console.render.markdown import table
from ir_console.render.text import md_cell

# A full block and its eighths, widest first: a bar ends in a partial block.
BLOCKS = "█▉▊▋▌▍▎▏"
NO_DATA = "—"


@dataclass(frozen=True)
class MetricFigures:
    metric: Metric
    incidents: int  # how many incidents had both milestones
    mean: timedelta | None
    median: timedelta | None


@dataclass(frozen=True)
class GroupFigures:
    severity: Severity | None  # None: every severity together
    incidents: int
    metrics: tuple[MetricFigures, ...]

    @property
    def label(self) -> str:
        return self.severity.label if self.severity else "All"


@dataclass(frozen=True)
class ArchiveStats:
    since: datetime | None
    until: datetime | None
    by_severity: tuple[GroupFigures, ...]  # SEV-1 to SEV-4, each even when it has no incident
    overall: GroupFigures

    @property
    def groups(self) -> tuple[GroupFigures, ...]:
        return (*self.by_severity, self.overall)

    @property
    def window(self) -> str:
        """`all time`, `started since …`, `started before …` or `started from … to …`."""
        since = f"{self.since:%Y-%m-%d %H:%M} UTC" if self.since else ""
        until = f"{self.until:%Y-%m-%d %H:%M} UTC" if self.until else ""
        if since and until:
            return f"started from {since} to {until}"
        if since or until:
            return f"started since {since}" if since else f"started before {until}"
        return "all time"


def archive_stats(
    summaries: Iterable[IncidentSummary], *, since: datetime | None = None, until: datetime | None = None
) -> ArchiveStats:
    """Figures for the incidents that started in the window (`since` <= started < `until`)."""
    chosen = [
        s for s in summaries if (since is None or s.started_at >= since) and (until is None or s.started_at < until)
    ]
    by_severity = tuple(group_figures([s for s in chosen if s.severity is severity], severity) for severity in Severity)
    return ArchiveStats(since, until, by_severity, group_figures(chosen, None))


def group_figures(summaries: list[IncidentSummary], severity: Severity | None) -> GroupFigures:
    return GroupFigures(severity, len(summaries), tuple(metric_figures(summaries, m) for m in METRICS))


def metric_figures(summaries: list[IncidentSummary], metric: Metric) -> MetricFigures:
    seconds = [span.total_seconds() for span in (s.metric(metric) for s in summaries) if span is not None]
    if not seconds:
        return MetricFigures(metric, 0, None, None)
    return MetricFigures(
        metric, len(seconds), timedelta(seconds=statistics.mean(seconds)), timedelta(seconds=statistics.median(seconds))
    )


def incidents(count: int) -> str:
    return f"{count} incident" + ("" if count == 1 else "s")


def duration_text(span: timedelta | None) -> str:
    return format_duration(span) if span is not None else NO_DATA


# -- charts --------------------------------------------------------------------------------------


def bar(value: float, largest: float, width: int) -> str:
    """`value` as a bar of eighth blocks, `width` cells for `largest`."""
    if largest <= 0 or value <= 0 or width <= 0:
        return ""
    eighths = round(min(value, largest) / largest * width * 8)
    full, rest = divmod(eighths, 8)
    return BLOCKS[0] * full + (BLOCKS[8 - rest] if rest else "")


def bar_chart(rows: Sequence[tuple[str, float | None, str]], width: int) -> list[str]:
    """One line per (label, value, value as text), the bars scaled to the largest value, each
    line at most `width` characters (labels are cut first when it is narrow). A None value has
    no bar."""
    if not rows:
        return []
    text_width = max(len(text) for _, _, text in rows)
    label_width = min(max(len(label) for label, _, _ in rows), max(4, width // 3))
    bar_width = max(1, width - label_width - text_width - 2)
    largest = max((value for _, value, _ in rows if value is not None), default=0)
    lines = []
    for label, value, text in rows:
        shown = label if len(label) <= label_width else label[: label_width - 1] + "…"
        drawn = bar(value or 0, largest, bar_width)
        lines.append(f"{shown:<{label_width}} {drawn:<{bar_width}} {text}".rstrip()[:width])
    return lines


def stats_text(stats: ArchiveStats, width: int = 80) -> str:
    """Charts and tables for a terminal: incidents by severity, then each measure's mean by
    severity with its median and how many incidents it is drawn from."""
    lines = [
        fit(f"{incidents(stats.overall.incidents)}, {stats.window}", width),
        "",
        fit("Incidents by severity", width),
    ]
    lines += bar_chart([(g.label, g.incidents, str(g.incidents)) for g in stats.by_severity], width)
    for index, metric in enumerate(METRICS):
        lines += ["", fit(f"{metric.name}, mean ({metric.definition})", width)]
        rows = []
        for group in stats.groups:
            figures = group.metrics[index]
            mean = figures.mean.total_seconds() if figures.mean is not None else None
            text = f"{duration_text(figures.mean):>8}  median {duration_text(figures.median):>8}  n={figures.incidents}"
            rows.append((group.label, mean, text))
        lines += bar_chart(rows, width)
    return "\n".join(lines) + "\n"


def fit(line: str, width: int) -> str:
    return line if len(line) <= width else line[: max(0, width - 1)] + "…"


# -- Markdown and JSON ---------------------------------------------------------------------------


def stats_markdown(stats: ArchiveStats) -> str:
    lines = [
        "# Incident statistics",
        "",
        f"{incidents(stats.overall.incidents)}, {md_cell(stats.window)}.",
        "",
        "## Incidents by severity",
        "",
    ]
    lines += table(
        ["Severity", "Incidents"], [[md_cell(g.label), str(g.incidents)] for g in stats.groups], ["---", "---:"]
    )
    for index, metric in enumerate(METRICS):
        lines += ["", f"## {md_cell(metric.name)}", "", f"_{md_cell(metric.definition)}_", ""]
        rows = [
            [md_cell(g.label), str(f.incidents), duration_text(f.mean), duration_text(f.median)]
            for g in stats.groups
            for f in [g.metrics[index]]
        ]
        lines += table(["Severity", "Incidents measured", "Mean", "Median"], rows, ["---", "---:", "---:", "---:"])
    return "\n".join(lines) + "\n"


def metric_key(metric: Metric) -> str:
    """`time_to_detect`: the metric's name as a JSON key."""
    return metric.name.lower().replace(" ", "_")


def stats_json(stats: ArchiveStats) -> dict[str, Any]:
    """Durations in seconds (None when no incident had both milestones)."""

    def seconds(span: timedelta | None) -> float | None:
        return span.total_seconds() if span is not None else None

    def group(g: GroupFigures) -> dict[str, Any]:
        return {
            "severity": g.severity.label if g.severity else "all",
            "incidents": g.incidents,
            "metrics": {
                metric_key(f.metric): {
                    "definition": f.metric.definition,
                    "incidents": f.incidents,
                    "mean_seconds": seconds(f.mean),
                    "median_seconds": seconds(f.median),
                }
                for f in g.metrics
            },
        }

    return {
        "since": to_iso(stats.since) if stats.since else None,
        "until": to_iso(stats.until) if stats.until else None,
        "incidents": stats.overall.incidents,
        "by_severity": [group(g) for g in stats.by_severity],
        "overall": group(stats.overall),
    }
