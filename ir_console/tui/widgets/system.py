"""The system pane: CPU, memory, swap, disk and load as figures and sparklines.

Sampling runs in a thread worker; the next sample is scheduled only after the last one finished,
so a slow read cannot pile up. While a modal covers the war room the pane keeps its history but
does not redraw.
"""

from __future__ import annotations

from collections import deque

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Label, Sparkline

from ir_console.signals.resources import ResourceSample

HISTORY = 120
METERS = (
    ("cpu", "CPU", "cpu_percent"),
    ("memory", "Mem", "memory_percent"),
    ("swap", "Swap", "swap_percent"),
    ("disk", "Disk /", "disk_percent"),
)
WARN, CRITICAL = 75.0, 90.0


def level(percent: float | None) -> str:
    if percent is None:
        return "unknown"
    return "critical" if percent >= CRITICAL else "warn" if percent >= WARN else "normal"


class SystemPane(VerticalScroll):
    DEFAULT_CSS = """
    SystemPane .meter { height: 1; }
    SystemPane .meter Label { width: 13; }
    SystemPane .meter Sparkline { width: 1fr; height: 1; }
    SystemPane .warn { color: $warning; }
    SystemPane .critical { color: $error; text-style: bold; }
    SystemPane .unknown { color: $text-disabled; }
    SystemPane #load { height: 1; }
    """

    def __init__(self, interval: float = 1.0, **kwargs) -> None:  # noqa: ANN003
        super().__init__(**kwargs)
        self.interval = interval
        self.history = {name: deque([0.0], maxlen=HISTORY) for name, _, _ in METERS}
        self.latest: ResourceSample | None = None

    def compose(self) -> ComposeResult:
        for name, _, _ in METERS:
            with Horizontal(classes="meter"):
                yield Label("—", id=f"{name}-value")
                yield Sparkline([0.0], id=f"{name}-spark")
        yield Label("load —", id="load")

    def on_mount(self) -> None:
        if self.interval > 0:
            self.sample_now()

    def sample_now(self) -> None:
        self.run_worker(self._sample, thread=True, exclusive=True, group="resources", exit_on_error=False)

    def _sample(self) -> None:
        sample = self.app.sampler.sample()
        self.app.call_from_thread(self.record, sample)

    def record(self, sample: ResourceSample) -> None:
        self.latest = sample
        for name, _, attribute in METERS:
            value = getattr(sample, attribute)
            if value is not None:
                self.history[name].append(value)
        if self.screen.is_current:
            self.redraw()
        if self.interval > 0 and self.is_mounted:
            self.set_timer(self.interval, self.sample_now)

    def redraw(self) -> None:
        sample = self.latest
        if sample is None:
            return
        for name, title, attribute in METERS:
            value = getattr(sample, attribute)
            label = self.query_one(f"#{name}-value", Label)
            label.update(f"{title:<6} {value:5.1f}%" if value is not None else f"{title:<6}   n/a")
            label.set_classes(level(value))
            self.query_one(f"#{name}-spark", Sparkline).data = list(self.history[name])
        load = sample.load_average
        text = f"load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {sample.cpu_count} cores" if load else "load n/a"
        self.query_one("#load", Label).update(text)
