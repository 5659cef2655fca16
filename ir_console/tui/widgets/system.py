"""The System pane: the seed's `top`, `df -h` and `free -m`, live, without typing them.

CPU (total and per core), memory, swap, load, disk and network I/O rates, each with a sparkline of
the last minutes; disks per mount, fullest first; the top processes by CPU and by memory. Values are
coloured by the configured thresholds. The pane only keeps history and draws: sampling and watching
happen in `SignalsPane`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.text import Text

from ir_console.config import Threshold, default_thresholds
from ir_console.render.signals import human_bytes, human_rate, spark
from ir_console.render.text import one_line
from ir_console.tui.widgets.text_pane import TextPane

if TYPE_CHECKING:  # the sample's type only: psutil, behind it, loads with the sampler
    from ir_console.signals.resources import ResourceSample

HISTORY = 300  # samples: ten minutes at the default interval (2 s)
LABEL_WIDTH = 12  # "CPU   93.5% "
TOP_PROCESSES = 5


def level(value: float | None, threshold: Threshold | None) -> str:
    if value is None or threshold is None:
        return "unknown"
    return "critical" if value >= threshold.critical else "warn" if value >= threshold.warn else "normal"


class SystemPane(TextPane):
    def __init__(self, thresholds: dict[str, Threshold] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.thresholds = thresholds if thresholds is not None else default_thresholds()
        self.history: dict[str, deque[float]] = {
            name: deque(maxlen=HISTORY) for name in ("cpu", "memory", "swap", "disk_io", "net")
        }
        self.latest: ResourceSample | None = None

    def record(self, sample: ResourceSample) -> None:
        """Keep the sample's figures in the sparklines' history (drawing is `redraw`'s)."""
        self.latest = sample
        figures = {
            "cpu": sample.cpu_percent,
            "memory": sample.memory_percent,
            "swap": sample.swap_percent,
            "disk_io": _total(sample.disk_read_rate, sample.disk_write_rate),
            "net": _total(sample.net_recv_rate, sample.net_sent_rate),
        }
        for name, value in figures.items():
            if value is not None:
                self.history[name].append(value)

    def on_resize(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        if self.latest is None:
            self.show_text(Text("Sampling…", style="dim"))
            return
        self.show_text(self.render_sample(self.latest, max(20, self.scrollable_content_region.width)))

    def _style(self, state: str) -> str:
        theme = self.app.current_theme
        return {"warn": f"{theme.warning}", "critical": f"bold {theme.error}", "unknown": "dim"}.get(state, "")

    def render_sample(self, sample: ResourceSample, width: int) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        spark_width = max(0, width - LABEL_WIDTH - 1)
        self._meter(text, "CPU", sample.cpu_percent, "cpu", spark_width)
        self._cores(text, sample.per_cpu, width)
        memory = (
            f"  {human_bytes(sample.memory_used)} of {human_bytes(sample.memory_total)}" if sample.memory_total else ""
        )
        self._meter(text, "Mem", sample.memory_percent, "memory", max(0, spark_width - len(memory)), memory)
        self._meter(text, "Swap", sample.swap_percent, "swap", spark_width)
        load = sample.load_average
        text.append("Load  ", "bold")
        text.append(f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {sample.cpu_count} cores\n" if load else "n/a\n")
        self._rates(
            text,
            "Disk",
            f"read {human_rate(sample.disk_read_rate)}  write {human_rate(sample.disk_write_rate)}",
            "disk_io",
            width,
        )
        self._rates(
            text, "Net", f"in {human_rate(sample.net_recv_rate)}  out {human_rate(sample.net_sent_rate)}", "net", width
        )
        self._mounts(text, sample)
        self._processes(text, "Top CPU", sample.top_cpu, lambda p: f"{p.cpu_percent:5.1f}%")
        self._processes(
            text, "Top memory", sample.top_memory, lambda p: f"{p.memory_percent:5.1f}% {human_bytes(p.rss):>9}"
        )
        text.rstrip()
        return text

    def _meter(self, text: Text, title: str, value: float | None, name: str, width: int, suffix: str = "") -> None:
        style = self._style(level(value, self.thresholds.get(name)))
        text.append(f"{title:<5} ", "bold")
        text.append(f"{value:5.1f}% " if value is not None else "  n/a  ", style)
        text.append(spark(self.history[name], width), style or "")
        text.append(f"{suffix}\n", "dim")

    def _cores(self, text: Text, per_cpu: Iterable[float], width: int) -> None:
        cores = list(per_cpu)
        if not cores:
            return
        threshold = self.thresholds.get("cpu")
        text.append("cores ", "bold")
        compact = len(cores) * 4 > width - 6
        for value in cores:
            style = self._style(level(value, threshold))
            text.append(spark([value], 1) if compact else f"{value:3.0f} ", style)
        text.append("\n")

    def _rates(self, text: Text, title: str, figures: str, name: str, width: int) -> None:
        text.append(f"{title:<5} ", "bold")
        text.append(figures)
        room = width - 6 - len(figures) - 1
        if room > 4:
            text.append(" " + spark(self.history[name], room, high=None), "dim")
        text.append("\n")

    def _mounts(self, text: Text, sample: ResourceSample) -> None:
        if not sample.mounts:
            return
        text.append("Disks (fullest first)\n", "bold")
        threshold = self.thresholds.get("disk")
        for mount in sample.mounts:
            style = self._style(level(mount.percent, threshold))
            text.append(f" {mount.percent:5.1f}% ", style)
            text.append(f"{one_line(mount.mountpoint)}", style)
            text.append(f"  {human_bytes(mount.used)} of {human_bytes(mount.total)} {one_line(mount.fstype)}\n", "dim")

    def _processes(self, text: Text, title: str, processes: Iterable, figure) -> None:
        processes = list(processes)[:TOP_PROCESSES]
        if not processes:
            return
        text.append(f"{title}\n", "bold")
        for process in processes:
            text.append(f" {figure(process)} ")
            text.append(f"{one_line(process.name)}", "")
            text.append(f" ({process.pid})\n", "dim")


def _total(first: float | None, second: float | None) -> float | None:
    if first is None and second is None:
        return None
    return (first or 0.0) + (second or 0.0)
