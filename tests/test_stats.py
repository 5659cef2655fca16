"""Archive statistics: counts and mean/median durations by severity, on hand-computed incidents,
and the three renderings (terminal charts, Markdown, JSON)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from ir_console.model import METRICS, Incident, Milestone, Phase, Severity, Status, Triage
from ir_console.model.archive import IncidentSummary
from ir_console.render.stats import BLOCKS, archive_stats, bar, bar_chart, stats_json, stats_markdown, stats_text

UTC = UTC
T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=30)


def summary(number: int, severity: Severity, start_hours: float, **minutes: float | None) -> IncidentSummary:
    """An incident whose impact started `start_hours` after T0; each milestone given in minutes
    after that start (None: the milestone was never set)."""
    start = T0 + timedelta(hours=start_hours)
    milestones = {Milestone.IMPACT_STARTED: start}
    for name, offset in minutes.items():
        if offset is not None:
            milestones[Milestone(name)] = start + timedelta(minutes=offset)
    if minutes.get("impact_started", 0) is None:
        del milestones[Milestone.IMPACT_STARTED]
    incident = Incident(
        id=number,
        ref=f"INC-20260504-{number:03d}",
        uuid=f"u{number}",
        title=f"incident {number}",
        severity=severity,
        status=Status.RESOLVED if Milestone.RESOLVED in milestones else Status.INVESTIGATING,
        phase=Phase.TRIAGE,
        triage=Triage(),
        milestones=milestones,
    )
    return IncidentSummary.of(incident, NOW)


def hand_computed() -> list[IncidentSummary]:
    return [
        # SEV-1: detect 10, 20, 60 min -> mean 30, median 20; acknowledge 2, 4, 9 (after detected)
        summary(1, Severity.SEV1, 0, detected=10, acknowledged=12, mitigated=40, resolved=130),
        summary(2, Severity.SEV1, 1, detected=20, acknowledged=24, mitigated=50, resolved=None),
        summary(3, Severity.SEV1, 2, detected=60, acknowledged=69, mitigated=None, resolved=300),
        # SEV-2: one incident with every milestone
        summary(4, Severity.SEV2, 3, detected=5, acknowledged=6, mitigated=35, resolved=65),
        # SEV-3: no impact start, so no time to detect; detected at its start
        summary(5, Severity.SEV3, 4, impact_started=None, detected=0, acknowledged=30),
    ]


def figures(stats, label: str, metric_index: int):
    group = next(g for g in stats.groups if g.label == label)
    return group.metrics[metric_index]


def test_counts_means_and_medians_are_exact() -> None:
    stats = archive_stats(hand_computed())
    assert [(g.label, g.incidents) for g in stats.groups] == [
        ("SEV-1", 3),
        ("SEV-2", 1),
        ("SEV-3", 1),
        ("SEV-4", 0),
        ("All", 5),
    ]
    detect, acknowledge, mitigate, resolve = range(4)
    assert [m.name for m in METRICS] == ["Time to detect", "Time to acknowledge", "Time to mitigate", "Time to resolve"]
    minutes = lambda f: (
        f.incidents,
        f.mean / timedelta(minutes=1) if f.mean is not None else None,
        f.median / timedelta(minutes=1) if f.median is not None else None,
    )
    assert minutes(figures(stats, "SEV-1", detect)) == (3, 30, 20)
    assert minutes(figures(stats, "SEV-1", acknowledge)) == (3, 5, 4)
    assert minutes(figures(stats, "SEV-1", mitigate)) == (2, 30, 30)  # (30 + 30) / 2: one never mitigated
    assert minutes(figures(stats, "SEV-1", resolve)) == (2, 180, 180)  # 120 and 240 after detection
    assert minutes(figures(stats, "SEV-2", resolve)) == (1, 60, 60)
    assert minutes(figures(stats, "SEV-3", detect)) == (0, None, None)  # no impact start: left out
    assert minutes(figures(stats, "SEV-3", acknowledge)) == (1, 30, 30)
    assert minutes(figures(stats, "SEV-4", detect)) == (0, None, None)
    # Overall: detect 10, 20, 60, 5 -> mean 23.75, median 15; acknowledge 2, 4, 9, 1, 30 -> 9.2, 4
    assert minutes(figures(stats, "All", detect)) == (4, 23.75, 15)
    assert minutes(figures(stats, "All", acknowledge)) == (5, 9.2, 4)


def test_the_window_takes_incidents_that_started_in_it() -> None:
    everything = hand_computed()
    stats = archive_stats(everything, since=T0 + timedelta(hours=1), until=T0 + timedelta(hours=3))
    assert [g.incidents for g in stats.groups] == [2, 0, 0, 0, 2]  # since inclusive, until exclusive
    assert stats.window == "started from 2026-05-04 09:00 UTC to 2026-05-04 11:00 UTC"
    assert archive_stats(everything, since=T0 + timedelta(hours=4)).overall.incidents == 1
    assert archive_stats(everything, until=T0).overall.incidents == 0
    assert archive_stats([]).overall.metrics[0].incidents == 0


def test_json_holds_the_same_numbers_in_seconds() -> None:
    data = json.loads(json.dumps(stats_json(archive_stats(hand_computed(), since=T0))))
    assert data["since"] == "2026-05-04T08:00:00.000Z" and data["until"] is None and data["incidents"] == 5
    sev1 = data["by_severity"][0]
    assert sev1["severity"] == "SEV-1" and sev1["incidents"] == 3
    assert sev1["metrics"]["time_to_detect"] == {
        "definition": "from impact started to detected",
        "incidents": 3,
        "mean_seconds": 1800.0,
        "median_seconds": 1200.0,
    }
    assert [g["severity"] for g in data["by_severity"]] == ["SEV-1", "SEV-2", "SEV-3", "SEV-4"]
    assert data["by_severity"][3]["metrics"]["time_to_resolve"]["mean_seconds"] is None
    assert data["overall"]["metrics"]["time_to_detect"]["mean_seconds"] == 23.75 * 60


def table_after(markdown: str, heading: str) -> list[list[str]]:
    lines = markdown.splitlines()
    start = lines.index(heading)
    rows = []
    for line in lines[start + 1 :]:
        if line.startswith("## "):
            break
        if line.startswith("|") and not line.startswith("|---"):
            rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def test_markdown_tables() -> None:
    markdown = stats_markdown(archive_stats(hand_computed()))
    assert markdown.startswith("# Incident statistics\n\n5 incidents, all time.\n")
    assert table_after(markdown, "## Incidents by severity") == [
        ["Severity", "Incidents"],
        ["SEV-1", "3"],
        ["SEV-2", "1"],
        ["SEV-3", "1"],
        ["SEV-4", "0"],
        ["All", "5"],
    ]
    detect = table_after(markdown, "## Time to detect")
    assert detect[0] == ["Severity", "Incidents measured", "Mean", "Median"]
    assert detect[1] == ["SEV-1", "3", "30m 00s", "20m 00s"]
    assert detect[3] == ["SEV-3", "0", "—", "—"]
    assert detect[5] == ["All", "4", "23m 45s", "15m 00s"]
    assert "_from impact started to detected_" in markdown


def test_bars_are_proportional_in_eighths() -> None:
    assert bar(10, 10, 8) == BLOCKS[0] * 8
    assert bar(5, 10, 8) == BLOCKS[0] * 4
    assert bar(1, 16, 8) == "▌"  # half a cell: four eighths
    assert bar(1, 64, 8) == "▏"  # one eighth
    assert bar(0, 10, 8) == "" and bar(3, 0, 8) == "" and bar(-2, 10, 8) == ""


@pytest.mark.parametrize("width", [20, 40, 61, 80, 132])
def test_charts_fit_the_width(width: int) -> None:
    text = stats_text(archive_stats(hand_computed()), width)
    lines = text.splitlines()
    assert all(len(line) <= width for line in lines), max(lines, key=len)
    chart = bar_chart([("SEV-1", 3, "3"), ("a very long severity label", 1.5, "1.5"), ("none", None, "—")], width)
    assert all(len(line) <= width for line in chart)
    cells = [sum(1 for char in line if char in BLOCKS) for line in chart]
    assert cells[0] >= 1 and abs(cells[1] * 2 - cells[0]) <= 2  # half the value, half the bar
    assert cells[2] == 0 and chart[2].endswith("—")
    assert chart[0].endswith(" 3") and chart[1].endswith(" 1.5")


def test_terminal_text_shows_counts_and_each_measure() -> None:
    text = stats_text(archive_stats(hand_computed()), 100)
    lines = text.splitlines()
    assert lines[0] == "5 incidents, all time"
    assert "Incidents by severity" in lines
    sev1 = lines[lines.index("Incidents by severity") + 1]
    assert sev1.startswith("SEV-1 " + BLOCKS[0]) and sev1.endswith(" 3")
    detect = next(i for i, line in enumerate(lines) if line.startswith("Time to detect"))
    assert lines[detect + 1].startswith("SEV-1") and lines[detect + 1].endswith("30m 00s  median  20m 00s  n=3")
    assert lines[detect + 5].startswith("All") and lines[detect + 5].endswith("n=4")
    assert "SEV-4" in lines[detect + 4] and lines[detect + 4].endswith("—  median        —  n=0")
