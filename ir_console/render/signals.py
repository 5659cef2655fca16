"""Signals as text: the figures and lines the signal panes show, and the evidence they attach.

Pure functions over what `ir_console.signals` measured. Everything read from outside (a log line,
a commit subject, an HTTP reason) passes through `display_text`: evidence is captured verbatim,
minus terminal control sequences.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ir_console.model.clock import format_duration, to_iso
from ir_console.render.text import display_text, one_line

if TYPE_CHECKING:
    from ir_console.config import LogSource
    from ir_console.signals.changes import Commit, RepoChanges
    from ir_console.signals.health_state import HealthResult
    from ir_console.signals.logs import LogLine
    from ir_console.signals.resources import ResourceSample

SPARK_BLOCKS = "▁▂▃▄▅▆▇█"
SHORT_SHA = 9


def spark(values: Sequence[float], width: int, *, high: float | None = 100.0) -> str:
    """The last `width` values as block characters on a fixed 0..`high` scale.

    Textual's `Sparkline` scales each window to its own minimum and maximum, which draws a 1.7%
    figure with a small wobble as full bars; a percentage needs a fixed scale. `high=None` scales
    to the window's maximum instead (for rates, which have no natural top).
    """
    shown = list(values)[-width:] if width > 0 else []
    top = high if high is not None else max(shown, default=0.0)
    if not shown or top <= 0:
        return SPARK_BLOCKS[0] * len(shown)
    last = len(SPARK_BLOCKS) - 1
    return "".join(SPARK_BLOCKS[min(last, max(0, round(value / top * last)))] for value in shown)


def human_bytes(count: float | None) -> str:
    if count is None:
        return "n/a"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(count) < 1024 or unit == "TiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} TiB"  # not reached


def human_rate(per_second: float | None) -> str:
    return "n/a" if per_second is None else f"{human_bytes(per_second)}/s"


def clock_time(moment: datetime) -> str:
    return moment.strftime("%H:%M:%SZ")


# -- health ---------------------------------------------------------------------------------------


def health_line(result: HealthResult, now: datetime) -> str:
    """`checkout-api  DOWN  since 02:55:20Z (19m 10s)`."""
    held = format_duration(max(now - result.since, timedelta(0)))
    return f"{one_line(result.name)}  {result.state.value.upper()}  since {clock_time(result.since)} ({held})"


def health_detail(result: HealthResult) -> str:
    """`HTTP 500 (expected 200) · 184 ms · GET https://checkout.internal/health`."""
    parts = [one_line(result.reason)]
    if result.latency is not None:
        parts.append(f"{result.latency * 1000:.0f} ms")
    parts.append(one_line(result.target))
    return " · ".join(parts)


def health_evidence(results: Iterable[HealthResult], now: datetime) -> str:
    lines = [f"Health checks at {to_iso(now)}:"]
    for result in results:
        latency = f", {result.latency * 1000:.0f} ms" if result.latency is not None else ""
        lines.append(
            f"- {one_line(result.name)} ({one_line(result.target)}): {result.state.value}, "
            f"{one_line(result.reason)}{latency}, since {to_iso(result.since)}"
        )
    if len(lines) == 1:
        lines.append("- no checks configured")
    return "\n".join(lines)


# -- changes --------------------------------------------------------------------------------------


def commit_line(commit: Commit) -> str:
    subject, author = one_line(commit.subject), one_line(commit.author)
    return f"{clock_time(commit.committed_at)} {commit.sha[:SHORT_SHA]} {subject} — {author}"


def changes_evidence(repos: Iterable[RepoChanges], now: datetime) -> str:
    lines = [f"Recent changes at {to_iso(now)}:"]
    for repo in repos:
        source = repo.source
        heading = f"{one_line(source.label)} ({display_text(str(source.path))}, since {one_line(source.since)})"
        if repo.problem:
            lines.append(f"- {heading}: {one_line(repo.problem)}")
            continue
        lines.append(f"- {heading}: {len(repo.commits)} commit{'' if len(repo.commits) == 1 else 's'}")
        lines.extend(f"  - {commit_line(commit)}" for commit in repo.commits)
    if len(lines) == 1:
        lines.append("- no repositories configured")
    return "\n".join(lines)


# -- logs -----------------------------------------------------------------------------------------


def log_line(line: LogLine) -> str:
    return f"{clock_time(line.seen_at)} {one_line(line.text)}"


def logs_evidence(
    tails: Iterable[tuple[LogSource, Iterable[LogLine], str | None]], now: datetime, *, last: int = 20
) -> str:
    """`tails`: (source, lines, problem) per file; the last `last` matching lines of each."""
    out = [f"Log lines at {to_iso(now)}:"]
    for source, lines, problem in tails:
        heading = f"{one_line(source.label)} ({display_text(str(source.path))}, /{one_line(source.pattern)}/)"
        shown = list(lines)[-last:]
        state = (
            f": {one_line(problem)}"
            if problem
            else f": last {len(shown)} matching line{'' if len(shown) == 1 else 's'}"
        )
        out.append(f"- {heading}{state}")
        out.extend(f"  {log_line(line)}" for line in shown)
    if len(out) == 1:
        out.append("- no log files configured")
    return "\n".join(out)


# -- system ---------------------------------------------------------------------------------------


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}%"


def system_evidence(sample: ResourceSample, now: datetime) -> str:
    """What `top`, `free` and `df` would have said, in a few lines."""
    cores = ", ".join(f"{value:.0f}%" for value in sample.per_cpu)
    memory = (
        f" ({human_bytes(sample.memory_used)} of {human_bytes(sample.memory_total)})" if sample.memory_total else ""
    )
    load = sample.load_average
    lines = [
        f"System at {to_iso(now)}:",
        f"- CPU {_percent(sample.cpu_percent)}"
        + (f" (per core: {cores})" if cores else "")
        + (f", load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {sample.cpu_count} cores" if load else ""),
        f"- memory {_percent(sample.memory_percent)}{memory}, swap {_percent(sample.swap_percent)}",
        f"- disk I/O read {human_rate(sample.disk_read_rate)}, write {human_rate(sample.disk_write_rate)}; "
        f"network in {human_rate(sample.net_recv_rate)}, out {human_rate(sample.net_sent_rate)}",
    ]
    if sample.mounts:
        lines.append(
            "- disks: "
            + ", ".join(
                f"{one_line(mount.mountpoint)} {mount.percent:.0f}% ({human_bytes(mount.used)} of "
                f"{human_bytes(mount.total)})"
                for mount in sample.mounts
            )
        )
    if sample.top_cpu:
        lines.append(
            "- top CPU: "
            + ", ".join(
                f"{one_line(process.name)} ({process.pid}) {process.cpu_percent:.1f}%" for process in sample.top_cpu
            )
        )
    if sample.top_memory:
        lines.append(
            "- top memory: "
            + ", ".join(
                f"{one_line(process.name)} ({process.pid}) {process.memory_percent:.1f}% {human_bytes(process.rss)}"
                for process in sample.top_memory
            )
        )
    return "\n".join(lines)
