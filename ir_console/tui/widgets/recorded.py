"""The Signals pane of a resolved incident: what was recorded from the signals, not today's machine.

Reviewing an incident shows its `signal` and `evidence` events from the timeline, each with the
time it happened and the text as captured (evidence whole, one line of it per line).
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from ir_console.model import EventKind, TimelineEvent
from ir_console.model.clock import as_utc
from ir_console.render.text import display_text, one_line
from ir_console.tui.widgets.text_pane import TextPane

RECORDED_KINDS = (EventKind.SIGNAL, EventKind.EVIDENCE)
NOTHING_RECORDED = "No signal or evidence events were recorded on this incident's timeline."


def recorded_text(events: list[TimelineEvent]) -> Text:
    """Each event's time (UTC, under a line with the date when the day changes), kind and author,
    then its text; retracted ones struck out."""
    if not events:
        return Text(NOTHING_RECORDED, style="italic")
    lines: list[Text] = []
    day = None
    for event in events:
        occurred = as_utc(event.occurred_at)
        if occurred.date() != day:
            day = occurred.date()
            lines.append(Text(f"{day:%Y-%m-%d}", style="dim"))
        lines.append(event_text(event, occurred))
    return Text("\n").join(lines)


def event_text(event: TimelineEvent, occurred: datetime) -> Text:
    text = Text()
    text.append(f"{occurred:%H:%M:%S}Z ", style="bold")
    text.append(event.kind.label, style="red" if event.kind is EventKind.SIGNAL else "yellow")
    if event.author:
        text.append(f" by {one_line(event.author, 24)}", style="dim")
    if event.is_retracted:
        text.append(" [retracted]", style="dim")
    body_style = "dim strike" if event.is_retracted else ""
    for line in display_text(event.text).split("\n"):
        text.append(f"\n  {line}", style=body_style)
    return text


class RecordedSignals(TextPane):
    """The incident's recorded signals and evidence, shown in place of the live tabs."""

    def show_events(self, events: list[TimelineEvent]) -> None:
        self.show_text(recorded_text(events))
