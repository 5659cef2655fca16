"""The Health pane: each configured endpoint up, degraded or down, with its reason and latency."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from ir_console.render.signals import health_detail, health_line
from ir_console.signals.health_state import HealthResult, HealthState
from ir_console.tui.widgets.text_pane import TextPane

STATE_LOOK = {
    HealthState.UP: ("●", "green"),
    HealthState.DEGRADED: ("◐", "bold yellow"),
    HealthState.DOWN: ("✖", "bold red"),
}


class HealthPane(TextPane):
    def show(self, results: list[HealthResult], now: datetime, *, configured: bool) -> None:
        if not configured:
            self.show_text(
                Text(
                    "No health checks configured: add [[health.http]] or [[health.tcp]] "
                    "to the configuration file (ir-console config init).",
                    style="dim",
                )
            )
            return
        if not results:
            self.show_text(Text("Checking…", style="dim"))
            return
        text = Text(no_wrap=True, overflow="ellipsis")
        for index, result in enumerate(results):
            glyph, style = STATE_LOOK[result.state]
            if index:
                text.append("\n")
            text.append(f"{glyph} ", style)
            text.append(health_line(result, now), style if result.state is not HealthState.UP else "")
            text.append(f"\n  {health_detail(result)}", "dim")
        self.show_text(text)


def health_summary(results: list[HealthResult]) -> str:
    """The tab's label: `Health`, or `Health 2 down` when something is not up."""
    down = sum(result.state is HealthState.DOWN for result in results)
    degraded = sum(result.state is HealthState.DEGRADED for result in results)
    parts = [f"{down} down"] * bool(down) + [f"{degraded} slow"] * bool(degraded)
    return " ".join(["Health", *parts])
