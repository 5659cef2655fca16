"""The Signals pane of a resolved incident: what was recorded from the signals, not today's machine.

Reviewing an incident shows its `signal` and `evidence` events from the timeline, each with the
time it happened and the text as captured (evidence whole, one line of it per line). A long
incident records tens of thousands of them: `RecordedLines` lays them out as one small tuple a
line (on the reader thread) and makes a line's text only when the pane draws it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.text import Text

from ir_console.model import EventKind, TimelineEvent
from ir_console.model.clock import as_utc
from ir_console.render.text import display_text, one_line
from ir_console.tui.widgets.text_pane import TextPane

RECORDED_KINDS = (EventKind.SIGNAL, EventKind.EVIDENCE)
NOTHING_RECORDED = "No signal or evidence events were recorded on this incident's timeline."
DATE_LINE, HEADER_LINE = -1, 0


class RecordedLines(Sequence[Text]):
    """The pane's lines: each event's time (UTC, under a line with the date when the day changes),
    kind and author, then its text; retracted ones struck out."""

    def __init__(self, events: list[TimelineEvent]) -> None:
        self.events = events
        # (event index, DATE_LINE, HEADER_LINE or the body line's number from 1)
        self.rows: list[tuple[int, int]] = []
        day = None
        for index, event in enumerate(events):
            occurred = as_utc(event.occurred_at).date()
            if occurred != day:
                day = occurred
                self.rows.append((index, DATE_LINE))
            self.rows.append((index, HEADER_LINE))
            body_lines = display_text(event.text).count("\n") + 1
            self.rows.extend((index, number) for number in range(1, body_lines + 1))

    def __len__(self) -> int:
        return len(self.rows) if self.events else 1

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if not self.events:
            if index not in (0, -1):
                raise IndexError(index)
            return Text(NOTHING_RECORDED, style="italic")
        event_index, line = self.rows[index]
        event = self.events[event_index]
        occurred = as_utc(event.occurred_at)
        if line == DATE_LINE:
            return Text(f"{occurred.date():%Y-%m-%d}", style="dim")
        if line == HEADER_LINE:
            return header_text(event, occurred)
        body = display_text(event.text).split("\n")[line - 1]
        return Text(f"  {body}", style="dim strike" if event.is_retracted else "")


def header_text(event: TimelineEvent, occurred: datetime) -> Text:
    text = Text()
    text.append(f"{occurred:%H:%M:%S}Z ", style="bold")
    text.append(event.kind.label, style="red" if event.kind is EventKind.SIGNAL else "yellow")
    if event.author:
        text.append(f" by {one_line(event.author, 24)}", style="dim")
    if event.is_retracted:
        text.append(" [retracted]", style="dim")
    return text


class RecordedSignals(TextPane):
    """The incident's recorded signals and evidence, shown in place of the live tabs."""

    def show_recorded(self, lines: RecordedLines) -> None:
        if isinstance(self._lines, RecordedLines) and self._lines.events == lines.events:
            return  # nothing recorded changed: the pane keeps its place
        self.show_lines(lines)

    def show_events(self, events: list[TimelineEvent]) -> None:
        self.show_recorded(RecordedLines(events))
