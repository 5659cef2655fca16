"""The results table (Markdown, so stdout and RESULTS.md are the same text) and the machine line."""

from __future__ import annotations

import os
import platform
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Row:
    figure: str
    console: str
    baseline: str = "–"
    ratio: str = "–"
    target: str = "–"


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile: p99 of 200 values is the 198th smallest, a value that occurred."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil(n * p / 100)
    return ordered[int(rank) - 1]


def seconds(values: list[float], spread: bool = True) -> str:
    text = f"{median(values) * 1000:.0f} ms"
    if spread and len(values) > 1:
        text += f" ({min(values) * 1000:.0f}–{max(values) * 1000:.0f})"
    return text


def milliseconds(values: list[float]) -> str:
    """Median and range of timings given in milliseconds, for figures too short for `seconds`."""
    text = ms(median(values))
    if len(values) > 1:
        text += f" ({min(values):.1f}–{max(values):.1f})"
    return text


def mib(kib_values: list[float]) -> str:
    return f"{median(kib_values) / 1024:.1f} MiB"


def ms(value: float) -> str:
    return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}x" if base else "–"


def table(rows: list[Row]) -> str:
    header = Row("figure", "ir-console", "baseline", "ratio", "target")
    cells = [[r.figure, r.console, r.baseline, r.ratio, r.target] for r in [header, *rows]]
    widths = [max(len(c[i]) for c in cells) for i in range(5)]
    lines = []
    for number, row in enumerate(cells):
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |")
        if number == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def filesystem(path: Path) -> str:
    try:
        import psutil

        best = None
        for part in psutil.disk_partitions(all=True):
            if str(path).startswith(part.mountpoint) and (best is None or len(part.mountpoint) > len(best.mountpoint)):
                best = part
        return f"{best.fstype} on {best.mountpoint}" if best else "?"
    except Exception:
        return "?"


def machine(tmp: Path) -> str:
    from importlib.metadata import version

    import textual

    try:
        textual_version = textual.__version__
    except AttributeError:
        textual_version = version("textual")
    import sqlite3

    from textual import constants

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (
        f"machine: {os.cpu_count()} CPUs, load {load}; Python {platform.python_version()} "
        f"({sys.implementation.name}); Textual {textual_version} (frame cap {constants.MAX_FPS} fps); "
        f"SQLite {sqlite3.sqlite_version}; "
        f"{platform.platform()}; databases in {tmp} ({filesystem(tmp)})"
    )


def write_results(path: Path, text: str, command: str) -> None:
    path.write_text(
        "# Benchmark results\n\n"
        f"Written by `{command}`. Medians of fresh runs on a shared machine: read the ratios, not the "
        "absolute figures. See `benchmarks/__init__.py` and the module docstrings for what is timed.\n\n" + text + "\n"
    )
